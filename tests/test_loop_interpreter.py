"""The loop dialect's reference interpreter (dialects/loop/interpreter.py) against numpy."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from xdsl.builder import ImplicitBuilder
from xdsl.dialects import arith, vector
from xdsl.dialects import math as xmath
from xdsl.dialects.builtin import (
    DenseIntOrFPElementsAttr,
    FloatAttr,
    IndexType,
    IntegerAttr,
    IntegerType,
    MemRefType,
    ModuleOp,
    Signedness,
    VectorType,
    f16,
    f32,
    f64,
    i1,
    i8,
    i32,
    i64,
)
from xdsl.ir import Attribute, Block, Region, SSAValue
from xdsl.ir.affine import AffineExpr, AffineMap

import tessel
from tessel.dialects.loop import AllocOp, ApplyOp, BarrierOp, CallOp, DmaCopyOp, ForOp, FuncOp, IfOp, LoadOp, StoreOp
from tessel.dialects.loop.interpreter import LoopInterpreterError, compile_loop_function, run_loop_function

index = IndexType()


# ---------------------------------------------------------------------------------------------------
# Building loop IR with the constructors.


@contextmanager
def kernel(name: str, *arg_types: Attribute, intrinsic: bool = False) -> Iterator[tuple[FuncOp, tuple[SSAValue, ...]]]:
    """A loop.func whose body is built inside the `with`."""
    func = FuncOp(name, list(arg_types), intrinsic=intrinsic)  # type: ignore[arg-type]
    with ImplicitBuilder(func.body.block):
        yield func, func.args


@contextmanager
def loop(ub: int, lb: int = 0, step: int = 1, kind: str = "serial", thread: str | None = None) -> Iterator[SSAValue]:
    op = ForOp(lb, ub, step, kind, thread=thread)
    with ImplicitBuilder(op.body.block):
        yield op.induction_var


def cidx(v: int) -> SSAValue:
    return arith.ConstantOp(IntegerAttr(v, index)).result


def cint(v: int, t: IntegerType) -> SSAValue:
    return arith.ConstantOp(IntegerAttr(v, t)).result


def cf(v: float, t: Attribute = f32) -> SSAValue:
    return arith.ConstantOp(FloatAttr(v, t)).result  # type: ignore[arg-type]


def apply(fn: Callable[..., object], *operands: SSAValue) -> SSAValue:
    dims = [AffineExpr.dimension(k) for k in range(len(operands))]
    return ApplyOp(AffineMap(len(operands), 0, (fn(*dims),)), list(operands)).result


def memref(*shape: int, t: Attribute = f32) -> MemRefType:
    return MemRefType(t, list(shape))


def module(*funcs: FuncOp) -> ModuleOp:
    m = ModuleOp(list(funcs))
    m.verify()
    return m


def rand(*shape: int, dtype: type = np.float32, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


# ---------------------------------------------------------------------------------------------------
# Whole kernels.


def build_matmul(n: int, m: int, k: int) -> tuple[ModuleOp, FuncOp]:
    """C[i, j] = sum_k A[i, k] * B[k, j], with the reduction initialized in the loop nest."""
    with kernel("matmul", memref(n, k), memref(k, m), memref(n, m)) as (func, (A, B, C)):
        with loop(n, kind="parallel") as i, loop(m, kind="vectorized") as j:
            StoreOp(cf(0.0), C, [i, j])
            with loop(k) as r:
                a, b, c = LoadOp(A, [i, r]), LoadOp(B, [r, j]), LoadOp(C, [i, j])
                StoreOp(arith.AddfOp(c, arith.MulfOp(a, b)), C, [i, j])
    return module(func), func


def test_matmul_matches_numpy():
    mod, _ = build_matmul(5, 7, 3)
    A, B = rand(5, 3, seed=1), rand(3, 7, seed=2)
    C = np.full((5, 7), 99.0, np.float32)
    run_loop_function(mod, "matmul", [A, B, C])
    np.testing.assert_allclose(C, A.astype(np.float64) @ B, rtol=1e-6, atol=1e-6)


def test_matmul_speed(capsys: pytest.CaptureFixture[str]):
    """Report ops executed per second on a 32x32x32 matmul (6 ops per inner iteration)."""
    mod, func = build_matmul(32, 32, 32)
    fn = compile_loop_function(func, mod)
    A, B, C = rand(32, 32, seed=1), rand(32, 32, seed=2), np.zeros((32, 32), np.float32)
    fn(A, B, C)
    start = time.perf_counter()
    repeats = 5
    for _ in range(repeats):
        fn(A, B, C)
    seconds = (time.perf_counter() - start) / repeats
    ops = 32 * 32 * 32 * 6 + 32 * 32 * 2
    np.testing.assert_allclose(C, A.astype(np.float64) @ B, rtol=1e-5, atol=1e-5)
    with capsys.disabled():
        print(f"\nloop interpreter: 32x32x32 matmul in {seconds * 1e3:.2f} ms, {ops / seconds / 1e6:.1f} M ops/s")
    assert ops / seconds > 1e6


ROWSUM = """
"loop.func"() <{sym_name = "rowsum", function_type = (memref<4x8xf32>, memref<4xf32>) -> ()}> ({
^bb0(%A: memref<4x8xf32>, %S: memref<4xf32>):
  "loop.for"() <{lb = 0 : index, ub = 4 : index, step = 1 : index, kind = "parallel"}> ({
  ^bb1(%i: index):
    %init = arith.constant 1.5 : f32
    "loop.store"(%init, %S, %i) : (f32, memref<4xf32>, index) -> ()
    "loop.for"() <{lb = 0 : index, ub = 8 : index, step = 1 : index, kind = "serial"}> ({
    ^bb2(%k: index):
      %a = "loop.load"(%A, %i, %k) : (memref<4x8xf32>, index, index) -> f32
      %s = "loop.load"(%S, %i) : (memref<4xf32>, index) -> f32
      %m = arith.maximumf %s, %a : f32
      "loop.store"(%m, %S, %i) : (f32, memref<4xf32>, index) -> ()
    }) : () -> ()
  }) : () -> ()
}) : () -> ()
"""


def test_reduction_with_init_from_generic_text():
    mod = tessel.parse(ROWSUM)
    A = rand(4, 8, seed=3)
    A[2] = -5.0  # the init value wins in this row
    S = np.zeros(4, np.float32)
    run_loop_function(mod, "rowsum", [A, S])
    np.testing.assert_array_equal(S, np.maximum(A.max(axis=1), 1.5))


def test_split_loop_with_guard_and_apply():
    """A loop of 10 split by 4 (3 outer iterations, the last one partial) guarded by loop.if."""
    with kernel("scale", memref(10), memref(10)) as (func, (X, Y)):
        with loop(3, kind="parallel") as xo, loop(4, kind="unrolled") as xi:
            x = apply(lambda o, i: o * 4 + i, xo, xi)
            inside = arith.CmpiOp(x, cidx(10), "slt")
            guard = IfOp(inside)
            with ImplicitBuilder(guard.then_region.block):
                StoreOp(arith.MulfOp(LoadOp(X, [x]), cf(2.0)), Y, [x])
    X, Y = rand(10, seed=4), np.zeros(10, np.float32)
    run_loop_function(module(func), "scale", [X, Y])
    np.testing.assert_array_equal(Y, X * 2)


def test_if_else_and_cmpi_predicates():
    """Y[i] = i for even i, -i otherwise, using remsi/cmpi/select inside both branches."""
    with kernel("parity", memref(9, t=i32)) as (func, (Y,)):
        with loop(9) as i:
            v = arith.IndexCastOp(i, i32)
            even = arith.CmpiOp(arith.RemSIOp(v, cint(2, i32)), cint(0, i32), "eq")
            branch = IfOp(even, else_region=Region(Block()))
            with ImplicitBuilder(branch.then_region.block):
                StoreOp(v, Y, [i])
            with ImplicitBuilder(branch.else_region.block):
                StoreOp(arith.SubiOp(cint(0, i32), v), Y, [i])
    Y = np.zeros(9, np.int32)
    run_loop_function(module(func), "parity", [Y])
    np.testing.assert_array_equal(Y, [i if i % 2 == 0 else -i for i in range(9)])


def test_apply_floordiv_mod_ceildiv():
    """A fused loop over 4x6 elements unflattened with floordiv/mod, plus a ceildiv column."""
    with kernel("unflatten", memref(4, 6, t=i64), memref(24, t=i64)) as (func, (Y, Z)):
        with loop(24, kind="parallel") as f:
            row = apply(lambda d: d // 6, f)
            col = apply(lambda d: d % 6, f)
            StoreOp(arith.IndexCastOp(f, i64), Y, [row, col])
            StoreOp(arith.IndexCastOp(apply(lambda d: d.ceil_div(5), f), i64), Z, [f])
    Y, Z = np.zeros((4, 6), np.int64), np.zeros(24, np.int64)
    run_loop_function(module(func), "unflatten", [Y, Z])
    np.testing.assert_array_equal(Y, np.arange(24).reshape(4, 6))
    np.testing.assert_array_equal(Z, [-(-f // 5) for f in range(24)])


def test_local_alloc_buffers():
    """Stage a row of A in a local buffer, then write its reverse; allocs live per iteration."""
    with kernel("reverse_rows", memref(3, 5), memref(3, 5)) as (func, (A, B)):
        with loop(3, kind="thread", thread="threadIdx.x") as i:
            local = AllocOp("row", "local", memref(5)).result
            with loop(5) as j:
                StoreOp(LoadOp(A, [i, j]), local, [j])
            BarrierOp()
            with loop(5) as j:  # (4 - d with xDSL's AffineExpr.__rsub__ builds d - 4)
                StoreOp(LoadOp(local, [apply(lambda d: d * -1 + 4, j)]), B, [i, j])
    A, B = rand(3, 5, seed=5), np.zeros((3, 5), np.float32)
    run_loop_function(module(func), "reverse_rows", [A, B])
    np.testing.assert_array_equal(B, A[:, ::-1])


def test_uninitialized_alloc_reads_are_visible():
    """A local buffer starts as garbage (nan for floats), so a missing init shows in the output."""
    with kernel("forgot_init", memref(2)) as (func, (Y,)):
        acc = AllocOp("acc", "local", memref(1)).result
        with loop(2) as i:
            StoreOp(LoadOp(acc, [cidx(0)]), Y, [i])
    Y = np.zeros(2, np.float32)
    run_loop_function(module(func), "forgot_init", [Y])
    assert np.isnan(Y).all()


def build_tiled_gemm_with_intrinsic() -> ModuleOp:
    """An 8x8x8 matmul tensorized by a 4x4x4 intrinsic called on sub-buffer views."""
    with kernel("gemm4", memref(4, 4), memref(4, 4), memref(4, 4), intrinsic=True) as (intrinsic, (a, b, c)):
        with loop(4) as i, loop(4) as j, loop(4) as k:
            acc = arith.AddfOp(LoadOp(c, [i, j]), arith.MulfOp(LoadOp(a, [i, k]), LoadOp(b, [k, j])))
            StoreOp(acc, c, [i, j])
    with kernel("tiled", memref(8, 8), memref(8, 8), memref(8, 8)) as (func, (A, B, C)):
        with loop(8) as i, loop(8) as j:
            StoreOp(cf(0.0), C, [i, j])
        with loop(2, kind="parallel") as io, loop(2) as jo, loop(2) as ko:
            i0, j0, k0 = (apply(lambda d: d * 4, v) for v in (io, jo, ko))
            CallOp("gemm4", [A, B, C], [[i0, k0], [k0, j0], [i0, j0]])
    return module(intrinsic, func)


def test_call_intrinsic_on_sub_buffer_views():
    mod = build_tiled_gemm_with_intrinsic()
    A, B, C = rand(8, 8, seed=6), rand(8, 8, seed=7), np.zeros((8, 8), np.float32)
    run_loop_function(mod, "tiled", [A, B, C])
    np.testing.assert_allclose(C, A.astype(np.float64) @ B, rtol=1e-6, atol=1e-6)


def test_call_on_local_buffer_and_view_of_view():
    """A callee that itself calls a callee: strides of the outermost buffer carry through both views."""
    with kernel("leaf2", memref(1, 2, t=i32)) as (leaf2, (x,)):
        with loop(2) as i:
            StoreOp(arith.AddiOp(LoadOp(x, [cidx(0), i]), cint(1, i32)), x, [cidx(0), i])
    with kernel("mid", memref(2, 3, t=i32)) as (mid2, (y,)):
        with loop(2) as r:
            CallOp("leaf2", [y], [[r, cidx(1)]])
    with kernel("top", memref(5, 6, t=i32)) as (top, (Z,)):
        CallOp("mid", [Z], [[cidx(2), cidx(3)]])
    Z = np.zeros((5, 6), np.int32)
    run_loop_function(module(leaf2, mid2, top), "top", [Z])
    expected = np.zeros((5, 6), np.int32)
    expected[2:4, 4:6] = 1
    np.testing.assert_array_equal(Z, expected)


def test_dma_copy_box():
    """DMA a 3x4 box into a local buffer (offset 1,1) and back out to another place."""
    with kernel("dma", memref(8, 8), memref(6, 6)) as (func, (src, dst)):
        local = AllocOp("buf", "inp_buffer", memref(5, 6)).result
        DmaCopyOp(src, [cidx(2), cidx(3)], local, [cidx(1), cidx(1)], [3, 4])
        DmaCopyOp(local, [cidx(1), cidx(1)], dst, [cidx(0), cidx(2)], [3, 4])
    src, dst = rand(8, 8, seed=8), np.zeros((6, 6), np.float32)
    run_loop_function(module(func), "dma", [src, dst])
    expected = np.zeros((6, 6), np.float32)
    expected[0:3, 2:6] = src[2:5, 3:7]
    np.testing.assert_array_equal(dst, expected)


def test_dma_copy_out_of_bounds():
    with kernel("dma_oob", memref(4, 4), memref(4, 4)) as (func, (src, dst)):
        with loop(3) as i:
            DmaCopyOp(src, [i, cidx(0)], dst, [cidx(0), cidx(0)], [3, 4])
    with pytest.raises(LoopInterpreterError, match=r"loop.dma_copy from %arg0 to %arg1 in @dma_oob: the source box at \(2, 0\)"):
        run_loop_function(module(func), "dma_oob", [rand(4, 4), np.zeros((4, 4), np.float32)])


# ---------------------------------------------------------------------------------------------------
# Vectors.


def test_vector_axpy_and_reduction():
    """Y = a*X + Y with vector.load/broadcast/fma/store, and S = sum(Y) with vector.reduction."""
    v8 = VectorType(f32, [8])
    with kernel("axpy", memref(2, 16), memref(2, 16), memref(2)) as (func, (X, Y, S)):
        with loop(2) as r:
            StoreOp(cf(0.0), S, [r])
            with loop(16, step=8, kind="vectorized") as c:
                a = vector.BroadcastOp(cf(3.0), v8)
                x = vector.LoadOp(X, [r, c], v8)
                y = vector.LoadOp(Y, [r, c], v8)
                z = vector.FMAOp(a, x, y)
                vector.StoreOp(z, Y, [r, c])
                part = vector.ReductionOp.build(
                    operands=[z, [LoadOp(S, [r]).result]],
                    result_types=[f32],
                    properties={"kind": vector.CombiningKindAttr(vector.CombiningKindFlag.ADD)},
                )
                StoreOp(part.results[0], S, [r])
    X, Y0 = rand(2, 16, seed=9), rand(2, 16, seed=10)
    Y, S = Y0.copy(), np.zeros(2, np.float32)
    run_loop_function(module(func), "axpy", [X, Y, S])
    expected = (3.0 * X.astype(np.float64) + Y0).astype(np.float32)
    np.testing.assert_array_equal(Y, expected)
    np.testing.assert_allclose(S, expected.astype(np.float64).sum(axis=1), rtol=1e-6)


REDUCTIONS = {
    "add": (f32, np.float32, lambda v, acc: acc + v.astype(np.float64).sum()),
    "mul": (f32, np.float32, lambda v, acc: acc * v.astype(np.float64).prod()),
    "maximumf": (f32, np.float32, lambda v, acc: max(acc, v.max())),
    "minnumf": (f32, np.float32, lambda v, acc: min(acc, v.min())),
    "maxsi": (i32, np.int32, lambda v, acc: max(acc, v.max())),
    "minui": (i32, np.int32, lambda v, acc: np.uint32(min(np.uint32(acc), v.view(np.uint32).min())).view(np.int32)),
    "xor": (i32, np.int32, lambda v, acc: np.bitwise_xor.reduce(v) ^ acc),
    "add_i32": (i32, np.int32, lambda v, acc: (v.astype(np.int64).sum() + acc + 2**31) % 2**32 - 2**31),
}


@pytest.mark.parametrize("lanes", [1, 8, 20])
@pytest.mark.parametrize("kind", sorted(REDUCTIONS))
def test_vector_reduction_kinds(kind: str, lanes: int):
    element, dtype, reference = REDUCTIONS[kind]
    flag = vector.CombiningKindFlag(kind.removesuffix("_i32"))
    vt = VectorType(element, [lanes])
    with kernel("reduce", memref(lanes, t=element), memref(1, t=element)) as (func, (X, Y)):
        acc = LoadOp(Y, [cidx(0)]).result
        vector.ReductionOp.build(
            operands=[vector.LoadOp(X, [cidx(0)], vt), [acc]],
            result_types=[element],
            properties={"kind": vector.CombiningKindAttr(flag)},
        )
        reduced = list(func.body.block.ops)[-1].results[0]
        StoreOp(reduced, Y, [cidx(0)])
    rng = np.random.default_rng(lanes)
    X = rng.standard_normal(lanes).astype(dtype) if element == f32 else rng.integers(-(2**31), 2**31, lanes, dtype)
    Y = np.array([3], dtype)
    expected = reference(X, dtype(3))
    run_loop_function(module(func), "reduce", [X, Y])
    np.testing.assert_allclose(Y[0], np.array(expected).astype(dtype), rtol=1e-6)


@pytest.mark.parametrize("lanes", [4, 32])
def test_vector_elementwise_ops(lanes: int):
    """arith/math on vectors work lane by lane: relu(x) * 2 - exp(x), compared with numpy."""
    vt = VectorType(f32, [lanes])
    with kernel("vec", memref(lanes), memref(lanes)) as (func, (X, Y)):
        x = vector.LoadOp(X, [cidx(0)], vt)
        zero = arith.ConstantOp(DenseIntOrFPElementsAttr.from_list(vt, [0.0]))
        relu = arith.MaximumfOp(x, zero)
        two = vector.BroadcastOp(cf(2.0), vt)
        y = arith.SubfOp(arith.MulfOp(relu, two), xmath.ExpOp(x))
        vector.StoreOp(y, Y, [cidx(0)])
    X, Y = rand(lanes, seed=11), np.zeros(lanes, np.float32)
    run_loop_function(module(func), "vec", [X, Y])
    x64 = X.astype(np.float64)
    np.testing.assert_array_equal(Y, (np.maximum(x64, 0) * 2 - np.exp(x64)).astype(np.float32))


def test_vector_extract_insert_and_select():
    """extract/insert lanes; select between vectors on a scalar condition (xDSL's arith.cmpf and
    arith.select only take i1 conditions, so comparisons on vectors cannot be expressed)."""
    v4 = VectorType(f32, [4])
    with kernel("lanes", memref(4), memref(4), memref(4)) as (func, (X, Y, Z)):
        x = vector.LoadOp(X, [cidx(0)], v4)
        first = vector.ExtractOp(x, [0], f32)
        y = vector.InsertOp(first, x.result, [3])
        vector.StoreOp(y, Y, [cidx(0)])
        positive = arith.CmpfOp(first, cf(0.0), "ogt")
        picked = arith.SelectOp(positive, vector.BroadcastOp(cf(-1.0), v4), y)
        vector.StoreOp(picked, Z, [cidx(0)])
    X, Y, Z = np.array([2.0, -3.0, 5.0, -7.0], np.float32), np.zeros(4, np.float32), np.zeros(4, np.float32)
    run_loop_function(module(func), "lanes", [X, Y, Z])
    np.testing.assert_array_equal(Y, [2.0, -3.0, 5.0, 2.0])
    np.testing.assert_array_equal(Z, [-1.0] * 4)


def test_vector_compare_with_scalar_result_type_is_rejected():
    v4 = VectorType(f32, [4])
    with kernel("bad_cmp", memref(4), memref(4, t=i1)) as (func, (X, Y)):
        x = vector.LoadOp(X, [cidx(0)], v4)
        arith.CmpfOp(x, x, "oeq")  # typed i1 by xDSL's constructor
    with pytest.raises(LoopInterpreterError, match="an elementwise op on vectors must produce a vector, got i1"):
        compile_loop_function(func, module(func))


def test_vector_load_out_of_bounds():
    v4 = VectorType(f32, [4])
    with kernel("vload", memref(6), memref(4)) as (func, (X, Y)):
        with loop(2) as i:
            start = apply(lambda d: d * 3, i)
            vector.StoreOp(vector.LoadOp(X, [start], v4), Y, [cidx(0)])
    with pytest.raises(
        LoopInterpreterError, match=r"vector.load of %arg0 in @vload: index \(3\) \(with 4 lanes\) is out of bounds"
    ):
        run_loop_function(module(func), "vload", [rand(6), np.zeros(4, np.float32)])


# ---------------------------------------------------------------------------------------------------
# Scalar semantics, element by element.


def elementwise(build: Callable[..., SSAValue], inputs: Sequence[np.ndarray], out_type: Attribute, out_dtype: type) -> np.ndarray:
    """Run `out[i] = build(in0[i], in1[i], ...)` over 1-D inputs and return out."""
    from tessel.dialects.graph.dtypes import element_type

    n = len(inputs[0])
    types = [memref(n, t=element_type(a.dtype)) for a in inputs] + [memref(n, t=out_type)]
    with kernel("ew", *types) as (func, args):
        with loop(n) as i:
            values = [LoadOp(a, [i]).result for a in args[:-1]]
            StoreOp(build(*values), args[-1], [i])
    out = np.zeros(n, out_dtype)
    run_loop_function(module(func), "ew", [*inputs, out])
    return out


INT_A = np.array([7, -7, 7, -7, 0, 100, -128, 127, 1, -1], np.int32)
INT_B = np.array([2, 2, -2, -2, 3, 7, -1, 3, 31, 33], np.int32)


def _trunc_div(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a - np.fmod(a, b)) // b


INT_CASES: dict[str, tuple[Callable[[SSAValue, SSAValue], object], Callable[[np.ndarray, np.ndarray], np.ndarray]]] = {
    "divsi": (arith.DivSIOp, _trunc_div),
    "remsi": (arith.RemSIOp, np.fmod),
    "floordivsi": (arith.FloorDivSIOp, np.floor_divide),
    "ceildivsi": (arith.CeilDivSIOp, lambda a, b: -(-a // b)),
    "divui": (arith.DivUIOp, lambda a, b: (a.view(np.uint32) // b.view(np.uint32)).view(np.int32)),
    "remui": (arith.RemUIOp, lambda a, b: (a.view(np.uint32) % b.view(np.uint32)).view(np.int32)),
    "muli_wraps": (arith.MuliOp, lambda a, b: a * b * 40000000),
    "maxsi": (arith.MaxSIOp, np.maximum),
    "minui": (arith.MinUIOp, lambda a, b: np.minimum(a.view(np.uint32), b.view(np.uint32)).view(np.int32)),
    "andi": (arith.AndIOp, np.bitwise_and),
    "xori": (arith.XOrIOp, np.bitwise_xor),
    "shrsi": (arith.ShRSIOp, lambda a, b: np.where((b >= 0) & (b < 32), a >> np.clip(b, 0, 31), np.where(a < 0, -1, 0))),
    "shrui": (
        arith.ShRUIOp,
        lambda a, b: np.where((b >= 0) & (b < 32), a.view(np.uint32) >> np.clip(b, 0, 31), 0).astype(np.uint32).view(np.int32),
    ),
    "shli": (arith.ShLIOp, lambda a, b: np.where((b >= 0) & (b < 32), a << np.clip(b, 0, 31), 0)),
}


@pytest.mark.parametrize("case", sorted(INT_CASES))
def test_integer_semantics(case: str):
    build, reference = INT_CASES[case]
    if case == "muli_wraps":
        out = elementwise(lambda a, b: arith.MuliOp(arith.MuliOp(a, b), cint(40000000, i32)), [INT_A, INT_B], i32, np.int32)
    else:
        out = elementwise(lambda a, b: build(a, b), [INT_A, INT_B], i32, np.int32)
    with np.errstate(all="ignore"):
        np.testing.assert_array_equal(out, reference(INT_A.astype(np.int32), INT_B.astype(np.int32)).astype(np.int32))


def _reference_int(name: str, a: int, b: int, width: int) -> int:
    """Integer op semantics written independently: via floats for truncation, C-style definitions."""
    m = 1 << width
    ua, ub = a % m, b % m

    def wrap(x: int) -> int:
        x %= m
        return x - m if x >= m // 2 else x

    trunc_q = int(a / b) if b else 0
    table = {
        "addi": lambda: a + b,
        "subi": lambda: a - b,
        "muli": lambda: a * b,
        "divsi": lambda: trunc_q,
        "remsi": lambda: a - b * trunc_q,
        "floordivsi": lambda: math.floor(a / b),
        "ceildivsi": lambda: math.ceil(a / b),
        "divui": lambda: ua // ub,
        "remui": lambda: ua % ub,
        "maxsi": lambda: max(a, b),
        "minsi": lambda: min(a, b),
        "maxui": lambda: max(ua, ub),
        "minui": lambda: min(ua, ub),
        "andi": lambda: ua & ub,
        "ori": lambda: ua | ub,
        "xori": lambda: ua ^ ub,
        "shli": lambda: ua << ub if ub < width else 0,
        "shrsi": lambda: a >> ub if ub < width else (-1 if a < 0 else 0),
        "shrui": lambda: ua >> ub if ub < width else 0,
    }
    return wrap(table[name]())


_INT_OPS = {
    "addi": arith.AddiOp,
    "subi": arith.SubiOp,
    "muli": arith.MuliOp,
    "divsi": arith.DivSIOp,
    "remsi": arith.RemSIOp,
    "floordivsi": arith.FloorDivSIOp,
    "ceildivsi": arith.CeilDivSIOp,
    "divui": arith.DivUIOp,
    "remui": arith.RemUIOp,
    "maxsi": arith.MaxSIOp,
    "minsi": arith.MinSIOp,
    "maxui": arith.MaxUIOp,
    "minui": arith.MinUIOp,
    "andi": arith.AndIOp,
    "ori": arith.OrIOp,
    "xori": arith.XOrIOp,
    "shli": arith.ShLIOp,
    "shrsi": arith.ShRSIOp,
    "shrui": arith.ShRUIOp,
}


@given(st.sampled_from(sorted(_INT_OPS)), st.sampled_from([(8, np.int8), (16, np.int16), (32, np.int32)]), st.data())
def test_integer_ops_match_an_independent_reference(name: str, width_dtype: tuple[int, type], data: st.DataObject):
    width, dtype = width_dtype
    lo, hi = -(1 << (width - 1)), (1 << (width - 1)) - 1
    values = st.one_of(st.integers(lo, hi), st.sampled_from([lo, hi, -1, 0, 1, width - 1, width]))
    pairs = data.draw(st.lists(st.tuples(values, values), min_size=1, max_size=8))
    if name in ("divsi", "remsi", "floordivsi", "ceildivsi", "divui", "remui"):
        pairs = [(a, b) for a, b in pairs if b != 0] or [(1, 1)]
    a = np.array([p[0] for p in pairs], dtype)
    b = np.array([p[1] for p in pairs], dtype)
    out = elementwise(_INT_OPS[name], [a, b], IntegerType(width), dtype)
    assert out.tolist() == [_reference_int(name, int(x), int(y), width) for x, y in pairs]


def test_i8_wrapping_and_casts():
    a = np.array([100, -100, 127, -128, 5], np.int8)
    b = np.array([100, -100, 1, -1, -6], np.int8)
    np.testing.assert_array_equal(elementwise(arith.AddiOp, [a, b], i8, np.int8), (a + b))
    # extsi / extui to i32, trunci back, sitofp / uitofp
    np.testing.assert_array_equal(elementwise(lambda x: arith.ExtSIOp(x, i32), [a], i32, np.int32), a.astype(np.int32))
    np.testing.assert_array_equal(
        elementwise(lambda x: arith.ExtUIOp(x, i32), [a], i32, np.int32), a.view(np.uint8).astype(np.int32)
    )
    wide = np.array([300, -300, 255, 128, -129], np.int32)
    np.testing.assert_array_equal(elementwise(lambda x: arith.TruncIOp(x, i8), [wide], i8, np.int8), wide.astype(np.int8))
    np.testing.assert_array_equal(elementwise(lambda x: arith.SIToFPOp(x, f32), [a], f32, np.float32), a.astype(np.float32))
    np.testing.assert_array_equal(
        elementwise(lambda x: arith.UIToFPOp(x, f32), [a], f32, np.float32), a.view(np.uint8).astype(np.float32)
    )


def test_index_cast_and_unsigned_buffers():
    u8 = IntegerType(8, Signedness.UNSIGNED)
    x = np.array([0, 1, 200, 255], np.uint8)
    out = elementwise(lambda v: v, [x], u8, np.uint8)
    np.testing.assert_array_equal(out, x)
    big = np.array([2**40, -(2**40) + 3, 5, -1], np.int64)
    cast = elementwise(lambda v: arith.IndexCastOp(arith.IndexCastOp(v, index), i32), [big], i32, np.int32)
    np.testing.assert_array_equal(cast, big.astype(np.int32))


def test_bool_buffers_and_i1_ops():
    p = np.array([True, False, True, False])
    q = np.array([True, True, False, False])
    np.testing.assert_array_equal(elementwise(arith.XOrIOp, [p, q], i1, np.bool_), p ^ q)
    np.testing.assert_array_equal(elementwise(arith.AndIOp, [p, q], i1, np.bool_), p & q)
    np.testing.assert_array_equal(elementwise(lambda a, b: arith.ExtSIOp(a, i32), [p, q], i32, np.int32), -p.astype(np.int32))
    np.testing.assert_array_equal(elementwise(arith.AddiOp, [p, q], i1, np.bool_), p ^ q)


SPECIAL = np.array([0.0, -0.0, 1.0, -1.0, 2.5, -2.5, np.inf, -np.inf, np.nan, 1e30, 0.5, -0.5], np.float32)
OTHER = np.array([0.0, 0.0, -0.0, 3.0, np.nan, 2.5, np.inf, 1.0, 1.0, 1e30, -0.5, 0.5], np.float32)


def test_float_division_by_zero_and_overflow_follow_ieee():
    a, b = SPECIAL.astype(np.float64), OTHER.astype(np.float64)
    with np.errstate(all="ignore"):
        np.testing.assert_array_equal(elementwise(arith.DivfOp, [SPECIAL, OTHER], f32, np.float32), (a / b).astype(np.float32))
        # 1e30 * 1e30 * 1e30 is computed in f64 and overflows f32 only when stored
        big = elementwise(lambda x, y: arith.MulfOp(arith.MulfOp(x, y), y), [SPECIAL, OTHER], f32, np.float32)
        np.testing.assert_array_equal(big, (a * b * b).astype(np.float32))
        huge = elementwise(lambda x: arith.MulfOp(x, cf(1e300, f64)), [a * 1e10], f64, np.float64)
        np.testing.assert_array_equal(huge, a * 1e10 * 1e300)


FLOAT_BINARY = {
    "maximumf": (arith.MaximumfOp, np.maximum),
    "minimumf": (arith.MinimumfOp, np.minimum),
    "maxnumf": (arith.MaxnumfOp, np.fmax),
    "minnumf": (arith.MinnumfOp, np.fmin),
    "addf": (arith.AddfOp, np.add),
    "subf": (arith.SubfOp, np.subtract),
    "powf": (xmath.PowFOp, np.power),
    "atan2": (xmath.Atan2Op, np.arctan2),
    "copysign": (xmath.CopySignOp, np.copysign),
}


@pytest.mark.parametrize("case", sorted(FLOAT_BINARY))
def test_float_binary_ops(case: str):
    build, reference = FLOAT_BINARY[case]
    with np.errstate(all="ignore"):
        expected = reference(SPECIAL.astype(np.float64), OTHER.astype(np.float64)).astype(np.float32)
    out = elementwise(build, [SPECIAL, OTHER], f32, np.float32)
    np.testing.assert_allclose(out, expected, rtol=1e-6)
    if case in ("maximumf", "minimumf"):  # signed zeros: max(-0, +0) = +0, min(-0, +0) = -0
        assert np.signbit(out[1]) == (case == "minimumf")


def _round_half_away(x: np.ndarray) -> np.ndarray:
    return np.where(np.isfinite(x), np.copysign(np.floor(np.abs(x) + 0.5), x), x)


FLOAT_UNARY = {
    "exp": (xmath.ExpOp, np.exp),
    "exp2": (xmath.Exp2Op, np.exp2),
    "expm1": (xmath.ExpM1Op, np.expm1),
    "log": (xmath.LogOp, np.log),
    "log2": (xmath.Log2Op, np.log2),
    "log10": (xmath.Log10Op, np.log10),
    "log1p": (xmath.Log1pOp, np.log1p),
    "sqrt": (xmath.SqrtOp, np.sqrt),
    "rsqrt": (xmath.RsqrtOp, lambda x: 1 / np.sqrt(x)),
    "tanh": (xmath.TanhOp, np.tanh),
    "erf": (xmath.ErfOp, np.vectorize(math.erf)),
    "absf": (xmath.AbsFOp, np.abs),
    "floor": (xmath.FloorOp, np.floor),
    "ceil": (xmath.CeilOp, np.ceil),
    "trunc": (xmath.TruncOp, np.trunc),
    "round": (xmath.RoundOp, _round_half_away),
    "roundeven": (xmath.RoundEvenOp, np.rint),
    "sin": (xmath.SinOp, np.sin),
    "cos": (xmath.CosOp, np.cos),
    "tan": (xmath.TanOp, np.tan),
    "atan": (xmath.AtanOp, np.arctan),
    "cbrt": (xmath.CbrtOp, np.cbrt),
    "negf": (arith.NegfOp, np.negative),
}


@pytest.mark.parametrize("case", sorted(FLOAT_UNARY))
def test_float_unary_ops(case: str):
    """Compared in f64 on special values (0, -0, inf, nan, out-of-domain) and ordinary ones."""
    build, reference = FLOAT_UNARY[case]
    x = np.concatenate([SPECIAL.astype(np.float64), [0.1, -3.7, 1000.0, -1000.0, 2.5e-8]])
    x = x[np.abs(x) != 1e30] if case in ("sin", "cos", "tan") else x
    with np.errstate(all="ignore"):
        expected = reference(x)
    out = elementwise(build, [x], f64, np.float64)
    np.testing.assert_allclose(out, expected, rtol=1e-14, atol=0)
    zero_signs = np.signbit(out[(out == 0) & (expected == 0)]) == np.signbit(expected[(out == 0) & (expected == 0)])
    assert zero_signs.all(), case


def test_fma_fpowi_ipowi_absi():
    a, b, c = rand(6, dtype=np.float64, seed=1), rand(6, dtype=np.float64, seed=2), rand(6, dtype=np.float64, seed=3)
    np.testing.assert_allclose(elementwise(xmath.FmaOp, [a, b, c], f64, np.float64), a * b + c, rtol=1e-15)
    n = np.array([0, 1, 2, -1, 3, 10], np.int32)
    np.testing.assert_allclose(elementwise(xmath.FPowIOp, [a, n], f64, np.float64), a ** n.astype(np.float64), rtol=1e-14)
    base = np.array([2, -3, 1, -1, 7, 0], np.int32)
    exponent = np.array([10, 3, -5, -3, 20, 0], np.int32)
    expected = [
        pow(int(x), int(e)) if e >= 0 else (1 if x == 1 else (-1) ** (-int(e)) if x == -1 else 0)
        for x, e in zip(base, exponent, strict=True)
    ]
    expected = np.array([((v + 2**31) % 2**32) - 2**31 for v in expected], np.int32)
    np.testing.assert_array_equal(elementwise(xmath.IPowIOp, [base, exponent], i32, np.int32), expected)
    np.testing.assert_array_equal(elementwise(xmath.AbsIOp, [INT_A], i32, np.int32), np.abs(INT_A))


CMPF = ["false", "oeq", "ogt", "oge", "olt", "ole", "one", "ord", "ueq", "ugt", "uge", "ult", "ule", "une", "uno", "true"]


def _cmpf_reference(pred: str, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    unordered = np.isnan(a) | np.isnan(b)
    base = {
        "eq": a == b,
        "gt": a > b,
        "ge": a >= b,
        "lt": a < b,
        "le": a <= b,
        "ne": (a != b) & ~unordered,
        "rd": ~unordered,
        "no": np.zeros_like(unordered),
    }
    if pred in ("false", "true"):
        return np.full(a.shape, pred == "true")
    result = base[pred[1:]] & ~unordered
    return result | unordered if pred[0] == "u" else result


@pytest.mark.parametrize("pred", CMPF)
def test_cmpf_predicates(pred: str):
    out = elementwise(lambda a, b: arith.CmpfOp(a, b, pred), [SPECIAL, OTHER], i1, np.bool_)
    np.testing.assert_array_equal(out, _cmpf_reference(pred, SPECIAL, OTHER))


@pytest.mark.parametrize("pred", ["eq", "ne", "slt", "sle", "sgt", "sge", "ult", "ule", "ugt", "uge"])
def test_cmpi_predicates(pred: str):
    a, b = INT_A, INT_B
    ua, ub = a.view(np.uint32), b.view(np.uint32)
    ops = {"eq": np.equal, "ne": np.not_equal, "lt": np.less, "le": np.less_equal, "gt": np.greater, "ge": np.greater_equal}
    expected = ops[pred] if pred in ops else ops[pred[1:]]
    ref = expected(ua, ub) if pred[0] == "u" else expected(a, b)
    np.testing.assert_array_equal(elementwise(lambda x, y: arith.CmpiOp(x, y, pred), [a, b], i1, np.bool_), ref)


def test_float_conversions():
    x = np.array([1.9, -1.9, 0.5, -0.5, 3e9, -3e9, np.nan, 1e10 + 0.3], np.float64)
    np.testing.assert_array_equal(
        elementwise(lambda v: arith.FPToSIOp(v, i32), [x], i32, np.int32), [1, -1, 0, 0, 2**31 - 1, -(2**31), 0, 2**31 - 1]
    )
    np.testing.assert_array_equal(elementwise(lambda v: arith.TruncFOp(v, f32), [x], f32, np.float32), x.astype(np.float32))
    halves = elementwise(lambda v: arith.TruncFOp(v, f16), [x], f16, np.float16)
    with np.errstate(all="ignore"):
        np.testing.assert_array_equal(halves, x.astype(np.float16))
    f = np.array([1.5, -2.25, 65504.0], np.float16)
    np.testing.assert_array_equal(elementwise(lambda v: arith.ExtFOp(v, f32), [f], f32, np.float32), f.astype(np.float32))


def test_f32_constants_are_rounded():
    zero = [np.zeros(1, np.float32)]
    out = elementwise(lambda v: arith.ExtFOp(arith.SubfOp(arith.AddfOp(v, cf(0.1)), cf(0.1)), f64), zero, f64, np.float64)
    assert out[0] == 0.0  # the same f32 constant both times
    out = elementwise(lambda v: arith.ExtFOp(cf(0.1), f64), [np.zeros(1, np.float32)], f64, np.float64)
    assert out[0] == float(np.float32(0.1))


# ---------------------------------------------------------------------------------------------------
# Buffers passed in, deep nests, caching.


def test_non_contiguous_and_read_only_inputs():
    mod, _ = build_matmul(4, 4, 4)
    A = np.asfortranarray(rand(4, 4, seed=12))
    B = rand(4, 4, seed=13)
    B.flags.writeable = False
    backing = np.zeros((4, 8), np.float32)
    C = backing[:, ::2]  # a strided output: written back in place
    run_loop_function(mod, "matmul", [A, B, C])
    np.testing.assert_allclose(backing[:, ::2], A.astype(np.float64) @ B, rtol=1e-6, atol=1e-6)
    assert (backing[:, 1::2] == 0).all()


def test_storing_into_a_read_only_buffer_names_the_store():
    mod, _ = build_matmul(2, 2, 2)
    C = np.zeros((2, 2), np.float32)
    C.flags.writeable = False
    with pytest.raises(LoopInterpreterError, match="loop.store of %arg2 in @matmul: TypeError"):
        run_loop_function(mod, "matmul", [rand(2, 2), rand(2, 2), C])


def test_deep_loop_nests_are_outlined():
    """25 nested loops exceed Python's 20 statically nested blocks: inner loops go to separate functions."""
    depth = 25
    with kernel("deep", memref(2, 3), memref(1)) as (func, (Y, S)):
        staged = AllocOp("staged", "local", memref(1)).result
        StoreOp(LoadOp(S, [cidx(0)]), staged, [cidx(0)])
        scale = LoadOp(staged, [cidx(0)]).result  # a value and a buffer from outside the outlined loops

        @contextmanager
        def nest(k: int) -> Iterator[list[SSAValue]]:
            if k == 0:
                yield []
                return
            with nest(k - 1) as ivs, loop(2 if k == depth - 1 else 3 if k == depth else 1) as iv:
                yield [*ivs, iv]

        with nest(depth) as ivs:
            i, j = ivs[-2], ivs[-1]
            value = arith.AddfOp(
                arith.MulfOp(arith.SIToFPOp(arith.IndexCastOp(i, i32), f32), scale),
                arith.SIToFPOp(arith.IndexCastOp(j, i32), f32),
            )
            StoreOp(value, Y, [i, j])
    mod = module(func)
    fn = compile_loop_function(func, mod)
    assert fn.source.count("def ") > 1
    Y = np.zeros((2, 3), np.float32)
    fn(Y, np.array([10.0], np.float32))
    np.testing.assert_array_equal(Y, [[0, 1, 2], [10, 11, 12]])


