"""tessel as an `onnx.backend.base.Backend`: import the model, compile it (or interpret it), run it.

rep = backend.prepare(model)                      # imports and compiles once (tessel.compile, target llvm)
outputs = rep.run([x])                            # a namedtuple of numpy arrays, in the model's output order
rep = backend.prepare(model, mode="interpret")    # runs the graph IR with the graph interpreter instead

`mode` is "compile" (the default: graph-simplify, fuse-ops, lower-graph-to-te, lower-te-to-loop, LLVM) or
"interpret"; without a `mode` argument the environment variable TESSEL_ONNX_BACKEND_MODE picks it. The compiled
mode never falls back to the interpreter: a model with an op the operator library cannot lower raises
`CompileError` (from prepare, or from run for a model specialized at run, see below).

A model whose shape-like operand (a Reshape shape, Slice starts, reduction axes, Pad pads, ...) is a runtime
graph input cannot be imported with static shapes ahead of time. `prepare` then defers the import, and `run`
specializes the model on the values of just the graph inputs that feed such operands (TVM's freeze_params):
they import as constants, and the specialized module (compiled, in the compiled mode) is cached by their
dtype, shape and bytes.
"""

from __future__ import annotations

import os
import re
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal, TypeAlias

import numpy as np
import onnx
from onnx import helper, numpy_helper
from onnx.backend.base import Backend, BackendRep, Device, DeviceType, namedtupledict
from xdsl.dialects import builtin, func

from tessel.dialects.graph.interpreter import run_function
from tessel.frontends.onnx import OnnxImportError, import_onnx

if TYPE_CHECKING:
    from tessel.model_compiler import CompiledModel

__all__ = ["MODES", "CompileError", "TesselBackend", "TesselRep", "backend"]

Mode: TypeAlias = Literal["compile", "interpret"]
MODES: tuple[Mode, ...] = ("compile", "interpret")
MODE_ENV = "TESSEL_ONNX_BACKEND_MODE"


class CompileError(RuntimeError):
    """The compiled mode cannot compile the model (e.g. the operator library has no compute for one of its ops)."""


def _mode(mode: str | None) -> Mode:
    """`mode`, else TESSEL_ONNX_BACKEND_MODE, else "compile"; checked."""
    chosen = mode if mode is not None else (os.environ.get(MODE_ENV) or "compile")
    if chosen not in MODES:
        source = "mode" if mode is not None else MODE_ENV
        raise ValueError(f"tessel backend: {source} must be one of {', '.join(MODES)}; got '{chosen}'")
    return chosen  # type: ignore[return-value]


def _compile(module: builtin.ModuleOp) -> CompiledModel:
    """`module` compiled for the CPU; a lowering failure becomes a CompileError naming the op."""
    from tessel.model_compiler import compile as compile_model
    from tessel.passes.lower_graph_to_te import LoweringError

    try:
        return compile_model(module)
    except LoweringError as err:
        raise CompileError(f"tessel backend: cannot compile the model: {err} (mode='interpret' runs it)") from err


def _as_array(value: Any) -> np.ndarray:
    """A backend input as numpy: TensorProto via numpy_helper, 0-d scalars and lists via np.asarray."""
    if isinstance(value, onnx.TensorProto):
        return numpy_helper.to_array(value)
    return np.asarray(value)


# The importer's error when a node operand it needs at import (a shape, axes, pads, ...) is not a constant.
_NEEDS_CONSTANT = re.compile(
    r"onnx import: node '(?P<name>.*)' \((?P<op_type>[^,]*), opset \d+\): "
    r"input (?P<index>\d+) \(.*\) must be a constant or initializer to import with static shapes"
)

_Key: TypeAlias = tuple[tuple[str, str, tuple[int, ...], bytes], ...]
# A specialized import: the module, its graph function's name, and the module compiled (compiled mode only).
_Specialization: TypeAlias = "tuple[builtin.ModuleOp, str, CompiledModel | None]"


