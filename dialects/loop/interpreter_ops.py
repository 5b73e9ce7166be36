"""Scalar semantics of the loop interpreter: value types, runtime helpers, and Python expressions per op.

The interpreter (dialects/loop/interpreter.py) translates a loop.func into Python source. This module
says what each `arith`/`math` op becomes: `EMITTERS[op.name](op, args, t)` returns a Python expression
over the operand expressions `args` (names or literals), evaluated with the helpers of `RUNTIME` in scope.

Values at run time:
  * float (f16/f32/f64): Python float, i.e. computed in float64; rounded to the type by constants,
    truncf, sitofp/uitofp and by the store into a buffer. IEEE results (inf/nan) instead of Python's
    ZeroDivisionError/OverflowError/ValueError.
  * integer iN: Python int in the canonical range of the type (signless/signed: two's complement,
    [-2^(N-1), 2^(N-1)); unsigned types: [0, 2^N)); every result wraps. i1 is a Python bool.
  * index: Python int, unbounded (no wrapping).
  * vector<n x T>: a list (or tuple) of n scalars as above; ops on vectors work lane by lane with exactly
    the scalar semantics, so vectorized and scalar code compute bit-identical values.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from xdsl.dialects import builtin
from xdsl.ir import Attribute, Operation

__all__ = ["EMITTERS", "RUNTIME", "Scalar", "UnsupportedType", "float_literal", "round_float", "scalar_of"]


class UnsupportedType(Exception):
    """A type the interpreter has no run-time representation for."""


@dataclass(frozen=True)
class Scalar:
    """The run-time class of a scalar type: kind 'f' (float), 'i' (integer) or 'index'."""

    kind: str
    width: int
    signed: bool = True  # integers: canonical range signed (signless and signed types) or unsigned

    @property
    def is_bool(self) -> bool:
        return self.kind == "i" and self.width == 1


INDEX = Scalar("index", 64)


def scalar_of(t: Attribute) -> Scalar:
    """The scalar class of a type, or of a vector type's element type."""
    if isinstance(t, builtin.VectorType):
        t = t.element_type
    if isinstance(t, builtin.IndexType):
        return INDEX
    if isinstance(t, builtin.IntegerType):
        return Scalar("i", t.width.data, t.signedness.data != builtin.Signedness.UNSIGNED)
    if isinstance(t, builtin.Float16Type | builtin.Float32Type | builtin.Float64Type):
        return Scalar("f", t.bitwidth)
    raise UnsupportedType(f"the loop interpreter does not support values of type {t}")


# ---------------------------------------------------------------------------------------------------
# Run-time helpers (the namespace the generated code runs in).

_INF = math.inf
_NAN = math.nan
_f32_scratch = memoryview(bytearray(4)).cast("f")
_f16_scratch = np.zeros(1, np.float16)


def _r32(x: float) -> float:
    """Round a Python float to float32 (overflow gives inf, as a C cast does)."""
    _f32_scratch[0] = x
    return _f32_scratch[0]


def _r16(x: float) -> float:
    with np.errstate(all="ignore"):
        _f16_scratch[0] = x
    return float(_f16_scratch[0])


def round_float(value: float, width: int) -> float:
    """`value` rounded to the float type of `width` bits."""
    if width == 32:
        return _r32(value)
    if width == 16:
        return _r16(value)
    return float(value)


def float_literal(value: float) -> str:
    """A Python expression for a float constant (inf/nan through the helper names)."""
    if value != value:
        return "_NAN"
    if value == _INF:
        return "_INF"
    if value == -_INF:
        return "(-_INF)"
    text = repr(float(value))
    return f"({text})" if text.startswith("-") else text


def _fdiv0(a: float, b: float) -> float:
    """a / b where b is ±0 (IEEE: ±inf, or nan for 0/0 and nan/0)."""
    if a != a or a == 0.0:
        return _NAN
    return math.copysign(_INF, a) * math.copysign(1.0, b)


def _remf(a: float, b: float) -> float:
    """C fmod: the remainder with the dividend's sign; nan for x/0 and inf/y."""
    try:
        return math.fmod(a, b)
    except ValueError:
        return _NAN


def _maximumf(a: float, b: float) -> float:
    """The slow path of maximumf (operands equal or nan): nan propagates, max(-0, +0) = +0."""
    if a != a or b != b:
        return _NAN
    return b if math.copysign(1.0, a) < 0 else a


