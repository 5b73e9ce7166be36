"""Data-movement graph ops with ONNX semantics: concat, split, slice, pad, gather, cast, where."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar, cast

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
    var_operand_def,
    var_result_def,
)
from xdsl.traits import Pure
from xdsl.utils.exceptions import VerifyException

from tessel.dialects.graph.base import (
    GraphOp,
    OpPatternKind,
    broadcast_shapes,
    int_list,
    normalize_axes,
    normalize_axis,
    shape_of,
    tensor_type,
)
from tessel.dialects.graph.dtypes import numpy_dtype
from tessel.dialects.graph.shape import IntArray, ShapeOp, int_or_default, tensor_and_shape
from tessel.dialects.int_arrays import int_array


def concat_type(name: str, input_types: Sequence[Attribute], axis: int) -> builtin.TensorType:
    if not input_types:
        raise VerifyException(f"{name}: expected at least one operand")
    first, first_dims = tensor_and_shape(name, input_types[0])
    axis = normalize_axis(axis, len(first_dims), f"{name}: axis")
    total = 0
    for index, input_type in enumerate(input_types):
        tensor, dims = tensor_and_shape(name, input_type)
        if tensor.element_type != first.element_type:
            raise VerifyException(
                f"{name}: operand {index} has element type {tensor.element_type}, expected {first.element_type}"
            )
        if len(dims) != len(first_dims):
            raise VerifyException(f"{name}: operand {index} has rank {len(dims)}, expected {len(first_dims)}")
        for dim, (size, expected) in enumerate(zip(dims, first_dims, strict=True)):
            if dim != axis and size != expected:
                raise VerifyException(f"{name}: operand {index} has size {size} in dimension {dim}, expected {expected}")
        total += dims[axis]
    return builtin.TensorType(first.element_type, [total if i == axis else d for i, d in enumerate(first_dims)])


@irdl_op_definition
class ConcatOp(GraphOp):
    """The operands joined along `axis`; all other dimensions agree."""

    PATTERN_KIND: ClassVar[OpPatternKind] = OpPatternKind.INJECTIVE
    name = "graph.concat"
    inputs = var_operand_def(builtin.TensorType)
    result = result_def(builtin.TensorType)
    axis = prop_def(builtin.IntegerAttr)
    traits = traits_def(Pure())

    def __init__(self, inputs: Sequence[SSAValue], axis: int):
        super().__init__(
            operands=[list(inputs)],
            result_types=[concat_type(self.name, [i.type for i in inputs], axis)],
            properties={"axis": builtin.IntegerAttr(axis, builtin.i64)},
        )

    def infer_result_types(self) -> list[builtin.TensorType]:
        return [concat_type(self.name, [i.type for i in self.inputs], self.axis.value.data)]

    def evaluate(self, *inputs: np.ndarray) -> tuple[np.ndarray, ...]:
        return (np.concatenate(inputs, axis=self.axis.value.data),)


def split_types(name: str, input_type: Attribute, axis: int, sizes: Sequence[int]) -> list[builtin.TensorType]:
    tensor, dims = tensor_and_shape(name, input_type)
    axis = normalize_axis(axis, len(dims), f"{name}: axis")
    if not sizes or any(s < 0 for s in sizes) or sum(sizes) != dims[axis]:
        raise VerifyException(f"{name}: sizes {list(sizes)} must be non-negative and sum to {dims[axis]} (dimension {axis})")
    return [builtin.TensorType(tensor.element_type, [s if i == axis else d for i, d in enumerate(dims)]) for s in sizes]


def equal_sizes(name: str, input_type: Attribute, axis: int, count: int) -> list[int]:
    """ONNX Split without sizes: `count` equal parts (the last one smaller if they do not divide)."""
    dims = shape_of(input_type, name)
    size = dims[normalize_axis(axis, len(dims), f"{name}: axis")]
    if count < 1:
        raise VerifyException(f"{name}: expected at least one result")
    part = -(-size // count)
    return [max(0, min(part, size - i * part)) for i in range(count)]


@irdl_op_definition
class SplitOp(GraphOp):
    """Consecutive pieces of the input along `axis`, of `sizes` (default: equal parts, one per result)."""

    PATTERN_KIND: ClassVar[OpPatternKind] = OpPatternKind.INJECTIVE
    name = "graph.split"
    input = operand_def(builtin.TensorType)
    outputs = var_result_def(builtin.TensorType)
    axis = opt_prop_def(builtin.IntegerAttr)
    sizes = opt_prop_def(IntArray)
    traits = traits_def(Pure())

    def __init__(self, input: SSAValue, sizes: Sequence[int] | None = None, axis: int = 0, num_outputs: int | None = None):
        if sizes is None:
            if num_outputs is None:
                raise ValueError("graph.split: give sizes or num_outputs")
            sizes = equal_sizes(self.name, input.type, axis, num_outputs)
        super().__init__(
            operands=[input],
            result_types=[split_types(self.name, input.type, axis, sizes)],
            properties={"axis": builtin.IntegerAttr(axis, builtin.i64), "sizes": int_array(sizes)},
        )

    def split_sizes(self) -> list[int]:
        if self.sizes is not None:
            return int_list(self.sizes)
        return equal_sizes(self.name, self.input.type, int_or_default(self.axis, 0), len(self.outputs))

    def infer_result_types(self) -> list[builtin.TensorType]:
        return split_types(self.name, self.input.type, int_or_default(self.axis, 0), self.split_sizes())

    def evaluate(self, *inputs: np.ndarray) -> tuple[np.ndarray, ...]:
        boundaries = np.cumsum(self.split_sizes())[:-1]
        return tuple(np.split(inputs[0], boundaries, axis=int_or_default(self.axis, 0)))


# ---- slice, pad


def slice_bounds(
    name: str,
    dims: Sequence[int],
    starts: Sequence[int],
    ends: Sequence[int],
    axes: Sequence[int] | None,
    steps: Sequence[int] | None,
) -> list[slice]:
    """ONNX Slice: one Python slice per dimension, after negative-index adjustment and clamping."""
    axes = list(range(len(starts))) if axes is None else list(axes)
    steps = [1] * len(starts) if steps is None else list(steps)
    if not len(starts) == len(ends) == len(axes) == len(steps):
        raise VerifyException(
            f"{name}: starts, ends, axes and steps must have one entry per sliced axis, "
            f"got {len(starts)}, {len(ends)}, {len(axes)} and {len(steps)}"
        )
    bounds = [slice(None)] * len(dims)
    for axis, start, end, step in zip(normalize_axes(axes, len(dims), f"{name}: axes"), starts, ends, steps, strict=True):
        size = dims[axis]
        if step == 0:
            raise VerifyException(f"{name}: step for axis {axis} must not be 0")
        start = start + size if start < 0 else start
        end = end + size if end < 0 else end
        if step > 0:
            start, end = min(max(start, 0), size), min(max(end, 0), size)
            bounds[axis] = slice(start, end, step)
        else:
            start, end = min(max(start, 0), size - 1), min(max(end, -1), size - 1)
            bounds[axis] = slice(start, end if end >= 0 else None, step)
    return bounds


def slice_type(
    name: str,
    input_type: Attribute,
    starts: Sequence[int],
    ends: Sequence[int],
    axes: Sequence[int] | None,
    steps: Sequence[int] | None,
) -> builtin.TensorType:
    tensor, dims = tensor_and_shape(name, input_type)
    bounds = slice_bounds(name, dims, starts, ends, axes, steps)
    return builtin.TensorType(tensor.element_type, [len(range(*b.indices(d))) for d, b in zip(dims, bounds, strict=True)])


@irdl_op_definition
class SliceOp(ShapeOp):
    """ONNX Slice: x[starts:ends:steps] along `axes` (default 0..n-1), negative indices and clamping included."""

    name = "graph.slice"
    starts = prop_def(IntArray)
    ends = prop_def(IntArray)
    axes = opt_prop_def(IntArray)
    steps = opt_prop_def(IntArray)

    def __init__(
        self,
        input: SSAValue,
        starts: Sequence[int],
        ends: Sequence[int],
        axes: Sequence[int] | None = None,
        steps: Sequence[int] | None = None,
    ):
        properties: dict[str, Attribute] = {"starts": int_array(starts), "ends": int_array(ends)}
        if axes is not None:
            properties["axes"] = int_array(axes)
        if steps is not None:
            properties["steps"] = int_array(steps)
        result_type = slice_type(self.name, input.type, starts, ends, axes, steps)
        super().__init__(operands=[input], result_types=[result_type], properties=properties)

    def bounds(self) -> list[slice]:
        return slice_bounds(
            self.name,
            shape_of(self.input.type, self.name),
            int_list(self.starts),
            int_list(self.ends),
            None if self.axes is None else int_list(self.axes),
            None if self.steps is None else int_list(self.steps),
        )

    def infer_result_types(self) -> list[builtin.TensorType]:
        return [
            slice_type(
                self.name,
                self.input.type,
                int_list(self.starts),
                int_list(self.ends),
                None if self.axes is None else int_list(self.axes),
                None if self.steps is None else int_list(self.steps),
            )
        ]

    def evaluate(self, *inputs: np.ndarray) -> tuple[np.ndarray, ...]:
        return (inputs[0][tuple(self.bounds())],)


def pad_type(name: str, input_type: Attribute, pads: Sequence[int], mode: str) -> builtin.TensorType:
    tensor, dims = tensor_and_shape(name, input_type)
    if mode != "constant":
        raise VerifyException(f'{name}: mode "{mode}" is not supported, expected "constant"')
    if len(pads) != 2 * len(dims):
        raise VerifyException(f"{name}: pads {list(pads)} must have 2 * rank = {2 * len(dims)} entries")
    shape = [d + pads[i] + pads[i + len(dims)] for i, d in enumerate(dims)]
    if any(d < 0 for d in shape):
        raise VerifyException(f"{name}: pads {list(pads)} crop more than the input {list(dims)} has")
    return builtin.TensorType(tensor.element_type, shape)


@irdl_op_definition
class PadOp(ShapeOp):
    """ONNX Pad, constant mode: pads = [x1_begin, x2_begin, ..., x1_end, x2_end, ...]; negative pads crop."""

    name = "graph.pad"
    pads = prop_def(IntArray)
    mode = opt_prop_def(builtin.StringAttr)
    value = opt_prop_def(builtin.FloatAttr)

    def __init__(self, input: SSAValue, pads: Sequence[int], value: float = 0.0, mode: str = "constant"):
        properties: dict[str, Attribute] = {"pads": int_array(pads)}
        if mode != "constant":
            properties["mode"] = builtin.StringAttr(mode)
        if value != 0.0:
            properties["value"] = builtin.FloatAttr(value, builtin.f64)
        super().__init__(operands=[input], result_types=[pad_type(self.name, input.type, pads, mode)], properties=properties)

    def pad_mode(self) -> str:
        return "constant" if self.mode is None else self.mode.data

    def pad_value(self) -> float:
        return 0.0 if self.value is None else self.value.value.data

    def infer_result_types(self) -> list[builtin.TensorType]:
        return [pad_type(self.name, self.input.type, int_list(self.pads), self.pad_mode())]

    def evaluate(self, *inputs: np.ndarray) -> tuple[np.ndarray, ...]:
        (x,) = inputs
        pads = int_list(self.pads)
        rank = x.ndim
        crop = tuple(slice(-min(pads[i], 0), x.shape[i] + min(pads[i + rank], 0)) for i in range(rank))
        widths = [(max(pads[i], 0), max(pads[i + rank], 0)) for i in range(rank)]
        padded = np.pad(x[crop], widths, mode="constant", constant_values=np.asarray(self.pad_value()).astype(x.dtype))
        return (padded,)


# ---- gather, cast, where


def gather_type(name: str, data_type: Attribute, indices_type: Attribute, axis: int) -> builtin.TensorType:
    data, dims = tensor_and_shape(name, data_type)
    indices, index_dims = tensor_and_shape(name, indices_type)
    if not isinstance(indices.element_type, builtin.IntegerType | builtin.IndexType):
        raise VerifyException(f"{name}: indices must be an integer tensor, got {indices}")
    axis = normalize_axis(axis, len(dims), f"{name}: axis")
    return builtin.TensorType(data.element_type, [*dims[:axis], *index_dims, *dims[axis + 1 :]])


@irdl_op_definition
class GatherOp(GraphOp):
    """ONNX Gather: data's slices along `axis` picked by integer indices (negative ones count from the back)."""

    PATTERN_KIND: ClassVar[OpPatternKind] = OpPatternKind.INJECTIVE
    name = "graph.gather"
    data = operand_def(builtin.TensorType)
    indices = operand_def(builtin.TensorType)
    result = result_def(builtin.TensorType)
    axis = opt_prop_def(builtin.IntegerAttr)
    traits = traits_def(Pure())

    def __init__(self, data: SSAValue, indices: SSAValue, axis: int = 0):
        super().__init__(
            operands=[data, indices],
            result_types=[gather_type(self.name, data.type, indices.type, axis)],
            properties={"axis": builtin.IntegerAttr(axis, builtin.i64)},
        )

    def infer_result_types(self) -> list[builtin.TensorType]:
        return [gather_type(self.name, self.data.type, self.indices.type, int_or_default(self.axis, 0))]

    def evaluate(self, *inputs: np.ndarray) -> tuple[np.ndarray, ...]:
        data, indices = inputs
        return (np.take(data, indices.astype(np.int64), axis=int_or_default(self.axis, 0)),)