def _function_name(module: builtin.ModuleOp) -> str:
    return next(op for op in module.body.ops if isinstance(op, func.FuncOp)).sym_name.data


class TesselRep(BackendRep):
    """An imported model, ready to run on numpy inputs, compiled (`mode` "compile") or interpreted ("interpret").

    In the compiled mode `compiled` is the model compiled by tessel.compile (None in the interpreter mode).
    If the model needs some graph inputs' values at import (see the module docstring), `module` and `compiled`
    are None and each `run` imports (and compiles) the model specialized on those inputs (`constant_inputs`),
    caching the last `CACHE_SIZE` specializations in `specializations`.
    """

    CACHE_SIZE = 16

    def __init__(self, model: onnx.ModelProto, mode: str | None = None):
        self.model = model
        self.mode: Mode = _mode(mode)
        self.module: builtin.ModuleOp | None = None
        self.compiled: CompiledModel | None = None
        self.function_name = ""
        self.constant_inputs: list[str] = []
        self.specializations: OrderedDict[_Key, _Specialization] = OrderedDict()
        initializers = {i.name for i in model.graph.initializer}
        self.input_names = [i.name for i in model.graph.input if i.name not in initializers]
        self.input_dtypes = [
            helper.tensor_dtype_to_np_dtype(i.type.tensor_type.elem_type) for i in model.graph.input if i.name not in initializers
        ]
        self.output_names = [o.name for o in model.graph.output]
        try:
            self.module = import_onnx(model)
        except OnnxImportError as err:
            needed = self._inputs_feeding(err)
            if not needed:
                raise
            self.constant_inputs = needed
        else:
            self.function_name = _function_name(self.module)
            if self.mode == "compile":
                self.compiled = _compile(self.module)

    def _inputs_feeding(self, err: OnnxImportError) -> list[str]:
        """The runtime graph inputs (not yet bound) that the operand `err` needs as a constant depends on.

        Empty when `err` is about something else. The importer names the node by name and op type only, so
        every node matching both counts; binding an input more than needed is still correct, only more specific.
        """
        match = _NEEDS_CONSTANT.fullmatch(str(err))
        if match is None:
            return []
        name = "" if match["name"] == "<unnamed>" else match["name"]
        index = int(match["index"])
        nodes = self.model.graph.node
        producer = {output: node for node in nodes for output in node.output if output}
        pending = [n.input[index] for n in nodes if (n.name, n.op_type) == (name, match["op_type"]) and index < len(n.input)]
        seen: set[str] = set()
        while pending:
            tensor = pending.pop()
            if tensor in seen:
                continue
            seen.add(tensor)
            if tensor in producer:
                pending.extend(t for t in producer[tensor].input if t)
        return [n for n in self.input_names if n in seen and n not in self.constant_inputs]

    def _specialized(self, arrays: list[np.ndarray]) -> _Specialization:
        """The model imported (and compiled) with `constant_inputs` bound to their values in `arrays` (cached)."""
        values = dict(zip(self.input_names, arrays, strict=True))
        while True:
            key = tuple((n, values[n].dtype.str, values[n].shape, values[n].tobytes()) for n in self.constant_inputs)
            if key in self.specializations:
                self.specializations.move_to_end(key)
                return self.specializations[key]
            try:
                module = import_onnx(self.model, constant_inputs={n: values[n] for n in self.constant_inputs})
            except OnnxImportError as err:
                # With these bound, a later node may need another input as a constant: bind it too, from now on.
                needed = self._inputs_feeding(err)
                if not needed:
                    raise
                self.constant_inputs = [n for n in self.input_names if n in set(self.constant_inputs) | set(needed)]
                self.specializations.clear()
                continue
            compiled = _compile(module) if self.mode == "compile" else None
            self.specializations[key] = (module, _function_name(module), compiled)
            while len(self.specializations) > self.CACHE_SIZE:
                self.specializations.popitem(last=False)
            return self.specializations[key]

    def run(self, inputs: Any, **kwargs: Any) -> tuple[Any, ...]:
        """The model's outputs for `inputs` (a sequence in graph-input order, a dict by name, or one array)."""
        if isinstance(inputs, Mapping):
            missing = [name for name in self.input_names if name not in inputs]
            if missing:
                raise ValueError(f"tessel backend: expected inputs {self.input_names}, missing {missing}")
            values = [inputs[name] for name in self.input_names]
        elif isinstance(inputs, Sequence) and not isinstance(inputs, str | bytes):
            values = list(inputs)
        else:
            values = [inputs]
        if len(values) != len(self.input_names):
            raise ValueError(f"tessel backend: expected {len(self.input_names)} inputs {self.input_names}, got {len(values)}")
        arrays = [_as_array(v).astype(dtype, copy=False) for v, dtype in zip(values, self.input_dtypes, strict=True)]
        if self.module is not None:
            module, function_name, compiled, runtime = self.module, self.function_name, self.compiled, arrays
        else:
            module, function_name, compiled = self._specialized(arrays)
            bound = set(self.constant_inputs)
            runtime = [a for name, a in zip(self.input_names, arrays, strict=True) if name not in bound]
        if compiled is not None:
            results = compiled.run(*runtime)
        else:
            results = run_function(module, function_name, runtime)
        return namedtupledict("Outputs", self.output_names)(*results)