def _minimumf(a: float, b: float) -> float:
    if a != a or b != b:
        return _NAN
    return a if math.copysign(1.0, a) < 0 else b


def _maxnumf(a: float, b: float) -> float:
    """The slow path of maxnumf: a nan operand yields the other operand."""
    if a != a:
        return b
    if b != b:
        return a
    return b if math.copysign(1.0, a) < 0 else a


def _minnumf(a: float, b: float) -> float:
    if a != a:
        return b
    if b != b:
        return a
    return a if math.copysign(1.0, a) < 0 else b


def _fptoi(x: float, lo: int, hi: int) -> int:
    """Float to integer, truncating toward zero; saturates at the type's range, nan gives 0."""
    if x != x:
        return 0
    if x >= hi:
        return hi
    if x <= lo:
        return lo
    return int(x)


def _exp_slow(x: float) -> float:
    try:
        return math.exp(x)
    except OverflowError:
        return _INF


def _exp2(x: float) -> float:
    try:
        return math.exp2(x)
    except OverflowError:
        return _INF


def _expm1_slow(x: float) -> float:
    try:
        return math.expm1(x)
    except OverflowError:
        return _INF


def _log_slow(x: float) -> float:
    """log of x <= 0 or nan: -inf at zero, nan below."""
    if x == 0.0:
        return -_INF
    return _NAN


def _log1p_slow(x: float) -> float:
    if x == -1.0:
        return -_INF
    return _NAN


def _rsqrt(x: float) -> float:
    if x > 0.0:
        return 1.0 / math.sqrt(x)
    if x == 0.0:
        return math.copysign(_INF, x)
    return _NAN


def _guard(fn: Callable[..., float]) -> Callable[..., float]:
    """`fn` with nan (or the IEEE overflow value) instead of Python's domain/overflow exceptions."""

    def guarded(*args: float) -> float:
        try:
            return fn(*args)
        except ValueError:
            return _NAN
        except OverflowError:
            with np.errstate(all="ignore"):
                return float(getattr(np, fn.__name__)(*(np.float64(a) for a in args)))

    guarded.__name__ = fn.__name__
    return guarded


def _atanh(x: float) -> float:
    if x == 1.0 or x == -1.0:
        return math.copysign(_INF, x)
    try:
        return math.atanh(x)
    except ValueError:
        return _NAN


def _powf(a: float, b: float) -> float:
    try:
        return math.pow(a, b)
    except (ValueError, OverflowError):
        with np.errstate(all="ignore"):
            return float(np.power(np.float64(a), np.float64(b)))


def _ipowi(a: int, b: int, modulus: int) -> int:
    """Integer power modulo 2^width; a negative exponent gives 1/a^-b truncated (0 unless a is ±1)."""
    if b >= 0:
        return pow(a, b, modulus)
    if a == 1:
        return 1
    if a == -1:
        return 1 if b % 2 == 0 else -1
    return 0


_TWO52 = 4503599627370496.0  # floats at or above 2^52 in magnitude are integers


def _floor(x: float) -> float:
    if -_TWO52 < x < _TWO52:
        return math.copysign(float(math.floor(x)), x)
    return x


def _ceil(x: float) -> float:
    if -_TWO52 < x < _TWO52:
        return math.copysign(float(math.ceil(x)), x)
    return x


def _trunc(x: float) -> float:
    if -_TWO52 < x < _TWO52:
        return math.copysign(float(math.trunc(x)), x)
    return x


def _round(x: float) -> float:
    """Round half away from zero."""
    if -_TWO52 < x < _TWO52:
        t = float(math.trunc(x))
        if abs(x - t) >= 0.5:
            t += math.copysign(1.0, x)
        return math.copysign(t, x)
    return x


def _roundeven(x: float) -> float:
    if -_TWO52 < x < _TWO52:
        return math.copysign(float(round(x)), x)
    return x


def _cbrt(x: float) -> float:
    return math.cbrt(x)


def _ctlz(u: int, width: int) -> int:
    return width - u.bit_length()


def _cttz(u: int, width: int) -> int:
    return (u & -u).bit_length() - 1 if u else width


def _ctpop(u: int) -> int:
    return bin(u).count("1")


def _vinsert(vector: Sequence[object], position: int, value: object) -> list[object]:
    out = list(vector)
    out[position] = value
    return out


