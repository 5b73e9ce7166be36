"""tessel.ops elementwise and broadcast computes: compiled with LLVM against the graph ops' numpy semantics."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from xdsl.dialects import builtin

import tessel
from tessel import ops
from tessel.frontends import te
from tessel.frontends.graph_builder import GraphBuilder
from tests.ops_check import check_graph_op, run_graph_op

RNG = np.random.default_rng(0)

UNARY = ["relu", "sigmoid", "tanh", "exp", "log", "sqrt", "erf", "gelu", "leaky_relu", "clip"]
BINARY = ["add", "sub", "mul", "div", "pow", "max", "min"]
POSITIVE = {"log", "sqrt"}


def check_unary(op_name: str, x: np.ndarray, rtol: float = 1e-4, **properties: float) -> None:
    g = GraphBuilder("f")
    y = getattr(g, op_name)(g.input("x", x.shape, x.dtype), **properties)
    check_graph_op(y.owner, [x], rtol=rtol)


def check_binary(op_name: str, a: np.ndarray, b: np.ndarray) -> None:
    g = GraphBuilder("f")
    y = getattr(g, op_name)(g.input("a", a.shape, a.dtype), g.input("b", b.shape, b.dtype))
    check_graph_op(y.owner, [a, b])


def unary_input(op_name: str, shape: tuple[int, ...], dtype: str) -> np.ndarray:
    if np.dtype(dtype).kind == "f":
        low, high = (0.1, 4.0) if op_name in POSITIVE else (-4.0, 4.0)
        return RNG.uniform(low, high, shape).astype(dtype)
    low, high = (1, 100) if op_name in POSITIVE else (0, 4) if op_name == "exp" else (-100, 100)
    if dtype == "uint8":
        low = max(low, 0)
    return RNG.integers(low, high, shape).astype(dtype)


# ----------------------------------------------------------------------------- fixed cases


@pytest.mark.parametrize("op_name", UNARY)
@pytest.mark.parametrize("dtype", ["float32", "int32"])
def test_unary(op_name: str, dtype: str) -> None:
    check_unary(op_name, unary_input(op_name, (3, 5), dtype))


@pytest.mark.parametrize("op_name", ["relu", "exp", "sqrt", "log", "tanh"])
@pytest.mark.parametrize("dtype", ["int8", "uint8", "int16", "int64"])
def test_unary_small_integers_follow_numpy_float_loops(op_name: str, dtype: str) -> None:
    check_unary(op_name, unary_input(op_name, (17,), dtype))


@pytest.mark.parametrize("op_name", ["relu", "sigmoid", "exp", "gelu", "leaky_relu", "clip"])
def test_unary_float16_and_float64(op_name: str) -> None:
    check_unary(op_name, unary_input(op_name, (2, 9), "float16"), rtol=2e-3)
    check_unary(op_name, unary_input(op_name, (2, 9), "float64"))


def test_leaky_relu_alpha_and_clip_bounds() -> None:
    x = np.linspace(-3, 3, 24, dtype=np.float32).reshape(4, 6)
    check_unary("leaky_relu", x, alpha=0.2)
    check_unary("clip", x, min=-1.0, max=0.5)
    check_unary("clip", x, min=-0.25)
    check_unary("clip", x, max=1.5)
    check_unary("clip", np.arange(-6, 6, dtype=np.int32), min=-2.5, max=3.5)
    check_unary("leaky_relu", np.arange(-60, 60, 7, dtype=np.int32), alpha=0.3)


@pytest.mark.parametrize("op_name", BINARY)
@pytest.mark.parametrize("dtype", ["float32", "int32"])
def test_binary_broadcast(op_name: str, dtype: str) -> None:
    a = RNG.uniform(0.5, 3, (2, 3, 4)).astype(dtype) if dtype == "float32" else RNG.integers(-20, 20, (2, 3, 4)).astype(dtype)
    b = RNG.uniform(0.5, 3, (3, 1)).astype(dtype) if dtype == "float32" else RNG.integers(1, 4, (3, 1)).astype(dtype)
    if op_name in ("div", "sub"):
        b = -b
    check_binary(op_name, a, b)
    if op_name != "pow":  # negative integer bases to powers: numpy raises
        check_binary(op_name, b, a)


@pytest.mark.filterwarnings("ignore:invalid value encountered in cast")  # numpy's MIN / -1 goes through float
@pytest.mark.parametrize("dtype", ["int8", "uint8", "int64"])
def test_integer_division_truncates_toward_zero(dtype: str) -> None:
    info = np.iinfo(dtype)
    a = np.array([7, -7, 7, -7, info.min, info.max, 0, 5], dtype=np.int64)
    b = np.array([2, 2, -2, -2, -1, 3, -3, 5], dtype=np.int64)
    if dtype == "uint8":
        a, b = np.abs(a) % 256, np.abs(b) + 1
    check_binary("div", a.astype(dtype), b.astype(dtype))


def test_where_and_cast() -> None:
    g = GraphBuilder("f")
    condition = g.input("c", (3, 1), np.bool_)
    y = g.where(condition, g.input("x", (4,)), g.input("y", (2, 1, 4)))
    inputs = [RNG.random((3, 1)) > 0.5, RNG.random(4).astype("f4"), RNG.random((2, 1, 4)).astype("f4")]
    check_graph_op(y.owner, inputs)
    x = np.array([[-2.7, -0.5, 0.0, 0.5, 2.9, 100.0]], dtype=np.float32)
    for to in (builtin.i32, builtin.i8, builtin.f64, builtin.i1, builtin.f16):
        g = GraphBuilder("f")
        y = g.cast(g.input("x", x.shape), to)
        check_graph_op(y.owner, [x])
    for source in (np.array([True, False, True]), np.array([0, 255, 7], np.uint8), np.array([-3, 0, 9], np.int64)):
        g = GraphBuilder("f")
        y = g.cast(g.input("x", source.shape, source.dtype), builtin.f32)
        check_graph_op(y.owner, [source])


# ----------------------------------------------------------------------------- properties


@st.composite
def broadcast_pair(draw: st.DrawFn) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Two shapes that broadcast: suffixes of one output shape with some dims set to 1."""
    out = draw(st.lists(st.integers(1, 4), min_size=1, max_size=3))
    shapes = []
    for _ in range(2):
        rank = draw(st.integers(0, len(out)))
        dims = out[len(out) - rank :]
        shapes.append(tuple(1 if draw(st.booleans()) else d for d in dims) or (1,))
    return shapes[0], shapes[1]


