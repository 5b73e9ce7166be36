"""Command-line access to the LLVM backend: `tessel-opt --emit=llvm-ir|asm` and `tessel-run`, run in-process."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from tessel.tools import tessel_opt, tessel_run

TE_SCALE = """\
func.func @scale(%A: tensor<64xf32>) -> tensor<64xf32> {
  %B = te.compute "B" (%i) < (64) {
    %a = te.read %A[%i] : tensor<64xf32>
    %e = arith.mulf %a, %a : f32
    te.yield %e : f32
  } : tensor<64xf32>
  te.schedule {
    %i = te.axes %B
    te.vectorize %B %i
  }
  func.return %B : tensor<64xf32>
}
"""

TE_MATMUL = """\
func.func @matmul(%A: tensor<16x16xf32>, %B: tensor<16x16xf32>) -> tensor<16x16xf32> {
  %C = te.compute "C" (%y, %x) < (16, 16) reduce (%k) < (16) {
    %a = te.read %A[%y, %k] : tensor<16x16xf32>
    %b = te.read %B[%k, %x] : tensor<16x16xf32>
    %p = arith.mulf %a, %b : f32
    te.yield sum %p : f32
  } : tensor<16x16xf32>
  te.schedule {
    %y, %x, %k = te.axes %C
    %yo, %xo, %yi, %xi = te.tile %C [%y, %x] by [4, 4]
    te.parallel %C %yo
  }
  func.return %C : tensor<16x16xf32>
}
"""

LOOP_TWO = """\
loop.func @main(%X: memref<16xf32>, %S: memref<1xf32>) {
  %c0 = arith.constant 0 : index
  loop.for %k = 0 to 16 {
    %x = loop.load %X[%k] : memref<16xf32>
    %s = loop.load %S[%c0] : memref<1xf32>
    %t = arith.addf %s, %x : f32
    loop.store %t, %S[%c0] : memref<1xf32>
  }
}
loop.func @copy(%A: memref<4x8xi32>, %B: memref<4x8xi32>) {
  loop.for %i = 0 to 4 {
    loop.for %j = 0 to 8 {
      %v = loop.load %A[%i, %j] : memref<4x8xi32>
      loop.store %v, %B[%i, %j] : memref<4x8xi32>
    }
  }
}
"""

GRAPH = """\
func.func @g(%x: tensor<4xf32>) -> tensor<4xf32> {
  %r = graph.relu %x : tensor<4xf32>
  func.return %r : tensor<4xf32>
}
"""

BOOL_ADD = """\
func.func @g(%x: tensor<4xi1>) -> tensor<4xi1> {
  %r = graph.add %x, %x : tensor<4xi1>
  func.return %r : tensor<4xi1>
}
"""


@dataclass(frozen=True)
class Run:
    status: int
    out: str
    err: str


Tool = Callable[[Sequence[str]], Run]


def _runner(main: Callable[[Sequence[str]], int], capsys: pytest.CaptureFixture[str]) -> Tool:
    def run(args: Sequence[str]) -> Run:
        with pytest.raises(SystemExit) as info:
            main(list(args))
        captured = capsys.readouterr()
        code = info.value.code
        return Run(code if isinstance(code, int) else 1, captured.out, captured.err)

    return run


@pytest.fixture
def opt(capsys: pytest.CaptureFixture[str]) -> Tool:
    return _runner(tessel_opt.main, capsys)


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str]) -> Tool:
    return _runner(tessel_run.main, capsys)


@pytest.fixture
def write(tmp_path: Path) -> Callable[[str, str], str]:
    def write(name: str, text: str) -> str:
        path = tmp_path / name
        path.write_text(text)
        return str(path)

    return write


# tessel-opt --emit


def test_emit_llvm_ir_of_vectorized_te_function(opt: Tool, write: Callable[[str, str], str]) -> None:
    result = opt([write("k.mlir", TE_SCALE), "-p", "lower-te-to-loop,loop-simplify,loop-vectorize", "--emit=llvm-ir"])
    assert result.status == 0, result.err
    assert "define void @scale(ptr noalias" in result.out
    assert "<8 x float>" in result.out
    assert "te.compute" not in result.out and "builtin.module" not in result.out


def test_emit_lowers_te_and_loop_ir_without_a_pipeline(opt: Tool, write: Callable[[str, str], str]) -> None:
    te_result = opt([write("te.mlir", TE_SCALE), "--emit=llvm-ir"])
    loop_result = opt([write("loop.mlir", LOOP_TWO), "--emit=llvm-ir"])
    assert te_result.status == 0 and "define void @scale(" in te_result.out
    assert loop_result.status == 0 and "define void @main(" in loop_result.out and "define void @copy(" in loop_result.out


def test_emit_llvm_dialect_after_compile_llvm(opt: Tool, write: Callable[[str, str], str]) -> None:
    result = opt([write("loop.mlir", LOOP_TWO), "-p", "compile-llvm", "--emit=llvm-ir"])
    assert result.status == 0, result.err
    assert "define void @copy(" in result.out


def test_emit_asm(opt: Tool, write: Callable[[str, str], str]) -> None:
    result = opt([write("k.mlir", TE_SCALE), "--emit=asm"])
    assert result.status == 0, result.err
    assert "scale:" in result.out and "ret" in result.out


def test_emit_mlir_is_the_default(opt: Tool, write: Callable[[str, str], str]) -> None:
    path = write("k.mlir", TE_SCALE)
    assert opt([path, "--emit=mlir"]).out == opt([path]).out


def test_emit_graph_ops_lowers_them_to_kernels(opt: Tool, write: Callable[[str, str], str]) -> None:
    result = opt([write("g.mlir", GRAPH), "--emit=llvm-ir"])
    assert result.status == 0, result.err
    assert "define void @relu(ptr noalias" in result.out


def test_emit_graph_op_without_compute_is_a_located_error(opt: Tool, write: Callable[[str, str], str]) -> None:
    path = write("g.mlir", BOOL_ADD)
    result = opt([path, "--emit=llvm-ir"])
    assert result.status == 1 and result.out == ""
    assert result.err.startswith(f"{path}:2:3: error: --emit=llvm-ir: lower-graph-to-te failed: lower-graph-to-te: graph.add")
    assert "bool tensors are not supported" in result.err
    assert "Traceback" not in result.err


def test_emit_non_te_func_is_an_error(opt: Tool, write: Callable[[str, str], str]) -> None:
    path = write("f.mlir", "func.func @f(%a: f32) -> f32 {\n  func.return %a : f32\n}\n")
    result = opt([path, "--emit=asm"])
    assert result.status == 1
    assert f"{path}:1:1: error: --emit=asm: 'func.func' cannot be compiled" in result.err


def test_emit_rejects_unknown_format(opt: Tool, write: Callable[[str, str], str]) -> None:
    result = opt([write("k.mlir", TE_SCALE), "--emit=ptx"])
    assert result.status == 1 and "invalid choice" in result.err


# tessel-run


def test_run_loop_function_passes(run: Tool, write: Callable[[str, str], str]) -> None:
    result = run([write("k.mlir", LOOP_TWO), "--target", "llvm", "--function", "main", "--seed", "7"])
    assert result.status == 0, result.err
    assert "@main(X: float32[16], S: float32[1])" in result.out
    assert "  S: float32[1]  max abs diff" in result.out and result.out.rstrip().endswith("PASS")
    assert "X: float32[16]  max" not in result.out  # inputs are not compared


def test_run_te_matmul_with_parallel_loop(run: Tool, write: Callable[[str, str], str]) -> None:
    result = run([write("mm.mlir", TE_MATMUL), "--threads", "2"])
    assert result.status == 0, result.err
    assert "2 threads" in result.out and "C: float32[16, 16]" in result.out and "PASS" in result.out


def test_run_integer_buffers(run: Tool, write: Callable[[str, str], str]) -> None:
    result = run([write("k.mlir", LOOP_TWO), "--function", "copy"])
    assert result.status == 0, result.err
    assert "B: int32[4, 8]  max abs diff 0 (0 elements differ)  PASS" in result.out


def test_run_bench(run: Tool, write: Callable[[str, str], str]) -> None:
    result = run([write("k.mlir", TE_SCALE), "--bench", "3", "--no-check"])
    assert result.status == 0, result.err
    assert "check: skipped" in result.out
    assert "bench: 3 runs, best " in result.out and " ms, mean " in result.out


def test_run_reports_a_mismatch(run: Tool, write: Callable[[str, str], str], monkeypatch: pytest.MonkeyPatch) -> None:
    from tessel.dialects.loop import interpreter

    real = interpreter.run_loop_function

    def wrong(module: object, name: str, buffers: Sequence[np.ndarray]) -> None:
        real(module, name, buffers)  # type: ignore[arg-type]
        buffers[-1][...] += 1

    monkeypatch.setattr(interpreter, "run_loop_function", wrong)
    result = run([write("k.mlir", TE_SCALE)])
    assert result.status == 1
    assert "B: float32[64]  max abs diff 1.000e+00" in result.out and "FAIL" in result.out


def test_run_needs_a_function_name_when_ambiguous(run: Tool, write: Callable[[str, str], str]) -> None:
    path = write("k.mlir", LOOP_TWO.replace("@main", "@sum"))
    result = run([path])
    assert result.status == 1
    assert "tessel-run: error: the module has several functions (sum, copy); pick one with --function" in result.err
    assert "no function 'nope'; the module has sum, copy" in run([path, "--function", "nope"]).err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["model.onnx"], "onnx import: cannot load model from 'model.onnx'"),
        (["/no/such/file.mlir"], "cannot read '/no/such/file.mlir'"),
        (["K", "--target", "cuda"], "unknown target 'cuda'; supported targets: llvm"),
        (["K", "--bench", "0"], "expected a positive integer, got '0'"),
    ],
)
def test_run_usage_errors(run: Tool, write: Callable[[str, str], str], args: list[str], message: str) -> None:
    path = write("k.mlir", TE_SCALE)
    result = run([path if a == "K" else a for a in args])
    assert result.status == 1
    assert message in result.err and "Traceback" not in result.err


def test_run_graph_function_is_a_model_checked_against_the_interpreter(run: Tool, write: Callable[[str, str], str]) -> None:
    result = run([write("g.mlir", GRAPH), "--check", "--bench", "2"])
    assert result.status == 0, result.err
    assert "1 kernels, 1 kernel calls" in result.out and "output r: float32[4]" in result.out
    assert "check r: max abs diff" in result.out and "PASS" in result.out and "latency: 2 runs" in result.out


def test_run_graph_op_without_compute_is_a_located_error(run: Tool, write: Callable[[str, str], str]) -> None:
    path = write("g.mlir", BOOL_ADD)
    result = run([path])
    assert result.status == 1
    assert result.err.startswith(f"{path}:2:3: error: compiling the model failed: lower-graph-to-te: graph.add")
    assert "bool tensors are not supported" in result.err
    assert "Traceback" not in result.err


def test_run_syntax_error_is_located(run: Tool, write: Callable[[str, str], str]) -> None:
    path = write("bad.mlir", "loop.func @f( {\n")
    result = run([path])
    assert result.status == 1 and result.err.startswith(f"{path}:1:")


def test_compare_tolerates_rounding_but_not_errors() -> None:
    want = np.array([1.0, 2.0, np.nan], dtype=np.float32)
    assert tessel_run._compare("x", want + np.float32(1e-6), want, 1e-4, None)[0]
    assert not tessel_run._compare("x", want + np.float32(1e-2), want, 1e-4, None)[0]
    assert not tessel_run._compare("x", np.array([1.0, 2.0, 3.0], dtype=np.float32), want, 1e-4, None)[0]


@pytest.mark.skipif(shutil.which("tessel-run") is None, reason="tessel-run is not installed")
def test_console_script(tmp_path: Path) -> None:
    path = tmp_path / "k.mlir"
    path.write_text(TE_SCALE)
    done = subprocess.run(["tessel-run", str(path), "--target", "llvm"], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.rstrip().endswith("PASS")


# tessel-run on ONNX models


@pytest.fixture
def mlp_onnx(tmp_path: Path) -> str:
    import onnx

    from tessel.tests.onnx_models import mlp

    path = tmp_path / "mlp.onnx"
    onnx.save(mlp(), str(path))
    return str(path)


def test_run_onnx_model_checks_times_and_saves(run: Tool, mlp_onnx: str, tmp_path: Path) -> None:
    import tessel

    result = run([mlp_onnx, "--target", "llvm", "--check", "--bench", "2", "--threads", "1", "--save", str(tmp_path / "saved")])
    assert result.status == 0, result.err
    assert "input x: float32[1, 64] random (seed 0)" in result.out and "output y: float32[1, 10]" in result.out
    assert "check y: max abs diff" in result.out and "PASS" in result.out and "(1 threads)" in result.out
    assert "compiling kernels [" in result.err
    assert tessel.load(tmp_path / "saved").output_names == ["y"]


def test_run_onnx_model_on_an_input_file(run: Tool, mlp_onnx: str, tmp_path: Path) -> None:
    np.save(tmp_path / "x.npy", np.ones((1, 64), np.float32))
    result = run([mlp_onnx, "--input", f"x={tmp_path / 'x.npy'}", "--print-ir-after-all"])
    assert result.status == 0, result.err
    assert "input x: float32[1, 64] from file" in result.out
    assert "// -----// IR Dump After lower-graph-to-te //----- //" in result.err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--input", "x"], "--input expects NAME=FILE.npy, got 'x'"),
        (["--input", "x=/no/such.npy"], "--input x: cannot read '/no/such.npy'"),
        (["--input", "q=X"], "--input q: the model has no input 'q'; inputs: x"),
    ],
)
def test_run_onnx_model_input_errors(run: Tool, mlp_onnx: str, tmp_path: Path, args: list[str], message: str) -> None:
    np.save(tmp_path / "x.npy", np.ones((1, 64), np.float32))
    result = run([mlp_onnx, *[a.replace("=X", f"={tmp_path / 'x.npy'}") for a in args]])
    assert result.status == 1 and message in result.err and "Traceback" not in result.err
