"""vector -> llvm for the 1-D vector ops loop-vectorize emits (vector.load/store are buffer accesses: loops.py).

    vector.broadcast %x : f32 to vector<8xf32>   ==>  insertelement into lane 0, shufflevector of zeros
    vector.fma %a, %b, %c : vector<8xf32>         ==>  llvm.intr.fma
    vector.reduction <add>, %v, %acc : ... f32    ==>  llvm.intr.vector.reduce.fadd(%acc, %v)   (in order)
    vector.extract %v[3] / vector.insert          ==>  shufflevector + bitcast / insertelement

Reductions keep the interpreter's order (no reassociation): bit-identical results, but not fast ones.
"""

from __future__ import annotations

from collections.abc import Callable

from xdsl.dialects import llvm, vector
from xdsl.dialects.builtin import i64
from xdsl.ir import Operation, SSAValue
from xdsl.pattern_rewriter import PatternRewriter, RewritePattern
from xdsl.utils.exceptions import PassFailedException

from tessel.passes.llvm_lowering.emitter import Emitter, OpRewrite, is_float, lanes, llvm_type, rewrite_by_table, suffix


class ConvertVectorToLLVM(RewritePattern):
    """Each elementwise/shuffling vector op becomes llvm ops."""

    def match_and_rewrite(self, op: Operation, rewriter: PatternRewriter) -> None:
        rewrite_by_table(_HANDLERS, op, rewriter)


def _broadcast(rw: OpRewrite) -> SSAValue:
    (source,) = rw.operands()
    count = lanes(rw.result_type)
    assert count is not None
    source_lanes = lanes(source.type)
    if source_lanes is None:
        return rw.emit.splat(source, count)
    if source_lanes == count:
        return source
    if source_lanes != 1:
        raise PassFailedException(f"convert-loop-to-llvm: vector.broadcast from {source.type} to {rw.result_type}")
    return rw.emit.shuffle(source, source, [0] * count)


def _fma(rw: OpRewrite) -> SSAValue:
    return rw.emit.op(llvm.FMAOp(*rw.operands()))


# vector.reduction kind -> (the LLVM reduction, the scalar op combining it with the accumulator)
_INTEGER_REDUCTIONS: dict[str, tuple[str, Callable[[Emitter, SSAValue, SSAValue], SSAValue]]] = {
    "add": ("add", lambda e, a, b: e.binary(llvm.AddOp, a, b)),
    "mul": ("mul", lambda e, a, b: e.binary(llvm.MulOp, a, b)),
    "and": ("and", lambda e, a, b: e.binary(llvm.AndOp, a, b)),
    "or": ("or", lambda e, a, b: e.binary(llvm.OrOp, a, b)),
    "xor": ("xor", lambda e, a, b: e.binary(llvm.XOrOp, a, b)),
    "maxsi": ("smax", lambda e, a, b: e.intrinsic(f"llvm.smax.{suffix(a.type)}", [a, b], a.type)),
    "minsi": ("smin", lambda e, a, b: e.intrinsic(f"llvm.smin.{suffix(a.type)}", [a, b], a.type)),
    "maxui": ("umax", lambda e, a, b: e.intrinsic(f"llvm.umax.{suffix(a.type)}", [a, b], a.type)),
    "minui": ("umin", lambda e, a, b: e.intrinsic(f"llvm.umin.{suffix(a.type)}", [a, b], a.type)),
}
_FLOAT_REDUCTIONS = {
    "maxnumf": ("fmax", "maxnum"),
    "minnumf": ("fmin", "minnum"),
    "maximumf": ("fmaximum", "maximum"),
    "minimumf": ("fminimum", "minimum"),
}


def _reduction(rw: OpRewrite) -> SSAValue:
    op = rw.op
    assert isinstance(op, vector.ReductionOp)
    emit = rw.emit
    source, *rest = rw.operands()
    accumulator = rest[0] if rest else None
    kind = op.kind.data.value
    element = rw.result_type
    if is_float(element) and kind in ("add", "mul"):
        # ordered (no reassociation): the interpreter's lane-by-lane order, bit for bit
        start = accumulator if accumulator is not None else emit.constant(-0.0 if kind == "add" else 1.0, element)
        cls = llvm.VectorReduceFAddOp if kind == "add" else llvm.VectorReduceFMulOp
        return emit.op(cls(start, source))
    if is_float(element) and kind in _FLOAT_REDUCTIONS:
        reduce_name, combine_name = _FLOAT_REDUCTIONS[kind]
        result = emit.intrinsic(f"llvm.vector.reduce.{reduce_name}.{suffix(source.type)}", [source], element)
        if accumulator is None:
            return result
        return emit.intrinsic(f"llvm.{combine_name}.{suffix(element)}", [accumulator, result], element)
    if not is_float(element) and kind in _INTEGER_REDUCTIONS:
        reduce_name, combine = _INTEGER_REDUCTIONS[kind]
        result = emit.intrinsic(f"llvm.vector.reduce.{reduce_name}.{suffix(source.type)}", [source], element)
        return result if accumulator is None else combine(emit, accumulator, result)
    raise PassFailedException(f"convert-loop-to-llvm: vector.reduction <{kind}> on {element} has no LLVM lowering")


def _position(rw: OpRewrite, op: vector.ExtractOp | vector.InsertOp) -> int | SSAValue:
    mixed = op.get_mixed_position()
    if len(mixed) != 1:
        raise PassFailedException(f"convert-loop-to-llvm: {op.name} on a vector of rank != 1")
    position = mixed[0]
    return position if isinstance(position, int) else rw.emit.cast(position, i64)


def _extract(rw: OpRewrite) -> SSAValue:
    op = rw.op
    assert isinstance(op, vector.ExtractOp)
    emit = rw.emit
    source = emit.cast(op.vector, llvm_type(op.vector.type))
    position = _position(rw, op)
    if isinstance(position, int):
        return emit.extract_element(source, position)
    count = lanes(source.type)
    assert count is not None
    result = emit.extract_element(source, 0)
    for k in range(1, count):  # a dynamic lane: select through the lanes (no extractelement in xDSL 0.74)
        result = emit.select(emit.icmp("eq", position, emit.i64(k)), emit.extract_element(source, k), result)
    return result


def _insert(rw: OpRewrite) -> SSAValue:
    op = rw.op
    assert isinstance(op, vector.InsertOp)
    emit = rw.emit
    if lanes(op.source.type) is not None:
        raise PassFailedException("convert-loop-to-llvm: vector.insert of a vector (only scalars into 1-D vectors)")
    dest = emit.cast(op.dest, llvm_type(op.dest.type))
    source = emit.cast(op.source, llvm_type(op.source.type))
    return emit.insert_element(dest, source, _position(rw, op))


_HANDLERS: dict[type[Operation], Callable[[OpRewrite], SSAValue]] = {
    vector.BroadcastOp: _broadcast,
    vector.FMAOp: _fma,
    vector.ReductionOp: _reduction,
    vector.ExtractOp: _extract,
    vector.InsertOp: _insert,
}
