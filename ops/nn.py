"""Convolution and matrix-product computes (TOPI's nn) and their default x86 schedules.

conv2d is a direct NCHW x OIHW convolution (grouped and depthwise too) over an internal padding stage;
strided ones read a phase-split copy of the input instead (but depthwise ones with short rows), so that
every kernel tap reads contiguous output columns; plain ones whose rows are not whole vectors run over
the flattened rows;
dense splits its reduction into 16-lane partial sums so a batch-1 product vectorizes along the weight
rows' contiguous k; matmul and batch_matmul vectorize along the result's columns. Each schedule keeps a
block of the result in vector registers while the whole reduction runs over it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import cast

from xdsl.ir import Operation

from tessel.dialects.graph.nn import Conv2dOp
from tessel.frontends import te
from tessel.ops.registry import BROADCAST_TAG, INJECTIVE_TAG, INTERNAL_TAG, OpsError, register_compute, register_schedule
from tessel.ops.schedule import PARALLEL_MIN_ELEMENTS, VECTOR_LANES, divisor_at_most

__all__ = ["batch_matmul", "conv2d", "dense", "matmul"]

FLOAT_DTYPES = ("float32", "float64")
"""Element types the computes accept: they accumulate in the element type, so integers would overflow."""

ACCUMULATOR_REGISTERS = 20
"""Vector registers a schedule's accumulator block may hold (of 32 zmm; the rest feed the FMAs)."""

MATMUL_ACCUMULATOR_REGISTERS = 24
"""Vector registers matmul's accumulator block may hold: 8 rows x 3 vectors (48 columns) leave 8 registers for
the operands, and a 3-vector row is 1.2-1.4x faster than a 2-vector one at BERT's shapes (768 and 3072 columns)."""

WIDEN_ROWS_BELOW = 32
"""Grouped and depthwise conv2d compute output rows shorter than this widened to a multiple of 16 columns: a
row of 7, 14 or 28 columns would otherwise leave the column loop (mostly) scalar; 4-5x faster at 7 and 14.
(Plain conv2d computes such rows as one flat row of the whole output instead: fewer idle lanes.)"""

CONV2D_TAG = "conv2d_nchw"
GROUP_CONV2D_TAG = "group_conv2d_nchw"
DEPTHWISE_CONV2D_TAG = "depthwise_conv2d_nchw"
DENSE_TAG = "dense"
MATMUL_TAG = "matmul"
BATCH_MATMUL_TAG = "batch_matmul"


def _check_float(where: str, *tensors: te.Tensor) -> None:
    for tensor in tensors:
        if tensor.dtype not in FLOAT_DTYPES:
            raise OpsError(f"{where}: expected {' or '.join(FLOAT_DTYPES)} operands, got {tensor.dtype} ({tensor.name})")


# ----------------------------------------------------------------------------- computes


