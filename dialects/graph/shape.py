"""Shape and data-movement graph ops with ONNX semantics: reshape, transpose, concat, slice, pad, gather, ...

Each op's result type follows from its operand types and properties; builders infer it.
Axes may be negative (counted from the back) wherever ONNX allows it; a permutation may not.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import ClassVar

import numpy as np
from xdsl.dialects import builtin
from xdsl.ir import Attribute, SSAValue
from xdsl.irdl import (
    irdl_op_definition,
    operand_def,
    opt_prop_def,
    prop_def,
    result_def,
    traits_def,
)
from xdsl.traits import Pure
from xdsl.utils.exceptions import VerifyException

from tessel.dialects.graph.base import (
    GraphOp,
    OpPatternKind,
    int_list,
    normalize_axes,
    normalize_axis,
    shape_of,
    tensor_type,
)
from tessel.dialects.int_arrays import int_array

IntArray = builtin.ArrayAttr[builtin.IntegerAttr]


def tensor_and_shape(name: str, value: Attribute) -> tuple[builtin.TensorType, tuple[int, ...]]:
    return tensor_type(value, name), shape_of(value, name)


def int_or_default(attr: builtin.IntegerAttr | None, default: int) -> int:
    return default if attr is None else attr.value.data


class ShapeOp(GraphOp):
    """One tensor in, one tensor out, elements only moved: ONNX's injective ops."""

    PATTERN_KIND: ClassVar[OpPatternKind] = OpPatternKind.INJECTIVE
    input = operand_def(builtin.TensorType)
    result = result_def(builtin.TensorType)
    traits = traits_def(Pure())


# ---- reshape, flatten


def reshape_type(name: str, input_type: Attribute, shape: Sequence[int]) -> builtin.TensorType:
    tensor, dims = tensor_and_shape(name, input_type)
    if any(d < 0 for d in shape):
        raise VerifyException(f"{name}: shape {list(shape)} must be static (no negative dimensions)")
    if math.prod(shape) != math.prod(dims):
        raise VerifyException(
            f"{name}: shape {list(shape)} has {math.prod(shape)} elements, the input {list(dims)} has {math.prod(dims)}"
        )
    return builtin.TensorType(tensor.element_type, shape)


def resolve_onnx_shape(dims: Sequence[int], shape: Sequence[int], allowzero: bool = False) -> list[int]:
    """ONNX Reshape's target shape made static: 0 copies the input dimension (unless `allowzero`), one -1 takes the rest."""
    resolved = [dims[i] if d == 0 and i < len(dims) and not allowzero else d for i, d in enumerate(shape)]
    if resolved.count(-1) > 1:
        raise VerifyException(f"graph.reshape: shape {list(shape)} has more than one -1")
    if -1 in resolved:
        known = math.prod(d for d in resolved if d != -1)
        total = math.prod(dims)
        if known == 0 or total % known:
            raise VerifyException(f"graph.reshape: cannot infer the -1 in {list(shape)} for input shape {list(dims)}")
        resolved[resolved.index(-1)] = total // known
    return resolved


@irdl_op_definition
class ReshapeOp(ShapeOp):
    """The input's elements, in row-major order, in the static `shape`."""

    name = "graph.reshape"
    shape = prop_def(IntArray)

    def __init__(self, input: SSAValue, shape: Sequence[int], allowzero: bool = False):
        """`shape` as ONNX Reshape reads it (0 and -1 resolved here); the op stores the static result."""
        static = resolve_onnx_shape(shape_of(input.type, self.name), shape, allowzero)
        super().__init__(
            operands=[input],
            result_types=[reshape_type(self.name, input.type, static)],
            properties={"shape": int_array(static)},
        )

    def infer_result_types(self) -> list[builtin.TensorType]:
        return [reshape_type(self.name, self.input.type, int_list(self.shape))]

    def evaluate(self, *inputs: np.ndarray) -> tuple[np.ndarray, ...]:
        return (inputs[0].reshape(int_list(self.shape)),)


def flatten_type(name: str, input_type: Attribute, axis: int) -> builtin.TensorType:
    tensor, dims = tensor_and_shape(name, input_type)
    axis = normalize_axis(axis, len(dims), f"{name}: axis", inclusive=True)
    return builtin.TensorType(tensor.element_type, [math.prod(dims[:axis]), math.prod(dims[axis:])])


@irdl_op_definition
class FlattenOp(ShapeOp):
    """ONNX Flatten: a 2-D tensor of dims[:axis] by dims[axis:] (axis defaults to 1)."""

    name = "graph.flatten"
    axis = opt_prop_def(builtin.IntegerAttr)

    def __init__(self, input: SSAValue, axis: int = 1):
        super().__init__(
            operands=[input],
            result_types=[flatten_type(self.name, input.type, axis)],
            properties={"axis": builtin.IntegerAttr(axis, builtin.i64)},
        )

    def infer_result_types(self) -> list[builtin.TensorType]:
        return [flatten_type(self.name, self.input.type, int_or_default(self.axis, 1))]

    def evaluate(self, *inputs: np.ndarray) -> tuple[np.ndarray, ...]:
        return (inputs[0].reshape(self.result.type.get_shape()),)  # pyright: ignore[reportAttributeAccessIssue]


