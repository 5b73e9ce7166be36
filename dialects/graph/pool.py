"""Pooling graph ops over NCHW data: max and average windows, and the global average."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

import numpy as np
from xdsl.dialects import builtin
from xdsl.ir import SSAValue
from xdsl.irdl import irdl_op_definition, operand_def, opt_prop_def, result_def, traits_def
from xdsl.traits import Pure
from xdsl.utils.exceptions import VerifyException

from tessel.dialects.graph.base import GraphOp, OpPatternKind, shape_of, tensor_type
from tessel.dialects.graph.nn import (
    I64Array,
    checked_ints,
    inferred,
    optional_flag,
    optional_ints,
    properties_of,
    ranked,
    wide,
    window_count,
)
from tessel.dialects.int_arrays import int_array


class Pool2dOp(GraphOp):
    """A 2-D pooling window over NCHW data: kernel, strides (default 1), padding, ceil_mode.

    With ceil_mode a partial last window counts, unless it would start in the bottom/right
    padding (ONNX's and PyTorch's rule).
    """

    PATTERN_KIND: ClassVar[OpPatternKind] = OpPatternKind.OUT_ELEMWISE_FUSABLE
    input = operand_def(builtin.TensorType)
    result = result_def(builtin.TensorType)
    kernel = opt_prop_def(I64Array)
    strides = opt_prop_def(I64Array)
    padding = opt_prop_def(I64Array)
    ceil_mode = opt_prop_def(builtin.UnitAttr)
    traits = traits_def(Pure())

    def __init__(
        self,
        input: SSAValue,
        kernel: Sequence[int],
        strides: Sequence[int] | None = None,
        padding: Sequence[int] | None = None,
        ceil_mode: bool = False,
    ):
        properties = properties_of(
            kernel=int_array(kernel),
            strides=optional_ints(strides),
            padding=optional_ints(padding),
            ceil_mode=optional_flag(ceil_mode),
        )
        super().__init__(operands=[input], result_types=inferred(type(self), [input], properties), properties=properties)

    def params(self) -> tuple[list[int], list[int], list[int]]:
        """kernel, strides, padding, checked."""
        if self.kernel is None:
            raise VerifyException(f"{self.name}: expected a kernel property")
        kernel = checked_ints(self.name, "kernel", self.kernel, (), 2, 1)
        strides = checked_ints(self.name, "strides", self.strides, (1, 1), 2, 1)
        padding = checked_ints(self.name, "padding", self.padding, (0, 0, 0, 0), 4, 0)
        for dim, (what, size) in enumerate((("height", kernel[0]), ("width", kernel[1]))):
            if padding[dim] >= size or padding[dim + 2] >= size:
                raise VerifyException(
                    f"{self.name}: expected {what} padding smaller than kernel {what} {size}, "
                    f"got {padding[dim]}, {padding[dim + 2]}"
                )
        return kernel, strides, padding

    def output_size(self, what: str, size: int, kernel: int, stride: int, before: int, after: int) -> int:
        count = window_count(self.name, what, size, kernel, stride, before, after)
        if self.ceil_mode is not None and (size + before + after - kernel) % stride:
            # The partial window counts only if it starts inside the input or the top/left padding.
            count += 1 if count * stride < size + before else 0
        return count

    def infer_result_types(self) -> list[builtin.TensorType]:
        n, c, h, w = ranked(self.name, "input", self.input, 4)
        kernel, strides, padding = self.params()
        out_h = self.output_size("height", h, kernel[0], strides[0], padding[0], padding[2])
        out_w = self.output_size("width", w, kernel[1], strides[1], padding[1], padding[3])
        return [builtin.TensorType(tensor_type(self.input.type, self.name).element_type, (n, c, out_h, out_w))]

    def windows(self, x: np.ndarray, fill: float | int) -> np.ndarray:
        """[N, C, OH, OW, KH, KW]: each output's window of `x`, padded with `fill` (also past ceil-mode ends)."""
        (kh, kw), (sh, sw), (top, left, bottom, right) = self.params()
        out_h, out_w = shape_of(self.result.type, self.name)[2:]
        # Extra rows/columns at the far end for ceil mode's partial windows.
        bottom = max(bottom, (out_h - 1) * sh + kh - x.shape[2] - top)
        right = max(right, (out_w - 1) * sw + kw - x.shape[3] - left)
        padded = np.pad(x, ((0, 0), (0, 0), (top, bottom), (left, right)), constant_values=fill)
        views = np.lib.stride_tricks.sliding_window_view(padded, (kh, kw), axis=(2, 3))
        return views[:, :, : (out_h - 1) * sh + 1 : sh, : (out_w - 1) * sw + 1 : sw]


