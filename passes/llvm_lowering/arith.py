"""arith -> llvm (xDSL 0.74 has no such conversion), on scalars and 1-D vectors; index is i64.

    %c = arith.addi %a, %b : index     ==>   %c = llvm.add %a', %b' : i64      (%a' = %a as i64)
    %q = arith.floordivsi %a, %b : i32  ==>   sdiv, srem, and a step down where the signs differ
    %f = arith.fptosi %x : f32 to i32   ==>   llvm.call_intrinsic "llvm.fptosi.sat.i32.f32"

Semantics follow the loop interpreter: integer ops wrap, shifts by the width or more give 0 (or the
sign for shrsi), float->int conversions saturate (nan -> 0), maximumf/minimumf propagate nan.
Integer division by zero is undefined (as in C).
"""

from __future__ import annotations

from collections.abc import Callable

from xdsl.dialects import arith, llvm
from xdsl.dialects.builtin import (
    DenseIntOrFPElementsAttr,
    FloatAttr,
    IntegerAttr,
    IntegerType,
    i1,
    i64,
)
from xdsl.ir import Operation, SSAValue
from xdsl.pattern_rewriter import PatternRewriter, RewritePattern

from tessel.passes.llvm_lowering.emitter import (
    OpRewrite,
    bit_width,
    ceil_div,
    floor_div,
    lanes,
    rewrite_by_table,
    scalar_type,
    splat_attr,
    suffix,
    where,
    with_element,
)

Handler = Callable[[OpRewrite], SSAValue]


class ConvertArithToLLVM(RewritePattern):
    """Each arith op becomes llvm ops (or an llvm intrinsic call)."""

    def match_and_rewrite(self, op: Operation, rewriter: PatternRewriter) -> None:
        rewrite_by_table(_HANDLERS, op, rewriter)


def _constant(rw: OpRewrite) -> SSAValue:
    op = rw.op
    assert isinstance(op, arith.ConstantOp)
    t = rw.result_type
    value = op.value
    if isinstance(value, IntegerAttr | FloatAttr):
        attr = splat_attr(t, value.value.data)
    elif isinstance(value, DenseIntOrFPElementsAttr):
        values = list(value.get_values())
        if len(values) == 1:
            values *= lanes(t) or 1
        if isinstance(scalar_type(t), IntegerType):  # normalized (i1 true is 1), index values as i64
            values = [splat_attr(scalar_type(t), int(v)).value.data for v in values]  # type: ignore[attr-defined]
        attr = DenseIntOrFPElementsAttr.from_list(t, values)  # type: ignore[arg-type]
    else:
        raise NotImplementedError(f"arith.constant {value}")
    return rw.emit.op(llvm.ConstantOp(attr, t))


def _binary(cls: type[Operation]) -> Handler:
    def lower(rw: OpRewrite) -> SSAValue:
        lhs, rhs = rw.operands()
        return rw.emit.binary(cls, lhs, rhs)

    return lower


_CONTRACT = llvm.FastMathAttr((llvm.FastMathFlag.ALLOW_CONTRACT,))


def _contractible(cls: type[Operation]) -> Handler:
    """fadd/fsub/fmul marked `contract`, so LLVM may fuse a multiply and an add into one fma (as TVM
    does with FPOpFusion::Fast): one rounding instead of two, and twice the throughput."""

    def lower(rw: OpRewrite) -> SSAValue:
        lhs, rhs = rw.operands()
        return rw.emit.op(cls(lhs, rhs, fast_math=_CONTRACT))  # type: ignore[call-arg]

    return lower


def _intrinsic(name: str) -> Handler:
    """An overloaded LLVM intrinsic on the result type: llvm.<name>.<suffix>(operands)."""

    def lower(rw: OpRewrite) -> SSAValue:
        return rw.emit.intrinsic(f"llvm.{name}.{suffix(rw.result_type)}", rw.operands(), rw.result_type)

    return lower


