"""tessel as an `onnx.backend.base.Backend`: import the model, run it with the graph interpreter.

rep = backend.prepare(model)      # imports once
outputs = rep.run([x])            # a namedtuple of numpy arrays, in the model's output order
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import onnx
from onnx import helper, numpy_helper
from onnx.backend.base import Backend, BackendRep, Device, DeviceType, namedtupledict
from xdsl.dialects import func

from tessel.dialects.graph.interpreter import run_function
from tessel.frontends.onnx import import_onnx

__all__ = ["TesselBackend", "TesselRep", "backend"]


def _as_array(value: Any) -> np.ndarray:
    """A backend input as numpy: TensorProto via numpy_helper, 0-d scalars and lists via np.asarray."""
    if isinstance(value, onnx.TensorProto):
        return numpy_helper.to_array(value)
    return np.asarray(value)


class TesselRep(BackendRep):
    """An imported model, ready to run on numpy inputs."""

    def __init__(self, model: onnx.ModelProto):
        self.module = import_onnx(model)
        function = next(op for op in self.module.body.ops if isinstance(op, func.FuncOp))
        self.function_name = function.sym_name.data
        initializers = {i.name for i in model.graph.initializer}
        self.input_names = [i.name for i in model.graph.input if i.name not in initializers]
        self.input_dtypes = [
            helper.tensor_dtype_to_np_dtype(i.type.tensor_type.elem_type) for i in model.graph.input if i.name not in initializers
        ]
        self.output_names = [o.name for o in model.graph.output]

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
        results = run_function(self.module, self.function_name, arrays)
        return namedtupledict("Outputs", self.output_names)(*results)


class TesselBackend(Backend):
    """Runs ONNX models on the CPU through tessel's importer and graph interpreter."""

    @classmethod
    def prepare(cls, model: onnx.ModelProto, device: str = "CPU", **kwargs: Any) -> TesselRep:
        if not cls.supports_device(device):
            raise ValueError(f"tessel backend: device '{device}' is not supported (expected CPU)")
        return TesselRep(model)

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
        return cls.prepare(model, device).run(arrays)

    @classmethod
    def supports_device(cls, device: str) -> bool:
        return Device(device).type == DeviceType.CPU


backend = TesselBackend
