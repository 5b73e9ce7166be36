"""Which te compute implements each graph op, and which CPU schedule each kind of anchor compute gets.

A compute function turns one graph op (its properties) and te tensors for its operands into te tensors
for its results; it tags the compute that produces each result (te.compute(..., tag=...)):

- ELEMWISE / BROADCAST / INJECTIVE tags: one-to-one or index-remapping computes. Inside a fused group
  they are inlined into their consumer; a group output with such a tag gets `schedule_injective`.
- INTERNAL_TAG: a helper stage of a composite op (conv2d's padding, softmax's max and sum). The group
  scheduler never touches it; the anchor's schedule places it (or it stays at root: correct, slower).
- any other tag names an anchor schedule registered with `register_schedule(tag)`:
  fn(s, anchor, output) schedules the anchor tensor and the group output that consumes it
  (`output is anchor` when nothing was fused after it).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from xdsl.ir import Operation

from tessel.frontends import te

ELEMWISE_TAG = "elemwise"
BROADCAST_TAG = "broadcast"
INJECTIVE_TAG = "injective"
INTERNAL_TAG = "internal"
INLINABLE_TAGS = frozenset({ELEMWISE_TAG, BROADCAST_TAG, INJECTIVE_TAG})

ComputeFn = Callable[[Operation, Sequence[te.Tensor]], list[te.Tensor]]
ScheduleFn = Callable[[te.Schedule, te.Tensor, te.Tensor], None]

_COMPUTES: dict[str, ComputeFn] = {}
_SCHEDULES: dict[str, ScheduleFn] = {}


class OpsError(ValueError):
    """A graph op the operator library cannot express (unsupported op, dtype or attribute); names the op."""


def register_compute(*op_names: str) -> Callable[[ComputeFn], ComputeFn]:
    """Register `fn(op, inputs) -> outputs` as the te compute of the graph ops named `op_names`."""

    def register(fn: ComputeFn) -> ComputeFn:
        for name in op_names:
            if name in _COMPUTES:
                raise ValueError(f"ops: two computes registered for {name}")
            _COMPUTES[name] = fn
        return fn

    return register


def register_schedule(*tags: str) -> Callable[[ScheduleFn], ScheduleFn]:
    """Register `fn(s, anchor, output)` as the CPU schedule of computes tagged with any of `tags`."""

    def register(fn: ScheduleFn) -> ScheduleFn:
        for tag in tags:
            if tag in _SCHEDULES or tag in INLINABLE_TAGS or tag == INTERNAL_TAG:
                raise ValueError(f"ops: tag {tag!r} already has a schedule or is reserved")
            _SCHEDULES[tag] = fn
        return fn

    return register


def supported_ops() -> tuple[str, ...]:
    return tuple(sorted(_COMPUTES))


def compute_of(op: Operation, inputs: Sequence[te.Tensor]) -> list[te.Tensor]:
    """The te tensors computing `op`'s results from te tensors of its operands."""
    fn = _COMPUTES.get(op.name)
    if fn is None:
        raise OpsError(f"{op.name}: the operator library has no compute for this op (supported: {', '.join(supported_ops())})")
    outputs = fn(op, inputs)
    if len(outputs) != len(op.results):
        raise OpsError(f"{op.name}: its compute made {len(outputs)} tensors for {len(op.results)} results")
    return outputs


def schedule_for(tag: str) -> ScheduleFn | None:
    """The anchor schedule registered for `tag`, or None (inlinable, internal or unknown tags)."""
    return _SCHEDULES.get(tag)
