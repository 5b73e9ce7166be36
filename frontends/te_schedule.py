"""Schedules of the te frontend: `s[C].split(...)` records a primitive; `build_module` emits them as `te.schedule` ops.

Axis handles are IterVars. The root axes of a stage (a compute's `op.axis` and `op.reduce_axis`)
become the results of a `te.axes` op the first time a primitive needs them in the stage's current
state; split/tile/fuse results are the results of their ops. Legality (leaf axes, attach points)
is checked by the lowering pass, not here; here only argument errors are reported.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from xdsl.ir import Block, Operation, SSAValue

from tessel.dialects.te import schedule_ops as sched
from tessel.dialects.te.ops import int_array
from tessel.frontends.te_codegen import valid_name
from tessel.frontends.te_expr import IterVar, Range, TeError
from tessel.frontends.te_tensor import CacheOp, ComputeOp, PlaceholderOp, Tensor
from tessel.frontends.te_tensor import Operation as TeOperation


@dataclass(frozen=True, eq=False)
class TensorIntrin:
    """A declared tensor intrinsic (TVM's decl_tensor_intrin): the compute it performs and its hardware calls.

    Each call is (callee, tensors passed), the tensors being the declaration's inputs or `output`."""

    name: str
    output: Tensor
    inputs: tuple[Tensor, ...]
    compute_call: tuple[str, tuple[Tensor, ...]]
    reset_call: tuple[str, tuple[Tensor, ...]] | None = None
    update_call: tuple[str, tuple[Tensor, ...]] | None = None


class _RootKey:
    """One root axis of one stage state: a `te.axes` result."""

    def __init__(self, name: str):
        self.name = name


@dataclass(frozen=True, eq=False)
class _Step:
    make: Callable[[_Emitter], Operation]
    results: tuple[object, ...]  # axis keys (IterVar or _RootKey) or Stages, bound to the op's results in order


class _Emitter:
    """Replays a schedule's steps into a `te.schedule` block."""

    def __init__(self, block: Block, stage_values: dict[Stage, SSAValue], function: str):
        self.block = block
        self.stage_values = stage_values
        self.axis_values: dict[object, SSAValue] = {}
        self.function = function

    def stage(self, stage: Stage) -> SSAValue:
        if stage not in self.stage_values:
            raise TeError(
                f"the schedule uses stage {stage.name}, which function {self.function} does not compute "
                "(it is not reachable from the outputs in args)"
            )
        return self.stage_values[stage]

    def axis(self, key: object) -> SSAValue:
        return self.axis_values[key]

    def run(self, step: _Step) -> None:
        op = step.make(self)
        self.block.add_op(op)
        for result, value in zip(step.results, op.results, strict=True):
            if isinstance(result, Stage):
                self.stage_values[result] = value
                value.name_hint = valid_name(result.name)
            else:
                self.axis_values[result] = value
                value.name_hint = valid_name(result.name)  # type: ignore[attr-defined]


def _positive_int(value: object, where: str, what: str) -> int:
    if not isinstance(value, int | np.integer) or isinstance(value, bool) or value <= 0:
        raise TeError(f"{where}: {what} must be a positive int, got {value!r}")
    return int(value)


def _tile_op(stage: SSAValue, x: SSAValue, y: SSAValue, x_factor: int, y_factor: int) -> sched.TileOp:
    # Built with `create`: TileOp's constructor passes its four single results as one group (xDSL rejects that).
    return sched.TileOp.create(
        operands=[stage, x, y], properties={"factors": int_array([x_factor, y_factor])}, result_types=[sched.AxisType()] * 4
    )


def _axes_arg(args: tuple[object, ...]) -> tuple[object, ...]:
    return tuple(args[0]) if len(args) == 1 and isinstance(args[0], list | tuple) else args


class StageOp:
    """`s[C].op`: the operation of a stage as it stands now (after cache_write, the copy out of the cache)."""

    def __init__(self, stage: Stage):
        self._stage = stage

    @property
    def name(self) -> str:
        return self._stage.name

    @property
    def axis(self) -> tuple[IterVar, ...]:
        self._stage.root_keys()
        return self._stage.spatial

    @property
    def reduce_axis(self) -> tuple[IterVar, ...]:
        self._stage.root_keys()
        return self._stage.reduce

    @property
    def input_tensors(self) -> list[Tensor]:
        return self._stage.tensor.op.input_tensors

    def output(self, index: int = 0) -> Tensor:
        return self._stage.tensor.op.output(index)


class Stage:
    """The schedule of one tensor (TVM's Stage): its primitives are recorded in call order."""

    def __init__(self, schedule: Schedule, tensor: Tensor, spatial: tuple[IterVar, ...], reduce: tuple[IterVar, ...]):
        self.schedule = schedule
        self.tensor = tensor
        self.spatial = spatial
        self.reduce = reduce
        self.generation = 0
        self._root_keys: dict[IterVar, _RootKey] | None = None

    @property
    def name(self) -> str:
        return self.tensor.name

    @property
    def op(self) -> StageOp:
        return StageOp(self)

    def __repr__(self) -> str:
        return f"Stage({self.name})"

    # --- axis handles

    def root_keys(self) -> dict[IterVar, _RootKey]:
        """The te.axes results of the current state, emitting te.axes the first time."""
        if self._root_keys is None:
            self._require_loops("op.axis")
            keys = {axis: _RootKey(axis.name) for axis in (*self.spatial, *self.reduce)}
            count = len(keys)
            self._record(lambda e: sched.AxesOp(e.stage(self), count), *keys.values())
            self._root_keys = keys
        return self._root_keys

    def _key(self, axis: object, where: str) -> object:
        if not isinstance(axis, IterVar):
            raise TeError(f"{where}: expected an axis (IterVar), got {type(axis).__name__}")
        if axis.kind == "thread":
            raise TeError(f"{where}: {axis.name} is a thread axis; only bind(axis, thread) takes one, as its second argument")
        if axis.kind == "schedule":
            if axis.stage is not self:
                raise TeError(f"{where}: the axis {axis.name} belongs to stage {axis.stage.name}, not to {self.name}")  # type: ignore[attr-defined]
            if axis.generation != self.generation:
                raise TeError(
                    f"{where}: the axis {axis.name} is from before cache_write changed stage {self.name}; "
                    f"take s[{self.name}].op.axis again"
                )
            return axis
        if any(axis is root for root in (*self.spatial, *self.reduce)):
            return self.root_keys()[axis]
        owner = self.schedule.owner_of(axis)
        hint = f"; it is an axis of stage {owner.name}" if owner is not None else ""
        raise TeError(f"{where}: {axis.name} is not an axis of stage {self.name}{hint}")

    def _new_axis(self, name: str) -> IterVar:
        return IterVar(name, None, "schedule", stage=self, generation=self.generation)

    def _record(self, make: Callable[[_Emitter], Operation], *results: object) -> None:
        self.schedule.steps.append(_Step(make, results))

    def _require_loops(self, primitive: str) -> None:
        if isinstance(self.tensor.op, PlaceholderOp):
            raise TeError(
                f"s[{self.name}].{primitive}: {self.name} is a placeholder, it has no loops to schedule "
                "(s.cache_read makes a stage that copies it)"
            )

    def _where(self, primitive: str) -> str:
        self._require_loops(primitive)
        return f"s[{self.name}].{primitive}"

    # --- loop structure

    def split(self, parent: IterVar, factor: int | None = None, nparts: int | None = None) -> tuple[IterVar, IterVar]:
        """Split `parent` into (outer, inner) by the inner extent `factor` or the outer extent `nparts`."""
        where = self._where("split")
        if (factor is None) == (nparts is None):
            raise TeError(f"{where}: give exactly one of factor or nparts")
        if factor is not None:
            factor = _positive_int(factor, where, "factor")
        if nparts is not None:
            nparts = _positive_int(nparts, where, "nparts")
        key = self._key(parent, where)
        outer, inner = self._new_axis(f"{parent.name}.outer"), self._new_axis(f"{parent.name}.inner")
        self._record(lambda e: sched.SplitOp(e.stage(self), e.axis(key), factor, nparts), outer, inner)
        return outer, inner

    def tile(
        self, x_parent: IterVar, y_parent: IterVar, x_factor: int, y_factor: int
    ) -> tuple[IterVar, IterVar, IterVar, IterVar]:
        """Split both axes and order them (x_outer, y_outer, x_inner, y_inner)."""
        where = self._where("tile")
        x_factor = _positive_int(x_factor, where, "x_factor")
        y_factor = _positive_int(y_factor, where, "y_factor")
        x, y = self._key(x_parent, where), self._key(y_parent, where)
        if x is y:
            raise TeError(f"{where}: x_parent and y_parent are the same axis {x_parent.name}")
        results = tuple(self._new_axis(f"{p.name}.{part}") for part in ("outer", "inner") for p in (x_parent, y_parent))
        self._record(lambda e: _tile_op(e.stage(self), e.axis(x), e.axis(y), x_factor, y_factor), *results)
        return results  # type: ignore[return-value]

    def fuse(self, *args: IterVar) -> IterVar:
        """One axis iterating over the given consecutive axes (outermost first)."""
        where = self._where("fuse")
        axes = _axes_arg(args)
        if not axes:
            raise TeError(f"{where}: needs at least one axis")
        keys = self._distinct_keys(axes, where)
        if len(keys) == 1:
            return axes[0]  # type: ignore[return-value]
        fused = self._new_axis(".".join(a.name for a in axes) + ".fused")  # type: ignore[attr-defined]
        self._record(lambda e: sched.FuseOp(e.stage(self), [e.axis(k) for k in keys]), fused)
        return fused

    def reorder(self, *args: IterVar) -> None:
        """Put the given axes in this order (the other axes keep their places)."""
        where = self._where("reorder")
        axes = _axes_arg(args)
        if not axes:
            raise TeError(f"{where}: needs at least one axis")
        keys = self._distinct_keys(axes, where)
        self._record(lambda e: sched.ReorderOp(e.stage(self), [e.axis(k) for k in keys]))

    def _distinct_keys(self, axes: Sequence[object], where: str) -> list[object]:
        keys = [self._key(axis, where) for axis in axes]
        if len({id(k) for k in keys}) != len(keys):
            raise TeError(f"{where}: an axis is given twice: {[getattr(a, 'name', a) for a in axes]}")
        return keys

    def _mark(self, primitive: str, op_type: type[sched.AxisPrimitiveOp], axis: IterVar) -> None:
        key = self._key(axis, self._where(primitive))
        self._record(lambda e: op_type(e.stage(self), e.axis(key)))

    def parallel(self, axis: IterVar) -> None:
        """Run the axis's iterations in parallel on the CPU cores."""
        self._mark("parallel", sched.ParallelOp, axis)

    def vectorize(self, axis: IterVar) -> None:
        """Run the (innermost) axis as vector lanes."""
        self._mark("vectorize", sched.VectorizeOp, axis)

    def unroll(self, axis: IterVar) -> None:
        """Unroll the axis completely."""
        self._mark("unroll", sched.UnrollOp, axis)

    def bind(self, axis: IterVar, thread: IterVar) -> None:
        """Bind the axis to a GPU thread index or a virtual thread made by te.thread_axis."""
        where = self._where("bind")
        if not isinstance(thread, IterVar) or thread.kind != "thread":
            raise TeError(f"{where}: the second argument must be a te.thread_axis(...), got {thread!r}")
        key = self._key(axis, where)
        tag = thread.tag
        self._record(lambda e: sched.BindOp(e.stage(self), e.axis(key), tag))

    # --- placement

    def compute_at(self, parent: Stage, axis: IterVar) -> None:
        """Compute this stage inside `parent`'s loop `axis`."""
        where = self._where("compute_at")
        if not isinstance(parent, Stage):
            raise TeError(f"{where}: the parent must be a stage (s[T]), got {type(parent).__name__}")
        if parent.schedule is not self.schedule:
            raise TeError(f"{where}: the parent stage {parent.name} belongs to another schedule")
        if parent is self:
            raise TeError(f"{where}: a stage cannot be computed at its own loop")
        key = parent._key(axis, f"{where} (axis of {parent.name})")
        self._record(lambda e: sched.ComputeAtOp(e.stage(self), e.stage(parent), e.axis(key)))

    def compute_inline(self) -> None:
        """Substitute this stage's expression into its consumers."""
        self._where("compute_inline")
        self._record(lambda e: sched.ComputeInlineOp(e.stage(self)))

    def compute_root(self) -> None:
        """Compute this stage at the function's top level."""
        self._where("compute_root")
        self._record(lambda e: sched.ComputeRootOp(e.stage(self)))

    # --- memory

    def storage_align(self, axis: IterVar, factor: int, offset: int) -> None:
        """Pad the buffer so the stride of `axis`'s dimension is factor * n + offset."""
        where = self._where("storage_align")
        factor = _positive_int(factor, where, "factor")
        if not isinstance(offset, int | np.integer) or isinstance(offset, bool) or not 0 <= offset < factor:
            raise TeError(f"{where}: offset must be an int in [0, factor={factor}), got {offset!r}")
        key = self._key(axis, where)
        offset = int(offset)
        self._record(lambda e: sched.StorageAlignOp(e.stage(self), e.axis(key), factor, offset))

    def double_buffer(self) -> None:
        """Give this (compute_at) stage two alternating buffers."""
        self._where("double_buffer")
        self._record(lambda e: sched.DoubleBufferOp(e.stage(self)))

    def pragma(self, axis: IterVar | None, pragma_type: str) -> None:
        """Annotate the loop `axis` (None: the stage's outermost loop), e.g. with "dma_copy"."""
        where = self._where("pragma")
        if not isinstance(pragma_type, str) or not pragma_type:
            raise TeError(f"{where}: the pragma must be a non-empty string, got {pragma_type!r}")
        key = None if axis is None else self._key(axis, where)
        self._record(lambda e: sched.PragmaOp(e.stage(self), pragma_type, None if key is None else e.axis(key)))

    def tensorize(self, axis: IterVar, intrin: TensorIntrin) -> None:
        """Replace the loop nest from `axis` inwards by the calls of the tensor intrinsic."""
        where = self._where("tensorize")
        if not isinstance(intrin, TensorIntrin):
            raise TeError(f"{where}: expected a TensorIntrin made by te.decl_tensor_intrin, got {type(intrin).__name__}")
        key = self._key(axis, where)
        self.schedule.use_intrin(intrin, where)
        self._record(lambda e: sched.TensorizeOp(e.stage(self), e.axis(key), intrin.name))


class Schedule:
    """The schedule of the computes reachable from `outputs` (TVM's te.Schedule); `s[T]` is T's stage."""

    def __init__(self, outputs: Sequence[ComputeOp]):
        self.outputs = tuple(outputs)
        self.stages: dict[TeOperation, Stage] = {}
        self.steps: list[_Step] = []
        self.intrinsics: dict[str, TensorIntrin] = {}
        for op in reachable_ops(self.outputs):
            self.stages[op] = Stage(self, op.output(0), op.axis, op.reduce_axis)

    def __getitem__(self, key: Tensor | TeOperation | StageOp) -> Stage:
        tensor = key.output(0) if isinstance(key, StageOp) else key
        op = tensor.op if isinstance(tensor, Tensor) else tensor
        if not isinstance(op, TeOperation):
            raise TeError(f"s[...]: expected a tensor or an operation, got {type(key).__name__}")
        if op not in self.stages:
            raise TeError(
                f"s[{op.name}]: {op.name} is not part of this schedule "
                f"(it covers {', '.join(o.name for o in self.outputs)} and the tensors they read)"
            )
        return self.stages[op]

    def owner_of(self, axis: IterVar) -> Stage | None:
        """The stage whose current root axes include `axis`."""
        for stage in self.stages.values():
            if any(axis is root for root in (*stage.spatial, *stage.reduce)):
                return stage
        return None

    def use_intrin(self, intrin: TensorIntrin, where: str) -> None:
        known = self.intrinsics.get(intrin.name)
        if known is not None and known is not intrin:
            raise TeError(f"{where}: two different tensor intrinsics are named {intrin.name}; give one another name")
        self.intrinsics[intrin.name] = intrin

    def cache_read(self, tensor: Tensor, scope: str, readers: object) -> Tensor:
        """A stage copying `tensor` into memory `scope`; the `readers` read the copy instead."""
        where = "s.cache_read"
        if not isinstance(tensor, Tensor):
            raise TeError(f"{where}: expected a tensor, got {type(tensor).__name__}")
        source = self[tensor]
        scope = _scope(scope, where)
        items = list(readers) if isinstance(readers, list | tuple) else [readers]
        if not items:
            raise TeError(f"{where}: needs at least one reader")
        reader_stages = []
        for reader in items:
            if not isinstance(reader, Tensor | TeOperation | StageOp):
                raise TeError(f"{where}: readers must be tensors or operations, got {type(reader).__name__}")
            stage = self[reader]
            original = stage.tensor.op
            if isinstance(original, ComputeOp) and not isinstance(tensor.op, CacheOp) and tensor not in original.input_tensors:
                raise TeError(f"{where}: {stage.name} does not read {tensor.name}")
            if stage is source:
                raise TeError(f"{where}: {tensor.name} cannot read its own cache")
            reader_stages.append(stage)
        root = tuple(IterVar(f"ax{d}", Range(0, n), "spatial") for d, n in enumerate(tensor.shape))
        cache = Tensor(tensor.shape, tensor.dtype, CacheOp(f"{tensor.name}.{scope}", "cache_read", root, ()))
        stage = Stage(self, cache, root, ())
        self.stages[cache.op] = stage
        stage._record(lambda e: sched.CacheReadOp(e.stage(source), scope, [e.stage(r) for r in reader_stages]), stage)
        return cache

    def cache_write(self, tensor: Tensor, scope: str) -> Tensor:
        """Move `tensor`'s computation into a new stage writing memory `scope`; `tensor`'s stage becomes a copy."""
        where = "s.cache_write"
        if not isinstance(tensor, Tensor):
            raise TeError(f"{where}: expected a tensor, got {type(tensor).__name__}")
        stage = self[tensor]
        if not isinstance(tensor.op, ComputeOp):
            raise TeError(f"{where}: {tensor.name} is not a compute; only computes have a result to cache")
        scope = _scope(scope, where)
        # As TVM: the cache gets new spatial axes (named .c) and keeps the reduction axes; the original stage
        # keeps its spatial axes (in a new state) and loses the reduction.
        spatial = tuple(IterVar(f"{a.name}.c", a.dom, "spatial") for a in stage.spatial)
        cache = Tensor(tensor.shape, tensor.dtype, CacheOp(f"{tensor.name}.{scope}", "cache_write", spatial, stage.reduce))
        cache_stage = Stage(self, cache, spatial, stage.reduce)
        self.stages[cache.op] = cache_stage
        stage._record(lambda e: sched.CacheWriteOp(e.stage(stage), scope), cache_stage)
        stage.reduce = ()
        stage.generation += 1
        stage._root_keys = None
        return cache

    def emit(self, block: Block, values: Mapping[Tensor, SSAValue], function: str) -> None:
        """Append the schedule's ops to a `te.schedule` block; `values` are the function's tensors."""
        stage_values = {stage: values[stage.tensor] for stage in self.stages.values() if stage.tensor in values}
        emitter = _Emitter(block, stage_values, function)
        for step in self.steps:
            emitter.run(step)


def _scope(scope: object, where: str) -> str:
    if not isinstance(scope, str) or not scope:
        raise TeError(f"{where}: the memory scope must be a non-empty string, got {scope!r}")
    return scope


def reachable_ops(outputs: Sequence[TeOperation]) -> list[TeOperation]:
    """The operations `outputs` depend on, inputs before their readers (depth-first post-order)."""
    order: list[TeOperation] = []
    seen: set[TeOperation] = set()
    stack: list[tuple[TeOperation, bool]] = [(op, False) for op in reversed(outputs)]
    while stack:
        op, expanded = stack.pop()
        if expanded:
            order.append(op)
            continue
        if op in seen:
            continue
        seen.add(op)
        stack.append((op, True))
        stack.extend((t.op, False) for t in reversed(op.input_tensors) if t.op not in seen)
    return order


def create_schedule(ops: object) -> Schedule:
    """A schedule of the given output computes (ops or tensors) and everything they read."""
    items = list(ops) if isinstance(ops, list | tuple) else [ops]
    if not items:
        raise TeError("te.create_schedule: needs at least one output operation")
    outputs: list[ComputeOp] = []
    for item in items:
        op = item.op if isinstance(item, Tensor) else item
        if isinstance(op, PlaceholderOp):
            raise TeError(f"te.create_schedule: {op.name} is a placeholder; schedule the computes that produce outputs")
        if not isinstance(op, ComputeOp):
            raise TeError(f"te.create_schedule: expected compute operations (C.op) or tensors, got {type(item).__name__}")
        if op not in outputs:
            outputs.append(op)
    return Schedule(outputs)
