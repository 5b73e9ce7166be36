"""Lower one te function (func.func of te.computes + te.schedule) to a loop.func."""

from __future__ import annotations

from xdsl.dialects import builtin, func
from xdsl.ir import Block, Region, SSAValue
from xdsl.ir.affine import AffineExpr
from xdsl.rewriter import InsertPoint, Rewriter

from tessel.dialects import loop, te
from tessel.passes.te_lowering.bounds import Bounds, infer_bounds, lowering_order
from tessel.passes.te_lowering.codegen import Buffer, NestBuilder
from tessel.passes.te_lowering.primitives import ScheduleState
from tessel.passes.te_lowering.stages import IterVar, ScheduleError, Stage, function_outputs


def memref_of(tensor_type: builtin.TensorType) -> builtin.MemRefType:
    return builtin.MemRefType(tensor_type.element_type, tensor_type.get_shape())


def lower_function(function: func.FuncOp, module: builtin.ModuleOp) -> tuple[loop.FuncOp, list[te.IntrinOp]]:
    """The loop.func computing `function`'s results into output buffers (arguments after the inputs),
    and the tensor intrinsics it calls. ScheduleError's `op` is in `function` (not in a private copy)."""
    work = function.clone()
    originals = dict(zip(work.walk(), function.walk(), strict=True))
    try:
        return _lower(work, module)
    except ScheduleError as err:
        err.op = originals.get(err.op, function) if err.op is not None else function
        raise


def _lower(function: func.FuncOp, module: builtin.ModuleOp) -> tuple[loop.FuncOp, list[te.IntrinOp]]:
    state = ScheduleState(function, module)
    schedules = [op for op in function.body.block.ops if isinstance(op, te.ScheduleOp)]
    if len(schedules) > 1:
        raise ScheduleError(f"func @{function.sym_name.data}: has {len(schedules)} te.schedule ops; one at most", schedules[1])
    for schedule in schedules:
        state.apply(schedule)
    computes = [s for s in state.computes if s.attach.kind != "inline"]
    for stage in state.computes:
        if stage.attach.kind == "inline":
            inline(stage)
    consumers = consumers_of(state, computes)
    check_attachments(computes, consumers)
    order = lowering_order(computes, consumers)
    bounds = infer_bounds(order, consumers)
    check_loops(computes)
    return build_loop_function(function, state, computes, bounds), used_intrinsics(computes)


def inline(stage: Stage) -> None:
    """Replace every read of the stage by a copy of its body at the read's indices."""
    assert stage.compute is not None
    body = stage.compute.body.block
    for read in [u.operation for u in list(stage.tensor.uses) if isinstance(u.operation, te.ReadOp)]:
        values: dict[SSAValue, SSAValue] = dict(zip(body.args, read.indices, strict=True))
        for op in body.ops:
            if isinstance(op, te.YieldOp):
                continue
            clone = op.clone(value_mapper=values)
            Rewriter.insert_op(clone, InsertPoint.before(read))
        read.result.replace_all_uses_with(values.get(stage.compute.yield_op.value, stage.compute.yield_op.value))
        Rewriter.erase_op(read)


def consumers_of(state: ScheduleState, computes: list[Stage]) -> dict[Stage, list[Stage]]:
    consumers: dict[Stage, list[Stage]] = {s: [] for s in state.stages}
    for stage in computes:
        assert stage.compute is not None
        for op in stage.compute.walk():
            if isinstance(op, te.ReadOp):
                producer = state.stage_of.get(op.tensor)
                if producer is None:
                    raise ScheduleError(
                        f'te.compute "{stage.name}": reads a tensor that is not an argument or a compute of the function', op
                    )
                if stage not in consumers[producer]:
                    consumers[producer].append(stage)
    return consumers


def _encloses(target: Stage, axis: IterVar, stage: Stage) -> bool:
    """Whether `stage`'s nest lies inside `target`'s loop `axis`."""
    if stage is target:
        return True
    while stage.attach.kind == "at":
        assert stage.attach.target is not None and stage.attach.axis is not None
        outer, at = stage.attach.target, stage.attach.axis
        if outer is target:
            return target.leaf_position(at) >= target.leaf_position(axis)
        stage = outer
    return False


