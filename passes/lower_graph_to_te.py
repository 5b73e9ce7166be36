"""lower-graph-to-te: each fused group (and each graph op left on its own) becomes one te function.

    %1 = graph.fused "conv2d_add_relu" ... { conv2d; add; relu }   ==>   func.func @fused_conv2d_add_relu(...)
                                                                           te.compute "conv2d" ...; te.compute "relu" ...
                                                                           te.schedule { ... }
                                                                       %1 = graph.call @fused_conv2d_add_relu(%x, %w, %b)

The group's ops get their te computes from the operator library (tessel.ops); its elementwise and
injective stages are inlined into their consumer, so the group writes memory once, and the anchor's
default CPU schedule is applied (ops.schedule_group). Groups that lower to the same te function (the
repeated blocks of a ResNet) share one kernel. graph.constant ops (weights) stay in the graph function.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import builtin, func
from xdsl.ir import Operation, SSAValue
from xdsl.passes import ModulePass
from xdsl.rewriter import InsertPoint, Rewriter
from xdsl.utils.exceptions import DiagnosticException

from tessel.dialects.graph import CallOp, ConstantOp, FusedOp, GraphOp
from tessel.dialects.graph.dtypes import numpy_dtype
from tessel.frontends import te
from tessel.frontends.te_codegen import valid_name
from tessel.ops import INJECTIVE_TAG, OpsError, compute_of, schedule_group


class LoweringError(DiagnosticException):
    """A graph op the operator library cannot lower; `op` is where to report it."""

    def __init__(self, message: str, op: Operation):
        super().__init__(message)
        self.op = op


@dataclass(frozen=True)
class LowerGraphToTe(ModulePass):
    """Fused groups and lone graph ops become scheduled te functions called with graph.call."""

    name = "lower-graph-to-te"

    def apply(self, ctx: Context, op: builtin.ModuleOp) -> None:
        kernels = _Kernels(op)
        for function in [f for f in op.ops if isinstance(f, func.FuncOp)]:
            for graph_op in list(function.body.block.ops):
                group = _group_of(graph_op)
                if group is None:
                    continue
                if all(not r.uses for r in graph_op.results):
                    Rewriter.erase_op(graph_op)  # pure and unused: no kernel to make or call
                    continue
                base, inputs, ops, outputs = group
                call = CallOp(kernels.add(base, inputs, ops, outputs, function), graph_op.operands, graph_op.result_types)
                for old, inner, new in zip(graph_op.results, outputs, call.results, strict=True):
                    new.name_hint = old.name_hint or inner.name_hint
                Rewriter.replace_op(graph_op, call)


def _group_of(op: Operation) -> tuple[str, Sequence[SSAValue], list[Operation], Sequence[SSAValue]] | None:
    """What one kernel computes for `op`: a name, its inputs, its ops and its outputs (None: no kernel)."""
    if isinstance(op, FusedOp):
        block = op.body.block
        terminator = block.last_op
        assert terminator is not None
        return f"fused_{op.group_name.data}", block.args, [o for o in block.ops if o is not terminator], terminator.operands
    if isinstance(op, GraphOp) and not isinstance(op, ConstantOp):
        return op.name.removeprefix("graph."), op.operands, [op], op.results
    return None


class _Kernels:
    """The te functions made so far, by name and by their text (to share identical ones)."""

    def __init__(self, module: builtin.ModuleOp):
        self.module = module
        self.names = {o.sym_name.data for o in module.ops if isinstance(o, func.FuncOp)}
        self.by_text: dict[str, str] = {}

    def add(
        self,
        base: str,
        inputs: Sequence[SSAValue],
        ops: Sequence[Operation],
        outputs: Sequence[SSAValue],
        before: func.FuncOp,
    ) -> str:
        """The name of a te function computing `outputs` of `ops` from `inputs` (made now or shared)."""
        from tessel import print_ir

        kernel = build_kernel("kernel", inputs, ops, outputs)
        text = print_ir(builtin.ModuleOp([kernel.clone()]))
        if text in self.by_text:
            return self.by_text[text]
        name = valid_name(base)
        unique, n = name, 0
        while unique in self.names:
            n += 1
            unique = f"{name}_{n}"
        kernel.sym_name = builtin.StringAttr(unique)
        self.names.add(unique)
        self.by_text[text] = unique
        Rewriter.insert_op(kernel, InsertPoint.before(before))
        return unique


def build_kernel(name: str, inputs: Sequence[SSAValue], ops: Sequence[Operation], outputs: Sequence[SSAValue]) -> func.FuncOp:
    """A te function `name` computing `outputs` from `inputs` through `ops`, scheduled for the CPU."""
    try:
        return _build_kernel(name, inputs, ops, outputs)
    except te.TeError as err:
        raise LoweringError(f"lower-graph-to-te: {err}", ops[0]) from err


def _build_kernel(name: str, inputs: Sequence[SSAValue], ops: Sequence[Operation], outputs: Sequence[SSAValue]) -> func.FuncOp:
    tensors: dict[SSAValue, te.Tensor] = {}
    placeholders = []
    for index, value in enumerate(inputs):
        tensor_type = value.type
        assert isinstance(tensor_type, builtin.TensorType)
        placeholder = te.placeholder(
            tuple(tensor_type.get_shape()), dtype=numpy_dtype(tensor_type.element_type).name, name=f"p{index}"
        )
        tensors[value] = placeholder
        placeholders.append(placeholder)
    for op in ops:
        try:
            results = compute_of(op, [tensors[v] for v in op.operands])
        except (OpsError, te.TeError) as err:  # located at the op itself
            raise LoweringError(f"lower-graph-to-te: {err}", op) from err
        tensors.update(zip(op.results, results, strict=True))
    results = [_computed(tensors[v], f"out{i}") for i, v in enumerate(outputs)]
    schedule = schedule_group(_distinct(results))
    module = te.build_module(schedule, [*placeholders, *results], name=name)
    (kernel,) = [o for o in module.ops if isinstance(o, func.FuncOp)]
    kernel.detach()
    return kernel


def _computed(tensor: te.Tensor, name: str) -> te.Tensor:
    """`tensor`, or a copy of it if it is a placeholder (a group that returns one of its inputs)."""
    if isinstance(tensor.op, te.PlaceholderOp):
        return te.compute(tensor.shape, lambda *i: tensor[i], name=name, tag=INJECTIVE_TAG)
    return tensor


def _distinct(tensors: Sequence[te.Tensor]) -> list[te.Tensor]:
    seen: list[te.Tensor] = []
    for t in tensors:
        if all(t is not s for s in seen):
            seen.append(t)
    return seen
