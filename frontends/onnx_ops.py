"""Per-op converters of the ONNX importer: each turns one ONNX node into graph ops (or a folded numpy value)."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import cast

import numpy as np
import onnx
from onnx import numpy_helper
from xdsl.ir import SSAValue

from tessel.dialects.graph import elementwise as ew
from tessel.dialects.graph import movement, nn, pool, reduce, shape
from tessel.dialects.graph.dtypes import element_type
from tessel.frontends.onnx_context import (
    NodeContext,
    Value,
    binary,
    dtype_of,
    onnx_dtype,
    reshape,
    scalar,
    shape_of,
    transpose,
)


def unary(op_type: type[ew.UnaryElementwiseOp]) -> Callable[[NodeContext], list[Value]]:
    def convert(ctx: NodeContext) -> list[Value]:
        return [ctx.emit(op_type(ctx.ssa(ctx.required(0))))]

    return convert


def convert_leaky_relu(ctx: NodeContext) -> list[Value]:
    return [ctx.emit(ew.LeakyReluOp(ctx.ssa(ctx.required(0)), alpha=ctx.float_attr("alpha", 0.01)))]


def convert_gelu(ctx: NodeContext) -> list[Value]:
    x = ctx.required(0)
    approximate = ctx.attr("approximate", "none")
    if approximate == "none":
        return [ctx.emit(ew.GeluOp(ctx.ssa(x)))]
    if approximate != "tanh":
        raise ctx.fail(f"attribute 'approximate' must be 'none' or 'tanh', got {approximate!r}")
    # 0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3)))
    cube = binary(ctx, ew.MulOp, binary(ctx, ew.MulOp, x, x), x)
    inner = binary(ctx, ew.AddOp, x, binary(ctx, ew.MulOp, cube, scalar(0.044715, x)))
    tanh = ctx.emit(ew.TanhOp(binary(ctx, ew.MulOp, inner, scalar(math.sqrt(2 / math.pi), x))))
    half_x = binary(ctx, ew.MulOp, x, scalar(0.5, x))
    return [binary(ctx, ew.MulOp, half_x, binary(ctx, ew.AddOp, tanh, scalar(1.0, x)))]


def convert_clip(ctx: NodeContext) -> list[Value]:
    x = ctx.required(0)
    if ctx.opset < 11:
        low: Value | None = scalar(ctx.float_attr("min", -math.inf), x) if "min" in ctx.attrs else None
        high: Value | None = scalar(ctx.float_attr("max", math.inf), x) if "max" in ctx.attrs else None
    else:
        low, high = ctx.input(1), ctx.input(2)
    if all(bound is None or isinstance(bound, np.ndarray) for bound in (low, high)) and np.issubdtype(dtype_of(x), np.floating):
        low_value = None if low is None else float(np.asarray(low))
        high_value = None if high is None else float(np.asarray(high))
        if low_value is not None and high_value is not None and low_value > high_value:
            # ONNX then yields max everywhere (min(max(x, low), high)); graph.clip rejects it.
            return [
                binary(
                    ctx,
                    ew.MinOp,
                    binary(ctx, ew.MaxOp, x, np.asarray(low_value, dtype_of(x))),
                    np.asarray(high_value, dtype_of(x)),
                )
            ]
        return [ctx.emit(ew.ClipOp(ctx.ssa(x), min=low_value, max=high_value))]
    result: Value = x
    if low is not None:
        result = binary(ctx, ew.MaxOp, result, low)
    if high is not None:
        result = binary(ctx, ew.MinOp, result, high)
    return [ctx.ssa(result)]


def binary_converter(op_type: type[ew.BinaryBroadcastOp]) -> Callable[[NodeContext], list[Value]]:
    def convert(ctx: NodeContext) -> list[Value]:
        lhs, rhs = ctx.required(0), ctx.required(1)
        if ctx.opset < 7 and ctx.attr("axis") is not None:
            raise ctx.fail("legacy broadcasting with an 'axis' attribute (opset < 7) is not supported")
        if op_type is ew.PowOp and dtype_of(rhs) != dtype_of(lhs):
            # Pow allows an exponent of another type; the graph op wants one element type.
            rhs = rhs.astype(dtype_of(lhs)) if isinstance(rhs, np.ndarray) else convert_to(ctx, rhs, dtype_of(lhs))
        return [binary(ctx, op_type, lhs, rhs)]

    return convert


def variadic(op_type: type[ew.BinaryBroadcastOp]) -> Callable[[NodeContext], list[Value]]:
    """Sum/Max/Min of any number of inputs: a left-to-right chain of the binary op."""

    def convert(ctx: NodeContext) -> list[Value]:
        values = [v for v in ctx.inputs if v is not None]
        if not values:
            raise ctx.fail("expected at least one input")
        result: Value = values[0]
        for value in values[1:]:
            result = binary(ctx, op_type, result, value)
        return [ctx.ssa(result)]

    return convert


def convert_identity(ctx: NodeContext) -> list[Value]:
    return [ctx.required(0)]


def convert_dropout(ctx: NodeContext) -> list[Value]:
    training = ctx.static(2, "training_mode") if ctx.opset >= 12 else None
    if training is not None and bool(np.asarray(training)):
        raise ctx.fail("training mode is not supported (inference import only)")
    x = ctx.required(0)
    return [x, np.ones(shape_of(x), dtype=np.bool_)]


def convert_to(ctx: NodeContext, value: SSAValue, dtype: np.dtype) -> SSAValue:
    if dtype_of(value) == dtype:
        return value
    return ctx.emit(movement.CastOp(value, element_type(dtype)))


def convert_cast(ctx: NodeContext) -> list[Value]:
    to = onnx_dtype(ctx.int_attr("to", onnx.TensorProto.FLOAT), "Cast's 'to'")
    return [convert_to(ctx, ctx.ssa(ctx.required(0)), to)]


def convert_where(ctx: NodeContext) -> list[Value]:
    condition, x, y = (ctx.ssa(ctx.required(i)) for i in range(3))
    return [ctx.emit(movement.WhereOp(condition, x, y))]


# ---- constants and static shapes


def convert_constant(ctx: NodeContext) -> list[Value]:
    for name, attribute in ctx.attrs.items():
        if name == "value":
            return [numpy_helper.to_array(cast(onnx.TensorProto, attribute))]
        if name in ("value_float", "value_int"):
            return [np.asarray(attribute, dtype=np.float32 if name == "value_float" else np.int64)]
        if name in ("value_floats", "value_ints"):
            return [np.asarray(attribute, dtype=np.float32 if name == "value_floats" else np.int64)]
    raise ctx.fail(f"expected a 'value', 'value_float(s)' or 'value_int(s)' attribute, got {sorted(ctx.attrs)}")


def convert_constant_of_shape(ctx: NodeContext) -> list[Value]:
    dims = ctx.static_ints(0, "shape") or []
    tensor = ctx.attrs.get("value")
    fill = np.zeros(1, np.float32) if tensor is None else numpy_helper.to_array(cast(onnx.TensorProto, tensor))
    return [np.full(dims, fill.reshape(-1)[0], dtype=fill.dtype)]


def convert_shape(ctx: NodeContext) -> list[Value]:
    dims = shape_of(ctx.required(0))
    start, end = ctx.int_attr("start", 0), ctx.attr("end")
    return [np.asarray(dims[start : end if isinstance(end, int) else None], dtype=np.int64)]


def convert_expand(ctx: NodeContext) -> list[Value]:
    x = ctx.required(0)
    target = ctx.static_ints(1, "shape") or []
    dims = np.broadcast_shapes(shape_of(x), tuple(target))
    # Adding zeros of the target shape broadcasts x (graph has no broadcast_to).
    return [binary(ctx, ew.AddOp, x, np.zeros(dims, dtype=dtype_of(x)))]


# ---- neural-network ops


def auto_pads(
    ctx: NodeContext, dims: Sequence[int], kernel: Sequence[int], strides: Sequence[int], dilations: Sequence[int]
) -> list[int]:
    """[top, left, bottom, right] from `pads` or `auto_pad` (ONNX's SAME_UPPER/SAME_LOWER rule)."""
    mode = ctx.attr("auto_pad", "NOTSET")
    if mode == "NOTSET":
        pads = ctx.ints_attr("pads") or [0] * (2 * len(kernel))
        if len(pads) != 2 * len(kernel):
            raise ctx.fail(f"attribute 'pads' must have {2 * len(kernel)} entries, got {pads}")
        return pads
    if mode == "VALID":
        return [0] * (2 * len(kernel))
    if mode not in ("SAME_UPPER", "SAME_LOWER"):
        raise ctx.fail(f"attribute 'auto_pad' must be NOTSET, VALID, SAME_UPPER or SAME_LOWER, got {mode!r}")
    before, after = [], []
    for size, k, s, d in zip(dims, kernel, strides, dilations, strict=True):
        total = max((-(-size // s) - 1) * s + (k - 1) * d + 1 - size, 0)
        small, large = total // 2, total - total // 2
        before.append(small if mode == "SAME_UPPER" else large)
        after.append(large if mode == "SAME_UPPER" else small)
    return before + after


def spatial_2d(ctx: NodeContext, x: Value) -> tuple[int, int]:
    dims = shape_of(x)
    if len(dims) != 4:
        raise ctx.fail(f"only 2-D spatial inputs (rank 4, NCHW) are supported, got shape {list(dims)}")
    return dims[2], dims[3]


def convert_conv(ctx: NodeContext) -> list[Value]:
    x, weight, bias = ctx.required(0), ctx.required(1), ctx.input(2)
    spatial = spatial_2d(ctx, x)
    kernel = ctx.ints_attr("kernel_shape") or list(shape_of(weight)[2:])
    strides = ctx.ints_attr("strides") or [1, 1]
    dilations = ctx.ints_attr("dilations") or [1, 1]
    pads = auto_pads(ctx, spatial, kernel, strides, dilations)
    groups = ctx.int_attr("group", 1)
    y = ctx.emit(nn.Conv2dOp(ctx.ssa(x), ctx.ssa(weight), strides=strides, padding=pads, dilation=dilations, groups=groups))
    if bias is not None:
        y = binary(ctx, ew.AddOp, y, reshape(ctx, bias, [shape_of(bias)[0], 1, 1]))
    return [y]


def convert_matmul(ctx: NodeContext) -> list[Value]:
    return [ctx.emit(nn.MatmulOp(ctx.ssa(ctx.required(0)), ctx.ssa(ctx.required(1))))]


def convert_gemm(ctx: NodeContext) -> list[Value]:
    a, b, c = ctx.required(0), ctx.required(1), ctx.input(2)
    alpha, beta = ctx.float_attr("alpha", 1.0), ctx.float_attr("beta", 1.0)
    trans_a, trans_b = ctx.int_attr("transA", 0), ctx.int_attr("transB", 0)
    if trans_a:
        a = transpose(ctx, a)
    n = shape_of(b)[0 if trans_b else 1]
    if alpha == 1.0 and (c is None or (beta == 1.0 and shape_of(c) == (n,))):
        # y = a @ b' + c is graph.dense with the weight in [n, k] layout.
        weight = b if trans_b else transpose(ctx, b)
        bias = None if c is None else ctx.ssa(c)
        return [ctx.emit(nn.DenseOp(ctx.ssa(a), ctx.ssa(weight), bias))]
    y: Value = ctx.emit(nn.MatmulOp(ctx.ssa(a), ctx.ssa(transpose(ctx, b) if trans_b else b)))
    if alpha != 1.0:
        y = binary(ctx, ew.MulOp, y, scalar(alpha, y))
    if c is not None:
        if beta != 1.0:
            c = c * scalar(beta, c) if isinstance(c, np.ndarray) else binary(ctx, ew.MulOp, c, scalar(beta, c))
        y = binary(ctx, ew.AddOp, y, c)
    return [y]


def convert_batch_norm(ctx: NodeContext) -> list[Value]:
    if ctx.int_attr("training_mode", 0):
        raise ctx.fail("training mode is not supported (inference import only)")
    if ctx.opset < 9 and not ctx.int_attr("spatial", 1):
        raise ctx.fail("spatial = 0 (opset < 9) is not supported")
    x, scale, bias, mean, var = (ctx.ssa(ctx.required(i)) for i in range(5))
    y = ctx.emit(nn.BatchNormOp(x, scale, bias, mean, var, epsilon=ctx.float_attr("epsilon", 1e-5)))
    # Optional outputs of old opsets (running mean/var) are the inputs in inference mode.
    return [y, ctx.required(3), ctx.required(4)]


def convert_layer_norm(ctx: NodeContext) -> list[Value]:
    x = ctx.required(0)
    dims = shape_of(x)
    axis = ctx.int_attr("axis", -1) % len(dims)
    normalized = dims[axis:]
    params: list[SSAValue] = []
    for index, default in ((1, 1.0), (2, 0.0)):
        value = ctx.input(index)
        if value is None:
            value = np.full(normalized, default, dtype=dtype_of(x))
        elif shape_of(value) != normalized:
            value = np.broadcast_to(ctx.static(index, "scale/bias of a broadcast shape"), normalized).copy()
        params.append(ctx.ssa(value))
    return [ctx.emit(nn.LayerNormOp(ctx.ssa(x), params[0], params[1], axis=axis, epsilon=ctx.float_attr("epsilon", 1e-5)))]


def convert_lrn(ctx: NodeContext) -> list[Value]:
    op = nn.LrnOp(
        ctx.ssa(ctx.required(0)),
        ctx.int_attr("size", 0),  # required: onnx.checker rejects a node without it
        alpha=ctx.float_attr("alpha", 1e-4),
        beta=ctx.float_attr("beta", 0.75),
        bias=ctx.float_attr("bias", 1.0),
    )
    return [ctx.emit(op)]


def convert_softmax(ctx: NodeContext, log: bool = False) -> list[Value]:
    x = ctx.required(0)
    dims = shape_of(x)
    if ctx.opset >= 13:
        y = ctx.emit(nn.SoftmaxOp(ctx.ssa(x), axis=ctx.int_attr("axis", -1)))
    else:
        # Before opset 13, softmax runs over the 2-D flattening at `axis`.
        flat = ctx.emit(shape.FlattenOp(ctx.ssa(x), axis=ctx.int_attr("axis", 1) % max(len(dims), 1)))
        y = ctx.ssa(reshape(ctx, ctx.emit(nn.SoftmaxOp(flat, axis=1)), dims))
    return [ctx.emit(ew.LogOp(y)) if log else y]


def pool_params(ctx: NodeContext, x: Value) -> tuple[list[int], list[int], list[int], bool]:
    spatial = spatial_2d(ctx, x)
    kernel = ctx.ints_attr("kernel_shape")
    if kernel is None:
        raise ctx.fail("expected a 'kernel_shape' attribute")
    strides = ctx.ints_attr("strides") or [1, 1]
    dilations = ctx.ints_attr("dilations") or [1, 1]
    if dilations != [1, 1]:
        raise ctx.fail(f"pooling dilations {dilations} are not supported")
    pads = auto_pads(ctx, spatial, kernel, strides, dilations)
    return kernel, strides, pads, bool(ctx.int_attr("ceil_mode", 0))


def convert_max_pool(ctx: NodeContext) -> list[Value]:
    x = ctx.required(0)
    if len(ctx.node.output) > 1 and ctx.node.output[1]:
        raise ctx.fail("the Indices output is not supported")
    kernel, strides, pads, ceil_mode = pool_params(ctx, x)
    return [ctx.emit(pool.MaxPool2dOp(ctx.ssa(x), kernel, strides, pads, ceil_mode))]


def convert_average_pool(ctx: NodeContext) -> list[Value]:
    x = ctx.required(0)
    kernel, strides, pads, ceil_mode = pool_params(ctx, x)
    include = bool(ctx.int_attr("count_include_pad", 0))
    return [ctx.emit(pool.AvgPool2dOp(ctx.ssa(x), kernel, strides, pads, ceil_mode, include))]


def convert_global_average_pool(ctx: NodeContext) -> list[Value]:
    x = ctx.required(0)
    spatial_2d(ctx, x)
    return [ctx.emit(pool.GlobalAvgPool2dOp(ctx.ssa(x)))]


def convert_global_max_pool(ctx: NodeContext) -> list[Value]:
    x = ctx.required(0)
    spatial = list(range(2, len(shape_of(x))))
    return [ctx.emit(reduce.ReduceMaxOp(ctx.ssa(x), spatial, keepdims=True))]


def reduction(op_type: type[reduce.ReduceOp], axes_input_since: int) -> Callable[[NodeContext], list[Value]]:
    def convert(ctx: NodeContext) -> list[Value]:
        x = ctx.required(0)
        axes = ctx.axes(1, axes_input_since)
        keepdims = bool(ctx.int_attr("keepdims", 1))
        if not axes and ctx.int_attr("noop_with_empty_axes", 0):
            return [x]
        return [ctx.emit(op_type(ctx.ssa(x), axes or None, keepdims))]

    return convert


# ---- shape ops


def convert_reshape(ctx: NodeContext) -> list[Value]:
    target = ctx.ints_attr("shape") if ctx.opset < 5 else ctx.static_ints(1, "shape")
    if target is None:
        raise ctx.fail("expected a target shape")
    allowzero = bool(ctx.int_attr("allowzero", 0))
    return [ctx.emit(shape.ReshapeOp(ctx.ssa(ctx.required(0)), target, allowzero))]


def convert_flatten(ctx: NodeContext) -> list[Value]:
    x = ctx.required(0)
    rank = len(shape_of(x))
    axis = ctx.int_attr("axis", 1)
    return [ctx.emit(shape.FlattenOp(ctx.ssa(x), axis + rank if axis < 0 else axis))]


def convert_transpose(ctx: NodeContext) -> list[Value]:
    return [transpose(ctx, ctx.required(0), ctx.ints_attr("perm"))]


def convert_concat(ctx: NodeContext) -> list[Value]:
    values = [ctx.ssa(v) for v in ctx.inputs if v is not None]
    return [ctx.emit(movement.ConcatOp(values, ctx.int_attr("axis", 0)))]


def convert_split(ctx: NodeContext) -> list[Value]:
    x = ctx.required(0)
    axis = ctx.int_attr("axis", 0)
    sizes = ctx.ints_attr("split") if ctx.opset < 13 else ctx.static_ints(1, "split")
    op = movement.SplitOp(ctx.ssa(x), sizes or None, axis, None if sizes else len(ctx.node.output))
    ctx.pool.block.add_op(op)
    return list(op.results)


def convert_slice(ctx: NodeContext) -> list[Value]:
    if ctx.opset < 10:
        starts, ends, axes, steps = ctx.ints_attr("starts"), ctx.ints_attr("ends"), ctx.ints_attr("axes"), None
    else:
        starts, ends = ctx.static_ints(1, "starts"), ctx.static_ints(2, "ends")
        axes, steps = ctx.static_ints(3, "axes"), ctx.static_ints(4, "steps")
    if starts is None or ends is None:
        raise ctx.fail("expected starts and ends")
    return [ctx.emit(movement.SliceOp(ctx.ssa(ctx.required(0)), starts, ends, axes, steps))]


def convert_pad(ctx: NodeContext) -> list[Value]:
    x = ctx.required(0)
    mode = ctx.attr("mode", "constant")
    if mode != "constant":
        raise ctx.fail(f"pad mode {mode!r} is not supported (only 'constant')")
    if ctx.opset < 11:
        pads, value = ctx.ints_attr("pads") or [], ctx.float_attr("value", 0.0)
    else:
        pads = ctx.static_ints(1, "pads") or []
        constant = ctx.static(2, "constant_value")
        value = 0.0 if constant is None or constant.size == 0 else float(np.asarray(constant).reshape(-1)[0])
        axes = ctx.static_ints(3, "axes")
        if axes is not None:
            # Pads given for some axes only: spread them over all axes.
            rank = len(shape_of(x))
            full = [0] * (2 * rank)
            for i, axis in enumerate(a % rank for a in axes):
                full[axis], full[axis + rank] = pads[i], pads[i + len(axes)]
            pads = full
    return [ctx.emit(movement.PadOp(ctx.ssa(x), pads, value))]


def convert_squeeze(ctx: NodeContext) -> list[Value]:
    return [ctx.emit(shape.SqueezeOp(ctx.ssa(ctx.required(0)), ctx.axes(1, 13)))]


def convert_unsqueeze(ctx: NodeContext) -> list[Value]:
    axes = ctx.axes(1, 13)
    if axes is None:
        raise ctx.fail("expected axes")
    return [ctx.emit(shape.UnsqueezeOp(ctx.ssa(ctx.required(0)), axes))]


def convert_gather(ctx: NodeContext) -> list[Value]:
    data, indices = ctx.ssa(ctx.required(0)), ctx.ssa(ctx.required(1))
    return [ctx.emit(movement.GatherOp(data, indices, ctx.int_attr("axis", 0)))]


# Ops folded by their converter, not by the reference implementation (Constant has no inputs; Shape needs none).
CONVERTERS: dict[str, Callable[[NodeContext], list[Value]]] = {
    "Add": binary_converter(ew.AddOp),
    "AveragePool": convert_average_pool,
    "BatchNormalization": convert_batch_norm,
    "Cast": convert_cast,
    "Clip": convert_clip,
    "Concat": convert_concat,
    "Constant": convert_constant,
    "ConstantOfShape": convert_constant_of_shape,
    "Conv": convert_conv,
    "Div": binary_converter(ew.DivOp),
    "Dropout": convert_dropout,
    "Erf": unary(ew.ErfOp),
    "Exp": unary(ew.ExpOp),
    "Expand": convert_expand,
    "Flatten": convert_flatten,
    "Gather": convert_gather,
    "Gelu": convert_gelu,
    "Gemm": convert_gemm,
    "GlobalAveragePool": convert_global_average_pool,
    "GlobalMaxPool": convert_global_max_pool,
    "Identity": convert_identity,
    "LRN": convert_lrn,
    "LayerNormalization": convert_layer_norm,
    "LeakyRelu": convert_leaky_relu,
    "Log": unary(ew.LogOp),
    "LogSoftmax": lambda ctx: convert_softmax(ctx, log=True),
    "MatMul": convert_matmul,
    "Max": variadic(ew.MaxOp),
    "MaxPool": convert_max_pool,
    "Min": variadic(ew.MinOp),
    "Mul": binary_converter(ew.MulOp),
    "Pad": convert_pad,
    "Pow": binary_converter(ew.PowOp),
    "ReduceMax": reduction(reduce.ReduceMaxOp, 18),
    "ReduceMean": reduction(reduce.ReduceMeanOp, 18),
    "ReduceSum": reduction(reduce.ReduceSumOp, 13),
    "Relu": unary(ew.ReluOp),
    "Reshape": convert_reshape,
    "Shape": convert_shape,
    "Sigmoid": unary(ew.SigmoidOp),
    "Slice": convert_slice,
    "Softmax": convert_softmax,
    "Split": convert_split,
    "Sqrt": unary(ew.SqrtOp),
    "Squeeze": convert_squeeze,
    "Sub": binary_converter(ew.SubOp),
    "Sum": variadic(ew.AddOp),
    "Tanh": unary(ew.TanhOp),
    "Transpose": convert_transpose,
    "Unsqueeze": convert_unsqueeze,
    "Where": convert_where,
}