def check_attachments(computes: list[Stage], consumers: dict[Stage, list[Stage]]) -> None:
    for stage in computes:
        attach = stage.attach
        if attach.kind != "at":
            continue
        assert attach.target is not None and attach.axis is not None
        target, axis = attach.target, attach.axis
        if target.attach.kind == "inline":
            raise ScheduleError(
                f"te.compute_at: stage {stage.name} is attached to {target.name}, which is inlined (it has no loops)",
                stage.written_by.get("te.compute_at"),
            )
        if axis not in target.leaf_axes:
            raise ScheduleError(
                f"te.compute_at: axis {axis.name} of stage {target.name} was split or fused after the compute_at",
                stage.written_by.get("te.compute_at"),
            )
        for consumer in consumers[stage]:
            if not _encloses(target, axis, consumer):
                raise ScheduleError(
                    f"te.compute_at: stage {stage.name} is computed at loop {axis.name} of {target.name}, "
                    f"which does not enclose its consumer {consumer.name}",
                    stage.written_by.get("te.compute_at"),
                )
        if axis.kind == "vectorized":
            raise ScheduleError(
                f"te.compute_at: stage {stage.name} cannot be computed inside vectorized axis {axis.name} of {target.name}",
                stage.written_by.get("te.compute_at"),
            )


def check_loops(computes: list[Stage]) -> None:
    for stage in computes:
        for position, axis in enumerate(stage.leaf_axes):
            if axis.kind == "vectorized" and position != len(stage.leaf_axes) - 1 and axis.tensorize is None:
                later = stage.leaf_axes[position + 1 :]
                if not any(a.tensorize is not None for a in later):
                    raise ScheduleError(
                        f"te.vectorize: axis {axis.name} of stage {stage.name} is not the innermost loop "
                        f"({', '.join(a.name for a in later)} lie inside it)",
                        axis.written_by.get("te.vectorize"),
                    )


def used_intrinsics(computes: list[Stage]) -> list[te.IntrinOp]:
    found: list[te.IntrinOp] = []
    for stage in computes:
        for axis in stage.leaf_axes:
            if axis.tensorize is not None and axis.tensorize not in found:
                found.append(axis.tensorize)
    return found


def build_loop_function(function: func.FuncOp, state: ScheduleState, computes: list[Stage], bounds: Bounds) -> loop.FuncOp:
    outputs = function_outputs(function)
    if len(set(outputs)) != len(outputs):
        raise ScheduleError(f"func @{function.sym_name.data}: returns one tensor twice")
    for value in outputs:
        stage = state.stage_of.get(value)
        if stage is None or stage.is_placeholder:
            raise ScheduleError(f"func @{function.sym_name.data}: returns a tensor that is not computed by a te.compute")
    inputs = list(function.body.block.args)
    arg_types = [memref_of(v.type) for v in inputs + outputs]  # type: ignore[arg-type]
    block = Block(arg_types=arg_types)
    buffers: dict[SSAValue, Buffer] = {}
    for value, arg in zip(inputs + outputs, block.args, strict=True):
        arg.name_hint = value.name_hint or (state.stage_of[value].name if value in state.stage_of else None)
        buffers[value] = Buffer(arg, [AffineExpr.constant(0)] * arg.type.get_num_dims())  # type: ignore[attr-defined]
    attached: dict[IterVar, list[Stage]] = {}
    for stage in computes:
        if stage.attach.kind == "at":
            assert stage.attach.axis is not None
            attached.setdefault(stage.attach.axis, []).append(stage)
    builder = NestBuilder(bounds, attached, buffers)
    builder.block = block
    roots = [s for s in computes if s.attach.kind == "root"]
    for stage in roots:
        if not stage.is_output:
            builder.allocate(stage, bounds.stages[stage].mins)
    for stage in roots:
        builder.emit_stage(stage)
    return loop.FuncOp(function.sym_name.data, arg_types, Region(block))
