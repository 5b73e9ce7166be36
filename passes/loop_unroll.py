"""loop-unroll: fully unroll the loops of kind `unrolled`, and serial loops of at most `all-below` iterations.

    loop.for %k = 0 to 2 unrolled {          %k0 = arith.constant 0 : index
      %v = loop.load %A[%k] ...       ==>    %v0 = loop.load %A[%k0] ...
    }                                        %k1 = arith.constant 1 : index
                                             %v1 = loop.load %A[%k1] ...

The body is cloned once per iteration with the induction variable replaced by that iteration's
constant (run loop-simplify after to fold the index arithmetic). Nested loops unroll inner first.
An `unrolled` loop with more than `max-trip-count` iterations is an error that names the loop;
nothing is changed then.
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import builtin
from xdsl.ir import SSAValue
from xdsl.passes import ModulePass
from xdsl.rewriter import InsertPoint, Rewriter
from xdsl.utils.exceptions import PassFailedException

from tessel.dialects import loop
from tessel.passes.loop_support.rewriting import index_constant, loop_label, loops_inner_first


@dataclass(frozen=True)
class LoopUnrollPass(ModulePass):
    """Loops of kind unrolled (and short serial loops, with all-below) replaced by one body copy per iteration."""

    name = "loop-unroll"
    max_trip_count: int = 64
    """The most iterations an `unrolled` loop may have."""
    all_below: int = 0
    """Also unroll serial loops with at most this many iterations (0: none)."""

    def apply(self, ctx: Context, op: builtin.ModuleOp) -> None:
        chosen = [for_op for for_op in loops_inner_first(op) if self._unrolls(for_op)]
        for for_op in chosen:
            if for_op.kind.data == "unrolled" and for_op.trip_count > self.max_trip_count:
                raise PassFailedException(
                    f"loop-unroll: {loop_label(for_op)} has {for_op.trip_count} iterations, "
                    f"more than max-trip-count={self.max_trip_count}"
                )
        for for_op in chosen:
            unroll(for_op)

    def _unrolls(self, for_op: loop.ForOp) -> bool:
        kind = for_op.kind.data
        return kind == "unrolled" or (kind == "serial" and for_op.trip_count <= self.all_below)


def unroll(for_op: loop.ForOp) -> None:
    """Replace `for_op` by one copy of its body per iteration."""
    lb, _, step = for_op.bounds
    at = InsertPoint.before(for_op)
    for iteration in range(for_op.trip_count):
        value = index_constant(lb + iteration * step)
        value.result.name_hint = for_op.induction_var.name_hint
        Rewriter.insert_op(value, at)
        mapping: dict[SSAValue, SSAValue] = {for_op.induction_var: value.result}
        for body_op in for_op.body.block.ops:
            Rewriter.insert_op(body_op.clone(mapping), at)
    Rewriter.erase_op(for_op)
