"""Loop nest generation (TVM's ScheduleOps + MakeLoopNest): one loop per leaf axis, in the scheduled order.

Each stage's nest goes at its attach point; attached stages are emitted at the start of their
target loop's body, after allocating their region's buffer there. The body is the compute's
scalar ops with reads turned into loads and the yield into a store (or a load-combine-store
for reductions, whose identity is stored by an init nest placed before the first reduction loop).
Predicates guard the iterations a non-dividing split adds.
"""

from __future__ import annotations

from collections.abc import Sequence

from xdsl.dialects import arith
from xdsl.dialects.builtin import IndexType, IntegerAttr, IntegerType, MemRefType, UnitAttr
from xdsl.ir import Attribute, Block, Operation, SSAValue
from xdsl.ir.affine import AffineConstantExpr, AffineDimExpr, AffineExpr

from tessel.dialects import loop, te
from tessel.dialects.loop.affine_syntax import canonical_apply
from tessel.dialects.te.reducers import identity_attr
from tessel.passes.te_lowering.bounds import Bounds, read_env
from tessel.passes.te_lowering.index_exprs import affine_of, simplify
from tessel.passes.te_lowering.stages import IterVar, ScheduleError, Stage


class Buffer:
    """Where a stage's values live: a memref, the region start it is indexed from, and a double-buffer parity."""

    def __init__(self, value: SSAValue, mins: Sequence[AffineExpr], parity: AffineExpr | None = None):
        self.value = value
        self.mins = list(mins)
        self.parity = parity