# ---- transpose, squeeze, unsqueeze


def transpose_type(name: str, input_type: Attribute, perm: Sequence[int] | None) -> builtin.TensorType:
    tensor, dims = tensor_and_shape(name, input_type)
    perm = list(reversed(range(len(dims)))) if perm is None else list(perm)
    if sorted(perm) != list(range(len(dims))):
        raise VerifyException(f"{name}: perm {perm} is not a permutation of {list(range(len(dims)))}")
    return builtin.TensorType(tensor.element_type, [dims[p] for p in perm])


@irdl_op_definition
class TransposeOp(ShapeOp):
    """y.shape[i] = x.shape[perm[i]]; perm defaults to reversing the dimensions."""

    name = "graph.transpose"
    perm = opt_prop_def(IntArray)

    def __init__(self, input: SSAValue, perm: Sequence[int] | None = None):
        super().__init__(
            operands=[input],
            result_types=[transpose_type(self.name, input.type, perm)],
            properties={} if perm is None else {"perm": int_array(perm)},
        )

    def permutation(self) -> list[int] | None:
        return None if self.perm is None else int_list(self.perm)

    def infer_result_types(self) -> list[builtin.TensorType]:
        return [transpose_type(self.name, self.input.type, self.permutation())]

    def evaluate(self, *inputs: np.ndarray) -> tuple[np.ndarray, ...]:
        return (np.transpose(inputs[0], self.permutation()),)


def squeeze_type(name: str, input_type: Attribute, axes: Sequence[int] | None) -> builtin.TensorType:
    tensor, dims = tensor_and_shape(name, input_type)
    if axes is None:
        return builtin.TensorType(tensor.element_type, [d for d in dims if d != 1])
    normalized = normalize_axes(axes, len(dims), f"{name}: axes")
    for axis in normalized:
        if dims[axis] != 1:
            raise VerifyException(f"{name}: axis {axis} has size {dims[axis]}, expected 1")
    return builtin.TensorType(tensor.element_type, [d for i, d in enumerate(dims) if i not in normalized])


@irdl_op_definition
class SqueezeOp(ShapeOp):
    """Removes the size-1 dimensions `axes` (all of them if `axes` is absent)."""

    name = "graph.squeeze"
    axes = opt_prop_def(IntArray)

    def __init__(self, input: SSAValue, axes: Sequence[int] | None = None):
        super().__init__(
            operands=[input],
            result_types=[squeeze_type(self.name, input.type, axes)],
            properties={} if axes is None else {"axes": int_array(axes)},
        )

    def infer_result_types(self) -> list[builtin.TensorType]:
        return [squeeze_type(self.name, self.input.type, None if self.axes is None else int_list(self.axes))]

    def evaluate(self, *inputs: np.ndarray) -> tuple[np.ndarray, ...]:
        return (inputs[0].reshape(self.result.type.get_shape()),)  # pyright: ignore[reportAttributeAccessIssue]


def unsqueeze_type(name: str, input_type: Attribute, axes: Sequence[int]) -> builtin.TensorType:
    tensor, dims = tensor_and_shape(name, input_type)
    rank = len(dims) + len(axes)
    normalized = set(normalize_axes(axes, rank, f"{name}: axes"))
    rest = iter(dims)
    return builtin.TensorType(tensor.element_type, [1 if i in normalized else next(rest) for i in range(rank)])


@irdl_op_definition
class UnsqueezeOp(ShapeOp):
    """Inserts size-1 dimensions at `axes`, numbered in the output."""

    name = "graph.unsqueeze"
    axes = prop_def(IntArray)

    def __init__(self, input: SSAValue, axes: Sequence[int]):
        super().__init__(
            operands=[input],
            result_types=[unsqueeze_type(self.name, input.type, axes)],
            properties={"axes": int_array(axes)},
        )

    def infer_result_types(self) -> list[builtin.TensorType]:
        return [unsqueeze_type(self.name, self.input.type, int_list(self.axes))]

    def evaluate(self, *inputs: np.ndarray) -> tuple[np.ndarray, ...]:
        return (inputs[0].reshape(self.result.type.get_shape()),)  # pyright: ignore[reportAttributeAccessIssue]


# ---- concat, split


SHAPE_OPS: tuple[type[GraphOp], ...] = (ReshapeOp, FlattenOp, TransposeOp, SqueezeOp, UnsqueezeOp)
"""Ops that only change a tensor's shape or axis order."""
