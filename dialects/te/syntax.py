"""Custom syntax of the te dialect's compute side: placeholders, computes, reads, yields, tensor intrinsics.

    %A = te.placeholder "A" : tensor<64x64xf32>
    %C = te.compute "C" (%y, %x) < (64, 64) reduce (%k) < (64) {
      %a = te.read %A[%k, %y] : tensor<64x64xf32>
      te.yield max %a identity -1.0e+30 : f32
    } : tensor<64x64xf32>
    %r = te.if_then_else %c, %a, %b : f32
    te.intrin @gemm8x8 {
      ...
      te.intrin_lower %y compute @vdla.gemm8x8(%w, %x, %y) reset @vdla.fill_zero(%y) update @vdla.add(%w, %x, %y)
    }

The schedule ops' syntax is in schedule_syntax.py. The te ops are defined without printers; the printers
here become their `print` methods (xDSL's Printer calls those), so each grammar rule and its printer sit together.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, cast

from lark import Token
from xdsl.dialects import builtin
from xdsl.dialects.builtin import FloatAttr, IndexType, IntegerAttr, SymbolRefAttr, TensorType
from xdsl.ir import Attribute, Block, BlockArgument, Operation, OpResult, Region, SSAValue
from xdsl.printer import Printer

from tessel.dialects.attribute_syntax import symbol_name
from tessel.dialects.literals import LiteralError, parse_int
from tessel.dialects.syntax import SyntaxFragment, install_printers, keywords
from tessel.dialects.te.ops import (
    REDUCERS,
    ComputeOp,
    IfThenElseOp,
    IntrinLowerOp,
    IntrinOp,
    PlaceholderOp,
    ReadOp,
    YieldOp,
)

if TYPE_CHECKING:
    from tessel.dialects.parser import IRCallbacks

    _Base = IRCallbacks
else:
    _Base = object

_KEYWORD_DEFINITIONS, _ = keywords(
    [op.name for op in (PlaceholderOp, ComputeOp, ReadOp, YieldOp, IfThenElseOp, IntrinOp, IntrinLowerOp)]
)

GRAMMAR = (
    _KEYWORD_DEFINITIONS
    + r"""