RUNTIME: dict[str, object] = {
    "_INF": _INF,
    "_NAN": _NAN,
    "_r32": _r32,
    "_r16": _r16,
    "_fdiv0": _fdiv0,
    "_remf": _remf,
    "_maximumf": _maximumf,
    "_minimumf": _minimumf,
    "_maxnumf": _maxnumf,
    "_minnumf": _minnumf,
    "_fptoi": _fptoi,
    "_exp": math.exp,
    "_exp_slow": _exp_slow,
    "_exp2": _exp2,
    "_expm1": math.expm1,
    "_expm1_slow": _expm1_slow,
    "_log": math.log,
    "_log2": math.log2,
    "_log10": math.log10,
    "_log1p": math.log1p,
    "_log_slow": _log_slow,
    "_log1p_slow": _log1p_slow,
    "_sqrt": math.sqrt,
    "_rsqrt": _rsqrt,
    "_tanh": math.tanh,
    "_erf": math.erf,
    "_atan": math.atan,
    "_atan2": math.atan2,
    "_asinh": math.asinh,
    "_sin": math.sin,
    "_cos": math.cos,
    "_tan": math.tan,
    "_acos": _guard(math.acos),
    "_asin": _guard(math.asin),
    "_acosh": _guard(math.acosh),
    "_atanh": _atanh,
    "_cosh": _guard(math.cosh),
    "_sinh": _guard(math.sinh),
    "_powf": _powf,
    "_ipowi": _ipowi,
    "_floor": _floor,
    "_ceil": _ceil,
    "_trunc": _trunc,
    "_round": _round,
    "_roundeven": _roundeven,
    "_cbrt": _cbrt,
    "_copysign": math.copysign,
    "_ctlz": _ctlz,
    "_cttz": _cttz,
    "_ctpop": _ctpop,
    "_vinsert": _vinsert,
}


# ---------------------------------------------------------------------------------------------------
# Expression builders.


def wrap(t: Scalar, expr: str) -> str:
    """`expr` (an exact integer) wrapped into the canonical range of t."""
    if t.kind == "index":
        return f"({expr})"
    if t.is_bool:
        return f"bool(({expr}) & 1)"
    mask = (1 << t.width) - 1
    if not t.signed:
        return f"(({expr}) & {mask})"
    half = 1 << (t.width - 1)
    return f"((({expr}) + {half} & {mask}) - {half})"


def signed(t: Scalar, x: str) -> str:
    """The two's complement (signed) reading of integer value x."""
    if t.kind == "index" or (t.signed and not t.is_bool):
        return x
    if t.is_bool:
        return f"(-{x})"
    half, mask = 1 << (t.width - 1), (1 << t.width) - 1
    return f"(({x} + {half} & {mask}) - {half})"


def unsigned(t: Scalar, x: str) -> str:
    """The unsigned reading of integer value x."""
    if t.is_bool or (t.kind == "i" and not t.signed):
        return x
    return f"({x} & {(1 << t.width) - 1})"


def fround(t: Scalar, expr: str) -> str:
    """A float expression rounded to float type t."""
    if t.width == 32:
        return f"_r32({expr})"
    if t.width == 16:
        return f"_r16({expr})"
    return expr


def _zero(t: Scalar) -> str:
    return "False" if t.is_bool else "0"


@dataclass(frozen=True)
class Types:
    """The scalar classes of an op's operands and (first) result."""

    operands: tuple[Scalar, ...]
    result: Scalar | None


Emitter = Callable[[Operation, Sequence[str], Types], str]


def _binary_int(template: Callable[[Scalar, str, str], str]) -> Emitter:
    def emit(op: Operation, args: Sequence[str], t: Types) -> str:
        r = t.result
        assert r is not None
        return wrap(r, template(r, args[0], args[1]))

    return emit


def _divsi(r: Scalar, a: str, b: str) -> str:
    a, b = signed(r, a), signed(r, b)
    return f"{a} // {b} if ({a} < 0) == ({b} < 0) else -(-{a} // {b})"


def _remsi(r: Scalar, a: str, b: str) -> str:
    a, b = signed(r, a), signed(r, b)
    return f"{a} % {b} if ({a} < 0) == ({b} < 0) else -(-{a} % {b})"


def _shli(op: Operation, args: Sequence[str], t: Types) -> str:
    r = t.result
    assert r is not None
    amount = unsigned(r, args[1])
    return f"({wrap(r, f'{args[0]} << {amount}')} if {amount} < {r.width} else {_zero(r)})"


