"""`tessel.lower` on schedules built with the Python te API: the TVM stack overview's matmul, as written."""

from __future__ import annotations

import numpy as np
import pytest

import tessel
from tessel import te
from tessel.dialects import loop


def gemm8x8() -> te.TensorIntrin:
    """The overview's tensor instruction: an 8x8 GEMM declared as a compute plus its hardware calls."""
    w, x = te.placeholder((8, 8), name="w"), te.placeholder((8, 8), name="x")
    k = te.reduce_axis((0, 8), name="k")
    y = te.compute((8, 8), lambda i, j: te.sum(w[k, i] * x[k, j], axis=k), name="y")

    def gemm_intrin_lower(inputs, outputs):
        ww_ptr = inputs[0].access_ptr("r")
        xx_ptr = inputs[1].access_ptr("r")
        zz_ptr = outputs[0].access_ptr("w")
        compute = te.hardware_intrin("vdla.gemm8x8", ww_ptr, xx_ptr, zz_ptr)
        reset = te.hardware_intrin("vdla.fill_zero", zz_ptr)
        update = te.hardware_intrin("vdla.fused_gemm8x8_add", ww_ptr, xx_ptr, zz_ptr)
        return compute, reset, update

    return te.decl_tensor_intrin(y.op, gemm_intrin_lower, name="gemm8x8")


def matmul(n: int, accelerator: bool):
    A = te.placeholder((n, n), name="A")
    B = te.placeholder((n, n), name="B")
    k = te.reduce_axis((0, n), name="k")
    C = te.compute((n, n), lambda y, x: te.sum(A[k, y] * B[k, x], axis=k), name="C")
    s = te.create_schedule(C.op)
    if not accelerator:
        yo, xo, yi, xi = s[C].tile(C.op.axis[0], C.op.axis[1], 8, 8)
        ko, ki = s[C].split(k, factor=8)
        s[C].reorder(yo, xo, ko, yi, xi, ki)
        return s, [A, B, C]
    CL = s.cache_write(C, "acc_buffer")
    yo, xo, yi, xi = s[C].tile(s[C].op.axis[0], s[C].op.axis[1], 8, 8)
    s[CL].compute_at(s[C], xo)
    s[C].pragma(yi, "dma_copy")
    ko, ki = s[CL].split(s[CL].op.reduce_axis[0], factor=8)
    cy, cx = s[CL].op.axis
    s[CL].reorder(ko, cy, cx, ki)
    AL = s.cache_read(A, "inp_buffer", [CL])
    BL = s.cache_read(B, "wgt_buffer", [CL])
    s[AL].compute_at(s[CL], ko)
    s[BL].compute_at(s[CL], ko)
    s[AL].pragma(None, "dma_copy")
    s[BL].pragma(None, "dma_copy")
    s[CL].tensorize(cy, gemm8x8())
    return s, [A, B, C]


@pytest.mark.parametrize("accelerator", [False, True])
def test_matmul_runs_on_the_loop_interpreter(accelerator: bool) -> None:
    s, args = matmul(32, accelerator)
    f = tessel.lower(s, args)
    rng = np.random.default_rng(1)
    a, b = rng.random((32, 32), dtype=np.float32), rng.random((32, 32), dtype=np.float32)
    c = np.zeros((32, 32), np.float32)
    f(a, b, c)
    np.testing.assert_allclose(c, a.T @ b, rtol=1e-5)


def test_1024_matmul_lowers_to_the_accelerator_program() -> None:
    s, args = matmul(1024, accelerator=True)
    f = tessel.lower(s, args, name="matmul")
    text = str(f)
    assert "loop.call @vdla.fill_zero" in text and "loop.call @vdla.fused_gemm8x8_add" in text
    assert text.count("loop.dma_copy") == 3
    (main,) = [op for op in f.module.ops if isinstance(op, loop.FuncOp) and op.sym_name.data == "matmul"]
    assert [op.trip_count for op in main.walk() if isinstance(op, loop.ForOp)] == [128, 128, 128]
