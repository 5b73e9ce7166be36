"""Elementwise and broadcasting operators (TOPI's elemwise/broadcast): te computes with the graph ops' numpy semantics.

Result dtypes follow the graph ops' `evaluate`: math on integer tensors runs in the float type numpy's ufunc
loop uses (float16 for 8-bit integers, float32 for int16, float64 otherwise) and truncates back; float16
math runs in float32 and rounds, as numpy's half loops do. Bool tensors are only accepted by `cast` and as
`where`'s condition. Float32 erf (and gelu) is a rational approximation (fast_erf, max error 4.5e-7) that
vectorizes: libm's erff is a scalar call per element.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import cast as type_cast

import numpy as np
from xdsl.dialects import builtin
from xdsl.ir import Attribute, Operation

from tessel.dialects.graph.dtypes import numpy_dtype
from tessel.frontends import te
from tessel.frontends.te_expr import is_float, is_unsigned, normalize_dtype
from tessel.ops.registry import BROADCAST_TAG, ELEMWISE_TAG, OpsError, register_compute

__all__ = [
    "add",
    "broadcast_shape",
    "cast",
    "clip",
    "divide",
    "erf",
    "exp",
    "gelu",
    "leaky_relu",
    "log",
    "maximum",
    "minimum",
    "multiply",
    "power",
    "relu",
    "sigmoid",
    "sqrt",
    "subtract",
    "tanh",
    "where",
]

Index = tuple[te.Expr, ...]
FloatFn = Callable[[te.Expr], te.Expr]


# ----------------------------------------------------------------------------- helpers


def dtype_of(element_type: Attribute, what: str) -> str:
    """The te dtype of an IR element type (index is int64)."""
    try:
        return normalize_dtype(numpy_dtype(element_type))
    except (NotImplementedError, te.TeError) as err:
        raise OpsError(f"{what}: element type {element_type} has no te dtype") from err


def check_results(op: Operation, outputs: list[te.Tensor]) -> list[te.Tensor]:
    """`outputs`, after checking they have the shapes and dtypes of `op`'s results (OpsError otherwise)."""
    for index, (result, tensor) in enumerate(zip(op.results, outputs, strict=True)):
        result_type = type_cast(builtin.TensorType[Attribute], result.type)
        shape = tuple(result_type.get_shape())
        dtype = dtype_of(result_type.element_type, op.name)
        if tuple(tensor.shape) != shape or tensor.dtype != dtype:
            raise OpsError(
                f"{op.name}: result {index} is {dtype}{list(shape)}, its compute made {tensor.dtype}{list(tensor.shape)}"
            )
    return outputs


def _numeric(what: str, *tensors: te.Tensor) -> str:
    """The tensors' common dtype; OpsError for bool tensors or differing dtypes."""
    dtypes = {t.dtype for t in tensors}
    if len(dtypes) != 1:
        raise OpsError(f"{what}: operands have different dtypes {sorted(dtypes)}")
    (dtype,) = dtypes
    if dtype == "bool":
        raise OpsError(f"{what}: bool tensors are not supported; cast them to a number type first")
    return dtype


def broadcast_shape(*shapes: Sequence[int]) -> tuple[int, ...]:
    """NumPy broadcasting of `shapes`; OpsError naming the mismatching dimension."""
    rank = max(len(s) for s in shapes)
    result: list[int] = []
    for position in range(rank, 0, -1):
        sizes = {s[-position] for s in shapes if position <= len(s)} - {1}
        if len(sizes) > 1:
            raise OpsError(
                f"broadcast: shapes {[tuple(s) for s in shapes]} do not broadcast (dimension -{position}: {sorted(sizes)})"
            )
        result.append(sizes.pop() if sizes else 1)
    return tuple(result)


def broadcast_read(tensor: te.Tensor, index: Index) -> te.Expr:
    """`tensor`'s element broadcast to the output `index`: leading dims dropped, size-1 dims read at 0."""
    offset = len(index) - tensor.ndim
    return tensor[tuple(0 if size == 1 else index[offset + dim] for dim, size in enumerate(tensor.shape))]


def _math_dtype(dtype: str, ufunc: np.ufunc | None) -> str:
    """The float type numpy computes `ufunc` of `dtype` values in (float64 for a non-ufunc float64 formula)."""
    if is_float(dtype):
        return dtype
    if ufunc is None:
        return "float64"
    return ufunc(np.ones(1, dtype)).dtype.name


