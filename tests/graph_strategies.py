"""Hypothesis strategies for random graph-dialect functions (DAGs of graph ops with valid shapes)."""

from __future__ import annotations

from hypothesis import strategies as st
from xdsl.dialects import builtin, func
from xdsl.ir import Block, Operation, Region, SSAValue

from tessel.dialects.graph import elementwise as ew


def tensor(*shape: int) -> builtin.TensorType:
    return builtin.TensorType(builtin.f32, shape)


UNARY_SAFE = [ew.ReluOp, ew.SigmoidOp, ew.TanhOp, ew.GeluOp, ew.LeakyReluOp]
BINARY_SAFE = [ew.AddOp, ew.SubOp, ew.MulOp, ew.MaxOp, ew.MinOp]


@st.composite
def elementwise_programs(draw: st.DrawFn) -> tuple[builtin.ModuleOp, list[tuple[int, ...]]]:
    """A function of 1-8 random unary/binary elementwise ops over broadcast-compatible f32 inputs; and the input shapes."""
    rank = draw(st.integers(1, 3))
    full = tuple(draw(st.lists(st.integers(1, 4), min_size=rank, max_size=rank)))
    input_shapes = [full] + [
        tuple(d if draw(st.booleans()) else 1 for d in full[draw(st.integers(0, rank - 1)) :])
        for _ in range(draw(st.integers(0, 2)))
    ]
    block = Block(arg_types=[tensor(*s) for s in input_shapes])
    values = list(block.args)
    for _ in range(draw(st.integers(1, 8))):
        if draw(st.booleans()):
            op = draw(st.sampled_from(UNARY_SAFE))(draw(st.sampled_from(values)))
        else:
            op = draw(st.sampled_from(BINARY_SAFE))(draw(st.sampled_from(values)), draw(st.sampled_from(values)))
        block.add_op(op)
        values.append(op.results[0])
    result = values[-1]
    block.add_op(func.ReturnOp(result))
    function = func.FuncOp("f", ([a.type for a in block.args], [result.type]), Region(block))
    return builtin.ModuleOp([function]), input_shapes


def _mixed_op(kind: str, x: SSAValue, y: SSAValue, weight: SSAValue, bias: SSAValue) -> list[Operation]:
    """The op(s) of one step of `mixed_dags`; every result has x's [1, C, S, S] shape."""
    from tessel.dialects.graph import nn, pool, reduce, shape

    if kind == "conv":
        return [nn.Conv2dOp(x, weight, padding=[1, 1, 1, 1])]
    if kind == "pool":
        return [pool.MaxPool2dOp(x, kernel=[3, 3], padding=[1, 1, 1, 1])]
    if kind == "relu":
        return [ew.ReluOp(x)]
    if kind == "sigmoid":
        return [ew.SigmoidOp(x)]
    if kind == "add":
        return [ew.AddOp(x, y)]
    if kind == "bias":
        return [ew.AddOp(x, bias)]
    if kind == "transpose":
        return [shape.TransposeOp(x, perm=[0, 1, 3, 2])]
    if kind == "softmax":
        return [nn.SoftmaxOp(x, axis=1)]
    total = reduce.ReduceSumOp(x, axes=[2, 3], keepdims=True)
    return [total, ew.AddOp(x, total.results[0])]  # broadcast back to the full shape


@st.composite
def mixed_dags(draw: st.DrawFn) -> tuple[builtin.ModuleOp, list[tuple[int, ...]]]:
    """A random DAG over [1, C, S, S] values mixing every pattern kind fuse-ops distinguishes:
    conv2d and max_pool2d (out-elemwise-fusable), elementwise, broadcast (bias add),
    injective (transpose), reductions and softmax (opaque). Returns the module and input shapes."""
    channels, size = draw(st.integers(1, 3)), draw(st.integers(1, 4))
    full = (1, channels, size, size)
    input_shapes = [full, (channels, channels, 3, 3), (channels, 1, 1)]
    block = Block(arg_types=[tensor(*s) for s in input_shapes])
    data, weight, bias = block.args
    values = [data]
    for _ in range(draw(st.integers(1, 10))):
        x = draw(st.sampled_from(values))
        y = draw(st.sampled_from(values))
        kind = draw(st.sampled_from(["conv", "pool", "relu", "sigmoid", "add", "bias", "transpose", "reduce", "softmax"]))
        new_ops = _mixed_op(kind, x, y, weight, bias)
        block.add_ops(new_ops)
        values.append(new_ops[-1].results[0])
    outputs = [values[-1]] + ([draw(st.sampled_from(values[1:]))] if draw(st.booleans()) and len(values) > 2 else [])
    block.add_op(func.ReturnOp(*outputs))
    function = func.FuncOp("f", ([a.type for a in block.args], [o.type for o in outputs]), Region(block))
    return builtin.ModuleOp([function]), input_shapes
