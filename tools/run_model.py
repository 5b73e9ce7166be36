"""tessel-run on a whole model (.onnx, or a .mlir file of graph functions): compile, run, check, time.

    tessel-run model.onnx --target llvm [--input NAME=FILE.npy ...] [--random-inputs] [--bench N]
                          [--check] [--threads T] [--print-ir-after-all] [--save DIR]

Inputs not given with --input are random (seeded). --check runs the graph interpreter on the same inputs and
compares every output.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable

import numpy as np
from xdsl.dialects.builtin import ModuleOp
from xdsl.passes import ModulePass

import tessel
from tessel.model_compiler import CompiledModel


class ModelRunError(Exception):
    """Bad input for a model run: printed as `tessel-run: error: ...`, exit 1."""


def run_model(
    source: object,
    args: argparse.Namespace,
    random_array: Callable[[np.random.Generator, tuple[int, ...], np.dtype], np.ndarray],
    compare: Callable[[str, np.ndarray, np.ndarray, float, float | None], tuple[bool, str]],
) -> int:
    """Compile `source` (an ONNX path or a graph-IR module), run it as `args` say; the exit status."""
    files = _input_files(args)  # bad --input files fail before the (long) compile
    after_each = _print_after_each if args.print_ir_after_all else None
    original = source.clone() if isinstance(source, ModuleOp) else source
    start = time.perf_counter()
    # compiled in place, so that an error names the op in the file
    model = tessel.compile(source, target=args.target, progress=_progress_bar(), after_each=after_each, copy=False)
    elapsed = time.perf_counter() - start
    kernels, calls = len(model.kernels), len(model.plan.steps)
    print(
        f"compiled in {elapsed:.2f} s: {kernels} kernels, {calls} kernel calls, {model.peak_bytes / 2**20:.2f} MiB planned "
        f"(without reuse {model.plan.unplanned_bytes / 2**20:.2f} MiB), weights {model.weight_bytes / 2**20:.2f} MiB"
    )
    if args.threads is not None:
        model.num_threads = args.threads
    inputs = _inputs(model, files, args, random_array)
    outputs = model.run(**inputs)
    for name, value in zip(model.output_names, outputs, strict=True):
        print(f"output {name}: {value.dtype}{list(value.shape)}  {_summary(value)}")
    failed = False
    if args.check:
        failed = _check(original, model, inputs, outputs, args, compare)
    if args.bench is not None:
        result = model.benchmark(number=1, repeat=args.bench)
        print(
            f"latency: {args.bench} runs, best {result.min * 1e3:.3f} ms, mean {result.mean * 1e3:.3f} ms "
            f"({model.num_threads} threads)"
        )
    if args.save is not None:
        print(f"saved to {model.save(args.save)}")
    return 1 if failed else 0


def _input_files(args: argparse.Namespace) -> dict[str, np.ndarray]:
    given: dict[str, np.ndarray] = {}
    for item in args.inputs or []:
        name, sep, path = item.partition("=")
        if not sep or not name or not path:
            raise ModelRunError(f"--input expects NAME=FILE.npy, got '{item}'")
        try:
            given[name] = np.load(path, allow_pickle=False)
        except (OSError, ValueError) as err:
            raise ModelRunError(f"--input {name}: cannot read '{path}': {err}") from err
    return given


def _inputs(
    model: CompiledModel, files: dict[str, np.ndarray], args: argparse.Namespace, random_array: Callable
) -> dict[str, np.ndarray]:
    given = dict(files)
    for name in given:
        if name not in model.input_names:
            raise ModelRunError(f"--input {name}: the model has no input '{name}'; inputs: {', '.join(model.input_names)}")
    missing = [n for n in model.input_names if n not in given]
    if missing and given and not args.random_inputs:
        raise ModelRunError(f"no value for input(s) {', '.join(missing)}; give --input NAME=FILE.npy or --random-inputs")
    rng = np.random.default_rng(args.seed)
    for position in model.plan.inputs:
        info = model.plan.tensors[position]
        if info.name not in given:
            given[info.name] = random_array(rng, info.shape, np.dtype(info.dtype))
            print(f"input {info.name}: {info.dtype}{list(info.shape)} random (seed {args.seed})")
        else:
            print(f"input {info.name}: {given[info.name].dtype}{list(given[info.name].shape)} from file")
    return given


def _check(
    source: object,
    model: CompiledModel,
    inputs: dict[str, np.ndarray],
    outputs: list[np.ndarray],
    args: argparse.Namespace,
    compare: Callable,
) -> bool:
    from tessel.dialects.graph.interpreter import run_function
    from tessel.frontends.onnx import import_onnx

    module = source if isinstance(source, ModuleOp) else import_onnx(source)  # type: ignore[arg-type]
    ordered = [
        np.asarray(inputs[n], dtype=model.plan.tensors[p].dtype)
        for n, p in zip(model.input_names, model.plan.inputs, strict=True)
    ]
    reference = run_function(module, model.plan.name, ordered)
    failed = False
    for name, got, want in zip(model.output_names, outputs, reference, strict=True):
        ok, detail = compare(name, got, np.asarray(want), args.rtol, args.atol)
        failed |= not ok
        print(f"  check {name}: {detail}  {'PASS' if ok else 'FAIL'}")
    print("FAIL: the compiled model and the graph interpreter disagree" if failed else "PASS")
    return failed


def _summary(value: np.ndarray) -> str:
    if value.size == 0:
        return "empty"
    if value.dtype == np.bool_:
        return f"{int(value.sum())} of {value.size} true"
    flat = value.astype(np.float64).ravel()
    text = f"min {flat.min():.6g} max {flat.max():.6g} mean {flat.mean():.6g}"
    if value.ndim == 2 and value.shape[0] == 1 and value.shape[1] > 1:
        text += f" argmax {int(np.argmax(flat))}"
    return text


def _progress_bar() -> Callable[[int, int, str], None]:
    interactive = sys.stderr.isatty()

    def show(done: int, total: int, kernel: str) -> None:
        width = 30
        filled = width * done // max(total, 1)
        line = f"compiling kernels [{'#' * filled}{'.' * (width - filled)}] {done}/{total} {kernel}"
        if interactive:
            sys.stderr.write("\r" + line[:100].ljust(100) + ("\n" if done == total else ""))
        elif done == total:
            sys.stderr.write(line + "\n")
        sys.stderr.flush()

    return show


def _print_after_each(pass_: ModulePass, module: ModuleOp) -> None:
    sys.stderr.write(f"// -----// IR Dump After {pass_.name} //----- //\n")
    sys.stderr.write(tessel.print_ir(module))
