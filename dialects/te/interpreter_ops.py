"""Scalar semantics of the arith and math ops a te.compute body uses, applied to whole numpy arrays.

Values are held in one representation per IR type (the "storage"):

- floats (any width): float64; conversions into a narrower float (truncf, sitofp, uitofp, constants)
  round to that type's precision, arithmetic itself is done in float64;
- integers iN / siN / uiN (N > 1): int64 holding the N-bit pattern sign-extended; signed ops read it as is,
  unsigned ops mask it (`unsigned`), every result is wrapped back to N bits (`wrap`);
- i1: bool (signed view: true is -1, unsigned view: true is 1, as in arith);
- index: int64.

An op evaluates to `(value, poison)`: `poison` is None or a bool array marking where the op itself has no
defined result (integer division by zero, shifting by the bit width or more, 0 to a negative power), with
`POISON_REASONS[op.name]` saying why. Nothing here raises on data: that keeps te.if_then_else lazy.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from xdsl.dialects.builtin import (
    AnyFloat,
    BFloat16Type,
    FloatAttr,
    IndexType,
    IntegerAttr,
    IntegerType,
    Signedness,
)
from xdsl.ir import Attribute, Operation

try:  # scipy's erf is vectorised; math.erf one element at a time is the fallback
    from scipy.special import erf as _erf  # type: ignore[import-untyped]
except ImportError:  # pragma: no cover - depends on the environment
    _erf = np.vectorize(math.erf, otypes=[np.float64])


class UnsupportedOpError(Exception):
    """An op (or an op on a type) the interpreter has no semantics for."""


Evaluated = tuple[np.ndarray, "np.ndarray | None"]

_FLOAT_DTYPES = {16: np.float16, 32: np.float32, 64: np.float64}
_INT_DTYPES = {8: np.int8, 16: np.int16, 32: np.int32, 64: np.int64}


# ---------------------------------------------------------------------------------------------------------
# Types and representations


def is_float(t: Attribute) -> bool:
    return isinstance(t, AnyFloat)


def is_integer(t: Attribute) -> bool:
    return isinstance(t, IntegerType | IndexType)


def int_width(t: Attribute) -> int:
    if isinstance(t, IndexType):
        return 64
    if isinstance(t, IntegerType):
        return t.width.data
    raise UnsupportedOpError(f"{t} is not an integer type")


def is_unsigned(t: Attribute) -> bool:
    """Whether reductions and identities treat `t` as unsigned (uiN, and i1 as reducers.py does)."""
    return isinstance(t, IntegerType) and (t.signedness.data == Signedness.UNSIGNED or t.width.data == 1)


def _i64(x: np.ndarray) -> np.ndarray:
    """The bit pattern of an integer storage as int64 (bool -> 0/1)."""
    x = np.asarray(x)
    return x.astype(np.int64) if x.dtype != np.int64 else x


def wrap(x: np.ndarray, t: Attribute) -> np.ndarray:
    """An int64 (or uint64) array's low bits as the storage of integer type `t`."""
    x = np.asarray(x)
    if x.dtype == np.uint64:
        x = x.astype(np.int64)
    width = int_width(t)
    if width == 1:
        return (_i64(x) & 1).astype(bool)
    x = _i64(x)
    if width >= 64:
        return x
    sign = np.int64(1 << (width - 1))
    return ((x & np.int64((1 << width) - 1)) ^ sign) - sign


def wrap_int(value: int, t: Attribute) -> int:
    """A Python integer as the signed value of `t`'s storage (for constants and identities)."""
    width = int_width(t)
    if width == 1:
        return value & 1
    value &= (1 << width) - 1
    return value - (1 << width) if value >= 1 << (width - 1) else value


def signed(x: np.ndarray, t: Attribute) -> np.ndarray:
    """The signed value (int64) of an integer storage."""
    x = np.asarray(x)
    if x.dtype == bool:
        return -x.astype(np.int64)
    return x


def unsigned(x: np.ndarray, t: Attribute) -> np.ndarray:
    """The unsigned value of an integer storage: int64 for widths below 64, uint64 for 64-bit types."""
    x = np.asarray(x)
    if x.dtype == bool:
        return x.astype(np.int64)
    width = int_width(t)
    if width >= 64:
        return x.astype(np.uint64)
    return x & np.int64((1 << width) - 1)