def conv2d(
    data: te.Tensor,
    kernel: te.Tensor,
    strides: Sequence[int] = (1, 1),
    padding: Sequence[int] = (0, 0, 0, 0),
    dilation: Sequence[int] = (1, 1),
    groups: int = 1,
) -> te.Tensor:
    """2-D convolution, NCHW data x OIHW kernel -> NCHW; padding is [top, left, bottom, right]."""
    _check_float("conv2d", data, kernel)
    if data.ndim != 4 or kernel.ndim != 4:
        raise OpsError(f"conv2d: expected NCHW data and OIHW kernel of rank 4, got {list(data.shape)} and {list(kernel.shape)}")
    n, channels, height, width = data.shape
    out_channels, per_group, kernel_h, kernel_w = kernel.shape
    stride_h, stride_w = strides
    top, left, bottom, right = padding
    dilation_h, dilation_w = dilation
    if channels % groups or out_channels % groups or per_group != channels // groups:
        raise OpsError(f"conv2d: kernel {list(kernel.shape)} does not fit {channels} input channels in {groups} groups")
    out_h = (height + top + bottom - (kernel_h - 1) * dilation_h - 1) // stride_h + 1
    out_w = (width + left + right - (kernel_w - 1) * dilation_w - 1) // stride_w + 1
    if out_h < 1 or out_w < 1:
        raise OpsError(f"conv2d: the kernel does not fit the padded input {list(data.shape)}")
    if groups == 1 and out_w % VECTOR_LANES:
        # Rows that are not whole vectors (7, 14, 28, 56 columns): 77-97% of the lanes busy instead of 44-88%.
        return _flat_conv2d(data, kernel, (out_h, out_w), (stride_h, stride_w), padding, (dilation_h, dilation_w))
    # Depthwise convolutions do too little work per input element to pay for a phase-split copy, but at
    # long rows (MobileNetV2's 112 -> 56: 1.8x faster); at 28 columns it is 2x slower.
    phased = (stride_h > 1 or stride_w > 1) and (per_group > 1 or out_w >= WIDEN_ROWS_BELOW)
    wide_w = _vector_columns(out_w) if phased or stride_w == 1 else out_w
    shape = (n, out_channels, out_h, wide_w)
    if phased:
        # Strided reads do not vectorize: regroup the padded input by phase first, so that every tap reads
        # a contiguous run of output columns from one phase (the direct convolution at stride 1).
        source = _phases(data, (out_h, wide_w), (kernel_h, kernel_w), (stride_h, stride_w), padding, (dilation_h, dilation_w))
    else:
        # Columns past the input's (read only by the widened rows) are zeros of the padding stage.
        right = max(right, wide_w + (kernel_w - 1) * dilation_w - width - left)
        source = _pad(data, top, left, bottom, right)
    conv = _conv2d_compute(source, kernel, shape, (stride_h, stride_w), (dilation_h, dilation_w), groups)
    if wide_w == out_w:
        return conv
    return te.compute((n, out_channels, out_h, out_w), lambda b, f, y, x: conv[b, f, y, x], name="conv2d_crop", tag=INJECTIVE_TAG)


