"""The tessel-opt command line, run in-process: outputs, options, exit codes and error messages."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

import tessel
from tessel.tools import tessel_opt


@dataclass(frozen=True)
class Run:
    status: int
    out: str
    err: str


@dataclass(frozen=True)
class TesselOpt:
    """Runs `tessel-opt ARGS` in-process (with `stdin` as standard input): exit status and output."""

    capsys: pytest.CaptureFixture[str]
    monkeypatch: pytest.MonkeyPatch

    def __call__(self, args: Sequence[str], stdin: str = "") -> Run:
        self.monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        with pytest.raises(SystemExit) as info:
            tessel_opt.main(list(args))
        captured = self.capsys.readouterr()
        code = info.value.code
        return Run(code if isinstance(code, int) else 1, captured.out, captured.err)


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> TesselOpt:
    monkeypatch.delenv("TESSEL_TRACEBACK", raising=False)
    return TesselOpt(capsys, monkeypatch)


def write(tmp_path: Path, text: str, name: str = "input.mlir") -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


FUNCTION = """func.func @f(%a: i32) -> i32 {
  %x = arith.addi %a, %a : i32
  %y = arith.addi %a, %a : i32
  %s = arith.muli %x, %y : i32
  func.return %s : i32
}
"""

PRINTED = """builtin.module {
  func.func @f(%a: i32) -> i32 {
    %x = arith.addi %a, %a : i32
    %y = arith.addi %a, %a : i32
    %s = arith.muli %x, %y : i32
    func.return %s : i32
  }
}
"""


# ---- success


def test_prints_custom_form(run: TesselOpt, tmp_path: Path) -> None:
    result = run([write(tmp_path, FUNCTION)])
    assert (result.status, result.out, result.err) == (0, PRINTED, "")


def test_reads_standard_input_by_default_and_with_dash(run: TesselOpt) -> None:
    assert run([], stdin=FUNCTION).out == PRINTED
    assert run(["-"], stdin=FUNCTION).out == PRINTED


def test_generic_output(run: TesselOpt, tmp_path: Path) -> None:
    result = run([write(tmp_path, FUNCTION), "--generic"])
    assert result.status == 0
    assert '%x = "arith.addi"(%a, %a) <{overflowFlags = #arith.overflow<none>}> : (i32, i32) -> i32' in result.out
    assert result.out.startswith('"builtin.module"() ({\n')
    assert tessel.print_ir(tessel.parse(result.out)) == PRINTED


def test_pipeline_runs_passes_in_order(run: TesselOpt, tmp_path: Path) -> None:
    result = run([write(tmp_path, FUNCTION), "-p", "cse"])
    assert result.status == 0
    assert "%y" not in result.out
    assert "%s = arith.muli %x, %x : i32" in result.out


def test_long_option_names(run: TesselOpt, tmp_path: Path) -> None:
    out_file = tmp_path / "out.mlir"
    result = run([write(tmp_path, FUNCTION), "--passes", "cse", "--output", str(out_file)])
    assert (result.status, result.out) == (0, "")
    assert "%s = arith.muli %x, %x : i32" in out_file.read_text()


def test_output_file(run: TesselOpt, tmp_path: Path) -> None:
    out_file = tmp_path / "out.mlir"
    result = run([write(tmp_path, FUNCTION), "-o", str(out_file)])
    assert (result.status, result.out, result.err) == (0, "", "")
    assert out_file.read_text() == PRINTED


def test_split_input_file_prints_chunks_with_separator(run: TesselOpt, tmp_path: Path) -> None:
    text = "func.func @one() {\n  func.return\n}\n// -----\nfunc.func @two() {\n  func.return\n}\n"
    result = run([write(tmp_path, text), "--split-input-file"])
    assert result.status == 0
    first, second = result.out.split("// -----\n")
    assert "func.func @one()" in first and "@two" not in first
    assert second.startswith("builtin.module {\n  func.func @two()")


def test_split_chunks_are_independent_scopes(run: TesselOpt, tmp_path: Path) -> None:
    text = "func.func @f() {\n  func.return\n}\n// -----\nfunc.func @f() {\n  func.return\n}\n"
    result = run([write(tmp_path, text), "--split-input-file"])
    assert result.status == 0
    assert result.out.count("func.func @f()") == 2


def test_without_split_the_marker_is_a_comment(run: TesselOpt, tmp_path: Path) -> None:
    text = '"test.op"() : () -> ()\n// -----\n"test.op"() {x} : () -> ()\n'
    result = run([write(tmp_path, text)])
    assert result.status == 0
    assert "// -----" not in result.out
    assert result.out.count('"test.op"') == 2


def test_print_ir_after_all_dumps_each_pass_to_stderr(run: TesselOpt, tmp_path: Path) -> None:
    result = run([write(tmp_path, FUNCTION), "-p", "cse,dce", "--print-ir-after-all"])
    assert result.status == 0
    headers = [line for line in result.err.splitlines() if "IR Dump After" in line]
    assert headers == ["// -----// IR Dump After cse //----- //", "// -----// IR Dump After dce //----- //"]
    after_cse = result.err.split("// -----// IR Dump After dce //----- //\n")[0]
    assert "%s = arith.muli %x, %x : i32" in after_cse
    assert "IR Dump" not in result.out


def test_pass_timing_reports_each_pass_run(run: TesselOpt, tmp_path: Path) -> None:
    result = run([write(tmp_path, FUNCTION), "-p", "cse,canonicalize,cse", "--pass-timing"])
    assert result.status == 0
    assert "Pass execution timing report" in result.err
    names = [line.split(")")[-1].strip() for line in result.err.splitlines() if "%)" in line]
    assert names == ["cse", "canonicalize", "cse", "Total"]
    assert "Pass execution timing report" not in result.out


def test_no_timing_report_without_option(run: TesselOpt, tmp_path: Path) -> None:
    assert "timing" not in run([write(tmp_path, FUNCTION), "-p", "cse"]).err


def test_list_passes(run: TesselOpt) -> None:
    result = run(["--list-passes"])
    assert result.status == 0
    lines = result.out.splitlines()
    assert lines[0] == "Available passes:"
    assert [line.split()[0] for line in lines[1:]] == sorted(
        [
            "canonicalize",
            "compile-llvm",
            "convert-loop-to-llvm",
            "convert-scf-to-cf",
            "cse",
            "dce",
            "fuse-ops",
            "graph-simplify",
            "licm",
            "loop-simplify",
            "loop-storage-flatten",
            "loop-unroll",
            "loop-vectorize",
            "lower-graph-to-te",
            "lower-te-to-loop",
            "reconcile-unrealized-casts",
        ]
    )


def test_list_dialects(run: TesselOpt) -> None:
    result = run(["--list-dialects"])
    assert result.status == 0
    assert result.out.splitlines() == [
        "Available dialects:",
        *(f"  {name}" for name in "arith builtin cf func graph llvm loop math memref scf te test vector".split()),
    ]


def test_list_options_read_no_input(run: TesselOpt) -> None:
    result = run(["--list-passes", "--list-dialects"], stdin="not IR at all")
    assert result.status == 0
    assert "Available passes:" in result.out and "Available dialects:" in result.out


def test_verify_each_can_be_turned_off(run: TesselOpt, tmp_path: Path) -> None:
    path = write(tmp_path, FUNCTION)
    assert run([path, "-p", "cse", "--no-verify-each"]).out == run([path, "-p", "cse", "--verify-each"]).out


# ---- --verify-diagnostics


def test_verify_diagnostics_accepts_expected_errors(run: TesselOpt, tmp_path: Path) -> None:
    text = (
        "// expected-error@+1 {{unknown dialect 'foo'}}\n"
        '"foo.bar"() : () -> ()\n'
        "// -----\n"
        "func.func @f(%a: i32) -> f32 {\n"
        "  func.return %a : i32 // expected-error {{'func.return' op Expected arguments}}\n"
        "}\n"
    )
    result = run([write(tmp_path, text), "--split-input-file", "--verify-diagnostics"])
    assert (result.status, result.err) == (0, "")


def test_verify_diagnostics_reports_unmet_expectation(run: TesselOpt, tmp_path: Path) -> None:
    text = '// expected-error@+1 {{never happens}}\n"test.op"() : () -> ()\n'
    path = write(tmp_path, text)
    result = run([path, "--verify-diagnostics"])
    assert result.status == 1
    assert f'{path}:1: error: expected error "never happens" on line 2 was not produced' in result.err


def test_verify_diagnostics_reports_unexpected_error(run: TesselOpt, tmp_path: Path) -> None:
    path = write(tmp_path, '"test.op"() : () -> ()\n"foo.bar"() : () -> ()\n')
    result = run([path, "--verify-diagnostics"])
    assert result.status == 1
    assert result.err.startswith(f"unexpected error: {path}:2:1: error: unknown dialect 'foo'")


def test_verify_diagnostics_wrong_line_is_unmatched(run: TesselOpt, tmp_path: Path) -> None:
    text = "// expected-error@+2 {{unknown dialect 'foo'}}\n\"foo.bar\"() : () -> ()\n"
    result = run([write(tmp_path, text), "--verify-diagnostics"])
    assert result.status == 1
    assert "unexpected error:" in result.err and "was not produced" in result.err


# ---- errors: exit status 1, a located message, never a traceback


def test_syntax_error_message(run: TesselOpt, tmp_path: Path) -> None:
    path = write(tmp_path, "func.func @f(%a: i32) {\n  %0 = arith.addi %a : i32\n}\n")
    result = run([path])
    assert (result.status, result.out) == (1, "")
    assert result.err == (
        f"{path}:2:22: error: unexpected ':'; expected ','\n  %0 = arith.addi %a : i32\n                     ^\n"
    )


def test_error_from_standard_input_is_named_stdin(run: TesselOpt) -> None:
    result = run([], stdin='"foo.bar"() : () -> ()\n')
    assert result.status == 1
    assert result.err.startswith("<stdin>:1:1: error: unknown dialect 'foo'")


def test_verify_error_message(run: TesselOpt, tmp_path: Path) -> None:
    path = write(tmp_path, "func.func @f(%a: i32) -> f32 {\n  func.return %a : i32\n}\n")
    result = run([path])
    assert (result.status, result.out) == (1, "")
    assert result.err.startswith(f"{path}:2:3: error: 'func.return' op Expected arguments to have the same types")
    assert result.err.splitlines()[1:] == ["  func.return %a : i32", "  ^"]


def test_split_error_keeps_line_numbers_and_other_chunks_print(run: TesselOpt, tmp_path: Path) -> None:
    text = (
        'func.func @ok() {\n  func.return\n}\n// -----\n\n"foo.bar"() : () -> ()\n'
        "// -----\nfunc.func @also_ok() {\n  func.return\n}\n"
    )
    path = write(tmp_path, text)
    result = run([path, "--split-input-file"])
    assert result.status == 1
    assert result.err.startswith(f"{path}:6:1: error: unknown dialect 'foo'")
    assert "@ok" in result.out and "@also_ok" in result.out


def test_missing_input_file(run: TesselOpt, tmp_path: Path) -> None:
    missing = str(tmp_path / "missing.mlir")
    result = run([missing])
    assert (result.status, result.out) == (1, "")
    assert result.err == f"tessel-opt: error: cannot read '{missing}': No such file or directory\n"


def test_directory_as_input(run: TesselOpt, tmp_path: Path) -> None:
    result = run([str(tmp_path)])
    assert result.status == 1
    assert result.err.startswith(f"tessel-opt: error: cannot read '{tmp_path}'")


def test_unknown_pass(run: TesselOpt, tmp_path: Path) -> None:
    result = run([write(tmp_path, FUNCTION), "-p", "cse,nosuchpass"])
    assert (result.status, result.out) == (1, "")
    assert result.err == (
        "tessel-opt: error: unknown pass 'nosuchpass'; known passes: "
        "canonicalize, compile-llvm, convert-loop-to-llvm, convert-scf-to-cf, cse, dce, fuse-ops, graph-simplify, licm, "
        "loop-simplify, loop-storage-flatten, loop-unroll, loop-vectorize, lower-graph-to-te, lower-te-to-loop, "
        "reconcile-unrealized-casts\n"
    )


def test_unknown_pass_option(run: TesselOpt, tmp_path: Path) -> None:
    result = run([write(tmp_path, FUNCTION), "-p", "cse{nosuchoption=1}"])
    assert (result.status, result.out) == (1, "")
    assert result.err == "tessel-opt: error: pass 'cse' has no option 'nosuchoption'; valid options: (none)\n"


@pytest.mark.parametrize("pipeline", ["cse{", "cse,,dce", "cse}"])
def test_malformed_pipeline(run: TesselOpt, tmp_path: Path, pipeline: str) -> None:
    result = run([write(tmp_path, FUNCTION), "-p", pipeline])
    assert (result.status, result.out) == (1, "")
    assert result.err.startswith("tessel-opt: error: ")
    assert "pass-pipeline:1:" in result.err


def test_unknown_command_line_option_is_reported(run: TesselOpt, tmp_path: Path) -> None:
    result = run([write(tmp_path, FUNCTION), "--no-such-option"])
    assert result.status != 0
    assert "tessel-opt: error: unrecognized arguments: --no-such-option" in result.err
    assert result.out == ""


ERROR_INPUTS = {
    "syntax": "func.func @f( {\n}",
    "unknown_op": '"arith.nosuchop"() : () -> ()',
    "verify": 'func.func @f() {\n  %0 = "arith.constant"() <{value = 1 : i64}> : () -> i32\n  func.return\n}',
    "undefined_value": '"test.op"(%x) : (i32) -> ()',
    "bad_type": '%0 = "test.op"() : () -> tensor<2xwhat>',
    "bad_dense": "%0 = arith.constant dense<[1, 2, 3]> : tensor<2xi32>",
}


@pytest.mark.parametrize("text", ERROR_INPUTS.values(), ids=ERROR_INPUTS.keys())
def test_bad_input_exits_1_without_traceback(run: TesselOpt, text: str) -> None:
    result = run([], stdin=text)
    assert result.status == 1
    assert result.err.startswith("<stdin>:") and ": error: " in result.err
    assert "Traceback" not in result.err and "internal error" not in result.err


def test_internal_error_exits_2_without_traceback(run: TesselOpt, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken_printer(*args: object, **kwargs: object) -> str:
        raise RuntimeError("printer exploded")

    monkeypatch.setattr(tessel, "print_ir", broken_printer)
    result = run([write(tmp_path, FUNCTION)])
    assert result.status == 2
    assert result.err.startswith("tessel-opt: internal error: RuntimeError: printer exploded\n")
    assert "TESSEL_TRACEBACK=1" in result.err
    assert "Traceback" not in result.err


# ---- known bugs: each test states the behaviour that should hold


def test_unwritable_output_file_is_bad_input(run: TesselOpt, tmp_path: Path) -> None:
    result = run([write(tmp_path, FUNCTION), "-o", str(tmp_path / "no" / "such" / "dir" / "out.mlir")])
    assert result.status == 1
    assert result.err.startswith("tessel-opt: error: cannot write")
    assert "internal error" not in result.err


def test_non_utf8_input_is_bad_input(run: TesselOpt, tmp_path: Path) -> None:
    path = tmp_path / "binary.mlir"
    path.write_bytes(b"\xff\xfe\x00garbage")
    result = run([str(path)])
    assert result.status == 1
    assert "internal error" not in result.err


def test_out_of_range_predicate_is_not_an_internal_error(run: TesselOpt) -> None:
    text = 'func.func @f(%a: i32) {\n  %0 = "arith.cmpi"(%a, %a) <{predicate = 42 : i64}> : (i32, i32) -> i1\n  func.return\n}\n'
    result = run([], stdin=text)
    assert result.status in (0, 1)
    assert "internal error" not in result.err


def test_malformed_location_is_bad_input(run: TesselOpt) -> None:
    result = run([], stdin='"test.op"() : () -> () loc(bogus)\n')
    assert result.status == 1
    assert result.err.startswith("<stdin>:1:")
    assert "internal error" not in result.err


def test_unknown_command_line_option_exits_1(run: TesselOpt, tmp_path: Path) -> None:
    assert run([write(tmp_path, FUNCTION), "--no-such-option"]).status == 1


def test_generic_output_of_empty_module_reads_back(run: TesselOpt) -> None:
    generic = run(["--generic"], stdin="builtin.module {\n}\n")
    assert generic.status == 0
    again = run([], stdin=generic.out)
    assert (again.status, again.out) == (0, "builtin.module {\n}\n")


def test_select_over_vectors_output_reads_back(run: TesselOpt) -> None:
    text = (
        "func.func @f(%c: i1, %v: vector<4xf32>) -> vector<4xf32> {\n"
        '  %0 = "arith.select"(%c, %v, %v) : (i1, vector<4xf32>, vector<4xf32>) -> vector<4xf32>\n'
        "  func.return %0 : vector<4xf32>\n}\n"
    )
    first = run([], stdin=text)
    assert first.status == 0
    again = run([], stdin=first.out)
    assert (again.status, again.out) == (0, first.out)
