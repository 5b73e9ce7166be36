"""Reads the text of one type token (`f32`, `tensor<2x?xf32>`, `!llvm.ptr`) into an xDSL type.

The main grammar lexes each type as a single token, because types repeat and a
cached token is far cheaper than re-parsing `2x3xf32` every time. This module is
the small Lark grammar behind those tokens. Dialect types and the attribute-valued
parts of shaped types (memref layouts, memory spaces, tensor encodings) are read
by xDSL's own attribute parser, which knows every registered dialect's syntax.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

from lark import Lark, Token, Transformer, UnexpectedInput
from lark.exceptions import VisitError
from xdsl.context import Context
from xdsl.dialects import builtin
from xdsl.ir import Attribute
from xdsl.parser import Parser as XdslParser
from xdsl.utils.exceptions import ParseError as XdslParseError
from xdsl.utils.exceptions import VerifyException

NESTING_DEPTH = 8
"""How deeply `<...>` may nest inside one type or attribute token."""

_STRING = r'"(?:[^"\\\n]|\\.)*"'
_ATOM = rf"(?:->|{_STRING}|[^<>\"])"


def balanced_brackets(depth: int) -> str:
    """A regex for `<...>` with up to `depth` levels of nested angle brackets, quotes and `->` inside."""
    inner = f"<{_ATOM}*>"
    for _ in range(depth - 1):
        inner = f"<(?:{_ATOM}|{inner})*>"
    return inner


_TYPE_GRAMMAR_TEMPLATE = r"""
?type: SCALAR                                   -> scalar
     | SHAPED "<" dims type extra* ">"         -> shaped
     | SHAPED "<" "*x" type extra* ">"          -> unranked
     | "complex" "<" type ">"                   -> complex
     | "tuple" "<" [type ("," type)*] ">"       -> tuple
     | DIALECT_TYPE                              -> dialect
     | "(" [type ("," type)*] ")" "->" results  -> function
