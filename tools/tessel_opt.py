"""tessel-opt: parse IR text, verify it, run a pass pipeline, print the result (like mlir-opt)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NoReturn

from xdsl.dialects.builtin import ModuleOp
from xdsl.ir import Operation
from xdsl.passes import ModulePass
from xdsl.utils.exceptions import DiagnosticException

import tessel
from tessel.dialects.context import make_context
from tessel.dialects.diagnostics import IRError, SourceLocation
from tessel.dialects.verifier import nearest_location, verify_located
from tessel.passes import PassTiming, PipelineError, default_registry, parse_pass_pipeline, run_passes
from tessel.tools.cli import run_command
from tessel.tools.diagnostics_check import check_diagnostics
from tessel.tools.llvm_emit import EMIT_FORMATS, EmitError, emit
from tessel.tools.split_input import split_input

SPLIT_MARKER = "// -----"


class _ArgumentParser(argparse.ArgumentParser):
    """argparse, but a usage error exits 1 like any other bad input (2 means a bug in tessel)."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(1, f"{self.prog}: error: {message}\n")


def _arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = _ArgumentParser(prog="tessel-opt", description="Parse, transform and print tessel IR.")
    parser.add_argument("input", nargs="?", default="-", help="IR file to read, or - for standard input")
    parser.add_argument("-p", "--passes", default="", metavar="PIPELINE", help="pass pipeline, e.g. 'cse,canonicalize'")
    parser.add_argument("-o", "--output", default="-", help="where to write the result (default: standard output)")
    parser.add_argument("--split-input-file", action="store_true", help=f"process each '{SPLIT_MARKER}' chunk on its own")
    parser.add_argument("--print-ir-after-all", action="store_true", help="print the IR after every pass (to stderr)")
    parser.add_argument(
        "--verify-each", action=argparse.BooleanOptionalAction, default=True, help="verify after each pass (default on)"
    )
    parser.add_argument("--generic", action="store_true", help="print MLIR's generic form")
    parser.add_argument(
        "--emit",
        choices=EMIT_FORMATS,
        default="mlir",
        help="what to print after the pipeline: the IR (mlir, default), or, for te/loop/llvm-dialect IR, "
        "the optimized LLVM IR (llvm-ir) or the host assembly (asm)",
    )
    parser.add_argument("--verify-diagnostics", action="store_true", help="check errors against expected-error comments")
    parser.add_argument("--pass-timing", action="store_true", help="report the time of each pass (to stderr)")
    parser.add_argument("--list-passes", action="store_true", help="list the registered passes and their options")
    parser.add_argument("--list-dialects", action="store_true", help="list the dialects IR may use")
    return parser.parse_args(argv)


@dataclass
class ChunkResult:
    output: str
    errors: list[IRError]


class Driver:
    """Runs one parsed-and-checked pipeline over each input chunk."""

    def __init__(self, args: argparse.Namespace, filename: str):
        self.args = args
        self.filename = filename
        self.parser = tessel.default_parser()
        self.passes: tuple[ModulePass, ...] = parse_pass_pipeline(args.passes)
        self.timing = PassTiming() if args.pass_timing else None

    def run_chunk(self, text: str) -> ChunkResult:
        try:
            parsed = self.parser.parse_located(text, self.filename)
            module, locations = parsed.module, parsed.locations
            verify_located(module, locations, text)
            self._run_passes(module, locations, text)
            if self.args.emit != "mlir":
                return ChunkResult(self._emit(module, locations, text), [])
        except IRError as err:
            return ChunkResult("", [err])
        return ChunkResult(tessel.print_ir(module, generic=self.args.generic), [])

    def _emit(self, module: ModuleOp, locations: dict[Operation, SourceLocation], text: str) -> str:
        try:
            return emit(module, self.args.emit)
        except EmitError as err:
            where = nearest_location(err.op, locations) if err.op is not None else None
            raise IRError(f"--emit={self.args.emit}: {err.message}", where, text) from err

    def _run_passes(self, module: ModuleOp, locations: dict[Operation, SourceLocation], text: str) -> None:
        def after_each(pass_: ModulePass, op: ModuleOp) -> None:
            if self.args.print_ir_after_all:
                sys.stderr.write(f"// -----// IR Dump After {pass_.name} //----- //\n")
                sys.stderr.write(tessel.print_ir(op, generic=self.args.generic))
            if self.args.verify_each:
                verify_located(op, locations, text, context=f" (after pass '{pass_.name}')")

        try:
            run_passes(module, self.passes, timing=self.timing, after_each=after_each, verify_each=False)
        except DiagnosticException as err:
            where = getattr(err, "op", None) or module
            raise IRError(f"pass failed: {err}", nearest_location(where, locations), text) from err


