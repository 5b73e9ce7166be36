"""loop.apply's affine expressions over SSA names: `%yo * 8 + %yi`, `(%i - 1) floordiv 4 mod 2`.

Read as MLIR reads affine maps: with xDSL's AffineExpr operators, which fold constants and
canonicalise (`8 * %a` is `%a * 8`, `%a - %b` is `%a + %b * -1`); each distinct SSA name, in
reading order, is the next dimension. Printed with MLIR's precedence and its `-` spellings;
an expression whose text would read back as a different tree is reported unspellable.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from lark import Token
from xdsl.ir import SSAValue
from xdsl.ir.affine import AffineBinaryOpExpr, AffineBinaryOpKind, AffineConstantExpr, AffineDimExpr, AffineExpr, AffineMap
from xdsl.printer import Printer

from tessel.dialects.literals import LiteralError, parse_int
from tessel.dialects.loop.ops import ApplyOp

if TYPE_CHECKING:
    from tessel.dialects.parser import IRCallbacks

    _Base = IRCallbacks
else:
    _Base = object

# `loop_affine_expr` is the expression; `+`/`-` bind looser than `*`/floordiv/ceildiv/mod, all left-associative.
GRAMMAR = r"""
?loop_affine_expr: loop_affine_product
    | loop_affine_expr "+" loop_affine_product      -> loop_affine_add
    | loop_affine_expr "-" loop_affine_product      -> loop_affine_sub
?loop_affine_product: loop_affine_unary
    | loop_affine_product LOOP_AFFINE_MUL loop_affine_unary       -> loop_affine_binary
    | loop_affine_product LOOP_AFFINE_FLOORDIV loop_affine_unary  -> loop_affine_binary
    | loop_affine_product LOOP_AFFINE_CEILDIV loop_affine_unary   -> loop_affine_binary
    | loop_affine_product LOOP_AFFINE_MOD loop_affine_unary       -> loop_affine_binary
?loop_affine_unary: loop_affine_atom
    | "-" loop_affine_unary                         -> loop_affine_negate
?loop_affine_atom: SSA_NAME                         -> loop_affine_use
    | INT                                           -> loop_affine_constant
    | "(" loop_affine_expr ")"
LOOP_AFFINE_MUL: "*"
LOOP_AFFINE_FLOORDIV: "floordiv"
LOOP_AFFINE_CEILDIV: "ceildiv"
LOOP_AFFINE_MOD: "mod"
"""

_OPERATORS: dict[str, Callable[[AffineExpr, AffineExpr], AffineExpr]] = {
    "+": lambda lhs, rhs: lhs + rhs,
    "-": lambda lhs, rhs: lhs - rhs,
    "*": lambda lhs, rhs: lhs * rhs,
    "floordiv": lambda lhs, rhs: lhs // rhs,
    "ceildiv": lambda lhs, rhs: lhs.ceil_div(rhs),
    "mod": lambda lhs, rhs: lhs % rhs,
}
_TOKENS = {kind: kind.get_token() for kind in AffineBinaryOpKind}


# ---- the expression as read, before SSA names become dimensions


@dataclass(frozen=True)
class _Use:
    token: Token


@dataclass(frozen=True)
class _Binary:
    operator: str
    lhs: Term
    rhs: Term
    token: Token | None
    """The operator's token, for errors (`+` and `-` have none and raise none)."""


@dataclass(frozen=True)
class _Negate:
    operand: Term


Term = _Use | _Binary | _Negate | int