def _select_by(compare: Callable[[Scalar, str, str], str]) -> Emitter:
    """max/min on integers: compare the operands' readings, return the winning operand."""

    def emit(op: Operation, args: Sequence[str], t: Types) -> str:
        r = t.result
        assert r is not None
        return f"({args[0]} if {compare(r, args[0], args[1])} else {args[1]})"

    return emit


def _float_binary(symbol: str) -> Emitter:
    return lambda op, args, t: f"({args[0]} {symbol} {args[1]})"


def _divf(op: Operation, args: Sequence[str], t: Types) -> str:
    a, b = args
    return f"({a} / {b} if {b} else _fdiv0({a}, {b}))"


def _minmax_f(fast: str, slow: str) -> Emitter:
    """max-like: `a if a > b else b if b > a else slow(a, b)` (slow handles equal operands and nan)."""

    def emit(op: Operation, args: Sequence[str], t: Types) -> str:
        a, b = args
        return f"({a} if {a} {fast} {b} else {b} if {b} {fast} {a} else {slow}({a}, {b}))"

    return emit


_CMPI = {
    0: lambda t, a, b: f"{a} == {b}",
    1: lambda t, a, b: f"{a} != {b}",
    2: lambda t, a, b: f"{signed(t, a)} < {signed(t, b)}",
    3: lambda t, a, b: f"{signed(t, a)} <= {signed(t, b)}",
    4: lambda t, a, b: f"{signed(t, a)} > {signed(t, b)}",
    5: lambda t, a, b: f"{signed(t, a)} >= {signed(t, b)}",
    6: lambda t, a, b: f"{unsigned(t, a)} < {unsigned(t, b)}",
    7: lambda t, a, b: f"{unsigned(t, a)} <= {unsigned(t, b)}",
    8: lambda t, a, b: f"{unsigned(t, a)} > {unsigned(t, b)}",
    9: lambda t, a, b: f"{unsigned(t, a)} >= {unsigned(t, b)}",
}

# Python comparisons with a nan operand are False except `!=`, which is exactly the ordered
# predicates; the unordered ones are negations of ordered ones.
_CMPF = {
    0: lambda a, b: "False",
    1: lambda a, b: f"{a} == {b}",  # oeq
    2: lambda a, b: f"{a} > {b}",  # ogt
    3: lambda a, b: f"{a} >= {b}",  # oge
    4: lambda a, b: f"{a} < {b}",  # olt
    5: lambda a, b: f"{a} <= {b}",  # ole
    6: lambda a, b: f"({a} < {b} or {a} > {b})",  # one
    7: lambda a, b: f"({a} == {a} and {b} == {b})",  # ord
    8: lambda a, b: f"not ({a} < {b} or {a} > {b})",  # ueq
    9: lambda a, b: f"not {a} <= {b}",  # ugt
    10: lambda a, b: f"not {a} < {b}",  # uge
    11: lambda a, b: f"not {a} >= {b}",  # ult
    12: lambda a, b: f"not {a} > {b}",  # ule
    13: lambda a, b: f"{a} != {b}",  # une
    14: lambda a, b: f"({a} != {a} or {b} != {b})",  # uno
    15: lambda a, b: "True",
}


def _predicate(op: Operation) -> int:
    return op.predicate.value.data  # type: ignore[attr-defined]


def _cmpi(op: Operation, args: Sequence[str], t: Types) -> str:
    return f"({_CMPI[_predicate(op)](t.operands[0], args[0], args[1])})"


def _cmpf(op: Operation, args: Sequence[str], t: Types) -> str:
    return f"({_CMPF[_predicate(op)](args[0], args[1])})"


def _select(op: Operation, args: Sequence[str], t: Types) -> str:
    return f"({args[1]} if {args[0]} else {args[2]})"


def _index_cast(op: Operation, args: Sequence[str], t: Types) -> str:
    source, r = t.operands[0], t.result
    assert r is not None
    if r.kind == "index":
        return f"({signed(source, args[0])})"
    return wrap(r, args[0])


def _int_range(r: Scalar, as_signed: bool) -> tuple[int, int]:
    if as_signed:
        return -(1 << (r.width - 1)), (1 << (r.width - 1)) - 1
    return 0, (1 << r.width) - 1


def _fptoi(as_signed: bool) -> Emitter:
    def emit(op: Operation, args: Sequence[str], t: Types) -> str:
        r = t.result
        assert r is not None
        lo, hi = _int_range(r, as_signed)
        return wrap(r, f"_fptoi({args[0]}, {lo}, {hi})")

    return emit


