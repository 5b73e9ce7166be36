"""2-D pooling over NCHW data (TOPI's pool2d, global_pool) and its CPU schedules.

    y = tessel.ops.max_pool2d(x, kernel=(3, 3), strides=(2, 2), padding=(1, 1, 1, 1))

Pooling is a reduction over the window (te.max / te.sum over two reduce axes) tagged "pool"; padding is a
bounds condition on the window (`where=`), so padded positions are the reduction's identity: -inf (the
dtype's minimum for integers) never wins a max, and add nothing to a sum. An average divides the "pool" sum
in an elementwise stage by the window's count: its input pixels, or with count_include_pad its extent within
the explicitly padded input (ceil mode's overhang never counts), as the graph ops define. The global average
is a "global_pool" sum over H and W and the division by H * W. Paddings are [top, left, bottom, right].
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from xdsl.ir import Operation

from tessel.frontends import te
from tessel.frontends.te_expr import Binary, Expr, IfThenElse, Read, is_float, postorder
from tessel.ops.registry import ELEMWISE_TAG, OpsError, register_compute, register_schedule
from tessel.ops.schedule import PARALLEL_MIN_ELEMENTS

__all__ = ["avg_pool2d", "global_avg_pool2d", "max_pool2d"]

POOL_TAG = "pool"
GLOBAL_POOL_TAG = "global_pool"


def _pairs(name: str, what: str, values: Sequence[int], length: int, minimum: int) -> list[int]:
    values = [int(v) for v in values]
    if len(values) != length or any(v < minimum for v in values):
        raise OpsError(f"{name}: expected {what} of {length} entries >= {minimum}, got {values}")
    return values


def _output_size(name: str, size: int, kernel: int, stride: int, before: int, after: int, ceil_mode: bool) -> int:
    """Windows along one padded dim; with ceil_mode a partial last window counts unless it starts in the
    bottom/right padding (the graph ops' rule)."""
    span = size + before + after - kernel
    if span < 0:
        raise OpsError(f"{name}: kernel {kernel} is larger than the padded input {size + before + after}")
    count = span // stride + 1
    if ceil_mode and span % stride and count * stride < size + before:
        count += 1
    return count


def _check_input(name: str, x: te.Tensor) -> None:
    if len(x.shape) != 4:
        raise OpsError(f"{name}: expected NCHW input of rank 4, got shape {tuple(x.shape)}")
    if x.dtype == "bool":
        raise OpsError(f"{name}: cannot pool bool tensors")


def _window_reduce(
    reducer: str,
    x: te.Tensor,
    kernel: Sequence[int],
    strides: Sequence[int] | None,
    padding: Sequence[int] | None,
    ceil_mode: bool,
    name: str,
) -> tuple[te.Tensor, list[int], list[int], list[int]]:
    """The "pool" reduction of each window of `x` (padded positions left out), and kernel, strides, padding."""
    _check_input(name, x)
    kh, kw = _pairs(name, "kernel", kernel, 2, 1)
    sh, sw = _pairs(name, "strides", (1, 1) if strides is None else strides, 2, 1)
    top, left, bottom, right = _pairs(name, "padding", (0, 0, 0, 0) if padding is None else padding, 4, 0)
    n, c, h, w = x.shape
    out_h = _output_size(name, h, kh, sh, top, bottom, ceil_mode)
    out_w = _output_size(name, w, kw, sw, left, right, ceil_mode)
    rh = te.reduce_axis((0, kh), name="rh")
    rw = te.reduce_axis((0, kw), name="rw")
    fn = te.max if reducer == "max" else te.sum

    def fcompute(b: te.Expr, ch: te.Expr, oh: te.Expr, ow: te.Expr) -> te.Expr:
        row = oh * sh + rh - top if top else oh * sh + rh
        col = ow * sw + rw if sw > 1 else ow + rw  # ow + rw: unit stride, so the width loop can vectorize
        col = col - left if left else col
        conds = []
        if top:
            conds.append(row >= 0)
        if (out_h - 1) * sh + kh - top > h:
            conds.append(row < h)
        if left:
            conds.append(col >= 0)
        if (out_w - 1) * sw + kw - left > w:
            conds.append(col < w)
        value = x[b, ch, row, col]
        return fn(value, axis=[rh, rw], where=te.all(*conds)) if conds else fn(value, axis=[rh, rw])

    pooled = te.compute((n, c, out_h, out_w), fcompute, name=f"{reducer}_pool", tag=POOL_TAG)
    return pooled, [kh, kw], [sh, sw], [top, left, bottom, right]


def max_pool2d(
    x: te.Tensor,
    kernel: Sequence[int],
    strides: Sequence[int] | None = None,
    padding: Sequence[int] | None = None,
    ceil_mode: bool = False,
    *,
    name: str = "max_pool2d",
) -> te.Tensor:
    """The maximum of each window; padding never wins."""
    return _window_reduce("max", x, kernel, strides, padding, ceil_mode, name)[0]


def _divide(total: te.Tensor, count: Callable[..., te.Expr] | int, dtype: str) -> te.Tensor:
    """`total / count` elementwise, `count(*index)` an index expression of the output index (or a constant); integers
    divide in float64 and truncate back, as numpy's astype."""
    wide = dtype if is_float(dtype) else "float64"

    def fcompute(*i: te.Expr) -> te.Expr:
        value = total[i].astype(wide) if wide != dtype else total[i]
        n = te.const(float(count), wide) if isinstance(count, int) else count(*i).astype(wide)
        quotient = value / n
        return quotient if wide == dtype else quotient.astype(dtype)

    return te.compute(total.shape, fcompute, name="pool_divide", tag=ELEMWISE_TAG)


def avg_pool2d(
    x: te.Tensor,
    kernel: Sequence[int],
    strides: Sequence[int] | None = None,
    padding: Sequence[int] | None = None,
    ceil_mode: bool = False,
    count_include_pad: bool = False,
    *,
    name: str = "avg_pool2d",
) -> te.Tensor:
    """The mean of each window over its input pixels, or with `count_include_pad` over its extent within the
    padded input."""
    total, (kh, kw), (sh, sw), (top, left, bottom, right) = _window_reduce("sum", x, kernel, strides, padding, ceil_mode, name)
    _, _, h, w = x.shape
    _, _, out_h, out_w = total.shape

    def varies(k: int, s: int, before: int, size: int, after: int, count: int) -> bool:
        """Whether windows along one dim count different numbers of positions."""
        overhang = (count - 1) * s + k - before
        return overhang > size + after if count_include_pad else before > 0 or overhang > size

    def extent(o: te.Expr, k: int, s: int, before: int, size: int, after: int) -> te.Expr:
        """How many of the window's positions along one dim count."""
        start = o * s - before
        if count_include_pad:
            return te.min(start + k, size + after) - start
        return te.min(start + k, size) - te.max(start, 0)

    vary_h = varies(kh, sh, top, h, bottom, out_h)
    vary_w = varies(kw, sw, left, w, right, out_w)
    if not vary_h and not vary_w:
        return _divide(total, kh * kw, x.dtype)

    def count(b: te.Expr, ch: te.Expr, oh: te.Expr, ow: te.Expr) -> te.Expr:
        rows = extent(oh, kh, sh, top, h, bottom) if vary_h else kh
        cols = extent(ow, kw, sw, left, w, right) if vary_w else kw
        return rows * cols

    return _divide(total, count, x.dtype)


def global_avg_pool2d(x: te.Tensor, *, name: str = "global_avg_pool2d") -> te.Tensor:
    """The mean over each channel's plane: [N, C, H, W] -> [N, C, 1, 1]."""
    _check_input(name, x)
    n, c, h, w = x.shape
    rh = te.reduce_axis((0, h), name="rh")
    rw = te.reduce_axis((0, w), name="rw")
    total = te.compute(
        (n, c, 1, 1), lambda b, ch, _i, _j: te.sum(x[b, ch, rh, rw], axis=[rh, rw]), name="global_sum", tag=GLOBAL_POOL_TAG
    )
    return _divide(total, h * w, x.dtype)


@register_compute("graph.max_pool2d")
def _max_pool2d_compute(op: Operation, inputs: Sequence[te.Tensor]) -> list[te.Tensor]:
    kernel, strides, padding = op.params()  # type: ignore[attr-defined]
    return [max_pool2d(inputs[0], kernel, strides, padding, op.ceil_mode is not None, name=op.name)]  # type: ignore[attr-defined]


@register_compute("graph.avg_pool2d")
def _avg_pool2d_compute(op: Operation, inputs: Sequence[te.Tensor]) -> list[te.Tensor]:
    kernel, strides, padding = op.params()  # type: ignore[attr-defined]
    ceil_mode = op.ceil_mode is not None  # type: ignore[attr-defined]
    include = op.count_include_pad is not None  # type: ignore[attr-defined]
    return [avg_pool2d(inputs[0], kernel, strides, padding, ceil_mode, include, name=op.name)]


@register_compute("graph.global_avg_pool2d")
def _global_avg_pool2d_compute(op: Operation, inputs: Sequence[te.Tensor]) -> list[te.Tensor]:
    return [global_avg_pool2d(inputs[0], name=op.name)]


# ----------------------------------------------------------------------------- CPU schedules


def _work(t: te.Tensor) -> int:
    return math.prod(t.shape) * math.prod(k.dom.extent for k in t.op.reduce_axis)


def _uses(expr: Expr, axis: te.IterVar) -> bool:
    return any(node is axis for node in postorder(expr))


def _unit_stride(expr: Expr, axis: te.IterVar) -> bool:
    """Whether `expr` is `axis` plus or minus terms without it."""
    if expr is axis:
        return True
    if isinstance(expr, Binary) and expr.op in ("add", "sub"):
        if _unit_stride(expr.lhs, axis) and not _uses(expr.rhs, axis):
            return True
        return expr.op == "add" and _unit_stride(expr.rhs, axis) and not _uses(expr.lhs, axis)
    return False


def _vectorizes_along_width(t: te.Tensor) -> bool:
    """Whether the output-width loop reads every tensor contiguously, with no bounds test depending on it
    (what loop-vectorize needs); otherwise the window loops stay inside it, accumulating in a register."""
    ow = t.op.axis[-1]
    for node in postorder(t.op.body):
        if isinstance(node, IfThenElse) and _uses(node.condition, ow):
            return False
        if isinstance(node, Read) and node.indices:
            *outer, last = node.indices
            if any(_uses(i, ow) for i in outer) or (_uses(last, ow) and not _unit_stride(last, ow)):
                return False
    return True


@register_schedule(POOL_TAG)
def schedule_pool(s: te.Schedule, anchor: te.Tensor, output: te.Tensor) -> None:
    """N * C fused and parallel (when the pooling is big enough); window loops outside the output-width loop,
    which vectorizes where the window reads contiguously (stride 1, no padding test); a fused elementwise
    output computes the pooling one output row at a time."""
    target = s[output]
    n, c, oh, _ = target.op.axis
    fused = target.fuse(n, c)
    if _work(anchor) >= PARALLEL_MIN_ELEMENTS:
        target.parallel(fused)
    if output is not anchor:
        s[anchor].compute_at(target, oh)
    wide = anchor.shape[-1] >= 4
    if wide and output is not anchor:
        target.vectorize(target.op.axis[-1])
    if wide and _vectorizes_along_width(anchor):
        stage = s[anchor]
        stage.reorder(*stage.op.reduce_axis, stage.op.axis[-1])
        stage.vectorize(stage.op.axis[-1])


@register_schedule(GLOBAL_POOL_TAG)
def schedule_global_pool(s: te.Schedule, anchor: te.Tensor, output: te.Tensor) -> None:
    """N * C fused and parallel (when the planes are big enough); each plane summed in the (n, c) iteration."""
    target = s[output]
    fused = target.fuse(*target.op.axis)
    if _work(anchor) >= PARALLEL_MIN_ELEMENTS:
        target.parallel(fused)
    if output is not anchor:
        s[anchor].compute_at(target, fused)
