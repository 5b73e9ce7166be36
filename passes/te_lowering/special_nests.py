"""Loop nests replaced by one operation: `dma_copy` pragmas (a copy nest becomes loop.dma_copy) and tensorize.

tensorize matches the loops from the tensorized axis inwards, and the compute's body, against a
declared tensor intrinsic: the loops' extents must equal the intrinsic's axes (output axes then
reduction axes, in order), the bodies must have the same ops, reading tensors in the same pattern
up to a start offset. The nest then becomes a call of the intrinsic's `compute` on views of the
buffers, or `reset` (at the reduction's init) and `update` when reduction loops lie outside.
"""

from __future__ import annotations

from xdsl.ir import Operation, SSAValue
from xdsl.ir.affine import AffineExpr

from tessel.dialects import loop, te
from tessel.passes.te_lowering.bounds import enclosing_dims, read_env
from tessel.passes.te_lowering.codegen import NestBuilder
from tessel.passes.te_lowering.index_exprs import affine_of, constant_difference, simplify, symbolic_range, used_dims
from tessel.passes.te_lowering.stages import ScheduleError, Stage


def dma_level(stage: Stage) -> int | None:
    if "dma_copy" in stage.stage_pragmas:
        return 0
    return next((i for i, a in enumerate(stage.leaf_axes) if "dma_copy" in a.pragmas), None)


def tensorize_level(stage: Stage) -> int | None:
    return next((i for i, a in enumerate(stage.leaf_axes) if a.tensorize is not None), None)


def emit_special(builder: NestBuilder, stage: Stage, level: int) -> bool:
    """Emit the nest from `level` inwards as one DMA copy or intrinsic call, if the schedule says so."""
    if dma_level(stage) == level:
        emit_dma(builder, stage, level)
        return True
    if tensorize_level(stage) == level:
        Tensorized(builder, stage, level).emit_main()
        return True
    return False


def emit_special_init(builder: NestBuilder, stage: Stage, position: int) -> bool:
    """At the tensorized axis, a reduction's init nest becomes the intrinsic's reset call."""
    if tensorize_level(stage) == position:
        Tensorized(builder, stage, position, with_inputs=False).emit_reset()
        return True
    return False


def _pragma_op(stage: Stage, level: int) -> Operation | None:
    axis_op = stage.leaf_axes[level].written_by.get("te.pragma") if level < len(stage.leaf_axes) else None
    return axis_op or stage.written_by.get("te.pragma")


def _inner_box(builder: NestBuilder, stage: Stage, level: int, what: str) -> list[tuple[AffineExpr, int]]:
    """For each output axis, the start (in tensor coordinates) and size of what the loops from `level` in cover."""
    bounds = builder.bounds
    where = _pragma_op(stage, level)
    inner = stage.leaf_axes[level:]
    fixed = {a.dim for a in enclosing_dims(stage)} | {a.dim for a in stage.leaf_axes[:level]}
    not_a_box = f"{what}: the loops from axis {stage.leaf_axes[level].name} of stage {stage.name} do not cover a box"
    box: list[tuple[AffineExpr, int]] = []
    size_product = 1
    if bounds.stages[stage].guarded_within({a.dim for a in inner}):
        raise ScheduleError(f"{not_a_box} (a non-dividing split adds iterations)", where)
    for axis in stage.spatial_roots:
        value = simplify(bounds.root_value(stage, axis))
        found = symbolic_range(value, fixed, bounds.extents)
        size = constant_difference(found[1], found[0]) if found is not None else None
        if found is None or size is None:
            raise ScheduleError(not_a_box, where)
        box.append((found[0], size + 1))
        size_product *= size + 1
    spatial_inner = 1
    for axis in inner:
        if not axis.reduce:
            spatial_inner *= axis.extent
    if spatial_inner != size_product:
        raise ScheduleError(not_a_box, where)
    return box


def emit_dma(builder: NestBuilder, stage: Stage, level: int) -> None:
    """A copy stage's loops from `level` in as one loop.dma_copy of the box they cover."""
    assert stage.compute is not None
    ops = list(stage.compute.body.block.ops)
    args = list(stage.compute.body.block.args)
    if not (
        len(ops) == 2 and isinstance(ops[0], te.ReadOp) and list(ops[0].indices) == args and ops[1].operands[0] == ops[0].result
    ):
        raise ScheduleError(
            f"te.pragma dma_copy: stage {stage.name} is not a copy (like a cache_read / cache_write stage)",
            _pragma_op(stage, level),
        )
    source = builder.buffers[ops[0].tensor]
    target = builder.buffers[stage.tensor]
    if source.parity is not None or target.parity is not None:
        raise ScheduleError(
            f"te.pragma dma_copy: stage {stage.name} copies into or out of a double buffer, which DMA here does not do",
            _pragma_op(stage, level),
        )
    box = _inner_box(builder, stage, level, "te.pragma dma_copy")
    src = [builder.apply(start - low) for (start, _), low in zip(box, source.mins, strict=True)]
    dst = [builder.apply(start - low) for (start, _), low in zip(box, target.mins, strict=True)]
    builder.emit(loop.DmaCopyOp(source.value, src, target.value, dst, [size for _, size in box]))