class NestBuilder:
    """Emits the loop.func body for the stages of one function."""

    def __init__(self, bounds: Bounds, attached: dict[IterVar, list[Stage]], buffers: dict[SSAValue, Buffer]):
        self.bounds = bounds
        self.attached = attached
        self.buffers = buffers
        self.loop_vars: dict[int, SSAValue] = {}
        self.block: Block = Block()

    # --- small emitters ------------------------------------------------------------------------

    def emit(self, op: Operation) -> Operation:
        self.block.add_op(op)
        return op

    def constant(self, value: int) -> SSAValue:
        return self.emit(arith.ConstantOp(IntegerAttr(value, IndexType()))).results[0]

    def apply(self, expr: AffineExpr) -> SSAValue:
        """An index value for `expr` over loop variables (a constant or one loop.apply)."""
        expr = simplify(expr)
        if isinstance(expr, AffineConstantExpr):
            return self.constant(expr.value)
        if isinstance(expr, AffineDimExpr):
            return self.loop_vars[expr.position]
        return self.emit(canonical_apply(expr, self.loop_vars)).results[0]

    def compare(self, predicate: str, lhs: SSAValue, rhs: SSAValue) -> SSAValue:
        return self.emit(arith.CmpiOp(lhs, rhs, predicate)).results[0]

    def all_of(self, conditions: list[SSAValue]) -> SSAValue:
        result = conditions[0]
        for condition in conditions[1:]:
            result = self.emit(arith.AndIOp(result, condition)).results[0]
        return result

    def loop(self, axis: IterVar, extent: int | None = None) -> loop.ForOp:
        """A loop over `axis`'s extent with its kind; its variable becomes the axis's dim."""
        annotations: dict[str, Attribute] = {f"pragma_{p}": UnitAttr() for p in axis.pragmas}
        for_op = loop.ForOp(0, axis.extent if extent is None else extent, 1, axis.kind, axis.thread, annotations or None)
        self.emit(for_op)
        self.loop_vars[axis.dim] = for_op.induction_var
        for_op.induction_var.name_hint = _ssa_name(axis.name)
        return for_op

    # --- stages -----------------------------------------------------------------------------------

    def emit_attached(self, axis: IterVar) -> None:
        """The stages attached at `axis`, each allocating its buffer in the current block first."""
        for stage in self.attached.get(axis, []):
            self.allocate(stage, self.bounds.stages[stage].mins, parity_axis=stage.attach.axis)
            if stage.scope == "shared":
                self.emit(loop.BarrierOp())
            self.emit_stage(stage)
            if stage.scope == "shared":
                self.emit(loop.BarrierOp())

    def allocate(self, stage: Stage, mins: Sequence[AffineExpr], parity_axis: IterVar | None = None) -> None:
        assert stage.compute is not None
        shape = aligned_shape(stage, self.bounds.stages[stage].extents)
        parity = None
        if stage.double_buffer:
            if stage.attach.kind != "at" or parity_axis is None:
                raise ScheduleError(
                    f"te.double_buffer: stage {stage.name} must be computed at a loop (te.compute_at) to alternate buffers",
                    stage.written_by.get("te.double_buffer"),
                )
            shape = [2, *shape]
            parity = AffineExpr.dimension(parity_axis.dim) % 2
        buffer_type = MemRefType(stage.compute.element_type, shape)
        alloc = self.emit(loop.AllocOp(stage.name, stage.scope, buffer_type))
        alloc.results[0].name_hint = _ssa_name(stage.name)
        self.buffers[stage.tensor] = Buffer(alloc.results[0], mins, parity)

    def emit_stage(self, stage: Stage, init: bool = True, update: bool = True) -> None:
        """The stage's loop nest in the current block; `init`/`update` select a reduction's parts."""
        outer = self.block
        self._emit_nest(stage, init, update)
        self.block = outer

    def _emit_nest(self, stage: Stage, init: bool, update: bool) -> None:
        from tessel.passes.te_lowering.special_nests import emit_special

        leaves = stage.leaf_axes
        first_reduce = next((i for i, a in enumerate(leaves) if a.reduce), None)
        for level, axis in enumerate(leaves):
            if level == first_reduce and init:
                self.emit_init(stage, level)
                if not update:
                    return
            if emit_special(self, stage, level):
                return
            for_op = self.loop(axis)
            self.block = for_op.body.block
            self.emit_attached(axis)
        if not emit_special(self, stage, len(leaves)):
            self.emit_body(stage)

    def emit_init(self, stage: Stage, level: int) -> None:
        """Store the reducer's identity over the spatial loops from `level` on, before the reduction loops."""
        from tessel.passes.te_lowering.special_nests import emit_special_init

        outer = self.block
        for position in range(level, len(stage.leaf_axes)):
            axis = stage.leaf_axes[position]
            if emit_special_init(self, stage, position):
                self.block = outer
                return
            if axis.reduce:
                continue
            self.block = self.loop(axis).body.block
        assert stage.compute is not None
        yield_op = stage.compute.yield_op
        assert yield_op.reducer is not None
        value = self.emit(
            arith.ConstantOp(identity_attr(yield_op.reducer.data, stage.compute.element_type, yield_op.identity))
        ).results[0]
        self.guarded(stage, spatial_only=True)
        self.store(stage, value)
        self.block = outer

    def guarded(self, stage: Stage, spatial_only: bool = False) -> None:
        """Open a loop.if for the iterations outside the stage's region or domain, where there are any."""
        conditions: list[SSAValue] = []
        stage_bounds = self.bounds.stages[stage]
        assert stage.compute is not None
        for axis, value in stage_bounds.split_guards:
            if not (spatial_only and axis.reduce):
                conditions.append(self.compare("slt", self.apply(value), self.constant(axis.extent)))
        for axis in stage.root_axes:
            if spatial_only and axis.reduce:
                continue
            past_extent, leaves_domain = stage_bounds.guards[axis]
            if past_extent:
                local = self.apply(stage_bounds.local[axis])
                conditions.append(self.compare("slt", local, self.constant(axis.extent)))
            if leaves_domain:
                value = self.apply(self.bounds.root_value(stage, axis))
                size = stage.compute.shape[stage.spatial_roots.index(axis)]
                conditions.append(self.compare("sge", value, self.constant(0)))
                conditions.append(self.compare("slt", value, self.constant(size)))
        if conditions:
            if_op = self.emit(loop.IfOp(self.all_of(conditions)))
            assert isinstance(if_op, loop.IfOp)
            self.block = if_op.then_region.block

    def store_indices(self, stage: Stage) -> list[SSAValue]:
        stage_bounds = self.bounds.stages[stage]
        indices = [self.apply(stage_bounds.local[axis]) for axis in stage.spatial_roots]
        buffer = self.buffers[stage.tensor]
        if buffer.parity is not None:
            indices.insert(0, self.apply(buffer.parity))
        return indices

    def store(self, stage: Stage, value: SSAValue) -> None:
        buffer = self.buffers[stage.tensor]
        self.emit(loop.StoreOp(value, buffer.value, self.store_indices(stage)))

    def emit_body(self, stage: Stage) -> None:
        """The compute's scalar ops at the innermost loop: reads become loads, the yield a store."""
        assert stage.compute is not None
        self.guarded(stage)
        env = read_env(stage, self.bounds)
        values: dict[SSAValue, SSAValue] = {}
        for arg, expr in zip(stage.compute.body.block.args, env.values(), strict=True):
            values[arg] = self.apply(expr)
        self.emit_scalar_ops(stage.compute, env, values)
        yield_op = stage.compute.yield_op
        value = values[yield_op.value]
        if yield_op.reducer is not None:
            buffer = self.buffers[stage.tensor]
            old = self.emit(loop.LoadOp(buffer.value, self.store_indices(stage))).results[0]
            value = self.emit(combine(yield_op.reducer.data, old, value)).results[0]
        self.store(stage, value)

    def emit_scalar_ops(self, compute: te.ComputeOp, env: dict[SSAValue, AffineExpr], values: dict[SSAValue, SSAValue]) -> None:
        guarded = lazily_read(compute)
        memo: dict = {}
        for op in compute.body.block.ops:
            if isinstance(op, te.YieldOp):
                continue
            if isinstance(op, te.ReadOp):
                values[op.result] = self.load(op, env, values, memo, clamp=op in guarded)
            elif isinstance(op, te.IfThenElseOp):
                select = arith.SelectOp(values[op.condition], values[op.true_value], values[op.false_value])
                values[op.result] = self.emit(select).results[0]
            else:
                clone = op.clone(value_mapper=values)
                self.emit(clone)
                for old, new in zip(op.results, clone.results, strict=True):
                    values[old] = new

    def load(
        self, read: te.ReadOp, env: dict[SSAValue, AffineExpr], values: dict[SSAValue, SSAValue], memo: dict, clamp: bool
    ) -> SSAValue:
        buffer = self.buffers[read.tensor]
        shape = buffer.value.type.get_shape()  # type: ignore[attr-defined]
        indices: list[SSAValue] = []
        if buffer.parity is not None:
            indices.append(self.apply(buffer.parity))
        region_dims = shape[1:] if buffer.parity is not None else shape
        for index, low, size in zip(read.indices, buffer.mins, region_dims, strict=True):
            expr = affine_of(index, env, memo)
            if expr is not None:
                local = self.apply(expr - low)
            elif isinstance(low, AffineConstantExpr) and low.value == 0:
                local = values[index]
            else:
                local = self.emit(arith.SubiOp(values[index], self.apply(low))).results[0]
            if clamp:
                local = self.emit(arith.MinSIOp(local, self.constant(size - 1))).results[0]
                local = self.emit(arith.MaxSIOp(local, self.constant(0))).results[0]
            indices.append(local)
        return self.emit(loop.LoadOp(buffer.value, indices)).results[0]