def _flat_conv2d(
    data: te.Tensor,
    kernel: te.Tensor,
    out_size: tuple[int, int],
    strides: tuple[int, int],
    padding: Sequence[int],
    dilation: tuple[int, int],
) -> te.Tensor:
    """conv2d over the flattened rows: output (y, x) at flat position q = y * row + x of the (phase-split,
    padded) input's rows of length `row`, so every tap reads the contiguous run source[q + offset] for a
    block of q spanning several rows. Columns x >= out_w of each row are computed and cropped off; blocks
    of q are a few whole vectors (no lanes idle past the end of each 7- or 14-column row)."""
    n, channels, height, width = data.shape
    out_channels, _, kernel_h, kernel_w = kernel.shape
    out_h, out_w = out_size
    stride_h, stride_w = strides
    dilation_h, dilation_w = dilation
    top, left, _, _ = padding
    phases_h, rows = _phase_extent(out_h, kernel_h, stride_h, dilation_h)
    phases_w, row = _phase_extent(out_w, kernel_w, stride_w, dilation_w)
    flat = _flat_extent(out_h * row)
    length = flat + (rows - out_h) * row + row - out_w  # the last block's reads at the last tap

    def phase(b: te.Expr, c: te.Expr, py: te.Expr, px: te.Expr, r: te.Expr, col: te.Expr) -> te.Expr:
        y = r * stride_h + py - top
        x = col * stride_w + px - left
        inside = te.all(r < rows, y >= 0, y < height, x >= 0, x < width)
        return te.if_then_else(inside, data[b, c, y, x], te.const(0, data.dtype))

    if (stride_h, stride_w, top, left, row, rows) == (1, 1, 0, 0, width, height) and length <= height * width:
        # The input's own rows are the flat rows, with no padding read: index it directly (contiguous q).
        def source_at(b: te.Expr, c: te.Expr, py: te.Expr, px: te.Expr, q: te.Expr) -> te.Expr:
            return data[b, c, q // row, q % row]
    else:
        # Rows of length `row` (a flat run once flattened: q // row and q % row index it contiguously).
        shape = (n, channels, phases_h, phases_w, math.ceil(length / row), row)
        phases = te.compute(shape, phase, name="flat_phases", tag=INTERNAL_TAG)

        def source_at(b: te.Expr, c: te.Expr, py: te.Expr, px: te.Expr, q: te.Expr) -> te.Expr:
            return phases[b, c, py, px, q // row, q % row]

    rc = te.reduce_axis((0, channels), name="rc")
    ry = te.reduce_axis((0, kernel_h), name="ry")
    rx = te.reduce_axis((0, kernel_w), name="rx")

    def product(b: te.Expr, f: te.Expr, q: te.Expr) -> te.Expr:
        dy, dx = ry * dilation_h, rx * dilation_w
        offset = (dy // stride_h if stride_h > 1 else dy) * row + (dx // stride_w if stride_w > 1 else dx)
        py = dy % stride_h if stride_h > 1 else 0
        px = dx % stride_w if stride_w > 1 else 0
        return te.sum(source_at(b, rc, py, px, q + offset) * kernel[f, rc, ry, rx], axis=[rc, ry, rx])

    conv = te.compute((n, out_channels, flat), product, name="conv2d", tag=CONV2D_TAG)
    return te.compute(
        (n, out_channels, out_h, out_w), lambda b, f, y, x: conv[b, f, y * row + x], name="conv2d_crop", tag=INJECTIVE_TAG
    )


def _flat_extent(size: int) -> int:
    """`size` rounded up to whole register blocks of the flat convolution (see `_flat_block`)."""
    vectors = math.ceil(size / VECTOR_LANES)
    # Blocks of one vector would take 16+ output channels, whose weight rows (at a stride of the input
    # channels, 4 KiB for 1024) alias in the L1 cache: 2x slower.
    best = min(range(2, 5) if vectors > 1 else (1,), key=lambda v: (math.ceil(vectors / v) * v, -v))
    return math.ceil(vectors / best) * best * VECTOR_LANES


def _flat_block(extent: int) -> int:
    """Vectors per register block of a flat convolution's `extent` (a multiple of 2, 3 or 4 vectors, or one)."""
    vectors = extent // VECTOR_LANES
    return max((v for v in range(2, 5) if vectors % v == 0), default=1)


def _vector_columns(out_w: int) -> int:
    """Output columns conv2d computes per row: rows shorter than a vector are widened to one (the extra
    columns are cropped off), so the register block's column loop vectorizes instead of running scalar."""
    if out_w % VECTOR_LANES and out_w < WIDEN_ROWS_BELOW:
        return math.ceil(out_w / VECTOR_LANES) * VECTOR_LANES
    return out_w


def _conv2d_compute(
    source: te.Tensor,
    kernel: te.Tensor,
    shape: tuple[int, int, int, int],
    strides: tuple[int, int],
    dilation: tuple[int, int],
    groups: int,
) -> te.Tensor:
    """The direct convolution of the (padded) `source`, tagged by kind (plain, grouped, depthwise)."""
    stride_h, stride_w = strides
    dilation_h, dilation_w = dilation
    out_channels, per_group, kernel_h, kernel_w = kernel.shape
    out_per_group = out_channels // groups
    ry = te.reduce_axis((0, kernel_h), name="ry")
    rx = te.reduce_axis((0, kernel_w), name="rx")

    phased = source.ndim == 6

    def tap(out: te.Expr, r: te.Expr, stride: int, dilation: int) -> tuple[te.Expr | int, te.Expr]:
        """(phase, row or column within the phase) that output `out` reads at kernel tap `r`."""
        if stride == 1:
            return 0, out + r * dilation
        return r * dilation % stride, out + r * dilation // stride

    def window(b: te.Expr, c: te.Expr, y: te.Expr, x: te.Expr) -> te.Expr:
        if phased:
            py, row = tap(y, ry, stride_h, dilation_h)
            px, col = tap(x, rx, stride_w, dilation_w)
            return source[b, c, py, px, row, col]
        return source[b, c, y * stride_h + ry * dilation_h, x * stride_w + rx * dilation_w]

    if per_group == 1:
        # Depthwise (groups == channels): no reduction over channels.
        return te.compute(
            shape,
            lambda b, f, y, x: te.sum(window(b, f // out_per_group, y, x) * kernel[f, 0, ry, rx], axis=[ry, rx]),
            name="conv2d",
            tag=DEPTHWISE_CONV2D_TAG if groups > 1 else CONV2D_TAG,
        )
    rc = te.reduce_axis((0, per_group), name="rc")
    if groups == 1:
        return te.compute(
            shape,
            lambda b, f, y, x: te.sum(window(b, rc, y, x) * kernel[f, rc, ry, rx], axis=[rc, ry, rx]),
            name="conv2d",
            tag=CONV2D_TAG,
        )
    return te.compute(
        shape,
        lambda b, f, y, x: te.sum(
            window(b, f // out_per_group * per_group + rc, y, x) * kernel[f, rc, ry, rx], axis=[rc, ry, rx]
        ),
        name="conv2d",
        tag=GROUP_CONV2D_TAG,
    )


def _phases(
    data: te.Tensor,
    out_size: tuple[int, int],
    kernel_size: tuple[int, int],
    strides: tuple[int, int],
    padding: Sequence[int],
    dilation: tuple[int, int],
) -> te.Tensor:
    """The zero-padded input split by phase: phases[b, c, py, px, Y, X] = padded[b, c, Y*sh + py, X*sw + px].

    Output (y, x) of a convolution with stride s reads, at tap r (dilation d), padded row y*s + r*d: phase
    (r*d) % s, row y + (r*d) // s; so along x every tap reads a contiguous run of one phase's row. Only the
    phases some tap reads are kept (one for a 1x1 kernel: a subsampling), each as large as the taps read."""
    n, channels, height, width = data.shape
    top, left, _, _ = padding
    phases_h, rows = _phase_extent(out_size[0], kernel_size[0], strides[0], dilation[0])
    phases_w, cols = _phase_extent(out_size[1], kernel_size[1], strides[1], dilation[1])
    stride_h, stride_w = strides

    def phase(b: te.Expr, c: te.Expr, py: te.Expr, px: te.Expr, y: te.Expr, x: te.Expr) -> te.Expr:
        row = y * stride_h + py - top
        col = x * stride_w + px - left
        inside = te.all(row >= 0, row < height, col >= 0, col < width)
        return te.if_then_else(inside, data[b, c, row, col], te.const(0, data.dtype))

    return te.compute((n, channels, phases_h, phases_w, rows, cols), phase, name="phases", tag=INTERNAL_TAG)


def _phase_extent(out: int, kernel: int, stride: int, dilation: int) -> tuple[int, int]:
    """(phases the taps read, rows or columns of each) along one axis of a phase-split input."""
    return max(r * dilation % stride for r in range(kernel)) + 1, out + (kernel - 1) * dilation // stride


def _pad(data: te.Tensor, top: int, left: int, bottom: int, right: int) -> te.Tensor:
    """`data` with zero rows and columns around its last two dims (itself when there is no padding)."""
    if not (top or left or bottom or right):
        return data
    n, channels, height, width = data.shape

    def padded(b: te.Expr, c: te.Expr, y: te.Expr, x: te.Expr) -> te.Expr:
        inside = []
        if top:
            inside.append(y >= top)
        if bottom:
            inside.append(y < height + top)
        if left:
            inside.append(x >= left)
        if right:
            inside.append(x < width + left)
        return te.if_then_else(te.all(*inside), data[b, c, y - top, x - left], te.const(0, data.dtype))

    return te.compute((n, channels, height + top + bottom, width + left + right), padded, name="pad", tag=INTERNAL_TAG)


def dense(data: te.Tensor, weight: te.Tensor, bias: te.Tensor | None = None) -> te.Tensor:
    """data @ weight.T (+ bias); data[..., k], weight[m, k], bias[m] -> [..., m]."""
    _check_float("dense", data, weight, *([] if bias is None else [bias]))
    if weight.ndim != 2 or data.ndim < 1 or data.shape[-1] != weight.shape[1]:
        raise OpsError(f"dense: data {list(data.shape)} and weight {list(weight.shape)} do not contract (weight is [m, k])")
    m, k = weight.shape
    lead = data.shape[:-1]
    lanes = _dense_lanes(k)
    if lanes == 1:
        rk = te.reduce_axis((0, k), name="rk")
        out = te.compute(
            (*lead, m), lambda *idx: te.sum(data[(*idx[:-1], rk)] * weight[idx[-1], rk], axis=rk), name="dense", tag=DENSE_TAG
        )
    else:
        # Partial sums of `lanes` interleaved slices of k: the long reduction runs along contiguous k in both
        # operands (vector lanes), and a short one adds the lanes up.
        ko = te.reduce_axis((0, k // lanes), name="ko")
        partial = te.compute(
            (*lead, m, lanes),
            lambda *idx: te.sum(
                data[(*idx[:-2], ko * lanes + idx[-1])] * weight[idx[-2], ko * lanes + idx[-1]],
                axis=ko,
            ),
            name="dense_partial",
            tag=INTERNAL_TAG,
        )
        lane = te.reduce_axis((0, lanes), name="lane")
        out = te.compute((*lead, m), lambda *idx: te.sum(partial[(*idx, lane)], axis=lane), name="dense", tag=DENSE_TAG)
    if bias is None:
        return out
    return te.compute((*lead, m), lambda *idx: out[idx] + bias[idx[-1]], name="dense_bias", tag=BROADCAST_TAG)


def _dense_lanes(k: int) -> int:
    """How many partial sums dense keeps per result: a vector's lanes when they divide k."""
    if k % VECTOR_LANES == 0:
        return VECTOR_LANES
    lanes = divisor_at_most(k, VECTOR_LANES)
    return lanes if lanes >= 4 else 1


def matmul(a: te.Tensor, b: te.Tensor) -> te.Tensor:
    """numpy.matmul: a[..., n, k] @ b[..., k, m] with broadcast batch dims; a 1-D operand is a vector."""
    _check_float("matmul", a, b)
    if a.ndim < 1 or b.ndim < 1 or (a.ndim == 1 and b.ndim == 1):
        raise OpsError(f"matmul: expected operands of rank >= 1, not both vectors; got {list(a.shape)} and {list(b.shape)}")
    a_shape = (1, *a.shape) if a.ndim == 1 else a.shape
    b_shape = (*b.shape, 1) if b.ndim == 1 else b.shape
    k = a_shape[-1]
    if b_shape[-2] != k:
        raise OpsError(f"matmul: contracting dims differ: {list(a.shape)} @ {list(b.shape)}")
    batch = _broadcast(a_shape[:-2], b_shape[:-2])
    shape = (*batch, *(() if a.ndim == 1 else (a_shape[-2],)), *(() if b.ndim == 1 else (b_shape[-1],)))
    rk = te.reduce_axis((0, k), name="rk")

    def product(*idx: te.Expr) -> te.Expr:
        batch_idx, rest = idx[: len(batch)], list(idx[len(batch) :])
        row = [] if a.ndim == 1 else [rest.pop(0)]
        col = [] if b.ndim == 1 else [rest.pop(0)]
        a_idx = (*_batch_index(batch_idx, a_shape[:-2]), *row, rk)
        b_idx = (*_batch_index(batch_idx, b_shape[:-2]), rk, *col)
        return te.sum(a[a_idx] * b[b_idx], axis=rk)

    return te.compute(shape, product, name="matmul", tag=MATMUL_TAG)


def batch_matmul(a: te.Tensor, b: te.Tensor) -> te.Tensor:
    """c[i] = a[i] @ b[i]; a[batch, n, k], b[batch, k, m] -> [batch, n, m]; a batch of 1 broadcasts."""
    _check_float("batch_matmul", a, b)
    if a.ndim != 3 or b.ndim != 3 or a.shape[2] != b.shape[1]:
        raise OpsError(f"batch_matmul: expected a[batch, n, k] and b[batch, k, m], got {list(a.shape)} and {list(b.shape)}")
    (batch,) = _broadcast(a.shape[:1], b.shape[:1])
    rk = te.reduce_axis((0, a.shape[2]), name="rk")
    return te.compute(
        (batch, a.shape[1], b.shape[2]),
        lambda i, n, m: te.sum(a[0 if a.shape[0] == 1 else i, n, rk] * b[0 if b.shape[0] == 1 else i, rk, m], axis=rk),
        name="batch_matmul",
        tag=BATCH_MATMUL_TAG,
    )


def _broadcast(x: Sequence[int], y: Sequence[int]) -> tuple[int, ...]:
    rank = max(len(x), len(y))
    x, y = (1,) * (rank - len(x)) + tuple(x), (1,) * (rank - len(y)) + tuple(y)
    if any(p != q and 1 not in (p, q) for p, q in zip(x, y, strict=True)):
        raise OpsError(f"matmul: batch dims {list(x)} and {list(y)} do not broadcast")
    return tuple(max(p, q) for p, q in zip(x, y, strict=True))


def _batch_index(batch_idx: Sequence[te.Expr], dims: Sequence[int]) -> list[te.Expr | int]:
    """The index into an operand's batch `dims` (right-aligned, size-1 dims broadcast) of a result batch index."""
    aligned = batch_idx[len(batch_idx) - len(dims) :] if dims else []
    return [0 if d == 1 else i for i, d in zip(aligned, dims, strict=True)]


# ----------------------------------------------------------------------------- graph op adapters


@register_compute("graph.conv2d")
def _conv2d_op(op: Operation, inputs: Sequence[te.Tensor]) -> list[te.Tensor]:
    strides, padding, dilation, groups = cast(Conv2dOp, op).params()
    data, kernel = inputs
    return [_named(op, lambda: conv2d(data, kernel, strides, padding, dilation, groups))]


@register_compute("graph.dense")
def _dense_op(op: Operation, inputs: Sequence[te.Tensor]) -> list[te.Tensor]:
    data, weight, *bias = inputs
    return [_named(op, lambda: dense(data, weight, bias[0] if bias else None))]


@register_compute("graph.matmul")
def _matmul_op(op: Operation, inputs: Sequence[te.Tensor]) -> list[te.Tensor]:
    a, b = inputs
    return [_named(op, lambda: matmul(a, b))]


@register_compute("graph.batch_matmul")
def _batch_matmul_op(op: Operation, inputs: Sequence[te.Tensor]) -> list[te.Tensor]:
    a, b = inputs
    return [_named(op, lambda: batch_matmul(a, b))]


def _named(op: Operation, build: Callable[[], te.Tensor]) -> te.Tensor:
    """`build()`, its OpsError or te error reworded to name the graph op."""
    try:
        return build()
    except (OpsError, te.TeError) as err:
        raise OpsError(f"{op.name}: {err}") from err


# ----------------------------------------------------------------------------- schedules


def _work(anchor: te.Tensor) -> int:
    """The anchor's multiply-adds, in vectors' worth: what decides whether threads pay off."""
    reduce = math.prod(int(axis.dom.extent) for axis in anchor.op.reduce_axis)
    return math.prod(anchor.shape) * reduce // VECTOR_LANES


def _parallel_outer(stage: te.Stage, axes: Sequence[te.IterVar], work: int) -> te.IterVar:
    """The last two of the (outermost, consecutive) `axes` fused into one loop, run in parallel when there
    is enough work to pay for threads; the axes before them (batch) stay serial loops outside it."""
    # Fusing three or more axes leaves the middle one a floordiv-and-mod of the fused index, whose range
    # the lowering cannot bound: it guards the block's stores, and a guarded loop does not vectorize.
    outer = stage.fuse(*axes[-2:])
    if work >= PARALLEL_MIN_ELEMENTS:
        stage.parallel(outer)
    return outer


def _column_block(width: int, limit: int = 64) -> int:
    """Columns per register block: a whole row when short, else a divisor (no tail guard) of a few vectors."""
    if width <= limit:
        return width
    block = divisor_at_most(width, limit)
    return block if block >= VECTOR_LANES // 2 else VECTOR_LANES * 2


@register_schedule(CONV2D_TAG, GROUP_CONV2D_TAG, DEPTHWISE_CONV2D_TAG)
def schedule_conv2d(s: te.Schedule, anchor: te.Tensor, output: te.Tensor) -> None:
    """Blocks of output channels x output columns accumulated in registers over the whole reduction."""
    if len(output.shape) == 3:
        _schedule_flat_conv2d(s, anchor)
        return
    n, channels, height, width = output.shape
    column_block = _column_block(width)
    vectors = math.ceil(column_block / VECTOR_LANES)
    channel_block = divisor_at_most(channels, max(1, ACCUMULATOR_REGISTERS // vectors))
    accumulator = s.cache_write(anchor, "global") if output is anchor else anchor
    stage = s[output]
    b, f, y, x = stage.op.axis
    fo, fi = stage.split(f, factor=channel_block)
    xo, xi = stage.split(x, factor=column_block)
    stage.reorder(b, fo, y, xo, fi, xi)
    stage.vectorize(xi)
    sources = [t for t in anchor.op.input_tensors if isinstance(t.op, te.ComputeOp) and t.op.tag == INTERNAL_TAG]
    per_block = anchor.op.tag == DEPTHWISE_CONV2D_TAG and all(t.shape[1] == channels for t in sources)
    if per_block:
        # Each channel block reads only its own channels: pad or phase-split them in that block's task, into a
        # small buffer that stays in cache, instead of the whole input at root (a copy several MiB large).
        outer = _parallel_outer(stage, [b, fo], _work(anchor))
        for source in sources:
            s[source].compute_at(stage, outer)
            s[source].vectorize(s[source].op.axis[-1])
    else:
        _parallel_outer(stage, [b, fo, y], _work(anchor))
    acc = s[accumulator]
    acc.compute_at(stage, xo)
    cb, cf, cy, cx = acc.op.axis
    acc.reorder(*acc.op.reduce_axis, cb, cy, cf, cx)
    acc.unroll(acc.op.reduce_axis[-1])
    acc.unroll(cf)
    acc.vectorize(cx)
    if not per_block:
        for source in sources:
            _schedule_padding(s, source)


def _schedule_flat_conv2d(s: te.Schedule, conv: te.Tensor) -> None:
    """Blocks of output channels x a few vectors of flat positions accumulated in registers."""
    _, channels, extent = conv.shape
    vectors = _flat_block(extent)
    channel_block = divisor_at_most(channels, max(1, ACCUMULATOR_REGISTERS // vectors))
    accumulator = s.cache_write(conv, "global")
    stage = s[conv]
    b, f, q = stage.op.axis
    fo, fi = stage.split(f, factor=channel_block)
    qo, qi = stage.split(q, factor=vectors * VECTOR_LANES)
    stage.reorder(b, qo, fo, fi, qi)
    stage.vectorize(qi)
    outer = _parallel_outer(stage, [b, qo, fo], _work(conv))
    acc = s[accumulator]
    acc.compute_at(stage, outer)
    cb, cf, cq = acc.op.axis
    acc.reorder(*acc.op.reduce_axis, cb, cf, cq)
    acc.unroll(acc.op.reduce_axis[-1])
    acc.unroll(cf)
    acc.vectorize(cq)
    for source in conv.op.input_tensors:
        if isinstance(source.op, te.ComputeOp) and source.op.tag == INTERNAL_TAG:
            _schedule_padding(s, source)


def _block_result(
    stage: te.Stage, axes: Sequence[te.IterVar], row_block: int, column_block: int, work: int, columns_outside: bool
) -> tuple[te.IterVar, te.IterVar]:
    """Tile the last two axes of a product's result (or split its one axis) into row_block x column_block
    blocks, outer block loops parallel when the work pays for threads; the attach point of the register
    block and the inner column axis. `columns_outside`: column blocks loop outside row blocks."""
    if len(axes) < 2:
        jo, ji = stage.split(axes[0], factor=column_block)
        if work >= PARALLEL_MIN_ELEMENTS:
            stage.parallel(jo)
        return jo, ji
    io, jo, ii, ji = stage.tile(axes[-2], axes[-1], row_block, column_block)
    outer = [jo, io] if columns_outside else [io, jo]
    if columns_outside:
        stage.reorder(*axes[:-2], jo, io, ii, ji)
    return _parallel_outer(stage, [*axes[:-2], *outer], work), ji


def _schedule_padding(s: te.Schedule, padded: te.Tensor) -> None:
    """The padding stage at root: one parallel task per (batch, channel) plane."""
    stage = s[padded]
    b, c = stage.op.axis[:2]
    _parallel_outer(stage, [b, c], math.prod(padded.shape))
    stage.vectorize(stage.op.axis[-1])


@register_schedule(MATMUL_TAG, BATCH_MATMUL_TAG)
def schedule_matmul(s: te.Schedule, anchor: te.Tensor, output: te.Tensor) -> None:
    """rows x columns blocks of the result in registers over the whole k loop, columns vectorized."""
    accumulator = s.cache_write(anchor, "global") if output is anchor else anchor
    stage = s[output]
    axes = list(stage.op.axis)
    work = _work(anchor)
    column_block = _column_block(output.shape[-1], 3 * VECTOR_LANES)
    vectors = math.ceil(column_block / VECTOR_LANES)
    row_block = divisor_at_most(output.shape[-2], min(8, MATMUL_ACCUMULATOR_REGISTERS // vectors)) if len(axes) >= 2 else 1
    attach, ji = _block_result(stage, axes, row_block, column_block, work, columns_outside=True)
    stage.vectorize(ji)
    acc = s[accumulator]
    acc.compute_at(stage, attach)
    spatial = list(acc.op.axis)
    acc.reorder(*acc.op.reduce_axis, *spatial)
    if len(spatial) >= 2:
        acc.unroll(spatial[-2])
    acc.vectorize(spatial[-1])


@register_schedule(DENSE_TAG)
def schedule_dense(s: te.Schedule, anchor: te.Tensor, output: te.Tensor) -> None:
    """Blocks of results whose partial sums (one vector each) stay in registers over the whole k loop."""
    partial = anchor.op.input_tensors[0]
    if not (isinstance(partial.op, te.ComputeOp) and partial.op.tag == INTERNAL_TAG):
        schedule_matmul(s, anchor, output)
        return
    stage = s[output]
    axes = list(stage.op.axis)
    work = _work(partial)
    rows = output.shape[-2] if len(axes) >= 2 else 1
    row_block = divisor_at_most(rows, 4)
    column_block = divisor_at_most(output.shape[-1], max(1, 16 // row_block))
    attach, ji = _block_result(stage, axes, row_block, column_block, work, columns_outside=False)
    part = s[partial]
    part.compute_at(stage, attach)
    spatial = list(part.op.axis)
    part.reorder(*part.op.reduce_axis, *spatial)
    for axis in spatial[-3:-1]:
        part.unroll(axis)
    part.vectorize(spatial[-1])
    if output is not anchor:
        s[anchor].compute_at(stage, attach)