class AffineCallbacks(_Base):
    """Reads an affine expression into a Term; `affine_map` then makes it a map over its SSA names."""

    def loop_affine_use(self, children: list[Token]) -> Term:
        return _Use(children[0])

    def loop_affine_constant(self, children: list[Token]) -> Term:
        try:
            return parse_int(str(children[0]))
        except LiteralError as err:
            raise self.fail(str(err), children[0]) from None

    def loop_affine_negate(self, children: list[Term]) -> Term:
        return _Negate(children[0])

    def loop_affine_add(self, children: list[Term]) -> Term:
        return _Binary("+", children[0], children[1], None)

    def loop_affine_sub(self, children: list[Term]) -> Term:
        return _Binary("-", children[0], children[1], None)

    def loop_affine_binary(self, children: list[Term | Token]) -> Term:
        lhs, operator, rhs = children
        assert isinstance(operator, Token) and not isinstance(lhs, Token) and not isinstance(rhs, Token)
        return _Binary(str(operator), lhs, rhs, operator)

    def affine_map(self, term: Term) -> tuple[AffineMap, list[Token]]:
        """The one-result map of `term`, one dimension per distinct SSA name, and each name's first use."""
        dims: dict[str, tuple[int, Token]] = {}
        expr = self._affine_expr(term, dims)
        return AffineMap(len(dims), 0, (expr,)), [token for _, token in dims.values()]

    def _affine_expr(self, term: Term, dims: dict[str, tuple[int, Token]]) -> AffineExpr:
        if isinstance(term, int):
            return AffineConstantExpr(term)
        if isinstance(term, _Use):
            position, _ = dims.setdefault(str(term.token), (len(dims), term.token))
            return AffineDimExpr(position)
        if isinstance(term, _Negate):
            return -self._affine_expr(term.operand, dims)
        lhs = self._affine_expr(term.lhs, dims)
        rhs = self._affine_expr(term.rhs, dims)
        problem = _problem(term.operator, lhs, rhs)
        if problem is not None:
            assert term.token is not None, "`+` and `-` have no problems"
            raise self.fail(problem, term.token)
        return _OPERATORS[term.operator](lhs, rhs)


def _problem(operator: str, lhs: AffineExpr, rhs: AffineExpr) -> str | None:
    """What makes `lhs operator rhs` not affine (xDSL's operators would raise): a product of two
    non-constant terms, a division by a non-constant, a division by zero."""
    if operator in ("+", "-"):
        return None
    if operator == "*":
        if isinstance(lhs, AffineConstantExpr) or isinstance(rhs, AffineConstantExpr):
            return None
        return "non-affine expression: one side of '*' must be a constant"
    if not isinstance(rhs, AffineConstantExpr):
        return f"non-affine expression: the right side of '{operator}' must be a constant"
    return f"'{operator}' by zero" if rhs.value == 0 else None


# ---- printing


def print_affine(printer: Printer, expr: AffineExpr, operands: Sequence[SSAValue]) -> None:
    """`expr` with each dimension spelled as its operand's SSA name; see `reread` for what it reads back as."""
    if isinstance(expr, AffineDimExpr):
        printer.print_operand(operands[expr.position])
        return
    if isinstance(expr, AffineConstantExpr):
        printer.print_string(str(expr.value))
        return
    assert isinstance(expr, AffineBinaryOpExpr)
    lhs, rhs = expr.lhs, expr.rhs
    if expr.kind != AffineBinaryOpKind.Add:
        _print_grouped(printer, lhs, operands, _is_add(lhs))
        printer.print_string(f" {_TOKENS[expr.kind]} ")
        _print_grouped(printer, rhs, operands, isinstance(rhs, AffineBinaryOpExpr))
        return
    print_affine(printer, lhs, operands)
    negated = _negated(rhs)
    if negated is None:
        printer.print_string(" + ")
        _print_grouped(printer, rhs, operands, _is_add(rhs))
        return
    printer.print_string(" - ")
    if isinstance(negated, AffineConstantExpr):
        printer.print_string(str(negated.value))
        return
    term, factor = negated
    _print_grouped(printer, term, operands, _is_add(term))
    if factor != 1:
        printer.print_string(f" * {factor}")