def _itofp(as_signed: bool) -> Emitter:
    def emit(op: Operation, args: Sequence[str], t: Types) -> str:
        r = t.result
        assert r is not None
        source = t.operands[0]
        value = signed(source, args[0]) if as_signed else unsigned(source, args[0])
        return fround(r, f"float({value})")

    return emit


def _ext(as_signed: bool) -> Emitter:
    def emit(op: Operation, args: Sequence[str], t: Types) -> str:
        r = t.result
        assert r is not None
        source = t.operands[0]
        return wrap(r, signed(source, args[0]) if as_signed else unsigned(source, args[0]))

    return emit


def _trunci(op: Operation, args: Sequence[str], t: Types) -> str:
    assert t.result is not None
    return wrap(t.result, args[0])


def _truncf(op: Operation, args: Sequence[str], t: Types) -> str:
    assert t.result is not None
    return fround(t.result, args[0])


def _identity(op: Operation, args: Sequence[str], t: Types) -> str:
    return args[0]


def _call(helper: str) -> Emitter:
    return lambda op, args, t: f"{helper}({', '.join(args)})"


def _guarded_unary(fast: str, condition: str, slow: str) -> Emitter:
    """`fast(x) if <condition on x> else slow(x)`: the common case inline, special values in a helper."""

    def emit(op: Operation, args: Sequence[str], t: Types) -> str:
        x = args[0]
        return f"({fast}({x}) if {condition.format(x=x)} else {slow}({x}))"

    return emit


def _finite_only(fn: str) -> Emitter:
    """sin/cos/tan: nan for ±inf (Python raises)."""
    return lambda op, args, t: f"({fn}({args[0]}) if -_INF < {args[0]} < _INF else _NAN)"


def _absi(op: Operation, args: Sequence[str], t: Types) -> str:
    assert t.result is not None
    return wrap(t.result, f"abs({signed(t.result, args[0])})")


def _ipowi(op: Operation, args: Sequence[str], t: Types) -> str:
    r = t.result
    assert r is not None
    a, b = signed(r, args[0]), signed(r, args[1])
    modulus = 1 << 64 if r.kind == "index" else 1 << r.width
    return wrap(r, f"_ipowi({a}, {b}, {modulus})")


def _fpowi(op: Operation, args: Sequence[str], t: Types) -> str:
    return f"_powf({args[0]}, float({signed(t.operands[1], args[1])}))"


def _bit_count(kind: str) -> Emitter:
    def emit(op: Operation, args: Sequence[str], t: Types) -> str:
        r = t.result
        assert r is not None
        u = unsigned(r, args[0])
        if kind == "ctpop":
            return wrap(r, f"_ctpop({u})")
        return wrap(r, f"_{kind}({u}, {r.width})")

    return emit


