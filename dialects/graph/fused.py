"""graph.fused: a fusion group as one op with a body region, and graph.yield, its terminator.

    %y = graph.fused "conv2d_relu" kind = out_elemwise_fusable (%x, %w) {
    ^bb0(%a: tensor<...>, %k: tensor<...>):
      %0 = graph.conv2d %a, %k : (...) -> tensor<...>
      %1 = graph.relu %0 : tensor<...>
      graph.yield %1 : tensor<...>
    } : (tensor<...>, tensor<...>) -> tensor<...>

The body is isolated from above: its block arguments are the group's inputs, so a
fused group can be lowered (and compiled) on its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, cast

from lark import Token
from xdsl.dialects import builtin
from xdsl.ir import Attribute, Block, Operation, Region, SSAValue
from xdsl.irdl import (
    IRDLOperation,
    irdl_op_definition,
    prop_def,
    region_def,
    traits_def,
    var_operand_def,
    var_result_def,
)
from xdsl.printer import Printer
from xdsl.traits import HasParent, IsolatedFromAbove, IsTerminator, Pure
from xdsl.utils.exceptions import VerifyException

from tessel.dialects.graph.base import OpPatternKind
from tessel.dialects.syntax import SyntaxFragment, keywords

if TYPE_CHECKING:
    from tessel.dialects.parser import IRCallbacks

    _Base = IRCallbacks
else:
    _Base = object

KIND_NAMES = {kind: kind.name.lower() for kind in OpPatternKind}


@irdl_op_definition
class FusedOp(IRDLOperation):
    """A group of graph ops fused into one kernel; `kind` is the group's pattern kind."""

    name = "graph.fused"
    inputs = var_operand_def(builtin.TensorType)
    outputs = var_result_def(builtin.TensorType)
    group_name = prop_def(builtin.StringAttr, prop_name="name")
    kind = prop_def(builtin.StringAttr)
    body = region_def("single_block")
    traits = traits_def(IsolatedFromAbove(), Pure())

    def __init__(
        self, name: str, kind: OpPatternKind, inputs: Sequence[SSAValue], result_types: Sequence[Attribute], body: Region
    ):
        super().__init__(
            operands=[inputs],
            result_types=[result_types],
            properties={"name": builtin.StringAttr(name), "kind": builtin.StringAttr(KIND_NAMES[kind])},
            regions=[body],
        )

    @property
    def pattern_kind(self) -> OpPatternKind:
        return OpPatternKind[self.kind.data.upper()]

    def verify_(self) -> None:
        if self.kind.data not in KIND_NAMES.values():
            raise VerifyException(
                f"graph.fused: unknown kind '{self.kind.data}'; expected one of {', '.join(KIND_NAMES.values())}"
            )
        block = self.body.block
        arg_types = [a.type for a in block.args]
        if arg_types != list(self.operand_types):
            raise VerifyException(f"graph.fused: body arguments {arg_types} do not match the inputs {list(self.operand_types)}")
        terminator = block.last_op
        if not isinstance(terminator, YieldOp):
            raise VerifyException("graph.fused: the body must end with graph.yield")
        if list(terminator.operand_types) != list(self.result_types):
            raise VerifyException(
                f"graph.fused: yields {list(terminator.operand_types)} but the op returns {list(self.result_types)}"
            )

    def print(self, printer: Printer) -> None:
        printer.print_string(" ")
        printer.print_string_literal(self.group_name.data)
        printer.print_string(f" kind = {self.kind.data} (")
        printer.print_list(self.inputs, printer.print_operand)
        printer.print_string(") ")
        printer.print_region(self.body, print_entry_block_args=True)
        printer.print_string(" : ")
        printer.print_function_type(self.operand_types, self.result_types)


@irdl_op_definition
class YieldOp(IRDLOperation):
    """Returns a fused group's results."""

    name = "graph.yield"
    values = var_operand_def()
    traits = traits_def(IsTerminator(), HasParent(FusedOp), Pure())

    def __init__(self, *values: SSAValue):
        super().__init__(operands=[values])

    def print(self, printer: Printer) -> None:
        printer.print_string(" ")
        printer.print_list(self.values, printer.print_operand)
        printer.print_string(" : ")
        printer.print_list(self.values.types, printer.print_attribute)


_DEFINITIONS, _FUSED = keywords(["graph.fused"])
_YIELD_DEFINITIONS, _YIELD = keywords(["graph.yield"])

GRAMMAR = "\n".join(
    [
        _DEFINITIONS,
        _YIELD_DEFINITIONS,
        f'graph_fused: {_FUSED} STRING "kind" "=" BARE_ID "(" [value_uses] ")" region ":" function_type',
        f'graph_yield: {_YIELD} value_uses ":" type_list',
    ]
)


class FusedCallbacks(_Base):
    """Builds graph.fused and graph.yield from their custom form."""

    def graph_fused(self, children: list[object]) -> tuple[Operation, Token]:
        keyword, name, kind, uses, body, signature = cast(
            tuple[Token, Token, Token, list[Token] | None, Region, builtin.FunctionType], children
        )
        if str(kind) not in KIND_NAMES.values():
            raise self.fail(f"unknown fusion kind '{kind}'; expected one of {', '.join(KIND_NAMES.values())}", kind)
        operands = self.uses(uses, signature.inputs.data, keyword, "graph.fused")
        if not body.blocks:
            body.add_block(Block())
        op = FusedOp.create(
            operands=operands,
            result_types=signature.outputs.data,
            properties={"name": builtin.StringAttr(self.string_value(name)), "kind": builtin.StringAttr(str(kind))},
            regions=[body],
        )
        return op, keyword

    def graph_yield(self, children: list[object]) -> tuple[Operation, Token]:
        keyword, uses, types = cast(tuple[Token, list[Token], list[Attribute]], children)
        return YieldOp(*self.uses(uses, types, keyword, "graph.yield")), keyword


FRAGMENT = SyntaxFragment(
    name="graph.fused",
    grammar=GRAMMAR,
    roots=("graph_fused", "graph_yield"),
    callbacks=FusedCallbacks,
    custom_format_ops=frozenset({FusedOp, YieldOp}),
)
