"""What the graph runtime executes: the kernel calls of a lowered graph function and a static memory plan.

A graph function after lower-graph-to-te is arguments (inputs), graph.constant ops (weights),
graph.call ops (kernels, in order) and func.return. `GraphPlan.from_function` records it as plain data
(JSON-serialisable): one entry per tensor, one step per call. `plan_memory` then gives every tensor a
kernel writes an offset in one arena, reusing the bytes of tensors no later step reads (greedy by
liveness, like TVM's graph memory planner); the function's results keep their own bytes.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

import numpy as np
from xdsl.dialects import builtin, func
from xdsl.ir import SSAValue

from tessel.dialects.graph import CallOp, ConstantOp
from tessel.dialects.graph.dtypes import numpy_dtype

ALIGNMENT = 64
"""Bytes: every planned tensor starts on a cache line (and a full AVX-512 vector)."""


class GraphPlanError(ValueError):
    """The function is not a lowered graph (an op other than graph.constant / graph.call / func.return)."""


@dataclass(frozen=True)
class TensorInfo:
    """One tensor of the graph: `kind` is input, param, intermediate or output; `offset` in the arena (bytes)."""

    name: str
    shape: tuple[int, ...]
    dtype: str
    kind: str
    offset: int = -1

    @property
    def nbytes(self) -> int:
        return math.prod(self.shape) * np.dtype(self.dtype).itemsize


@dataclass(frozen=True)
class Step:
    """One kernel call: the kernel's name and its buffer arguments (tensor indices: inputs, then outputs)."""

    kernel: str
    inputs: tuple[int, ...]
    outputs: tuple[int, ...]


@dataclass
class GraphPlan:
    """Tensors, kernel calls in order, the function's inputs and outputs (tensor indices), arena size."""

    name: str
    tensors: list[TensorInfo] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)
    inputs: list[int] = field(default_factory=list)
    outputs: list[int] = field(default_factory=list)
    arena_bytes: int = 0

    @staticmethod
    def from_function(function: func.FuncOp) -> tuple[GraphPlan, dict[str, np.ndarray]]:
        """The plan of a lowered graph function (memory planned) and its weights by tensor name."""
        plan = GraphPlan(function.sym_name.data)
        index: dict[SSAValue, int] = {}
        weights: dict[str, np.ndarray] = {}
        names: set[str] = set()

        def add(value: SSAValue, kind: str, fallback: str) -> int:
            value_type = value.type
            if not isinstance(value_type, builtin.TensorType):
                raise GraphPlanError(f"@{plan.name}: {fallback} is not a ranked tensor ({value_type})")
            name = _unique(value.name_hint or fallback, names)
            shape = tuple(int(d) for d in value_type.get_shape())
            plan.tensors.append(TensorInfo(name, shape, numpy_dtype(value_type.element_type).name, kind))
            index[value] = len(plan.tensors) - 1
            return index[value]

        for position, arg in enumerate(function.args):
            plan.inputs.append(add(arg, "input", f"input{position}"))
        block = function.body.block
        for op in block.ops:
            if isinstance(op, ConstantOp):
                tensor = add(op.result, "param", f"param{len(weights)}")
                weights[plan.tensors[tensor].name] = op.evaluate()[0]
            elif isinstance(op, CallOp):
                inputs = tuple(index[v] for v in op.args)
                outputs = tuple(add(r, "intermediate", f"t{len(plan.tensors)}") for r in op.results)
                plan.steps.append(Step(op.kernel, inputs, outputs))
            elif isinstance(op, func.ReturnOp):
                plan.outputs = [index[v] for v in op.operands]
                for position, (value, tensor) in enumerate(zip(op.operands, plan.outputs, strict=True)):
                    if not value.name_hint and plan.tensors[tensor].kind == "intermediate":
                        names.discard(plan.tensors[tensor].name)
                        plan.tensors[tensor] = _with(plan.tensors[tensor], name=_unique(f"output{position}", names))
            else:
                raise GraphPlanError(
                    f"@{plan.name}: {op.name} cannot run in the graph runtime; lower the graph first (lower-graph-to-te)"
                )
        for position in plan.outputs:
            if plan.tensors[position].kind == "intermediate":
                plan.tensors[position] = _with(plan.tensors[position], kind="output")
        plan_memory(plan)
        return plan, weights

    def to_json(self) -> dict[str, object]:
        return asdict(self)

    @staticmethod
    def from_json(data: dict[str, object]) -> GraphPlan:
        tensors = [TensorInfo(**{**t, "shape": tuple(t["shape"])}) for t in data["tensors"]]  # type: ignore[union-attr]
        steps = [Step(s["kernel"], tuple(s["inputs"]), tuple(s["outputs"])) for s in data["steps"]]  # type: ignore[union-attr]
        return GraphPlan(
            str(data["name"]),
            tensors,
            steps,
            list(data["inputs"]),
            list(data["outputs"]),
            int(data["arena_bytes"]),  # type: ignore[arg-type]
        )

    @property
    def peak_bytes(self) -> int:
        """Bytes of the arena holding every tensor the kernels write (intermediates and outputs)."""
        return self.arena_bytes

    @property
    def unplanned_bytes(self) -> int:
        """What the kernels' tensors would take without reuse: the memory plan's saving is the difference."""
        return sum(_aligned(t.nbytes) for t in self.tensors if t.kind in ("intermediate", "output"))


def plan_memory(plan: GraphPlan) -> None:
    """Give each intermediate and output tensor an arena offset; intermediates share bytes once dead."""
    last_use: dict[int, int] = {}
    for step_index, step in enumerate(plan.steps):
        for tensor in step.inputs:
            last_use[tensor] = step_index
    free: list[tuple[int, int]] = []  # (offset, size) of dead blocks
    top = 0
    for step_index, step in enumerate(plan.steps):
        for tensor in step.outputs:
            info = plan.tensors[tensor]
            size = _aligned(info.nbytes)
            offset = None
            if info.kind == "intermediate":
                fits = [b for b in free if b[1] >= size]
                if fits:
                    block = min(fits, key=lambda b: b[1])
                    free.remove(block)
                    offset = block[0]
                    if block[1] > size:
                        free.append((block[0] + size, block[1] - size))
            if offset is None:
                offset, top = top, top + size
            plan.tensors[tensor] = _with(info, offset=offset)
        for tensor in {t for t in step.inputs if last_use.get(t) == step_index}:
            info = plan.tensors[tensor]
            if info.kind == "intermediate":
                free.append((info.offset, _aligned(info.nbytes)))
        for tensor in step.outputs:  # written but never read: free right away
            if tensor not in last_use and plan.tensors[tensor].kind == "intermediate":
                free.append((plan.tensors[tensor].offset, _aligned(plan.tensors[tensor].nbytes)))
        free = _coalesced(free)
    plan.arena_bytes = top


def _coalesced(blocks: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for offset, size in sorted(blocks):
        if merged and merged[-1][0] + merged[-1][1] == offset:
            merged[-1] = (merged[-1][0], merged[-1][1] + size)
        else:
            merged.append((offset, size))
    return merged


def _aligned(nbytes: int) -> int:
    return max(ALIGNMENT, -(-nbytes // ALIGNMENT) * ALIGNMENT)


def _with(info: TensorInfo, **changes: object) -> TensorInfo:
    return TensorInfo(**{**asdict(info), **changes})  # type: ignore[arg-type]


def _unique(name: str, taken: set[str]) -> str:
    unique, n = name, 0
    while unique in taken:
        n += 1
        unique = f"{name}_{n}"
    taken.add(unique)
    return unique
