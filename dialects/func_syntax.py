"""Custom syntax of xDSL's func dialect: func.func, func.return, func.call (as xDSL prints them)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lark import Token
from xdsl.dialects import builtin, func
from xdsl.ir import Attribute, Operation, Region

from tessel.dialects.attribute_syntax import symbol_name
from tessel.dialects.syntax import SyntaxFragment

if TYPE_CHECKING:
    from tessel.dialects.parser import IRCallbacks

    _Base = IRCallbacks
else:
    _Base = object

GRAMMAR = r"""
func_func: KW_FUNC_FUNC [FUNC_VISIBILITY] SYMBOL_REF "(" [func_params] ")" [func_outputs] ["attributes" attr_dict] [region]
KW_FUNC_FUNC: "func.func"
FUNC_VISIBILITY: "private" | "public" | "nested"
func_params: func_param ("," func_param)*
func_param: SSA_NAME ":" type [attr_dict]   -> func_named_param
          | type [attr_dict]                -> func_type_param
func_outputs: "->" (simple_type | "(" [func_output ("," func_output)*] ")")
func_output: type [attr_dict]

func_return: KW_FUNC_RETURN [attr_dict] [value_uses ":" type_list]
KW_FUNC_RETURN: "func.return"

func_call: KW_FUNC_CALL SYMBOL_REF "(" [value_uses] ")" [attr_dict] ":" function_type
KW_FUNC_CALL: "func.call"
"""


def _dicts(attrs: list[dict[str, Attribute]]) -> builtin.ArrayAttr[builtin.DictionaryAttr] | None:
    """xDSL's convention: per-argument attributes are present only if any is non-empty."""
    if not any(attrs):
        return None
    return builtin.ArrayAttr(builtin.DictionaryAttr(a) for a in attrs)


class FuncCallbacks(_Base):
    """Builds func ops from their custom form."""

    def func_func(self, children: list[object]) -> tuple[Operation, Token]:
        keyword, visibility, symbol, params, outputs, attributes, body = children
        assert isinstance(keyword, Token) and isinstance(symbol, Token)
        params = params or []  # pyright: ignore[reportAssignmentType]
        named = [p for p in params if p[0] is not None]  # pyright: ignore
        if named and len(named) != len(params):  # pyright: ignore
            raise self.fail("function arguments must be all named or all unnamed", keyword)
        if named and body is None:
            raise self.fail("a function with named arguments needs a body", keyword)
        self.pending_entry_args = None
        output_types = [t for t, _ in outputs or []]  # pyright: ignore
        region = body if isinstance(body, Region) else Region()
        op = func.FuncOp(
            name=symbol_name(symbol),
            function_type=([t for _, t, _ in params], output_types),  # pyright: ignore
            region=region,
            visibility=str(visibility) if visibility is not None else None,
            arg_attrs=_dicts([a for _, _, a in params]),  # pyright: ignore
            res_attrs=_dicts([a for _, a in outputs or []]),  # pyright: ignore
        )
        if attributes:
            op.attributes |= attributes  # pyright: ignore
        return op, keyword

    def func_params(self, children: list[tuple[Token | None, Attribute, dict[str, Attribute]]]):
        named = [(token, arg_type) for token, arg_type, _ in children if token is not None]
        if named:
            self.pending_entry_args = named  # the body's region_open defines them
        return children

    def func_named_param(self, children: list[object]) -> tuple[object, object, object]:
        token, arg_type, attrs = children
        return token, arg_type, attrs or {}

    def func_type_param(self, children: list[object]) -> tuple[None, object, object]:
        arg_type, attrs = children
        return None, arg_type, attrs or {}

    def func_outputs(self, children: list[object]) -> list[tuple[Attribute, dict[str, Attribute]]]:
        if len(children) == 1 and isinstance(children[0], Attribute):
            return [(children[0], {})]
        return [c for c in children if c is not None]  # pyright: ignore[reportReturnType]

    def func_output(self, children: list[object]) -> tuple[object, dict[str, Attribute]]:
        return children[0], children[1] or {}  # pyright: ignore[reportReturnType]

    def func_return(self, children: list[object]) -> tuple[Operation, Token]:
        keyword, attributes, uses, types = children
        assert isinstance(keyword, Token)
        operands = self.uses(uses, types or [], keyword, "func.return")  # pyright: ignore[reportArgumentType]
        op = func.ReturnOp(*operands)
        if attributes:
            op.attributes |= attributes  # pyright: ignore
        return op, keyword

    def func_call(self, children: list[object]) -> tuple[Operation, Token]:
        keyword, symbol, uses, attributes, function_type = children
        assert isinstance(keyword, Token) and isinstance(symbol, Token)
        assert isinstance(function_type, builtin.FunctionType)
        operands = self.uses(uses, function_type.inputs.data, keyword, "func.call")  # pyright: ignore[reportArgumentType]
        op = func.CallOp(symbol_name(symbol), operands, function_type.outputs.data)
        if attributes:
            op.attributes |= attributes  # pyright: ignore
        return op, keyword


def _lossy_custom_form(op: Operation) -> bool:
    """Signatures xDSL's func.func printer cannot spell: a declaration's argument/result
    attributes (dropped) and a lone function-typed result (printed without parentheses)."""
    if not isinstance(op, func.FuncOp):
        return False
    outputs = op.function_type.outputs.data
    if len(outputs) == 1 and isinstance(outputs[0], builtin.FunctionType):
        return True
    return not op.body.blocks and (op.arg_attrs is not None or op.res_attrs is not None)


FRAGMENT = SyntaxFragment(
    name="func",
    grammar=GRAMMAR,
    roots=("func_func", "func_return", "func_call"),
    callbacks=FuncCallbacks,
    custom_format_ops=frozenset({func.FuncOp, func.ReturnOp, func.CallOp}),
    needs_generic=_lossy_custom_form,
)
