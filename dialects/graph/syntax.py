"""Custom syntax shared by every graph op: `%y = graph.OP %a, %b {props} : (types) -> type` or `: type`."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from lark import Token
from xdsl.dialects import builtin
from xdsl.ir import Attribute, Operation

from tessel.dialects.graph.base import GraphOp
from tessel.dialects.syntax import SyntaxFragment, keywords

if TYPE_CHECKING:
    from tessel.dialects.parser import IRCallbacks

    _Base = IRCallbacks
else:
    _Base = object


def make_fragment(ops: tuple[type[GraphOp], ...]) -> SyntaxFragment:
    """The graph dialect's grammar: one rule for all of `ops` (they share GraphOp's printer)."""
    by_name = {op.name: op for op in ops}
    definitions, alternative = keywords(list(by_name))
    grammar = f'{definitions}\ngraph_op: {alternative} [value_uses] [attr_dict] ":" type'

    class GraphCallbacks(_Base):
        def graph_op(self, children: list[object]) -> tuple[Operation, Token]:
            keyword, uses, entries, signature = cast(
                tuple[Token, list[Token] | None, dict[str, Attribute] | None, Attribute], children
            )
            op_type = by_name[str(keyword)]
            uses = uses or []
            if isinstance(signature, builtin.FunctionType):
                operand_types, result_types = list(signature.inputs.data), list(signature.outputs.data)
            else:  # `: t` -- every operand and the one result have type t
                operand_types, result_types = [signature] * len(uses), [signature]
            operands = self.uses(uses, operand_types, keyword, str(keyword))
            declared = op_type.get_irdl_definition().properties
            entries = entries or {}
            properties = {k: v for k, v in entries.items() if k in declared}
            attributes = {k: v for k, v in entries.items() if k not in declared}
            op = op_type.create(operands=operands, result_types=result_types, properties=properties, attributes=attributes)
            return op, keyword

    return SyntaxFragment(
        name="graph",
        grammar=grammar,
        roots=("graph_op",),
        callbacks=GraphCallbacks,
        custom_format_ops=frozenset(ops),
    )