def round_float(x: np.ndarray, t: Attribute) -> np.ndarray:
    """A float64 array rounded to the precision of float type `t` (f16, f32; others are kept as float64)."""
    x = np.asarray(x, dtype=np.float64)
    width = getattr(t, "bitwidth", 64)
    if isinstance(t, BFloat16Type) or width not in _FLOAT_DTYPES or width == 64:
        return x
    return x.astype(_FLOAT_DTYPES[width]).astype(np.float64)


def to_storage(array: np.ndarray, t: Attribute) -> np.ndarray:
    """A tensor's elements (numpy dtype of `t`) in the interpreter's representation."""
    array = np.asarray(array)
    if is_float(t):
        return array.astype(np.float64)
    if isinstance(t, IntegerType) and t.width.data == 1:
        return array.astype(bool)
    if is_integer(t):
        if array.dtype == np.uint64:
            return array.astype(np.int64)
        return wrap(array.astype(np.int64), t)
    raise UnsupportedOpError(f"no interpreter representation for element type {t}")


def from_storage(values: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """Storage values cast to a tensor's numpy dtype (integers keep their low bits)."""
    return np.asarray(values).astype(dtype)


def reduction_view(x: np.ndarray, t: Attribute) -> np.ndarray:
    """The values a reducer combines: floats as they are, integers signed or unsigned as the type says."""
    if is_float(t):
        return np.asarray(x)
    return unsigned(x, t) if is_unsigned(t) else signed(x, t)


# ---------------------------------------------------------------------------------------------------------
# Ops


POISON_REASONS = {
    "arith.divsi": "divides by zero",
    "arith.divui": "divides by zero",
    "arith.remsi": "divides by zero",
    "arith.remui": "divides by zero",
    "arith.floordivsi": "divides by zero",
    "arith.ceildivsi": "divides by zero",
    "arith.ceildivui": "divides by zero",
    "arith.shli": "shifts by the bit width or more",
    "arith.shrsi": "shifts by the bit width or more",
    "arith.shrui": "shifts by the bit width or more",
    "math.ipowi": "raises 0 to a negative power",
}

OpFn = Callable[[Operation, list[np.ndarray]], "Evaluated"]
OPS: dict[str, OpFn] = {}


def _op(*names: str) -> Callable[[OpFn], OpFn]:
    def register(fn: OpFn) -> OpFn:
        for name in names:
            OPS[name] = fn
        return fn

    return register


def _in_type(op: Operation, i: int = 0) -> Attribute:
    return op.operands[i].type


def _out_type(op: Operation) -> Attribute:
    return op.results[0].type


def _round_half_away(x: np.ndarray) -> np.ndarray:
    """math.round: to the nearest integer, halfway cases away from zero."""
    t = np.trunc(x)
    return np.where(np.abs(x - t) >= 0.5, t + np.sign(x), t)


_FLOAT_UNARY: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "arith.negf": np.negative,
    "math.absf": np.abs,
    "math.exp": np.exp,
    "math.exp2": np.exp2,
    "math.expm1": np.expm1,
    "math.log": np.log,
    "math.log2": np.log2,
    "math.log10": np.log10,
    "math.log1p": np.log1p,
    "math.sqrt": np.sqrt,
    "math.rsqrt": lambda x: 1.0 / np.sqrt(x),
    "math.cbrt": np.cbrt,
    "math.tanh": np.tanh,
    "math.erf": _erf,
    "math.floor": np.floor,
    "math.ceil": np.ceil,
    "math.round": _round_half_away,
    "math.roundeven": np.rint,
    "math.trunc": np.trunc,
    "math.sin": np.sin,
    "math.cos": np.cos,
    "math.tan": np.tan,
    "math.asin": np.arcsin,
    "math.acos": np.arccos,
    "math.atan": np.arctan,
    "math.sinh": np.sinh,
    "math.cosh": np.cosh,
    "math.asinh": np.arcsinh,
    "math.acosh": np.arccosh,
    "math.atanh": np.arctanh,
}

_FLOAT_BINARY: dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    "arith.addf": np.add,
    "arith.subf": np.subtract,
    "arith.mulf": np.multiply,
    "arith.divf": np.divide,
    "arith.remf": np.fmod,
    "arith.maximumf": np.maximum,
    "arith.minimumf": np.minimum,
    "arith.maxnumf": np.fmax,
    "arith.minnumf": np.fmin,
    "math.powf": np.power,
    "math.atan2": np.arctan2,
    "math.copysign": np.copysign,
}