results: type | "(" [type ("," type)*] ")"
dims: DIM*
extra: "," EXTRA
DIM: /(?:\?|[0-9]+|\[[0-9]+\])x/
SHAPED: "tensor" | "memref" | "vector"
SCALAR: /(?:[su]?i[1-9][0-9]*|f16|f32|f64|f80|f128|bf16|tf32|index|none|f[864]E[0-9A-Za-z]+)(?![A-Za-z0-9_$.])/
DIALECT_TYPE: /![A-Za-z_][A-Za-z0-9_$.]*(?:{balanced})?/
EXTRA: /(?:{string}|[^<>,"]|{balanced})+/
%import common.WS
%ignore WS
"""
_TYPE_GRAMMAR = _TYPE_GRAMMAR_TEMPLATE.format(balanced=balanced_brackets(NESTING_DEPTH - 1), string=_STRING)

_SCALARS: dict[str, Attribute] = {
    "index": builtin.IndexType(),
    "none": builtin.NoneType(),
    "bf16": builtin.BFloat16Type(),
    "f16": builtin.Float16Type(),
    "f32": builtin.Float32Type(),
    "f64": builtin.Float64Type(),
    "f80": builtin.Float80Type(),
    "f128": builtin.Float128Type(),
    "tf32": builtin.FloatTF32Type(),
}

_SIGNEDNESS = {
    "i": builtin.Signedness.SIGNLESS,
    "si": builtin.Signedness.SIGNED,
    "ui": builtin.Signedness.UNSIGNED,
}


class TypeSyntaxError(ValueError):
    """A type token whose text is not a type; `offset` is where inside the token."""

    def __init__(self, message: str, offset: int = 0):
        super().__init__(message)
        self.offset = offset


def delegate_to_xdsl(ctx: Context, text: str, *, as_type: bool) -> Attribute:
    """Read a type or attribute with xDSL's parser (dialect types and attributes)."""
    try:
        parser = XdslParser(ctx, text)
        result = parser.parse_type() if as_type else parser.parse_attribute()
        if parser.pos < len(text.rstrip()):
            raise TypeSyntaxError(f"unexpected text after '{text[: parser.pos]}'", parser.pos)
        return result
    except (XdslParseError, VerifyException, ValueError) as err:
        first_line = str(err).strip().splitlines()[-1].strip() if str(err).strip() else "invalid syntax"
        kind = "type" if as_type else "attribute"
        raise TypeSyntaxError(f"invalid {kind} '{text}': {first_line}") from err


def _scalar(text: str) -> Attribute:
    if text in _SCALARS:
        return _SCALARS[text]
    prefix = text[: text.index("i") + 1]
    if prefix in _SIGNEDNESS:
        return builtin.IntegerType(int(text[len(prefix) :]), _SIGNEDNESS[prefix])
    raise TypeSyntaxError(f"unsupported scalar type '{text}'")


def _dim(token: str) -> tuple[int, bool]:
    """A dimension token `4x`, `?x` or `[4]x` -> (size, scalable)."""
    body = token[:-1]
    if body == "?":
        return builtin.DYNAMIC_INDEX, False
    if body.startswith("["):
        return int(body[1:-1]), True
    return int(body), False


@dataclass
class _TypeBuilder(Transformer[Token, Attribute]):
    ctx: Context

    def scalar(self, children: list[Token]) -> Attribute:
        text = str(children[0])
        if text.startswith(("f8", "f6", "f4")):  # small floats: xDSL knows their many variants
            return delegate_to_xdsl(self.ctx, text, as_type=True)
        return _scalar(text)

    def dialect(self, children: list[Token]) -> Attribute:
        return delegate_to_xdsl(self.ctx, str(children[0]), as_type=True)

    def dims(self, children: list[Token]) -> list[tuple[int, bool]]:
        return [_dim(str(token)) for token in children]

    def extra(self, children: list[Token]) -> Attribute:
        text = str(children[0]).strip()
        if text.lstrip("-").isdigit():
            return builtin.IntegerAttr(int(text), 64)
        return delegate_to_xdsl(self.ctx, text, as_type=False)

    def complex(self, children: list[Attribute]) -> Attribute:
        return builtin.ComplexType(children[0])  # pyright: ignore[reportArgumentType]

    def tuple(self, children: list[Attribute | None]) -> Attribute:
        return builtin.TupleType(builtin.ArrayAttr([c for c in children if c is not None]))

    def results(self, children: list[Attribute | None]) -> list[Attribute]:
        return [c for c in children if c is not None]

    def function(self, children: list[object]) -> Attribute:
        *inputs, outputs = children
        return builtin.FunctionType.from_lists([i for i in inputs if i is not None], outputs)  # pyright: ignore

    def unranked(self, children: list[object]) -> Attribute:
        kind, element, *extras = children
        if kind == "tensor" and not extras:
            return builtin.UnrankedTensorType(element)  # pyright: ignore[reportArgumentType]
        if kind == "memref" and len(extras) <= 1:
            space = extras[0] if extras else builtin.NoneAttr()
            return builtin.UnrankedMemRefType(element, space)  # pyright: ignore[reportArgumentType]
        raise TypeSyntaxError(f"'{kind}' cannot be unranked here")

    def shaped(self, children: list[object]) -> Attribute:
        kind, dims, element, *extras = children
        shape = [size for size, _ in dims]  # pyright: ignore[reportGeneralTypeIssues]
        if kind == "vector":
            if extras:
                raise TypeSyntaxError("vector takes no layout or encoding")
            if any(size == builtin.DYNAMIC_INDEX for size in shape):
                raise TypeSyntaxError("vector dimensions must be static")
            scalable = [s for _, s in dims]  # pyright: ignore[reportGeneralTypeIssues]
            flags = builtin.ArrayAttr([builtin.BoolAttr.from_bool(s) for s in scalable]) if any(scalable) else None
            return builtin.VectorType(element, shape, flags)
        if any(s for _, s in dims):  # pyright: ignore[reportGeneralTypeIssues]
            raise TypeSyntaxError(f"scalable dimensions are only allowed in vectors, not in {kind}")
        if kind == "tensor":
            if len(extras) > 1:
                raise TypeSyntaxError("tensor takes at most one encoding")
            return builtin.TensorType(element, shape, extras[0] if extras else builtin.NoneAttr())  # pyright: ignore[reportArgumentType]
        layout: Attribute = builtin.NoneAttr()
        space: Attribute = builtin.NoneAttr()
        for extra in extras:
            if isinstance(extra, builtin.MemRefLayoutAttr) and space == builtin.NoneAttr():
                layout = extra
            elif space == builtin.NoneAttr():
                space = extra  # pyright: ignore[reportAssignmentType]
            else:
                raise TypeSyntaxError("memref takes at most a layout and a memory space")
        return builtin.MemRefType(element, shape, layout, space)  # pyright: ignore[reportArgumentType]


@cache
def _type_lark() -> Lark:
    return Lark(_TYPE_GRAMMAR, start="type", parser="lalr")


@dataclass
class TypeReader:
    """Turns type token text into types, remembering each distinct text once."""

    ctx: Context
    _cache: dict[str, Attribute] = field(default_factory=dict[str, Attribute])

    def read(self, text: str) -> Attribute:
        cached = self._cache.get(text)
        if cached is not None:
            return cached
        result = self._read_uncached(text)
        if len(self._cache) < 65536:  # bound: distinct type spellings in one parse
            self._cache[text] = result
        return result

    def _read_uncached(self, text: str) -> Attribute:
        if text in _SCALARS:
            return _SCALARS[text]
        try:
            tree = _type_lark().parse(text)
        except UnexpectedInput as err:
            raise TypeSyntaxError(f"invalid type '{text}'", err.pos_in_stream or 0) from err
        try:
            result = _TypeBuilder(self.ctx).transform(tree)
        except VisitError as err:
            if isinstance(err.orig_exc, TypeSyntaxError):
                raise err.orig_exc from None
            if isinstance(err.orig_exc, VerifyException | ValueError):
                raise TypeSyntaxError(f"invalid type '{text}': {err.orig_exc}") from None
            raise
        if isinstance(result, Token):  # a bare scalar token
            return _scalar(str(result))
        return result