def test_run_recompiles_after_the_ir_changes():
    mod, func = build_matmul(2, 2, 2)
    A, B = rand(2, 2, seed=14), rand(2, 2, seed=15)
    C = np.zeros((2, 2), np.float32)
    run_loop_function(mod, "matmul", [A, B, C])
    expected = A.astype(np.float64) @ B
    np.testing.assert_allclose(C, expected, rtol=1e-6, atol=1e-6)
    mul = next(op for op in func.walk() if isinstance(op, arith.MulfOp))
    add = arith.AddfOp(mul.lhs, mul.rhs)
    mul.parent_block().insert_op_before(add, mul)  # type: ignore[union-attr]
    mul.result.replace_all_uses_with(add.result)
    mul.detach()
    mul.erase()
    run_loop_function(mod, "matmul", [A, B, C])
    np.testing.assert_allclose(C, (A[:, :, None].astype(np.float64) + B[None, :, :]).sum(axis=1), rtol=1e-6)


def test_f16_buffers():
    x = np.array([1.0, 2.5, -3.0, 60000.0], np.float16)
    out = elementwise(lambda v: arith.MulfOp(v, arith.ConstantOp(FloatAttr(2.0, f16))), [x], f16, np.float16)
    with np.errstate(all="ignore"):
        np.testing.assert_array_equal(out, (x.astype(np.float64) * 2).astype(np.float16))