@irdl_op_definition
class CastOp(GraphOp):
    """Each element converted to the result's element type (floats to integers truncate toward zero)."""

    PATTERN_KIND: ClassVar[OpPatternKind] = OpPatternKind.ELEMWISE
    name = "graph.cast"
    input = operand_def(builtin.TensorType)
    result = result_def(builtin.TensorType)
    traits = traits_def(Pure())

    def __init__(self, input: SSAValue, to: Attribute):
        shape = shape_of(input.type, self.name)
        super().__init__(operands=[input], result_types=[builtin.TensorType(to, shape)])

    def infer_result_types(self) -> list[builtin.TensorType]:
        result = tensor_type(self.result.type, f"{self.name}: result")
        return [builtin.TensorType(result.element_type, shape_of(self.input.type, self.name))]

    def evaluate(self, *inputs: np.ndarray) -> tuple[np.ndarray, ...]:
        result = cast(builtin.TensorType, self.result.type)
        return (inputs[0].astype(numpy_dtype(result.element_type)),)


def where_type(name: str, condition: Attribute, x: Attribute, y: Attribute) -> builtin.TensorType:
    condition_type, x_type, y_type = (tensor_type(t, name) for t in (condition, x, y))
    if condition_type.element_type != builtin.i1:
        raise VerifyException(f"{name}: condition must be a tensor of i1, got {condition_type}")
    if x_type.element_type != y_type.element_type:
        raise VerifyException(f"{name}: element types differ: {x_type.element_type} vs {y_type.element_type}")
    shape = broadcast_shapes(shape_of(x_type, name), shape_of(y_type, name), name)
    shape = broadcast_shapes(shape_of(condition_type, name), shape, name)
    return builtin.TensorType(x_type.element_type, shape)


@irdl_op_definition
class WhereOp(GraphOp):
    """x where condition else y, all three broadcast together (NumPy rules)."""

    PATTERN_KIND: ClassVar[OpPatternKind] = OpPatternKind.BROADCAST
    name = "graph.where"
    condition = operand_def(builtin.TensorType)
    x = operand_def(builtin.TensorType)
    y = operand_def(builtin.TensorType)
    result = result_def(builtin.TensorType)
    traits = traits_def(Pure())

    def __init__(self, condition: SSAValue, x: SSAValue, y: SSAValue):
        super().__init__(operands=[condition, x, y], result_types=[where_type(self.name, condition.type, x.type, y.type)])

    def infer_result_types(self) -> list[builtin.TensorType]:
        return [where_type(self.name, self.condition.type, self.x.type, self.y.type)]

    def evaluate(self, *inputs: np.ndarray) -> tuple[np.ndarray, ...]:
        condition, x, y = inputs
        return (np.where(condition.astype(bool), x, y),)


# ---- constant


MOVEMENT_OPS: tuple[type[GraphOp], ...] = (ConcatOp, SplitOp, SliceOp, PadOp, GatherOp, CastOp, WhereOp)
"""Ops that select, combine or convert elements."""
