"""Custom syntax of graph.constant: `%w = graph.constant {attrs}? dense<...> : tensor<...>`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lark import Token
from xdsl.dialects import builtin
from xdsl.ir import Attribute, Operation

from tessel.dialects.graph.constant import ConstantOp
from tessel.dialects.syntax import SyntaxFragment, keywords

if TYPE_CHECKING:
    from tessel.dialects.parser import IRCallbacks

    _Base = IRCallbacks
else:
    _Base = object

_KEYWORD_DEFINITIONS, _KEYWORD = keywords([ConstantOp.name])

GRAMMAR = f"{_KEYWORD_DEFINITIONS}\ngraph_constant: {_KEYWORD} [attr_dict] typed_attribute"


class GraphConstantCallbacks(_Base):
    """Builds graph.constant from its custom form."""

    def graph_constant(self, children: list[object]) -> tuple[Operation, Token]:
        keyword, attributes, value = children
        assert isinstance(keyword, Token)
        if not isinstance(value, builtin.DenseIntOrFPElementsAttr | builtin.DenseResourceAttr):
            raise self.fail(f"'graph.constant' needs a dense or dense_resource tensor value, got {value}", keyword)
        if not isinstance(value.get_type(), builtin.TensorType):
            raise self.fail(f"'graph.constant' needs a tensor value, got type {value.get_type()}", keyword)
        op = ConstantOp(value)
        if isinstance(attributes, dict):
            op.attributes |= dict[str, Attribute](attributes)
        return op, keyword


FRAGMENT = SyntaxFragment(
    name="graph_constant",
    grammar=GRAMMAR,
    roots=("graph_constant",),
    callbacks=GraphConstantCallbacks,
    custom_format_ops=frozenset({ConstantOp}),
)