te_placeholder: KW_TE_PLACEHOLDER STRING ":" type
te_compute: KW_TE_COMPUTE STRING te_compute_space region ":" type
te_compute_space: te_index_space ["reduce" te_index_space]
te_index_space: "(" [value_uses] ")" "<" "(" [te_ints] ")"
te_ints: INT ("," INT)*
te_read: KW_TE_READ SSA_NAME "[" [value_uses] "]" ":" type
te_yield: KW_TE_YIELD [BARE_ID] SSA_NAME [te_identity] ":" type
te_identity: "identity" (INT | FLOAT)
te_if_then_else: KW_TE_IF_THEN_ELSE SSA_NAME "," SSA_NAME "," SSA_NAME ":" type
te_intrin: KW_TE_INTRIN SYMBOL_REF region
te_intrin_lower: KW_TE_INTRIN_LOWER SSA_NAME "compute" te_call ["reset" te_call "update" te_call]
te_call: SYMBOL_REF "(" [value_uses] ")"
"""
)

_INT64_RANGE = range(-(2**63), 2**63)


def read_int(parser: IRCallbacks, token: Token) -> int:
    """An INT token as a 64-bit integer (how te stores extents, factors and offsets)."""
    try:
        value = parse_int(str(token))
    except LiteralError as err:
        raise parser.fail(str(err), token) from None
    if value not in _INT64_RANGE:
        raise parser.fail(f"integer {value} does not fit i64", token)
    return value


def defined_value(parser: IRCallbacks, token: Token, message: str) -> SSAValue:
    """The value of a use whose type the custom form does not write, so it must already be defined."""
    name = str(token)[1:].partition("#")[0]
    if parser.scope.lookup(name) is None:
        raise parser.fail(message, token)
    return parser.use(token, None)


def defined_before(value: SSAValue, op: Operation) -> bool:
    """Whether `value` is defined above `op`, so a type-less use of it parses back (block arguments always are)."""
    if isinstance(value, BlockArgument) or not isinstance(value, OpResult):
        return True
    block = value.op.parent_block()
    if block is None:
        return False
    user = block.find_ancestor_op_in_block(op)
    return user is not None and value.op.is_before_in_block(user)


def has_only_properties(op: Operation, allowed: Sequence[str]) -> bool:
    """No discardable attributes and no properties beyond `allowed`: the custom forms spell nothing else."""
    return not op.attributes and set(op.properties) <= set(allowed)


class TeCallbacks(_Base):
    """Builds the te dialect's compute-side ops from their custom form."""

    def te_placeholder(self, children: list[object]) -> tuple[Operation, Token]:
        keyword, name, tensor_type = cast(tuple[Token, Token, Attribute], children)
        if not isinstance(tensor_type, TensorType):
            raise self.fail(f"te.placeholder: expected a tensor type, got {tensor_type}", keyword)
        return PlaceholderOp(self.string_value(name), cast(TensorType[Attribute], tensor_type)), keyword

    def te_ints(self, children: list[Token]) -> list[Token]:
        return children

    def te_index_space(self, children: list[list[Token] | None]) -> tuple[list[Token], list[Token]]:
        names, extents = children[0] or [], children[1] or []
        if len(names) != len(extents):
            extra = names[len(extents)] if len(names) > len(extents) else extents[len(names)]
            raise self.fail(f"te.compute: {len(names)} index name(s) but {len(extents)} extent(s)", extra)
        return names, extents

    def te_compute_space(self, children: list[tuple[list[Token], list[Token]] | None]) -> list[tuple[list[Token], list[Token]]]:
        spatial, reduce = children[0], children[1] or ([], [])
        assert spatial is not None
        # the body's region_open defines the block arguments: output indices, then reduction axes
        self.pending_entry_args = [(name, IndexType()) for name in (*spatial[0], *reduce[0])]
        return [spatial, reduce]

    def te_compute(self, children: list[object]) -> tuple[Operation, Token]:
        keyword, name, space, body, result_type = cast(
            tuple[Token, Token, list[tuple[list[Token], list[Token]]], Region, Attribute], children
        )
        (names, extents), (_, reduce_extents) = space
        if not isinstance(result_type, TensorType):
            raise self.fail(f"te.compute: expected a tensor result type, got {result_type}", keyword)
        shape = cast(TensorType[Attribute], result_type).get_shape()
        if len(extents) != len(shape):
            where = names[0] if names else keyword
            raise self.fail(
                f"te.compute: {len(extents)} output index(es) but the result type {result_type} has rank {len(shape)}", where
            )
        for position, (token, dim) in enumerate(zip(extents, shape, strict=True)):
            if read_int(self, token) != dim:
                message = f"te.compute: extent {token} of output index {names[position]} does not match {result_type}"
                raise self.fail(f"{message} (dim {position} is {dim})", token)
        if not body.blocks:  # a rank-0 compute with an empty body
            body.add_block(Block())
        reduce_shape = [read_int(self, token) for token in reduce_extents]
        op = ComputeOp(self.string_value(name), cast(TensorType[Attribute], result_type), reduce_shape, body)
        return op, keyword

    def te_read(self, children: list[object]) -> tuple[Operation, Token]:
        keyword, tensor, indices, tensor_type = cast(tuple[Token, Token, list[Token] | None, Attribute], children)
        if not isinstance(tensor_type, TensorType):
            raise self.fail(f"te.read: expected a tensor type, got {tensor_type}", keyword)
        index_values = [self.use(token, IndexType()) for token in indices or []]
        return ReadOp(self.use(tensor, tensor_type), index_values), keyword

    def te_identity(self, children: list[Token]) -> Token:
        return children[0]

    def te_yield(self, children: list[object]) -> tuple[Operation, Token]:
        keyword, reducer, value, identity, value_type = cast(tuple[Token, Token | None, Token, Token | None, Attribute], children)
        if reducer is not None and str(reducer) not in REDUCERS:
            raise self.fail(f"te.yield: unknown reducer '{reducer}'; expected one of {', '.join(REDUCERS)}", reducer)
        identity_attr = None
        if identity is not None:
            build = self.float_attr if identity.type == "FLOAT" else self.integer_attr
            identity_attr = build([identity, value_type])
        return YieldOp(self.use(value, value_type), str(reducer) if reducer else None, identity_attr), keyword

    def te_if_then_else(self, children: list[object]) -> tuple[Operation, Token]:
        keyword, condition, true_value, false_value, value_type = cast(tuple[Token, Token, Token, Token, Attribute], children)
        op = IfThenElseOp(self.use(condition, builtin.i1), self.use(true_value, value_type), self.use(false_value, value_type))
        return op, keyword

    def te_intrin(self, children: list[object]) -> tuple[Operation, Token]:
        keyword, symbol, body = cast(tuple[Token, Token, Region], children)
        if not body.blocks:
            body.add_block(Block())
        return IntrinOp(symbol_name(symbol), body), keyword

    def te_call(self, children: list[object]) -> tuple[str, list[SSAValue]]:
        symbol, uses = cast(tuple[Token, list[Token] | None], children)
        message = "te.intrin_lower: {} must be defined before the call passes it (its type is taken from its definition)"
        return symbol_name(symbol), [defined_value(self, token, message.format(token)) for token in uses or []]

    def te_intrin_lower(self, children: list[object]) -> tuple[Operation, Token]:
        keyword, output, compute, reset, update = cast(
            tuple[Token, Token, tuple[str, list[SSAValue]], tuple[str, list[SSAValue]] | None, tuple[str, list[SSAValue]] | None],
            children,
        )
        message = f"te.intrin_lower: the output {output} must be defined before te.intrin_lower names it"
        return IntrinLowerOp(defined_value(self, output, message), compute, reset, update), keyword