def _print_grouped(printer: Printer, expr: AffineExpr, operands: Sequence[SSAValue], parenthesize: bool) -> None:
    if parenthesize:
        printer.print_string("(")
    print_affine(printer, expr, operands)
    if parenthesize:
        printer.print_string(")")


def _is_add(expr: AffineExpr) -> bool:
    return isinstance(expr, AffineBinaryOpExpr) and expr.kind == AffineBinaryOpKind.Add


def _negated(expr: AffineExpr) -> AffineConstantExpr | tuple[AffineExpr, int] | None:
    """How the right side of `+` prints after ` - `, as MLIR prints it: `-c` as `c`, `e * -c` as `e * c`."""
    if isinstance(expr, AffineConstantExpr):
        return AffineConstantExpr(-expr.value) if expr.value < 0 else None
    if (
        isinstance(expr, AffineBinaryOpExpr)
        and expr.kind == AffineBinaryOpKind.Mul
        and isinstance(expr.rhs, AffineConstantExpr)
        and expr.rhs.value < 0
        and not isinstance(expr.lhs, AffineConstantExpr)
    ):
        return expr.lhs, -expr.rhs.value
    return None


# ---- whether the printed text reads back as the same map


def reread(expr: AffineExpr) -> AffineExpr | None:
    """The expression the printed text of `expr` reads back as (None if it does not read back:
    non-affine products, division by zero): built bottom-up with the parser's operators."""
    if not isinstance(expr, AffineBinaryOpExpr):
        return expr
    lhs = reread(expr.lhs)
    negated = _negated(expr.rhs) if expr.kind == AffineBinaryOpKind.Add else None
    if isinstance(negated, tuple):
        term, factor = negated
        rhs = reread(term)
        if rhs is not None and factor != 1:
            rhs = rhs * factor
        operator = "-"
    elif negated is not None:
        rhs, operator = negated, "-"
    else:
        rhs, operator = reread(expr.rhs), _TOKENS[expr.kind]
    if lhs is None or rhs is None or _problem(operator, lhs, rhs) is not None:
        return None
    return _OPERATORS[operator](lhs, rhs)


def spellable(affine_map: AffineMap, operands: Sequence[SSAValue]) -> bool:
    """Whether the custom form reads back as exactly this map and these operands: one result,
    no symbols, distinct operands mentioned in order (names become dimensions by first mention)."""
    if len(affine_map.results) != 1 or affine_map.num_symbols != 0 or affine_map.num_dims != len(operands):
        return False
    expr = affine_map.results[0]
    if len(set(operands)) != len(operands) or first_mentions(expr) != list(range(len(operands))):
        return False
    return reread(expr) == expr


def first_mentions(expr: AffineExpr) -> list[int] | None:
    """Dimension positions in the order the printed text first mentions them (None if a symbol occurs)."""
    order: list[int] = []
    for node in _in_text_order(expr):
        if isinstance(node, AffineDimExpr):
            if node.position not in order:
                order.append(node.position)
        elif not isinstance(node, AffineBinaryOpExpr | AffineConstantExpr):
            return None
    return order


def _in_text_order(expr: AffineExpr) -> list[AffineExpr]:
    if isinstance(expr, AffineBinaryOpExpr):
        return [*_in_text_order(expr.lhs), expr, *_in_text_order(expr.rhs)]
    return [expr]


def canonical_apply(expr: AffineExpr, value_of: Mapping[int, SSAValue]) -> ApplyOp:
    """A loop.apply of `expr` (dims are keys of `value_of`) whose operands follow the printed text,
    so that it prints in custom form."""
    dims = first_mentions(expr) or []
    renumber = [AffineExpr.dimension(0)] * (max(dims, default=0) + 1)
    for new, old in enumerate(dims):
        renumber[old] = AffineExpr.dimension(new)
    mapped = expr.replace_dims_and_symbols(renumber, [])
    return ApplyOp(AffineMap(len(dims), 0, (mapped,)), [value_of[d] for d in dims])
