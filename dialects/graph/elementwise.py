"""Elementwise graph ops: activations and math on one tensor, and binary ops with NumPy broadcasting."""

from __future__ import annotations

import math
from typing import ClassVar

import numpy as np
from xdsl.dialects import builtin
from xdsl.ir import SSAValue
from xdsl.irdl import irdl_op_definition, operand_def, opt_prop_def, result_def, traits_def
from xdsl.traits import Pure
from xdsl.utils.exceptions import VerifyException

from tessel.dialects.graph.base import GraphOp, OpPatternKind, broadcast_shapes, shape_of, tensor_type

_erf = np.vectorize(math.erf, otypes=[np.float64])


class UnaryElementwiseOp(GraphOp):
    """y[i] = f(x[i]); the result has the input's type. Float parameters are keyword arguments."""

    PATTERN_KIND: ClassVar[OpPatternKind] = OpPatternKind.ELEMWISE
    input = operand_def(builtin.TensorType)
    result = result_def(builtin.TensorType)
    traits = traits_def(Pure())

    def __init__(self, input: SSAValue, **properties: float | None):
        given = {k: builtin.FloatAttr(float(v), builtin.f64) for k, v in properties.items() if v is not None}
        super().__init__(operands=[input], result_types=[input.type], properties=given)

    def infer_result_types(self) -> list[builtin.TensorType]:
        return [tensor_type(self.input.type, self.name)]

    def evaluate(self, *inputs: np.ndarray) -> tuple[np.ndarray, ...]:
        (x,) = inputs
        return (np.asarray(self.apply(x)).astype(x.dtype, copy=False),)

    def apply(self, x: np.ndarray) -> np.ndarray:
        raise NotImplementedError


@irdl_op_definition
class ReluOp(UnaryElementwiseOp):
    """max(x, 0)."""

    name = "graph.relu"

    def apply(self, x: np.ndarray) -> np.ndarray:
        return np.maximum(x, 0)


@irdl_op_definition
class SigmoidOp(UnaryElementwiseOp):
    """1 / (1 + exp(-x))."""

    name = "graph.sigmoid"

    def apply(self, x: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-x.astype(np.float64)))


@irdl_op_definition
class TanhOp(UnaryElementwiseOp):
    name = "graph.tanh"

    def apply(self, x: np.ndarray) -> np.ndarray:
        return np.tanh(x)


@irdl_op_definition
class ExpOp(UnaryElementwiseOp):
    name = "graph.exp"

    def apply(self, x: np.ndarray) -> np.ndarray:
        return np.exp(x)


@irdl_op_definition
class LogOp(UnaryElementwiseOp):
    name = "graph.log"

    def apply(self, x: np.ndarray) -> np.ndarray:
        return np.log(x)


@irdl_op_definition
class SqrtOp(UnaryElementwiseOp):
    name = "graph.sqrt"

    def apply(self, x: np.ndarray) -> np.ndarray:
        return np.sqrt(x)


@irdl_op_definition
class ErfOp(UnaryElementwiseOp):
    name = "graph.erf"

    def apply(self, x: np.ndarray) -> np.ndarray:
        return _erf(x)


@irdl_op_definition
class GeluOp(UnaryElementwiseOp):
    """x * Phi(x), the exact (erf) form ONNX and TVM use."""

    name = "graph.gelu"

    def apply(self, x: np.ndarray) -> np.ndarray:
        return 0.5 * x * (1.0 + _erf(x / math.sqrt(2.0)))


@irdl_op_definition
class LeakyReluOp(UnaryElementwiseOp):
    """x if x >= 0 else alpha * x (alpha defaults to 0.01)."""

    name = "graph.leaky_relu"
    alpha = opt_prop_def(builtin.FloatAttr)

    def apply(self, x: np.ndarray) -> np.ndarray:
        alpha = self.alpha.value.data if self.alpha is not None else 0.01
        return np.where(x >= 0, x, alpha * x)


@irdl_op_definition
class ClipOp(UnaryElementwiseOp):
    """min(max(x, min), max); a missing bound does not clip."""

    name = "graph.clip"
    min = opt_prop_def(builtin.FloatAttr)
    max = opt_prop_def(builtin.FloatAttr)

    def verify_(self) -> None:
        super().verify_()
        if self.min is not None and self.max is not None and self.min.value.data > self.max.value.data:
            raise VerifyException(f"graph.clip: min {self.min.value.data} is greater than max {self.max.value.data}")

    def apply(self, x: np.ndarray) -> np.ndarray:
        low = self.min.value.data if self.min is not None else None
        high = self.max.value.data if self.max is not None else None
        return np.clip(x, low, high)


class BinaryBroadcastOp(GraphOp):
    """z = f(x, y) with NumPy broadcasting; both operands share an element type."""

    PATTERN_KIND: ClassVar[OpPatternKind] = OpPatternKind.BROADCAST
    lhs = operand_def(builtin.TensorType)
    rhs = operand_def(builtin.TensorType)
    result = result_def(builtin.TensorType)
    traits = traits_def(Pure())

    def __init__(self, lhs: SSAValue, rhs: SSAValue):
        super().__init__(operands=[lhs, rhs], result_types=[_broadcast_type(self.name, lhs.type, rhs.type)])

    def infer_result_types(self) -> list[builtin.TensorType]:
        return [_broadcast_type(self.name, self.lhs.type, self.rhs.type)]

    def evaluate(self, *inputs: np.ndarray) -> tuple[np.ndarray, ...]:
        x, y = inputs
        return (np.asarray(self.apply(x, y)).astype(x.dtype, copy=False),)

    def apply(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        raise NotImplementedError


def _broadcast_type(name: str, lhs: builtin.Attribute, rhs: builtin.Attribute) -> builtin.TensorType:
    lhs_type, rhs_type = tensor_type(lhs, name), tensor_type(rhs, name)
    if lhs_type.element_type != rhs_type.element_type:
        raise VerifyException(f"{name}: element types differ: {lhs_type.element_type} vs {rhs_type.element_type}")
    shape = broadcast_shapes(shape_of(lhs_type, name), shape_of(rhs_type, name), name)
    return builtin.TensorType(lhs_type.element_type, shape)


@irdl_op_definition
class AddOp(BinaryBroadcastOp):
    name = "graph.add"

    def apply(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        return x + y


@irdl_op_definition
class SubOp(BinaryBroadcastOp):
    name = "graph.sub"

    def apply(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        return x - y


@irdl_op_definition
class MulOp(BinaryBroadcastOp):
    name = "graph.mul"

    def apply(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        return x * y


@irdl_op_definition
class DivOp(BinaryBroadcastOp):
    """x / y; integer tensors divide truncating toward zero, as ONNX does."""

    name = "graph.div"

    def apply(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        if np.issubdtype(x.dtype, np.integer):
            return np.trunc(x / y)
        return x / y


@irdl_op_definition
class PowOp(BinaryBroadcastOp):
    name = "graph.pow"

    def apply(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        return np.power(x, y)


@irdl_op_definition
class MaxOp(BinaryBroadcastOp):
    name = "graph.max"

    def apply(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        return np.maximum(x, y)


@irdl_op_definition
class MinOp(BinaryBroadcastOp):
    name = "graph.min"

    def apply(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        return np.minimum(x, y)


ELEMENTWISE_OPS = (
    ReluOp,
    SigmoidOp,
    TanhOp,
    ExpOp,
    LogOp,
    SqrtOp,
    ErfOp,
    GeluOp,
    LeakyReluOp,
    ClipOp,
    AddOp,
    SubOp,
    MulOp,
    DivOp,
    PowOp,
    MaxOp,
    MinOp,
)
