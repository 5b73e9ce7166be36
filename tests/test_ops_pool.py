"""tessel.ops pooling: compiled with its CPU schedules and compared with the graph ops' numpy semantics."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tessel
from tessel import ops
from tessel.frontends import te
from tessel.frontends.graph_builder import GraphBuilder
from tessel.passes.pipeline import run_pipeline

from .ops_check import check_graph_op


def data(shape: tuple[int, ...], dtype: str = "float32", seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    if dtype.startswith("float"):
        return rng.standard_normal(shape).astype(dtype)
    return rng.integers(-100, 100, shape).astype(dtype)


def check_pool(op: str, shape: tuple[int, ...], dtype: str = "float32", seed: int = 0, **params: Any) -> None:
    g = GraphBuilder("f")
    x = g.input("x", shape, dtype)
    y = getattr(g, op)(x, **params)
    check_graph_op(y.owner, [data(shape, dtype, seed)])


WINDOWS = [
    ((2, 3, 8, 8), {"kernel": [2, 2], "strides": [2, 2]}),
    ((2, 3, 7, 9), {"kernel": [3, 3], "strides": [2, 2], "padding": [1, 1, 1, 1]}),
    ((1, 2, 7, 9), {"kernel": [3, 2], "strides": [2, 3], "padding": [1, 0, 2, 1], "ceil_mode": True}),
    ((2, 3, 7, 9), {"kernel": [2, 2], "strides": [2, 2], "ceil_mode": True}),  # partial last windows
    ((1, 2, 6, 9), {"kernel": [3, 3], "padding": [1, 1, 1, 1]}),  # stride 1: the width loop vectorizes
    ((1, 1, 5, 5), {"kernel": [5, 5]}),  # one window
    ((1, 1, 1, 6), {"kernel": [1, 3], "strides": [1, 3]}),
    ((2, 16, 32, 32), {"kernel": [3, 3], "strides": [1, 1], "padding": [1, 1, 1, 1]}),  # big enough to run in parallel
]


@pytest.mark.parametrize(("shape", "params"), WINDOWS)
def test_max_pool2d(shape: tuple[int, ...], params: dict[str, Any]) -> None:
    check_pool("max_pool2d", shape, **params)


@pytest.mark.parametrize("count_include_pad", [False, True])
@pytest.mark.parametrize(("shape", "params"), WINDOWS)
def test_avg_pool2d(shape: tuple[int, ...], params: dict[str, Any], count_include_pad: bool) -> None:
    check_pool("avg_pool2d", shape, count_include_pad=count_include_pad, **params)


def test_max_pool2d_padding_never_wins() -> None:
    g = GraphBuilder("f")
    x = g.input("x", (1, 1, 3, 3))
    y = g.max_pool2d(x, kernel=[2, 2], padding=[1, 1, 1, 1])
    check_graph_op(y.owner, [-np.arange(1, 10, dtype=np.float32).reshape(1, 1, 3, 3) * 1e30])


@pytest.mark.parametrize("op", ["max_pool2d", "avg_pool2d"])
def test_integer_pools(op: str) -> None:
    # max pads with the dtype's minimum; avg divides in float64 and truncates back, as numpy's astype does.
    check_pool(op, (1, 2, 6, 7), "int32", kernel=[3, 2], strides=[2, 1], padding=[1, 1, 2, 0], ceil_mode=True)


@pytest.mark.parametrize("shape", [(2, 3, 7, 9), (1, 1, 1, 1), (2, 16, 32, 32)])
@pytest.mark.parametrize("dtype", ["float32", "int32"])
def test_global_avg_pool2d(shape: tuple[int, ...], dtype: str) -> None:
    check_pool("global_avg_pool2d", shape, dtype)


@st.composite
def pool_cases(draw: st.DrawFn) -> tuple[tuple[int, ...], dict[str, Any]]:
    kernel = [draw(st.integers(1, 4)) for _ in range(2)]
    padding = [draw(st.integers(0, k - 1)) for k in kernel * 2]  # top, left, bottom, right
    size = [draw(st.integers(max(1, k - padding[d] - padding[d + 2]), 9)) for d, k in enumerate(kernel)]
    shape = (draw(st.integers(1, 2)), draw(st.integers(1, 3)), *size)
    strides = [draw(st.integers(1, 3)) for _ in range(2)]
    return shape, {"kernel": kernel, "strides": strides, "padding": padding, "ceil_mode": draw(st.booleans())}


@settings(max_examples=25, deadline=None)
@given(pool_cases(), st.sampled_from(["max", "avg", "avg_include_pad"]), st.integers(0, 2**16))
def test_pools_match_numpy(case: tuple[tuple[int, ...], dict[str, Any]], kind: str, seed: int) -> None:
    shape, params = case
    if kind == "max":
        check_pool("max_pool2d", shape, seed=seed, **params)
    else:
        check_pool("avg_pool2d", shape, seed=seed, count_include_pad=kind == "avg_include_pad", **params)


@settings(max_examples=8, deadline=None)
@given(st.tuples(st.integers(1, 2), st.integers(1, 3), st.integers(1, 9), st.integers(1, 9)), st.integers(0, 2**16))
def test_global_avg_pool2d_matches_numpy(shape: tuple[int, int, int, int], seed: int) -> None:
    check_pool("global_avg_pool2d", shape, seed=seed)


# ---- fused consumers, Python API and errors


@pytest.mark.parametrize(
    ("make", "reference"),
    [
        (
            lambda x: ops.max_pool2d(x, (3, 3)),
            lambda a: np.lib.stride_tricks.sliding_window_view(a, (3, 3), axis=(2, 3)).max((4, 5)),
        ),
        (
            lambda x: ops.avg_pool2d(x, (2, 2), (2, 2), (1, 1, 1, 1)),
            lambda a: (
                np.lib.stride_tricks.sliding_window_view(np.pad(a, ((0, 0), (0, 0), (1, 1), (1, 1))), (2, 2), axis=(2, 3))[
                    :, :, ::2, ::2
                ].sum((4, 5))
                / np.outer([1, 2, 2, 2, 1], [1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 1])
            ),
        ),
        (lambda x: ops.global_avg_pool2d(x), lambda a: a.mean((2, 3), keepdims=True)),
    ],
)
def test_fused_elementwise_consumer(make: Any, reference: Any) -> None:
    """relu(pool) scheduled as one group: the pool schedule gets the relu as its output."""
    x = te.placeholder((2, 3, 8, 20), name="x")
    pooled = make(x)
    out = te.compute(pooled.shape, lambda *i: te.max(pooled[i], te.const(0.0)), name="relu", tag=ops.ELEMWISE_TAG)
    module = tessel.build(ops.schedule_group([out]), [x, out], name="fused")
    a = data((2, 3, 8, 20))
    got = np.zeros(out.shape, dtype="float32")
    module(a, got)
    np.testing.assert_allclose(got, np.maximum(reference(a.astype(np.float64)), 0), rtol=1e-4, atol=1e-5)


def scheduled_loops(out: te.Tensor, x: te.Tensor) -> str:
    """The loop IR of `out`'s group schedule after loop-vectorize (8 lanes)."""
    module = tessel.lower(ops.schedule_group([out]), [x, out], name="k").module.clone()
    run_pipeline(module, "loop-vectorize{width=8}")
    return tessel.print_ir(module)


