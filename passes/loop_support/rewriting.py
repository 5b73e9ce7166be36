"""Small IR edits shared by the loop-level passes."""

from __future__ import annotations

from collections.abc import Iterator

from xdsl.dialects import arith
from xdsl.dialects.builtin import DictionaryAttr, IndexType, IntegerAttr, i1
from xdsl.ir import Attribute, Block, Operation, SSAValue
from xdsl.rewriter import InsertPoint, Rewriter

from tessel.dialects import loop


def index_constant(value: int) -> arith.ConstantOp:
    return arith.ConstantOp(IntegerAttr(value, IndexType()))


def bool_constant(value: bool) -> arith.ConstantOp:
    return arith.ConstantOp(IntegerAttr(1 if value else 0, i1))


def constant_bool(value: SSAValue) -> bool | None:
    """The value of an i1 `arith.constant`, else None."""
    owner = value.owner
    if isinstance(owner, arith.ConstantOp) and value.type == i1 and isinstance(owner.value, IntegerAttr):
        return owner.value.value.data != 0
    return None


def inline_before(op: Operation, block: Block, arg_values: tuple[SSAValue, ...] = ()) -> None:
    """Move the ops of `block` (its arguments replaced by `arg_values`) before `op`."""
    Rewriter.inline_block(block, InsertPoint.before(op), arg_values)


def loop_functions(root: Operation) -> list[loop.FuncOp]:
    return [op for op in root.walk() if isinstance(op, loop.FuncOp)]


def loops_inner_first(root: Operation) -> list[loop.ForOp]:
    """Every loop.for under `root`, nested loops before the loops holding them."""
    return [op for op in root.walk(region_first=True) if isinstance(op, loop.ForOp)]


def with_annotation(for_op: loop.ForOp, name: str, value: Attribute) -> None:
    """Add (or replace) one annotation of a loop."""
    annotations = dict(for_op.annotations.data) if for_op.annotations is not None else {}
    annotations[name] = value
    for_op.annotations = DictionaryAttr(annotations)


def loop_label(for_op: loop.ForOp) -> str:
    """How messages name a loop: its induction variable's name and bounds, and its function."""
    lb, ub, step = for_op.bounds
    name = f"%{for_op.induction_var.name_hint}" if for_op.induction_var.name_hint else "(unnamed)"
    step_text = f" step {step}" if step != 1 else ""
    function = next((p for p in _ancestors(for_op) if isinstance(p, loop.FuncOp)), None)
    where = f" in loop.func @{function.sym_name.data}" if function is not None else ""
    return f"loop.for {name} = {lb} to {ub}{step_text} {for_op.kind.data}{where}"


def _ancestors(op: Operation) -> Iterator[Operation]:
    parent = op.parent_op()
    while parent is not None:
        yield parent
        parent = parent.parent_op()
