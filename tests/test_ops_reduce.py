"""tessel.ops reductions, softmax and normalizations: compiled with their CPU schedules and compared with the
graph ops' numpy semantics."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from xdsl.ir import SSAValue

import tessel
from tessel import ops
from tessel.frontends import te
from tessel.frontends.graph_builder import GraphBuilder
from tessel.passes.pipeline import run_pipeline

from .ops_check import check_graph_op

Build = Callable[..., SSAValue]


def graph_op(build: Build, *shapes: tuple[int, ...], dtype: str = "float32") -> SSAValue:
    g = GraphBuilder("f")
    return build(g, *[g.input(f"x{i}", shape, dtype) for i, shape in enumerate(shapes)])


def data(shape: tuple[int, ...], dtype: str = "float32", seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    if dtype.startswith("float"):
        return rng.standard_normal(shape).astype(dtype)
    return rng.integers(-100, 100, shape).astype(dtype)


def check(build: Build, *shapes: tuple[int, ...], dtype: str = "float32", seed: int = 0) -> None:
    y = graph_op(build, *shapes, dtype=dtype)
    check_graph_op(y.owner, [data(shape, dtype, seed + i) for i, shape in enumerate(shapes)])


# ---- reductions


@pytest.mark.parametrize("op", ["reduce_sum", "reduce_mean", "reduce_max"])
@pytest.mark.parametrize(
    ("shape", "axes", "keepdims"),
    [
        ((3, 5, 7), [1], False),  # a middle axis: the kept innermost axis vectorizes
        ((3, 5, 7), [-1], None),  # the innermost axis, keepdims by default
        ((3, 5, 7), [0, 2], False),
        ((3, 5, 7), None, True),  # all axes
        ((3, 5, 7), None, False),  # all axes to a scalar
        ((64, 17, 20), [1], True),  # big enough to run in parallel
        ((40, 33, 13), [-1], False),
        ((9,), [0], True),
    ],
)
def test_reductions(op: str, shape: tuple[int, ...], axes: list[int] | None, keepdims: bool | None) -> None:
    check(lambda g, x: getattr(g, op)(x, axes=axes, keepdims=keepdims), shape)


@pytest.mark.parametrize("op", ["reduce_sum", "reduce_mean", "reduce_max"])
def test_integer_reductions(op: str) -> None:
    # reduce_mean divides in float64 and truncates back, as numpy's astype does.
    check(lambda g, x: getattr(g, op)(x, axes=[0, -1], keepdims=False), (4, 3, 6), dtype="int32")


def test_python_api_defaults_keep_dims() -> None:
    x = te.placeholder((2, 3, 4), name="x")
    assert ops.sum(x).shape == (1, 1, 1)
    assert ops.max(x, axes=[-2], keepdims=False).shape == (2, 4)
    assert ops.mean(x, axes=[0, 2]).shape == (1, 3, 1)


@st.composite
def reductions(draw: st.DrawFn) -> tuple[str, tuple[int, ...], list[int], bool]:
    shape = tuple(draw(st.lists(st.integers(1, 5), min_size=1, max_size=4)))
    rank = len(shape)
    dims = draw(st.lists(st.integers(0, rank - 1), unique=True, max_size=rank))
    axes = [d - rank if draw(st.booleans()) else d for d in dims]
    return draw(st.sampled_from(["reduce_sum", "reduce_mean", "reduce_max"])), shape, axes, draw(st.booleans())


@settings(max_examples=25, deadline=None)
@given(reductions(), st.integers(0, 2**16))
def test_reductions_match_numpy(case: tuple[str, tuple[int, ...], list[int], bool], seed: int) -> None:
    op, shape, axes, keepdims = case
    check(lambda g, x: getattr(g, op)(x, axes=axes, keepdims=keepdims), shape, seed=seed)


# ---- softmax and normalization


@pytest.mark.parametrize(
    ("shape", "axis"),
    [((3, 5, 7), None), ((3, 5, 7), 1), ((3, 5, 7), -3), ((7,), 0), ((2, 3, 4, 37), -1), ((16, 64, 33), 1)],
)
def test_softmax(shape: tuple[int, ...], axis: int | None) -> None:
    check(lambda g, x: g.softmax(x, axis=axis), shape)


def test_softmax_of_large_values_does_not_overflow() -> None:
    y = graph_op(lambda g, x: g.softmax(x), (2, 9))
    check_graph_op(y.owner, [data((2, 9)) * 100 + 500])


@pytest.mark.parametrize(
    ("shape", "axis", "epsilon"), [((3, 5, 7), None, None), ((3, 5, 7), 1, 1e-3), ((3, 5, 7), 0, None), ((64, 40), -1, None)]
)
def test_layer_norm(shape: tuple[int, ...], axis: int | None, epsilon: float | None) -> None:
    first = (len(shape) - 1 if axis is None else axis) % len(shape)
    check(lambda g, x, gamma, beta: g.layer_norm(x, gamma, beta, axis=axis, epsilon=epsilon), shape, shape[first:], shape[first:])


def batch_norm_inputs(shape: tuple[int, ...], axis: int, seed: int) -> list[np.ndarray]:
    channels = shape[axis]
    gamma, beta, mean, variance = (data((channels,), seed=seed + i) for i in range(1, 5))
    return [data(shape, seed=seed), gamma, beta, mean, np.abs(variance)]


@pytest.mark.parametrize(("shape", "axis", "epsilon"), [((2, 3, 4, 5), None, None), ((4, 6), 0, 1e-3), ((2, 5, 3), -1, None)])
def test_batch_norm(shape: tuple[int, ...], axis: int | None, epsilon: float | None) -> None:
    c = 1 if axis is None else axis % len(shape)
    y = graph_op(lambda g, x, *p: g.batch_norm(x, *p, axis=axis, epsilon=epsilon), shape, *[(shape[c],)] * 4)
    check_graph_op(y.owner, batch_norm_inputs(shape, c, 0))


def test_batch_norm_is_broadcast_tagged() -> None:
    x = te.placeholder((2, 3, 4), name="x")
    params = [te.placeholder((3,), name=f"p{i}") for i in range(4)]
    assert ops.batch_norm(x, *params).op.tag == ops.BROADCAST_TAG


@pytest.mark.parametrize(
    ("shape", "size", "params"),
    [
        ((2, 5, 4, 6), 3, {}),
        ((2, 5, 4, 6), 4, {"alpha": 0.1, "beta": 0.5, "bias": 2.0}),  # an even window: one more channel after
        ((1, 3, 2, 3), 1, {}),
        ((1, 3, 2, 3), 7, {"alpha": 1.0}),  # a window wider than the channels
        ((1, 16, 32, 33), 5, {}),  # big enough to run in parallel
    ],
)
def test_lrn(shape: tuple[int, ...], size: int, params: dict[str, float]) -> None:
    check(lambda g, x: g.lrn(x, size=size, **params), shape)


@st.composite
def shapes_and_axis(draw: st.DrawFn, max_rank: int = 3) -> tuple[tuple[int, ...], int]:
    shape = tuple(draw(st.lists(st.integers(1, 6), min_size=1, max_size=max_rank)))
    return shape, draw(st.integers(-len(shape), len(shape) - 1))


@settings(max_examples=20, deadline=None)
@given(shapes_and_axis(), st.sampled_from(["softmax", "layer_norm", "batch_norm"]), st.integers(0, 2**16))
def test_normalizations_match_numpy(case: tuple[tuple[int, ...], int], op: str, seed: int) -> None:
    shape, axis = case
    if op == "softmax":
        check(lambda g, x: g.softmax(x, axis=axis), shape, seed=seed)
    elif op == "layer_norm":
        rest = shape[axis % len(shape) :]
        check(lambda g, x, gamma, beta: g.layer_norm(x, gamma, beta, axis=axis), shape, rest, rest, seed=seed)
    else:
        y = graph_op(lambda g, x, *p: g.batch_norm(x, *p, axis=axis), shape, *[(shape[axis],)] * 4)
        check_graph_op(y.owner, batch_norm_inputs(shape, axis % len(shape), seed))


@settings(max_examples=10, deadline=None)
@given(
    st.tuples(st.integers(1, 2), st.integers(1, 7), st.integers(1, 4), st.integers(1, 5)),
    st.integers(1, 8),
    st.floats(1e-3, 1.0),
    st.floats(0.25, 1.0),
    st.floats(0.5, 2.0),
)
def test_lrn_matches_numpy(shape: tuple[int, int, int, int], size: int, alpha: float, beta: float, bias: float) -> None:
    check(lambda g, x: g.lrn(x, size=size, alpha=alpha, beta=beta, bias=bias), shape)


# ---- fused consumers and errors


def relu_of(t: te.Tensor) -> te.Tensor:
    return te.compute(t.shape, lambda *i: te.max(t[i], te.const(0.0, t.dtype)), name="relu", tag=ops.ELEMWISE_TAG)


@pytest.mark.parametrize(
    ("make", "reference"),
    [
        (
            lambda x: ops.softmax(x, axis=-1),
            lambda a: np.exp(a - a.max(-1, keepdims=True)) / np.exp(a - a.max(-1, keepdims=True)).sum(-1, keepdims=True),
        ),
        (
            lambda x: ops.softmax(x, axis=1),
            lambda a: np.exp(a - a.max(1, keepdims=True)) / np.exp(a - a.max(1, keepdims=True)).sum(1, keepdims=True),
        ),
        (lambda x: ops.sum(x, axes=[1]), lambda a: a.sum(1, keepdims=True)),
        (lambda x: ops.max(x, axes=[2], keepdims=False), lambda a: a.max(2)),
        (lambda x: ops.mean(x, axes=[0, 1], keepdims=False), lambda a: a.mean((0, 1))),
    ],
)
def test_fused_elementwise_consumer(
    make: Callable[[te.Tensor], te.Tensor], reference: Callable[[np.ndarray], np.ndarray]
) -> None:
    """relu(anchor) scheduled as one group: the anchor schedule gets the relu as its output."""
    x = te.placeholder((3, 5, 24), name="x")
    anchor = make(x)
    out = relu_of(anchor)
    s = ops.schedule_group([out])
    module = tessel.build(s, [x, out], name="fused")
    a = data((3, 5, 24))
    got = np.zeros(out.shape, dtype="float32")
    module(a, got)
    np.testing.assert_allclose(got, np.maximum(reference(a.astype(np.float64)), 0), rtol=1e-4, atol=1e-5)


def test_fused_layer_norm_and_lrn() -> None:
    x = te.placeholder((2, 4, 3, 20), name="x")
    gamma = te.placeholder((20,), name="gamma")
    beta = te.placeholder((20,), name="beta")
    norm = relu_of(ops.layer_norm(x, gamma, beta, axis=-1))
    local = relu_of(ops.lrn(x, 3, alpha=0.5))
    module = tessel.build(ops.schedule_group([norm, local]), [x, gamma, beta, norm, local], name="fused2")
    a, g, b = data((2, 4, 3, 20)), data((20,), seed=1), data((20,), seed=2)
    got_norm, got_local = np.zeros(norm.shape, "float32"), np.zeros(local.shape, "float32")
    module(a, g, b, got_norm, got_local)
    mean = a.mean(-1, keepdims=True)
    want_norm = (a - mean) / np.sqrt(a.var(-1, keepdims=True) + 1e-5) * g + b
    np.testing.assert_allclose(got_norm, np.maximum(want_norm, 0), rtol=1e-4, atol=1e-5)
    squares = np.pad(a.astype(np.float64) ** 2, ((0, 0), (1, 1), (0, 0), (0, 0)))
    want_local = a / (1.0 + 0.5 / 3 * (squares[:, :-2] + squares[:, 1:-1] + squares[:, 2:])) ** 0.75
    np.testing.assert_allclose(got_local, np.maximum(want_local, 0), rtol=1e-4, atol=1e-5)


def scheduled_loops(outs: list[te.Tensor], args: list[te.Tensor]) -> str:
    """The loop IR of the group schedule of `outs` after loop-vectorize (8 lanes)."""
    module = tessel.lower(ops.schedule_group(outs), args, name="k").module.clone()
    run_pipeline(module, "loop-vectorize{width=8}")
    return tessel.print_ir(module)


def test_schedules_parallelize_rows_and_vectorize_kept_inner_axes() -> None:
    x = te.placeholder((64, 16, 32), name="x")
    # A middle axis reduced: the kept innermost axis vectorizes, the reduce loop outside it.
    total = ops.sum(x, axes=[1])
    loops = scheduled_loops([total], [x, total])
    assert "parallel" in loops and "vector.store" in loops and "not_vectorized" not in loops
    # Softmax along the rows: the statistics are computed inside the (parallel) row loop, into 1-element buffers.
    y = relu_of(ops.softmax(x))
    loops = scheduled_loops([y], [x, y])
    assert "parallel" in loops and "vector.store" in loops and "memref<1x1x1xf32>" in loops
    # max and exp-sum (each a vector of per-lane partials, then their total) and the softmax row feeding the relu.
    assert loops.count("loop.alloc") == 5 and "memref<1x1x16xf32>" in loops


@pytest.mark.parametrize(
    ("build", "dtype", "message"),
    [
        (lambda g, x: g.softmax(x), "int32", "graph.softmax: needs float tensors"),
        (lambda g, x: g.lrn(x, size=3), "int32", "graph.lrn: needs float tensors"),
        (lambda g, x: g.reduce_sum(x), "bool", "graph.reduce_sum: cannot reduce bool tensors"),
    ],
)
def test_unsupported_cases_name_the_op(build: Build, dtype: str, message: str) -> None:
    y = graph_op(build, (2, 3, 4, 5), dtype=dtype)
    placeholders = [te.placeholder((2, 3, 4, 5), dtype=dtype, name="x")]
    with pytest.raises(ops.OpsError, match=message):
        ops.compute_of(y.owner, placeholders)


def test_python_api_rejects_bad_axes() -> None:
    x = te.placeholder((2, 3), name="x")
    with pytest.raises(ops.OpsError, match="softmax: axis 2 is out of range for rank 2"):
        ops.softmax(x, axis=2)
    with pytest.raises(ops.OpsError, match=r"sum: axes \[1, -1\] name a dim twice"):
        ops.sum(x, axes=[1, -1])
    with pytest.raises(ops.OpsError, match=r"layer_norm: expected gamma of shape \(3,\)"):
        ops.layer_norm(x, te.placeholder((2,), name="g"), te.placeholder((3,), name="b"))
