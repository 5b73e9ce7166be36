"""Neural-network graph ops (TVM's relay.nn): convolution, dense/matmul, pooling, normalization, softmax.

Layouts are NCHW data and OIHW weights; paddings are [top, left, bottom, right]. Each op
stores only the properties its builder was given; its accessors return the defaults.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

import numpy as np
from xdsl.dialects import builtin
from xdsl.ir import Attribute, SSAValue
from xdsl.irdl import irdl_op_definition, operand_def, opt_operand_def, opt_prop_def, prop_def, result_def, traits_def
from xdsl.traits import Pure
from xdsl.utils.exceptions import VerifyException

from tessel.dialects.graph.base import (
    GraphOp,
    OpPatternKind,
    broadcast_shapes,
    int_list,
    normalize_axis,
    shape_of,
    tensor_type,
)
from tessel.dialects.int_arrays import int_array

I64Array = builtin.ArrayAttr[builtin.IntegerAttr[builtin.I64]]
I64 = builtin.IntegerAttr[builtin.I64]
F64 = builtin.FloatAttr[builtin.Float64Type]


# ---- helpers shared by the ops


def inferred(
    op_type: type[GraphOp], operands: Sequence[SSAValue], properties: dict[str, Attribute] | None = None
) -> list[builtin.TensorType]:
    """The result types an op of `op_type` would infer from `operands` and `properties` (for builders)."""
    # A detached probe op, so inference reads the same accessors verification does.
    probe = op_type.create(operands=operands, result_types=[operands[0].type], properties=properties or {})
    try:
        return probe.infer_result_types()
    finally:
        probe.drop_all_references()


def wide(x: np.ndarray) -> np.ndarray:
    """`x` in float64 (floats) or int64 (integers), the precision the reference semantics compute in."""
    return x.astype(np.float64 if np.issubdtype(x.dtype, np.floating) else np.int64)


def properties_of(**values: Attribute | None) -> dict[str, Attribute]:
    """The given (non-None) properties; defaults stay implicit."""
    return {name: value for name, value in values.items() if value is not None}


def optional_ints(values: Sequence[int] | None) -> Attribute | None:
    return None if values is None else int_array(values)


def optional_int(value: int | None) -> Attribute | None:
    return None if value is None else builtin.IntegerAttr(value, builtin.i64)


def optional_float(value: float | None) -> Attribute | None:
    return None if value is None else builtin.FloatAttr(value, builtin.f64)


def optional_flag(value: bool) -> Attribute | None:
    return builtin.UnitAttr() if value else None


def checked_ints(name: str, what: str, attr: Attribute | None, default: Sequence[int], length: int, minimum: int) -> list[int]:
    """The list property `what` of op `name`, checked to have `length` entries each >= `minimum`."""
    values = int_list(attr, default)
    if len(values) != length:
        raise VerifyException(f"{name}: expected {what} to have {length} entries, got {values}")
    if any(v < minimum for v in values):
        raise VerifyException(f"{name}: expected {what} entries >= {minimum}, got {values}")
    return values


def ranked(name: str, what: str, value: SSAValue, rank: int | None = None, min_rank: int = 0) -> tuple[int, ...]:
    """The static shape of operand `what`, checked to have rank `rank` (or at least `min_rank`)."""
    shape = shape_of(value.type, f"{name} {what}")
    if rank is not None and len(shape) != rank:
        raise VerifyException(f"{name}: expected {what} of rank {rank}, got {value.type}")
    if len(shape) < min_rank:
        raise VerifyException(f"{name}: expected {what} of rank >= {min_rank}, got {value.type}")
    return shape


def same_element_type(name: str, *values: SSAValue) -> Attribute:
    """The element type all of `values` share, or a VerifyException naming the op."""
    types = [tensor_type(v.type, name).element_type for v in values]
    if any(t != types[0] for t in types):
        raise VerifyException(f"{name}: operand element types differ: {', '.join(map(str, types))}")
    return types[0]


# ---- convolution and matrix products


@irdl_op_definition
class Conv2dOp(GraphOp):
    """2-D convolution (cross-correlation), NCHW x OIHW -> NCHW; `groups == C` is depthwise."""

    name = "graph.conv2d"
    PATTERN_KIND: ClassVar[OpPatternKind] = OpPatternKind.OUT_ELEMWISE_FUSABLE
    input = operand_def(builtin.TensorType)
    weight = operand_def(builtin.TensorType)
    result = result_def(builtin.TensorType)
    strides = opt_prop_def(I64Array)
    padding = opt_prop_def(I64Array)
    dilation = opt_prop_def(I64Array)
    groups = opt_prop_def(I64)
    traits = traits_def(Pure())

    def __init__(
        self,
        input: SSAValue,
        weight: SSAValue,
        strides: Sequence[int] | None = None,
        padding: Sequence[int] | None = None,
        dilation: Sequence[int] | None = None,
        groups: int | None = None,
    ):
        properties = properties_of(
            strides=optional_ints(strides),
            padding=optional_ints(padding),
            dilation=optional_ints(dilation),
            groups=optional_int(groups),
        )
        super().__init__(
            operands=[input, weight], result_types=inferred(type(self), [input, weight], properties), properties=properties
        )

    def params(self) -> tuple[list[int], list[int], list[int], int]:
        """strides, padding, dilation, groups, with defaults and range checks."""
        strides = checked_ints(self.name, "strides", self.strides, (1, 1), 2, 1)
        padding = checked_ints(self.name, "padding", self.padding, (0, 0, 0, 0), 4, 0)
        dilation = checked_ints(self.name, "dilation", self.dilation, (1, 1), 2, 1)
        groups = 1 if self.groups is None else self.groups.value.data
        if groups < 1:
            raise VerifyException(f"{self.name}: expected groups >= 1, got {groups}")
        return strides, padding, dilation, groups

    def infer_result_types(self) -> list[builtin.TensorType]:
        n, c, h, w = ranked(self.name, "input", self.input, 4)
        o, c_per_group, kh, kw = ranked(self.name, "weight", self.weight, 4)
        element = same_element_type(self.name, self.input, self.weight)
        strides, padding, dilation, groups = self.params()
        if c % groups:
            raise VerifyException(f"{self.name}: input channels {c} are not divisible by groups {groups}")
        if o % groups:
            raise VerifyException(f"{self.name}: output channels {o} are not divisible by groups {groups}")
        if c_per_group != c // groups:
            raise VerifyException(
                f"{self.name}: expected weight dim 1 == input channels / groups = {c // groups}, got {c_per_group}"
            )
        out_hw = [
            window_count(self.name, "height", h, kh, strides[0], padding[0], padding[2], dilation[0]),
            window_count(self.name, "width", w, kw, strides[1], padding[1], padding[3], dilation[1]),
        ]
        return [builtin.TensorType(element, (n, o, *out_hw))]

    def evaluate(self, *inputs: np.ndarray) -> tuple[np.ndarray, ...]:
        x, weight = inputs
        strides, (top, left, bottom, right), dilation, groups = self.params()
        n, c, _, _ = x.shape
        o, c_per_group, kh, kw = weight.shape
        out_h, out_w = shape_of(self.result.type, self.name)[2:]
        padded = np.pad(wide(x), ((0, 0), (0, 0), (top, bottom), (left, right)))
        padded = padded.reshape(n, groups, c_per_group, *padded.shape[2:])
        kernels = wide(weight).reshape(groups, o // groups, c_per_group, kh, kw)
        out = np.zeros((n, groups, o // groups, out_h, out_w), dtype=padded.dtype)
        # One kernel tap at a time: the input pixels it meets form a strided slice of the padded input.
        for i in range(kh):
            for j in range(kw):
                row, col = i * dilation[0], j * dilation[1]
                rows = slice(row, row + (out_h - 1) * strides[0] + 1, strides[0])
                cols = slice(col, col + (out_w - 1) * strides[1] + 1, strides[1])
                out += np.einsum("ngchw,goc->ngohw", padded[:, :, :, rows, cols], kernels[:, :, :, i, j])
        return (out.reshape(n, o, out_h, out_w).astype(x.dtype),)


def window_count(
    name: str, what: str, size: int, kernel: int, stride: int, pad_before: int, pad_after: int, dilation: int = 1
) -> int:
    """How many windows of `kernel` (dilated) fit along a padded dimension, floor mode."""
    extent = (kernel - 1) * dilation + 1
    padded = size + pad_before + pad_after
    if extent > padded:
        raise VerifyException(f"{name}: kernel {what} {extent} (dilated) is larger than the padded input {what} {padded}")
    return (padded - extent) // stride + 1


@irdl_op_definition
class DenseOp(GraphOp):
    """y = x @ weight.T (+ bias); x[..., k], weight[m, k], bias[m] -> y[..., m]."""

    name = "graph.dense"
    PATTERN_KIND: ClassVar[OpPatternKind] = OpPatternKind.OUT_ELEMWISE_FUSABLE
    input = operand_def(builtin.TensorType)
    weight = operand_def(builtin.TensorType)
    # The only optional operand, so no operandSegmentSizes is needed to place it.
    bias = opt_operand_def(builtin.TensorType)
    result = result_def(builtin.TensorType)
    traits = traits_def(Pure())

    def __init__(self, input: SSAValue, weight: SSAValue, bias: SSAValue | None = None):
        operands = [input, weight] if bias is None else [input, weight, bias]
        super().__init__(operands=[input, weight, [] if bias is None else [bias]], result_types=inferred(type(self), operands))

    def infer_result_types(self) -> list[builtin.TensorType]:
        x = ranked(self.name, "input", self.input, min_rank=1)
        m, k = ranked(self.name, "weight", self.weight, 2)
        operands = [self.input, self.weight] if self.bias is None else [self.input, self.weight, self.bias]
        element = same_element_type(self.name, *operands)
        if x[-1] != k:
            raise VerifyException(f"{self.name}: expected weight dim 1 == input's last dim {x[-1]}, got {k}")
        if self.bias is not None and (bias := ranked(self.name, "bias", self.bias)) != (m,):
            raise VerifyException(f"{self.name}: expected bias of shape ({m},), got {bias}")
        return [builtin.TensorType(element, (*x[:-1], m))]

    def evaluate(self, *inputs: np.ndarray) -> tuple[np.ndarray, ...]:
        x, weight, *bias = inputs
        y = wide(x) @ wide(weight).T
        if bias:
            y = y + wide(bias[0])
        return (y.astype(x.dtype),)


class ContractionOp(GraphOp):
    """A matrix product of two tensors (lhs, rhs): anchors a fusion group like conv2d."""

    PATTERN_KIND: ClassVar[OpPatternKind] = OpPatternKind.OUT_ELEMWISE_FUSABLE
    lhs = operand_def(builtin.TensorType)
    rhs = operand_def(builtin.TensorType)
    result = result_def(builtin.TensorType)
    traits = traits_def(Pure())

    def __init__(self, lhs: SSAValue, rhs: SSAValue):
        super().__init__(operands=[lhs, rhs], result_types=inferred(type(self), [lhs, rhs]))


@irdl_op_definition
class MatmulOp(ContractionOp):
    """numpy.matmul: batched matrix product with broadcast batch dims; 1-D operands are vectors."""

    name = "graph.matmul"

    def infer_result_types(self) -> list[builtin.TensorType]:
        a = ranked(self.name, "lhs", self.lhs, min_rank=1)
        b = ranked(self.name, "rhs", self.rhs, min_rank=1)
        element = same_element_type(self.name, self.lhs, self.rhs)
        # A vector lhs is a row [1, k], a vector rhs a column [k, 1]; their unit dims are dropped after.
        a2 = (1, *a) if len(a) == 1 else a
        b2 = (*b, 1) if len(b) == 1 else b
        if a2[-1] != b2[-2]:
            raise VerifyException(f"{self.name}: contracting dims differ: lhs dim -1 is {a2[-1]}, rhs dim -2 is {b2[-2]}")
        batch = broadcast_shapes(a2[:-2], b2[:-2], f"{self.name} batch dims")
        shape = (*batch, *(() if len(a) == 1 else (a2[-2],)), *(() if len(b) == 1 else (b2[-1],)))
        return [builtin.TensorType(element, shape)]

    def evaluate(self, *inputs: np.ndarray) -> tuple[np.ndarray, ...]:
        x, y = inputs
        return (np.asarray(np.matmul(wide(x), wide(y))).astype(x.dtype),)


@irdl_op_definition
class BatchMatmulOp(ContractionOp):
    """z[b] = x[b] @ y[b]; x[b, n, k], y[b, k, m] -> z[b, n, m]; a batch of 1 broadcasts."""

    name = "graph.batch_matmul"

    def infer_result_types(self) -> list[builtin.TensorType]:
        batch_a, n, k = ranked(self.name, "lhs", self.lhs, 3)
        batch_b, k_b, m = ranked(self.name, "rhs", self.rhs, 3)
        element = same_element_type(self.name, self.lhs, self.rhs)
        if k != k_b:
            raise VerifyException(f"{self.name}: expected rhs dim 1 == lhs dim 2 = {k}, got {k_b}")
        (batch,) = broadcast_shapes((batch_a,), (batch_b,), f"{self.name} batch dim")
        return [builtin.TensorType(element, (batch, n, m))]

    def evaluate(self, *inputs: np.ndarray) -> tuple[np.ndarray, ...]:
        x, y = inputs
        return (np.matmul(wide(x), wide(y)).astype(x.dtype),)


# ---- normalization and softmax


@irdl_op_definition
class BatchNormOp(GraphOp):
    """Inference batch norm: (x - mean) / sqrt(var + epsilon) * gamma + beta, per channel `axis` (default 1).

    Opaque: TVM decomposes it into elementwise ops (SimplifyInference) before fusing.
    """

    name = "graph.batch_norm"
    input = operand_def(builtin.TensorType)
    gamma = operand_def(builtin.TensorType)
    beta = operand_def(builtin.TensorType)
    mean = operand_def(builtin.TensorType)
    variance = operand_def(builtin.TensorType)
    result = result_def(builtin.TensorType)
    axis = opt_prop_def(I64)
    epsilon = opt_prop_def(F64)
    traits = traits_def(Pure())

    def __init__(
        self,
        input: SSAValue,
        gamma: SSAValue,
        beta: SSAValue,
        mean: SSAValue,
        variance: SSAValue,
        axis: int | None = None,
        epsilon: float | None = None,
    ):
        properties = properties_of(axis=optional_int(axis), epsilon=optional_float(epsilon))
        super().__init__(
            operands=[input, gamma, beta, mean, variance],
            result_types=inferred(type(self), [input, gamma, beta, mean, variance], properties),
            properties=properties,
        )

    def axis_value(self) -> int:
        shape = ranked(self.name, "input", self.input, min_rank=1)
        return normalize_axis(1 if self.axis is None else self.axis.value.data, len(shape), f"{self.name}: axis")

    def epsilon_value(self) -> float:
        return 1e-5 if self.epsilon is None else self.epsilon.value.data

    def infer_result_types(self) -> list[builtin.TensorType]:
        shape = ranked(self.name, "input", self.input, min_rank=1)
        element = same_element_type(self.name, *self.operands)
        channels = shape[self.axis_value()]
        for what in ("gamma", "beta", "mean", "variance"):
            found = ranked(self.name, what, getattr(self, what))
            if found != (channels,):
                raise VerifyException(
                    f"{self.name}: expected {what} of shape ({channels},) (input dim {self.axis_value()}), got {found}"
                )
        return [builtin.TensorType(element, shape)]

    def evaluate(self, *inputs: np.ndarray) -> tuple[np.ndarray, ...]:
        x, gamma, beta, mean, variance = inputs
        # Per-channel vectors reshaped to broadcast along `axis`.
        along = [1] * x.ndim
        along[self.axis_value()] = -1
        gamma, beta, mean, variance = (v.astype(np.float64).reshape(along) for v in (gamma, beta, mean, variance))
        y = (x.astype(np.float64) - mean) / np.sqrt(variance + self.epsilon_value()) * gamma + beta
        return (y.astype(x.dtype),)


@irdl_op_definition
class LayerNormOp(GraphOp):
    """ONNX LayerNormalization: normalize over dims axis..end (default -1), then scale by gamma, shift by beta.

    Opaque: TVM decomposes it into reductions and elementwise ops before fusing.
    """

    name = "graph.layer_norm"
    input = operand_def(builtin.TensorType)
    gamma = operand_def(builtin.TensorType)
    beta = operand_def(builtin.TensorType)
    result = result_def(builtin.TensorType)
    axis = opt_prop_def(I64)
    epsilon = opt_prop_def(F64)
    traits = traits_def(Pure())

    def __init__(self, input: SSAValue, gamma: SSAValue, beta: SSAValue, axis: int | None = None, epsilon: float | None = None):
        properties = properties_of(axis=optional_int(axis), epsilon=optional_float(epsilon))
        super().__init__(
            operands=[input, gamma, beta],
            result_types=inferred(type(self), [input, gamma, beta], properties),
            properties=properties,
        )

    def axis_value(self) -> int:
        shape = ranked(self.name, "input", self.input, min_rank=1)
        return normalize_axis(-1 if self.axis is None else self.axis.value.data, len(shape), f"{self.name}: axis")

    def epsilon_value(self) -> float:
        return 1e-5 if self.epsilon is None else self.epsilon.value.data

    def infer_result_types(self) -> list[builtin.TensorType]:
        shape = ranked(self.name, "input", self.input, min_rank=1)
        element = same_element_type(self.name, *self.operands)
        normalized = shape[self.axis_value() :]
        for what in ("gamma", "beta"):
            found = ranked(self.name, what, getattr(self, what))
            if found != normalized:
                raise VerifyException(
                    f"{self.name}: expected {what} of shape {normalized} (input dims {self.axis_value()}..), got {found}"
                )
        return [builtin.TensorType(element, shape)]

    def evaluate(self, *inputs: np.ndarray) -> tuple[np.ndarray, ...]:
        x, gamma, beta = inputs
        axes = tuple(range(self.axis_value(), x.ndim))
        wide_x = x.astype(np.float64)
        mean = wide_x.mean(axis=axes, keepdims=True)
        variance = ((wide_x - mean) ** 2).mean(axis=axes, keepdims=True)
        y = (wide_x - mean) / np.sqrt(variance + self.epsilon_value()) * gamma.astype(np.float64) + beta
        return (y.astype(x.dtype),)


@irdl_op_definition
class SoftmaxOp(GraphOp):
    """exp(x) / sum(exp(x)) along `axis` (default -1); opaque, as in TVM."""

    name = "graph.softmax"
    input = operand_def(builtin.TensorType)
    result = result_def(builtin.TensorType)
    axis = opt_prop_def(I64)
    traits = traits_def(Pure())

    def __init__(self, input: SSAValue, axis: int | None = None):
        properties = properties_of(axis=optional_int(axis))
        super().__init__(operands=[input], result_types=inferred(type(self), [input], properties), properties=properties)

    def axis_value(self) -> int:
        shape = ranked(self.name, "input", self.input, min_rank=1)
        return normalize_axis(-1 if self.axis is None else self.axis.value.data, len(shape), f"{self.name}: axis")

    def infer_result_types(self) -> list[builtin.TensorType]:
        self.axis_value()
        return [tensor_type(self.input.type, self.name)]

    def evaluate(self, *inputs: np.ndarray) -> tuple[np.ndarray, ...]:
        (x,) = inputs
        axis = self.axis_value()
        # Subtracting the max keeps exp from overflowing; it cancels in the ratio.
        shifted = np.exp(x.astype(np.float64) - x.max(axis=axis, keepdims=True))
        return ((shifted / shifted.sum(axis=axis, keepdims=True)).astype(x.dtype),)


@irdl_op_definition
class LrnOp(GraphOp):
    """ONNX LRN: x / (bias + alpha / size * square_sum) ** beta, squares summed over a window of channels.

    NCHW; the window of channel c is [c - floor((size - 1) / 2), c + ceil((size - 1) / 2)], clipped to the
    channels there are. Defaults: alpha 1e-4, beta 0.75, bias 1.0. Opaque, as TVM's nn.lrn.
    """

    name = "graph.lrn"
    input = operand_def(builtin.TensorType)
    result = result_def(builtin.TensorType)
    size = prop_def(I64)
    alpha = opt_prop_def(F64)
    beta = opt_prop_def(F64)
    bias = opt_prop_def(F64)
    traits = traits_def(Pure())

    def __init__(
        self,
        input: SSAValue,
        size: int,
        alpha: float | None = None,
        beta: float | None = None,
        bias: float | None = None,
    ):
        properties = properties_of(
            size=builtin.IntegerAttr(size, builtin.i64),
            alpha=optional_float(alpha),
            beta=optional_float(beta),
            bias=optional_float(bias),
        )
        super().__init__(operands=[input], result_types=inferred(type(self), [input], properties), properties=properties)

    def size_value(self) -> int:
        return self.size.value.data

    def alpha_value(self) -> float:
        return 1e-4 if self.alpha is None else self.alpha.value.data

    def beta_value(self) -> float:
        return 0.75 if self.beta is None else self.beta.value.data

    def bias_value(self) -> float:
        return 1.0 if self.bias is None else self.bias.value.data

    def infer_result_types(self) -> list[builtin.TensorType]:
        ranked(self.name, "input", self.input, rank=4)
        if self.size_value() < 1:
            raise VerifyException(f"{self.name}: expected size >= 1, got {self.size_value()}")
        return [tensor_type(self.input.type, self.name)]

    def evaluate(self, *inputs: np.ndarray) -> tuple[np.ndarray, ...]:
        (x,) = inputs
        size = self.size_value()
        before, after = (size - 1) // 2, size // 2  # floor and ceil of (size - 1) / 2
        squares = x.astype(np.float64) ** 2
        channels = x.shape[1]
        # Zero channels padded on both sides, so every window is a plain slice of `size` channels.
        padded = np.pad(squares, ((0, 0), (before, after), (0, 0), (0, 0)))
        square_sum = sum(padded[:, k : k + channels] for k in range(size))
        scale = (self.bias_value() + self.alpha_value() / size * square_sum) ** self.beta_value()
        return ((x.astype(np.float64) / scale).astype(x.dtype),)


NN_OPS = (
    Conv2dOp,
    DenseOp,
    MatmulOp,
    BatchMatmulOp,
    BatchNormOp,
    LayerNormOp,
    SoftmaxOp,
    LrnOp,
)