@irdl_op_definition
class MaxPool2dOp(Pool2dOp):
    """The maximum of each window; padding never wins."""

    name = "graph.max_pool2d"

    def evaluate(self, *inputs: np.ndarray) -> tuple[np.ndarray, ...]:
        (x,) = inputs
        lowest = -np.inf if np.issubdtype(x.dtype, np.floating) else np.iinfo(x.dtype).min
        return (self.windows(x, lowest).max(axis=(4, 5)).astype(x.dtype),)


@irdl_op_definition
class AvgPool2dOp(Pool2dOp):
    """The mean of each window, over its input pixels, or with `count_include_pad` its padded extent."""

    name = "graph.avg_pool2d"
    count_include_pad = opt_prop_def(builtin.UnitAttr)

    def __init__(
        self,
        input: SSAValue,
        kernel: Sequence[int],
        strides: Sequence[int] | None = None,
        padding: Sequence[int] | None = None,
        ceil_mode: bool = False,
        count_include_pad: bool = False,
    ):
        super().__init__(input, kernel, strides, padding, ceil_mode)
        if count_include_pad:  # does not change the result type
            self.properties["count_include_pad"] = builtin.UnitAttr()

    def evaluate(self, *inputs: np.ndarray) -> tuple[np.ndarray, ...]:
        (x,) = inputs
        (kh, kw), (sh, sw), (top, left, bottom, right) = self.params()
        out_h, out_w = shape_of(self.result.type, self.name)[2:]
        sums = self.windows(wide(x), 0).sum(axis=(4, 5))
        if self.count_include_pad is not None:
            # A window's extent clipped to the explicitly padded input (ceil mode's overhang does not count).
            rows = window_extent(out_h, kh, sh, top, x.shape[2], bottom)
            cols = window_extent(out_w, kw, sw, left, x.shape[3], right)
            counts = np.outer(rows, cols)
        else:
            counts = self.windows(np.ones((1, 1, *x.shape[2:])), 0).sum(axis=(4, 5))
        return ((sums / counts).astype(x.dtype),)


def window_extent(count: int, kernel: int, stride: int, before: int, size: int, after: int) -> np.ndarray:
    """For each of `count` windows, how many of its positions lie within the padded dimension."""
    starts = np.arange(count) * stride - before
    return np.minimum(starts + kernel, size + after) - starts


@irdl_op_definition
class GlobalAvgPool2dOp(GraphOp):
    """The mean over each channel's plane: [N, C, H, W] -> [N, C, 1, 1]."""

    name = "graph.global_avg_pool2d"
    PATTERN_KIND: ClassVar[OpPatternKind] = OpPatternKind.OUT_ELEMWISE_FUSABLE
    input = operand_def(builtin.TensorType)
    result = result_def(builtin.TensorType)
    traits = traits_def(Pure())

    def __init__(self, input: SSAValue):
        super().__init__(operands=[input], result_types=inferred(type(self), [input]))

    def infer_result_types(self) -> list[builtin.TensorType]:
        n, c, _, _ = ranked(self.name, "input", self.input, 4)
        return [builtin.TensorType(tensor_type(self.input.type, self.name).element_type, (n, c, 1, 1))]

    def evaluate(self, *inputs: np.ndarray) -> tuple[np.ndarray, ...]:
        (x,) = inputs
        return (wide(x).mean(axis=(2, 3), keepdims=True).astype(x.dtype),)


POOL_OPS = (MaxPool2dOp, AvgPool2dOp, GlobalAvgPool2dOp)
