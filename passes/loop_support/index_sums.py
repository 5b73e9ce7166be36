"""Index expressions as canonical sums over index values, simplified with the ranges of loop variables.

A `Sum` is `c0 + c1*t1 + ... + cn*tn`: each term is an atom (an index value the analysis does not
see through, e.g. a loop variable) or a `Quotient` (floordiv / mod of a Sum by a constant).
`IndexAnalysis.sum_of` sees through loop.apply, index arith.constant and arith.addi/subi/muli, so an
apply of applies composes into one sum over loop variables. Division splits off the multiples of the
divisor and drops what the ranges of loop variables decide: with 0 <= j < 8, `(i * 8 + j) floordiv 8`
is `i` and `(i * 8 + j) mod 8` is `j`. Every rewrite is exact on integers (index never wraps).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from math import gcd

from xdsl.dialects import arith
from xdsl.dialects.builtin import IndexType, IntegerAttr
from xdsl.ir import BlockArgument, Operation, SSAValue
from xdsl.ir.affine import (
    AffineBinaryOpExpr,
    AffineBinaryOpKind,
    AffineConstantExpr,
    AffineDimExpr,
    AffineExpr,
    AffineMap,
)

from tessel.dialects import loop

FLOORDIV, CEILDIV, MOD = AffineBinaryOpKind.FloorDiv, AffineBinaryOpKind.CeilDiv, AffineBinaryOpKind.Mod

INDEX_OPS = (
    loop.ApplyOp,
    arith.ConstantOp,
    arith.AddiOp,
    arith.SubiOp,
    arith.MuliOp,
    arith.FloorDivSIOp,
    arith.CeilDivSIOp,
    arith.DivSIOp,
    arith.RemSIOp,
    arith.MinSIOp,
    arith.MaxSIOp,
)
"""Ops whose index result `IndexAnalysis.sum_of` may see through (to a sum of their operands' sums)."""

Interval = tuple[int | None, int | None]
"""Inclusive bounds; None where unbounded."""

UNBOUNDED: Interval = (None, None)


class NotAffine(Exception):
    """An expression outside what a Sum can hold (a product of two variables, a division by a variable or zero)."""


@dataclass(frozen=True)
class Quotient:
    """`dividend floordiv divisor` or `dividend mod divisor`; other kinds and divisors <= 0 are kept as written."""

    kind: AffineBinaryOpKind
    dividend: Sum
    divisor: int


Term = SSAValue | Quotient


@dataclass(frozen=True)
class Sum:
    """`constant + sum(coefficient * term)`, coefficients nonzero, each term once."""

    terms: frozenset[tuple[Term, int]]
    constant: int = 0

    @staticmethod
    def of(coefficients: Mapping[Term, int], constant: int = 0) -> Sum:
        """The sum, with `c*d*(x floordiv d) + c*(x mod d)` recombined into `c*x`."""
        merged = {term: c for term, c in coefficients.items() if c}
        while True:
            found = _recombinable(merged)
            if found is None:
                return Sum(frozenset(merged.items()), constant)
            mod_term, floor_term, coefficient = found
            del merged[mod_term], merged[floor_term]
            for term, c in mod_term.dividend.terms:
                _add_to(merged, term, c * coefficient)
            constant += mod_term.dividend.constant * coefficient

    @staticmethod
    def number(value: int) -> Sum:
        return Sum(frozenset(), value)

    @staticmethod
    def atom(value: SSAValue) -> Sum:
        return Sum(frozenset({(value, 1)}))

    @property
    def coefficients(self) -> dict[Term, int]:
        return dict(self.terms)

    @property
    def is_constant(self) -> bool:
        return not self.terms

    def single_atom(self) -> SSAValue | None:
        """The value this sum is, when it is one atom with coefficient 1 and no constant."""
        if self.constant or len(self.terms) != 1:
            return None
        ((term, c),) = self.terms
        return term if c == 1 and isinstance(term, SSAValue) else None

    def __add__(self, other: Sum) -> Sum:
        merged = self.coefficients
        for term, c in other.terms:
            _add_to(merged, term, c)
        return Sum.of(merged, self.constant + other.constant)

    def __sub__(self, other: Sum) -> Sum:
        return self + other.scaled(-1)

    def scaled(self, factor: int) -> Sum:
        if factor == 0:
            return Sum.number(0)
        return Sum(frozenset((term, c * factor) for term, c in self.terms), self.constant * factor)

    def atoms(self) -> set[SSAValue]:
        """Every atom, also those inside quotients."""
        found: set[SSAValue] = set()
        for term, _ in self.terms:
            found |= term.dividend.atoms() if isinstance(term, Quotient) else {term}
        return found

    def coefficient_outside_quotients(self, atom: SSAValue) -> int:
        return self.coefficients.get(atom, 0)

    def in_quotient(self, atom: SSAValue) -> bool:
        """Whether `atom` occurs inside a floordiv or mod."""
        return any(isinstance(term, Quotient) and atom in term.dividend.atoms() for term, _ in self.terms)


def _add_to(coefficients: dict[Term, int], term: Term, c: int) -> None:
    total = coefficients.get(term, 0) + c
    if total:
        coefficients[term] = total
    else:
        coefficients.pop(term, None)


def _recombinable(coefficients: Mapping[Term, int]) -> tuple[Quotient, Quotient, int] | None:
    for term, c in coefficients.items():
        if isinstance(term, Quotient) and term.kind == MOD and term.divisor > 0:
            partner = Quotient(FLOORDIV, term.dividend, term.divisor)
            if coefficients.get(partner) == c * term.divisor:
                return term, partner, c
    return None


def _floor(value: int | None, divisor: int) -> int | None:
    return None if value is None else value // divisor


def _interval_sum(a: Interval, b: Interval) -> Interval:
    lo = None if a[0] is None or b[0] is None else a[0] + b[0]
    hi = None if a[1] is None or b[1] is None else a[1] + b[1]
    return lo, hi


def _interval_scaled(a: Interval, factor: int) -> Interval:
    lo = None if a[0] is None else a[0] * factor
    hi = None if a[1] is None else a[1] * factor
    return (lo, hi) if factor >= 0 else (hi, lo)


def index_constant_value(value: SSAValue) -> int | None:
    """The integer of an index `arith.constant`, else None."""
    owner = value.owner
    if isinstance(owner, arith.ConstantOp) and isinstance(value.type, IndexType) and isinstance(owner.value, IntegerAttr):
        return owner.value.value.data
    return None


def enclosing_loop(value: SSAValue) -> loop.ForOp | None:
    """The loop whose induction variable `value` is."""
    if isinstance(value, BlockArgument):
        parent = value.block.parent_op()
        if isinstance(parent, loop.ForOp) and parent.induction_var is value:
            return parent
    return None


class IndexAnalysis:
    """Sums of the index values of one op (e.g. a loop.func), and the simplifications ranges allow.

    Atoms print in program order (outer loop variables first). `ranges` overrides or adds the
    interval of atoms; loop variables otherwise range over their loop's iterations.
    """

    def __init__(self, root: Operation, ranges: Mapping[SSAValue, Interval] | None = None) -> None:
        self._order: dict[SSAValue, int] = {}
        for op in root.walk():
            for region in op.regions:
                for block in region.blocks:
                    for arg in block.args:
                        self._order.setdefault(arg, len(self._order))
            for result in op.results:
                self._order.setdefault(result, len(self._order))
        self._ranges = dict(ranges or {})
        self._sums: dict[SSAValue, Sum] = {}

    # ---- the sum of a value
    def sum_of(self, value: SSAValue) -> Sum:
        found = self._sums.get(value)
        if found is None:
            found = self._expand(value)
            self._sums[value] = found
        return found

    def _expand(self, value: SSAValue) -> Sum:
        constant = index_constant_value(value)
        if constant is not None:
            return Sum.number(constant)
        owner = value.owner
        if isinstance(owner, loop.ApplyOp):
            try:
                return self.from_affine(owner.map.data.results[0], [self.sum_of(o) for o in owner.operands_])
            except NotAffine:
                return Sum.atom(value)
        if isinstance(owner, arith.AddiOp | arith.SubiOp | arith.MuliOp) and isinstance(value.type, IndexType):
            lhs, rhs = self.sum_of(owner.lhs), self.sum_of(owner.rhs)
            if isinstance(owner, arith.AddiOp):
                return lhs + rhs
            if isinstance(owner, arith.SubiOp):
                return lhs - rhs
            if lhs.is_constant or rhs.is_constant:
                return rhs.scaled(lhs.constant) if lhs.is_constant else lhs.scaled(rhs.constant)
            return Sum.atom(value)
        if isinstance(value.type, IndexType) and isinstance(owner, Operation):
            found = self._expand_division_or_clamp(owner)
            if found is not None:
                return found
        for_op = enclosing_loop(value)
        if for_op is not None and for_op.trip_count == 1 and value not in self._ranges:
            return Sum.number(for_op.bounds[0])
        return Sum.atom(value)

    def _never_above(self, a: Sum, b: Sum) -> bool:
        """Whether a <= b for all values (by their ranges)."""
        difference_hi = self.interval(a - b)[1]
        return difference_hi is not None and difference_hi <= 0

    def _expand_division_or_clamp(self, op: Operation) -> Sum | None:
        """Index divisions by a positive constant, and min/max the ranges decide (te lowering's clamps)."""
        if isinstance(op, arith.MinSIOp | arith.MaxSIOp):
            lhs, rhs = self.sum_of(op.lhs), self.sum_of(op.rhs)
            is_min = isinstance(op, arith.MinSIOp)
            if self._never_above(lhs, rhs):
                return lhs if is_min else rhs
            if self._never_above(rhs, lhs):
                return rhs if is_min else lhs
            return None
        if not isinstance(op, arith.FloorDivSIOp | arith.CeilDivSIOp | arith.DivSIOp | arith.RemSIOp):
            return None
        divisor = self.sum_of(op.rhs)
        if not divisor.is_constant or divisor.constant <= 0:
            return None
        dividend = self.sum_of(op.lhs)
        if isinstance(op, arith.FloorDivSIOp):
            return self.floordiv(dividend, divisor.constant)
        if isinstance(op, arith.CeilDivSIOp):
            return self.ceildiv(dividend, divisor.constant)
        lo = self.interval(dividend)[0]
        if lo is None or lo < 0:
            return None  # divsi / remsi truncate toward zero: floordiv / mod only on non-negative dividends
        return (
            self.floordiv(dividend, divisor.constant) if isinstance(op, arith.DivSIOp) else self.mod(dividend, divisor.constant)
        )

    def from_affine(self, expr: AffineExpr, operands: Sequence[Sum]) -> Sum:
        """`expr` with dimension i standing for `operands[i]`, simplified."""
        if isinstance(expr, AffineDimExpr):
            return operands[expr.position]
        if isinstance(expr, AffineConstantExpr):
            return Sum.number(expr.value)
        if not isinstance(expr, AffineBinaryOpExpr):
            raise NotAffine(f"unsupported affine expression {expr}")
        lhs, rhs = self.from_affine(expr.lhs, operands), self.from_affine(expr.rhs, operands)
        if expr.kind == AffineBinaryOpKind.Add:
            return self.tidy(lhs + rhs)
        if expr.kind == AffineBinaryOpKind.Mul:
            if lhs.is_constant:
                return self.tidy(rhs.scaled(lhs.constant))
            if rhs.is_constant:
                return self.tidy(lhs.scaled(rhs.constant))
            raise NotAffine("a product of two variables")
        if not rhs.is_constant or rhs.constant == 0:
            raise NotAffine("a division by a variable or by zero")
        if expr.kind == FLOORDIV:
            return self.floordiv(lhs, rhs.constant)
        if expr.kind == CEILDIV:
            return self.ceildiv(lhs, rhs.constant)
        return self.mod(lhs, rhs.constant)

    # ---- ranges
    def atom_interval(self, atom: SSAValue) -> Interval:
        if atom in self._ranges:
            return self._ranges[atom]
        owner = atom.owner
        if isinstance(owner, arith.MinSIOp | arith.MaxSIOp) and isinstance(atom.type, IndexType):
            return _clamp_interval(owner, self.interval(self.sum_of(owner.lhs)), self.interval(self.sum_of(owner.rhs)))
        for_op = enclosing_loop(atom)
        if for_op is None:
            return UNBOUNDED
        lb, _, step = for_op.bounds
        return lb, lb + max(0, for_op.trip_count - 1) * step

    def interval(self, s: Sum) -> Interval:
        total: Interval = (s.constant, s.constant)
        for term, c in s.terms:
            total = _interval_sum(total, _interval_scaled(self._term_interval(term), c))
        return total

    def _term_interval(self, term: Term) -> Interval:
        if isinstance(term, SSAValue):
            return self.atom_interval(term)
        if term.divisor <= 0:
            return UNBOUNDED
        lo, hi = self.interval(term.dividend)
        if term.kind == FLOORDIV:
            return _floor(lo, term.divisor), _floor(hi, term.divisor)
        if lo is not None and hi is not None and lo // term.divisor == hi // term.divisor:
            window = lo // term.divisor * term.divisor
            return lo - window, hi - window
        return 0, term.divisor - 1

    def _is_multiple(self, term: Term, c: int, divisor: int) -> bool:
        """Whether `c * term` is a multiple of `divisor` for every value the term takes."""
        if c % divisor == 0:
            return True
        for_op = enclosing_loop(term) if isinstance(term, SSAValue) and term not in self._ranges else None
        if for_op is None:
            return False
        lb, _, step = for_op.bounds
        return (c * lb) % divisor == 0 and (c * step) % divisor == 0

    # ---- division
    def _split(self, s: Sum, divisor: int) -> tuple[Sum, Sum]:
        """(q, r) with s == divisor * q + r: q takes the parts of s that are multiples of the divisor."""
        quotient: dict[Term, int] = {}
        remainder: dict[Term, int] = {}
        for term, c in s.terms:
            if c % divisor == 0:
                _add_to(quotient, term, c // divisor)
            elif self._is_multiple(term, c, divisor):
                g = gcd(c, divisor)
                _add_to(quotient, Quotient(FLOORDIV, Sum.of({term: c // g}), divisor // g), 1)
            else:
                _add_to(remainder, term, c)
        q_constant, r_constant = divmod(s.constant, divisor)
        return Sum.of(quotient, q_constant), Sum.of(remainder, r_constant)

    def _window(self, s: Sum, divisor: int) -> int | None:
        """k when every value of s lies in [k * divisor, (k + 1) * divisor)."""
        lo, hi = self.interval(s)
        if lo is None or hi is None or lo // divisor != hi // divisor:
            return None
        return lo // divisor

    def floordiv(self, s: Sum, divisor: int) -> Sum:
        if divisor <= 0:
            return Sum.of({Quotient(FLOORDIV, s, divisor): 1})
        quotient, remainder = self._split(s, divisor)
        window = self._window(remainder, divisor)
        if window is not None:
            return self.tidy(quotient + Sum.number(window))
        g = gcd(divisor, remainder.constant, *(c for _, c in remainder.terms))
        remainder, divisor = _divided(remainder, g), divisor // g
        if divisor == 1:
            return self.tidy(quotient + remainder)
        inner = _single_quotient(remainder, FLOORDIV)
        if inner is not None:
            return self.tidy(quotient + self.floordiv(inner.dividend, inner.divisor * divisor))
        return self.tidy(quotient + Sum.of({Quotient(FLOORDIV, remainder, divisor): 1}))

    def ceildiv(self, s: Sum, divisor: int) -> Sum:
        if divisor <= 0:
            return Sum.of({Quotient(CEILDIV, s, divisor): 1})
        return self.floordiv(s + Sum.number(divisor - 1), divisor)

    def mod(self, s: Sum, divisor: int) -> Sum:
        if divisor <= 0:
            return Sum.of({Quotient(MOD, s, divisor): 1})
        _, remainder = self._split(s, divisor)
        window = self._window(remainder, divisor)
        if window is not None:
            return remainder - Sum.number(window * divisor)
        g = gcd(divisor, remainder.constant, *(c for _, c in remainder.terms))
        if g > 1:
            return self.mod(_divided(remainder, g), divisor // g).scaled(g)
        inner = _single_quotient(remainder, MOD)
        if inner is not None and inner.divisor % divisor == 0:
            return self.mod(inner.dividend, divisor)
        return self.tidy(Sum.of({Quotient(MOD, remainder, divisor): 1}))

    def tidy(self, s: Sum) -> Sum:
        """Exact divisions and remainders recognized: `c * (x floordiv d)` is `(c / d) * x` where d divides
        both c and every value of x; `c * x - c * d * (x floordiv d)` is `c * (x mod d)`."""
        while True:
            exact = next(((term, c) for term, c in s.terms if self._is_exact(term, c)), None)
            if exact is not None:
                term, c = exact
                assert isinstance(term, Quotient)
                coefficients = s.coefficients
                del coefficients[term]
                s = Sum.of(coefficients, s.constant) + term.dividend.scaled(c // term.divisor)
                continue
            remainder = _remainder_in(s)
            if remainder is None:
                return s
            term, c = remainder
            coefficients = s.coefficients
            del coefficients[term]
            for t, a in term.dividend.terms:
                _add_to(coefficients, t, -c * a)
            s = Sum.of(coefficients, s.constant - c * term.dividend.constant) + self.mod(term.dividend, term.divisor).scaled(c)

    def _is_exact(self, term: Term, c: int) -> bool:
        return (
            isinstance(term, Quotient)
            and term.kind == FLOORDIV
            and term.divisor > 0
            and c % term.divisor == 0
            and term.dividend.constant % term.divisor == 0
            and all(self._is_multiple(t, tc, term.divisor) for t, tc in term.dividend.terms)
        )

    # ---- back to IR
    def to_affine(self, s: Sum) -> tuple[AffineMap, list[SSAValue]]:
        """A one-result map and its operands, dimensions numbered in the order the text mentions them."""
        dims: dict[SSAValue, int] = {}
        expr = self._emit(s, dims)
        return AffineMap(len(dims), 0, (expr,)), list(dims)

    def _emit(self, s: Sum, dims: dict[SSAValue, int]) -> AffineExpr:
        parts: list[AffineExpr] = []
        for term, c in sorted(s.terms, key=lambda item: self._term_key(item[0])):
            expr = self._emit_term(term, dims)
            parts.append(expr if c == 1 else AffineBinaryOpExpr(AffineBinaryOpKind.Mul, expr, AffineConstantExpr(c)))
        if s.constant or not parts:
            parts.append(AffineConstantExpr(s.constant))
        result = parts[0]
        for part in parts[1:]:
            result = AffineBinaryOpExpr(AffineBinaryOpKind.Add, result, part)
        return result

    def _emit_term(self, term: Term, dims: dict[SSAValue, int]) -> AffineExpr:
        if isinstance(term, SSAValue):
            return AffineDimExpr(dims.setdefault(term, len(dims)))
        return AffineBinaryOpExpr(term.kind, self._emit(term.dividend, dims), AffineConstantExpr(term.divisor))

    def order(self, value: SSAValue) -> int:
        return self._order.setdefault(value, len(self._order))

    def _term_key(self, term: Term) -> tuple[int, str]:
        """Atoms by program order; a quotient after its first atom, then by kind, divisor and dividend."""
        if isinstance(term, SSAValue):
            return (self.order(term), "")
        inner = sorted((self._term_key(t), c) for t, c in term.dividend.terms)
        first = min((key[0] for key, _ in inner), default=-1)
        return (first, f"{term.kind.value}/{term.divisor}/{inner}/{term.dividend.constant}")


def _clamp_interval(op: arith.MinSIOp | arith.MaxSIOp, lhs: Interval, rhs: Interval) -> Interval:
    """The interval of min(lhs, rhs) or max(lhs, rhs)."""
    if isinstance(op, arith.MinSIOp):
        lo = None if lhs[0] is None or rhs[0] is None else min(lhs[0], rhs[0])
        his = [h for h in (lhs[1], rhs[1]) if h is not None]
        return lo, min(his) if his else None
    los = [lo for lo in (lhs[0], rhs[0]) if lo is not None]
    hi = None if lhs[1] is None or rhs[1] is None else max(lhs[1], rhs[1])
    return max(los) if los else None, hi


def _divided(s: Sum, g: int) -> Sum:
    return Sum(frozenset((term, c // g) for term, c in s.terms), s.constant // g)


def _remainder_in(s: Sum) -> tuple[Quotient, int] | None:
    """(x floordiv d, c) where s holds `c * x - c * d * (x floordiv d)` (every term of x with c times its coefficient)."""
    coefficients = s.coefficients
    for term, k in s.terms:
        if not isinstance(term, Quotient) or term.kind != FLOORDIV or term.divisor <= 0 or k % term.divisor:
            continue
        c = -k // term.divisor
        if term.dividend.terms and all(coefficients.get(t) == c * a for t, a in term.dividend.terms):
            return term, c
    return None


def _single_quotient(s: Sum, kind: AffineBinaryOpKind) -> Quotient | None:
    """The quotient s is, when s is exactly one positive-divisor quotient of `kind`."""
    if s.constant or len(s.terms) != 1:
        return None
    ((term, c),) = s.terms
    if c == 1 and isinstance(term, Quotient) and term.kind == kind and term.divisor > 0:
        return term
    return None
