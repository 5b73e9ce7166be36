"""math -> llvm: LLVM intrinsics where LLVM has them, else calls of the C math library.

    %y = math.exp %x : vector<8xf32>   ==>   llvm.call_intrinsic "llvm.exp.v8f32"(%x)
    %y = math.tanh %x : f32            ==>   llvm.call @tanhf(%x)     (declared external; the JIT
                                                                       resolves it from the process)

Library calls take f32 (`tanhf`) or f64 (`tanh`); f16 goes through f32; vectors call lane by lane.
"""

from __future__ import annotations

from collections.abc import Callable

from xdsl.dialects import llvm, math
from xdsl.dialects.builtin import Float16Type, Float64Type, f32
from xdsl.ir import Attribute, Operation, SSAValue
from xdsl.pattern_rewriter import PatternRewriter, RewritePattern

from tessel.passes.llvm_lowering.emitter import OpRewrite, bit_width, scalar_type, suffix
from tessel.passes.llvm_lowering.symbols import Declarations

_INTRINSICS: dict[type[Operation], str] = {
    math.ExpOp: "exp",
    math.Exp2Op: "exp2",
    math.LogOp: "log",
    math.Log2Op: "log2",
    math.Log10Op: "log10",
    math.SqrtOp: "sqrt",
    math.AbsFOp: "fabs",
    math.FloorOp: "floor",
    math.CeilOp: "ceil",
    math.RoundOp: "round",
    math.RoundEvenOp: "roundeven",
    math.TruncOp: "trunc",
    math.SinOp: "sin",
    math.CosOp: "cos",
    math.PowFOp: "pow",
    math.CopySignOp: "copysign",
    math.CtPopOp: "ctpop",
}
"""Ops that are one overloaded LLVM intrinsic of the same operands: llvm.<name>.<type suffix>."""

_LIBRARY: dict[type[Operation], str] = {
    math.TanhOp: "tanh",
    math.ErfOp: "erf",
    math.AtanOp: "atan",
    math.Atan2Op: "atan2",
    math.AsinOp: "asin",
    math.AcosOp: "acos",
    math.AsinhOp: "asinh",
    math.AcoshOp: "acosh",
    math.AtanhOp: "atanh",
    math.SinhOp: "sinh",
    math.CoshOp: "cosh",
    math.TanOp: "tan",
    math.CbrtOp: "cbrt",
    math.ExpM1Op: "expm1",
    math.Log1pOp: "log1p",
}
"""Ops computed by the C library function of the same name (float variant `<name>f`)."""


class ConvertMathToLLVM(RewritePattern):
    """Each math op becomes an LLVM intrinsic or a libm call; `declarations` collects the libm functions."""

    def __init__(self, declarations: Declarations):
        self.declarations = declarations

    def match_and_rewrite(self, op: Operation, rewriter: PatternRewriter) -> None:
        t = type(op)
        if t in _INTRINSICS:
            rewrite = OpRewrite(op, rewriter)
            name = f"llvm.{_INTRINSICS[t]}.{suffix(rewrite.result_type)}"
            rewrite.replace(rewrite.emit.intrinsic(name, rewrite.operands(), rewrite.result_type))
        elif t in _LIBRARY:
            rewrite = OpRewrite(op, rewriter)
            rewrite.replace(rewrite.lanewise(rewrite.operands(), self._library_call(rewrite, _LIBRARY[t])))
        elif t in _SPECIAL:
            rewrite = OpRewrite(op, rewriter)
            rewrite.replace(_SPECIAL[t](rewrite))

    def _library_call(self, rw: OpRewrite, name: str) -> Callable[[list[SSAValue]], SSAValue]:
        emit = rw.emit
        t = scalar_type(rw.result_type)
        call_type: Attribute = t if isinstance(t, Float64Type) else f32
        function = self.declarations.declare(
            name if isinstance(t, Float64Type) else f"{name}f", [call_type] * len(rw.op.operands), call_type
        )

        def call(args: list[SSAValue]) -> SSAValue:
            if isinstance(t, Float16Type):
                args = [emit.convert(llvm.FPExtOp, a, f32) for a in args]
            result = emit.call(function, args, call_type)
            return emit.convert(llvm.FPTruncOp, result, t) if isinstance(t, Float16Type) else result

        return call


def _fma(rw: OpRewrite) -> SSAValue:
    return rw.emit.op(llvm.FMAOp(*rw.operands()))


def _rsqrt(rw: OpRewrite) -> SSAValue:
    (value,) = rw.operands()
    root = rw.emit.intrinsic(f"llvm.sqrt.{suffix(value.type)}", [value], value.type)
    return rw.emit.binary(llvm.FDivOp, rw.emit.constant(1.0, value.type), root)


def _with_false_flag(name: str) -> Callable[[OpRewrite], SSAValue]:
    """Intrinsics with a trailing `i1 false` (zero input or INT_MIN is not poison): abs, ctlz, cttz."""

    def lower(rw: OpRewrite) -> SSAValue:
        (value,) = rw.operands()
        return rw.emit.intrinsic(f"llvm.{name}.{suffix(value.type)}", [value, rw.emit.i1(False)], value.type)

    return lower


def _fpowi(rw: OpRewrite) -> SSAValue:
    """x ** n as pow(x, float(n)) (llvm.powi is allowed to be inexact; the interpreter is not)."""
    base, exponent = rw.operands()
    power = rw.emit.convert(llvm.SIToFPOp, exponent, base.type)
    return rw.emit.intrinsic(f"llvm.pow.{suffix(base.type)}", [base, power], base.type)


def _ipowi(rw: OpRewrite) -> SSAValue:
    """Integer power modulo 2^width by square-and-multiply over the exponent's bits; a negative exponent
    gives 1/a^-n truncated (0 unless a is 1 or -1), as in the interpreter."""
    emit = rw.emit

    def power(args: list[SSAValue]) -> SSAValue:
        base, exponent = args
        t = base.type
        one, zero, minus_one = emit.constant(1, t), emit.constant(0, t), emit.constant(-1, t)
        result, square = one, base
        for bit in range(bit_width(t)):
            is_set = emit.icmp("ne", emit.binary(llvm.AndOp, exponent, emit.constant(1 << bit, t)), zero)
            result = emit.select(is_set, emit.mul(result, square, nsw=False), result)
            square = emit.mul(square, square, nsw=False)
        odd = emit.icmp("ne", emit.binary(llvm.AndOp, exponent, one), zero)
        of_minus_one = emit.select(odd, minus_one, one)
        negative = emit.select(emit.icmp("eq", base, one), one, emit.select(emit.icmp("eq", base, minus_one), of_minus_one, zero))
        return emit.select(emit.icmp("slt", exponent, zero), negative, result)

    return rw.lanewise(rw.operands(), power)


_SPECIAL: dict[type[Operation], Callable[[OpRewrite], SSAValue]] = {
    math.FmaOp: _fma,
    math.RsqrtOp: _rsqrt,
    math.AbsIOp: _with_false_flag("abs"),
    math.CountLeadingZerosOp: _with_false_flag("ctlz"),
    math.CountTrailingZerosOp: _with_false_flag("cttz"),
    math.FPowIOp: _fpowi,
    math.IPowIOp: _ipowi,
}