# ---- printers (the ops' `print` methods)


def _print_list(printer: Printer, items: Sequence[Any], print_item: Callable[[Any], None], brackets: str = "[]") -> None:
    printer.print_string(brackets[0])
    printer.print_list(items, print_item)
    printer.print_string(brackets[1])


def _print_index_space(printer: Printer, args: Sequence[SSAValue], extents: Sequence[int]) -> None:
    _print_list(printer, args, printer.print_operand, "()")
    printer.print_string(" < ")
    _print_list(printer, extents, lambda extent: printer.print_string(str(extent)), "()")


def print_placeholder(op: PlaceholderOp, printer: Printer) -> None:
    printer.print_string(" ")
    printer.print_string_literal(op.tensor_name.data)
    printer.print_string(" : ")
    printer.print_attribute(op.result.type)


def print_compute(op: ComputeOp, printer: Printer) -> None:
    printer.print_string(" ")
    printer.print_string_literal(op.tensor_name.data)
    printer.print_string(" ")
    _print_index_space(printer, op.spatial_args, op.shape)
    if op.reduce_shape:
        printer.print_string(" reduce ")
        _print_index_space(printer, op.reduce_args, op.reduce_shape)
    printer.print_string(" ")
    printer.print_region(op.body, print_entry_block_args=False, print_empty_block=False)
    printer.print_string(" : ")
    printer.print_attribute(op.result.type)


def print_read(op: ReadOp, printer: Printer) -> None:
    printer.print_string(" ")
    printer.print_operand(op.tensor)
    _print_list(printer, op.indices, printer.print_operand)
    printer.print_string(" : ")
    printer.print_attribute(op.tensor.type)


def print_yield(op: YieldOp, printer: Printer) -> None:
    if op.reducer is not None:
        printer.print_string(f" {op.reducer.data}")
    printer.print_string(" ")
    printer.print_operand(op.value)
    identity = op.identity
    if isinstance(identity, FloatAttr):
        printer.print_string(" identity ")
        printer.print_float(identity.value.data, identity.type)
    elif isinstance(identity, IntegerAttr):
        printer.print_string(f" identity {identity.value.data}")
    printer.print_string(" : ")
    printer.print_attribute(op.value.type)


def print_if_then_else(op: IfThenElseOp, printer: Printer) -> None:
    printer.print_string(" ")
    printer.print_list(op.operands, printer.print_operand)
    printer.print_string(" : ")
    printer.print_attribute(op.result.type)


def print_intrin(op: IntrinOp, printer: Printer) -> None:
    printer.print_string(" ")
    printer.print_symbol_name(op.sym_name.data)
    printer.print_string(" ")
    printer.print_region(op.body, print_entry_block_args=False, print_empty_block=False)


def _print_call(printer: Printer, keyword: str, callee: SymbolRefAttr, args: Sequence[SSAValue]) -> None:
    printer.print_string(f" {keyword} ")
    printer.print_symbol_name(callee.root_reference.data)
    _print_list(printer, args, printer.print_operand, "()")