def _float_unary(name: str, x: te.Tensor, fn: FloatFn, ufunc: np.ufunc | None, what: str) -> te.Tensor:
    """y = fn(x) computed in numpy's float type for x's dtype (float16 through float32), rounded back to x's dtype."""
    dtype = _numeric(what, x)
    math_dtype = _math_dtype(dtype, ufunc)
    work_dtype = "float32" if math_dtype == "float16" else math_dtype

    def body(*i: te.Expr) -> te.Expr:
        value = fn(x[i].astype(work_dtype)).astype(math_dtype)
        return value.astype(dtype)

    return te.compute(x.shape, body, name=name, tag=ELEMWISE_TAG)


# ----------------------------------------------------------------------------- unary


def relu(x: te.Tensor, name: str = "relu") -> te.Tensor:
    """max(x, 0)."""
    _numeric("relu", x)
    return te.compute(x.shape, lambda *i: te.max(x[i], te.const(0, x.dtype)), name=name, tag=ELEMWISE_TAG)


def sigmoid(x: te.Tensor, name: str = "sigmoid") -> te.Tensor:
    """1 / (1 + exp(-x))."""
    return _float_unary(name, x, lambda v: 1.0 / (1.0 + te.exp(-v)), None, "sigmoid")


def tanh(x: te.Tensor, name: str = "tanh") -> te.Tensor:
    return _float_unary(name, x, te.tanh, np.tanh, "tanh")


def exp(x: te.Tensor, name: str = "exp") -> te.Tensor:
    return _float_unary(name, x, te.exp, np.exp, "exp")


def log(x: te.Tensor, name: str = "log") -> te.Tensor:
    return _float_unary(name, x, te.log, np.log, "log")


def sqrt(x: te.Tensor, name: str = "sqrt") -> te.Tensor:
    return _float_unary(name, x, te.sqrt, np.sqrt, "sqrt")


_ERF_NUMERATOR = (
    -2.72614225801306e-10,
    2.77068142495902e-08,
    -2.10102402082508e-06,
    -5.69250639462346e-05,
    -7.34990630326855e-04,
    -2.95459980854025e-03,
    -1.60960333262415e-02,
)
"""Odd numerator of fast_erf's rational approximation (TVM's, from Eigen): coefficients of x^13 .. x^1."""

_ERF_DENOMINATOR = (
    -1.45660718464996e-05,
    -2.13374055278905e-04,
    -1.68282697438203e-03,
    -7.37332916720468e-03,
    -1.42647390514189e-02,
)
"""Even denominator of fast_erf: coefficients of x^8 .. x^0."""


def _polynomial(x: te.Expr, coefficients: Sequence[float]) -> te.Expr:
    """Horner's evaluation of the polynomial with `coefficients` (highest power first) at `x`."""
    value: te.Expr = te.const(coefficients[0], x.dtype)
    for c in coefficients[1:]:
        value = value * x + te.const(c, x.dtype)
    return value


def fast_erf(v: te.Expr) -> te.Expr:
    """erf of a float32 expression as a rational function of x in [-4, 4] (erf is 1 to float32 beyond): no libm
    call, so it vectorizes (libm's erff is a scalar call per lane, ~10 ns). Max error 4.5e-7 (vs 6e-8 rounding)."""
    x = te.min(te.max(v, te.const(-4.0, v.dtype)), te.const(4.0, v.dtype))
    square = x * x
    return x * _polynomial(square, _ERF_NUMERATOR) / _polynomial(square, _ERF_DENOMINATOR)


_EXP_UNDERFLOW = -87.0
"""Below this exp(x) (< 1.7e-38) is taken as 0: 2**n of the reduced argument stays a normal float32."""

_LN2_HI, _LN2_LO = 0.693359375, -2.12194440e-4
"""ln 2 split in two (Cody-Waite): n * _LN2_HI is exact in float32 for |n| < 2**9."""


def fast_exp_nonpositive(v: te.Expr) -> te.Expr:
    """exp(v) of a float32 v <= 0 (softmax's x - max) without a libm call, so it vectorizes: v = n ln 2 + f with
    |f| <= ln 2 / 2, exp(f) by its degree-7 Taylor polynomial (error < 6e-9), 2**n as a product of the powers
    2**-64 .. 2**-1 picked by the bits of -n (exact). 0 below -87; NaN stays NaN. Max relative error 1e-7."""
    dtype = v.dtype
    x = te.max(v, te.const(_EXP_UNDERFLOW, dtype))
    n = te.floor(x * te.const(1.0 / math.log(2.0), dtype) + te.const(0.5, dtype))
    f = x - n * te.const(_LN2_HI, dtype) - n * te.const(_LN2_LO, dtype)
    value = _polynomial(f, [1.0 / math.factorial(i) for i in range(7, -1, -1)])
    m = -n
    for bit in (64, 32, 16, 8, 4, 2, 1):
        big = m >= te.const(float(bit), dtype)
        value = te.if_then_else(big, value * te.const(2.0**-bit, dtype), value)
        m = te.if_then_else(big, m - te.const(float(bit), dtype), m)
    return te.if_then_else(v < te.const(_EXP_UNDERFLOW, dtype), te.const(0.0, dtype), value)


