"""Reductions and normalizations (TOPI's reduction, softmax, layer_norm, batch_norm, lrn) and their CPU schedules.

    y = tessel.ops.sum(x, axes=[1], keepdims=False)     # one te.compute tagged "reduce"
    p = tessel.ops.softmax(x, axis=-1)                   # max, exp-sum (internal), normalize ("softmax")

Reductions keep reduced dims as 1 by default (keepdims=True, the graph ops' default); `axes` may be negative,
empty or None means all. A mean is the "reduce" sum followed by an elementwise division, so the division
fuses like any elementwise consumer. Composite ops compute their per-row statistics in INTERNAL stages
(reduced dims kept as 1) that their anchor schedule places inside the row loop; a statistic of a last dim of
whole vectors reduces 16 interleaved slices first (a vectorized loop), then those 16 partials. Float32 softmax
computes exp with a polynomial (ops.elementwise.fast_exp_nonpositive) that vectorizes, instead of a libm call.
batch_norm (inference) is elementwise given its parameters: BROADCAST_TAG, so it inlines into its consumer.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from xdsl.ir import Operation

from tessel.frontends import te
from tessel.frontends.te_expr import Read, is_float, postorder
from tessel.ops.elementwise import fast_exp_nonpositive
from tessel.ops.registry import BROADCAST_TAG, ELEMWISE_TAG, INTERNAL_TAG, OpsError, register_compute, register_schedule
from tessel.ops.schedule import PARALLEL_MIN_ELEMENTS

__all__ = ["batch_norm", "layer_norm", "lrn", "max", "mean", "softmax", "sum"]

REDUCE_TAG = "reduce"
SOFTMAX_TAG = "softmax"
LAYER_NORM_TAG = "layer_norm"
LRN_TAG = "lrn"

# ----------------------------------------------------------------------------- helpers


def _axes(name: str, rank: int, axes: Sequence[int] | None) -> tuple[int, ...]:
    """`axes` normalized to sorted non-negative dims; all dims when None or empty."""
    if not axes:
        return tuple(range(rank))
    normalized = []
    for axis in axes:
        if not -rank <= axis < rank:
            raise OpsError(f"{name}: axis {axis} is out of range for rank {rank}")
        normalized.append(axis % rank)
    if len(set(normalized)) != len(normalized):
        raise OpsError(f"{name}: axes {list(axes)} name a dim twice")
    return tuple(sorted(normalized))


def _axis(name: str, rank: int, axis: int) -> int:
    if not -rank <= axis < rank:
        raise OpsError(f"{name}: axis {axis} is out of range for rank {rank}")
    return axis % rank


def _need_float(name: str, *tensors: te.Tensor) -> None:
    for t in tensors:
        if not is_float(t.dtype):
            raise OpsError(f"{name}: needs float tensors, got {t.name} of dtype {t.dtype}")
    if any(t.dtype != tensors[0].dtype for t in tensors):
        raise OpsError(f"{name}: operand dtypes differ: {', '.join(t.dtype for t in tensors)}")


def _need_reducible(name: str, x: te.Tensor) -> None:
    if x.dtype == "bool":
        raise OpsError(f"{name}: cannot reduce bool tensors")


def _stat(
    x: te.Tensor, axes: tuple[int, ...], body: Callable[[list[te.Expr], list[te.IterVar]], te.Expr], name: str, tag: str
) -> te.Tensor:
    """A reduction of `x` over `axes` keeping them as 1: `body(index of x, reduce axes)` gives its value."""
    shape = tuple(1 if d in axes else n for d, n in enumerate(x.shape))
    raxes = [te.reduce_axis((0, x.shape[d]), name=f"k{d}") for d in axes]

    def fcompute(*index: te.Expr) -> te.Expr:
        it = iter(raxes)
        return body([next(it) if d in axes else index[d] for d in range(len(x.shape))], raxes)

    return te.compute(shape, fcompute, name=name, tag=tag)


LANES = 16
"""Partial results a row statistic keeps (one f32 vector) when its row is whole vectors."""

LANES_SUFFIX = "_lanes"
"""Name suffix of a row statistic's per-lane partial stage, which its schedule vectorizes along the lanes."""