class Tensorized:
    """The match of a stage's nest from one axis inwards against its tensor intrinsic."""

    def __init__(self, builder: NestBuilder, stage: Stage, level: int, with_inputs: bool = True):
        self.builder, self.stage, self.level = builder, stage, level
        axis = stage.leaf_axes[level]
        assert axis.tensorize is not None and stage.compute is not None
        self.intrin = axis.tensorize
        self.where = f"te.tensorize: stage {stage.name} at axis {axis.name} with @{self.intrin.sym_name.data}"
        self.inner = stage.leaf_axes[level:]
        self.outer_reduce = any(a.reduce for a in stage.leaf_axes[:level])
        self._match_loops()
        self.views = self._match_body(with_inputs)

    def _fail(self, why: str) -> ScheduleError:
        return ScheduleError(f"{self.where}: {why}", self.stage.leaf_axes[self.level].written_by.get("te.tensorize"))

    def _match_loops(self) -> None:
        compute = self.intrin.compute
        spatial = [a for a in self.inner if not a.reduce]
        reduce = [a for a in self.inner if a.reduce]
        if [a.extent for a in spatial] != list(compute.shape) or [a.extent for a in reduce] != list(compute.reduce_shape):
            raise self._fail(
                f"the loops inside are {[a.extent for a in spatial]} reduce {[a.extent for a in reduce]}, "
                f"the intrinsic computes {list(compute.shape)} reduce {list(compute.reduce_shape)}"
            )
        for axis in self.inner:
            if self.builder.attached.get(axis):
                raise self._fail(f"stage {self.builder.attached[axis][0].name} is computed inside the tensorized loops")
        self.axis_for = dict(zip(compute.body.block.args, spatial + reduce, strict=True))
        if self.builder.bounds.stages[self.stage].guarded_within({a.dim for a in self.inner}):
            raise self._fail("a non-dividing split adds iterations inside the tensorized loops")

    def _match_body(self, with_inputs: bool) -> dict[SSAValue, tuple[SSAValue, list[AffineExpr]]]:
        """For each intrinsic tensor (placeholders and output): the buffer it views and the view's start."""
        compute, declared = self.stage.compute, self.intrin.compute
        assert compute is not None
        ops, declared_ops = list(compute.body.block.ops), list(declared.body.block.ops)
        if len(ops) != len(declared_ops):
            raise self._fail(f"the compute body has {len(ops)} ops, the intrinsic's {len(declared_ops)}")
        env = read_env(self.stage, self.builder.bounds)
        declared_env = {arg: AffineExpr.dimension(axis.dim) for arg, axis in self.axis_for.items()}
        inner_dims = {a.dim for a in self.inner}
        views: dict[SSAValue, tuple[SSAValue, list[AffineExpr]]] = {}
        memo, declared_memo = {}, {}
        for op, other in zip(ops, declared_ops, strict=True):
            if op.name != other.name or op.properties != other.properties or op.attributes != other.attributes:
                raise self._fail(f"the compute's {op.name} does not match the intrinsic's {other.name}")
            if [r.type for r in op.results] != [r.type for r in other.results]:
                raise self._fail(
                    f"{op.name} has types {[str(r.type) for r in op.results]} in the compute, other types in the intrinsic"
                )
            if not isinstance(op, te.ReadOp) or not with_inputs:
                continue
            assert isinstance(other, te.ReadOp)
            buffer = self.builder.buffers[op.tensor]
            starts: list[AffineExpr] = []
            for index, declared_index, low in zip(op.indices, other.indices, buffer.mins, strict=True):
                expr, declared_expr = affine_of(index, env, memo), affine_of(declared_index, declared_env, declared_memo)
                if expr is None or declared_expr is None:
                    raise self._fail(f"a read of {op.tensor.name_hint or 'a tensor'} has an index that is not affine")
                offset = simplify(expr - declared_expr)
                if used_dims(offset) & inner_dims:
                    raise self._fail(
                        f"the compute reads {op.tensor.name_hint or 'a tensor'} in another pattern than the intrinsic"
                    )
                starts.append(simplify(offset - low))
            if buffer.parity is not None:
                raise self._fail("a tensorized read of a double buffer is not supported")
            previous = views.get(other.tensor)
            if previous is not None and (previous[0] != buffer.value or previous[1] != starts):
                raise self._fail("two reads of one intrinsic input view different regions")
            views[other.tensor] = (buffer.value, starts)
        yields, declared_yield = compute.yield_op, declared.yield_op
        if (yields.reducer, yields.identity) != (declared_yield.reducer, declared_yield.identity):
            raise self._fail("the reducers differ")
        output = self.builder.buffers[self.stage.tensor]
        if output.parity is not None:
            raise self._fail("tensorizing into a double buffer is not supported")
        bounds = self.builder.bounds.stages[self.stage]
        zero_inner = [
            AffineExpr.dimension(d) if d not in inner_dims else AffineExpr.constant(0)
            for d in range(max(self.builder.bounds.extents) + 1)
        ]
        views[declared.result] = (
            output.value,
            [simplify(bounds.local[a].replace_dims_and_symbols(zero_inner, [])) for a in self.stage.spatial_roots],
        )
        return views

    def _call(self, callee: str, args: list[SSAValue]) -> None:
        buffers, offsets = [], []
        for tensor in args:
            buffer, starts = self.views[tensor]
            buffers.append(buffer)
            offsets.append([self.builder.apply(start) for start in starts])
        self.builder.emit(loop.CallOp(callee, buffers, offsets))

    def emit_main(self) -> None:
        lowering = self.intrin.lowering
        if self.outer_reduce:
            if lowering.update_callee is None:
                raise self._fail("reduction loops lie outside the tensorized loops, but the intrinsic declares no reset/update")
            self._call(lowering.update_callee.root_reference.data, list(lowering.update_args))
        else:
            self._call(lowering.compute_callee.root_reference.data, list(lowering.compute_args))

    def emit_reset(self) -> None:
        lowering = self.intrin.lowering
        if lowering.reset_callee is None:
            raise self._fail("reduction loops lie outside the tensorized loops, but the intrinsic declares no reset/update")
        self._call(lowering.reset_callee.root_reference.data, list(lowering.reset_args))