def _erf_of(v: te.Expr) -> te.Expr:
    """erf(v): the vectorizable rational approximation in float32, libm's erf in float64."""
    return fast_erf(v) if v.dtype == "float32" else te.erf(v)


def erf(x: te.Tensor, name: str = "erf") -> te.Tensor:
    return _float_unary(name, x, _erf_of, None, "erf")


def gelu(x: te.Tensor, name: str = "gelu") -> te.Tensor:
    """x * Phi(x) = 0.5 * x * (1 + erf(x / sqrt(2))), the exact form."""
    return _float_unary(name, x, lambda v: 0.5 * v * (1.0 + _erf_of(v * (1.0 / math.sqrt(2.0)))), None, "gelu")


def leaky_relu(x: te.Tensor, alpha: float = 0.01, name: str = "leaky_relu") -> te.Tensor:
    """x if x >= 0 else alpha * x (the product in float64 for integer x, as numpy computes it)."""
    dtype = _numeric("leaky_relu", x)
    math_dtype = "float32" if dtype == "float16" else dtype if is_float(dtype) else "float64"
    # numpy rounds alpha to a float x's dtype before multiplying.
    factor = float(np.asarray(alpha).astype(dtype if is_float(dtype) else "float64"))

    def body(*i: te.Expr) -> te.Expr:
        value = x[i]
        scaled = (value.astype(math_dtype) * te.const(factor, math_dtype)).astype(dtype)
        return te.if_then_else(value >= te.const(0, dtype), value, scaled)

    return te.compute(x.shape, body, name=name, tag=ELEMWISE_TAG)


def clip(x: te.Tensor, a_min: float | None = None, a_max: float | None = None, name: str = "clip") -> te.Tensor:
    """min(max(x, a_min), a_max); a missing bound does not clip (integer x is clipped in float64, as numpy does)."""
    dtype = _numeric("clip", x)
    math_dtype = dtype if is_float(dtype) else "float64"
    bound_dtype = "float32" if dtype == "float16" else math_dtype

    def body(*i: te.Expr) -> te.Expr:
        value = x[i].astype(bound_dtype)
        if a_min is not None:
            value = te.max(value, te.const(float(np.asarray(a_min).astype(math_dtype)), bound_dtype))
        if a_max is not None:
            value = te.min(value, te.const(float(np.asarray(a_max).astype(math_dtype)), bound_dtype))
        return value.astype(dtype)

    return te.compute(x.shape, body, name=name, tag=ELEMWISE_TAG)


def cast(x: te.Tensor, dtype: str, name: str = "cast") -> te.Tensor:
    """x converted to `dtype` (floats to integers truncate toward zero, numbers to bool test != 0)."""
    target = normalize_dtype(dtype)
    return te.compute(x.shape, lambda *i: x[i].astype(target), name=name, tag=ELEMWISE_TAG)


# ----------------------------------------------------------------------------- binary, broadcasting


def _broadcast(name: str, what: str, lhs: te.Tensor, rhs: te.Tensor, fn: Callable[[te.Expr, te.Expr], te.Expr]) -> te.Tensor:
    _numeric(what, lhs, rhs)
    shape = broadcast_shape(lhs.shape, rhs.shape)
    return te.compute(shape, lambda *i: fn(broadcast_read(lhs, i), broadcast_read(rhs, i)), name=name, tag=BROADCAST_TAG)


def add(lhs: te.Tensor, rhs: te.Tensor, name: str = "add") -> te.Tensor:
    return _broadcast(name, "add", lhs, rhs, lambda a, b: a + b)


def subtract(lhs: te.Tensor, rhs: te.Tensor, name: str = "subtract") -> te.Tensor:
    return _broadcast(name, "subtract", lhs, rhs, lambda a, b: a - b)


def multiply(lhs: te.Tensor, rhs: te.Tensor, name: str = "multiply") -> te.Tensor:
    return _broadcast(name, "multiply", lhs, rhs, lambda a, b: a * b)


def _truncating_divide(a: te.Expr, b: te.Expr) -> te.Expr:
    if is_float(a.dtype) or is_unsigned(a.dtype):
        return a / b
    # MIN / -1 traps in hardware; numpy's float-truncating division wraps it to MIN, as -a does. The divisor is
    # made safe first: the lowering may evaluate both branches of an if_then_else (a select).
    minus_one = b == te.const(-1, b.dtype)
    quotient = a / te.if_then_else(minus_one, te.const(1, b.dtype), b)
    return te.if_then_else(minus_one, -a, quotient)


