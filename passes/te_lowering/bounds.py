"""Bound inference (TVM's InferBound): the region of each stage that its consumers need, and its loop extents.

A stage computed at the root covers its whole shape. A stage attached at a consumer's loop
covers what the reads inside that loop touch: loops enclosing the attach point are fixed,
loops inside it range over their extents. The region's start is an affine expression of the
enclosing loops; its extent is a constant bound over all their values.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from xdsl.ir import SSAValue
from xdsl.ir.affine import AffineExpr

from tessel.dialects import te
from tessel.passes.te_lowering.index_exprs import (
    affine_of,
    constant_difference,
    numeric_range,
    simplify,
    symbolic_range,
    used_dims,
)
from tessel.passes.te_lowering.stages import Fuse, IterVar, ScheduleError, Split, Stage


@dataclass
class StageBounds:
    """The region a stage computes and how its root axes follow from its loops."""

    mins: list[AffineExpr]
    """Start of the region per output dimension (an expression of the enclosing loops)."""
    extents: list[int]
    """Size of the region per output dimension: the buffer shape (before storage_align / double_buffer)."""
    local: dict[IterVar, AffineExpr] = field(default_factory=dict)
    """Each root axis as an expression of the stage's own loops (0 at the region start)."""
    guards: dict[IterVar, tuple[bool, bool]] = field(default_factory=dict)
    """Per root axis: (may run past the region's extent, may leave the tensor's domain)."""
    split_guards: list[tuple[IterVar, AffineExpr]] = field(default_factory=list)
    """Axes between root and leaves split by a non-dividing factor: each one's value must stay below its extent."""

    def guarded_within(self, dims: set[int]) -> bool:
        """Whether a guard depends on one of the loops `dims` (their iterations are not all real)."""
        guarded = [self.local[axis] for axis, flags in self.guards.items() if any(flags)]
        guarded += [value for _, value in self.split_guards]
        return any(used_dims(expr) & dims for expr in guarded)


@dataclass
class Bounds:
    stages: dict[Stage, StageBounds] = field(default_factory=dict)
    extents: dict[int, int] = field(default_factory=dict)
    """Every loop variable's extent, by dim."""

    def root_value(self, stage: Stage, axis: IterVar) -> AffineExpr:
        """The root axis's value: region start + local offset (reduction axes start at 0)."""
        bounds = self.stages[stage]
        if axis.reduce:
            return bounds.local[axis]
        return bounds.mins[stage.spatial_roots.index(axis)] + bounds.local[axis]


def enclosing_dims(stage: Stage) -> list[IterVar]:
    """The loops around `stage`'s nest, outermost first."""
    attach = stage.attach
    if attach.kind != "at":
        return []
    assert attach.target is not None and attach.axis is not None
    target = attach.target
    return enclosing_dims(target) + target.leaf_axes[: target.leaf_position(attach.axis) + 1]


def read_env(stage: Stage, bounds: Bounds) -> dict[SSAValue, AffineExpr]:
    """The stage's block arguments as expressions of loop variables."""
    assert stage.compute is not None
    return {arg: bounds.root_value(stage, axis) for arg, axis in zip(stage.compute.body.block.args, stage.root_axes, strict=True)}


def infer_bounds(order: list[Stage], consumers: dict[Stage, list[Stage]]) -> Bounds:
    """Bounds of every stage in `order` (consumers and attach targets come first)."""
    bounds = Bounds()
    for stage in order:
        assert stage.compute is not None
        shape = stage.compute.shape
        if stage.attach.kind == "at":
            mins, extents = _attached_region(stage, consumers[stage], bounds)
        else:
            mins, extents = [AffineExpr.constant(0)] * len(shape), list(shape)
        stage_bounds = StageBounds(mins, extents)
        bounds.stages[stage] = stage_bounds
        for axis, extent in zip(stage.spatial_roots, extents, strict=True):
            axis.extent = extent
        for axis, extent in zip([a for a in stage.root_axes if a.reduce], stage.compute.reduce_shape, strict=True):
            axis.extent = extent
        _leaf_extents(stage)
        for axis in stage.leaf_axes:
            bounds.extents[axis.dim] = axis.extent
        values = _axis_values(stage)
        stage_bounds.local = {axis: values[axis] for axis in stage.root_axes}
        stage_bounds.split_guards = [
            (r.parent, values[r.parent])
            for r in stage.relations
            if isinstance(r, Split) and r.parent not in stage.root_axes and r.outer.extent * r.inner.extent > r.parent.extent
        ]
        for axis in stage.root_axes:
            lo, hi = numeric_range(stage_bounds.local[axis], bounds.extents)
            past_extent = hi >= axis.extent
            leaves_domain = False
            if not axis.reduce:
                d = stage.spatial_roots.index(axis)
                glo, ghi = numeric_range(simplify(mins[d] + AffineExpr.constant(min(hi, axis.extent - 1))), bounds.extents)
                leaves_domain = glo < 0 or ghi >= shape[d]
            stage_bounds.guards[axis] = (past_extent, leaves_domain)
    return bounds