def combine(reducer: str, old: SSAValue, new: SSAValue) -> Operation:
    """The reducer's combining op for the element type."""
    element = old.type
    if isinstance(element, IntegerType):
        unsigned = element.signedness.data.name == "UNSIGNED"
        ops = {"sum": arith.AddiOp, "prod": arith.MuliOp, "max": arith.MaxUIOp if unsigned else arith.MaxSIOp,
               "min": arith.MinUIOp if unsigned else arith.MinSIOp}  # fmt: skip
    else:
        ops = {"sum": arith.AddfOp, "prod": arith.MulfOp, "max": arith.MaximumfOp, "min": arith.MinimumfOp}
    return ops[reducer](old, new)


def lazily_read(compute: te.ComputeOp) -> set[te.ReadOp]:
    """Reads feeding a branch of a te.if_then_else: they may fall outside the tensor, so their indices are clamped."""
    result: set[te.ReadOp] = set()
    pending = [v for op in compute.body.walk() if isinstance(op, te.IfThenElseOp) for v in (op.true_value, op.false_value)]
    seen: set[SSAValue] = set()
    while pending:
        value = pending.pop()
        if value in seen or not isinstance(value.owner, Operation):
            continue
        seen.add(value)
        if isinstance(value.owner, te.ReadOp):
            result.add(value.owner)
        pending.extend(value.owner.operands)
    return result


def aligned_shape(stage: Stage, extents: Sequence[int]) -> list[int]:
    """The buffer shape with storage_align's padding: the innermost dimension grows until each aligned stride fits."""
    shape = list(extents)
    for dim, (factor, offset) in sorted(stage.storage_align.items()):
        for _ in range(factor * max(1, shape[-1])):
            stride = 1
            for size in shape[dim + 1 :]:
                stride *= size
            if stride % factor == offset:
                break
            shape[-1] += 1
        else:
            raise ScheduleError(
                f"te.storage_align: no padding of stage {stage.name} gives dimension {dim} a stride of {factor}*n+{offset}",
                stage.written_by.get("te.storage_align"),
            )
    return shape


def _ssa_name(name: str) -> str:
    cleaned = "".join(c if c.isalnum() or c == "_" else "_" for c in name)
    return cleaned if cleaned and not cleaned[0].isdigit() else f"v{cleaned}"
