"""Custom syntax of te.schedule and its primitives: one line per primitive, no types written.

    te.schedule {
      %y, %x, %k = te.axes %C
      %yo, %xo, %yi, %xi = te.tile %C [%y, %x] by [8, 8]
      %ko, %ki = te.split %C %k by 8                  (or: nparts 4)
      te.reorder %C [%yo, %xo, %ko, %yi, %xi, %ki]
      %AL = te.cache_read %A "shared" for [%C]
      te.compute_at %AL at %C %ko
      te.storage_align %AL %ko factor 32 offset 1
      te.pragma %AL "dma_copy"                        (or with an axis: te.pragma %C %xo "unroll")
      te.tensorize %C %yi using @gemm8x8
    }

Axis handles are `!te.axis`. Stage operands (tensors or `!te.stage`s) carry no written type, so the
parser takes it from their definition, which must come first.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, cast

from lark import Token
from xdsl.dialects.builtin import ArrayAttr, IntegerAttr, i64
from xdsl.ir import Attribute, Block, Operation, Region, SSAValue
from xdsl.printer import Printer

from tessel.dialects.attribute_syntax import symbol_name
from tessel.dialects.syntax import SyntaxFragment, install_printers, keywords
from tessel.dialects.te.ops import int_array
from tessel.dialects.te.schedule_ops import (
    AxesOp,
    AxisPrimitiveOp,
    AxisType,
    BindOp,
    CacheReadOp,
    CacheWriteOp,
    ComputeAtOp,
    ComputeInlineOp,
    ComputeRootOp,
    DoubleBufferOp,
    FuseOp,
    ParallelOp,
    PragmaOp,
    ReorderOp,
    ScheduleOp,
    SplitOp,
    StageType,
    StorageAlignOp,
    TensorizeOp,
    TileOp,
    UnrollOp,
    VectorizeOp,
)
from tessel.dialects.te.syntax import defined_before, defined_value, has_only_properties, read_int

if TYPE_CHECKING:
    from tessel.dialects.parser import IRCallbacks

    _Base = IRCallbacks
else:
    _Base = object

_AXIS_PRIMITIVES: dict[str, type[AxisPrimitiveOp]] = {op.name: op for op in (ParallelOp, VectorizeOp, UnrollOp)}
_STAGE_PRIMITIVES: dict[str, type[ComputeInlineOp | ComputeRootOp | DoubleBufferOp]] = {
    op.name: op for op in (ComputeInlineOp, ComputeRootOp, DoubleBufferOp)
}
_OTHERS = (ScheduleOp, AxesOp, SplitOp, TileOp, FuseOp, ReorderOp, BindOp, ComputeAtOp)
_OTHERS += (CacheReadOp, CacheWriteOp, StorageAlignOp, PragmaOp, TensorizeOp)
_KEYWORD_DEFINITIONS, _ = keywords([*_AXIS_PRIMITIVES, *_STAGE_PRIMITIVES, *(op.name for op in _OTHERS)])
_, _AXIS_PRIMITIVE = keywords(list(_AXIS_PRIMITIVES))
_, _STAGE_PRIMITIVE = keywords(list(_STAGE_PRIMITIVES))

GRAMMAR = "\n".join(
    [
        _KEYWORD_DEFINITIONS,
        "te_schedule: KW_TE_SCHEDULE region",
        "te_axes: KW_TE_AXES SSA_NAME",
        "te_split: KW_TE_SPLIT SSA_NAME SSA_NAME te_split_size",
        'te_split_size: "by" INT -> te_split_factor',
        '             | "nparts" INT -> te_split_nparts',
        'te_tile: KW_TE_TILE SSA_NAME "[" SSA_NAME "," SSA_NAME "]" "by" "[" INT "," INT "]"',
        'te_fuse: KW_TE_FUSE SSA_NAME "[" [value_uses] "]"',
        'te_reorder: KW_TE_REORDER SSA_NAME "[" [value_uses] "]"',
        f"te_axis_primitive: {_AXIS_PRIMITIVE} SSA_NAME SSA_NAME",
        "te_bind: KW_TE_BIND SSA_NAME SSA_NAME STRING",
        'te_compute_at: KW_TE_COMPUTE_AT SSA_NAME "at" SSA_NAME SSA_NAME',
        f"te_stage_primitive: {_STAGE_PRIMITIVE} SSA_NAME",
        'te_cache_read: KW_TE_CACHE_READ SSA_NAME STRING "for" "[" [value_uses] "]"',
        "te_cache_write: KW_TE_CACHE_WRITE SSA_NAME STRING",
        'te_storage_align: KW_TE_STORAGE_ALIGN SSA_NAME SSA_NAME "factor" INT "offset" INT',
        "te_pragma: KW_TE_PRAGMA SSA_NAME [SSA_NAME] STRING",
        'te_tensorize: KW_TE_TENSORIZE SSA_NAME SSA_NAME "using" SYMBOL_REF',
    ]
)

ROOTS = (
    "te_schedule",
    "te_axes",
    "te_split",
    "te_tile",
    "te_fuse",
    "te_reorder",
    "te_axis_primitive",
    "te_bind",
    "te_compute_at",
    "te_stage_primitive",
    "te_cache_read",
    "te_cache_write",
    "te_storage_align",
    "te_pragma",
    "te_tensorize",
)


class TeScheduleCallbacks(_Base):
    """Builds te.schedule and its primitives from their custom form."""

    def reset(self, filename: str, source: str) -> None:
        super().reset(filename, source)
        self.pending_axes: AxesOp | None = None

    def operation(self, children: list[object]) -> Operation:
        # te.axes makes as many axes as names are bound to it; only `operation` sees both
        results, (op, op_token), location = cast(tuple[list[tuple[Token, int]] | None, tuple[Operation, Token], object], children)
        if op is self.pending_axes:
            self.pending_axes = None
            count = sum(size for _, size in results or ())
            if count:
                stage = op.stage
                op.erase()
                op = AxesOp(stage, count)
        return super().operation([results, (op, op_token), location])

    def stage(self, token: Token) -> SSAValue:
        return defined_value(self, token, f"stage {token} must be defined before the schedule uses it")

    def axis(self, token: Token) -> SSAValue:
        return self.use(token, AxisType())

    def te_schedule(self, children: list[object]) -> tuple[Operation, Token]:
        keyword, body = cast(tuple[Token, Region], children)
        if not body.blocks:
            body.add_block(Block())
        return ScheduleOp(body), keyword

    def te_axes(self, children: list[Token]) -> tuple[Operation, Token]:
        keyword, stage = children
        self.pending_axes = AxesOp(self.stage(stage), 0)
        return self.pending_axes, keyword

    def te_split_factor(self, children: list[Token]) -> tuple[str, int]:
        return "factor", read_int(self, children[0])

    def te_split_nparts(self, children: list[Token]) -> tuple[str, int]:
        return "nparts", read_int(self, children[0])

    def te_split(self, children: list[object]) -> tuple[Operation, Token]:
        keyword, stage, axis, (kind, size) = cast(tuple[Token, Token, Token, tuple[str, int]], children)
        return SplitOp(self.stage(stage), self.axis(axis), **{kind: size}), keyword

    def te_tile(self, children: list[Token]) -> tuple[Operation, Token]:
        keyword, stage, x_axis, y_axis, x_factor, y_factor = children
        operands = [self.stage(stage), self.axis(x_axis), self.axis(y_axis)]
        factors = int_array([read_int(self, x_factor), read_int(self, y_factor)])
        # TileOp.__init__ passes its four result types as one group, which IRDL rejects
        return TileOp.create(operands=operands, properties={"factors": factors}, result_types=[AxisType()] * 4), keyword

    def te_fuse(self, children: list[object]) -> tuple[Operation, Token]:
        keyword, stage, axes = cast(tuple[Token, Token, list[Token] | None], children)
        return FuseOp(self.stage(stage), [self.axis(token) for token in axes or []]), keyword

    def te_reorder(self, children: list[object]) -> tuple[Operation, Token]:
        keyword, stage, axes = cast(tuple[Token, Token, list[Token] | None], children)
        return ReorderOp(self.stage(stage), [self.axis(token) for token in axes or []]), keyword

    def te_axis_primitive(self, children: list[Token]) -> tuple[Operation, Token]:
        keyword, stage, axis = children
        return _AXIS_PRIMITIVES[str(keyword)](self.stage(stage), self.axis(axis)), keyword

    def te_bind(self, children: list[Token]) -> tuple[Operation, Token]:
        keyword, stage, axis, thread = children
        return BindOp(self.stage(stage), self.axis(axis), self.string_value(thread)), keyword

    def te_compute_at(self, children: list[Token]) -> tuple[Operation, Token]:
        keyword, stage, target, axis = children
        return ComputeAtOp(self.stage(stage), self.stage(target), self.axis(axis)), keyword

    def te_stage_primitive(self, children: list[Token]) -> tuple[Operation, Token]:
        keyword, stage = children
        return _STAGE_PRIMITIVES[str(keyword)](self.stage(stage)), keyword

    def te_cache_read(self, children: list[object]) -> tuple[Operation, Token]:
        keyword, stage, scope, readers = cast(tuple[Token, Token, Token, list[Token] | None], children)
        cache_stage = self.stage(stage)
        return CacheReadOp(cache_stage, self.string_value(scope), [self.stage(token) for token in readers or []]), keyword

    def te_cache_write(self, children: list[Token]) -> tuple[Operation, Token]:
        keyword, stage, scope = children
        return CacheWriteOp(self.stage(stage), self.string_value(scope)), keyword

    def te_storage_align(self, children: list[Token]) -> tuple[Operation, Token]:
        keyword, stage, axis, factor, offset = children
        op = StorageAlignOp(self.stage(stage), self.axis(axis), read_int(self, factor), read_int(self, offset))
        return op, keyword

    def te_pragma(self, children: list[Token | None]) -> tuple[Operation, Token]:
        keyword, stage, axis, pragma = children
        assert keyword is not None and stage is not None and pragma is not None
        op = PragmaOp(self.stage(stage), self.string_value(pragma), self.axis(axis) if axis is not None else None)
        return op, keyword

    def te_tensorize(self, children: list[Token]) -> tuple[Operation, Token]:
        keyword, stage, axis, intrin = children
        return TensorizeOp(self.stage(stage), self.axis(axis), symbol_name(intrin)), keyword


# ---- printers (the ops' `print` methods)


def _print_operands(printer: Printer, values: Sequence[SSAValue]) -> None:
    for value in values:
        printer.print_string(" ")
        printer.print_operand(value)


def _print_bracketed(printer: Printer, values: Sequence[SSAValue]) -> None:
    printer.print_string(" [")
    printer.print_list(values, printer.print_operand)
    printer.print_string("]")


def print_schedule(op: ScheduleOp, printer: Printer) -> None:
    printer.print_string(" ")
    printer.print_region(op.body, print_entry_block_args=False, print_empty_block=False)


def print_split(op: SplitOp, printer: Printer) -> None:
    _print_operands(printer, (op.stage, op.axis))
    if op.factor is not None:
        printer.print_string(f" by {op.factor.value.data}")
    elif op.nparts is not None:
        printer.print_string(f" nparts {op.nparts.value.data}")


def print_tile(op: TileOp, printer: Printer) -> None:
    _print_operands(printer, (op.stage,))
    _print_bracketed(printer, (op.x_axis, op.y_axis))
    x_factor, y_factor = op.factor_values
    printer.print_string(f" by [{x_factor}, {y_factor}]")


def print_stage_and_axes(op: FuseOp | ReorderOp, printer: Printer) -> None:
    _print_operands(printer, (op.stage,))
    _print_bracketed(printer, op.axes)


def print_bind(op: BindOp, printer: Printer) -> None:
    _print_operands(printer, (op.stage, op.axis))
    printer.print_string(" ")
    printer.print_string_literal(op.thread.data)


def print_compute_at(op: ComputeAtOp, printer: Printer) -> None:
    _print_operands(printer, (op.stage,))
    printer.print_string(" at")
    _print_operands(printer, (op.target, op.axis))


def print_cache_read(op: CacheReadOp, printer: Printer) -> None:
    _print_operands(printer, (op.stage,))
    printer.print_string(" ")
    printer.print_string_literal(op.scope.data)
    printer.print_string(" for")
    _print_bracketed(printer, op.readers)


def print_cache_write(op: CacheWriteOp, printer: Printer) -> None:
    _print_operands(printer, (op.stage,))
    printer.print_string(" ")
    printer.print_string_literal(op.scope.data)


def print_storage_align(op: StorageAlignOp, printer: Printer) -> None:
    _print_operands(printer, (op.stage, op.axis))
    printer.print_string(f" factor {op.factor.value.data} offset {op.offset.value.data}")


def print_pragma(op: PragmaOp, printer: Printer) -> None:
    _print_operands(printer, (op.stage,) if op.axis is None else (op.stage, op.axis))
    printer.print_string(" ")
    printer.print_string_literal(op.pragma.data)


def print_tensorize(op: TensorizeOp, printer: Printer) -> None:
    _print_operands(printer, (op.stage, op.axis))
    printer.print_string(" using ")
    printer.print_symbol_name(op.intrin.root_reference.data)


def print_operands_only(op: Operation, printer: Printer) -> None:
    _print_operands(printer, op.operands)


PRINTERS: dict[type[Operation], Callable[[Any, Printer], None]] = {
    ScheduleOp: print_schedule,
    AxesOp: print_operands_only,
    SplitOp: print_split,
    TileOp: print_tile,
    FuseOp: print_stage_and_axes,
    ReorderOp: print_stage_and_axes,
    **dict.fromkeys(_AXIS_PRIMITIVES.values(), print_operands_only),
    BindOp: print_bind,
    ComputeAtOp: print_compute_at,
    **dict.fromkeys(_STAGE_PRIMITIVES.values(), print_operands_only),
    CacheReadOp: print_cache_read,
    CacheWriteOp: print_cache_write,
    StorageAlignOp: print_storage_align,
    PragmaOp: print_pragma,
    TensorizeOp: print_tensorize,
}

# ---- what the custom forms cannot spell (such ops print in generic form)

_PROPERTIES: dict[type[Operation], tuple[str, ...]] = {
    SplitOp: ("factor", "nparts"),
    TileOp: ("factors",),
    BindOp: ("thread",),
    CacheReadOp: ("scope",),
    CacheWriteOp: ("scope",),
    StorageAlignOp: ("factor", "offset"),
    PragmaOp: ("pragma",),
    TensorizeOp: ("intrin",),
}
_AXIS_FIELDS = ("axis", "x_axis", "y_axis")


def _is_i64(attr: Attribute | None) -> bool:
    return attr is None or (isinstance(attr, IntegerAttr) and attr.type == i64)


def _properties_lossy(op: Operation) -> bool:
    if isinstance(op, SplitOp):
        return (op.factor is None) == (op.nparts is None) or not (_is_i64(op.factor) and _is_i64(op.nparts))
    if isinstance(op, TileOp):
        factors = op.factors
        return not (isinstance(factors, ArrayAttr) and len(factors.data) == 2 and all(_is_i64(f) for f in factors.data))
    if isinstance(op, StorageAlignOp):
        return not (_is_i64(op.factor) and _is_i64(op.offset))
    if isinstance(op, TensorizeOp):
        return bool(op.intrin.nested_references.data)
    return False


def _axis_operands(op: Operation) -> list[SSAValue]:
    """The operands the grammar reads as `!te.axis` (the others are stages, of any type)."""
    values = [value for field in _AXIS_FIELDS if isinstance(value := getattr(op, field, None), SSAValue)]
    if isinstance(op, FuseOp | ReorderOp):
        values += op.axes
    return values


def _schedule_lossy(op: Operation) -> bool:
    if not has_only_properties(op, _PROPERTIES.get(type(op), ())) or _properties_lossy(op):
        return True
    if isinstance(op, ScheduleOp):
        return len(op.body.blocks) != 1 or bool(op.body.block.args)
    if any(not isinstance(value.type, AxisType) for value in _axis_operands(op)):
        return True
    if not all(defined_before(value, op) for value in op.operands):  # stages are parsed with their definition's type
        return True
    expected_result = StageType() if isinstance(op, CacheReadOp | CacheWriteOp) else AxisType()
    return any(result.type != expected_result for result in op.results)


install_printers(PRINTERS)

FRAGMENT = SyntaxFragment(
    name="te.schedule",
    grammar=GRAMMAR,
    roots=ROOTS,
    callbacks=TeScheduleCallbacks,
    custom_format_ops=frozenset(PRINTERS),
    needs_generic=_schedule_lossy,
)
