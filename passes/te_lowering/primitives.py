"""Apply the ops of a te.schedule, in order, to the stages of a function (TVM's Stage methods).

Runs on a private copy of the function: cache_read / cache_write add computes to it and
redirect reads. Each illegal use raises ScheduleError naming the primitive and the axis.
"""

from __future__ import annotations

from collections.abc import Callable

from xdsl.dialects import builtin, func
from xdsl.ir import Operation, SSAValue
from xdsl.rewriter import InsertPoint, Rewriter

from tessel.dialects import te
from tessel.dialects.te import schedule_ops as sched
from tessel.passes.te_lowering.stages import Attach, Fuse, IterVar, ScheduleError, Split, Stage, function_outputs


class ScheduleState:
    """The stages of one function and the axis handles of its schedule."""

    def __init__(self, function: func.FuncOp, module: builtin.ModuleOp):
        self.function = function
        self.module = module
        self.stages: list[Stage] = []
        self.stage_of: dict[SSAValue, Stage] = {}
        self.axis_of: dict[SSAValue, IterVar] = {}
        outputs = set(function_outputs(function))
        for n, arg in enumerate(function.body.block.args):
            self._add(Stage(name=arg.name_hint or f"arg{n}", tensor=arg, compute=None))
        for op in function.body.block.ops:
            if isinstance(op, te.ComputeOp):
                stage = Stage(name=op.tensor_name.data, tensor=op.result, compute=op, is_output=op.result in outputs)
                stage.reset_axes()
                self._add(stage)

    def _add(self, stage: Stage, before: Stage | None = None, after: Stage | None = None) -> None:
        if before is not None:
            self.stages.insert(self.stages.index(before), stage)
        elif after is not None:
            self.stages.insert(self.stages.index(after) + 1, stage)
        else:
            self.stages.append(stage)
        self.stage_of[stage.tensor] = stage

    @property
    def computes(self) -> list[Stage]:
        return [s for s in self.stages if not s.is_placeholder]

    # --- handles -------------------------------------------------------------------------------

    def stage(self, value: SSAValue, op: Operation, role: str = "stage") -> Stage:
        stage = self.stage_of.get(value)
        if stage is None:
            raise ScheduleError(
                f"{op.name}: the {role} operand is not a stage of this function (a te.compute, argument or cache stage)", op
            )
        return stage

    def compute_stage(self, value: SSAValue, op: Operation, role: str = "stage") -> Stage:
        stage = self.stage(value, op, role)
        if stage.is_placeholder:
            raise ScheduleError(f"{op.name}: {stage.name} is an input placeholder; only computes can be scheduled", op)
        return stage

    def leaf(self, stage: Stage, value: SSAValue, op: Operation) -> IterVar:
        axis = self.axis_of.get(value)
        if axis is None:
            raise ScheduleError(f"{op.name}: operand is not an axis handle", op)
        if axis.stage is not stage:
            raise ScheduleError(f"{op.name}: axis {axis.name} belongs to stage {axis.stage.name}, not to stage {stage.name}", op)
        if axis not in stage.leaf_axes:
            if axis in stage.root_axes or any(axis in _parts(r) for r in stage.relations):
                raise ScheduleError(
                    f"{op.name}: axis {axis.name} of stage {stage.name} was already split or fused; use the axes that made", op
                )
            raise ScheduleError(
                f"{op.name}: axis {axis.name} is stale: stage {stage.name} was rebuilt by te.cache_write; take te.axes again", op
            )
        return axis

    def _define(self, results: list[SSAValue], axes: list[IterVar], op: Operation) -> None:
        if len(results) != len(axes):
            raise ScheduleError(
                f"{op.name}: stage {axes[0].stage.name if axes else ''} has {len(axes)} axes, {len(results)} are named", op
            )
        for value, axis in zip(results, axes, strict=True):
            if value.name_hint:
                axis.name = value.name_hint
            self.axis_of[value] = axis

    # --- primitives ----------------------------------------------------------------------------

    def apply(self, schedule: sched.ScheduleOp) -> None:
        handlers: dict[type[Operation], Callable[[Operation], None]] = {
            sched.AxesOp: self._axes,
            sched.SplitOp: self._split,
            sched.TileOp: self._tile,
            sched.FuseOp: self._fuse,
            sched.ReorderOp: self._reorder,
            sched.ParallelOp: self._loop_kind,
            sched.VectorizeOp: self._loop_kind,
            sched.UnrollOp: self._loop_kind,
            sched.BindOp: self._bind,
            sched.ComputeAtOp: self._compute_at,
            sched.ComputeInlineOp: self._compute_inline,
            sched.ComputeRootOp: self._compute_root,
            sched.CacheReadOp: self._cache_read,
            sched.CacheWriteOp: self._cache_write,
            sched.StorageAlignOp: self._storage_align,
            sched.DoubleBufferOp: self._double_buffer,
            sched.PragmaOp: self._pragma,
            sched.TensorizeOp: self._tensorize,
        }
        for op in list(schedule.body.block.ops):
            handler = handlers.get(type(op))
            if handler is None:
                raise ScheduleError(f"te.schedule: {op.name} is not a schedule primitive", op)
            handler(op)

    def _axes(self, op: Operation) -> None:
        assert isinstance(op, sched.AxesOp)
        stage = self.compute_stage(op.stage, op)
        self._define(list(op.axes), stage.root_axes, op)

    def _do_split(self, stage: Stage, parent: IterVar, factor: int | None, nparts: int | None) -> tuple[IterVar, IterVar]:
        outer = IterVar(parent.name + ".outer", stage, parent.reduce)
        inner = IterVar(parent.name + ".inner", stage, parent.reduce)
        stage.relations.append(Split(parent, outer, inner, factor, nparts))
        at = stage.leaf_position(parent)
        stage.leaf_axes[at : at + 1] = [outer, inner]
        return outer, inner

    def _split(self, op: Operation) -> None:
        assert isinstance(op, sched.SplitOp)
        stage = self.compute_stage(op.stage, op)
        parent = self.leaf(stage, op.axis, op)
        factor = op.factor.value.data if op.factor is not None else None
        nparts = op.nparts.value.data if op.nparts is not None else None
        for value in (factor, nparts):
            if value is not None and value <= 0:
                raise ScheduleError(
                    f"te.split: axis {parent.name} of stage {stage.name} split by {value}; it must be positive", op
                )
        outer, inner = self._do_split(stage, parent, factor, nparts)
        self._define([op.outer, op.inner], [outer, inner], op)

    def _tile(self, op: Operation) -> None:
        assert isinstance(op, sched.TileOp)
        stage = self.compute_stage(op.stage, op)
        x = self.leaf(stage, op.x_axis, op)
        y = self.leaf(stage, op.y_axis, op)
        if x is y:
            raise ScheduleError(f"te.tile: the two axes are both {x.name}", op)
        fx, fy = op.factor_values
        xo, xi = self._do_split(stage, x, fx, None)
        yo, yi = self._do_split(stage, y, fy, None)
        self._do_reorder(stage, [xo, yo, xi, yi], op)
        self._define([op.x_outer, op.y_outer, op.x_inner, op.y_inner], [xo, yo, xi, yi], op)

    def _fuse(self, op: Operation) -> None:
        assert isinstance(op, sched.FuseOp)
        stage = self.compute_stage(op.stage, op)
        axes = [self.leaf(stage, v, op) for v in op.axes]
        positions = [stage.leaf_position(a) for a in axes]
        if positions != list(range(positions[0], positions[0] + len(axes))):
            names = ", ".join(a.name for a in axes)
            raise ScheduleError(f"te.fuse: axes {names} of stage {stage.name} are not consecutive loops, outermost first", op)
        if len({a.reduce for a in axes}) != 1:
            raise ScheduleError(f"te.fuse: cannot fuse output axes with reduction axes in stage {stage.name}", op)
        fused = axes[0]
        for inner in axes[1:]:
            result = IterVar(f"{fused.name}.{inner.name}.fused", stage, inner.reduce)
            stage.relations.append(Fuse(fused, inner, result))
            at = stage.leaf_position(fused)
            stage.leaf_axes[at : at + 2] = [result]
            fused = result
        self._define([op.fused], [fused], op)

    def _do_reorder(self, stage: Stage, axes: list[IterVar], op: Operation) -> None:
        if len(set(axes)) != len(axes):
            raise ScheduleError(f"{op.name}: an axis appears twice in the new order of stage {stage.name}", op)
        positions = sorted(stage.leaf_position(a) for a in axes)
        for position, axis in zip(positions, axes, strict=True):
            stage.leaf_axes[position] = axis

    def _reorder(self, op: Operation) -> None:
        assert isinstance(op, sched.ReorderOp)
        stage = self.compute_stage(op.stage, op)
        self._do_reorder(stage, [self.leaf(stage, v, op) for v in op.axes], op)

    def _loop_kind(self, op: Operation) -> None:
        assert isinstance(op, sched.AxisPrimitiveOp)
        stage = self.compute_stage(op.stage, op)
        axis = self.leaf(stage, op.axis, op)
        kind = {"te.parallel": "parallel", "te.vectorize": "vectorized", "te.unroll": "unrolled"}[op.name]
        if axis.reduce and kind != "unrolled":
            verb = op.name.removeprefix("te.")
            raise ScheduleError(
                f"{op.name}: cannot {verb} reduction axis {axis.name} of stage {stage.name} (iterations depend on each other)", op
            )
        axis.kind, axis.thread = kind, None
        axis.written_by[op.name] = op

    def _bind(self, op: Operation) -> None:
        assert isinstance(op, sched.BindOp)
        stage = self.compute_stage(op.stage, op)
        axis = self.leaf(stage, op.axis, op)
        if axis.reduce:
            raise ScheduleError(
                f"te.bind: reduction axis {axis.name} of stage {stage.name} cannot be bound to {op.thread.data} "
                "(cross-thread reduction is not supported)",
                op,
            )
        tag = op.thread.data
        axis.kind, axis.thread = ("vthread", None) if tag == "vthread" else ("thread", tag)

    def _compute_at(self, op: Operation) -> None:
        assert isinstance(op, sched.ComputeAtOp)
        stage = self.compute_stage(op.stage, op)
        target = self.compute_stage(op.target, op, "target")
        if target is stage:
            raise ScheduleError(f"te.compute_at: stage {stage.name} cannot be computed at its own loop", op)
        if stage.is_output:
            raise ScheduleError(f"te.compute_at: {stage.name} is an output of the function; outputs are computed at the root", op)
        axis = self.leaf(target, op.axis, op)
        stage.attach = Attach("at", target, axis)
        stage.written_by[op.name] = op

    def _compute_inline(self, op: Operation) -> None:
        assert isinstance(op, sched.ComputeInlineOp)
        stage = self.compute_stage(op.stage, op)
        if stage.is_output:
            raise ScheduleError(f"te.compute_inline: {stage.name} is an output of the function and must be stored", op)
        assert stage.compute is not None
        if stage.compute.reduce_shape:
            raise ScheduleError(f"te.compute_inline: {stage.name} is a reduction; only elementwise computes can be inlined", op)
        stage.attach = Attach("inline")

    def _compute_root(self, op: Operation) -> None:
        assert isinstance(op, sched.ComputeRootOp)
        self.compute_stage(op.stage, op).attach = Attach("root")

    def _cache_read(self, op: Operation) -> None:
        assert isinstance(op, sched.CacheReadOp)
        source = self.stage(op.stage, op, "tensor")
        readers = [self.compute_stage(v, op, "reader") for v in op.readers]
        if not readers:
            raise ScheduleError(f"te.cache_read: name the stages that read {source.name} through the cache", op)
        for reader in readers:
            if not _reads_of(reader, source.tensor):
                raise ScheduleError(f"te.cache_read: stage {reader.name} does not read {source.name}", op)
        tensor_type = source.tensor.type
        assert isinstance(tensor_type, builtin.TensorType)
        copy = _copy_compute(f"{source.name}.{op.scope.data}", source.tensor, tensor_type)
        if source.compute is not None:
            Rewriter.insert_op(copy, InsertPoint.after(source.compute))
        else:
            self.function.body.block.insert_op_before(copy, self.function.body.block.first_op)  # type: ignore[arg-type]
        for reader in readers:
            for read in _reads_of(reader, source.tensor):
                read.operands[0] = copy.result
        stage = Stage(name=copy.tensor_name.data, tensor=copy.result, compute=copy, scope=op.scope.data)
        stage.reset_axes()
        self._add(stage, after=source)
        self.stage_of[op.cache] = stage

    def _cache_write(self, op: Operation) -> None:
        assert isinstance(op, sched.CacheWriteOp)
        stage = self.compute_stage(op.stage, op)
        if stage.relations or stage.leaf_axes != stage.root_axes or any(a.kind != "serial" for a in stage.root_axes):
            raise ScheduleError(
                f"te.cache_write: stage {stage.name} already has loop primitives; create the cache before splitting, "
                "fusing, reordering or annotating its axes",
                op,
            )
        original = stage.compute
        assert original is not None
        cache = original.clone()
        cache.properties["name"] = builtin.StringAttr(f"{stage.name}.{op.scope.data}")
        Rewriter.insert_op(cache, InsertPoint.before(original))
        copy = _copy_compute(stage.name, cache.result, original.result.type)  # type: ignore[arg-type]
        Rewriter.insert_op(copy, InsertPoint.before(original))
        old = original.result
        old.replace_all_uses_with(copy.result)
        Rewriter.erase_op(original)
        del self.stage_of[old]
        cache_stage = Stage(name=cache.tensor_name.data, tensor=cache.result, compute=cache, scope=op.scope.data)
        cache_stage.reset_axes()
        stage.tensor, stage.compute = copy.result, copy
        stage.reset_axes()
        self.stage_of[copy.result] = stage
        self._add(cache_stage, before=stage)
        self.stage_of[op.cache] = cache_stage

    def _storage_align(self, op: Operation) -> None:
        assert isinstance(op, sched.StorageAlignOp)
        stage = self.compute_stage(op.stage, op)
        axis = self.axis_of.get(op.axis)
        if axis is None or axis.stage is not stage or axis not in stage.spatial_roots:
            raise ScheduleError(f"te.storage_align: the axis must be an output axis (from te.axes) of stage {stage.name}", op)
        dim = stage.spatial_roots.index(axis)
        if dim == len(stage.spatial_roots) - 1:
            raise ScheduleError(
                f"te.storage_align: axis {axis.name} is the innermost dimension of {stage.name}; its stride is 1", op
            )
        stage.storage_align[dim] = (op.factor.value.data, op.offset.value.data)
        stage.written_by[op.name] = op

    def _double_buffer(self, op: Operation) -> None:
        assert isinstance(op, sched.DoubleBufferOp)
        stage = self.compute_stage(op.stage, op)
        stage.double_buffer = True
        stage.written_by[op.name] = op

    def _pragma(self, op: Operation) -> None:
        assert isinstance(op, sched.PragmaOp)
        stage = self.compute_stage(op.stage, op)
        if op.axis is None:
            stage.stage_pragmas.append(op.pragma.data)
            stage.written_by[op.name] = op
        else:
            axis = self.leaf(stage, op.axis, op)
            axis.pragmas.append(op.pragma.data)
            axis.written_by[op.name] = op

    def _tensorize(self, op: Operation) -> None:
        assert isinstance(op, sched.TensorizeOp)
        stage = self.compute_stage(op.stage, op)
        axis = self.leaf(stage, op.axis, op)
        name = op.intrin.root_reference.data
        intrin = next((o for o in self.module.ops if isinstance(o, te.IntrinOp) and o.sym_name.data == name), None)
        if intrin is None:
            raise ScheduleError(f"te.tensorize: no te.intrin @{name} is declared in the module", op)
        axis.tensorize = intrin
        axis.written_by[op.name] = op


def _parts(relation: Split | Fuse) -> tuple[IterVar, ...]:
    if isinstance(relation, Split):
        return (relation.parent, relation.outer, relation.inner)
    return (relation.outer, relation.inner, relation.fused)


def _reads_of(stage: Stage, tensor: SSAValue) -> list[te.ReadOp]:
    assert stage.compute is not None
    return [op for op in stage.compute.walk() if isinstance(op, te.ReadOp) and op.tensor == tensor]


def _copy_compute(name: str, source: SSAValue, tensor_type: builtin.TensorType) -> te.ComputeOp:
    """`name[i...] = source[i...]`."""
    rank = tensor_type.get_num_dims()
    body = te.ComputeOp.make_body(rank, 0)
    block = body.block
    read = te.ReadOp(source, list(block.args))
    block.add_ops([read, te.YieldOp(read.result)])
    return te.ComputeOp(name, tensor_type, [], body)
