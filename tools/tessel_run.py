"""tessel-run: compile a te or loop function for the host (LLVM), run it on random buffers, check it
against the loop interpreter, and optionally time it; or compile and run a whole model.

    tessel-run kernel.mlir --target llvm [--function NAME] [--bench N] [--seed S] [--threads T]
    tessel-run model.onnx|graph.mlir --target llvm [--input NAME=FILE.npy] [--random-inputs] [--check]
               [--bench N] [--print-ir-after-all] [--save DIR]

A model (an .onnx file, or IR holding graph-dialect functions) is compiled with tessel.compile (see
tools/run_model.py).

te functions are lowered with lower-te-to-loop,loop-simplify; loop.funcs are used as written. Every
buffer starts random (outputs too, so kernels that accumulate into an output are checked as well); the
compiled function and the loop interpreter run on copies, and each buffer the function writes is compared.
Exit status: 0 all match, 1 bad input or a mismatch, 2 a bug in tessel (never a traceback).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import NoReturn

import numpy as np
from xdsl.dialects.builtin import ModuleOp
from xdsl.ir import Operation
from xdsl.utils.exceptions import DiagnosticException

import tessel
from tessel.dialects.diagnostics import IRError, SourceLocation
from tessel.dialects.graph import FusedOp, GraphOp
from tessel.dialects.verifier import nearest_location, verify_located
from tessel.tools.cli import run_command
from tessel.tools.llvm_emit import EmitError, lower_te

TARGETS = ("llvm",)
PROG = "tessel-run"


class _ArgumentParser(argparse.ArgumentParser):
    """argparse, but a usage error exits 1 like any other bad input (2 means a bug in tessel)."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(1, f"{self.prog}: error: {message}\n")


class RunError(Exception):
    """Bad input or a failed run: the message is printed as `tessel-run: error: ...` (or located), exit 1."""


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got '{text}'")
    return value


def _arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = _ArgumentParser(prog=PROG, description="Compile a te/loop function, run it on random inputs, check or time it.")
    parser.add_argument("input", help="an ONNX model, or an IR file (.mlir) of graph functions, te functions or loop.funcs")
    parser.add_argument("--target", default="llvm", help="code generator (only 'llvm' so far)")
    parser.add_argument("--function", metavar="NAME", help="the function to run (default: the only one, or @main)")
    parser.add_argument("--bench", type=_positive, metavar="N", help="time N runs of the compiled function")
    parser.add_argument("--seed", type=int, default=0, help="seed of the random inputs (default 0)")
    parser.add_argument("--threads", type=_positive, metavar="T", help="threads for parallel loops (default: all cores)")
    parser.add_argument("--rtol", type=float, default=1e-4, help="relative tolerance of the check (default 1e-4)")
    parser.add_argument(
        "--atol", type=float, help="absolute tolerance of the check (default: rtol x the largest reference value)"
    )
    parser.add_argument("--no-check", action="store_true", help="skip the loop interpreter (for timing big kernels)")
    model = parser.add_argument_group("models (.onnx or graph IR)")
    model.add_argument("--input", dest="inputs", action="append", metavar="NAME=FILE.npy", help="a model input from a .npy file")
    model.add_argument("--random-inputs", action="store_true", help="random values for inputs not given with --input")
    model.add_argument("--check", action="store_true", help="compare the outputs with the graph interpreter's")
    model.add_argument("--print-ir-after-all", action="store_true", help="print the IR after each compilation pass")
    model.add_argument("--save", metavar="DIR", help="save the compiled model to DIR (tessel.load reads it)")
    return parser.parse_args(argv)


class _Located(Exception):
    def __init__(self, error: IRError):
        super().__init__(error.render())
        self.error = error


def _load(path: str) -> tuple[ModuleOp, dict[Operation, SourceLocation], str]:
    try:
        with open(path, encoding="utf-8") as file:
            text = file.read()
    except OSError as err:
        raise RunError(f"cannot read '{path}': {err.strerror}") from err
    except UnicodeDecodeError as err:
        raise RunError(f"'{path}' is not UTF-8 text (byte {err.start}: {err.reason})") from err
    try:
        parsed = tessel.default_parser().parse_located(text, path)
        verify_located(parsed.module, parsed.locations, text)
    except IRError as err:
        raise _Located(err) from err
    return parsed.module, parsed.locations, text