class TesselBackend(Backend):
    """Runs ONNX models on the CPU through tessel's importer and compiler (or its graph interpreter).

    `prepare(model, device, mode=...)` and `run_node(..., mode=...)` take the mode (see the module docstring).
    """

    @classmethod
    def prepare(cls, model: onnx.ModelProto, device: str = "CPU", mode: str | None = None, **kwargs: Any) -> TesselRep:
        if not cls.supports_device(device):
            raise ValueError(f"tessel backend: device '{device}' is not supported (expected CPU)")
        return TesselRep(model, mode)

    @classmethod
    def run_node(
        cls,
        node: onnx.NodeProto,
        inputs: Any,
        device: str = "CPU",
        outputs_info: Sequence[tuple[np.dtype, tuple[int, ...]]] | None = None,
        **kwargs: Any,
    ) -> tuple[Any, ...]:
        """Runs one node on `inputs` (in node-input order) as a one-node model."""
        arrays = [_as_array(v) for v in inputs]
        names = [name for name in node.input if name]
        graph_inputs = [
            helper.make_tensor_value_info(name, helper.np_dtype_to_tensor_dtype(a.dtype), a.shape)
            for name, a in zip(names, arrays, strict=True)
        ]
        output_names = [name for name in node.output if name]
        opset = kwargs.get("opset_version", onnx.defs.onnx_opset_version())
        opset_imports = [helper.make_opsetid("", opset)]
        # The output types come from outputs_info when given, else from onnx's shape inference.
        if outputs_info is not None:
            graph_outputs = [
                helper.make_tensor_value_info(name, helper.np_dtype_to_tensor_dtype(np.dtype(dtype)), shape)
                for name, (dtype, shape) in zip(output_names, outputs_info, strict=True)
            ]
        else:
            untyped = helper.make_graph(
                [node], "run_node", graph_inputs, [helper.make_empty_tensor_value_info(n) for n in output_names]
            )
            inferred = onnx.shape_inference.infer_shapes(helper.make_model(untyped, opset_imports=opset_imports))
            typed = {v.name: v for v in inferred.graph.value_info}
            fallback = graph_inputs[0].type.tensor_type.elem_type if graph_inputs else onnx.TensorProto.FLOAT
            graph_outputs = [typed.get(name) or helper.make_tensor_value_info(name, fallback, None) for name in output_names]
        graph = helper.make_graph([node], "run_node", graph_inputs, graph_outputs)
        model = helper.make_model(graph, opset_imports=opset_imports)
        return cls.prepare(model, device, mode=kwargs.get("mode")).run(arrays)

    @classmethod
    def supports_device(cls, device: str) -> bool:
        return Device(device).type == DeviceType.CPU


backend = TesselBackend
