"""The Python tensor-expression API (tessel.frontends.te): the te IR it builds, its numerics, its errors."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest
from xdsl.dialects import arith, func
from xdsl.dialects import math as math_ops
from xdsl.dialects.builtin import FloatAttr, IndexType, IntegerAttr, ModuleOp, TensorType, f32, i1, i32
from xdsl.ir import Operation

from tessel.dialects import te as te_ir
from tessel.dialects.te import schedule_ops as sched
from tessel.frontends import te

try:
    from tessel.dialects.te.interpreter import run_te_function
except ImportError:  # the te interpreter is optional for these tests
    run_te_function = None

needs_interpreter = pytest.mark.skipif(run_te_function is None, reason="tessel.dialects.te.interpreter is not available")
RNG = np.random.default_rng(7)


# ----------------------------------------------------------------------------- helpers


def function(module: ModuleOp, name: str = "main") -> func.FuncOp:
    (found,) = [op for op in module.ops if isinstance(op, func.FuncOp) and op.sym_name.data == name]
    return found


def computes(module: ModuleOp, name: str = "main") -> list[te_ir.ComputeOp]:
    return [op for op in function(module, name).body.block.ops if isinstance(op, te_ir.ComputeOp)]


def compute_named(module: ModuleOp, tensor: str, name: str = "main") -> te_ir.ComputeOp:
    (found,) = [c for c in computes(module, name) if c.tensor_name.data == tensor]
    return found


def schedule_block_ops(module: ModuleOp, name: str = "main") -> list[Operation]:
    (schedule,) = [op for op in function(module, name).body.block.ops if isinstance(op, te_ir.ScheduleOp)]
    return list(schedule.body.block.ops)


def primitives(module: ModuleOp, name: str = "main") -> list[type[Operation]]:
    return [type(op) for op in schedule_block_ops(module, name)]


def body_types(compute: te_ir.ComputeOp) -> list[type[Operation]]:
    return [type(op) for op in compute.body.block.ops]


def build(outputs: Sequence[te.Tensor], args: Sequence[te.Tensor], name: str = "main") -> ModuleOp:
    return te.build_module(te.create_schedule([t.op for t in outputs]), list(args), name=name)


def run(module: ModuleOp, inputs: Sequence[np.ndarray], name: str = "main") -> list[np.ndarray]:
    assert run_te_function is not None
    return run_te_function(module, name, list(inputs))


def uniform(*shape: int) -> np.ndarray:
    return RNG.uniform(-1, 1, shape).astype(np.float32)


# ----------------------------------------------------------------------------- the reference matmul


def matmul_schedule() -> tuple[te.Tensor, te.Tensor, te.Tensor, te.Schedule, tuple[te.IterVar, ...]]:
    A = te.placeholder((1024, 1024), name="A")
    B = te.placeholder((1024, 1024), name="B")
    k = te.reduce_axis((0, 1024), name="k")
    C = te.compute((1024, 1024), lambda y, x: te.sum(A[k, y] * B[k, x], axis=k), name="C")
    s = te.create_schedule(C.op)
    yo, xo, yi, xi = s[C].tile(C.op.axis[0], C.op.axis[1], 8, 8)
    return A, B, C, s, (yo, xo, yi, xi)


def test_reference_matmul_builds_compute_and_tile_schedule() -> None:
    A, B, C, s, _ = matmul_schedule()
    module = te.build_module(s, [A, B, C], name="matmul")
    module.verify()
    fn = function(module, "matmul")
    assert [a.type for a in fn.body.block.args] == [TensorType(f32, [1024, 1024])] * 2
    assert [a.name_hint for a in fn.body.block.args] == ["A", "B"]
    (c,) = computes(module, "matmul")
    assert c.tensor_name.data == "C" and c.shape == (1024, 1024) and c.reduce_shape == (1024,)
    assert body_types(c) == [te_ir.ReadOp, te_ir.ReadOp, arith.MulfOp, te_ir.YieldOp]
    read_a, read_b = list(c.body.block.ops)[:2]
    y, x, k = c.body.block.args
    assert read_a.tensor is fn.body.block.args[0] and list(read_a.indices) == [k, y]
    assert read_b.tensor is fn.body.block.args[1] and list(read_b.indices) == [k, x]
    assert c.yield_op.reducer is not None and c.yield_op.reducer.data == "sum" and c.yield_op.identity is None
    axes, tile = schedule_block_ops(module, "matmul")
    assert isinstance(axes, sched.AxesOp) and axes.stage is c.result and len(axes.axes) == 3
    assert isinstance(tile, sched.TileOp) and tile.factor_values == (8, 8)
    assert tile.x_axis is axes.axes[0] and tile.y_axis is axes.axes[1] and tile.stage is c.result
    (ret,) = [op for op in fn.body.block.ops if isinstance(op, func.ReturnOp)]
    assert list(ret.arguments) == [c.result]


def test_full_reference_schedule_with_tensorize() -> None:
    A, B, C, s, (yo, xo, yi, xi) = matmul_schedule()
    (k,) = C.op.reduce_axis
    ko, ki = s[C].split(k, factor=8)
    s[C].reorder(yo, xo, ko, yi, xi, ki)
    A_buf = s.cache_read(A, "inp_buffer", [C])
    s[A_buf].compute_at(s[C], ko)
    s[A_buf].pragma(s[A_buf].op.axis[0], "dma_copy")
    s[C].tensorize(yi, gemm8x8())
    module = te.build_module(s, [A, B, C], name="matmul")
    assert primitives(module, "matmul") == [
        sched.AxesOp,
        sched.TileOp,
        sched.SplitOp,
        sched.ReorderOp,
        sched.CacheReadOp,
        sched.ComputeAtOp,
        sched.AxesOp,
        sched.PragmaOp,
        sched.TensorizeOp,
    ]
    _, tile, split, reorder, cache_read, compute_at, cache_axes, pragma, tensorize = schedule_block_ops(module, "matmul")
    assert split.axis is schedule_block_ops(module, "matmul")[0].axes[2]
    assert list(reorder.axes) == [tile.x_outer, tile.y_outer, split.outer, tile.x_inner, tile.y_inner, split.inner]
    assert compute_at.stage is cache_read.cache and compute_at.axis is split.outer
    assert pragma.axis is cache_axes.axes[0] and pragma.pragma.data == "dma_copy"
    assert tensorize.axis is tile.x_inner and tensorize.intrin.root_reference.data == "gemm8x8"
    assert [type(op) for op in module.ops] == [te_ir.IntrinOp, func.FuncOp]


# ----------------------------------------------------------------------------- computes and their numerics


def test_elementwise_with_constants_and_shared_subexpressions() -> None:
    A = te.placeholder((4, 5), name="A")
    B = te.placeholder((4, 5), name="B")

    def body(i: te.IterVar, j: te.IterVar) -> te.Expr:
        t = A[i, j] * 2 + B[i, j]  # one subexpression object, used twice
        return t * t - 1.5 / (1 + B[i, j] * B[i, j])

    C = te.compute((4, 5), body, name="C")
    module = build([C], [A, B, C])
    (c,) = computes(module)
    types = body_types(c)
    assert types.count(arith.MulfOp) == 3 and types.count(arith.DivfOp) == 1
    assert types.count(te_ir.ReadOp) == 4  # A once, B three times (three read expressions)
    ones = [op for op in c.body.block.ops if isinstance(op, arith.ConstantOp) and op.value == FloatAttr(1.0, f32)]
    assert len(ones) == 1  # equal constants are emitted once
    if run_te_function is not None:
        a, b = uniform(4, 5), uniform(4, 5)
        t = a * 2 + b
        np.testing.assert_allclose(run(module, [a, b])[0], t * t - 1.5 / (1 + b * b), rtol=1e-5)


def test_broadcast_reads_with_index_arithmetic() -> None:
    A = te.placeholder((3, 4), name="A")
    bias = te.placeholder((4,), name="bias")
    C = te.compute((3, 4), lambda i, j: A[i, j] + bias[j], name="C")
    D = te.compute((3, 2), lambda i, j: C[2 - i, j * 2 + 1], name="D")
    module = build([D], [A, bias, D])
    assert [c.tensor_name.data for c in computes(module)] == ["C", "D"]
    d = compute_named(module, "D")
    assert arith.SubiOp in body_types(d) and arith.MuliOp in body_types(d)
    assert all(isinstance(v.type, IndexType) for op in d.body.block.ops if isinstance(op, te_ir.ReadOp) for v in op.indices)
    if run_te_function is not None:
        a, b = uniform(3, 4), uniform(4)
        np.testing.assert_allclose(run(module, [a, bias_ := b])[0], (a + bias_)[::-1][:, 1::2], rtol=1e-6)


def conv2d_with_padding() -> tuple[te.Tensor, te.Tensor, te.Tensor, te.Tensor]:
    n, c, h, w, k, r = 1, 3, 6, 5, 4, 3
    X = te.placeholder((n, c, h, w), name="X")
    W = te.placeholder((k, c, r, r), name="W")
    P = te.compute(
        (n, c, h + 2, w + 2),
        lambda b, ci, y, x: te.if_then_else(te.all(y >= 1, y < h + 1, x >= 1, x < w + 1), X[b, ci, y - 1, x - 1], 0.0),
        name="pad",
    )
    rc, ry, rx = te.reduce_axis((0, c), "rc"), te.reduce_axis((0, r), "ry"), te.reduce_axis((0, r), "rx")
    Y = te.compute(
        (n, k, h, w), lambda b, f, y, x: te.sum(P[b, rc, y + ry, x + rx] * W[f, rc, ry, rx], axis=[rc, ry, rx]), name="conv"
    )
    return X, W, P, Y


def test_conv2d_with_padding_via_if_then_else() -> None:
    X, W, P, Y = conv2d_with_padding()
    module = build([Y], [X, W, Y], name="conv2d")
    pad, conv = computes(module, "conv2d")
    assert pad.tensor_name.data == "pad" and conv.tensor_name.data == "conv"
    assert te_ir.IfThenElseOp in body_types(pad) and body_types(pad).count(arith.AndIOp) == 3
    assert conv.reduce_shape == (3, 3, 3) and len(conv.body.block.args) == 7
    assert P.op.input_tensors == [X] and Y.op.input_tensors == [P, W]
    if run_te_function is not None:
        x, w = uniform(1, 3, 6, 5), uniform(4, 3, 3, 3)
        padded = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
        windows = np.lib.stride_tricks.sliding_window_view(padded, (3, 3), axis=(2, 3))
        expected = np.einsum("bcyxij,fcij->bfyx", windows, w)
        np.testing.assert_allclose(run(module, [x, w], "conv2d")[0], expected, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize(
    ("reducer", "numpy_reducer"),
    [(te.sum, np.sum), (te.max, np.max), (te.min, np.min), (te.prod, np.prod)],
)
def test_reductions_over_two_axes(reducer, numpy_reducer) -> None:  # noqa: ANN001
    A = te.placeholder((3, 4, 5), name="A")
    j = te.reduce_axis((0, 4), name="j")
    k = te.reduce_axis((0, 5), name="k")
    R = te.compute((3,), lambda i: reducer(A[i, j, k], axis=[j, k]), name="R")
    module = build([R], [A, R])
    (r,) = computes(module)
    assert r.reduce_shape == (4, 5)
    assert r.yield_op.reducer is not None and r.yield_op.reducer.data == reducer.__name__
    assert R.op.reduce_axis == (j, k)
    if run_te_function is not None:
        a = RNG.uniform(0.5, 1.5, (3, 4, 5)).astype(np.float32)
        np.testing.assert_allclose(run(module, [a])[0], numpy_reducer(a, axis=(1, 2)), rtol=1e-5)


def test_reduce_axis_with_nonzero_lower_bound_is_offset_in_the_body() -> None:
    A = te.placeholder((10,), name="A")
    k = te.reduce_axis((3, 8), name="k")
    S = te.compute((1,), lambda i: te.sum(A[k + i], axis=k), name="S")
    module = build([S], [A, S])
    (s,) = computes(module)
    assert s.reduce_shape == (5,)
    first = list(s.body.block.ops)
    offset = next(op for op in first if isinstance(op, arith.AddiOp))
    lo = offset.rhs.owner
    assert offset.lhs is s.reduce_args[0] and isinstance(lo, arith.ConstantOp) and lo.value == IntegerAttr(3, IndexType())
    if run_te_function is not None:
        a = np.arange(10, dtype=np.float32)
        np.testing.assert_allclose(run(module, [a])[0], [a[3:8].sum()])


def test_reduction_where_and_init() -> None:
    A = te.placeholder((4, 6), name="A")
    k = te.reduce_axis((0, 6), name="k")
    M = te.compute((4,), lambda i: te.max(A[i, k], axis=k, where=k < 3), name="M")
    k2 = te.reduce_axis((0, 6), name="k2")
    S = te.compute((4,), lambda i: te.sum(A[i, k2], axis=k2, init=10.0), name="S")
    module = build([M, S], [A, M, S])
    m, s = computes(module)
    assert te_ir.IfThenElseOp in body_types(m) and m.yield_op.identity is None
    assert s.yield_op.identity == FloatAttr(10.0, f32)
    if run_te_function is not None:
        a = uniform(4, 6)
        got_m, got_s = run(module, [a])
        np.testing.assert_allclose(got_m, a[:, :3].max(axis=1))
        np.testing.assert_allclose(got_s, a.sum(axis=1) + 10, rtol=1e-5)


def test_integer_division_follows_tvm() -> None:
    A = te.placeholder((8,), "int32", name="A")
    B = te.placeholder((8,), "int32", name="B")
    F = te.compute((8,), lambda i: A[i] // B[i], name="F")
    M = te.compute((8,), lambda i: A[i] % B[i], name="M")
    T = te.compute((8,), lambda i: A[i] / B[i], name="T")
    module = build([F, M, T], [A, B, F, M, T])
    f, m, t = computes(module)
    assert arith.FloorDivSIOp in body_types(f)
    assert arith.RemSIOp in body_types(m) and arith.SelectOp in body_types(m)
    assert arith.DivSIOp in body_types(t)
    if run_te_function is not None:
        a = np.array([7, -7, 7, -7, 0, 9, -9, 1], np.int32)
        b = np.array([2, 2, -2, -2, 3, 3, 4, -5], np.int32)
        got_f, got_m, got_t = run(module, [a, b])
        np.testing.assert_array_equal(got_f, a // b)
        np.testing.assert_array_equal(got_m, a % b)
        np.testing.assert_array_equal(got_t, np.trunc(a / b).astype(np.int32))


def test_index_floor_division_and_modulo_on_axes() -> None:
    A = te.placeholder((12,), name="A")
    C = te.compute((3, 4), lambda i, j: A[(i * 4 + j) // 2 + (j % 2) * 6 - (j % 2) * (i * 4 + j) // 2 * 0], name="C")
    module = build([C], [A, C])
    (c,) = computes(module)
    assert arith.FloorDivSIOp in body_types(c) and arith.RemSIOp in body_types(c)
    if run_te_function is not None:
        a = np.arange(12, dtype=np.float32)
        i, j = np.meshgrid(np.arange(3), np.arange(4), indexing="ij")
        np.testing.assert_array_equal(run(module, [a])[0], a[(i * 4 + j) // 2 + (j % 2) * 6])


def test_integer_index_from_a_tensor_is_cast_to_index() -> None:
    table = te.placeholder((5,), name="table")
    idx = te.placeholder((3,), "int32", name="idx")
    G = te.compute((3,), lambda i: table[idx[i]], name="G")
    module = build([G], [table, idx, G])
    (g,) = computes(module)
    assert arith.IndexCastOp in body_types(g)
    if run_te_function is not None:
        t, ix = uniform(5), np.array([4, 0, 2], np.int32)
        np.testing.assert_array_equal(run(module, [t, ix])[0], t[ix])


def test_dtypes_casts_and_python_constants() -> None:
    A = te.placeholder((6,), "float32", name="A")
    U = te.placeholder((6,), "uint8", name="U")
    I8 = te.placeholder((6,), "int8", name="I8")
    C = te.compute(
        (6,), lambda i: (A[i] * 3).astype("int32") + U[i].astype("int32") + I8[i].astype("int64").astype("int32"), name="C"
    )
    D = te.compute((6,), lambda i: i * 0.5 + A[i].astype("float64").astype("float16").astype("float32"), name="D")
    E = te.compute((6,), lambda i: (U[i] + 10) // 3, name="E")
    G = te.compute((6,), lambda i: i * 2 + 1, name="G")
    module = build([C, D, E, G], [A, U, I8, C, D, E, G])
    c, d, e, g = computes(module)
    assert c.element_type == i32 and arith.FPToSIOp in body_types(c) and arith.ExtUIOp in body_types(c)
    assert d.element_type == f32 and arith.SIToFPOp in body_types(d) and arith.TruncFOp in body_types(d)
    assert E.dtype == "uint8" and arith.DivUIOp in body_types(e) and arith.TruncIOp in body_types(e)
    assert G.dtype == "int32" and arith.IndexCastOp in body_types(g)
    if run_te_function is not None:
        a = np.array([0.1, -0.9, 1.5, 2.2, -3.4, 0.0], np.float32)
        u = np.array([0, 1, 100, 200, 250, 255], np.uint8)
        s8 = np.array([-128, -1, 0, 1, 5, 127], np.int8)
        got_c, got_d, got_e, got_g = run(module, [a, u, s8])
        np.testing.assert_array_equal(got_c, np.trunc(a * 3).astype(np.int32) + u + s8)
        np.testing.assert_allclose(got_d, np.arange(6) * 0.5 + a.astype(np.float16), rtol=1e-6)
        np.testing.assert_array_equal(got_e, ((u + np.uint8(10)).astype(np.uint8)) // 3)
        np.testing.assert_array_equal(got_g, np.arange(6) * 2 + 1)


def test_bool_expressions_comparisons_and_selection() -> None:
    A = te.placeholder((8,), name="A")
    Mask = te.compute((8,), lambda i: te.any(A[i] > 0.5, te.all(A[i] < 0, i != 3)) & ~(i == 7), name="Mask")
    Sel = te.compute((8,), lambda i: te.if_then_else(Mask[i], A[i], -A[i]), name="Sel")
    N = te.compute((8,), lambda i: Mask[i].astype("int32") + A[i].astype("bool").astype("float32"), name="N")
    module = build([Sel, N], [A, Sel, N])
    mask = compute_named(module, "Mask")
    assert mask.element_type == i1 and Mask.dtype == "bool"
    assert arith.CmpfOp in body_types(mask) and arith.CmpiOp in body_types(mask) and arith.XOrIOp in body_types(mask)
    if run_te_function is not None:
        a = np.array([0.9, -0.2, 0.1, -0.5, 0.0, 0.7, -1.0, 0.8], np.float32)
        expected_mask = ((a > 0.5) | ((a < 0) & (np.arange(8) != 3))) & (np.arange(8) != 7)
        got_sel, got_n = run(module, [a])
        np.testing.assert_array_equal(got_sel, np.where(expected_mask, a, -a))
        np.testing.assert_array_equal(got_n, expected_mask.astype(np.int32) + (a != 0))


def test_math_functions() -> None:
    A = te.placeholder((5,), name="A")
    functions = {
        "exp": (te.exp, np.exp),
        "log": (lambda x: te.log(x + 2.0), lambda x: np.log(x + 2)),
        "sqrt": (lambda x: te.sqrt(x + 2.0), lambda x: np.sqrt(x + 2)),
        "tanh": (te.tanh, np.tanh),
        "sigmoid": (te.sigmoid, lambda x: 1 / (1 + np.exp(-x))),
        "abs": (te.abs, np.abs),
        "power": (lambda x: te.power(x + 2.0, 1.5), lambda x: (x + 2) ** 1.5),
        "floor": (te.floor, np.floor),
        "ceil": (te.ceil, np.ceil),
        "max": (lambda x: te.max(x, 0.0), lambda x: np.maximum(x, 0)),
        "min": (lambda x: te.min(x, te.const(0.25)), lambda x: np.minimum(x, 0.25)),
    }
    tensors = [te.compute((5,), lambda i, f=f: f(A[i]), name=name) for name, (f, _) in functions.items()]
    erf = te.compute((5,), lambda i: te.erf(A[i]), name="erf")
    limits = te.compute((2,), lambda i: te.if_then_else(i == 0, te.max_value("int8"), te.min_value("int8")), name="limits")
    module = build([*tensors, erf, limits], [A, *tensors, erf, limits])
    assert math_ops.ErfOp in body_types(compute_named(module, "erf"))
    assert math_ops.PowFOp in body_types(compute_named(module, "power"))
    assert math_ops.AbsFOp in body_types(compute_named(module, "abs"))
    assert arith.MaximumfOp in body_types(compute_named(module, "max"))
    if run_te_function is not None:
        a = np.array([-1.5, -0.3, 0.0, 0.4, 1.7], np.float32)
        results = run(module, [a])
        for got, (name, (_, reference)) in zip(results, functions.items(), strict=False):
            np.testing.assert_allclose(got, reference(a).astype(np.float32), rtol=1e-5, atol=1e-6, err_msg=name)
        np.testing.assert_array_equal(results[-1], [127, -128])


def test_integer_math_and_comparisons_of_unsigned() -> None:
    U = te.placeholder((4,), "uint8", name="U")
    V = te.placeholder((4,), "int32", name="V")
    C = te.compute((4,), lambda i: te.if_then_else(U[i] > 128, te.abs(V[i]), te.power(V[i], 2)), name="C")
    module = build([C], [U, V, C])
    (c,) = computes(module)
    cmp = next(op for op in c.body.block.ops if isinstance(op, arith.CmpiOp))
    assert cmp.predicate.value.data == 8  # ugt
    assert math_ops.AbsIOp in body_types(c) and math_ops.IPowIOp in body_types(c)
    if run_te_function is not None:
        u = np.array([0, 129, 255, 5], np.uint8)
        n = np.array([-3, -4, 5, 6], np.int32)
        np.testing.assert_array_equal(run(module, [u, n])[0], np.where(u > 128, np.abs(n), n * n))


def test_outputs_intermediates_and_topological_order() -> None:
    A = te.placeholder((4,), name="A")
    B = te.compute((4,), lambda i: A[i] + 1, name="B")
    C = te.compute((4,), lambda i: B[i] * 2, name="C")
    D = te.compute((4,), lambda i: C[i] + B[i], name="D")
    module = te.build_module(te.create_schedule(D.op), [A, D, B], name="chain")
    fn = function(module, "chain")
    assert [c.tensor_name.data for c in computes(module, "chain")] == ["B", "C", "D"]
    assert fn.function_type.outputs.data == (TensorType(f32, [4]),) * 2
    (ret,) = [op for op in fn.body.block.ops if isinstance(op, func.ReturnOp)]
    assert [v.owner.tensor_name.data for v in ret.arguments] == ["D", "B"]  # type: ignore[union-attr]
    if run_te_function is not None:
        a = uniform(4)
        got_d, got_b = run(module, [a], "chain")
        np.testing.assert_allclose(got_b, a + 1)
        np.testing.assert_allclose(got_d, (a + 1) * 3, rtol=1e-6)


def test_iter_vars_compare_by_identity_in_python() -> None:
    A = te.placeholder((2, 3), name="A")
    C = te.compute((2, 3), lambda i, j: A[i, j], name="C")
    y, x = C.op.axis
    assert y in C.op.axis and C.op.axis.index(x) == 1
    assert bool(y == y) and not bool(y == x) and bool(y != x)
    assert [a.name for a in C.op.axis] == ["i", "j"] and y.dom == te.Range(0, 2)


# ----------------------------------------------------------------------------- schedule primitives


def two_stage() -> tuple[te.Tensor, te.Tensor, te.Tensor, te.Schedule]:
    A = te.placeholder((16, 32), name="A")
    B = te.compute((16, 32), lambda i, j: A[i, j] * 2, name="B")
    C = te.compute((16, 32), lambda i, j: B[i, j] + 1, name="C")
    return A, B, C, te.create_schedule(C.op)


def test_every_primitive_records_one_op_in_call_order() -> None:
    A, B, C, s = two_stage()
    i, j = C.op.axis
    io, ii = s[C].split(i, factor=4)
    jo, ji = s[C].split(j, nparts=2)
    s[C].reorder(io, jo, ii, ji)
    fused = s[C].fuse(io, jo)
    s[C].parallel(fused)
    s[C].vectorize(ji)
    s[C].unroll(ii)
    s[B].compute_at(s[C], fused)
    s[B].storage_align(B.op.axis[0], 8, 1)
    s[B].double_buffer()
    s[B].pragma(None, "dma_copy")
    s[B].compute_root()
    s[B].compute_inline()
    bx, tx = s[C].split(fused, factor=2)
    s[C].bind(bx, te.thread_axis("blockIdx.x"))
    s[C].bind(tx, te.thread_axis("threadIdx.x"))
    module = te.build_module(s, [A, C])
    b, c = computes(module)
    ops = schedule_block_ops(module)
    assert [type(op) for op in ops] == [
        sched.AxesOp,
        sched.SplitOp,
        sched.SplitOp,
        sched.ReorderOp,
        sched.FuseOp,
        sched.ParallelOp,
        sched.VectorizeOp,
        sched.UnrollOp,
        sched.ComputeAtOp,
        sched.AxesOp,
        sched.StorageAlignOp,
        sched.DoubleBufferOp,
        sched.PragmaOp,
        sched.ComputeRootOp,
        sched.ComputeInlineOp,
        sched.SplitOp,
        sched.BindOp,
        sched.BindOp,
    ]
    c_axes, split_i, split_j, reorder, fuse, parallel, vectorize, unroll, compute_at, b_axes = ops[:10]
    align, double, pragma, root, inline, split_f, bind_b, bind_t = ops[10:]
    assert c_axes.stage is c.result and len(c_axes.axes) == 2 and b_axes.stage is b.result
    assert split_i.axis is c_axes.axes[0] and split_i.factor.value.data == 4 and split_i.nparts is None
    assert split_j.axis is c_axes.axes[1] and split_j.nparts.value.data == 2 and split_j.factor is None
    assert list(reorder.axes) == [split_i.outer, split_j.outer, split_i.inner, split_j.inner]
    assert list(fuse.axes) == [split_i.outer, split_j.outer]
    assert parallel.axis is fuse.fused and vectorize.axis is split_j.inner and unroll.axis is split_i.inner
    assert compute_at.stage is b.result and compute_at.target is c.result and compute_at.axis is fuse.fused
    assert align.axis is b_axes.axes[0] and (align.factor.value.data, align.offset.value.data) == (8, 1)
    assert double.stage is b.result and pragma.axis is None and pragma.pragma.data == "dma_copy"
    assert root.stage is b.result and inline.stage is b.result
    assert split_f.axis is fuse.fused
    assert (bind_b.axis, bind_b.thread.data) == (split_f.outer, "blockIdx.x")
    assert (bind_t.axis, bind_t.thread.data) == (split_f.inner, "threadIdx.x")
    assert fuse.fused.name_hint == "i.outer.j.outer.fused"


def test_axes_handles_are_reused_and_fuse_of_one_axis_is_the_axis() -> None:
    A, B, C, s = two_stage()
    i, j = s[C].op.axis
    assert (i, j) == C.op.axis  # s[C].op.axis are the op's own IterVars, as in TVM
    assert s[C].fuse(i) is i
    s[C].parallel(i)
    s[C].vectorize(j)
    module = te.build_module(s, [A, C])
    assert primitives(module) == [sched.AxesOp, sched.ParallelOp, sched.VectorizeOp]


def test_schedule_replays_into_every_built_module() -> None:
    A, _, C, s = two_stage()
    s[C].parallel(C.op.axis[0])
    first, second = te.build_module(s, [A, C], name="f"), te.build_module(s, [A, C], name="g")
    assert primitives(first, "f") == primitives(second, "g") == [sched.AxesOp, sched.ParallelOp]


def test_cache_read_and_cache_write() -> None:
    A = te.placeholder((8, 8), name="A")
    B = te.placeholder((8, 8), name="B")
    k = te.reduce_axis((0, 8), name="k")
    C = te.compute((8, 8), lambda y, x: te.sum(A[y, k] * B[k, x], axis=k), name="C")
    s = te.create_schedule(C.op)
    AA = s.cache_read(A, "shared", [C])
    CL = s.cache_write(C, "local")
    assert AA.name == "A.shared" and CL.name == "C.local" and AA.shape == (8, 8)
    y, x = s[C].op.axis  # the copy stage: C's spatial axes, no reduction
    assert (y, x) == C.op.axis and s[C].op.reduce_axis == ()
    yc, xc, kc = (*s[CL].op.axis, *s[CL].op.reduce_axis)
    assert (yc.name, xc.name) == ("y.c", "x.c") and kc is k  # as TVM: the cache keeps the reduction axes
    xo, xi = s[C].split(x, factor=4)
    s[CL].compute_at(s[C], xo)
    ko, ki = s[CL].split(kc, factor=2)
    s[AA].compute_at(s[CL], ko)
    s[AA].storage_align(s[AA].op.axis[0], 4, 0)
    module = te.build_module(s, [A, B, C])
    ops = schedule_block_ops(module)
    assert [type(op) for op in ops] == [
        sched.CacheReadOp,
        sched.CacheWriteOp,
        sched.AxesOp,
        sched.AxesOp,
        sched.SplitOp,
        sched.ComputeAtOp,
        sched.SplitOp,
        sched.ComputeAtOp,
        sched.AxesOp,
        sched.StorageAlignOp,
    ]
    cache_read, cache_write, c_axes, cl_axes, split_x, at_c, split_k, at_cl, aa_axes, _ = ops
    (c,) = computes(module)
    fn = function(module)
    assert cache_read.stage is fn.body.block.args[0] and list(cache_read.readers) == [c.result]
    assert cache_read.scope.data == "shared" and cache_read.cache.name_hint == "A.shared"
    assert cache_write.stage is c.result and cache_write.scope.data == "local"
    assert c_axes.stage is c.result and len(c_axes.axes) == 2
    assert cl_axes.stage is cache_write.cache and len(cl_axes.axes) == 3
    assert split_x.axis is c_axes.axes[1] and at_c.stage is cache_write.cache and at_c.axis is split_x.outer
    assert split_k.stage is cache_write.cache and split_k.axis is cl_axes.axes[2]
    assert at_cl.stage is cache_read.cache and at_cl.target is cache_write.cache and at_cl.axis is split_k.outer
    assert aa_axes.stage is cache_read.cache and len(aa_axes.axes) == 2


def test_cache_write_invalidates_earlier_axis_handles() -> None:
    A, B, C, s = two_stage()
    old_outer, _ = s[C].split(C.op.axis[0], factor=2)
    s.cache_write(C, "local")
    with pytest.raises(te.TeError, match=r"s\[C\].parallel: the axis i.outer is from before cache_write changed stage C"):
        s[C].parallel(old_outer)
    s[C].parallel(C.op.axis[0])  # the original spatial axes name the copy stage's new axes
    module = te.build_module(s, [A, C])
    assert primitives(module) == [sched.AxesOp, sched.SplitOp, sched.CacheWriteOp, sched.AxesOp, sched.ParallelOp]


def test_cache_reads_are_usable_as_readers_and_keys() -> None:
    A, B, C, s = two_stage()
    AS = s.cache_read(A, "shared", [B])
    AL = s.cache_read(AS, "local", [B])
    s[AL].compute_at(s[B], s[B].op.axis[0])
    module = te.build_module(s, [A, C])
    first, second, _, _ = schedule_block_ops(module)
    assert second.stage is first.cache and second.cache.name_hint == "A.shared.local"


# ----------------------------------------------------------------------------- tensor intrinsics


def gemm8x8(single_call: bool = False) -> te.TensorIntrin:
    w, x = te.placeholder((8, 8), name="w"), te.placeholder((8, 8), name="x")
    k = te.reduce_axis((0, 8), name="k")
    y = te.compute((8, 8), lambda i, j: te.sum(w[k, i] * x[k, j], axis=k), name="y")

    def gemm_intrin_lower(inputs: list[te.Buffer], outputs: list[te.Buffer]):  # noqa: ANN202
        ww_ptr = inputs[0].access_ptr("r")
        xx_ptr = inputs[1].access_ptr("r")
        zz_ptr = outputs[0].access_ptr("w")
        compute = te.hardware_intrin("vdla.gemm8x8", ww_ptr, xx_ptr, zz_ptr)
        if single_call:
            return compute
        reset = te.hardware_intrin("vdla.fill_zero", zz_ptr)
        update = te.call_extern("int32", "vdla.fused_gemm8x8_add", ww_ptr, xx_ptr, zz_ptr)
        return compute, reset, update

    return te.decl_tensor_intrin(y.op, gemm_intrin_lower, name="gemm8x8")


def test_tensorize_emits_the_declared_intrinsic() -> None:
    A, B, C, s, (yo, xo, yi, xi) = matmul_schedule()
    intrin = gemm8x8()
    s[C].tensorize(yi, intrin)
    s[C].tensorize(yi, intrin)  # the same intrinsic twice: declared once
    module = te.build_module(s, [A, B, C])
    (decl,) = [op for op in module.ops if isinstance(op, te_ir.IntrinOp)]
    assert decl.sym_name.data == "gemm8x8"
    w, x = decl.placeholders
    assert (w.tensor_name.data, x.tensor_name.data) == ("w", "x")
    assert decl.compute.reduce_shape == (8,) and body_types(decl.compute)[-2:] == [arith.MulfOp, te_ir.YieldOp]
    lowering = decl.lowering
    y = decl.compute.result
    assert lowering.compute_callee.string_value() == "vdla.gemm8x8"
    assert list(lowering.compute_args) == [w.result, x.result, y]
    assert lowering.reset_callee is not None and lowering.reset_callee.string_value() == "vdla.fill_zero"
    assert list(lowering.reset_args) == [y]
    assert lowering.update_callee is not None and list(lowering.update_args) == [w.result, x.result, y]
    tensorize = schedule_block_ops(module)[-1]
    assert isinstance(tensorize, sched.TensorizeOp) and tensorize.intrin.string_value() == "gemm8x8"


def test_tensor_intrinsic_with_one_call_and_first_read_input_order() -> None:
    a, b = te.placeholder((4,), name="a"), te.placeholder((4,), name="b")
    out = te.compute((4,), lambda i: b[i] * a[i], name="mul4")
    intrin = te.decl_tensor_intrin(out.op, lambda ins, outs: te.hardware_intrin("hw.mul", ins[0], ins[1], outs[0]))
    assert intrin.name == "mul4" and intrin.inputs == (b, a)
    X = te.placeholder((16,), name="X")
    Y = te.compute((16,), lambda i: X[i] * X[i], name="Y")
    s = te.create_schedule(Y.op)
    _, inner = s[Y].split(Y.op.axis[0], factor=4)
    s[Y].tensorize(inner, intrin)
    module = te.build_module(s, [X, Y])
    (decl,) = [op for op in module.ops if isinstance(op, te_ir.IntrinOp)]
    assert [p.tensor_name.data for p in decl.placeholders] == ["b", "a"]
    assert decl.lowering.reset_callee is None and len(decl.lowering.reset_args) == 0


@needs_interpreter
def test_tensorized_schedule_still_computes_the_definition() -> None:
    A = te.placeholder((16, 16), name="A")
    B = te.placeholder((16, 16), name="B")
    k = te.reduce_axis((0, 16), name="k")
    C = te.compute((16, 16), lambda y, x: te.sum(A[k, y] * B[k, x], axis=k), name="C")
    s = te.create_schedule(C.op)
    yo, xo, yi, xi = s[C].tile(C.op.axis[0], C.op.axis[1], 8, 8)
    s[C].tensorize(yi, gemm8x8())
    module = te.build_module(s, [A, B, C])
    a, b = uniform(16, 16), uniform(16, 16)
    np.testing.assert_allclose(run(module, [a, b])[0], a.T @ b, rtol=1e-5, atol=1e-5)


# ----------------------------------------------------------------------------- errors


def error(match: str):  # noqa: ANN201
    return pytest.raises(te.TeError, match=match)


def test_expression_errors() -> None:
    A = te.placeholder((4, 4), name="A")
    k = te.reduce_axis((0, 4), name="k")
    with error(r"reduction .* must be the top of a compute expression"):
        te.compute((4,), lambda i: te.sum(A[i, k], axis=k) * 2, name="bad")
    with error(r"reduction .* must be the top of a compute expression"):
        te.compute((4,), lambda i: 1 + te.sum(A[i, k], axis=k))
    with error(r"the reduce axis k is used but not reduced over"):
        te.compute((4,), lambda i: A[i, k])
    other = te.compute((4,), lambda j: A[j, j], name="other")
    with error(r"te.compute bad: j is an index of another compute"):
        te.compute((4,), lambda i: A[i, other.op.axis[0]], name="bad")
    with error(r"A\[...\]: a tensor of shape \[4, 4\] needs 2 indices, got 1"):
        te.compute((4,), lambda i: A[i])
    with error(r"A\[...\]: index 1 must be an integer expression, got float32"):
        te.compute((4,), lambda i: A[i, A[i, i]])
    with error(r"A\[...\]: index 4 is out of bounds for dimension 0 of extent 4"):
        te.compute((4,), lambda i: A[4, i])
    with error(r"A\[...\]: slices are not supported"):
        te.compute((4,), lambda i: A[i, 0:2])
    with error(r"\+: cannot mix bool with int32; convert with .astype"):
        te.compute((4,), lambda i: (A[i, i] > 0) + 1)
    with error(r"\*: arithmetic on bool expressions"):
        te.compute((4,), lambda i: (A[i, i] > 0) * (A[i, i] < 1))
    with error(r"has no Python truth value"):
        te.compute((4,), lambda i: A[i, i] if A[i, i] > 0 else 0.0)
    with error(r"fcompute takes 1 index arguments, the shape has 2 dimensions"):
        te.compute((4, 4), lambda i: A[i, i])
    with error(r"te.compute: the shape must be a tuple of ints"):
        te.compute((4.0,), lambda i: A[i, i])
    with error(r"te.placeholder: shape extents must be positive, got \[0\]"):
        te.placeholder((0,))
    with error(r"unsupported dtype 'complex64'; supported: float16, float32"):
        te.placeholder((2,), "complex64")
    with error(r"te.exp: needs a float expression, got int32"):
        te.exp(te.const(1))
    with error(r"te.reduce_axis: the range \(3, 3\) is empty"):
        te.reduce_axis((3, 3))
    with error(r"te.sum: axis must be made by te.reduce_axis"):
        te.compute((4,), lambda i: te.sum(A[i, 0], axis=[i]))
    with error(r"te.sum: an axis is given twice"):
        te.compute((4,), lambda i: te.sum(A[i, k], axis=[k, k]))
    with error(r"te.if_then_else: the condition must be a bool expression, got float32"):
        te.if_then_else(A[0, 0], 1.0, 0.0)
    with error(r"te.const: 300 does not fit int8"):
        te.const(300, "int8")
    with error(r"te.compute bad: fcompute must return one expression"):
        te.compute((4,), lambda i: (A[i, i], A[i, i]), name="bad")
    with error(r"te.compute c: expected a te expression or a Python number, got Tensor"):
        te.compute((4,), lambda i: A, name="c")


def test_schedule_argument_errors() -> None:
    A, B, C, s = two_stage()
    i, j = C.op.axis
    with error(r"s\[C\].split: give exactly one of factor or nparts"):
        s[C].split(i)
    with error(r"s\[C\].split: give exactly one of factor or nparts"):
        s[C].split(i, factor=2, nparts=2)
    with error(r"s\[C\].split: factor must be a positive int, got 0"):
        s[C].split(i, factor=0)
    with error(r"s\[C\].split: expected an axis \(IterVar\), got int"):
        s[C].split(0, factor=2)
    io, _ = s[C].split(i, factor=2)
    with error(r"s\[B\].parallel: the axis i.outer belongs to stage C, not to B"):
        s[B].parallel(io)
    with error(r"s\[B\].vectorize: j is not an axis of stage B; it is an axis of stage C"):
        s[B].vectorize(j)
    with error(r"s\[C\].bind: the second argument must be a te.thread_axis"):
        s[C].bind(io, j)
    with error(r"s\[C\].parallel: threadIdx.x is a thread axis"):
        s[C].parallel(te.thread_axis("threadIdx.x"))
    with error(r"te.thread_axis: unknown thread tag 'threadIdx.w'"):
        te.thread_axis("threadIdx.w")
    with error(r"s\[C\].reorder: an axis is given twice"):
        s[C].reorder(io, io)
    with error(r"s\[C\].tile: x_parent and y_parent are the same axis"):
        s[C].tile(j, j, 2, 2)
    with error(r"s\[C\].storage_align: offset must be an int in \[0, factor=4\), got 4"):
        s[C].storage_align(j, 4, 4)
    with error(r"s\[B\].compute_at: the parent must be a stage \(s\[T\]\), got Tensor"):
        s[B].compute_at(C, j)
    with error(r"s\[C\].compute_at: a stage cannot be computed at its own loop"):
        s[C].compute_at(s[C], j)
    with error(r"s\[A\].compute_inline: A is a placeholder, it has no loops to schedule"):
        s[A].compute_inline()
    with error(r"s\[C\].tensorize: expected a TensorIntrin"):
        s[C].tensorize(j, "gemm")
    with error(r"s\[C\].pragma: the pragma must be a non-empty string"):
        s[C].pragma(j, "")
    stray = te.compute((2,), lambda i: A[i, i], name="stray")
    with error(r"s\[stray\]: stray is not part of this schedule \(it covers C and the tensors they read\)"):
        s[stray]
    with error(r"s.cache_read: stray is not part of this schedule|s\[stray\]"):
        s.cache_read(A, "shared", [stray])
    with error(r"s.cache_read: C does not read A"):
        s.cache_read(A, "shared", [C])
    with error(r"s.cache_write: A is not a compute"):
        s.cache_write(A, "local")
    with error(r"s.cache_read: the memory scope must be a non-empty string"):
        s.cache_read(A, "", [B])
    with error(r"te.create_schedule: A is a placeholder"):
        te.create_schedule(A.op)


def test_tensor_intrinsic_errors() -> None:
    w = te.placeholder((4,), name="w")
    y = te.compute((4,), lambda i: w[i] * 2, name="y")
    z = te.compute((4,), lambda i: y[i] + 1, name="z")
    with error(r"the inputs of a tensor intrinsic must be placeholders; y is not"):
        te.decl_tensor_intrin(z.op, lambda ins, outs: te.hardware_intrin("f", outs[0]))
    with error(r"the call hw.f must pass the output buffer y"):
        te.decl_tensor_intrin(y.op, lambda ins, outs: te.hardware_intrin("hw.f", ins[0]))
    with error(r"lower_fn must return one call or \(compute, reset, update\), got 2 values"):
        te.decl_tensor_intrin(y.op, lambda ins, outs: (te.hardware_intrin("f", outs[0]),) * 2)
    with error(r"reset and update come together"):
        te.decl_tensor_intrin(y.op, lambda ins, outs: (te.hardware_intrin("f", outs[0]), te.hardware_intrin("g", outs[0]), None))
    with error(r"te.hardware_intrin f: arguments must be buffers or buf.access_ptr"):
        te.decl_tensor_intrin(y.op, lambda ins, outs: te.hardware_intrin("f", 3))
    with error(r"access_ptr: the access mask must be 'r', 'w' or 'rw'"):
        te.decl_tensor_intrin(y.op, lambda ins, outs: te.hardware_intrin("f", outs[0].access_ptr("x")))
    with error(r"passes z, which is no buffer of this intrinsic"):
        te.decl_tensor_intrin(y.op, lambda ins, outs: te.hardware_intrin("f", outs[0], te.Buffer(z)))


def test_build_module_argument_errors() -> None:
    A, B, C, s = two_stage()
    with error(r"te.build_module: the placeholder\(s\) A are read but not in args"):
        te.build_module(s, [C])
    AS = s.cache_read(A, "shared", [B])
    with error(r"te.build_module: A.shared is a cache stage made by the schedule, not a function argument"):
        te.build_module(s, [A, AS, C])
    other = te.compute((2,), lambda i: A[i, i], name="other")
    with error(r"te.build_module: other is neither a placeholder nor computed by the schedule"):
        te.build_module(s, [A, other])
    with error(r"te.build_module: args name no computed tensor"):
        te.build_module(s, [A])
    with error(r"te.build_module: C appears twice in args"):
        te.build_module(s, [A, C, C])
    with error(r"te.build_module: args must be tensors, got str"):
        te.build_module(s, [A, "C"])
    with error(r"te.build_module: expected a Schedule"):
        te.build_module(C, [A, C])  # type: ignore[arg-type]


def test_schedule_of_a_stage_outside_the_function_is_reported() -> None:
    A = te.placeholder((4,), name="A")
    B = te.compute((4,), lambda i: A[i] + 1, name="B")
    C = te.compute((4,), lambda i: A[i] * 2, name="C")
    s = te.create_schedule([B.op, C.op])
    s[C].parallel(C.op.axis[0])
    assert len(computes(te.build_module(s, [A, B, C]))) == 2
    with error(r"the schedule uses stage C, which function main does not compute"):
        te.build_module(s, [A, B])