# ---------------------------------------------------------------------------------------------------
# Errors.


def test_wrong_buffer_shape_dtype_and_count():
    mod, _ = build_matmul(4, 4, 4)
    good = [rand(4, 4), rand(4, 4), np.zeros((4, 4), np.float32)]
    with pytest.raises(
        LoopInterpreterError,
        match=r"argument 1: expected a float32 array of shape \(4, 4\) \(memref<4x4xf32>\), "
        r"got a float32 array of shape \(4, 5\)",
    ):
        run_loop_function(mod, "matmul", [good[0], rand(4, 5), good[2]])
    with pytest.raises(LoopInterpreterError, match="argument 2: .* got a float64 array"):
        run_loop_function(mod, "matmul", [good[0], good[1], np.zeros((4, 4))])
    with pytest.raises(LoopInterpreterError, match="takes 3 buffers, got 2"):
        run_loop_function(mod, "matmul", good[:2])
    with pytest.raises(LoopInterpreterError, match=r"no loop.func @nope in the module \(loop.funcs: @matmul\)"):
        run_loop_function(mod, "nope", good)


def test_out_of_bounds_load_names_op_buffer_and_index():
    with kernel("oob", memref(8, 8), memref(8)) as (func, (A, Y)):
        with loop(9) as i:
            StoreOp(LoadOp(A, [i, cidx(3)]), Y, [cidx(0)])
    with pytest.raises(
        LoopInterpreterError, match=r"loop.load of %arg0 in @oob: index \(8, 3\) is out of bounds for memref<8x8xf32>"
    ):
        run_loop_function(module(func), "oob", [rand(8, 8), np.zeros(8, np.float32)])


