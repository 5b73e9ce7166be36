"""Hypothesis strategies for graph-simplify: conv2d + batch_norm + relu, shape-op chains, constant subgraphs."""

from __future__ import annotations

import math
from typing import cast

import numpy as np
from hypothesis import strategies as st
from xdsl.dialects import builtin, func
from xdsl.ir import Block, Operation, Region, SSAValue

from tessel.dialects.graph import elementwise as ew
from tessel.dialects.graph.constant import ConstantOp
from tessel.dialects.graph.movement import CastOp, PadOp, SliceOp
from tessel.dialects.graph.nn import BatchNormOp, Conv2dOp, DenseOp
from tessel.dialects.graph.shape import ReshapeOp, TransposeOp

from .graph_strategies import BINARY_SAFE, UNARY_SAFE, tensor

Program = tuple[builtin.ModuleOp, list[tuple[int, ...]]]


def module_of(block: Block, result: SSAValue) -> builtin.ModuleOp:
    """A module with one function @f returning `result` from `block`."""
    block.add_op(func.ReturnOp(result))
    function = func.FuncOp("f", ([a.type for a in block.args], [result.type]), Region(block))
    return builtin.ModuleOp([function])


def add(block: Block, op: Operation) -> SSAValue:
    block.add_op(op)
    return op.results[0]


def constant(block: Block, array: np.ndarray) -> SSAValue:
    return add(block, ConstantOp.from_array(array.astype(np.float32)))


@st.composite
def conv_batch_norm_programs(draw: st.DrawFn) -> Program:
    """relu(batch_norm(conv2d(x, W) [+ b])) with constant W, b and batch_norm params; random shapes, strides, padding, groups."""
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    groups = draw(st.sampled_from([1, 1, 2]))
    in_channels = groups * draw(st.integers(1, 3))
    out_channels = groups * draw(st.integers(1, 3))
    kh, kw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    padding = draw(st.lists(st.integers(0, 1), min_size=4, max_size=4))
    h = draw(st.integers(max(1, kh - padding[0] - padding[2]), 6))
    w = draw(st.integers(max(1, kw - padding[1] - padding[3]), 6))
    strides = draw(st.lists(st.integers(1, 2), min_size=2, max_size=2))
    input_shape = (draw(st.integers(1, 2)), in_channels, h, w)
    block = Block(arg_types=[tensor(*input_shape)])
    weight = constant(block, rng.standard_normal((out_channels, in_channels // groups, kh, kw)))
    value = add(block, Conv2dOp(block.args[0], weight, strides=strides, padding=padding, groups=groups))
    bias_shape = draw(st.sampled_from([None, (out_channels, 1, 1), (1, out_channels, 1, 1)]))
    if bias_shape is not None:
        bias = constant(block, rng.standard_normal(bias_shape))
        value = add(block, ew.AddOp(value, bias) if draw(st.booleans()) else ew.AddOp(bias, value))
    gamma, beta, mean = (constant(block, rng.standard_normal(out_channels)) for _ in range(3))
    variance = constant(block, rng.uniform(0.1, 2.0, out_channels))
    epsilon = draw(st.sampled_from([None, 1e-3, 0.0]))
    value = add(block, BatchNormOp(value, gamma, beta, mean, variance, epsilon=epsilon))
    return module_of(block, add(block, ew.ReluOp(value))), [input_shape]


@st.composite
def dense_batch_norm_programs(draw: st.DrawFn) -> Program:
    """batch_norm(dense(x, W[, b])) with constant W, b and params."""
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    n, k, m = draw(st.integers(1, 4)), draw(st.integers(1, 5)), draw(st.integers(1, 5))
    block = Block(arg_types=[tensor(n, k)])
    weight = constant(block, rng.standard_normal((m, k)))
    bias = constant(block, rng.standard_normal(m)) if draw(st.booleans()) else None
    value = add(block, DenseOp(block.args[0], weight, bias))
    gamma, beta, mean = (constant(block, rng.standard_normal(m)) for _ in range(3))
    variance = constant(block, rng.uniform(0.1, 2.0, m))
    return module_of(block, add(block, BatchNormOp(value, gamma, beta, mean, variance))), [(n, k)]


def _shape_step(draw: st.DrawFn, value: SSAValue) -> Operation:
    """One random shape op on `value`: often an identity, or one that a later step may undo."""
    shape = tuple(cast(builtin.TensorType, value.type).get_shape())
    rank = len(shape)
    kind = draw(st.sampled_from(["transpose", "transpose", "reshape", "same_reshape", "cast", "pad", "slice"]))
    if kind == "transpose":
        perm = draw(st.sampled_from([list(range(rank)), list(reversed(range(rank)))]) | st.permutations(range(rank)))
        return TransposeOp(value, list(perm))
    if kind == "reshape":
        # split or merge dimensions: a random factorization of the element count
        count = math.prod(shape)
        factors = [d for d in range(1, count + 1) if count % d == 0]
        first = draw(st.sampled_from(factors))
        rest = count // first
        second = draw(st.sampled_from([d for d in range(1, rest + 1) if rest % d == 0]))
        target = draw(st.sampled_from([[count], [first, rest], [first, second, rest // second]]))
        return ReshapeOp(value, target)
    if kind == "same_reshape":
        return ReshapeOp(value, list(shape))
    if kind == "cast":
        return CastOp(value, builtin.f32)
    if kind == "pad":
        return PadOp(value, [0] * (2 * rank))
    return SliceOp(value, [0] * rank, [d + draw(st.integers(0, 3)) for d in shape])


@st.composite
def shape_chains(draw: st.DrawFn) -> Program:
    """A chain of 1-6 transposes, reshapes and identity shape ops on one input."""
    input_shape = tuple(draw(st.lists(st.integers(1, 4), min_size=1, max_size=4)))
    block = Block(arg_types=[tensor(*input_shape)])
    value: SSAValue = block.args[0]
    for _ in range(draw(st.integers(1, 6))):
        value = add(block, _shape_step(draw, value))
    return module_of(block, value), [input_shape]


@st.composite
def constant_subgraph_programs(draw: st.DrawFn) -> Program:
    """Random elementwise/shape ops over a mix of constants and one argument of a shared shape."""
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    shape = tuple(draw(st.lists(st.integers(1, 4), min_size=1, max_size=3)))
    block = Block(arg_types=[tensor(*shape)])
    values: list[SSAValue] = [block.args[0]]
    for _ in range(draw(st.integers(1, 3))):
        values.append(constant(block, rng.standard_normal(shape)))
    for _ in range(draw(st.integers(1, 8))):
        kind = draw(st.sampled_from(["unary", "binary", "binary", "transpose"]))
        if kind == "unary":
            op: Operation = draw(st.sampled_from(UNARY_SAFE))(draw(st.sampled_from(values)))
        elif kind == "binary":
            op = draw(st.sampled_from(BINARY_SAFE))(draw(st.sampled_from(values)), draw(st.sampled_from(values)))
        else:
            # transpose twice so the shape stays the shared one
            source = draw(st.sampled_from(values))
            perm = list(draw(st.permutations(range(len(shape)))))
            inner = add(block, TransposeOp(source, perm))
            op = TransposeOp(inner, [perm.index(i) for i in range(len(shape))])
        values.append(add(block, op))
    result = values[-1]
    if result is block.args[0] or draw(st.booleans()):
        result = add(block, ew.AddOp(result, block.args[0]))
    return module_of(block, result), [shape]
