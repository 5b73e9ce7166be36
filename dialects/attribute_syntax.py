"""Build callbacks for the core grammar's attribute and type rules."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lark import Token
from xdsl.dialects import builtin
from xdsl.ir import Attribute
from xdsl.utils.exceptions import VerifyException

from tessel.dialects.literals import LiteralError, decode_string, float_from_bits, parse_int, read_dense, read_dense_array

if TYPE_CHECKING:
    from tessel.dialects.parser import IRCallbacks

    _Base = IRCallbacks
else:
    _Base = object


def symbol_name(token: Token) -> str:
    """`@name` or `@"quoted name"` -> the symbol's name."""
    text = str(token)[1:]
    if not text.startswith('"'):
        return text
    try:
        return decode_string(text)
    except LiteralError:
        return text[1:-1]  # keep the raw spelling; symbol names are not escaped further


class AttributeCallbacks(_Base):
    """Builds attributes and types; needs the parser services `fail`, `delegate`, `read_type`."""

    def attr_dict(self, children: list[tuple[Token, Attribute] | None]) -> dict[str, Attribute]:
        result: dict[str, Attribute] = {}
        for entry in children:
            if entry is None:
                continue
            token, value = entry
            key = self.string_value(token) if token.type == "STRING" else str(token)
            if key in result:
                raise self.fail(f"duplicate key '{key}' in attribute dictionary", token)
            result[key] = value
        return result

    def attr_entry(self, children: list[object]) -> tuple[Token, Attribute]:
        key, value = children
        return key, (value if value is not None else builtin.UnitAttr())  # pyright: ignore[reportReturnType]

    def integer_attr(self, children: list[object]) -> Attribute:
        token, attr_type = children
        assert isinstance(token, Token)
        attr_type = attr_type or builtin.i64
        try:
            value = parse_int(str(token))
        except LiteralError as err:
            raise self.fail(str(err), token) from None
        if isinstance(attr_type, builtin.AnyFloat):
            if not str(token).lstrip("+-").startswith("0x"):
                return builtin.FloatAttr(float(value), attr_type)
            try:
                return builtin.FloatAttr(float_from_bits(value, attr_type), attr_type)
            except LiteralError as err:
                raise self.fail(str(err), token) from None
        if not isinstance(attr_type, builtin.IntegerType | builtin.IndexType):
            raise self.fail(f"integer literal needs an integer, index or float type, got {attr_type}", token)
        try:
            return builtin.IntegerAttr(value, attr_type)
        except VerifyException as err:
            raise self.fail(f"integer {value} does not fit {attr_type}: {err}", token) from None

    def float_attr(self, children: list[object]) -> Attribute:
        token, attr_type = children
        assert isinstance(token, Token)
        if attr_type is None:
            attr_type = builtin.f64
        if not isinstance(attr_type, builtin.AnyFloat):
            raise self.fail(f"float literal needs a float type, got {attr_type}", token)
        return builtin.FloatAttr(float(token), attr_type)

    def true_attr(self, children: list[Token]) -> Attribute:
        return builtin.BoolAttr.from_bool(True)

    def false_attr(self, children: list[Token]) -> Attribute:
        return builtin.BoolAttr.from_bool(False)

    def string_attr(self, children: list[Token]) -> Attribute:
        return builtin.StringAttr(self.string_value(children[0]))

    def unit_attr(self, children: list[Token]) -> Attribute:
        return builtin.UnitAttr()

    def symbol_attr(self, children: list[Token]) -> Attribute:
        root, *nested = (symbol_name(token) for token in children)
        return builtin.SymbolRefAttr(root, nested)

    def array_attr(self, children: list[Attribute | None]) -> Attribute:
        return builtin.ArrayAttr([c for c in children if c is not None])

    def dict_attr(self, children: list[dict[str, Attribute]]) -> Attribute:
        return builtin.DictionaryAttr(children[0])

    def type_attr(self, children: list[Attribute]) -> Attribute:
        return children[0]

    def dense_array_attr(self, children: list[Token]) -> Attribute:
        token = children[0]
        type_text, _, values = str(token)[len("array<") : -1].partition(":")
        element_type = self.read_type(Token(token.type, type_text.strip(), token.start_pos, token.line, (token.column or 0) + 6))
        try:
            return read_dense_array(element_type, values)
        except LiteralError as err:
            raise self.fail(str(err), token) from None

    def opaque_attr(self, children: list[Token]) -> Attribute:
        return self.delegate(children[0])

    def dense_resource_attr(self, children: list[object]) -> Attribute:
        token, attr_type = children
        assert isinstance(token, Token)
        if not isinstance(attr_type, builtin.ShapedType):
            raise self.fail(f"dense_resource needs a shaped type, got {attr_type}", token)
        return builtin.DenseResourceAttr(builtin.StringAttr(str(token)[len("dense_resource<") : -1]), attr_type)  # pyright: ignore[reportArgumentType]

    def dense_attr(self, children: list[object]) -> Attribute:
        token, attr_type = children
        assert isinstance(token, Token) and isinstance(attr_type, Attribute)
        try:
            return read_dense(str(token), attr_type)
        except LiteralError as err:
            raise self.fail(str(err), token) from None

    # ---- types
    def simple_type(self, children: list[Token]) -> Attribute:
        return self.read_type(children[0])

    def type_list(self, children: list[Attribute]) -> list[Attribute]:
        return children

    def paren_types(self, children: list[list[Attribute] | None]) -> list[Attribute]:
        return children[0] or []

    def function_results(self, children: list[Attribute | list[Attribute]]) -> list[Attribute]:
        only = children[0]
        return only if isinstance(only, list) else [only]

    def function_type(self, children: list[list[Attribute]]) -> builtin.FunctionType:
        inputs, outputs = children
        return builtin.FunctionType.from_lists(inputs, outputs)