def _random_array(rng: np.random.Generator, shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
    if dtype == np.bool_:
        return rng.integers(0, 2, size=shape).astype(np.bool_)
    if np.issubdtype(dtype, np.integer):
        info = np.iinfo(dtype)
        return rng.integers(max(info.min, -8), min(info.max, 8), size=shape, endpoint=True).astype(dtype)
    if np.issubdtype(dtype, np.floating):
        return rng.standard_normal(size=shape).astype(dtype)
    raise RunError(f"cannot make random data of dtype {dtype}")


def _pick_function(names: Sequence[str], wanted: str | None) -> str:
    if not names:
        raise RunError("the module has no function to run (expected a te function or a loop.func)")
    if wanted is not None:
        if wanted not in names:
            raise RunError(f"no function '{wanted}'; the module has {', '.join(names)}")
        return wanted
    if len(names) == 1:
        return names[0]
    if "main" in names:
        return "main"
    raise RunError(f"the module has several functions ({', '.join(names)}); pick one with --function")


def _compare(name: str, got: np.ndarray, want: np.ndarray, rtol: float, atol: float | None) -> tuple[bool, str]:
    if got.size == 0:
        return True, "empty"
    if np.issubdtype(want.dtype, np.floating):
        g, w = got.astype(np.float64), want.astype(np.float64)
        finite = np.isfinite(w)
        scale = float(np.max(np.abs(w[finite]))) if finite.any() else 0.0
        tol = atol if atol is not None else rtol * max(scale, 1.0)
        same_nan = np.array_equal(np.isnan(g), np.isnan(w))
        with np.errstate(invalid="ignore"):
            diff = np.where(np.isnan(w) & np.isnan(g), 0.0, np.abs(g - w))
        max_diff = float(np.max(diff))
        bound = tol + rtol * np.abs(np.where(finite, w, 0.0))
        ok = same_nan and bool(np.all((diff <= bound) | (np.isinf(w) & (g == w))))
        return ok, f"max abs diff {max_diff:.3e} (tolerance {tol:.1e} + {rtol:.0e}*|ref|)"
    diff_count = int(np.count_nonzero(got != want))
    max_diff = int(np.max(np.abs(got.astype(np.int64) - want.astype(np.int64)))) if diff_count else 0
    return diff_count == 0, f"max abs diff {max_diff} ({diff_count} elements differ)"


def _run(argv: Sequence[str] | None) -> int:
    args = _arguments(argv)
    if args.target.strip() not in TARGETS:
        raise RunError(f"unknown target '{args.target}'; supported targets: {', '.join(TARGETS)}")
    if args.input.lower().endswith(".onnx"):
        return _run_model(args.input, args, lambda message, op: RunError(message))
    module, locations, text = _load(args.input)

    def located(message: str, op: Operation | None) -> _Located:
        where = nearest_location(op, locations) if op is not None else None
        return _Located(IRError(message, where, text))

    if any(isinstance(op, GraphOp | FusedOp) for op in module.walk()):
        return _run_model(module, args, located)

    try:
        lower_te(module)
    except EmitError as err:
        raise located(err.message, err.op) from err

    from tessel.backends.llvm import JITError, loop_signatures
    from tessel.dialects import loop
    from tessel.dialects.loop.interpreter import LoopInterpreterError, run_loop_function

    funcs = {op.sym_name.data: op for op in module.ops if isinstance(op, loop.FuncOp) and op.intrinsic is None}
    for op in module.ops:
        if not isinstance(op, loop.FuncOp):
            raise located(f"'{op.name}' cannot be run: tessel-run takes te functions and loop.funcs", op)
    name = _pick_function(list(funcs), args.function)
    try:
        signature = next(s for s in loop_signatures(module) if s.name == name)
    except ValueError as err:
        raise located(str(err), funcs[name]) from err

    try:
        mod = tessel.build(module, target=args.target, name=name)
    except EmitError as err:
        raise located(err.message, err.op) from err
    except (JITError, ValueError, DiagnosticException) as err:
        raise located(f"compiling @{name} failed: {err}", funcs[name]) from err
    if args.threads is not None:
        mod.num_threads = args.threads

    rng = np.random.default_rng(args.seed)
    inputs = [_random_array(rng, p.shape, p.dtype) for p in signature.params]
    print(f"{signature.describe()}  (target {args.target}, seed {args.seed}, {mod.num_threads} threads)")

    compiled = [a.copy() for a in inputs]
    mod[name](*compiled)

    failed = False
    if args.no_check:
        print("check: skipped (--no-check)")
    else:
        reference = [a.copy() for a in inputs]
        try:
            run_loop_function(module, name, reference)
        except LoopInterpreterError as err:
            raise located(f"the loop interpreter failed on @{name}: {err}", funcs[name]) from err
        for param, got, want in zip(signature.params, compiled, reference, strict=True):
            if not param.written:
                continue
            ok, detail = _compare(param.name, got, want, args.rtol, args.atol)
            failed |= not ok
            print(f"  {param.name}: {param.describe()}  {detail}  {'PASS' if ok else 'FAIL'}")
        print("FAIL: the compiled function and the loop interpreter disagree" if failed else "PASS")

    if args.bench is not None:
        timer = mod.time_evaluator(name, number=1, repeat=args.bench)
        result = timer(*[a.copy() for a in inputs])
        print(
            f"bench: {args.bench} runs, best {result.min * 1e3:.4f} ms, mean {result.mean * 1e3:.4f} ms, "
            f"median {result.median * 1e3:.4f} ms"
        )
    return 1 if failed else 0


def _run_model(source: object, args: argparse.Namespace, located: Callable[[str, Operation | None], Exception]) -> int:
    from tessel.frontends.onnx import OnnxImportError
    from tessel.tools.run_model import ModelRunError, run_model

    try:
        return run_model(source, args, _random_array, _compare)
    except (ModelRunError, OnnxImportError) as err:
        raise RunError(str(err)) from err
    except DiagnosticException as err:
        raise located(f"compiling the model failed: {err}", getattr(err, "op", None)) from err


def main(argv: Sequence[str] | None = None) -> NoReturn:
    """Entry point: exit status 0 on success, 1 on bad input, usage or a mismatch, 2 on an internal error."""

    def body() -> int:
        try:
            return _run(argv)
        except RunError as err:
            sys.stderr.write(f"{PROG}: error: {err}\n")
        except _Located as err:
            sys.stderr.write(err.error.render() + "\n")
        return 1

    run_command(PROG, body)


if __name__ == "__main__":
    main()