def _row_stat(
    x: te.Tensor, axes: tuple[int, ...], reducer: Callable[..., te.Expr], element: Callable[[list[te.Expr]], te.Expr], name: str
) -> te.Tensor:
    """reducer(element(index of x)) over `axes` (kept as 1), an INTERNAL stage. A reduction over the last dim only,
    of whole vectors, first reduces each of LANES interleaved slices of the row (a `name`_lanes stage whose lane
    loop vectorizes with the long reduction outside it), then the lanes: a single running value would be a
    scalar loop, one dependent add (4 cycles) per element."""
    rank = len(x.shape)
    extent = x.shape[-1]
    if axes != (rank - 1,) or extent % LANES or extent == LANES:
        return _stat(x, axes, lambda i, k: reducer(element(i), axis=k), name, INTERNAL_TAG)
    ko = te.reduce_axis((0, extent // LANES), name="ko")
    partial = te.compute(
        (*x.shape[:-1], LANES),
        lambda *i: reducer(element([*i[:-1], ko * LANES + i[-1]]), axis=ko),
        name=name + LANES_SUFFIX,
        tag=INTERNAL_TAG,
    )
    lane = te.reduce_axis((0, LANES), name="lane")
    return te.compute((*x.shape[:-1], 1), lambda *i: reducer(partial[(*i[:-1], lane)], axis=lane), name=name, tag=INTERNAL_TAG)


def _at(stat: te.Tensor, axes: tuple[int, ...], index: Sequence[te.Expr]) -> te.Expr:
    """`stat` (reduced over `axes`, kept as 1) read at `index` of the full tensor."""
    return stat[tuple(0 if d in axes else i for d, i in enumerate(index))]


# ----------------------------------------------------------------------------- reductions


def _reduce(reducer: Callable[..., te.Expr], x: te.Tensor, axes: Sequence[int] | None, keepdims: bool, name: str) -> te.Tensor:
    _need_reducible(name, x)
    rank = len(x.shape)
    reduced = _axes(name, rank, axes)
    kept = [d for d in range(rank) if d not in reduced]
    shape = tuple(1 if d in reduced else x.shape[d] for d in range(rank)) if keepdims else tuple(x.shape[d] for d in kept)
    raxes = [te.reduce_axis((0, x.shape[d]), name=f"k{d}") for d in reduced]

    def fcompute(*index: te.Expr) -> te.Expr:
        spatial = iter(index[d] for d in kept) if keepdims else iter(index)
        it = iter(raxes)
        return reducer(x[tuple(next(it) if d in reduced else next(spatial) for d in range(rank))], axis=raxes)

    return te.compute(shape, fcompute, name=name.rsplit(".", 1)[-1], tag=REDUCE_TAG)


def sum(x: te.Tensor, axes: Sequence[int] | None = None, keepdims: bool = True, *, name: str = "sum") -> te.Tensor:  # noqa: A001
    """The sum of `x` over `axes` (None or empty: all), in x's dtype."""
    return _reduce(te.sum, x, axes, keepdims, name)


def max(x: te.Tensor, axes: Sequence[int] | None = None, keepdims: bool = True, *, name: str = "max") -> te.Tensor:  # noqa: A001
    """The maximum of `x` over `axes` (None or empty: all)."""
    return _reduce(te.max, x, axes, keepdims, name)


def mean(x: te.Tensor, axes: Sequence[int] | None = None, keepdims: bool = True, *, name: str = "mean") -> te.Tensor:
    """The mean of `x` over `axes`: a "reduce" sum, then an elementwise division (integers: in float64,
    truncated back, as numpy's astype)."""
    total = _reduce(te.sum, x, axes, keepdims, name)
    count = math.prod(x.shape) // math.prod(total.shape)
    if is_float(x.dtype):
        return te.compute(total.shape, lambda *i: total[i] / te.const(float(count), x.dtype), name="mean", tag=ELEMWISE_TAG)
    return te.compute(
        total.shape, lambda *i: (total[i].astype("float64") / float(count)).astype(x.dtype), name="mean", tag=ELEMWISE_TAG
    )


def _reduce_compute(fn: Callable[..., te.Tensor]) -> Callable[[Operation, Sequence[te.Tensor]], list[te.Tensor]]:
    def compute(op: Operation, inputs: Sequence[te.Tensor]) -> list[te.Tensor]:
        return [fn(inputs[0], op.axes_value(), op.keepdims_value(), name=op.name)]  # type: ignore[attr-defined]

    return compute


register_compute("graph.reduce_sum")(_reduce_compute(sum))
register_compute("graph.reduce_max")(_reduce_compute(max))
register_compute("graph.reduce_mean")(_reduce_compute(mean))


# ----------------------------------------------------------------------------- softmax and normalization


def softmax(x: te.Tensor, axis: int = -1, *, name: str = "softmax") -> te.Tensor:
    """exp(x - max) / sum(exp(x - max)) along `axis`: max and exp-sum INTERNAL stages, the "softmax" anchor."""
    _need_float(name, x)
    axes = (_axis(name, len(x.shape), axis),)
    big = _row_stat(x, axes, te.max, lambda i: x[tuple(i)], "softmax_max")
    exp = fast_exp_nonpositive if x.dtype == "float32" else te.exp
    total = _row_stat(x, axes, te.sum, lambda i: exp(x[tuple(i)] - _at(big, axes, i)), "softmax_expsum")
    return te.compute(x.shape, lambda *i: exp(x[i] - _at(big, axes, i)) / _at(total, axes, i), name="softmax", tag=SOFTMAX_TAG)


def layer_norm(
    x: te.Tensor, gamma: te.Tensor, beta: te.Tensor, axis: int = -1, epsilon: float = 1e-5, *, name: str = "layer_norm"
) -> te.Tensor:
    """(x - mean) / sqrt(var + epsilon) * gamma + beta, statistics over dims axis..end (ONNX LayerNormalization);
    gamma and beta have shape x.shape[axis:]."""
    _need_float(name, x, gamma, beta)
    rank = len(x.shape)
    first = _axis(name, rank, axis)
    for what, t in (("gamma", gamma), ("beta", beta)):
        if tuple(t.shape) != tuple(x.shape[first:]):
            raise OpsError(f"{name}: expected {what} of shape {tuple(x.shape[first:])}, got {tuple(t.shape)}")
    axes = tuple(range(first, rank))
    inv = te.const(1.0 / math.prod(x.shape[first:]), x.dtype)
    mu = _row_stat(x, axes, te.sum, lambda i: x[tuple(i)] * inv, "layer_norm_mean")

    def centered(i: Sequence[te.Expr]) -> te.Expr:
        return x[tuple(i)] - _at(mu, axes, i)

    var = _row_stat(x, axes, te.sum, lambda i: centered(i) * centered(i) * inv, "layer_norm_var")
    eps = te.const(epsilon, x.dtype)
    return te.compute(
        x.shape,
        lambda *i: centered(i) / te.sqrt(_at(var, axes, i) + eps) * gamma[i[first:]] + beta[i[first:]],
        name="layer_norm",
        tag=LAYER_NORM_TAG,
    )


def batch_norm(
    x: te.Tensor,
    gamma: te.Tensor,
    beta: te.Tensor,
    mean: te.Tensor,
    variance: te.Tensor,
    axis: int = 1,
    epsilon: float = 1e-5,
    *,
    name: str = "batch_norm",
) -> te.Tensor:
    """Inference batch norm, (x - mean) / sqrt(variance + epsilon) * gamma + beta per channel `axis`:
    elementwise given its parameters (BROADCAST_TAG)."""
    _need_float(name, x, gamma, beta, mean, variance)
    c = _axis(name, len(x.shape), axis)
    for what, t in (("gamma", gamma), ("beta", beta), ("mean", mean), ("variance", variance)):
        if tuple(t.shape) != (x.shape[c],):
            raise OpsError(f"{name}: expected {what} of shape ({x.shape[c]},), got {tuple(t.shape)}")
    eps = te.const(epsilon, x.dtype)
    return te.compute(
        x.shape,
        lambda *i: (x[i] - mean[i[c]]) / te.sqrt(variance[i[c]] + eps) * gamma[i[c]] + beta[i[c]],
        name="batch_norm",
        tag=BROADCAST_TAG,
    )


def lrn(x: te.Tensor, size: int, alpha: float = 1e-4, beta: float = 0.75, bias: float = 1.0, *, name: str = "lrn") -> te.Tensor:
    """ONNX LRN over NCHW channels: x / (bias + alpha / size * square_sum) ** beta, the squares summed over
    channels [c - floor((size - 1) / 2), c + ceil((size - 1) / 2)] clipped to the tensor (an INTERNAL stage)."""
    _need_float(name, x)
    if len(x.shape) != 4:
        raise OpsError(f"{name}: expected NCHW input of rank 4, got shape {tuple(x.shape)}")
    if size < 1:
        raise OpsError(f"{name}: expected size >= 1, got {size}")
    channels = x.shape[1]
    before = (size - 1) // 2
    k = te.reduce_axis((0, size), name="k")

    def square_sum(n: te.Expr, c: te.Expr, h: te.Expr, w: te.Expr) -> te.Expr:
        src = c + k - before
        return te.sum(x[n, src, h, w] * x[n, src, h, w], axis=k, where=te.all(src >= 0, src < channels))

    squares = te.compute(x.shape, square_sum, name="lrn_square_sum", tag=INTERNAL_TAG)
    scale = te.const(alpha / size, x.dtype)
    return te.compute(
        x.shape,
        lambda n, c, h, w: (
            x[n, c, h, w] / te.power(te.const(bias, x.dtype) + scale * squares[n, c, h, w], te.const(beta, x.dtype))
        ),
        name="lrn",
        tag=LRN_TAG,
    )


@register_compute("graph.softmax")
def _softmax_compute(op: Operation, inputs: Sequence[te.Tensor]) -> list[te.Tensor]:
    return [softmax(inputs[0], op.axis_value(), name=op.name)]  # type: ignore[attr-defined]


@register_compute("graph.layer_norm")
def _layer_norm_compute(op: Operation, inputs: Sequence[te.Tensor]) -> list[te.Tensor]:
    x, gamma, beta = inputs
    return [layer_norm(x, gamma, beta, op.axis_value(), op.epsilon_value(), name=op.name)]  # type: ignore[attr-defined]


@register_compute("graph.batch_norm")
def _batch_norm_compute(op: Operation, inputs: Sequence[te.Tensor]) -> list[te.Tensor]:
    return [batch_norm(*inputs, axis=op.axis_value(), epsilon=op.epsilon_value(), name=op.name)]  # type: ignore[attr-defined]


@register_compute("graph.lrn")
def _lrn_compute(op: Operation, inputs: Sequence[te.Tensor]) -> list[te.Tensor]:
    return [
        lrn(
            inputs[0],
            op.size_value(),  # type: ignore[attr-defined]
            op.alpha_value(),  # type: ignore[attr-defined]
            op.beta_value(),  # type: ignore[attr-defined]
            op.bias_value(),  # type: ignore[attr-defined]
            name=op.name,
        )
    ]


# ----------------------------------------------------------------------------- CPU schedules


def _work(t: te.Tensor) -> int:
    """Elements a compute visits: its size times its reduction extents."""
    return math.prod(t.shape) * math.prod(k.dom.extent for k in t.op.reduce_axis)


def _reads_inner_axis_last(t: te.Tensor) -> bool:
    """Whether the compute's innermost output axis is also the innermost index of a tensor it reads
    (so a loop over it reads contiguously and may vectorize)."""
    axes = t.op.axis
    return bool(axes) and any(isinstance(n, Read) and n.indices and n.indices[-1] is axes[-1] for n in postorder(t.op.body))


def _fuse(stage: te.Stage, axes: Sequence[te.IterVar]) -> te.IterVar:
    return stage.fuse(*axes) if len(axes) > 1 else axes[0]


def _vectorize_reduction(s: te.Schedule, t: te.Tensor) -> None:
    """Reduce loops outside the innermost spatial loop, which vectorizes, if that loop reads contiguously."""
    stage = s[t]
    axes, raxes = list(stage.op.axis), list(stage.op.reduce_axis)
    if axes and t.shape[-1] >= 4 and (_reads_inner_axis_last(t) or t.op.name.endswith(LANES_SUFFIX)):
        if raxes:
            stage.reorder(*raxes, axes[-1])
        stage.vectorize(axes[-1])


@register_schedule(REDUCE_TAG)
def schedule_reduce(s: te.Schedule, anchor: te.Tensor, output: te.Tensor) -> None:
    """Outer kept axes fused and parallel (when the reduction is big enough), the kept innermost axis
    vectorized with the reduce loops outside it when it reads contiguously; a fused elementwise output
    computes the reduction row by row inside its own loops."""
    rank = len(anchor.shape)
    if rank == 0:
        return
    parallel = _work(anchor) >= PARALLEL_MIN_ELEMENTS
    contiguous = _reads_inner_axis_last(anchor) and anchor.shape[-1] >= 4
    target = s[output]
    axes = list(target.op.axis)
    outer = axes[:-1] if contiguous else axes
    if outer:
        fused = _fuse(target, outer)
        if parallel:
            target.parallel(fused)
        if output is not anchor:
            s[anchor].compute_at(target, fused)
    if contiguous:
        _vectorize_reduction(s, anchor)
        if output is not anchor:
            target.vectorize(axes[-1])


def _internal_stages(anchor: te.Tensor) -> list[te.Tensor]:
    """The INTERNAL computes feeding `anchor` (through other INTERNAL computes), producers first."""
    found: list[te.Tensor] = []
    stack = list(anchor.op.input_tensors)
    while stack:
        t = stack.pop()
        if isinstance(t.op, te.ComputeOp) and t.op.tag == INTERNAL_TAG and t not in found:
            found.append(t)
            stack.extend(t.op.input_tensors)
    return found[::-1]


def _first_reduced_dim(stages: Sequence[te.Tensor], rank: int) -> int:
    """The outermost dim a row statistic reduces (where its reduce axis indexes the tensor it reads)."""
    dims = [
        d
        for t in stages
        for n in postorder(t.op.body)
        if isinstance(n, Read) and len(n.indices) == rank
        for d, i in enumerate(n.indices)
        if any(i is k for k in t.op.reduce_axis)
    ]
    return min(dims, default=rank - 1)


def _schedule_rows(s: te.Schedule, anchor: te.Tensor, output: te.Tensor, outer_count: int) -> None:
    """The first `outer_count` axes fused and parallel (when big enough); the helper stages (and the anchor
    when an elementwise output follows) computed inside that loop, so a row stays in cache; innermost axes
    vectorized."""
    helpers = _internal_stages(anchor)
    target = s[output]
    axes = list(target.op.axis)
    outer = axes[:outer_count]
    if outer:
        fused = _fuse(target, outer)
        if math.prod(output.shape) * 4 >= PARALLEL_MIN_ELEMENTS:
            target.parallel(fused)
        for t in [*helpers, *([anchor] if output is not anchor else [])]:
            s[t].compute_at(target, fused)
    if output.shape[-1] >= 4 and len(axes) > outer_count:
        target.vectorize(axes[-1])
        if output is not anchor:
            s[anchor].vectorize(s[anchor].op.axis[-1])
    for t in helpers:
        _vectorize_reduction(s, t)


@register_schedule(SOFTMAX_TAG, LAYER_NORM_TAG)
def schedule_normalize(s: te.Schedule, anchor: te.Tensor, output: te.Tensor) -> None:
    """Softmax and layer norm: one (parallel) iteration per row of the dims before the normalized ones."""
    _schedule_rows(s, anchor, output, _first_reduced_dim(_internal_stages(anchor), len(anchor.shape)))


@register_schedule(LRN_TAG)
def schedule_lrn(s: te.Schedule, anchor: te.Tensor, output: te.Tensor) -> None:
    """LRN: one (parallel) iteration per (n, c) plane, its square sums computed there."""
    _schedule_rows(s, anchor, output, 2)
