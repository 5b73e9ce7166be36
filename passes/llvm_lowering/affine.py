"""loop.apply's affine expressions as i64 arithmetic with floor semantics (Python's // and %), constants folded.

Dividing a value known to be >= 0 (induction variables from >= 0, sums and products of such) by a
positive constant is unsigned division, which LLVM turns into shifts and masks for powers of two.
"""

from __future__ import annotations

from collections.abc import Sequence

from xdsl.dialects import llvm
from xdsl.dialects.builtin import i64
from xdsl.ir import SSAValue
from xdsl.ir.affine import AffineBinaryOpExpr, AffineBinaryOpKind, AffineConstantExpr, AffineDimExpr, AffineExpr
from xdsl.utils.exceptions import PassFailedException

from tessel.passes.llvm_lowering.emitter import Emitter, ceil_div, floor_div, floor_mod


class AffineLowering:
    """Emits one affine expression over i64 operands; `nonneg` holds the i64 values known >= 0 (and grows)."""

    def __init__(self, emit: Emitter, nonneg: set[SSAValue]):
        self.emit = emit
        self.nonneg = nonneg

    def is_nonneg(self, value: SSAValue | int) -> bool:
        return value >= 0 if isinstance(value, int) else value in self.nonneg

    def lower(self, expr: AffineExpr, operands: Sequence[SSAValue]) -> SSAValue | int:
        """An affine expression in i64 arithmetic (floor semantics), folding constants."""
        if isinstance(expr, AffineConstantExpr):
            return expr.value
        if isinstance(expr, AffineDimExpr):
            return operands[expr.position]
        if not isinstance(expr, AffineBinaryOpExpr):
            raise PassFailedException(f"convert-loop-to-llvm: unsupported affine expression {expr}")
        lhs, rhs = self.lower(expr.lhs, operands), self.lower(expr.rhs, operands)
        kind = expr.kind
        if (
            isinstance(lhs, int)
            and isinstance(rhs, int)
            and (rhs != 0 or kind in (AffineBinaryOpKind.Add, AffineBinaryOpKind.Mul))
        ):
            return _fold(kind, lhs, rhs)
        if kind == AffineBinaryOpKind.Add:
            return self._add(lhs, rhs)
        if kind == AffineBinaryOpKind.Mul:
            return self._mul(lhs, rhs)
        return self._divide(kind, lhs, rhs)

    def _value(self, value: SSAValue | int) -> SSAValue:
        return self.emit.i64(value) if isinstance(value, int) else value

    def _add(self, lhs: SSAValue | int, rhs: SSAValue | int) -> SSAValue | int:
        if lhs == 0:
            return rhs
        if rhs == 0:
            return lhs
        result = self.emit.add(self._value(lhs), self._value(rhs))
        if self.is_nonneg(lhs) and self.is_nonneg(rhs):
            self.nonneg.add(result)
        return result

    def _mul(self, lhs: SSAValue | int, rhs: SSAValue | int) -> SSAValue | int:
        if lhs == 0 or rhs == 0:
            return 0
        if lhs == 1:
            return rhs
        if rhs == 1:
            return lhs
        result = self.emit.mul(self._value(lhs), self._value(rhs))
        if self.is_nonneg(lhs) and self.is_nonneg(rhs):
            self.nonneg.add(result)
        return result

    def _divide(self, kind: AffineBinaryOpKind, lhs: SSAValue | int, rhs: SSAValue | int) -> SSAValue | int:
        emit = self.emit
        if rhs == 1:
            return 0 if kind == AffineBinaryOpKind.Mod else lhs
        a, b = self._value(lhs), self._value(rhs)
        if isinstance(rhs, int) and rhs > 0 and self.is_nonneg(lhs):
            # both operands known >= 0: plain unsigned division (LLVM turns powers of two into shifts)
            if kind == AffineBinaryOpKind.FloorDiv:
                result = emit.binary(llvm.UDivOp, a, b)
            elif kind == AffineBinaryOpKind.Mod:
                result = emit.binary(llvm.URemOp, a, b)
            else:
                quotient = emit.binary(llvm.UDivOp, a, b)
                inexact = emit.icmp("ne", emit.binary(llvm.URemOp, a, b), emit.i64(0))
                result = emit.add(quotient, emit.zext(inexact, i64))
            self.nonneg.add(result)
            return result
        if kind == AffineBinaryOpKind.FloorDiv:
            return floor_div(emit, a, b)
        if kind == AffineBinaryOpKind.CeilDiv:
            return ceil_div(emit, a, b)
        result = floor_mod(emit, a, b)
        if isinstance(rhs, int) and rhs > 0:
            self.nonneg.add(result)
        return result


def _fold(kind: AffineBinaryOpKind, lhs: int, rhs: int) -> int:
    if kind == AffineBinaryOpKind.Add:
        return lhs + rhs
    if kind == AffineBinaryOpKind.Mul:
        return lhs * rhs
    if kind == AffineBinaryOpKind.FloorDiv:
        return lhs // rhs
    if kind == AffineBinaryOpKind.CeilDiv:
        return -(-lhs // rhs)
    return lhs % rhs