def _floordivsi(rw: OpRewrite) -> SSAValue:
    return floor_div(rw.emit, *rw.operands())


def _ceildivsi(rw: OpRewrite) -> SSAValue:
    return ceil_div(rw.emit, *rw.operands())


def _ceildivui(rw: OpRewrite) -> SSAValue:
    emit = rw.emit
    a, b = rw.operands()
    inexact = emit.icmp("ne", emit.binary(llvm.URemOp, a, b), emit.constant(0, a.type))
    return emit.add(emit.binary(llvm.UDivOp, a, b), emit.zext(inexact, a.type), nsw=False)


def _shift(cls: type[Operation], arithmetic: bool = False) -> Handler:
    """Shifts by the bit width or more: 0 (shli, shrui) or the sign (shrsi), as the interpreter does."""

    def lower(rw: OpRewrite) -> SSAValue:
        emit = rw.emit
        value, amount = rw.operands()
        width = emit.constant(bit_width(value.type), value.type)
        if arithmetic:
            clamped = emit.intrinsic(
                f"llvm.umin.{suffix(value.type)}", [amount, emit.constant(bit_width(value.type) - 1, value.type)], value.type
            )
            return emit.binary(cls, value, clamped)
        return where(emit, emit.icmp("ult", amount, width), emit.binary(cls, value, amount))

    return lower


def _cmpi(rw: OpRewrite) -> SSAValue:
    op = rw.op
    assert isinstance(op, arith.CmpiOp)
    lhs, rhs = rw.operands()
    return rw.emit.icmp(arith.CMPI_COMPARISON_OPERATIONS[op.predicate.value.data], lhs, rhs)


def _cmpf(rw: OpRewrite) -> SSAValue:
    """llvm.fcmp takes scalars only in xDSL 0.74: vectors compare lane by lane."""
    op = rw.op
    assert isinstance(op, arith.CmpfOp)
    predicate = arith.CMPF_COMPARISON_OPERATIONS[op.predicate.value.data]
    emit = rw.emit
    if predicate in ("false", "true"):
        return emit.constant(int(predicate == "true"), with_element(rw.result_type, i1))
    return rw.lanewise(rw.operands(), lambda args: emit.fcmp(predicate, args[0], args[1]))


def _select(rw: OpRewrite) -> SSAValue:
    """llvm.select takes a scalar condition only in xDSL 0.74: a vector condition selects lane by lane."""
    condition, true_value, false_value = rw.operands()
    emit = rw.emit
    if lanes(condition.type) is None:
        return emit.select(condition, true_value, false_value)
    return rw.lanewise([condition, true_value, false_value], lambda args: emit.select(*args))


def _cast(cls: type[Operation]) -> Handler:
    def lower(rw: OpRewrite) -> SSAValue:
        (value,) = rw.operands()
        if value.type == rw.result_type:
            return value
        return rw.emit.convert(cls, value, rw.result_type)

    return lower


def _index_cast(rw: OpRewrite) -> SSAValue:
    """Between index (i64) and iN: sign-extend or truncate."""
    (value,) = rw.operands()
    source, target = bit_width(value.type), bit_width(rw.result_type)
    if source == target:
        return value
    return rw.emit.convert(llvm.TruncOp if source > target else llvm.SExtOp, value, rw.result_type)


def _uitofp(rw: OpRewrite) -> SSAValue:
    """Unsigned to float: zero-extend to i64 and convert signed; a u64 with the top bit set halves, rounding to odd."""
    (value,) = rw.operands()
    emit = rw.emit
    target = rw.result_type
    if bit_width(value.type) < 64:
        wide = emit.zext(value, with_element(value.type, i64))
        return emit.convert(llvm.SIToFPOp, wide, target)

    def convert(args: list[SSAValue]) -> SSAValue:
        (x,) = args
        one = emit.constant(1, x.type)
        half = emit.binary(llvm.OrOp, emit.binary(llvm.LShrOp, x, one), emit.binary(llvm.AndOp, x, one))
        halved = emit.convert(llvm.SIToFPOp, half, scalar_type(target))
        doubled = emit.binary(llvm.FAddOp, halved, halved)
        direct = emit.convert(llvm.SIToFPOp, x, scalar_type(target))
        return emit.select(emit.icmp("slt", x, emit.constant(0, x.type)), doubled, direct)

    return rw.lanewise([value], convert)