def test_negative_index_does_not_wrap():
    with kernel("neg", memref(4), memref(4)) as (func, (X, Y)):
        with loop(4) as i:
            StoreOp(LoadOp(X, [apply(lambda d: d - 1, i)]), Y, [i])
    with pytest.raises(
        LoopInterpreterError, match=r"loop.load of %arg0 in @neg: index \(-1\) is out of bounds for memref<4xf32>"
    ):
        run_loop_function(module(func), "neg", [rand(4), np.zeros(4, np.float32)])


def test_out_of_bounds_store_through_index_arith():
    with kernel("oob_store", memref(4, t=i32)) as (func, (Y,)):
        with loop(4) as i:
            j = arith.AddiOp(arith.MuliOp(i, cidx(2)), cidx(-2))
            StoreOp(cint(1, i32), Y, [j])
    with pytest.raises(LoopInterpreterError, match=r"loop.store of %arg0 in @oob_store: index \(-2\)"):
        run_loop_function(module(func), "oob_store", [np.zeros(4, np.int32)])


def test_call_view_that_does_not_fit():
    mod = build_tiled_gemm_with_intrinsic()
    tiled = next(op for op in mod.ops if isinstance(op, FuncOp) and op.sym_name.data == "tiled")
    loop_op = [op for op in tiled.walk() if isinstance(op, ForOp)][2]  # the outer tile loop: 0 to 2
    loop_op.ub = IntegerAttr(3, index)
    with pytest.raises(
        LoopInterpreterError,
        match=r"loop.call @gemm4 in @tiled: the memref<4x4xf32> view of buffer 0 \(%arg0\) at \(8, 0\) "
        r"does not fit in memref<8x8xf32>",
    ):
        run_loop_function(mod, "tiled", [rand(8, 8), rand(8, 8), np.zeros((8, 8), np.float32)])


def test_integer_division_by_zero_names_the_op():
    zero = np.array([1, 0], np.int32)
    with pytest.raises(LoopInterpreterError, match="arith.divsi in @ew: ZeroDivisionError"):
        elementwise(arith.DivSIOp, [np.array([4, 4], np.int32), zero], i32, np.int32)


def test_unsupported_op_fails_at_compile_time():
    with kernel("bad", memref(2, t=i32), memref(2)) as (func, (X, Y)):
        with loop(2) as i:
            StoreOp(arith.BitcastOp(LoadOp(X, [i]), f32), Y, [i])
    with pytest.raises(LoopInterpreterError, match="does not support arith.bitcast"):
        compile_loop_function(func, module(func))


def test_call_of_unknown_function():
    with kernel("caller", memref(2)) as (func, (X,)):
        CallOp("missing", [X], [[cidx(0)]])
    with pytest.raises(LoopInterpreterError, match="no loop.func @missing"):
        compile_loop_function(func, ModuleOp([func]))
