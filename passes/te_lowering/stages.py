"""Stages and axes (TVM's Stage and IterVar) and the split/fuse relations between axes.

Every axis is one loop variable of the generated nest; its `dim` is its position in the
affine expressions that describe indices and regions.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from xdsl.dialects import func
from xdsl.ir import Operation, SSAValue
from xdsl.utils.exceptions import DiagnosticException

from tessel.dialects.te import ComputeOp, IntrinOp


class ScheduleError(DiagnosticException):
    """An illegal schedule: names the primitive and the axis; `op` is where it was written."""

    def __init__(self, message: str, op: Operation | None = None):
        super().__init__(message)
        self.op = op


_dims = itertools.count()


@dataclass(eq=False)
class IterVar:
    """One axis of a stage: a root axis (an output index or reduction axis) or one made by split/fuse."""

    name: str
    stage: Stage
    reduce: bool
    extent: int = 0
    """Filled in by bound inference for axes made by split/fuse; roots know theirs from the region."""
    dim: int = field(default_factory=lambda: next(_dims))
    kind: str = "serial"
    thread: str | None = None
    pragmas: list[str] = field(default_factory=list)
    tensorize: IntrinOp | None = None
    written_by: dict[str, Operation] = field(default_factory=dict)
    """The schedule op of each primitive applied to the axis (for error locations)."""

    def __repr__(self) -> str:
        return f"{self.stage.name}.{self.name}"


@dataclass(eq=False)
class Split:
    parent: IterVar
    outer: IterVar
    inner: IterVar
    factor: int | None
    nparts: int | None


@dataclass(eq=False)
class Fuse:
    outer: IterVar
    inner: IterVar
    fused: IterVar


@dataclass(eq=False)
class Attach:
    """Where a stage's loop nest goes: at the top ("root"), nowhere ("inline"), or in `target`'s loop `axis`."""

    kind: str
    target: Stage | None = None
    axis: IterVar | None = None


@dataclass(eq=False)
class Stage:
    """A compute and its schedule. Placeholder stages (function arguments) have no compute."""

    name: str
    tensor: SSAValue
    compute: ComputeOp | None
    is_output: bool = False
    scope: str = "global"
    root_axes: list[IterVar] = field(default_factory=list)
    leaf_axes: list[IterVar] = field(default_factory=list)
    relations: list[Split | Fuse] = field(default_factory=list)
    attach: Attach = field(default_factory=lambda: Attach("root"))
    storage_align: dict[int, tuple[int, int]] = field(default_factory=dict)
    double_buffer: bool = False
    stage_pragmas: list[str] = field(default_factory=list)
    written_by: dict[str, Operation] = field(default_factory=dict)
    """The schedule op of each primitive applied to the stage (for error locations)."""

    def __repr__(self) -> str:
        return f"stage {self.name}"

    @property
    def is_placeholder(self) -> bool:
        return self.compute is None

    def reset_axes(self) -> None:
        """Fresh root axes for the stage's compute (at creation, and after cache_write replaces it)."""
        assert self.compute is not None
        spatial = [IterVar(f"i{n}", self, False, extent) for n, extent in enumerate(self.compute.shape)]
        reduce = [IterVar(f"k{n}", self, True, extent) for n, extent in enumerate(self.compute.reduce_shape)]
        self.root_axes = spatial + reduce
        self.leaf_axes = list(self.root_axes)
        self.relations = []

    @property
    def spatial_roots(self) -> list[IterVar]:
        return [a for a in self.root_axes if not a.reduce]

    def leaf_position(self, axis: IterVar) -> int:
        return self.leaf_axes.index(axis)


def stage_of_function_arg(arg: SSAValue, name: str) -> Stage:
    return Stage(name=name, tensor=arg, compute=None)


def function_outputs(function: func.FuncOp) -> list[SSAValue]:
    last = function.body.block.last_op
    assert isinstance(last, func.ReturnOp)
    return list(last.arguments)