def divide(lhs: te.Tensor, rhs: te.Tensor, name: str = "divide") -> te.Tensor:
    """lhs / rhs; integers truncate toward zero (division by zero is undefined: numpy gives garbage, hardware traps)."""
    return _broadcast(name, "divide", lhs, rhs, _truncating_divide)


def power(lhs: te.Tensor, rhs: te.Tensor, name: str = "power") -> te.Tensor:
    """lhs ** rhs (integer exponents must be non-negative: numpy raises for negative ones)."""
    return _broadcast(name, "power", lhs, rhs, te.power)


def maximum(lhs: te.Tensor, rhs: te.Tensor, name: str = "maximum") -> te.Tensor:
    """The larger element (NaN if either is NaN)."""
    return _broadcast(name, "maximum", lhs, rhs, lambda a, b: te.max(a, b))


def minimum(lhs: te.Tensor, rhs: te.Tensor, name: str = "minimum") -> te.Tensor:
    """The smaller element (NaN if either is NaN)."""
    return _broadcast(name, "minimum", lhs, rhs, lambda a, b: te.min(a, b))


def where(condition: te.Tensor, x: te.Tensor, y: te.Tensor, name: str = "where") -> te.Tensor:
    """x where condition else y, the three broadcast together; condition is bool."""
    if condition.dtype != "bool":
        raise OpsError(f"where: the condition must be a bool tensor, got {condition.dtype}")
    if x.dtype != y.dtype:
        raise OpsError(f"where: x and y have different dtypes {x.dtype} and {y.dtype}")
    shape = broadcast_shape(condition.shape, x.shape, y.shape)

    def body(*i: te.Expr) -> te.Expr:
        return te.if_then_else(broadcast_read(condition, i), broadcast_read(x, i), broadcast_read(y, i))

    return te.compute(shape, body, name=name, tag=BROADCAST_TAG)


# ----------------------------------------------------------------------------- graph op adapters


def _float_property(op: Operation, name: str) -> float | None:
    attr = op.properties.get(name)
    return None if attr is None else type_cast(builtin.FloatAttr, attr).value.data


_UNARY: dict[str, Callable[[te.Tensor], te.Tensor]] = {
    "graph.relu": relu,
    "graph.sigmoid": sigmoid,
    "graph.tanh": tanh,
    "graph.exp": exp,
    "graph.log": log,
    "graph.sqrt": sqrt,
    "graph.erf": erf,
    "graph.gelu": gelu,
}

_BINARY: dict[str, Callable[[te.Tensor, te.Tensor], te.Tensor]] = {
    "graph.add": add,
    "graph.sub": subtract,
    "graph.mul": multiply,
    "graph.div": divide,
    "graph.pow": power,
    "graph.max": maximum,
    "graph.min": minimum,
}


def _in_op(op: Operation, build: Callable[[], te.Tensor]) -> list[te.Tensor]:
    """The compute `build` makes, OpsError messages prefixed with the graph op's name, results checked."""
    try:
        return check_results(op, [build()])
    except OpsError as err:
        raise OpsError(f"{op.name}: {err}") from err
    except te.TeError as err:
        raise OpsError(f"{op.name}: te cannot express it: {err}") from err


@register_compute(*_UNARY)
def _unary_compute(op: Operation, inputs: Sequence[te.Tensor]) -> list[te.Tensor]:
    (x,) = inputs
    return _in_op(op, lambda: _UNARY[op.name](x))


@register_compute("graph.leaky_relu")
def _leaky_relu_compute(op: Operation, inputs: Sequence[te.Tensor]) -> list[te.Tensor]:
    alpha = _float_property(op, "alpha")
    return _in_op(op, lambda: leaky_relu(inputs[0], 0.01 if alpha is None else alpha))


@register_compute("graph.clip")
def _clip_compute(op: Operation, inputs: Sequence[te.Tensor]) -> list[te.Tensor]:
    return _in_op(op, lambda: clip(inputs[0], _float_property(op, "min"), _float_property(op, "max")))


@register_compute(*_BINARY)
def _binary_compute(op: Operation, inputs: Sequence[te.Tensor]) -> list[te.Tensor]:
    lhs, rhs = inputs
    return _in_op(op, lambda: _BINARY[op.name](lhs, rhs))


@register_compute("graph.cast")
def _cast_compute(op: Operation, inputs: Sequence[te.Tensor]) -> list[te.Tensor]:
    result_type = type_cast(builtin.TensorType[Attribute], op.results[0].type)
    return _in_op(op, lambda: cast(inputs[0], dtype_of(result_type.element_type, op.name)))


@register_compute("graph.where")
def _where_compute(op: Operation, inputs: Sequence[te.Tensor]) -> list[te.Tensor]:
    condition, x, y = inputs
    return _in_op(op, lambda: where(condition, x, y))