@settings(max_examples=30, deadline=None)
@given(
    op_name=st.sampled_from(BINARY),
    shapes=broadcast_pair(),
    dtype=st.sampled_from(["float32", "int32"]),
    seed=st.integers(0, 2**16),
)
def test_binary_broadcast_property(op_name: str, shapes: tuple[tuple[int, ...], tuple[int, ...]], dtype: str, seed: int) -> None:
    rng = np.random.default_rng(seed)
    if dtype == "float32":
        a, b = (rng.uniform(0.25, 4, s).astype(dtype) for s in shapes)
    else:
        a = rng.integers(-9, 9, shapes[0]).astype(dtype)
        b = rng.integers(0 if op_name == "pow" else 1, 5, shapes[1]).astype(dtype)
        b = b if op_name == "pow" else b * rng.choice([-1, 1], shapes[1]).astype(dtype)
    check_binary(op_name, a, b)


@settings(max_examples=25, deadline=None)
@given(
    op_name=st.sampled_from(UNARY),
    shape=st.lists(st.integers(1, 5), min_size=1, max_size=3).map(tuple),
    dtype=st.sampled_from(["float32", "int32", "int8"]),
)
def test_unary_property(op_name: str, shape: tuple[int, ...], dtype: str) -> None:
    check_unary(op_name, unary_input(op_name, shape, dtype))


