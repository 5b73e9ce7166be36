"""Scheduling a fused group for the CPU: inline its elementwise/injective stages, schedule its anchor
with the anchor's registered schedule, and give every other output TOPI's injective schedule."""

from __future__ import annotations

import math
from collections.abc import Sequence

from tessel.frontends import te
from tessel.frontends.te_schedule import reachable_ops
from tessel.ops.registry import INLINABLE_TAGS, schedule_for

PARALLEL_MIN_ELEMENTS = 1 << 14
"""Outputs smaller than this run on one thread: starting threads costs more than the work."""

VECTOR_LANES = 16
"""f32 lanes of the widest vector registers tessel.build targets (AVX-512)."""


def divisor_at_most(n: int, limit: int) -> int:
    """The largest divisor of `n` that is <= `limit` (at least 1): a split factor without a tail."""
    for d in range(min(n, max(limit, 1)), 0, -1):
        if n % d == 0:
            return d
    return 1


def schedule_injective(s: te.Schedule, out: te.Tensor) -> None:
    """TOPI's x86 schedule_injective: outer axes fused and run in parallel (for outputs big enough to
    pay for threads), the innermost axis vectorized."""
    stage = s[out]
    axes = list(stage.op.axis)
    if not axes:
        return
    size = math.prod(out.shape)
    inner = axes[-1]
    if len(axes) == 1:
        (extent,) = out.shape
        if size >= PARALLEL_MIN_ELEMENTS:
            outer, inner = stage.split(inner, factor=divisor_at_most(extent, 4096) if extent % VECTOR_LANES else 4096)
            stage.parallel(outer)
    else:
        # Only the two axes before the innermost are fused: recovering three or more fused indices costs
        # bound guards that keep the inner loop scalar; leading (batch) axes stay serial loops outside.
        outer = stage.fuse(axes[-3], axes[-2]) if len(axes) > 2 else axes[0]
        if size >= PARALLEL_MIN_ELEMENTS:
            stage.parallel(outer)
    if out.shape[-1] >= 4:
        stage.vectorize(inner)


def schedule_group(outputs: Sequence[te.Tensor]) -> te.Schedule:
    """The schedule of one fused group whose results are `outputs` (TVM's schedule of a fused function)."""
    s = te.create_schedule([o.op for o in outputs])
    output_ops = {o.op for o in outputs}
    computes = [op for op in reachable_ops([o.op for o in outputs]) if isinstance(op, te.ComputeOp)]
    for op in computes:
        if op.tag in INLINABLE_TAGS and op not in output_ops:
            s[op].compute_inline()
    scheduled: set[te.Operation] = set()
    for op in computes:
        fn = schedule_for(op.tag)
        if fn is None:
            continue
        anchor = op.output(0)
        output = _fused_output(anchor, outputs)
        fn(s, anchor, output)
        scheduled.add(output.op)
    for out in outputs:
        if out.op not in scheduled and out.op.tag in INLINABLE_TAGS:
            schedule_injective(s, out)
    return s


def _fused_output(anchor: te.Tensor, outputs: Sequence[te.Tensor]) -> te.Tensor:
    """The group output that consumes `anchor` elementwise (same shape, reads it through inlined stages
    only), or `anchor` itself if it is an output or no output qualifies."""
    if any(o.op is anchor.op for o in outputs):
        return anchor
    for out in outputs:
        if tuple(out.shape) == tuple(anchor.shape) and _reads_through_inlinable(out.op, anchor.op):
            return out
    return anchor


def _reads_through_inlinable(op: te.Operation, target: te.Operation) -> bool:
    stack = [t.op for t in op.input_tensors]
    seen: set[te.Operation] = set()
    while stack:
        current = stack.pop()
        if current is target:
            return True
        if current in seen or not isinstance(current, te.ComputeOp) or current.tag not in INLINABLE_TAGS:
            continue
        seen.add(current)
        stack.extend(t.op for t in current.input_tensors)
    return False
