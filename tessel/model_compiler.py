"""tessel.compile / tessel.load: whole models (ONNX or graph IR) to a runnable, savable graph module.

    model = tessel.compile("resnet.onnx", target="llvm")     # or an onnx.ModelProto, or a graph-IR module
    (y,) = model.run(data=image)
    model.benchmark(number=10).mean
    model.save("resnet.tessel"); again = tessel.load("resnet.tessel")

The graph is simplified and fused, each fused group becomes a scheduled te function (lower-graph-to-te),
the te functions become loop nests, and all kernels are compiled into one LLVM module; the graph
function that calls them becomes a GraphPlan run by the graph runtime. A saved model is a directory:
kernels.mlir (the loop IR), plan.json (kernel calls and memory plan), weights/*.npy, meta.json.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from pathlib import Path

import numpy as np
from xdsl.dialects import func
from xdsl.dialects.builtin import ModuleOp

from tessel.backends.llvm.graph_plan import GraphPlan
from tessel.backends.llvm.graph_runtime import GraphModule
from tessel.backends.llvm.module import Module
from tessel.dialects import loop
from tessel.passes import run_pipeline
from tessel.passes.pipeline import AfterEachHook

GRAPH_PIPELINE = "graph-simplify,fuse-ops,lower-graph-to-te"
KERNEL_PIPELINE = "lower-te-to-loop,loop-simplify"
FORMAT_VERSION = 1


class CompiledModel(GraphModule):
    """A model compiled for the CPU: run, benchmark, save; `kernel_source` is its loop IR."""

    def __init__(self, kernels: Mapping[str, Module], plan: GraphPlan, weights: Mapping[str, np.ndarray], kernel_source: str):
        super().__init__(kernels, plan, weights)
        self.kernel_source = kernel_source
        self.weights = dict(weights)
        self.compile_seconds: dict[str, float] = {}

    @property
    def output_names(self) -> list[str]:
        return [self.plan.tensors[t].name for t in self.plan.outputs]

    def save(self, path: str | Path) -> Path:
        """Write the model to the directory `path` (created; existing files of a saved model are replaced)."""
        directory = Path(path)
        (directory / "weights").mkdir(parents=True, exist_ok=True)
        (directory / "kernels.mlir").write_text(self.kernel_source)
        (directory / "plan.json").write_text(json.dumps(self.plan.to_json(), indent=1))
        files = {}
        for index, (name, value) in enumerate(sorted(self.weights.items())):
            file = f"weights/{index}.npy"
            np.save(directory / file, np.ascontiguousarray(value), allow_pickle=False)
            files[name] = file
        meta = {"format": "tessel-model", "version": FORMAT_VERSION, "target": "llvm", "weights": files}
        (directory / "meta.json").write_text(json.dumps(meta, indent=1))
        return directory


def compile(  # noqa: A001
    model: object,
    target: str = "llvm",
    progress: Callable[[int, int, str], None] | None = None,
    after_each: AfterEachHook | None = None,
    copy: bool = True,
) -> CompiledModel:
    """Compile an ONNX model (path or ModelProto) or a graph-IR module for `target` ("llvm").

    `progress(done, total, kernel)` is called around each kernel's code generation; `after_each(pass, module)`
    after each pass (e.g. to print the IR). A graph-IR module is compiled in a copy unless `copy` is False
    (then errors name ops of the module given, and the module is left lowered)."""
    from tessel.driver import SUPPORTED_TARGETS

    if target.strip() not in SUPPORTED_TARGETS:
        raise ValueError(f"compile: unknown target '{target}'; supported targets: {', '.join(SUPPORTED_TARGETS)}")
    times: dict[str, float] = {}
    start = time.perf_counter()
    module = model if isinstance(model, ModuleOp) and not copy else _graph_module(model)
    times["import"] = time.perf_counter() - start
    start = time.perf_counter()
    run_pipeline(module, GRAPH_PIPELINE, after_each=after_each)
    run_pipeline(module, KERNEL_PIPELINE, after_each=after_each)
    times["lower"] = time.perf_counter() - start
    graph = _graph_function(module)
    kernels = ModuleOp([op.clone() for op in module.ops if isinstance(op, loop.FuncOp)])
    from tessel import print_ir

    kernel_source = print_ir(kernels)
    start = time.perf_counter()
    compiled = _compile_kernels(kernels, progress)
    times["codegen"] = time.perf_counter() - start
    plan, weights = GraphPlan.from_function(graph)
    result = CompiledModel(compiled, plan, weights, kernel_source)
    result.compile_seconds = times
    return result


def load(path: str | Path) -> CompiledModel:
    """A model saved with `CompiledModel.save`; kernels are recompiled (or read from TESSEL_CACHE_DIR)."""
    from tessel import parse

    directory = Path(path)
    try:
        meta = json.loads((directory / "meta.json").read_text())
        plan = GraphPlan.from_json(json.loads((directory / "plan.json").read_text()))
        kernel_source = (directory / "kernels.mlir").read_text()
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise ValueError(f"load: '{directory}' is not a saved tessel model: {err}") from err
    if meta.get("format") != "tessel-model" or meta.get("version") != FORMAT_VERSION:
        found = f"{meta.get('format')} version {meta.get('version')}"
        raise ValueError(f"load: '{directory}' holds {found}; expected tessel-model version {FORMAT_VERSION}")
    weights = {name: np.load(directory / file, allow_pickle=False) for name, file in meta["weights"].items()}
    kernels = parse(kernel_source, str(directory / "kernels.mlir"))
    return CompiledModel(_compile_kernels(kernels, None), plan, weights, kernel_source)


def _compile_kernels(kernels: ModuleOp, progress: Callable[[int, int, str], None] | None) -> dict[str, Module]:
    """Each loop.func of `kernels` compiled on its own (so the compile cache shares kernels across models)."""
    from tessel.driver import build

    functions = [op for op in kernels.ops if isinstance(op, loop.FuncOp)]
    compiled = {}
    for number, function in enumerate(functions):
        name = function.sym_name.data
        if progress is not None:
            progress(number, len(functions), name)
        compiled[name] = build(ModuleOp([function.clone()]), name=name)
    if progress is not None:
        progress(len(functions), len(functions), "")
    return compiled


def _graph_module(model: object) -> ModuleOp:
    if isinstance(model, ModuleOp):
        return model.clone()
    import onnx

    from tessel.frontends.onnx import import_onnx

    if isinstance(model, onnx.ModelProto | str | Path):
        return import_onnx(model)
    raise TypeError(f"compile: expected an ONNX model (path or ModelProto) or a graph-IR module, got {type(model).__name__}")


def _graph_function(module: ModuleOp) -> func.FuncOp:
    functions = [op for op in module.ops if isinstance(op, func.FuncOp)]
    if len(functions) != 1:
        names = ", ".join(f"@{f.sym_name.data}" for f in functions) or "none"
        raise ValueError(f"compile: expected one graph function in the module, found {names}")
    return functions[0]