def _float_unary(op: Operation, args: list[np.ndarray]) -> Evaluated:
    return np.asarray(_FLOAT_UNARY[op.name](args[0]), dtype=np.float64), None


def _float_binary(op: Operation, args: list[np.ndarray]) -> Evaluated:
    return np.asarray(_FLOAT_BINARY[op.name](args[0], args[1]), dtype=np.float64), None


for _name in _FLOAT_UNARY:
    OPS[_name] = _float_unary
for _name in _FLOAT_BINARY:
    OPS[_name] = _float_binary


@_op("math.fma")
def _fma(op: Operation, args: list[np.ndarray]) -> Evaluated:
    return args[0] * args[1] + args[2], None


@_op("math.fpowi")
def _fpowi(op: Operation, args: list[np.ndarray]) -> Evaluated:
    return np.power(args[0], signed(args[1], _in_type(op, 1)).astype(np.float64)), None


@_op("arith.constant")
def _constant(op: Operation, args: list[np.ndarray]) -> Evaluated:
    value = op.value  # type: ignore[attr-defined]
    t = _out_type(op)
    if isinstance(value, IntegerAttr) and is_integer(t):
        v = wrap_int(value.value.data, t)
        return (np.asarray(bool(v)) if int_width(t) == 1 else np.asarray(v, dtype=np.int64)), None
    if isinstance(value, FloatAttr) and is_float(t):
        return round_float(np.asarray(value.value.data, dtype=np.float64), t), None
    raise UnsupportedOpError(f"arith.constant of {value} (only scalar integer, index and float constants)")


# Integer arithmetic: modular on the bit patterns, wrapped to the result's width.


@_op("arith.addi", "arith.subi", "arith.muli")
def _int_ring(op: Operation, args: list[np.ndarray]) -> Evaluated:
    a, b = _i64(args[0]), _i64(args[1])
    fn = {"arith.addi": np.add, "arith.subi": np.subtract, "arith.muli": np.multiply}[op.name]
    return wrap(fn(a, b), _out_type(op)), None


@_op("arith.andi", "arith.ori", "arith.xori")
def _bitwise(op: Operation, args: list[np.ndarray]) -> Evaluated:
    fn = {"arith.andi": np.bitwise_and, "arith.ori": np.bitwise_or, "arith.xori": np.bitwise_xor}[op.name]
    a, b = np.asarray(args[0]), np.asarray(args[1])
    if a.dtype == bool and b.dtype == bool:
        return fn(a, b), None
    return wrap(fn(_i64(a), _i64(b)), _out_type(op)), None