EMITTERS: dict[str, Emitter] = {
    # arith: integers
    "arith.addi": _binary_int(lambda r, a, b: f"{a} + {b}"),
    "arith.subi": _binary_int(lambda r, a, b: f"{a} - {b}"),
    "arith.muli": _binary_int(lambda r, a, b: f"{a} * {b}"),
    "arith.divsi": _binary_int(_divsi),
    "arith.divui": _binary_int(lambda r, a, b: f"{unsigned(r, a)} // {unsigned(r, b)}"),
    "arith.remsi": _binary_int(_remsi),
    "arith.remui": _binary_int(lambda r, a, b: f"{unsigned(r, a)} % {unsigned(r, b)}"),
    "arith.floordivsi": _binary_int(lambda r, a, b: f"{signed(r, a)} // {signed(r, b)}"),
    "arith.ceildivsi": _binary_int(lambda r, a, b: f"-(-{signed(r, a)} // {signed(r, b)})"),
    "arith.ceildivui": _binary_int(lambda r, a, b: f"-(-{unsigned(r, a)} // {unsigned(r, b)})"),
    "arith.andi": lambda op, args, t: f"({args[0]} & {args[1]})",
    "arith.ori": lambda op, args, t: f"({args[0]} | {args[1]})",
    "arith.xori": lambda op, args, t: f"({args[0]} ^ {args[1]})",
    "arith.shli": _shli,
    "arith.shrsi": _binary_int(lambda r, a, b: f"{signed(r, a)} >> {unsigned(r, b)}"),
    "arith.shrui": _binary_int(lambda r, a, b: f"{unsigned(r, a)} >> {unsigned(r, b)}"),
    "arith.maxsi": _select_by(lambda r, a, b: f"{signed(r, a)} >= {signed(r, b)}"),
    "arith.minsi": _select_by(lambda r, a, b: f"{signed(r, a)} <= {signed(r, b)}"),
    "arith.maxui": _select_by(lambda r, a, b: f"{unsigned(r, a)} >= {unsigned(r, b)}"),
    "arith.minui": _select_by(lambda r, a, b: f"{unsigned(r, a)} <= {unsigned(r, b)}"),
    "arith.cmpi": _cmpi,
    "arith.select": _select,
    # arith: floats
    "arith.addf": _float_binary("+"),
    "arith.subf": _float_binary("-"),
    "arith.mulf": _float_binary("*"),
    "arith.divf": _divf,
    "arith.remf": _call("_remf"),
    "arith.negf": lambda op, args, t: f"(-{args[0]})",
    "arith.maximumf": _minmax_f(">", "_maximumf"),
    "arith.minimumf": _minmax_f("<", "_minimumf"),
    "arith.maxnumf": _minmax_f(">", "_maxnumf"),
    "arith.minnumf": _minmax_f("<", "_minnumf"),
    "arith.cmpf": _cmpf,
    # arith: casts
    "arith.index_cast": _index_cast,
    "arith.sitofp": _itofp(True),
    "arith.uitofp": _itofp(False),
    "arith.fptosi": _fptoi(True),
    "arith.fptoui": _fptoi(False),
    "arith.extf": _identity,
    "arith.truncf": _truncf,
    "arith.extsi": _ext(True),
    "arith.extui": _ext(False),
    "arith.trunci": _trunci,
    # math
    "math.exp": _guarded_unary("_exp", "{x} < 709.0", "_exp_slow"),
    "math.exp2": _call("_exp2"),
    "math.expm1": _guarded_unary("_expm1", "{x} < 709.0", "_expm1_slow"),
    "math.log": _guarded_unary("_log", "{x} > 0.0", "_log_slow"),
    "math.log2": _guarded_unary("_log2", "{x} > 0.0", "_log_slow"),
    "math.log10": _guarded_unary("_log10", "{x} > 0.0", "_log_slow"),
    "math.log1p": _guarded_unary("_log1p", "{x} > -1.0", "_log1p_slow"),
    "math.sqrt": lambda op, args, t: f"(_sqrt({args[0]}) if {args[0]} >= 0.0 else _NAN)",
    "math.rsqrt": _call("_rsqrt"),
    "math.tanh": _call("_tanh"),
    "math.erf": _call("_erf"),
    "math.atan": _call("_atan"),
    "math.atan2": _call("_atan2"),
    "math.asinh": _call("_asinh"),
    "math.acos": _call("_acos"),
    "math.asin": _call("_asin"),
    "math.acosh": _call("_acosh"),
    "math.atanh": _call("_atanh"),
    "math.cosh": _call("_cosh"),
    "math.sinh": _call("_sinh"),
    "math.sin": _finite_only("_sin"),
    "math.cos": _finite_only("_cos"),
    "math.tan": _finite_only("_tan"),
    "math.absf": lambda op, args, t: f"abs({args[0]})",
    "math.absi": _absi,
    "math.powf": _call("_powf"),
    "math.fpowi": _fpowi,
    "math.ipowi": _ipowi,
    "math.fma": lambda op, args, t: f"({args[0]} * {args[1]} + {args[2]})",
    "math.floor": _call("_floor"),
    "math.ceil": _call("_ceil"),
    "math.trunc": _call("_trunc"),
    "math.round": _call("_round"),
    "math.roundeven": _call("_roundeven"),
    "math.cbrt": _call("_cbrt"),
    "math.copysign": _call("_copysign"),
    "math.ctlz": _bit_count("ctlz"),
    "math.cttz": _bit_count("cttz"),
    "math.ctpop": _bit_count("ctpop"),
}

# vector.reduction kinds: how two lanes combine, as the scalar op that does it.
REDUCTION_OPS: dict[str, str] = {
    "add": "arith.add",  # addi or addf by element type
    "mul": "arith.mul",
    "and": "arith.andi",
    "or": "arith.ori",
    "xor": "arith.xori",
    "minui": "arith.minui",
    "minsi": "arith.minsi",
    "maxui": "arith.maxui",
    "maxsi": "arith.maxsi",
    "minnumf": "arith.minnumf",
    "maxnumf": "arith.maxnumf",
    "minimumf": "arith.minimumf",
    "maximumf": "arith.maximumf",
}
