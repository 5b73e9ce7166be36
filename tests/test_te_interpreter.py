"""The te dialect's reference interpreter against numpy: computes, reductions, padding, integer semantics, errors."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pytest
from xdsl.builder import ImplicitBuilder
from xdsl.dialects import arith, func
from xdsl.dialects import math as xmath
from xdsl.dialects.builtin import (
    Float32Type,
    Float64Type,
    FloatAttr,
    IndexType,
    IntegerAttr,
    IntegerType,
    ModuleOp,
    Signedness,
    TensorType,
    f32,
    f64,
    i1,
    i8,
    i32,
    i64,
)
from xdsl.ir import Attribute, Block, Region, SSAValue

import tessel
from tessel.dialects.te import ComputeOp, IfThenElseOp, IntrinLowerOp, IntrinOp, PlaceholderOp, ReadOp, ScheduleOp, YieldOp
from tessel.dialects.te import interpreter as te_interpreter
from tessel.dialects.te.interpreter import TeInterpreterError, evaluate_compute, evaluate_intrin, run_te_function

RNG = np.random.default_rng(1234)
index = IndexType()
ui8 = IntegerType(8, Signedness.UNSIGNED)

# ---------------------------------------------------------------------------------------------------------
# Building te IR with the Python constructors (inside `ImplicitBuilder`, created ops land in the block).


def const(value: float | int | bool, type_: Attribute = index) -> SSAValue:
    if isinstance(type_, Float32Type | Float64Type):
        return arith.ConstantOp(FloatAttr(float(value), type_)).result
    return arith.ConstantOp(IntegerAttr(int(value), type_)).result


def read(tensor: SSAValue, *indices: SSAValue) -> SSAValue:
    return ReadOp(tensor, list(indices)).result


def emit(reducer: str | None = None, identity: Attribute | None = None) -> Callable[[SSAValue], None]:
    def do(value: SSAValue) -> None:
        YieldOp(value, reducer, identity)

    return do


def compute(name: str, shape: list[int], element: Attribute, reduce: list[int], body: Callable[..., None]) -> SSAValue:
    """A te.compute whose body `body(*indices, *reduction_axes)` builds (ending in a YieldOp)."""
    region = ComputeOp.make_body(len(shape), len(reduce))
    with ImplicitBuilder(region) as args:
        body(*args)
    return ComputeOp(name, TensorType(element, shape), reduce, region).result


def te_function(arg_types: list[Attribute], build: Callable[..., list[SSAValue]], name: str = "f") -> ModuleOp:
    block = Block(arg_types=arg_types)
    with ImplicitBuilder(block) as args:
        results = build(*args)
        func.ReturnOp(*results)
    function = func.FuncOp(name, (arg_types, [r.type for r in results]), Region(block))
    module = ModuleOp([function])
    module.verify()
    return module


def tensor(shape: list[int], element: Attribute = f32) -> TensorType:
    return TensorType(element, shape)


def randn(*shape: int, dtype: type = np.float32) -> np.ndarray:
    return RNG.standard_normal(shape).astype(dtype)


def run1(module: ModuleOp, *inputs: np.ndarray) -> np.ndarray:
    (result,) = run_te_function(module, "f", list(inputs))
    return result


def in_bounds(value: SSAValue, extent: int) -> SSAValue:
    low = arith.CmpiOp(value, const(0), "sge").result
    high = arith.CmpiOp(value, const(extent), "slt").result
    return arith.AndIOp(low, high).result


# ---------------------------------------------------------------------------------------------------------
# Elementwise, broadcast, chained


def test_elementwise_add() -> None:
    def build(a: SSAValue, b: SSAValue) -> list[SSAValue]:
        def body(i: SSAValue, j: SSAValue) -> None:
            emit()(arith.AddfOp(read(a, i, j), read(b, i, j)).result)

        return [compute("C", [3, 5], f32, [], body)]

    module = te_function([tensor([3, 5]), tensor([3, 5])], build)
    a, b = randn(3, 5), randn(3, 5)
    result = run1(module, a, b)
    assert result.dtype == np.float32 and result.shape == (3, 5)
    np.testing.assert_allclose(result, a + b, rtol=1e-6)


def test_broadcast_and_constant() -> None:
    """C[i, j] = A[i, j] * b[j] + 0.5, with a constant hoisted outside the compute."""

    def build(a: SSAValue, b: SSAValue) -> list[SSAValue]:
        half = const(0.5, f32)

        def body(i: SSAValue, j: SSAValue) -> None:
            product = arith.MulfOp(read(a, i, j), read(b, j)).result
            emit()(arith.AddfOp(product, half).result)

        return [compute("C", [4, 6], f32, [], body)]

    module = te_function([tensor([4, 6]), tensor([6])], build)
    a, b = randn(4, 6), randn(6)
    np.testing.assert_allclose(run1(module, a, b), a * b + 0.5, rtol=1e-6)


def test_chained_computes_with_schedule_ignored() -> None:
    """P = 2A; C[i] = sum_j P[i, j] + B[i]; a te.schedule in the function changes nothing."""

    def build(a: SSAValue, b: SSAValue) -> list[SSAValue]:
        def scale(i: SSAValue, j: SSAValue) -> None:
            emit()(arith.MulfOp(read(a, i, j), const(2.0, f32)).result)

        p = compute("P", [5, 7], f32, [], scale)

        def total(i: SSAValue, j: SSAValue) -> None:
            emit("sum")(arith.AddfOp(read(p, i, j), read(b, i)).result)

        c = compute("C", [5], f32, [7], total)
        ScheduleOp()
        return [c, p]

    module = te_function([tensor([5, 7]), tensor([5])], build)
    a, b = randn(5, 7), randn(5)
    c, p = run_te_function(module, "f", [a, b])
    np.testing.assert_allclose(p, 2 * a, rtol=1e-6)
    np.testing.assert_allclose(c, (2 * a).sum(axis=1) + 7 * b, rtol=1e-5, atol=1e-5)


MATMUL = """
func.func @matmul(%A: tensor<8x6xf32>, %B: tensor<8x5xf32>) -> tensor<6x5xf32> {
  %C = "te.compute"() <{name = "C", reduce_extents = [8 : i64]}> ({
  ^bb0(%y: index, %x: index, %k: index):
    %a = "te.read"(%A, %k, %y) : (tensor<8x6xf32>, index, index) -> f32
    %b = "te.read"(%B, %k, %x) : (tensor<8x5xf32>, index, index) -> f32
    %p = "arith.mulf"(%a, %b) <{fastmath = #arith.fastmath<none>}> : (f32, f32) -> f32
    "te.yield"(%p) <{reducer = "sum"}> : (f32) -> ()
  }) : () -> tensor<6x5xf32>
  "te.schedule"() ({
  }) : () -> ()
  "func.return"(%C) : (tensor<6x5xf32>) -> ()
}
"""


def test_matmul_from_generic_text() -> None:
    module = tessel.parse(MATMUL)
    a, b = randn(8, 6), randn(8, 5)
    (c,) = run_te_function(module, "@matmul", [a, b])
    np.testing.assert_allclose(c, a.T @ b, rtol=1e-5, atol=1e-5)


def test_evaluate_compute_directly() -> None:
    module = tessel.parse(MATMUL)
    function = next(iter(module.ops))
    assert isinstance(function, func.FuncOp)
    compute_op = next(op for op in function.body.block.ops if isinstance(op, ComputeOp))
    a, b = randn(8, 6), randn(8, 5)
    args = function.body.block.args
    np.testing.assert_allclose(evaluate_compute(compute_op, {args[0]: a, args[1]: b}), a.T @ b, rtol=1e-5, atol=1e-5)
    with pytest.raises(TeInterpreterError, match=r'te.compute "C": no value given for tensor %B \(argument 1\)'):
        evaluate_compute(compute_op, {args[0]: a})


# ---------------------------------------------------------------------------------------------------------
# Reductions


@pytest.mark.parametrize(
    ("reducer", "identity", "reference"),
    [
        ("sum", None, lambda x: x.sum(axis=1)),
        ("sum", 10.0, lambda x: 10.0 + x.sum(axis=1)),
        ("prod", None, lambda x: x.prod(axis=1)),
        ("prod", 2.0, lambda x: 2.0 * x.prod(axis=1)),
        ("max", None, lambda x: x.max(axis=1)),
        ("max", 0.0, lambda x: np.maximum(0.0, x.max(axis=1))),
        ("min", None, lambda x: x.min(axis=1)),
        ("min", 0.0, lambda x: np.minimum(0.0, x.min(axis=1))),
    ],
)
def test_float_reducers(reducer: str, identity: float | None, reference: Callable[[np.ndarray], np.ndarray]) -> None:
    def build(a: SSAValue) -> list[SSAValue]:
        start = None if identity is None else FloatAttr(identity, f32)
        return [compute("R", [6], f32, [5], lambda i, k: emit(reducer, start)(read(a, i, k)))]

    module = te_function([tensor([6, 5])], build)
    x = randn(6, 5)
    np.testing.assert_allclose(run1(module, x), reference(x.astype(np.float64)).astype(np.float32), rtol=1e-5)


@pytest.mark.parametrize(
    ("reducer", "identity", "reference"),
    [
        ("sum", None, lambda x: x.sum(axis=1)),
        ("max", None, lambda x: x.max(axis=1)),
        ("min", None, lambda x: x.min(axis=1)),
        ("max", 100, lambda x: np.maximum(100, x.max(axis=1))),
        ("prod", None, lambda x: np.prod(x, axis=1)),
    ],
)
def test_integer_reducers_wrap(reducer: str, identity: int | None, reference: Callable[[np.ndarray], np.ndarray]) -> None:
    """i8 reductions: max/min compare signed, sum and prod wrap to 8 bits."""

    def build(a: SSAValue) -> list[SSAValue]:
        start = None if identity is None else IntegerAttr(identity, i8)
        return [compute("R", [4], i8, [9], lambda i, k: emit(reducer, start)(read(a, i, k)))]

    module = te_function([tensor([4, 9], i8)], build)
    x = RNG.integers(-128, 128, size=(4, 9)).astype(np.int8)
    expected = reference(x.astype(np.int64)).astype(np.int8)  # int64 -> int8 keeps the low bits
    np.testing.assert_array_equal(run1(module, x), expected)


def test_unsigned_max_reduction() -> None:
    def build(a: SSAValue) -> list[SSAValue]:
        return [compute("R", [3], ui8, [5], lambda i, k: emit("max")(read(a, i, k)))]

    module = te_function([tensor([3, 5], ui8)], build)
    x = RNG.integers(0, 256, size=(3, 5)).astype(np.uint8)
    np.testing.assert_array_equal(run1(module, x), x.max(axis=1))


def test_multi_axis_reduction_and_scalar_result() -> None:
    """R[i] = sum_{k1, k2} A[i, k1, k2] * k2 and a full reduction to a rank-0 tensor."""

    def build(a: SSAValue) -> list[SSAValue]:
        def weighted(i: SSAValue, k1: SSAValue, k2: SSAValue) -> None:
            as_int = arith.IndexCastOp(k2, i64).result
            weight = arith.SIToFPOp(as_int, f32).result
            emit("sum")(arith.MulfOp(read(a, i, k1, k2), weight).result)

        r = compute("R", [3], f32, [4, 5], weighted)
        total = compute("T", [], f32, [3, 4, 5], lambda i, j, k: emit("max")(read(a, i, j, k)))
        return [r, total]

    module = te_function([tensor([3, 4, 5])], build)
    x = randn(3, 4, 5)
    r, total = run_te_function(module, "f", [x])
    np.testing.assert_allclose(r, (x * np.arange(5)).sum(axis=(1, 2)), rtol=1e-5, atol=1e-5)
    assert total.shape == () and total == x.max()


# ---------------------------------------------------------------------------------------------------------
# conv2d with padding (te.if_then_else guards the out-of-bounds reads)


def conv2d_reference(x: np.ndarray, w: np.ndarray, pad: int, stride: int) -> np.ndarray:
    padded = np.pad(x.astype(np.float64), ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    windows = np.lib.stride_tricks.sliding_window_view(padded, w.shape[2:], axis=(2, 3))[:, :, ::stride, ::stride]
    return np.einsum("nchwrs,fcrs->nfhw", windows, w.astype(np.float64))


def conv2d_module(n: int, c: int, h: int, w: int, f: int, k: int, pad: int, stride: int) -> ModuleOp:
    oh, ow = (h + 2 * pad - k) // stride + 1, (w + 2 * pad - k) // stride + 1

    def build(data: SSAValue, weight: SSAValue) -> list[SSAValue]:
        def body(b: SSAValue, o: SSAValue, y: SSAValue, x: SSAValue, ci: SSAValue, r: SSAValue, s: SSAValue) -> None:
            step, shift = const(stride), const(pad)
            row = arith.SubiOp(arith.AddiOp(arith.MuliOp(y, step), r), shift).result
            col = arith.SubiOp(arith.AddiOp(arith.MuliOp(x, step), s), shift).result
            inside = arith.AndIOp(in_bounds(row, h), in_bounds(col, w)).result
            value = IfThenElseOp(inside, read(data, b, ci, row, col), const(0.0, f32)).result
            emit("sum")(arith.MulfOp(value, read(weight, o, ci, r, s)).result)

        return [compute("conv", [n, f, oh, ow], f32, [c, k, k], body)]

    return te_function([tensor([n, c, h, w]), tensor([f, c, k, k])], build)


@pytest.mark.parametrize("stride", [1, 2])
def test_conv2d_with_padding(stride: int) -> None:
    module = conv2d_module(2, 3, 7, 6, 4, 3, pad=1, stride=stride)
    x, w = randn(2, 3, 7, 6), randn(4, 3, 3, 3)
    np.testing.assert_allclose(run1(module, x, w), conv2d_reference(x, w, 1, stride), rtol=1e-4, atol=1e-4)


def test_padding_as_its_own_compute() -> None:
    """P[i, j] = A[i-1, j-1] inside, 0 outside; C = P * 3: a chain through a padded tensor."""

    def build(a: SSAValue) -> list[SSAValue]:
        def pad(i: SSAValue, j: SSAValue) -> None:
            one = const(1)
            row, col = arith.SubiOp(i, one).result, arith.SubiOp(j, one).result
            inside = arith.AndIOp(in_bounds(row, 4), in_bounds(col, 3)).result
            emit()(IfThenElseOp(inside, read(a, row, col), const(0.0, f32)).result)

        p = compute("P", [6, 5], f32, [], pad)
        return [compute("C", [6, 5], f32, [], lambda i, j: emit()(arith.MulfOp(read(p, i, j), const(3.0, f32)).result))]

    module = te_function([tensor([4, 3])], build)
    x = randn(4, 3)
    np.testing.assert_allclose(run1(module, x), 3 * np.pad(x, 1), rtol=1e-6)


# ---------------------------------------------------------------------------------------------------------
# Chunking


def test_chunks_cover_the_output_exactly() -> None:
    for shape, inner, limit in [((5, 7, 3), 4, 50), ((5, 7, 3), 4, 10), ((6,), 100, 7), ((2, 3), 1, 1000), ((), 9, 2)]:
        seen = np.zeros(shape, dtype=int)
        chunks = list(te_interpreter._chunks(shape, inner, limit))
        for bounds in chunks:
            size = math.prod(stop - start for start, stop in bounds)
            assert size * inner <= limit or size == 1
            seen[tuple(slice(start, stop) for start, stop in bounds)] += 1
        assert (seen == 1).all()
    assert len(list(te_interpreter._chunks((5, 7, 3), 4, 50))) > 1


@pytest.mark.parametrize("limit", [1, 40, 500])
def test_chunked_evaluation_matches(monkeypatch: pytest.MonkeyPatch, limit: int) -> None:
    monkeypatch.setattr(te_interpreter, "CHUNK_ELEMENTS", limit)
    module = conv2d_module(2, 2, 5, 5, 3, 3, pad=1, stride=1)
    x, w = randn(2, 2, 5, 5), randn(3, 2, 3, 3)
    np.testing.assert_allclose(run1(module, x, w), conv2d_reference(x, w, 1, 1), rtol=1e-4, atol=1e-4)
    (c,) = run_te_function(tessel.parse(MATMUL), "matmul", [a := randn(8, 6), b := randn(8, 5)])
    np.testing.assert_allclose(c, a.T @ b, rtol=1e-5, atol=1e-5)


# ---------------------------------------------------------------------------------------------------------
# Integer semantics


def _wrap8(v: int) -> int:
    return ((v + 128) % 256) - 128


def _tdiv(a: int, b: int) -> int:
    q = abs(a) // abs(b)
    return q if (a < 0) == (b < 0) else -q


INT_BINARY: list[tuple[type, Callable[[int, int], int]]] = [
    (arith.AddiOp, lambda a, b: a + b),
    (arith.SubiOp, lambda a, b: a - b),
    (arith.MuliOp, lambda a, b: a * b),
    (arith.DivSIOp, _tdiv),
    (arith.RemSIOp, lambda a, b: a - b * _tdiv(a, b)),
    (arith.FloorDivSIOp, lambda a, b: a // b),
    (arith.CeilDivSIOp, lambda a, b: -((-a) // b)),
    (arith.DivUIOp, lambda a, b: (a % 256) // (b % 256)),
    (arith.RemUIOp, lambda a, b: (a % 256) % (b % 256)),
    (arith.CeilDivUIOp, lambda a, b: -(-(a % 256) // (b % 256))),
    (arith.MaxSIOp, max),
    (arith.MinSIOp, min),
    (arith.MaxUIOp, lambda a, b: max(a % 256, b % 256)),
    (arith.MinUIOp, lambda a, b: min(a % 256, b % 256)),
    (arith.AndIOp, lambda a, b: a & b),
    (arith.OrIOp, lambda a, b: a | b),
    (arith.XOrIOp, lambda a, b: a ^ b),
]


def _int_binary_module(op_type: type, element: Attribute, n: int) -> ModuleOp:
    def build(a: SSAValue, b: SSAValue) -> list[SSAValue]:
        return [compute("C", [n], element, [], lambda i: emit()(op_type(read(a, i), read(b, i)).result))]

    return te_function([tensor([n], element), tensor([n], element)], build)


@pytest.mark.parametrize(("op_type", "reference"), INT_BINARY, ids=lambda v: getattr(v, "name", "ref"))
def test_i8_binary_ops(op_type: type, reference: Callable[[int, int], int]) -> None:
    a = np.array([-128, -128, -7, -7, 7, 7, 127, 100, -1, 0, 5, -100], dtype=np.int8)
    b = np.array([-1, 3, 2, -2, 2, -2, 1, 3, -1, 5, 127, -128], dtype=np.int8)
    expected = np.array([_wrap8(reference(int(x), int(y))) for x, y in zip(a, b, strict=True)], dtype=np.int8)
    np.testing.assert_array_equal(run1(_int_binary_module(op_type, i8, len(a)), a, b), expected)


@pytest.mark.parametrize(
    ("op_type", "reference"),
    [
        (arith.ShLIOp, lambda a, b: a << b),
        (arith.ShRSIOp, lambda a, b: a >> b),
        (arith.ShRUIOp, lambda a, b: (a % 256) >> b),
    ],
)
def test_i8_shifts(op_type: type, reference: Callable[[int, int], int]) -> None:
    a = np.array([-128, -7, 7, 127, -1, 1], dtype=np.int8)
    b = np.array([1, 2, 3, 7, 4, 0], dtype=np.int8)
    expected = np.array([_wrap8(reference(int(x), int(y))) for x, y in zip(a, b, strict=True)], dtype=np.int8)
    np.testing.assert_array_equal(run1(_int_binary_module(op_type, i8, len(a)), a, b), expected)


def test_i64_division_semantics() -> None:
    a = np.array([7, -7, 7, -7, 0, -9], dtype=np.int64)
    b = np.array([2, 2, -2, -2, 3, 4], dtype=np.int64)
    expected = {
        arith.DivSIOp: [3, -3, -3, 3, 0, -2],
        arith.RemSIOp: [1, -1, 1, -1, 0, -1],
        arith.FloorDivSIOp: [3, -4, -4, 3, 0, -3],
        arith.CeilDivSIOp: [4, -3, -3, 4, 0, -2],
    }
    for op_type, values in expected.items():
        np.testing.assert_array_equal(run1(_int_binary_module(op_type, i64, 6), a, b), values)
    big = np.array([-1, 2**63 - 1], dtype=np.int64)
    two = np.array([2, 2], dtype=np.int64)
    np.testing.assert_array_equal(run1(_int_binary_module(arith.DivUIOp, i64, 2), big, two), [2**63 - 1, 2**62 - 1])


@pytest.mark.parametrize("predicate", ["eq", "ne", "slt", "sle", "sgt", "sge", "ult", "ule", "ugt", "uge"])
def test_cmpi_predicates(predicate: str) -> None:
    a = np.array([-1, 1, 5, -128, 0, 3], dtype=np.int8)
    b = np.array([1, -1, 5, 127, 0, -3], dtype=np.int8)
    view = (lambda v: int(v) % 256) if predicate[0] == "u" else int
    compare = {"eq": int.__eq__, "ne": int.__ne__, "lt": int.__lt__, "le": int.__le__, "gt": int.__gt__, "ge": int.__ge__}
    key = predicate if predicate in ("eq", "ne") else predicate[1:]
    expected = np.array([compare[key](view(x), view(y)) for x, y in zip(a, b, strict=True)])

    def build(x: SSAValue, y: SSAValue) -> list[SSAValue]:
        return [compute("C", [6], i1, [], lambda i: emit()(arith.CmpiOp(read(x, i), read(y, i), predicate).result))]

    result = run1(te_function([tensor([6], i8), tensor([6], i8)], build), a, b)
    assert result.dtype == np.bool_
    np.testing.assert_array_equal(result, expected)


def test_integer_casts() -> None:
    """extsi / extui / trunci / index_cast / sitofp / uitofp / fptosi / fptoui / select on i1."""
    a = np.array([-128, -1, 0, 1, 127], dtype=np.int8)
    cases: dict[str, tuple[Attribute, Callable[[SSAValue], SSAValue], np.ndarray]] = {
        "extsi": (i32, lambda v: arith.ExtSIOp(v, i32).result, a.astype(np.int32)),
        "extui": (i32, lambda v: arith.ExtUIOp(v, i32).result, a.astype(np.uint8).astype(np.int32)),
        "trunci": (i8, lambda v: arith.TruncIOp(arith.MuliOp(arith.ExtSIOp(v, i32), const(3, i32)), i8).result, a * 3),
        "index_cast": (
            i64,
            lambda v: arith.IndexCastOp(arith.AddiOp(arith.IndexCastOp(v, index), const(1000)), i64).result,
            a.astype(np.int64) + 1000,
        ),
        "sitofp": (f32, lambda v: arith.SIToFPOp(v, f32).result, a.astype(np.float32)),
        "uitofp": (f32, lambda v: arith.UIToFPOp(v, f32).result, a.astype(np.uint8).astype(np.float32)),
        "fptosi": (
            i32,
            lambda v: arith.FPToSIOp(arith.DivfOp(arith.SIToFPOp(v, f32), const(2.0, f32)), i32).result,
            np.trunc(a / 2).astype(np.int32),
        ),
        "fptoui": (
            i8,
            lambda v: arith.FPToUIOp(arith.UIToFPOp(v, f32), i8).result,
            a,
        ),
        "select": (
            i8,
            lambda v: arith.SelectOp(arith.CmpiOp(v, const(0, i8), "slt"), const(-5, i8), v).result,
            np.where(a < 0, -5, a).astype(np.int8),
        ),
        "i1_ext": (
            i32,
            lambda v: (
                arith.AddiOp(
                    arith.ExtSIOp(arith.CmpiOp(v, const(0, i8), "slt"), i32),
                    arith.ExtUIOp(arith.CmpiOp(v, const(0, i8), "sgt"), i32),
                ).result
            ),
            np.where(a < 0, -1, 0) + np.where(a > 0, 1, 0),
        ),
    }
    for name, (element, body, expected) in cases.items():

        def build(x: SSAValue, element: Attribute = element, body: Callable[[SSAValue], SSAValue] = body) -> list[SSAValue]:
            return [compute("C", [5], element, [], lambda i: emit()(body(read(x, i))))]

        result = run1(te_function([tensor([5], i8)], build), a)
        np.testing.assert_array_equal(result, np.asarray(expected).astype(result.dtype), err_msg=name)


def test_integer_math() -> None:
    a = np.array([-128, -5, 0, 3, 127], dtype=np.int8)
    cases = {
        "absi": (lambda v: xmath.AbsIOp(v).result, [-128, 5, 0, 3, 127]),
        "ctpop": (lambda v: xmath.CtPopOp(v).result, [1, 7, 0, 2, 7]),
        "ctlz": (lambda v: xmath.CountLeadingZerosOp(v).result, [0, 0, 8, 6, 1]),
        "cttz": (lambda v: xmath.CountTrailingZerosOp(v).result, [7, 0, 8, 0, 0]),
        "ipowi": (lambda v: xmath.IPowIOp(v, const(2, i8)).result, [_wrap8(x * x) for x in (-128, -5, 0, 3, 127)]),
    }
    for name, (body, expected) in cases.items():

        def build(x: SSAValue, body: Callable[[SSAValue], SSAValue] = body) -> list[SSAValue]:
            return [compute("C", [5], i8, [], lambda i: emit()(body(read(x, i))))]

        np.testing.assert_array_equal(run1(te_function([tensor([5], i8)], build), a), expected, err_msg=name)


# ---------------------------------------------------------------------------------------------------------
# Float ops


FLOAT_UNARY = [
    (xmath.ExpOp, np.exp),
    (xmath.Exp2Op, np.exp2),
    (xmath.ExpM1Op, np.expm1),
    (xmath.LogOp, np.log),
    (xmath.Log2Op, np.log2),
    (xmath.Log10Op, np.log10),
    (xmath.Log1pOp, np.log1p),
    (xmath.SqrtOp, np.sqrt),
    (xmath.RsqrtOp, lambda x: 1 / np.sqrt(x)),
    (xmath.TanhOp, np.tanh),
    (xmath.ErfOp, np.vectorize(math.erf)),
    (xmath.AbsFOp, np.abs),
    (xmath.FloorOp, np.floor),
    (xmath.CeilOp, np.ceil),
    (xmath.TruncOp, np.trunc),
    (xmath.SinOp, np.sin),
    (xmath.CosOp, np.cos),
    (xmath.TanOp, np.tan),
    (xmath.AtanOp, np.arctan),
    (arith.NegfOp, np.negative),
]


@pytest.mark.parametrize(("op_type", "reference"), FLOAT_UNARY, ids=lambda v: getattr(v, "name", "ref"))
def test_float_unary(op_type: type, reference: Callable[[np.ndarray], np.ndarray]) -> None:
    def build(a: SSAValue) -> list[SSAValue]:
        return [compute("C", [20], f64, [], lambda i: emit()(op_type(read(a, i)).result))]

    x = RNG.uniform(0.05, 3.0, size=20)
    np.testing.assert_allclose(run1(te_function([tensor([20], f64)], build), x), reference(x), rtol=1e-12)


def test_round_is_half_away_from_zero() -> None:
    def build(a: SSAValue) -> list[SSAValue]:
        return [compute("C", [6], f32, [], lambda i: emit()(xmath.RoundOp(read(a, i)).result))]

    x = np.array([0.5, 1.5, 2.5, -0.5, -2.5, 0.49999997], dtype=np.float32)
    np.testing.assert_array_equal(run1(te_function([tensor([6])], build), x), [1, 2, 3, -1, -3, 0])


FLOAT_BINARY = [
    (arith.AddfOp, np.add),
    (arith.SubfOp, np.subtract),
    (arith.MulfOp, np.multiply),
    (arith.DivfOp, np.divide),
    (arith.MaximumfOp, np.maximum),
    (arith.MinimumfOp, np.minimum),
    (arith.MaxnumfOp, np.fmax),
    (arith.MinnumfOp, np.fmin),
    (xmath.PowFOp, np.power),
    (xmath.CopySignOp, np.copysign),
]


@pytest.mark.parametrize(("op_type", "reference"), FLOAT_BINARY, ids=lambda v: getattr(v, "name", "ref"))
def test_float_binary(op_type: type, reference: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> None:
    def build(a: SSAValue, b: SSAValue) -> list[SSAValue]:
        return [compute("C", [8], f64, [], lambda i: emit()(op_type(read(a, i), read(b, i)).result))]

    x = np.array([1.5, -2.0, 0.0, np.nan, 3.0, -7.5, 2.0, np.inf])
    y = np.array([0.5, 3.0, -1.0, 1.0, np.nan, 2.0, 0.0, 1.0])
    if op_type is xmath.PowFOp:
        x = np.abs(x)
    module = te_function([tensor([8], f64), tensor([8], f64)], build)
    with np.errstate(all="ignore"):
        expected = reference(x, y)
    np.testing.assert_array_equal(run1(module, x, y), expected)


def test_fma_and_float_narrowing() -> None:
    """math.fma; arith.truncf rounds to f32; extf widens; results are cast to their element type."""

    def build(a: SSAValue, b: SSAValue) -> list[SSAValue]:
        def body(i: SSAValue) -> None:
            fused = xmath.FmaOp(read(a, i), read(b, i), const(1.0, f64)).result
            emit()(arith.ExtFOp(arith.TruncFOp(fused, f32), f64).result)

        return [compute("C", [4], f64, [], body)]

    x, y = np.array([1 / 3, 2.0, -1.0, 1e-9]), np.array([3.0, 0.1, 2.0, 1.0])
    expected = (x * y + 1.0).astype(np.float32).astype(np.float64)
    np.testing.assert_array_equal(run1(te_function([tensor([4], f64), tensor([4], f64)], build), x, y), expected)


CMPF = ["false", "oeq", "ogt", "oge", "olt", "ole", "one", "ord", "ueq", "ugt", "uge", "ult", "ule", "une", "uno", "true"]


@pytest.mark.parametrize("predicate", CMPF)
def test_cmpf_predicates(predicate: str) -> None:
    x = np.array([1.0, 2.0, 2.0, np.nan, 0.0, np.nan], dtype=np.float32)
    y = np.array([2.0, 1.0, 2.0, 1.0, np.nan, np.nan], dtype=np.float32)
    unordered = np.isnan(x) | np.isnan(y)
    base = {
        "eq": x == y,
        "gt": x > y,
        "ge": x >= y,
        "lt": x < y,
        "le": x <= y,
        "ne": (x != y) & ~unordered,
    }
    if predicate in ("false", "true"):
        expected = np.full(6, predicate == "true")
    elif predicate in ("ord", "uno"):
        expected = ~unordered if predicate == "ord" else unordered
    elif predicate[0] == "o":
        expected = base[predicate[1:]] & ~unordered
    else:
        expected = base[predicate[1:]] | unordered

    def build(a: SSAValue, b: SSAValue) -> list[SSAValue]:
        return [compute("C", [6], i1, [], lambda i: emit()(arith.CmpfOp(read(a, i), read(b, i), predicate).result))]

    np.testing.assert_array_equal(run1(te_function([tensor([6]), tensor([6])], build), x, y), expected)


def test_bitcast_roundtrip() -> None:
    def build(a: SSAValue) -> list[SSAValue]:
        return [compute("C", [3], i32, [], lambda i: emit()(arith.BitcastOp(read(a, i), i32).result))]

    x = np.array([1.0, -2.5, np.inf], dtype=np.float32)
    np.testing.assert_array_equal(run1(te_function([tensor([3])], build), x), x.view(np.int32))


def test_float_overflow_gives_inf_without_warnings() -> None:
    def build(a: SSAValue) -> list[SSAValue]:
        return [compute("C", [3], f32, [], lambda i: emit()(xmath.ExpOp(read(a, i)).result))]

    x = np.array([1000.0, -1000.0, 0.0], dtype=np.float32)
    with np.errstate(all="raise"):
        np.testing.assert_array_equal(run1(te_function([tensor([3])], build), x), [np.inf, 0.0, 1.0])


# ---------------------------------------------------------------------------------------------------------
# Tensor intrinsics


def gemm_intrin() -> IntrinOp:
    """y[i, j] = sum_k x[i, k] * w[j, k] on i8 inputs, accumulated in i32."""
    block = Block()
    with ImplicitBuilder(block):
        w = PlaceholderOp("w", tensor([4, 8], i8)).result
        x = PlaceholderOp("x", tensor([2, 8], i8)).result

        def body(i: SSAValue, j: SSAValue, k: SSAValue) -> None:
            wide_x = arith.ExtSIOp(read(x, i, k), i32).result
            wide_w = arith.ExtSIOp(read(w, j, k), i32).result
            emit("sum")(arith.MuliOp(wide_x, wide_w).result)

        y = compute("y", [2, 4], i32, [8], body)
        IntrinLowerOp(y, ("vdla.gemm", [w, x, y]))
    intrin = IntrinOp("gemm", Region(block))
    ModuleOp([intrin]).verify()
    return intrin


def test_evaluate_intrin() -> None:
    intrin = gemm_intrin()
    w = RNG.integers(-128, 128, size=(4, 8)).astype(np.int8)
    x = RNG.integers(-128, 128, size=(2, 8)).astype(np.int8)
    result = evaluate_intrin(intrin, [w, x])
    assert result.dtype == np.int32
    np.testing.assert_array_equal(result, x.astype(np.int32) @ w.astype(np.int32).T)
    with pytest.raises(TeInterpreterError, match=r'te.intrin @gemm: input 1 \(placeholder "x"\) must be tensor<2x8xi8>'):
        evaluate_intrin(intrin, [w, x.astype(np.int32)])
    with pytest.raises(TeInterpreterError, match="takes 2 inputs, got 1"):
        evaluate_intrin(intrin, [w])


# ---------------------------------------------------------------------------------------------------------
# Laziness and errors


SHIFT_READ = """
func.func @f(%A: tensor<4x4xf32>) -> tensor<4x4xf32> {
  %C = "te.compute"() <{name = "C", reduce_extents = []}> ({
  ^bb0(%i: index, %j: index):
    %one = "arith.constant"() <{value = 1 : index}> : () -> index
    %i1 = "arith.addi"(%i, %one) <{overflow = #arith.overflow<none>}> : (index, index) -> index
    %j1 = "arith.subi"(%j, %one) <{overflow = #arith.overflow<none>}> : (index, index) -> index
    %a = "te.read"(%A, %i1, %j1) : (tensor<4x4xf32>, index, index) -> f32
    "te.yield"(%a) : (f32) -> ()
  }) : () -> tensor<4x4xf32>
  "func.return"(%C) : (tensor<4x4xf32>) -> ()
}
"""


def test_unguarded_out_of_bounds_read_names_compute_tensor_and_index() -> None:
    module = tessel.parse(SHIFT_READ)
    message = (
        r'te.compute "C": te.read of tensor %A \(argument 0\) at index \(1, -1\) is out of bounds for tensor<4x4xf32> '
        r"\(output index \(0, 0\)\)"
    )
    with pytest.raises(TeInterpreterError, match=message):
        run_te_function(module, "f", [randn(4, 4)])


def test_out_of_bounds_read_of_a_compute_in_a_reduction(monkeypatch: pytest.MonkeyPatch) -> None:
    """Found in a later chunk too; names the compute read and the reduction position."""
    monkeypatch.setattr(te_interpreter, "CHUNK_ELEMENTS", 3)

    def build(a: SSAValue) -> list[SSAValue]:
        p = compute("P", [4], f32, [], lambda i: emit()(read(a, i)))

        def body(i: SSAValue, k: SSAValue) -> None:
            emit("sum")(read(p, arith.AddiOp(i, k).result))

        return [compute("S", [4], f32, [2], body)]

    module = te_function([tensor([4])], build)
    message = (
        r'te.compute "S": te.read of tensor %P \(compute "P"\) at index \(4\) is out of bounds for tensor<4xf32> '
        r"\(output index \(3\), reduction index \(1\)\)"
    )
    with pytest.raises(TeInterpreterError, match=message):
        run1(module, randn(4))


def test_if_then_else_is_lazy_but_select_is_not() -> None:
    def build(a: SSAValue, use_select: bool) -> list[SSAValue]:
        def body(i: SSAValue) -> None:
            shifted = arith.AddiOp(i, const(1)).result
            inside = arith.CmpiOp(shifted, const(4), "slt").result
            value = read(a, shifted)
            if use_select:
                emit()(arith.SelectOp(inside, value, const(-1.0, f32)).result)
            else:
                emit()(IfThenElseOp(inside, value, const(-1.0, f32)).result)

        return [compute("C", [4], f32, [], body)]

    x = randn(4)
    lazy = te_function([tensor([4])], lambda a: build(a, False))
    np.testing.assert_array_equal(run1(lazy, x), [x[1], x[2], x[3], -1.0])
    strict = te_function([tensor([4])], lambda a: build(a, True))
    with pytest.raises(TeInterpreterError, match=r"at index \(4\) is out of bounds for tensor<4xf32> \(output index \(3\)\)"):
        run1(strict, x)


def test_division_by_zero_is_poison_unless_guarded() -> None:
    def build(a: SSAValue, b: SSAValue, guarded: bool) -> list[SSAValue]:
        def body(i: SSAValue) -> None:
            x, y = read(a, i), read(b, i)
            quotient = arith.DivSIOp(x, y).result
            if guarded:
                nonzero = arith.CmpiOp(y, const(0, i32), "ne").result
                quotient = IfThenElseOp(nonzero, quotient, const(0, i32)).result
            emit()(quotient)

        return [compute("Q", [3], i32, [], body)]

    x, y = np.array([6, 7, 8], dtype=np.int32), np.array([3, 0, -2], dtype=np.int32)
    guarded = te_function([tensor([3], i32), tensor([3], i32)], lambda a, b: build(a, b, True))
    np.testing.assert_array_equal(run1(guarded, x, y), [2, 0, -4])
    unguarded = te_function([tensor([3], i32), tensor([3], i32)], lambda a, b: build(a, b, False))
    with pytest.raises(TeInterpreterError, match=r'te.compute "Q": arith.divsi divides by zero \(output index \(1\)\)'):
        run1(unguarded, x, y)


def test_input_checks() -> None:
    module = tessel.parse(MATMUL)
    a, b = randn(8, 6), randn(8, 5)
    with pytest.raises(
        TeInterpreterError,
        match=r"@matmul: argument 1 must be tensor<8x5xf32> \(shape \(8, 5\), dtype float32\), "
        r"got an array of shape \(5, 8\)",
    ):
        run_te_function(module, "matmul", [a, b.T])
    with pytest.raises(TeInterpreterError, match=r"argument 0 must be .* dtype float64"):
        run_te_function(module, "matmul", [a.astype(np.float64), b])
    with pytest.raises(TeInterpreterError, match="takes 2 inputs, got 1"):
        run_te_function(module, "matmul", [a])
    with pytest.raises(TeInterpreterError, match="no function @nope"):
        run_te_function(module, "nope", [a, b])


def test_unsupported_op_is_named() -> None:
    text = """
func.func @f(%A: tensor<4xi32>) -> tensor<4xi32> {
  %C = "te.compute"() <{name = "C", reduce_extents = []}> ({
  ^bb0(%i: index):
    %a = "te.read"(%A, %i) : (tensor<4xi32>, index) -> i32
    %s, %o = "arith.addui_extended"(%a, %a) : (i32, i32) -> (i32, i1)
    "te.yield"(%s) : (i32) -> ()
  }) : () -> tensor<4xi32>
  "func.return"(%C) : (tensor<4xi32>) -> ()
}
"""
    module = tessel.parse(text)
    with pytest.raises(TeInterpreterError, match=r'te.compute "C": unsupported op arith.addui_extended'):
        run_te_function(module, "f", [np.zeros(4, dtype=np.int32)])


def test_i1_input_as_condition() -> None:
    def build(c: SSAValue, a: SSAValue) -> list[SSAValue]:
        def body(i: SSAValue) -> None:
            emit()(IfThenElseOp(read(c, i), read(a, i), arith.NegfOp(read(a, i)).result).result)

        return [compute("C", [5], f32, [], body)]

    c, x = np.array([True, False, True, False, False]), randn(5)
    np.testing.assert_array_equal(run1(te_function([tensor([5], i1), tensor([5])], build), c, x), np.where(c, x, -x))