def _attached_region(stage: Stage, readers: list[Stage], bounds: Bounds) -> tuple[list[AffineExpr], list[int]]:
    assert stage.compute is not None
    shape = stage.compute.shape
    fixed = {axis.dim for axis in enclosing_dims(stage)}
    per_dim: list[list[tuple[AffineExpr, AffineExpr] | None]] = [[] for _ in shape]
    for reader in readers:
        env = read_env(reader, bounds)
        memo: dict = {}
        assert reader.compute is not None
        for read in reader.compute.walk():
            if not isinstance(read, te.ReadOp) or read.tensor != stage.tensor:
                continue
            for d, index in enumerate(read.indices):
                expr = affine_of(index, env, memo)
                per_dim[d].append(None if expr is None else symbolic_range(simplify(expr), fixed, bounds.extents))
    mins: list[AffineExpr] = []
    extents: list[int] = []
    for d, ranges in enumerate(per_dim):
        region = _union(ranges, bounds.extents)
        if region is None or region[1] >= shape[d]:
            mins.append(AffineExpr.constant(0))
            extents.append(shape[d])
        else:
            mins.append(region[0])
            extents.append(region[1])
    return mins, extents


def _union(ranges: list[tuple[AffineExpr, AffineExpr] | None], extents: dict[int, int]) -> tuple[AffineExpr, int] | None:
    if not ranges or any(r is None for r in ranges):
        return None
    lows = [r[0] for r in ranges if r is not None]
    offsets = [constant_difference(lo, lows[0]) for lo in lows]
    if any(o is None for o in offsets):
        return None
    low = simplify(lows[0] + min(o for o in offsets if o is not None))
    extent = max(numeric_range(simplify(r[1] - low), extents)[1] for r in ranges if r is not None) + 1
    return low, extent


def _leaf_extents(stage: Stage) -> None:
    for relation in stage.relations:
        if isinstance(relation, Split):
            total = relation.parent.extent
            if relation.factor is not None:
                relation.inner.extent = relation.factor
                relation.outer.extent = -(-total // relation.factor)
            else:
                assert relation.nparts is not None
                relation.outer.extent = relation.nparts
                relation.inner.extent = -(-total // relation.nparts)
        else:
            relation.fused.extent = relation.outer.extent * relation.inner.extent


def _axis_values(stage: Stage) -> dict[IterVar, AffineExpr]:
    """Every axis of the stage (roots and those between) as an expression of its loops, 0-based."""
    value: dict[IterVar, AffineExpr] = {axis: AffineExpr.dimension(axis.dim) for axis in stage.leaf_axes}
    for relation in reversed(stage.relations):
        if isinstance(relation, Split):
            value[relation.parent] = value[relation.outer] * relation.inner.extent + value[relation.inner]
        else:
            assert isinstance(relation, Fuse)
            value[relation.outer] = value[relation.fused] // relation.inner.extent
            value[relation.inner] = value[relation.fused] % relation.inner.extent
    return {axis: simplify(expr) for axis, expr in value.items()}


def lowering_order(stages: list[Stage], consumers: dict[Stage, list[Stage]]) -> list[Stage]:
    """Stages ordered so that every stage's consumers and attach target come before it."""
    order: list[Stage] = []
    state: dict[Stage, str] = {}

    def visit(stage: Stage) -> None:
        if state.get(stage) == "done":
            return
        if state.get(stage) == "active":
            raise ScheduleError(f"te.compute_at: stage {stage.name} is attached inside a loop nest that depends on it (a cycle)")
        state[stage] = "active"
        for consumer in consumers[stage]:
            visit(consumer)
        if stage.attach.kind == "at":
            assert stage.attach.target is not None
            visit(stage.attach.target)
        state[stage] = "done"
        order.append(stage)

    for stage in stages:
        visit(stage)
    return order