def _fptoi(kind: str) -> Handler:
    """Saturating conversion (nan -> 0), the interpreter's semantics: llvm.fpto{s,u}i.sat."""

    def lower(rw: OpRewrite) -> SSAValue:
        (value,) = rw.operands()
        name = f"llvm.{kind}.sat.{suffix(rw.result_type)}.{suffix(value.type)}"
        return rw.emit.intrinsic(name, [value], rw.result_type)

    return lower


def _negf(rw: OpRewrite) -> SSAValue:
    (value,) = rw.operands()
    return rw.emit.op(llvm.FNegOp(value))


_HANDLERS: dict[type[Operation], Handler] = {
    arith.ConstantOp: _constant,
    arith.AddiOp: _binary(llvm.AddOp),
    arith.SubiOp: _binary(llvm.SubOp),
    arith.MuliOp: _binary(llvm.MulOp),
    arith.DivSIOp: _binary(llvm.SDivOp),
    arith.DivUIOp: _binary(llvm.UDivOp),
    arith.RemSIOp: _binary(llvm.SRemOp),
    arith.RemUIOp: _binary(llvm.URemOp),
    arith.FloorDivSIOp: _floordivsi,
    arith.CeilDivSIOp: _ceildivsi,
    arith.CeilDivUIOp: _ceildivui,
    arith.AndIOp: _binary(llvm.AndOp),
    arith.OrIOp: _binary(llvm.OrOp),
    arith.XOrIOp: _binary(llvm.XOrOp),
    arith.ShLIOp: _shift(llvm.ShlOp),
    arith.ShRUIOp: _shift(llvm.LShrOp),
    arith.ShRSIOp: _shift(llvm.AShrOp, arithmetic=True),
    arith.MaxSIOp: _intrinsic("smax"),
    arith.MinSIOp: _intrinsic("smin"),
    arith.MaxUIOp: _intrinsic("umax"),
    arith.MinUIOp: _intrinsic("umin"),
    arith.CmpiOp: _cmpi,
    arith.CmpfOp: _cmpf,
    arith.SelectOp: _select,
    arith.AddfOp: _contractible(llvm.FAddOp),
    arith.SubfOp: _contractible(llvm.FSubOp),
    arith.MulfOp: _contractible(llvm.FMulOp),
    arith.DivfOp: _binary(llvm.FDivOp),
    arith.NegfOp: _negf,
    arith.MaximumfOp: _intrinsic("maximum"),
    arith.MinimumfOp: _intrinsic("minimum"),
    arith.MaxnumfOp: _intrinsic("maxnum"),
    arith.MinnumfOp: _intrinsic("minnum"),
    arith.ExtSIOp: _cast(llvm.SExtOp),
    arith.ExtUIOp: _cast(llvm.ZExtOp),
    arith.TruncIOp: _cast(llvm.TruncOp),
    arith.ExtFOp: _cast(llvm.FPExtOp),
    arith.TruncFOp: _cast(llvm.FPTruncOp),
    arith.SIToFPOp: _cast(llvm.SIToFPOp),
    arith.BitcastOp: _cast(llvm.BitcastOp),
    arith.IndexCastOp: _index_cast,
    arith.UIToFPOp: _uitofp,
    arith.FPToSIOp: _fptoi("fptosi"),
    arith.FPToUIOp: _fptoi("fptoui"),
}
