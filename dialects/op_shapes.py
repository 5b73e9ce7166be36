"""Grammar and builders for scalar ops (arith, math) grouped by the shape of their syntax.

xDSL declares each arith/math op's custom syntax as an assembly format string. Ops
sharing a format share one grammar rule and one builder here, so a dialect fragment
is just the list of its ops: the shape is looked up from the op's own format.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from lark import Token
from xdsl.dialects import builtin
from xdsl.ir import Attribute, Operation
from xdsl.irdl import IRDLOperation

from tessel.dialects.syntax import keywords

if TYPE_CHECKING:
    from tessel.dialects.parser import IRCallbacks

_FLAG_GROUP = re.compile(r" \(`(\w+)` `` \$(\w+)\^\)\?")


@dataclass(frozen=True)
class Shape:
    """One syntactic form: its rule body (after the op keyword) and how types map to operands/results."""

    rule: str
    operand_count: int
    types: Callable[[list[Attribute]], tuple[list[Attribute], list[Attribute]]]
    """Printed types -> (operand types, result types)."""


def _same(count: int, results: int = 1) -> Callable[[list[Attribute]], tuple[list[Attribute], list[Attribute]]]:
    return lambda types: ([types[0]] * count, [types[0]] * results)


_USES = {1: "SSA_NAME", 2: 'SSA_NAME "," SSA_NAME', 3: 'SSA_NAME "," SSA_NAME "," SSA_NAME'}

# assembly format (without the optional flag group) -> shape
SHAPES: dict[str, Shape] = {
    "$operand attr-dict `:` type($result)": Shape("unary", 1, _same(1)),
    "$lhs `,` $rhs attr-dict `:` type($result)": Shape("binary", 2, _same(2)),
    "$a `,` $b `,` $c attr-dict `:` type($result)": Shape("ternary", 3, _same(3)),
    "$cond `,` $lhs `,` $rhs attr-dict `:` type($result)": Shape("ternary", 3, lambda t: ([builtin.i1, t[0], t[0]], [t[0]])),
    "$input attr-dict `:` type($input) `to` type($result)": Shape("cast", 1, lambda t: ([t[0]], [t[1]])),
    "$lhs `,` $rhs attr-dict `:` type($sum) `,` type($overflow)": Shape("pair", 2, lambda t: ([t[0], t[0]], [t[0], t[1]])),
    "$lhs `,` $rhs attr-dict `:` type($lhs) `,` type($rhs)": Shape("pair", 2, lambda t: ([t[0], t[1]], [t[0]])),
    "$lhs `,` $rhs attr-dict `:` type($lhs)": Shape("binary", 2, _same(2, results=2)),
}

_RULE_TAIL = {
    "unary": ' [SCALAR_FLAG] [attr_dict] ":" type',
    "binary": ' [SCALAR_FLAG] [attr_dict] ":" type',
    "ternary": ' [SCALAR_FLAG] [attr_dict] ":" type',
    "cast": ' [attr_dict] ":" type "to" type',
    "pair": ' [SCALAR_FLAG] [attr_dict] ":" type "," type',
}
_RULE_USES = {"unary": 1, "binary": 2, "ternary": 3, "cast": 1, "pair": 2}


@dataclass(frozen=True)
class ShapedOp:
    op_type: type[IRDLOperation]
    shape: Shape
    flag: tuple[str, str] | None
    """(keyword, property name) of the optional `fastmath<...>`/`overflow<...>` group."""


def classify(ops: Sequence[type[Operation]]) -> dict[str, ShapedOp]:
    """Op name -> its shape, for the ops whose assembly format is a known shape."""
    result: dict[str, ShapedOp] = {}
    for op in ops:
        fmt = getattr(op, "assembly_format", None)
        if not isinstance(fmt, str) or not issubclass(op, IRDLOperation):
            continue
        flag_match = _FLAG_GROUP.search(fmt)
        flag = (flag_match.group(1), flag_match.group(2)) if flag_match else None
        shape = SHAPES.get(_FLAG_GROUP.sub("", fmt))
        if shape is not None:
            result[op.name] = ShapedOp(op, shape, flag)
    return result


def grammar_for(prefix: str, shaped: dict[str, ShapedOp]) -> tuple[str, tuple[str, ...]]:
    """Grammar rules (one per shape used) and their root names, for a dialect's shaped ops."""
    rules: list[str] = []
    roots: list[str] = []
    for kind in sorted({s.shape.rule for s in shaped.values()}):
        names = [name for name, s in shaped.items() if s.shape.rule == kind]
        definitions, alternative = keywords(names)
        rules.append(definitions)
        rules.append(f"{prefix}_{kind}: {alternative} {_USES[_RULE_USES[kind]]}{_RULE_TAIL[kind]}")
        roots.append(f"{prefix}_{kind}")
    return "\n".join(rules), tuple(roots)


def build(callbacks: IRCallbacks, shaped: dict[str, ShapedOp], children: list[object]) -> tuple[Operation, Token]:
    """Build one shaped op from its rule's children: keyword, uses, [flag], [attr-dict], types."""
    keyword = children[0]
    assert isinstance(keyword, Token)
    spec = shaped[str(keyword)]
    count = spec.shape.operand_count
    use_tokens = children[1 : 1 + count]
    rest = children[1 + count :]
    flag_token = rest.pop(0) if spec.shape.rule != "cast" else None
    attributes, *printed_types = rest
    operand_types, result_types = spec.shape.types(printed_types)  # pyright: ignore[reportArgumentType]
    operands = [callbacks.use(tok, typ) for tok, typ in zip(use_tokens, operand_types, strict=True)]  # pyright: ignore[reportArgumentType]
    properties = _flag_property(callbacks, spec, flag_token, keyword)
    op = spec.op_type.create(
        operands=operands,
        result_types=result_types,
        properties=properties,
        attributes=dict(attributes or {}),  # pyright: ignore[reportArgumentType]
    )
    return op, keyword


def flag_attribute(callbacks: IRCallbacks, token: Token) -> Attribute:
    """`fastmath<fast>` / `overflow<nsw>` -> the arith dialect attribute it abbreviates."""
    spelled = Token(token.type, f"#arith.{token}", token.start_pos, token.line, token.column)
    return callbacks.delegate(spelled)


def _flag_property(callbacks: IRCallbacks, spec: ShapedOp, token: object, keyword: Token) -> dict[str, Attribute]:
    if spec.flag is None:
        if isinstance(token, Token):
            raise callbacks.fail(f"'{keyword}' takes no '{token}' flag", token)
        return {}
    flag_keyword, prop = spec.flag
    if isinstance(token, Token):
        word = str(token).partition("<")[0]
        if word != flag_keyword:
            raise callbacks.fail(f"'{keyword}' takes '{flag_keyword}<...>', not '{word}<...>'", token)
        return {prop: flag_attribute(callbacks, token)}
    default = spec.op_type.get_irdl_definition().properties[prop].default_value
    return {prop: default} if default is not None else {}
