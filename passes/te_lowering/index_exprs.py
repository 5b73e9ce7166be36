"""Index expressions as affine expressions over loop variables, and their ranges.

A compute body computes indices with arith ops on `index`; bound inference reads them back
as xDSL AffineExprs (dims are loop variables, `IterVar.dim`) and bounds them by interval
arithmetic: numerically (every loop over its whole range) or symbolically (the loops that
enclose an attach point stay symbolic).
"""

from __future__ import annotations

from collections.abc import Mapping

from xdsl.dialects import arith
from xdsl.dialects.builtin import IntegerAttr
from xdsl.ir import SSAValue
from xdsl.ir.affine import AffineBinaryOpExpr, AffineBinaryOpKind, AffineConstantExpr, AffineDimExpr, AffineExpr

Kind = AffineBinaryOpKind


def affine_of(
    value: SSAValue, env: Mapping[SSAValue, AffineExpr], memo: dict[SSAValue, AffineExpr | None] | None = None
) -> AffineExpr | None:
    """`value` as an affine expression of the values in `env`, or None when it is not one (e.g. data-dependent)."""
    memo = {} if memo is None else memo
    if value in env:
        return env[value]
    if value in memo:
        return memo[value]
    op = value.owner
    result: AffineExpr | None = None
    if isinstance(op, arith.ConstantOp) and isinstance(op.value, IntegerAttr):
        result = AffineExpr.constant(op.value.value.data)
    elif isinstance(op, arith.IndexCastOp):
        result = affine_of(op.input, env, memo)
    elif isinstance(
        op, arith.AddiOp | arith.SubiOp | arith.MuliOp | arith.FloorDivSIOp | arith.CeilDivSIOp | arith.RemSIOp | arith.DivSIOp
    ):
        lhs, rhs = affine_of(op.lhs, env, memo), affine_of(op.rhs, env, memo)
        if lhs is not None and rhs is not None:
            result = _combine(op, lhs, rhs)
    memo[value] = result
    return result


def _combine(op: arith.SignlessIntegerBinaryOperation, lhs: AffineExpr, rhs: AffineExpr) -> AffineExpr | None:
    if isinstance(op, arith.AddiOp):
        return lhs + rhs
    if isinstance(op, arith.SubiOp):
        return lhs - rhs
    if isinstance(op, arith.MuliOp):
        if isinstance(lhs, AffineConstantExpr) or isinstance(rhs, AffineConstantExpr):
            return lhs * rhs
        return None
    if not isinstance(rhs, AffineConstantExpr) or rhs.value <= 0:
        return None
    # Division and remainder by a positive constant; divsi/remsi agree with floordiv/mod on the
    # non-negative values indices take, which is what bound inference is used for.
    if isinstance(op, arith.FloorDivSIOp | arith.DivSIOp):
        return lhs // rhs
    if isinstance(op, arith.CeilDivSIOp):
        return lhs.ceil_div(rhs)
    return lhs % rhs


def numeric_range(expr: AffineExpr, extents: Mapping[int, int]) -> tuple[int, int]:
    """Inclusive (low, high) of `expr` when each dim d ranges over [0, extents[d])."""
    if isinstance(expr, AffineConstantExpr):
        return expr.value, expr.value
    if isinstance(expr, AffineDimExpr):
        return 0, extents[expr.position] - 1
    assert isinstance(expr, AffineBinaryOpExpr)
    lo1, hi1 = numeric_range(expr.lhs, extents)
    lo2, hi2 = numeric_range(expr.rhs, extents)
    if expr.kind is Kind.Add:
        return lo1 + lo2, hi1 + hi2
    if expr.kind is Kind.Mul:
        corners = (lo1 * lo2, lo1 * hi2, hi1 * lo2, hi1 * hi2)
        return min(corners), max(corners)
    assert lo2 == hi2 and lo2 > 0, f"division by a non-constant in {expr}"
    c = lo2
    if expr.kind is Kind.FloorDiv:
        return lo1 // c, hi1 // c
    if expr.kind is Kind.CeilDiv:
        return -(-lo1 // c), -(-hi1 // c)
    if hi1 - lo1 < c and lo1 % c <= hi1 % c:
        return lo1 % c, hi1 % c
    return 0, c - 1


def symbolic_range(expr: AffineExpr, fixed: set[int], extents: Mapping[int, int]) -> tuple[AffineExpr, AffineExpr] | None:
    """Inclusive (low, high) of `expr` as expressions of the `fixed` dims, the others ranging over [0, extent).

    None when the bounds cannot be written that way (a product of two ranging values, a
    remainder of a ranging value): the caller then takes the whole dimension.
    """
    if isinstance(expr, AffineConstantExpr):
        return expr, expr
    if isinstance(expr, AffineDimExpr):
        if expr.position in fixed:
            return expr, expr
        return AffineExpr.constant(0), AffineExpr.constant(extents[expr.position] - 1)
    assert isinstance(expr, AffineBinaryOpExpr)
    left = symbolic_range(expr.lhs, fixed, extents)
    right = symbolic_range(expr.rhs, fixed, extents)
    if left is None or right is None:
        return None
    (lo1, hi1), (lo2, hi2) = left, right
    if expr.kind is Kind.Add:
        return lo1 + lo2, hi1 + hi2
    constant = _constant(lo2) if lo2 == hi2 else None
    if expr.kind is Kind.Mul:
        if constant is None:
            if lo1 == hi1 and _constant(lo1) is not None:
                return symbolic_range(expr.rhs * expr.lhs, fixed, extents)
            return (expr, expr) if lo1 == hi1 and lo2 == hi2 else None
        return (lo1 * constant, hi1 * constant) if constant >= 0 else (hi1 * constant, lo1 * constant)
    if constant is None or constant <= 0:
        return None
    if expr.kind is Kind.FloorDiv:
        return lo1 // constant, hi1 // constant
    if expr.kind is Kind.CeilDiv:
        return lo1.ceil_div(constant), hi1.ceil_div(constant)
    if lo1 == hi1:
        return lo1 % constant, lo1 % constant
    return AffineExpr.constant(0), AffineExpr.constant(constant - 1)


def _constant(expr: AffineExpr) -> int | None:
    return expr.value if isinstance(expr, AffineConstantExpr) else None


def simplify(expr: AffineExpr) -> AffineExpr:
    dims = max((d for d in used_dims(expr)), default=-1) + 1
    return expr.simplify(dims, 0)


def used_dims(expr: AffineExpr) -> set[int]:
    return {e.position for e in expr.dfs() if isinstance(e, AffineDimExpr)}


def constant_difference(a: AffineExpr, b: AffineExpr) -> int | None:
    """a - b when it is a constant."""
    return _constant(simplify(a - b))
