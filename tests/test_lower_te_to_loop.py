"""lower-te-to-loop: every schedule primitive lowers to loops that compute what the te function defines."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import tessel
from tessel.dialects import loop
from tessel.dialects.loop.interpreter import run_loop_function
from tessel.dialects.te.interpreter import run_te_function
from tessel.passes.te_lowering.stages import ScheduleError

FILECHECK = Path(__file__).parent / "filecheck" / "passes"


def lower_and_compare(text: str, seed: int = 0) -> tessel.ModuleOp:  # type: ignore[name-defined]
    """Lower every te function of `text`; each must compute what the te interpreter computes."""
    module = tessel.parse(text)
    functions = [f for f in module.ops if f.name == "func.func"]
    rng = np.random.default_rng(seed)
    cases = []
    for function in functions:
        inputs = [rng.uniform(-1, 1, a.type.get_shape()).astype(np.float32) for a in function.body.block.args]
        cases.append((function.sym_name.data, inputs, run_te_function(module, function.sym_name.data, inputs)))
    tessel.run_pipeline(module, "lower-te-to-loop")
    for name, inputs, expected in cases:
        outputs = [np.full(e.shape, np.nan, np.float32) for e in expected]
        run_loop_function(module, name, [*inputs, *outputs])
        for got, want in zip(outputs, expected, strict=True):
            np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)
    return module


@pytest.mark.parametrize("chunk", (FILECHECK / "lower_te_to_loop.mlir").read_text().split("// -----"))
def test_filecheck_examples_compute_correctly(chunk: str) -> None:
    lower_and_compare(chunk)


TENSORIZED = (FILECHECK / "lower_te_to_loop_tensorize.mlir").read_text().replace("1024", "32")


def test_tensorized_matmul_runs_its_intrinsic_calls() -> None:
    module = lower_and_compare(TENSORIZED)
    calls = [op.callee.root_reference.data for op in module.walk() if isinstance(op, loop.CallOp)]
    assert calls == ["vdla.fill_zero", "vdla.fused_gemm8x8_add"]
    assert sum(isinstance(op, loop.DmaCopyOp) for op in module.walk()) == 3


INTRIN = TENSORIZED[TENSORIZED.index("te.intrin") : TENSORIZED.index("func.func")]


def test_tensorize_with_the_whole_reduction_inside_calls_compute() -> None:
    text = (
        INTRIN
        + """
func.func @mm(%A: tensor<8x16xf32>, %B: tensor<8x24xf32>) -> tensor<16x24xf32> {
  %C = te.compute "C" (%y, %x) < (16, 24) reduce (%k) < (8) {
    %a = te.read %A[%k, %y] : tensor<8x16xf32>
    %b = te.read %B[%k, %x] : tensor<8x24xf32>
    %p = arith.mulf %a, %b : f32
    te.yield sum %p : f32
  } : tensor<16x24xf32>
  te.schedule {
    %y, %x, %k = te.axes %C
    %yo, %xo, %yi, %xi = te.tile %C [%y, %x] by [8, 8]
    te.parallel %C %yo
    te.tensorize %C %yi using @gemm8x8
  }
  func.return %C : tensor<16x24xf32>
}"""
    )
    module = lower_and_compare(text)
    calls = [op for op in module.walk() if isinstance(op, loop.CallOp)]
    assert [c.callee.root_reference.data for c in calls] == ["vdla.gemm8x8"]
    with pytest.raises(ScheduleError, match="the loops inside are \\[8, 8\\] reduce \\[\\], the intrinsic computes"):
        tessel.run_pipeline(
            tessel.parse(text.replace("te.tensorize %C %yi", "te.reorder %C [%yo, %xo, %k, %yi, %xi]\n    te.tensorize %C %yi")),
            "lower-te-to-loop",
        )


def test_dma_copy_needs_a_copy_stage() -> None:
    text = """
func.func @f(%A: tensor<8xf32>) -> tensor<8xf32> {
  %B = te.compute "B" (%i) < (8) {
    %a = te.read %A[%i] : tensor<8xf32>
    %e = math.exp %a : f32
    te.yield %e : f32
  } : tensor<8xf32>
  te.schedule {
    te.pragma %B "dma_copy"
  }
  func.return %B : tensor<8xf32>
}"""
    with pytest.raises(Exception, match="te.pragma dma_copy: stage B is not a copy"):
        tessel.run_pipeline(tessel.parse(text), "lower-te-to-loop")


def test_unscheduled_function_gets_the_default_nest() -> None:
    text = """
func.func @f(%A: tensor<3x5xf32>) -> tensor<3xf32> {
  %R = te.compute "R" (%i) < (3) reduce (%k) < (5) {
    %a = te.read %A[%i, %k] : tensor<3x5xf32>
    te.yield max %a : f32
  } : tensor<3xf32>
  func.return %R : tensor<3xf32>
}"""
    module = lower_and_compare(text)
    loops = [op for op in module.walk() if isinstance(op, loop.ForOp)]
    assert [op.trip_count for op in loops] == [3, 5]


def test_errors_point_at_the_primitive() -> None:
    text = (FILECHECK / "lower_te_to_loop_invalid.mlir").read_text().split("// -----")[0]
    with pytest.raises(ScheduleError) as info:
        tessel.run_pipeline(tessel.parse(text), "lower-te-to-loop")
    assert info.value.op is not None and info.value.op.name == "te.vectorize"