def _safe_divisor(b: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    zero = b == 0
    if not np.any(zero):
        return b, None
    return np.where(zero, np.ones((), dtype=b.dtype), b), zero


@_op("arith.divsi", "arith.remsi", "arith.floordivsi", "arith.ceildivsi")
def _signed_division(op: Operation, args: list[np.ndarray]) -> Evaluated:
    t = _out_type(op)
    a, b = signed(args[0], t), signed(args[1], t)
    b, zero = _safe_divisor(b)
    floor = np.floor_divide(a, b)
    rem = a - floor * b
    inexact = rem != 0
    if op.name == "arith.floordivsi":
        result = floor
    elif op.name == "arith.ceildivsi":
        result = floor + inexact
    else:
        trunc = floor + (inexact & ((a < 0) != (b < 0)))
        result = trunc if op.name == "arith.divsi" else a - trunc * b
    return wrap(result, t), zero


@_op("arith.divui", "arith.remui", "arith.ceildivui")
def _unsigned_division(op: Operation, args: list[np.ndarray]) -> Evaluated:
    t = _out_type(op)
    a, b = unsigned(args[0], t), unsigned(args[1], t)
    b, zero = _safe_divisor(b)
    quotient = np.floor_divide(a, b)
    rem = a - quotient * b
    if op.name == "arith.divui":
        result = quotient
    elif op.name == "arith.remui":
        result = rem
    else:
        result = quotient + (rem != 0).astype(quotient.dtype)
    return wrap(result, t), zero


@_op("arith.maxsi", "arith.minsi", "arith.maxui", "arith.minui")
def _int_minmax(op: Operation, args: list[np.ndarray]) -> Evaluated:
    t = _out_type(op)
    view = signed if op.name.endswith("si") else unsigned
    fn = np.maximum if "max" in op.name else np.minimum
    return wrap(fn(view(args[0], t), view(args[1], t)), t), None


@_op("arith.shli", "arith.shrsi", "arith.shrui")
def _shift(op: Operation, args: list[np.ndarray]) -> Evaluated:
    t = _out_type(op)
    width = int_width(t)
    amount = unsigned(args[1], t)
    too_far = amount >= width
    amount = np.where(too_far, 0, amount).astype(np.int64)
    poison = too_far if np.any(too_far) else None
    if op.name == "arith.shli":
        return wrap(np.left_shift(_i64(args[0]), amount), t), poison
    if op.name == "arith.shrsi":
        return wrap(np.right_shift(signed(args[0], t), amount), t), poison
    value = unsigned(args[0], t)
    return wrap(np.right_shift(value, amount.astype(value.dtype)), t), poison


_CMPI = ("eq", "ne", "slt", "sle", "sgt", "sge", "ult", "ule", "ugt", "uge")
_CMPF = ("false", "oeq", "ogt", "oge", "olt", "ole", "one", "ord", "ueq", "ugt", "uge", "ult", "ule", "une", "uno", "true")
_COMPARE = {"eq": np.equal, "ne": np.not_equal, "lt": np.less, "le": np.less_equal, "gt": np.greater, "ge": np.greater_equal}


@_op("arith.cmpi")
def _cmpi(op: Operation, args: list[np.ndarray]) -> Evaluated:
    t = _in_type(op)
    predicate = _CMPI[op.predicate.value.data]  # type: ignore[attr-defined]
    if predicate in ("eq", "ne"):
        a, b = _i64(args[0]), _i64(args[1])
        return _COMPARE[predicate](a, b), None
    view = signed if predicate[0] == "s" else unsigned
    return _COMPARE[predicate[1:]](view(args[0], t), view(args[1], t)), None


@_op("arith.cmpf")
def _cmpf(op: Operation, args: list[np.ndarray]) -> Evaluated:
    predicate = _CMPF[op.predicate.value.data]  # type: ignore[attr-defined]
    a, b = np.asarray(args[0]), np.asarray(args[1])
    unordered = np.isnan(a) | np.isnan(b)
    if predicate in ("false", "true"):
        return np.full(unordered.shape, predicate == "true"), None
    if predicate == "ord":
        return ~unordered, None
    if predicate == "uno":
        return unordered, None
    if predicate == "one":
        return (a != b) & ~unordered, None
    if predicate == "une":
        return (a != b) | unordered, None
    compared = _COMPARE[predicate[1:]](a, b)
    return (compared & ~unordered if predicate[0] == "o" else compared | unordered), None


@_op("arith.select")
def _select(op: Operation, args: list[np.ndarray]) -> Evaluated:
    return np.where(args[0], args[1], args[2]), None


# Conversions


@_op("arith.index_cast")
def _index_cast(op: Operation, args: list[np.ndarray]) -> Evaluated:
    return wrap(signed(args[0], _in_type(op)), _out_type(op)), None


@_op("arith.extsi")
def _extsi(op: Operation, args: list[np.ndarray]) -> Evaluated:
    return wrap(signed(args[0], _in_type(op)), _out_type(op)), None


@_op("arith.extui")
def _extui(op: Operation, args: list[np.ndarray]) -> Evaluated:
    return wrap(unsigned(args[0], _in_type(op)), _out_type(op)), None


@_op("arith.trunci")
def _trunci(op: Operation, args: list[np.ndarray]) -> Evaluated:
    return wrap(_i64(args[0]), _out_type(op)), None


@_op("arith.sitofp")
def _sitofp(op: Operation, args: list[np.ndarray]) -> Evaluated:
    return round_float(signed(args[0], _in_type(op)).astype(np.float64), _out_type(op)), None


@_op("arith.uitofp")
def _uitofp(op: Operation, args: list[np.ndarray]) -> Evaluated:
    return round_float(unsigned(args[0], _in_type(op)).astype(np.float64), _out_type(op)), None


_TWO_63 = float(2**63)


@_op("arith.fptosi", "arith.fptoui")
def _fptoint(op: Operation, args: list[np.ndarray]) -> Evaluated:
    """Toward zero; out of range is undefined in arith: here NaN gives 0 and values saturate to 64 bits, then wrap."""
    x = np.trunc(np.nan_to_num(np.asarray(args[0], dtype=np.float64), nan=0.0))
    if op.name == "arith.fptoui":
        x = np.where(x >= _TWO_63, x - 2.0 * _TWO_63, x)
    x = np.clip(x, -_TWO_63, np.nextafter(_TWO_63, 0.0))
    return wrap(x.astype(np.int64), _out_type(op)), None


@_op("arith.extf")
def _extf(op: Operation, args: list[np.ndarray]) -> Evaluated:
    return np.asarray(args[0], dtype=np.float64), None


@_op("arith.truncf")
def _truncf(op: Operation, args: list[np.ndarray]) -> Evaluated:
    return round_float(args[0], _out_type(op)), None


@_op("arith.bitcast")
def _bitcast(op: Operation, args: list[np.ndarray]) -> Evaluated:
    source, target = _in_type(op), _out_type(op)
    if is_float(source) == is_float(target):
        return np.asarray(args[0]), None
    float_type = source if is_float(source) else target
    width = getattr(float_type, "bitwidth", 0)
    if isinstance(float_type, BFloat16Type) or width not in _FLOAT_DTYPES:
        raise UnsupportedOpError(f"arith.bitcast {source} -> {target}")
    fdtype, idtype = _FLOAT_DTYPES[width], _INT_DTYPES[width]
    if is_float(source):
        bits = np.asarray(args[0]).astype(fdtype).view(idtype)
        return wrap(bits.astype(np.int64), target), None
    return _i64(args[0]).astype(idtype).view(fdtype).astype(np.float64), None


# Integer math


@_op("math.absi")
def _absi(op: Operation, args: list[np.ndarray]) -> Evaluated:
    t = _out_type(op)
    return wrap(np.abs(signed(args[0], t)), t), None


@_op("math.ctpop", "math.ctlz", "math.cttz")
def _bit_count(op: Operation, args: list[np.ndarray]) -> Evaluated:
    t = _out_type(op)
    width = int_width(t)
    bits = unsigned(args[0], t).astype(np.uint64)
    one = np.uint64(1)
    if op.name == "math.ctpop":
        count = np.zeros(bits.shape, dtype=np.int64)
        for i in range(width):
            count += ((bits >> np.uint64(i)) & one).astype(np.int64)
        return wrap(count, t), None
    order = range(width - 1, -1, -1) if op.name == "math.ctlz" else range(width)
    count = np.zeros(bits.shape, dtype=np.int64)
    done = np.zeros(bits.shape, dtype=bool)
    for i in order:
        done |= ((bits >> np.uint64(i)) & one).astype(bool)
        count += ~done
    return wrap(count, t), None


@_op("math.ipowi")
def _ipowi(op: Operation, args: list[np.ndarray]) -> Evaluated:
    t = _out_type(op)
    base, exponent = np.broadcast_arrays(signed(args[0], t), signed(args[1], t))
    negative = exponent < 0
    result = np.power(base, np.where(negative, 0, exponent))  # int64 power wraps like repeated multiplication
    if np.any(negative):
        # b ** -n: 1 for b == 1, +-1 for b == -1, 0 otherwise (0 ** -n has no value)
        odd = (exponent & 1) == 1
        small = np.where(base == 1, 1, np.where(base == -1, np.where(odd, -1, 1), 0))
        result = np.where(negative, small, result)
        zero = negative & (base == 0)
        return wrap(result, t), (zero if np.any(zero) else None)
    return wrap(result, t), None


def evaluate_op(op: Operation, args: list[np.ndarray]) -> Evaluated:
    """One scalar op over arrays of its operands' storage: its result storage and where it is poison."""
    fn = OPS.get(op.name)
    if fn is None or len(op.results) != 1 or op.regions:
        raise UnsupportedOpError(op.name)
    return fn(op, args)


SUPPORTED_OPS = tuple(sorted(OPS))

__all__ = [
    "OPS",
    "POISON_REASONS",
    "SUPPORTED_OPS",
    "UnsupportedOpError",
    "evaluate_op",
    "from_storage",
    "is_float",
    "is_integer",
    "is_unsigned",
    "reduction_view",
    "round_float",
    "signed",
    "to_storage",
    "unsigned",
    "wrap",
    "wrap_int",
]
