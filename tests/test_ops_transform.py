"""tessel.ops injective computes (reshape, transpose, concat, slice, pad, gather, ...): compiled with LLVM
against the graph ops' numpy semantics."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tessel
from tessel import ops
from tessel.dialects.graph.movement import SplitOp
from tessel.frontends import te
from tessel.frontends.graph_builder import GraphBuilder
from tests.ops_check import check_graph_op, compiled_graph_op, run_graph_op

RNG = np.random.default_rng(1)
SHAPES = st.lists(st.integers(1, 4), min_size=1, max_size=4).map(tuple)
DTYPES = st.sampled_from(["float32", "int32", "int8", "bool"])


def array(shape: tuple[int, ...], dtype: str = "float32") -> np.ndarray:
    if dtype == "bool":
        return RNG.random(shape) > 0.5
    if dtype == "float32":
        return RNG.standard_normal(shape).astype(dtype)
    return RNG.integers(-100, 100, shape).astype(dtype)


def check_op(op_name: str, inputs: list[np.ndarray], **parameters: object) -> None:
    g = GraphBuilder("f")
    values = [g.input(f"x{k}", a.shape, a.dtype) for k, a in enumerate(inputs)]
    if op_name == "concat":
        op = g.concat(values, **parameters).owner
    elif op_name == "split":  # several results: the builder's methods return one value
        op = SplitOp(*values, **parameters)  # type: ignore[arg-type]
        g.emit(op)
    else:
        op = getattr(g, op_name)(*values, **parameters).owner
    check_graph_op(op, inputs)


# ----------------------------------------------------------------------------- fixed cases


@pytest.mark.parametrize("dtype", ["float32", "int64", "uint8"])
def test_shape_ops(dtype: str) -> None:
    x = array((2, 3, 4), dtype)
    check_op("reshape", [x], shape=[4, 6])
    check_op("reshape", [x], shape=[3, -1, 2])
    check_op("flatten", [x])
    check_op("flatten", [x], axis=0)
    check_op("flatten", [x], axis=3)
    check_op("transpose", [x])
    check_op("transpose", [x], perm=[1, 2, 0])
    y = array((1, 3, 1, 2), dtype)
    check_op("squeeze", [y])
    check_op("squeeze", [y], axes=[-2])
    check_op("unsqueeze", [x], axes=[0, -1])
    check_op("unsqueeze", [x], axes=[2])


@pytest.mark.parametrize("dtype", ["float32", "int32"])
def test_concat_split(dtype: str) -> None:
    parts = [array((2, k, 3), dtype) for k in (1, 3, 2)]
    check_op("concat", parts, axis=1)
    check_op("concat", parts[:1], axis=-2)
    x = array((6, 4), dtype)
    check_op("split", [x], sizes=[1, 3, 2])
    check_op("split", [x], sizes=[3, 1], axis=-1)
    check_op("split", [x], num_outputs=3, axis=0)


def test_slice() -> None:
    x = array((5, 6, 3))
    check_op("slice", [x], starts=[1, 0], ends=[4, 6])
    check_op("slice", [x], starts=[-1, 5], ends=[-100, 0], axes=[1, 0], steps=[-2, -3])
    check_op("slice", [x], starts=[4], ends=[-1000], axes=[0], steps=[-1])
    check_op("slice", [x], starts=[0, 1], ends=[1000, 3], axes=[2, -2], steps=[2, 1])


@pytest.mark.parametrize("dtype", ["float32", "int32", "bool"])
def test_pad(dtype: str) -> None:
    x = array((3, 4), dtype)
    check_op("pad", [x], pads=[1, 0, 2, 3])
    check_op("pad", [x], pads=[-1, 2, 1, -2], value=1.5)
    check_op("pad", [x], pads=[0, 0, 0, 0])


@pytest.mark.parametrize("index_dtype", ["int64", "int32", "uint8"])
def test_gather(index_dtype: str) -> None:
    data = array((4, 3, 2))
    indices = np.array([[0, 3], [2, 1], [1, 1]]).astype(index_dtype)
    check_op("gather", [data, indices], axis=0)
    check_op("gather", [data, np.array([2, 0, 1, 2]).astype(index_dtype)], axis=1)
    if index_dtype != "uint8":
        check_op("gather", [data, np.array([[-1], [0]]).astype(index_dtype)], axis=-1)
    # A rank-0 index: run by hand, as np.ascontiguousarray (in run_graph_op) makes 0-d arrays 1-d.
    g = GraphBuilder("f")
    op = g.gather(g.input("d", data.shape), g.input("i", (), index_dtype), axis=2).owner
    module, _, (output,) = compiled_graph_op(op, [data, np.array(1).astype(index_dtype)])
    result = np.zeros(output.shape, np.float32)
    module(data, np.array(1).astype(index_dtype), result)
    np.testing.assert_array_equal(result, data[:, :, 1])


# ----------------------------------------------------------------------------- properties


def factorizations(n: int) -> st.SearchStrategy[tuple[int, ...]]:
    divisors = [d for d in range(1, n + 1) if n % d == 0]

    @st.composite
    def draw_shape(draw: st.DrawFn) -> tuple[int, ...]:
        dims: list[int] = []
        rest = n
        for _ in range(draw(st.integers(0, 3))):
            d = draw(st.sampled_from([d for d in divisors if rest % d == 0]))
            dims.append(d)
            rest //= d
        return (*dims, rest)

    return draw_shape()


@settings(max_examples=25, deadline=None)
@given(data=st.data(), shape=SHAPES, dtype=DTYPES)
def test_reshape_transpose_property(data: st.DataObject, shape: tuple[int, ...], dtype: str) -> None:
    x = array(shape, dtype)
    check_op("reshape", [x], shape=list(data.draw(factorizations(math.prod(shape)))))
    check_op("transpose", [x], perm=data.draw(st.permutations(range(len(shape)))))


@settings(max_examples=25, deadline=None)
@given(data=st.data(), shape=SHAPES, dtype=DTYPES)
def test_squeeze_unsqueeze_flatten_property(data: st.DataObject, shape: tuple[int, ...], dtype: str) -> None:
    x = array(shape, dtype)
    ones = [k for k, d in enumerate(shape) if d == 1]
    if ones:
        check_op("squeeze", [x], axes=data.draw(st.lists(st.sampled_from(ones), min_size=1, unique=True)))
    rank = len(shape) + data.draw(st.integers(1, 2))
    axes = data.draw(st.lists(st.integers(0, rank - 1), min_size=rank - len(shape), max_size=rank - len(shape), unique=True))
    check_op("unsqueeze", [x], axes=[a - rank if data.draw(st.booleans()) else a for a in axes])
    check_op("flatten", [x], axis=data.draw(st.integers(-len(shape), len(shape))))


@settings(max_examples=25, deadline=None)
@given(data=st.data(), shape=SHAPES, dtype=DTYPES)
def test_slice_property(data: st.DataObject, shape: tuple[int, ...], dtype: str) -> None:
    x = array(shape, dtype)
    axes = data.draw(
        st.lists(st.integers(-len(shape), len(shape) - 1), min_size=1, max_size=len(shape), unique_by=lambda a: a % len(shape))
    )
    starts, ends, steps = [], [], []
    for axis in axes:
        size = shape[axis]
        step = data.draw(st.sampled_from([1, 2, 3, -1, -2]))
        # Bounds that keep the slice non-empty (te has no empty tensors), negative and out-of-range ones included.
        first = data.draw(st.integers(0, size - 1))
        start = data.draw(
            st.sampled_from([first, first - size] + ([size + 5] if step < 0 else [-size - 5] if first == 0 else []))
        )
        last = data.draw(st.integers(first + 1, size) if step > 0 else st.integers(-1, first - 1))
        end = last if last >= 0 else data.draw(st.sampled_from([-size - 1, -1000]))
        if step > 0 and end < size:  # the same end counted from the back
            end = data.draw(st.sampled_from([end, end - size]))
        starts.append(start)
        ends.append(end)
        steps.append(step)
    check_op("slice", [x], starts=starts, ends=ends, axes=axes, steps=steps)


@settings(max_examples=25, deadline=None)
@given(data=st.data(), shape=SHAPES, dtype=DTYPES)
def test_pad_property(data: st.DataObject, shape: tuple[int, ...], dtype: str) -> None:
    x = array(shape, dtype)
    pads_before, pads_after = [], []
    for size in shape:
        before = data.draw(st.integers(-(size - 1), 2))
        after = data.draw(st.integers(-(size - 1 + min(before, 0)), 2))
        pads_before.append(before)
        pads_after.append(after)
    check_op("pad", [x], pads=pads_before + pads_after, value=data.draw(st.sampled_from([0.0, 2.0, -1.5])))


@settings(max_examples=25, deadline=None)
@given(data=st.data(), shape=SHAPES, dtype=DTYPES)
def test_concat_split_gather_property(data: st.DataObject, shape: tuple[int, ...], dtype: str) -> None:
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    parts = [array(tuple(data.draw(st.integers(1, 3)) if k == axis % len(shape) else d for k, d in enumerate(shape)), dtype)]
    parts += [array(tuple(data.draw(st.integers(1, 3)) if k == axis % len(shape) else d for k, d in enumerate(shape)), dtype)]
    check_op("concat", parts, axis=axis)
    x = array(shape, dtype)
    size = shape[axis]
    cuts = sorted(data.draw(st.lists(st.integers(1, size - 1), unique=True, max_size=2))) if size > 1 else []
    sizes = [b - a for a, b in zip([0, *cuts], [*cuts, size], strict=True)]
    check_op("split", [x], sizes=sizes, axis=axis)
    index_shape = data.draw(st.lists(st.integers(1, 3), min_size=1, max_size=2).map(tuple))
    indices = np.asarray(
        data.draw(st.lists(st.integers(-size, size - 1), min_size=math.prod(index_shape), max_size=math.prod(index_shape)))
    )
    check_op("gather", [x, indices.astype(np.int64).reshape(index_shape)], axis=axis)


# ----------------------------------------------------------------------------- fusion, errors


def test_fused_injective_chain() -> None:
    x = te.placeholder((2, 3, 4), name="x")
    b = te.placeholder((4,), name="b")
    out = ops.reshape(ops.transpose(ops.relu(ops.add(x, b)), (2, 0, 1)), (8, 3))
    pieces = ops.split(ops.pad(out, (1, 0), (0, 1), 9.0), (4, 5))
    s = ops.schedule_group(pieces)
    module = tessel.build(s, [x, b, *pieces], name="chain")
    x_np, b_np = RNG.standard_normal((2, 3, 4)).astype("f4"), RNG.standard_normal(4).astype("f4")
    results = [np.zeros(p.shape, np.float32) for p in pieces]
    module(x_np, b_np, *results)
    expected = np.pad(np.maximum(x_np + b_np, 0).transpose(2, 0, 1).reshape(8, 3), [(1, 0), (0, 1)], constant_values=9.0)
    np.testing.assert_allclose(np.concatenate(results), expected, rtol=1e-6)


def test_unsupported_cases_raise_ops_error_naming_the_op() -> None:
    g = GraphBuilder("f")
    split = SplitOp(g.input("x", (2, 3)), sizes=[0, 3], axis=1)
    with pytest.raises(ops.OpsError, match=r"graph\.split: .*empty dimension"):
        run_graph_op(split, [array((2, 3))])
    with pytest.raises(ops.OpsError, match=r"take: indices must be an integer tensor"):
        ops.take(te.placeholder((3,), name="d"), te.placeholder((2,), name="i"))
