"""lower-te-to-loop: apply each te function's schedule and emit its loop nest (a loop.func).

A te function (func.func of te.computes with an optional te.schedule) becomes a loop.func of the
same name whose arguments are the input buffers then one output buffer per result. Tensor
intrinsics used by tensorize become `loop.func intrinsic` definitions of their hardware calls
(reference bodies: the interpreter and CPU backends run them); te.intrin declarations go away.
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import builtin, func
from xdsl.passes import ModulePass
from xdsl.rewriter import Rewriter

from tessel.dialects import loop, te
from tessel.passes.te_lowering.function import lower_function
from tessel.passes.te_lowering.intrinsics import intrinsic_functions


def is_te_function(op: object) -> bool:
    return isinstance(op, func.FuncOp) and any(isinstance(o, te.ComputeOp | te.ScheduleOp) for o in op.body.walk())


@dataclass(frozen=True)
class LowerTeToLoop(ModulePass):
    """Schedules applied: te functions become loop nests over buffers."""

    name = "lower-te-to-loop"

    def apply(self, ctx: Context, op: builtin.ModuleOp) -> None:
        intrinsics: list[te.IntrinOp] = []
        called: set[str] = set()
        for function in [f for f in op.ops if is_te_function(f)]:
            assert isinstance(function, func.FuncOp)
            lowered, used = lower_function(function, op)
            Rewriter.replace_op(function, lowered)
            intrinsics += [i for i in used if i not in intrinsics]
            called |= {c.callee.root_reference.data for c in lowered.walk() if isinstance(c, loop.CallOp)}
        existing = {f.sym_name.data for f in op.ops if isinstance(f, loop.FuncOp)}
        for definition in intrinsic_functions(intrinsics):
            if definition.sym_name.data in called and definition.sym_name.data not in existing:
                op.body.block.add_op(definition)
        for declaration in [o for o in op.ops if isinstance(o, te.IntrinOp)]:
            Rewriter.erase_op(declaration)
