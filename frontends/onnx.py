"""Import an ONNX model into a graph-dialect function: `import_onnx("model.onnx")` -> builtin.module.

    module = import_onnx(model)       # builtin.module { func.func @<graph name>(%x: ...) -> ... }

Initializers and statically known values (Constant, Shape, ConstantOfShape, Expand of constants, ...) are
folded at import; the rest becomes graph ops with shapes inferred from the declared input shapes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import onnx
from google.protobuf.message import DecodeError
from onnx import numpy_helper
from xdsl.dialects import builtin, func
from xdsl.ir import Block, BlockArgument, Region, SSAValue
from xdsl.utils.exceptions import VerifyException

from tessel.dialects.graph.dtypes import tensor_type
from tessel.frontends.onnx_context import MIN_OPSET, ConstantPool, NodeContext, OnnxImportError, Value, onnx_dtype
from tessel.frontends.onnx_ops import CONVERTERS

SUPPORTED_OPS: tuple[str, ...] = tuple(sorted(CONVERTERS))

__all__ = ["SUPPORTED_OPS", "OnnxImportError", "import_onnx"]


def import_onnx(
    model: onnx.ModelProto | str | Path, *, constant_inputs: Mapping[str, np.ndarray] | None = None
) -> builtin.ModuleOp:
    """The model's main graph as a verified func.func (named after the graph) in a new module.

    `constant_inputs` binds graph inputs to values: they import as constants, not function arguments.
    """
    if not isinstance(model, onnx.ModelProto):
        try:
            model = onnx.load(str(model))
        except (OSError, DecodeError) as err:
            raise OnnxImportError(f"onnx import: cannot load model from '{model}': {err}") from err
    try:
        onnx.checker.check_model(model)
    except onnx.checker.ValidationError as err:
        raise OnnxImportError(f"onnx import: the model is malformed (onnx.checker): {err}") from err
    return _Importer(model, constant_inputs or {}).run()


def _symbol_name(name: str) -> str:
    """`name` as a bare MLIR symbol: [A-Za-z_][A-Za-z0-9_$.]*."""
    symbol = re.sub(r"[^A-Za-z0-9_$.]", "_", name)
    if not symbol:
        return "main"
    return symbol if re.match(r"[A-Za-z_]", symbol[0]) else f"_{symbol}"


def _default_opset(model: onnx.ModelProto) -> int:
    versions = [o.version for o in model.opset_import if o.domain in ("", "ai.onnx")]
    if not versions:
        raise OnnxImportError("onnx import: the model imports no version of the default ('ai.onnx') opset")
    newest = onnx.defs.onnx_opset_version()
    if not MIN_OPSET <= versions[0] <= newest:
        raise OnnxImportError(f"onnx import: opset {versions[0]} is not supported (expected {MIN_OPSET}..{newest})")
    return versions[0]


class _Importer:
    """The state of one import: the function body being built and the value of each ONNX tensor name."""

    def __init__(self, model: onnx.ModelProto, constant_inputs: Mapping[str, np.ndarray]):
        self.model = model
        self.constant_inputs = constant_inputs
        self.opset = _default_opset(model)
        self.block = Block()
        self.pool = ConstantPool(self.block)
        self.values: dict[str, Value] = {}

    def run(self) -> builtin.ModuleOp:
        graph = self.model.graph
        for initializer in graph.initializer:
            self.values[initializer.name] = numpy_helper.to_array(initializer)
        unknown = sorted(set(self.constant_inputs) - {i.name for i in graph.input})
        if unknown:
            raise OnnxImportError(f"onnx import: constant_inputs {unknown} are not graph inputs")
        for name, value in self.constant_inputs.items():
            self.values[name] = np.asarray(value)
        for value_info in graph.input:
            # Old IR versions list initializers among the inputs: they stay constants.
            if value_info.name not in self.values:
                self._add_input(value_info)
        for node in graph.node:
            self._convert(node)
        outputs = [self._output(o.name) for o in graph.output]
        for value, output in zip(outputs, graph.output, strict=True):
            if value.name_hint is None and not isinstance(value, BlockArgument):
                value.name_hint = _symbol_name(output.name)  # the compiled model's outputs keep the model's names
        self.block.add_op(func.ReturnOp(*outputs))
        function = func.FuncOp(
            _symbol_name(graph.name), ([a.type for a in self.block.args], [o.type for o in outputs]), Region(self.block)
        )
        module = builtin.ModuleOp([function])
        try:
            module.verify()
        except VerifyException as err:
            raise OnnxImportError(f"onnx import: the imported function does not verify: {err}") from err
        return module

    def _add_input(self, value_info: onnx.ValueInfoProto) -> None:
        name = value_info.name
        if not value_info.type.HasField("tensor_type"):
            raise OnnxImportError(f"onnx import: input '{name}' is not a tensor (sequence/optional/map inputs are unsupported)")
        tensor = value_info.type.tensor_type
        if not tensor.HasField("shape"):
            raise OnnxImportError(f"onnx import: input '{name}' has no declared shape; static shapes are required")
        shape: list[int] = []
        for position, dim in enumerate(tensor.shape.dim):
            if not dim.HasField("dim_value"):
                shown = dim.dim_param or "?"
                raise OnnxImportError(
                    f"onnx import: input '{name}' has a dynamic dimension {position} ('{shown}'); static shapes are required"
                )
            shape.append(dim.dim_value)
        argument = self.block.insert_arg(
            tensor_type(shape, onnx_dtype(tensor.elem_type, f"input '{name}'")), len(self.block.args)
        )
        argument.name_hint = _symbol_name(name)
        self.values[name] = argument

    def _convert(self, node: onnx.NodeProto) -> None:
        described = f"node '{node.name or '<unnamed>'}' ({node.op_type}, opset {self.opset})"
        converter = CONVERTERS.get(node.op_type) if node.domain in ("", "ai.onnx") else None
        if converter is None:
            domain = f" in domain '{node.domain}'" if node.domain not in ("", "ai.onnx") else ""
            raise OnnxImportError(
                f"onnx import: unsupported op type '{node.op_type}'{domain} at {described}; "
                f"supported op types: {', '.join(SUPPORTED_OPS)}"
            )
        inputs: list[Value | None] = []
        for name in node.input:
            if not name:
                inputs.append(None)
            elif name not in self.values:
                raise OnnxImportError(f"onnx import: {described} uses '{name}', which no earlier node or input defines")
            else:
                inputs.append(self.values[name])
        context = NodeContext(node, self.opset, inputs, self.pool, described)
        try:
            results = context.fold() if context.foldable() else converter(context)
        except OnnxImportError:
            raise
        except (VerifyException, ValueError, TypeError, KeyError) as err:
            raise OnnxImportError(f"onnx import: cannot convert {described}: {err}") from err
        for name, result in zip(node.output, results, strict=False):
            if name:
                self.values[name] = result
        missing = [name for name in node.output[len(results) :] if name]
        if missing:
            raise OnnxImportError(f"onnx import: {described}: outputs {missing} are not supported")

    def _output(self, name: str) -> SSAValue:
        if name not in self.values:
            raise OnnxImportError(f"onnx import: graph output '{name}' is never defined")
        return self.pool.ssa(self.values[name])
