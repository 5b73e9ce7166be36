"""Hypothesis strategies for random graph-dialect functions (DAGs of graph ops with valid shapes)."""

from __future__ import annotations

from hypothesis import strategies as st
from xdsl.dialects import builtin, func
from xdsl.ir import Block, Region

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