# ----------------------------------------------------------------------------- fusion, errors, API


def test_fused_chain_compiles_and_matches_numpy() -> None:
    x = te.placeholder((4, 6), name="x")
    b = te.placeholder((6,), name="b")
    hidden = ops.relu(ops.add(x, b))
    out = ops.transpose(ops.multiply(hidden, ops.sigmoid(hidden)))
    s = ops.schedule_group([out])
    module = tessel.build(s, [x, b, out], name="chain")
    x_np, b_np = RNG.standard_normal((4, 6)).astype("f4"), RNG.standard_normal(6).astype("f4")
    result = np.zeros((6, 4), np.float32)
    module(x_np, b_np, result)
    h = np.maximum(x_np + b_np, 0)
    np.testing.assert_allclose(result, (h / (1 + np.exp(-h))).T, rtol=1e-5, atol=1e-6)


def test_tags() -> None:
    x = te.placeholder((2, 3), name="x")
    assert ops.exp(x).op.tag == ops.ELEMWISE_TAG
    assert ops.add(x, te.placeholder((3,), name="y")).op.tag == ops.BROADCAST_TAG
    assert ops.broadcast_shape((2, 1, 3), (4, 1)) == (2, 4, 3)


def test_bool_arithmetic_raises_ops_error_naming_the_op() -> None:
    g = GraphBuilder("f")
    y = g.add(g.input("a", (2,), np.bool_), g.input("b", (2,), np.bool_))
    with pytest.raises(ops.OpsError, match=r"graph\.add: .*bool"):
        run_graph_op(y.owner, [np.array([True, False]), np.array([True, True])])
    with pytest.raises(ops.OpsError, match="do not broadcast"):
        ops.add(te.placeholder((2, 3), name="a"), te.placeholder((4,), name="b"))


def _compiled_unary(fn: Callable[[te.Expr], te.Expr], x: np.ndarray) -> np.ndarray:
    placeholder = te.placeholder(x.shape, name="x")
    y = te.compute(x.shape, lambda i: fn(placeholder[i]), name="y")
    s = te.create_schedule([y.op])
    s[y].vectorize(s[y].op.axis[0])
    result = np.zeros_like(x)
    tessel.build(s, [placeholder, y], name="kernel")(x, result)
    return result


def test_fast_erf_is_accurate_to_float32_over_the_whole_line() -> None:
    # Dense over [-6, 6] plus tiny magnitudes (erf(x) ~ 2x/sqrt(pi)): within 5e-7 relative of the exact erf.
    x = np.concatenate([np.linspace(-6, 6, 1 << 16), np.geomspace(1e-30, 1, 4096), -np.geomspace(1e-30, 1, 4096), [0.0]])
    x = x.astype(np.float32)
    want = np.vectorize(math.erf)(x.astype(np.float64))
    got = _compiled_unary(ops.elementwise.fast_erf, x)
    np.testing.assert_allclose(got, want, rtol=5e-7, atol=0)


def test_fast_exp_of_nonpositive_values_is_accurate_and_underflows_to_zero() -> None:
    x = -np.concatenate([np.linspace(0, 87, 1 << 16), np.geomspace(1e-30, 87, 4096)]).astype(np.float32)
    got = _compiled_unary(ops.elementwise.fast_exp_nonpositive, x)
    np.testing.assert_allclose(got, np.exp(x.astype(np.float64)), rtol=2e-7, atol=0)
    special = np.array([-np.inf, -1000.0, -87.5, np.nan, 0.0], dtype=np.float32)
    got = _compiled_unary(ops.elementwise.fast_exp_nonpositive, special)
    np.testing.assert_array_equal(got[[0, 1, 2, 4]], [0.0, 0.0, 0.0, 1.0])
    assert np.isnan(got[3])