def print_intrin_lower(op: IntrinLowerOp, printer: Printer) -> None:
    printer.print_string(" ")
    printer.print_operand(op.output)
    _print_call(printer, "compute", op.compute_callee, op.compute_args)
    if op.reset_callee is not None and op.update_callee is not None:
        _print_call(printer, "reset", op.reset_callee, op.reset_args)
        _print_call(printer, "update", op.update_callee, op.update_args)


# ---- what the custom forms cannot spell (such ops print in generic form)


def _is_i64(attr: Attribute) -> bool:
    return isinstance(attr, IntegerAttr) and attr.type == builtin.i64


def _single_block(region: Region, arg_count: int) -> bool:
    return len(region.blocks) == 1 and len(region.block.args) == arg_count


def _compute_lossy(op: ComputeOp) -> bool:
    if not has_only_properties(op, ("name", "reduce_extents")) or not isinstance(op.result.type, TensorType):
        return True
    if not all(_is_i64(extent) for extent in op.reduce_extents.data):
        return True
    rank = len(op.shape) + len(op.reduce_shape)
    return not _single_block(op.body, rank) or any(not isinstance(arg.type, IndexType) for arg in op.body.block.args)


def _read_lossy(op: ReadOp) -> bool:
    tensor_type = op.tensor.type
    if not has_only_properties(op, ()) or not isinstance(tensor_type, TensorType):
        return True
    element_type = cast(TensorType[Attribute], tensor_type).element_type
    return op.result.type != element_type or any(not isinstance(index.type, IndexType) for index in op.indices)


def _yield_lossy(op: YieldOp) -> bool:
    if not has_only_properties(op, ("reducer", "identity")):
        return True
    if op.reducer is not None and op.reducer.data not in REDUCERS:
        return True
    identity = op.identity
    if identity is None:
        return False
    return not isinstance(identity, IntegerAttr | FloatAttr) or identity.type != op.value.type


def _if_then_else_lossy(op: IfThenElseOp) -> bool:
    types = (op.true_value.type, op.false_value.type)
    return not has_only_properties(op, ()) or op.condition.type != builtin.i1 or types != (op.result.type,) * 2


def _symbol(attr: SymbolRefAttr | None) -> bool:
    return attr is None or not attr.nested_references.data


def _intrin_lower_lossy(op: IntrinLowerOp) -> bool:
    if not has_only_properties(op, ("compute_callee", "reset_callee", "update_callee", "operandSegmentSizes")):
        return True
    if not (_symbol(op.compute_callee) and _symbol(op.reset_callee) and _symbol(op.update_callee)):
        return True
    has_reset_update = op.reset_callee is not None and op.update_callee is not None
    if not has_reset_update and (op.reset_callee or op.update_callee or op.reset_args or op.update_args):
        return True
    return not all(defined_before(value, op) for value in op.operands)


_LOSSY: dict[type[Operation], Callable[[Any], bool]] = {
    PlaceholderOp: lambda op: not has_only_properties(op, ("name",)) or not isinstance(op.result.type, TensorType),
    ComputeOp: _compute_lossy,
    ReadOp: _read_lossy,
    YieldOp: _yield_lossy,
    IfThenElseOp: _if_then_else_lossy,
    IntrinOp: lambda op: not has_only_properties(op, ("sym_name",)) or not _single_block(op.body, 0),
    IntrinLowerOp: _intrin_lower_lossy,
}

PRINTERS: dict[type[Operation], Callable[[Any, Printer], None]] = {
    PlaceholderOp: print_placeholder,
    ComputeOp: print_compute,
    ReadOp: print_read,
    YieldOp: print_yield,
    IfThenElseOp: print_if_then_else,
    IntrinOp: print_intrin,
    IntrinLowerOp: print_intrin_lower,
}


install_printers(PRINTERS)

FRAGMENT = SyntaxFragment(
    name="te",
    grammar=GRAMMAR,
    roots=("te_placeholder", "te_compute", "te_read", "te_yield", "te_if_then_else", "te_intrin", "te_intrin_lower"),
    callbacks=TeCallbacks,
    custom_format_ops=frozenset(PRINTERS),
    needs_generic=lambda op: _LOSSY[type(op)](op),
)
