"""Reductions over a list of axes (empty: all), keeping reduced dims as 1 unless keepdims is false (ONNX's default)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

import numpy as np
from xdsl.dialects import builtin
from xdsl.ir import SSAValue
from xdsl.irdl import irdl_op_definition, operand_def, opt_prop_def, result_def, traits_def
from xdsl.traits import Pure
from xdsl.utils.exceptions import VerifyException

from tessel.dialects.graph.base import GraphOp, OpPatternKind, int_list, normalize_axis, tensor_type
from tessel.dialects.graph.nn import I64Array, inferred, optional_ints, properties_of, ranked, wide


class ReduceOp(GraphOp):
    """Reduces `input` over `axes` (default: all) with keepdims (default true)."""

    PATTERN_KIND: ClassVar[OpPatternKind] = OpPatternKind.COMM_REDUCE
    input = operand_def(builtin.TensorType)
    result = result_def(builtin.TensorType)
    axes = opt_prop_def(I64Array)
    keepdims = opt_prop_def(builtin.BoolAttr)
    traits = traits_def(Pure())

    def __init__(self, input: SSAValue, axes: Sequence[int] | None = None, keepdims: bool | None = None):
        properties = properties_of(
            axes=optional_ints(axes), keepdims=None if keepdims is None else builtin.BoolAttr.from_bool(keepdims)
        )
        super().__init__(operands=[input], result_types=inferred(type(self), [input], properties), properties=properties)

    def keepdims_value(self) -> bool:
        return True if self.keepdims is None else bool(self.keepdims.value.data)

    def axes_value(self) -> tuple[int, ...]:
        """The reduced axes, non-negative and sorted; all of them when `axes` is empty or absent."""
        rank = len(ranked(self.name, "input", self.input))
        given = int_list(self.axes)
        axes = tuple(sorted(normalize_axis(axis, rank, f"{self.name}: axis") for axis in given))
        if len(set(axes)) != len(axes):
            raise VerifyException(f"{self.name}: expected distinct axes, got {given}")
        return axes or tuple(range(rank))

    def infer_result_types(self) -> list[builtin.TensorType]:
        shape = ranked(self.name, "input", self.input)
        axes = self.axes_value()
        if self.keepdims_value():
            result = tuple(1 if dim in axes else size for dim, size in enumerate(shape))
        else:
            result = tuple(size for dim, size in enumerate(shape) if dim not in axes)
        return [builtin.TensorType(tensor_type(self.input.type, self.name).element_type, result)]

    def evaluate(self, *inputs: np.ndarray) -> tuple[np.ndarray, ...]:
        (x,) = inputs
        y = self.reduce(x, self.axes_value(), self.keepdims_value())
        return (np.asarray(y).astype(x.dtype),)

    def reduce(self, x: np.ndarray, axes: tuple[int, ...], keepdims: bool) -> np.ndarray:
        raise NotImplementedError


@irdl_op_definition
class ReduceSumOp(ReduceOp):
    name = "graph.reduce_sum"

    def reduce(self, x: np.ndarray, axes: tuple[int, ...], keepdims: bool) -> np.ndarray:
        return wide(x).sum(axis=axes, keepdims=keepdims)


@irdl_op_definition
class ReduceMeanOp(ReduceOp):
    name = "graph.reduce_mean"

    def reduce(self, x: np.ndarray, axes: tuple[int, ...], keepdims: bool) -> np.ndarray:
        return x.astype(np.float64).mean(axis=axes, keepdims=keepdims)


@irdl_op_definition
class ReduceMaxOp(ReduceOp):
    name = "graph.reduce_max"

    def reduce(self, x: np.ndarray, axes: tuple[int, ...], keepdims: bool) -> np.ndarray:
        return x.max(axis=axes, keepdims=keepdims)


REDUCE_OPS = (ReduceSumOp, ReduceMeanOp, ReduceMaxOp)
