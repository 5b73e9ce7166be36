"""loop-simplify: simplify index arithmetic with the ranges of loop variables and remove dead code.

    loop.for %i = 0 to 4 {                         loop.for %i = 0 to 4 {
      loop.for %j = 0 to 8 {                         loop.for %j = 0 to 8 {
        %t = loop.apply %i * 8 + %j                    %v = loop.load %A[%i, %j]
        %r = loop.apply %t floordiv 8       ==>        ...
        %c = loop.apply %t mod 8
        %ok = arith.cmpi slt, %t, %c32
        loop.if %ok { %v = loop.load %A[%r, %c] ... }

Per loop.func, until nothing changes:
  * loop.apply and index arith (addi/subi/muli, floordivsi/ceildivsi/divsi/remsi by a positive constant,
    minsi/maxsi clamps the ranges decide) over applies and index constants compose into one apply over
    the values they start from (loop variables, other index values), simplified: floordiv and mod drop
    what the loop ranges decide, `x - x floordiv d * d` is `x mod d`; one that is a constant or one
    value goes away;
  * an index arith.cmpi decided by the ranges becomes a constant; i1 andi/ori/xori and arith.select
    with constant operands fold; a loop.if on a constant runs its then- or else-body in place;
  * a loop with one iteration is replaced by its body (the induction variable becomes the lower bound),
    except thread-bound loops (they name a launch dimension) and loops carrying annotations; loops with
    no iteration or an empty body, and loop.ifs with empty bodies, are deleted;
  * unused loads, and loop.alloc buffers that are only written, are deleted;
then xDSL's CSE and DCE. Nothing moves across a loop: CSE only reuses a value that dominates.
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import arith, builtin, vector
from xdsl.dialects.builtin import IndexType, i1
from xdsl.ir import Operation, SSAValue
from xdsl.passes import ModulePass
from xdsl.rewriter import InsertPoint, Rewriter
from xdsl.transforms.common_subexpression_elimination import cse
from xdsl.transforms.dead_code_elimination import region_dce

from tessel.dialects import loop
from tessel.passes.loop_support.index_sums import INDEX_OPS, IndexAnalysis, Sum
from tessel.passes.loop_support.rewriting import (
    bool_constant,
    constant_bool,
    index_constant,
    inline_before,
    loop_functions,
)

_MAX_ROUNDS = 16


@dataclass(frozen=True)
class LoopSimplifyPass(ModulePass):
    """Index arithmetic composed and simplified by loop ranges; decided guards, trivial loops and dead code removed."""

    name = "loop-simplify"

    def apply(self, ctx: Context, op: builtin.ModuleOp) -> None:
        for function in loop_functions(op):
            simplify_function(function)


def simplify_function(function: loop.FuncOp) -> None:
    for _ in range(_MAX_ROUNDS):
        changed = _simplify_indices(function)
        changed = _fold_conditions(function) or changed
        changed = _fold_control_flow(function) or changed
        changed = _remove_dead_memory_ops(function) or changed
        cse(function)
        region_dce(function.body)
        if not changed:
            return


# ---- index arithmetic


def _simplify_indices(function: loop.FuncOp) -> bool:
    analysis = IndexAnalysis(function)
    changed = False
    for op in list(function.walk()):
        if (
            isinstance(op, INDEX_OPS)
            and not isinstance(op, arith.ConstantOp)
            and len(op.results) == 1
            and isinstance(op.results[0].type, IndexType)
        ):
            changed = _replace_index_op(op, analysis.sum_of(op.results[0]), analysis) or changed
    return changed


def _replace_index_op(op: Operation, s: Sum, analysis: IndexAnalysis) -> bool:
    """Replace an index op by the simplest form of its sum; False when it already is that form."""
    result = op.results[0]
    if s.single_atom() is result:
        return False  # the analysis sees nothing through this op
    if s.is_constant:
        Rewriter.replace_op(op, index_constant(s.constant))
        return True
    atom = s.single_atom()
    if atom is not None:
        Rewriter.replace_op(op, [], [atom])
        return True
    affine_map, operands = analysis.to_affine(s)
    if isinstance(op, loop.ApplyOp) and affine_map == op.map.data and operands == list(op.operands_):
        return False
    Rewriter.replace_op(op, loop.ApplyOp(affine_map, operands))
    return True


# ---- conditions

_SWAPPED = {"sgt": "slt", "sge": "sle", "ugt": "ult", "uge": "ule"}
_PREDICATES = ("eq", "ne", "slt", "sle", "sgt", "sge", "ult", "ule", "ugt", "uge")


def _decide(predicate: str, lhs: Sum, rhs: Sum, analysis: IndexAnalysis) -> bool | None:
    """The value of `lhs <predicate> rhs` when the ranges decide it."""
    if predicate in _SWAPPED:
        return _decide(_SWAPPED[predicate], rhs, lhs, analysis)
    if predicate in ("ult", "ule"):
        # Unsigned compares agree with signed ones on non-negative operands.
        if not all(_non_negative(s, analysis) for s in (lhs, rhs)):
            return None
        predicate = "s" + predicate[1:]
    difference = lhs - rhs
    lo, hi = analysis.interval(difference)
    if predicate == "slt":
        return _known(hi is not None and hi < 0, lo is not None and lo >= 0)
    if predicate == "sle":
        return _known(hi is not None and hi <= 0, lo is not None and lo > 0)
    unequal = (lo is not None and lo > 0) or (hi is not None and hi < 0)
    equal = difference.is_constant and difference.constant == 0
    return _known(equal, unequal) if predicate == "eq" else _known(unequal, equal)


def _non_negative(s: Sum, analysis: IndexAnalysis) -> bool:
    lo = analysis.interval(s)[0]
    return lo is not None and lo >= 0


def _known(holds: bool, fails: bool) -> bool | None:
    return True if holds else False if fails else None


def _folded_condition(op: Operation, analysis: IndexAnalysis) -> bool | SSAValue | None:
    """What a condition-producing op folds to: a constant, one of its operands, or None."""
    if isinstance(op, arith.CmpiOp) and isinstance(op.lhs.type, IndexType):
        predicate = _PREDICATES[op.predicate.value.data]
        return _decide(predicate, analysis.sum_of(op.lhs), analysis.sum_of(op.rhs), analysis)
    if isinstance(op, arith.AndIOp | arith.OrIOp | arith.XOrIOp) and op.result.type == i1:
        lhs, rhs = constant_bool(op.lhs), constant_bool(op.rhs)
        if lhs is not None and rhs is not None:
            return {arith.AndIOp: lhs and rhs, arith.OrIOp: lhs or rhs, arith.XOrIOp: lhs != rhs}[type(op)]
        known, other = (lhs, op.rhs) if lhs is not None else (rhs, op.lhs)
        if known is None:
            return None
        if isinstance(op, arith.AndIOp):
            return other if known else False
        if isinstance(op, arith.OrIOp):
            return True if known else other
        return other if not known else None
    if isinstance(op, arith.SelectOp):
        condition = constant_bool(op.cond)
        if condition is not None:
            return op.lhs if condition else op.rhs
    return None


def _fold_conditions(function: loop.FuncOp) -> bool:
    analysis = IndexAnalysis(function)
    changed = False
    for op in list(function.walk()):
        folded = _folded_condition(op, analysis)
        if folded is None:
            continue
        if isinstance(folded, bool):
            Rewriter.replace_op(op, bool_constant(folded))
        else:
            Rewriter.replace_op(op, [], [folded])
        changed = True
    return changed


# ---- loops and ifs


def _fold_control_flow(function: loop.FuncOp) -> bool:
    changed = False
    for op in list(function.walk(region_first=True)):  # inner ops first: erasing one never touches a later one
        if isinstance(op, loop.ForOp):
            changed = _fold_loop(op) or changed
        elif isinstance(op, loop.IfOp):
            changed = _fold_if(op) or changed
    return changed


def _fold_loop(op: loop.ForOp) -> bool:
    if op.trip_count == 0 or op.body.block.is_empty:
        Rewriter.erase_op(op)
        return True
    if op.trip_count != 1 or op.kind.data == "thread" or op.annotations is not None:
        return False
    lower_bound = index_constant(op.bounds[0])
    Rewriter.insert_op(lower_bound, InsertPoint.before(op))
    inline_before(op, op.body.block, (lower_bound.result,))
    Rewriter.erase_op(op)
    return True


def _fold_if(op: loop.IfOp) -> bool:
    condition = constant_bool(op.condition)
    else_blocks = op.else_region.blocks
    if condition is not None:
        if condition:
            inline_before(op, op.then_region.block)
        elif else_blocks:
            inline_before(op, op.else_region.block)
        Rewriter.erase_op(op)
        return True
    if op.then_region.block.is_empty and all(block.is_empty for block in else_blocks):
        Rewriter.erase_op(op)
        return True
    return False


# ---- memory


def _remove_dead_memory_ops(function: loop.FuncOp) -> bool:
    """Loads nobody uses; local buffers only written to (with their stores)."""
    changed = False
    for op in list(function.walk()):
        if isinstance(op, loop.LoadOp | vector.LoadOp) and not op.results[0].uses:
            Rewriter.erase_op(op)
            changed = True
        elif isinstance(op, loop.AllocOp) and _only_stored(op.result):
            for use in list(op.result.uses):
                Rewriter.erase_op(use.operation)
            Rewriter.erase_op(op)
            changed = True
    return changed


def _only_stored(buffer: SSAValue) -> bool:
    return all(
        (isinstance(use.operation, loop.StoreOp) and use.operation.buffer is buffer)
        or (isinstance(use.operation, vector.StoreOp) and use.operation.base is buffer)
        for use in buffer.uses
    )