def _list_passes() -> str:
    registry = default_registry()
    lines = ["Available passes:"]
    for name in registry.names():
        options = ", ".join(
            f"{o.name.replace('_', '-')}: {o.expected_type.strip(chr(39))} = {o.default_value}" for o in registry.options(name)
        )
        lines.append(f"  {name}" + (f"  {{{options}}}" if options else ""))
    return "\n".join(lines) + "\n"


def _list_dialects() -> str:
    ctx = make_context()
    return "Available dialects:\n" + "".join(f"  {name}\n" for name in sorted(ctx.registered_dialect_names))


def _read_input(path: str) -> tuple[str, str]:
    if path == "-":
        return sys.stdin.read(), "<stdin>"
    with open(path, encoding="utf-8") as file:
        return file.read(), path


def _run(argv: Sequence[str] | None) -> int:
    args = _arguments(argv)
    if args.list_passes or args.list_dialects:
        sys.stdout.write((_list_passes() if args.list_passes else "") + (_list_dialects() if args.list_dialects else ""))
        return 0
    try:
        text, filename = _read_input(args.input)
    except OSError as err:
        sys.stderr.write(f"tessel-opt: error: cannot read '{args.input}': {err.strerror}\n")
        return 1
    except UnicodeDecodeError as err:
        sys.stderr.write(f"tessel-opt: error: '{args.input}' is not UTF-8 text (byte {err.start}: {err.reason})\n")
        return 1
    try:
        driver = Driver(args, filename)
    except PipelineError as err:
        sys.stderr.write(f"tessel-opt: error: {err}\n")
        return 1

    chunks = split_input(text, SPLIT_MARKER) if args.split_input_file else [text]
    outputs: list[str] = []
    failed = False
    for chunk in chunks:
        result = driver.run_chunk(chunk)
        if args.verify_diagnostics:
            problems = check_diagnostics(chunk, filename, result.errors)
            for problem in problems:
                sys.stderr.write(problem + "\n")
            failed |= bool(problems)
            if not result.errors:
                outputs.append(result.output)
            continue
        for error in result.errors:
            sys.stderr.write(error.render() + "\n")
        failed |= bool(result.errors)
        if not result.errors:
            outputs.append(result.output)

    separator = SPLIT_MARKER + "\n"
    output = separator.join(outputs)
    if args.output == "-":
        sys.stdout.write(output)
        sys.stdout.flush()
    else:
        try:
            with open(args.output, "w", encoding="utf-8") as file:
                file.write(output)
        except OSError as err:
            sys.stderr.write(f"tessel-opt: error: cannot write '{args.output}': {err.strerror}\n")
            return 1
    if driver.timing is not None:
        sys.stderr.write(driver.timing.report() + "\n")
    return 1 if failed else 0


def main(argv: Sequence[str] | None = None) -> NoReturn:
    """Entry point: exit status 0 on success, 1 on bad input or usage, 2 on an internal error."""
    run_command("tessel-opt", lambda: _run(argv))


if __name__ == "__main__":
    main()
