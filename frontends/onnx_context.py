"""The ONNX importer's per-node context: values by name, constants pooled as graph.constant ops, errors naming the node."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeAlias, cast

import numpy as np
import onnx
from onnx import helper
from onnx.reference import ReferenceEvaluator
from xdsl.dialects import builtin
from xdsl.ir import Block, Operation, SSAValue

from tessel.dialects.graph import elementwise as ew
from tessel.dialects.graph import shape
from tessel.dialects.graph.constant import ConstantOp
from tessel.dialects.graph.dtypes import element_type, numpy_dtype

Value: TypeAlias = SSAValue | np.ndarray

# Opset 6 is accepted too: it is where Clip-6, Relu-6 and friends (valid through opset 10) come from.
MIN_OPSET = 6


_NEVER_FOLD = frozenset({"Constant"})
"""Op types never evaluated at import, even with constant inputs."""


class OnnxImportError(ValueError):
    """The model cannot be imported: unsupported op, malformed graph, dynamic shape, bad attribute."""


def onnx_dtype(elem_type: int, what: str) -> np.dtype:
    """The numpy dtype of an ONNX TensorProto element type the graph dialect can hold."""
    try:
        dtype = np.dtype(helper.tensor_dtype_to_np_dtype(elem_type))
        element_type(dtype)
    except (KeyError, ValueError, TypeError) as err:
        name = onnx.TensorProto.DataType.Name(elem_type) if elem_type in onnx.TensorProto.DataType.values() else elem_type
        raise OnnxImportError(f"onnx import: {what} has element type {name}, which the graph dialect cannot hold") from err
    return dtype


class ConstantPool:
    """Materializes numpy values as graph.constant ops in the function body, once per array."""

    def __init__(self, block: Block):
        self.block = block
        self._made: dict[int, tuple[np.ndarray, SSAValue]] = {}

    def ssa(self, value: Value) -> SSAValue:
        if isinstance(value, SSAValue):
            return value
        if id(value) in self._made:
            return self._made[id(value)][1]
        op = ConstantOp.from_array(np.ascontiguousarray(value))
        self.block.add_op(op)
        self._made[id(value)] = (value, op.result)
        return op.result


class NodeContext:
    """One ONNX node being converted: its attributes, its input values, and how to emit ops."""

    def __init__(self, node: onnx.NodeProto, opset: int, inputs: list[Value | None], pool: ConstantPool, described: str):
        self.node = node
        self.opset = opset
        self.inputs = inputs
        self.pool = pool
        self.described = described
        self.attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}

    # ---- reading the node

    def fail(self, message: str) -> OnnxImportError:
        return OnnxImportError(f"onnx import: {self.described}: {message}")

    def attr(self, name: str, default: object = None) -> object:
        value = self.attrs.get(name, default)
        return value.decode() if isinstance(value, bytes) else value

    def int_attr(self, name: str, default: int) -> int:
        value = self.attr(name, default)
        if not isinstance(value, int):
            raise self.fail(f"attribute '{name}' must be an integer, got {value!r}")
        return value

    def float_attr(self, name: str, default: float) -> float:
        value = self.attr(name, default)
        if not isinstance(value, int | float):
            raise self.fail(f"attribute '{name}' must be a float, got {value!r}")
        return float(value)

    def ints_attr(self, name: str) -> list[int] | None:
        value = self.attr(name)
        if value is None:
            return None
        if not isinstance(value, list) or not all(isinstance(v, int) for v in value):
            raise self.fail(f"attribute '{name}' must be a list of integers, got {value!r}")
        return [int(v) for v in value]

    def input(self, index: int) -> Value | None:
        return self.inputs[index] if index < len(self.inputs) else None

    def required(self, index: int) -> Value:
        value = self.input(index)
        if value is None:
            raise self.fail(f"expected input {index}")
        return value

    def static(self, index: int, what: str) -> np.ndarray | None:
        """Input `index` as a numpy array (None if absent); an error if only known at run time."""
        value = self.input(index)
        if value is None or isinstance(value, np.ndarray):
            return value
        raise self.fail(f"input {index} ({what}) must be a constant or initializer to import with static shapes")

    def static_ints(self, index: int, what: str) -> list[int] | None:
        value = self.static(index, what)
        return None if value is None else [int(v) for v in np.asarray(value).reshape(-1)]

    def axes(self, index: int, since: int) -> list[int] | None:
        """`axes` as an attribute before opset `since`, as input `index` from it on."""
        return self.ints_attr("axes") if self.opset < since else self.static_ints(index, "axes")

    # ---- emitting

    def ssa(self, value: Value) -> SSAValue:
        return self.pool.ssa(value)

    def emit(self, op: Operation) -> SSAValue:
        self.pool.block.add_op(op)
        return op.results[0]

    def foldable(self) -> bool:
        present = [v for v in self.inputs if v is not None]
        return bool(present) and all(isinstance(v, np.ndarray) for v in present) and self.node.op_type not in _NEVER_FOLD

    def fold(self) -> list[Value]:
        """The node evaluated at import by onnx's reference implementation (all its inputs are constants)."""
        feeds = {name: value for name, value in zip(self.node.input, self.inputs, strict=True) if name}
        results = ReferenceEvaluator(self.node, opsets={"": self.opset}).run(None, feeds)
        return [np.asarray(r) for r in results]


def shape_of(value: Value) -> tuple[int, ...]:
    if isinstance(value, np.ndarray):
        return value.shape
    return tuple(cast(builtin.TensorType, value.type).get_shape())


def dtype_of(value: Value) -> np.dtype:
    if isinstance(value, np.ndarray):
        return value.dtype
    return numpy_dtype(cast(builtin.TensorType, value.type).element_type)


def scalar(number: float, like: Value) -> np.ndarray:
    """A 0-d constant of `like`'s element type."""
    return np.asarray(number, dtype=dtype_of(like))


def binary(ctx: NodeContext, op_type: type[ew.BinaryBroadcastOp], lhs: Value, rhs: Value) -> SSAValue:
    return ctx.emit(op_type(ctx.ssa(lhs), ctx.ssa(rhs)))


def reshape(ctx: NodeContext, value: Value, dims: Sequence[int]) -> Value:
    if isinstance(value, np.ndarray):
        return value.reshape(dims)
    return ctx.emit(shape.ReshapeOp(value, list(dims)))


def transpose(ctx: NodeContext, value: Value, perm: Sequence[int] | None = None) -> Value:
    if isinstance(value, np.ndarray):
        return np.transpose(value, perm)
    return ctx.emit(shape.TransposeOp(value, perm))


# ---- elementwise