def test_schedules_run_planes_in_parallel_and_vectorize_unit_stride_windows() -> None:
    x = te.placeholder((2, 16, 32, 32), name="x")
    loops = scheduled_loops(ops.max_pool2d(x, (3, 3), padding=(1, 0, 1, 0)), x)  # no bounds test along the width
    assert "parallel" in loops and "vector.store" in loops and "not_vectorized" not in loops
    loops = scheduled_loops(ops.avg_pool2d(x, (3, 3), (2, 2)), x)  # stride 2: the window loops stay innermost
    assert "parallel" in loops and "not_vectorized" not in loops
    loops = scheduled_loops(ops.global_avg_pool2d(x), x)
    assert "parallel" in loops


def test_python_api_output_shapes() -> None:
    x = te.placeholder((1, 2, 7, 9), name="x")
    assert ops.max_pool2d(x, (2, 2), (2, 2)).shape == (1, 2, 3, 4)
    assert ops.max_pool2d(x, (2, 2), (2, 2), ceil_mode=True).shape == (1, 2, 4, 5)
    assert ops.avg_pool2d(x, (3, 3), (2, 2), (1, 1, 1, 1)).shape == (1, 2, 4, 5)
    assert ops.global_avg_pool2d(x).shape == (1, 2, 1, 1)


def test_unsupported_cases_name_the_op() -> None:
    g = GraphBuilder("f")
    y = g.max_pool2d(g.input("x", (1, 1, 4, 4), "bool"), kernel=[2, 2])
    with pytest.raises(ops.OpsError, match="graph.max_pool2d: cannot pool bool tensors"):
        ops.compute_of(y.owner, [te.placeholder((1, 1, 4, 4), dtype="bool", name="x")])
    with pytest.raises(ops.OpsError, match="avg_pool2d: expected NCHW input of rank 4"):
        ops.avg_pool2d(te.placeholder((4, 4), name="x"), (2, 2))
    with pytest.raises(ops.OpsError, match="max_pool2d: kernel 5 is larger than the padded input 4"):
        ops.max_pool2d(te.placeholder((1, 1, 4, 4), name="x"), (5, 1))
