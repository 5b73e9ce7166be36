"""Tensor expressions of the te frontend: dtypes and the scalar expression DAG.

Nothing here computes: an `Expr` is a node of a DAG built by Python operators on `IterVar`s,
`A[i, j]` reads (te_tensor) and constants; `te.compute` turns one into a `ComputeOp`, and
`te_codegen.build_compute_op` turns that into a `te.compute` op.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from xdsl.dialects import builtin
from xdsl.dialects.builtin import IndexType, IntegerType, Signedness
from xdsl.ir import Attribute

if TYPE_CHECKING:
    from tessel.frontends.te_tensor import Tensor


class TeError(ValueError):
    """A misuse of the te frontend: wrong argument types, ill-formed expressions or schedules."""


# ----------------------------------------------------------------------------- dtypes

_ELEMENT_TYPES: dict[str, Attribute] = {
    "float16": builtin.f16,
    "float32": builtin.f32,
    "float64": builtin.f64,
    "int8": builtin.i8,
    "int16": builtin.i16,
    "int32": builtin.i32,
    "int64": builtin.i64,
    "uint8": IntegerType(8, Signedness.UNSIGNED),
    "bool": builtin.i1,
}
DTYPES = tuple(_ELEMENT_TYPES)
INDEX = "index"
"""The dtype of loop variables and index arithmetic (IR type `index`); not a tensor dtype."""


def normalize_dtype(dtype: object) -> str:
    """The dtype's name ("float32"), from a name or a numpy dtype; TeError naming the supported ones otherwise."""
    if isinstance(dtype, str) and dtype in _ELEMENT_TYPES:
        return dtype
    try:
        name = np.dtype(dtype).name  # type: ignore[call-overload]
    except TypeError:
        name = None
    if name in _ELEMENT_TYPES:
        return name  # type: ignore[return-value]
    raise TeError(f"unsupported dtype {dtype!r}; supported: {', '.join(DTYPES)}")


def value_type(dtype: str) -> Attribute:
    """The IR type of a value of `dtype` (`index` for index expressions)."""
    return IndexType() if dtype == INDEX else _ELEMENT_TYPES[dtype]


def is_float(dtype: str) -> bool:
    return dtype.startswith("float")


def is_integer(dtype: str) -> bool:
    """Integers and index, not bool."""
    return dtype == INDEX or dtype.startswith(("int", "uint"))


def is_unsigned(dtype: str) -> bool:
    return dtype.startswith("uint")


def bits(dtype: str) -> int:
    if dtype == INDEX:
        return 64
    if dtype == "bool":
        return 1
    return int(re.sub(r"\D", "", dtype))


def int_range(dtype: str) -> tuple[int, int]:
    width = bits(dtype)
    if is_unsigned(dtype):
        return 0, 2**width - 1
    return -(2 ** (width - 1)), 2 ** (width - 1) - 1


def max_value(dtype: object) -> Const:
    """The largest finite value of `dtype` (TVM's te.max_value)."""
    name = normalize_dtype(dtype)
    if is_float(name):
        return Const(float(np.finfo(name).max), name)
    return Const(True if name == "bool" else int_range(name)[1], name)


def min_value(dtype: object) -> Const:
    """The lowest finite value of `dtype` (TVM's te.min_value)."""
    name = normalize_dtype(dtype)
    if is_float(name):
        return Const(float(np.finfo(name).min), name)
    return Const(False if name == "bool" else int_range(name)[0], name)


def _common_dtype(a: str, b: str, what: str) -> str:
    """The dtype two operands are converted to: float over integer, wider over narrower, index over intN."""
    if a == b:
        return a
    if "bool" in (a, b):
        raise TeError(f"{what}: cannot mix bool with {b if a == 'bool' else a}; convert with .astype(...)")
    if is_float(a) != is_float(b):
        return a if is_float(a) else b
    if is_float(a):
        return a if bits(a) >= bits(b) else b
    if INDEX in (a, b):
        return INDEX
    if is_unsigned(a) == is_unsigned(b):
        return a if bits(a) >= bits(b) else b
    signed, unsigned = (b, a) if is_unsigned(a) else (a, b)
    return signed if bits(signed) > bits(unsigned) else f"int{2 * bits(unsigned)}"


# ----------------------------------------------------------------------------- expressions

_REDUCTION_RULE = (
    "a reduction (te.sum/te.max/te.min/te.prod) must be the top of a compute expression (TVM's rule); "
    "compute it into its own tensor and read that"
)


class Expr:
    """A node of a scalar expression DAG; Python operators build new nodes."""

    dtype: str

    __hash__ = object.__hash__

    def children(self) -> tuple[Expr, ...]:
        return ()

    def __bool__(self) -> bool:
        raise TeError(
            f"a te expression ({self!r}) has no Python truth value; combine conditions with &, |, te.all, te.any "
            "and choose values with te.if_then_else"
        )

    def astype(self, dtype: object) -> Expr:
        """This expression converted to `dtype`."""
        target = normalize_dtype(dtype)
        return self if target == self.dtype else Cast(operand(self, "astype"), target)

    # Arithmetic.
    def __add__(self, other: object) -> Expr:
        return binary("add", self, other)

    def __radd__(self, other: object) -> Expr:
        return binary("add", other, self)

    def __sub__(self, other: object) -> Expr:
        return binary("sub", self, other)

    def __rsub__(self, other: object) -> Expr:
        return binary("sub", other, self)

    def __mul__(self, other: object) -> Expr:
        return binary("mul", self, other)

    def __rmul__(self, other: object) -> Expr:
        return binary("mul", other, self)

    def __truediv__(self, other: object) -> Expr:
        return binary("div", self, other)

    def __rtruediv__(self, other: object) -> Expr:
        return binary("div", other, self)

    def __floordiv__(self, other: object) -> Expr:
        return binary("floordiv", self, other)

    def __rfloordiv__(self, other: object) -> Expr:
        return binary("floordiv", other, self)

    def __mod__(self, other: object) -> Expr:
        return binary("floormod", self, other)

    def __rmod__(self, other: object) -> Expr:
        return binary("floormod", other, self)

    def __pow__(self, other: object) -> Expr:
        return binary("pow", self, other)

    def __rpow__(self, other: object) -> Expr:
        return binary("pow", other, self)

    def __neg__(self) -> Expr:
        value = operand(self, "negation")
        if value.dtype == "bool":
            raise TeError("negation: a bool expression cannot be negated; use ~ for logical not")
        return Unary("neg", value)

    def __invert__(self) -> Expr:
        value = operand(self, "~")
        if value.dtype != "bool":
            raise TeError(f"~: logical not needs a bool expression, got {value.dtype}")
        return Unary("not", value)

    # Logic.
    def __and__(self, other: object) -> Expr:
        return binary("and", self, other)

    def __rand__(self, other: object) -> Expr:
        return binary("and", other, self)

    def __or__(self, other: object) -> Expr:
        return binary("or", self, other)

    def __ror__(self, other: object) -> Expr:
        return binary("or", other, self)

    # Comparisons build bool expressions (== and != too, as in TVM; their truth value is identity).
    def __lt__(self, other: object) -> Expr:
        return compare("lt", self, other)

    def __le__(self, other: object) -> Expr:
        return compare("le", self, other)

    def __gt__(self, other: object) -> Expr:
        return compare("gt", self, other)

    def __ge__(self, other: object) -> Expr:
        return compare("ge", self, other)

    def __eq__(self, other: object) -> Expr:  # type: ignore[override]
        return compare("eq", self, other)

    def __ne__(self, other: object) -> Expr:  # type: ignore[override]
        return compare("ne", self, other)

    def equal(self, other: object) -> Expr:
        return compare("eq", self, other)

    def not_equal(self, other: object) -> Expr:
        return compare("ne", self, other)


class Const(Expr):
    def __init__(self, value: bool | int | float, dtype: str):
        if dtype == "bool":
            value = bool(value)
        elif is_float(dtype):
            value = float(value)
        else:
            if isinstance(value, float) and not value.is_integer():
                raise TeError(f"te.const: {value} is not an integer, so it is no {dtype} constant")
            value = int(value)
            low, high = int_range(dtype) if dtype != INDEX else (-(2**63), 2**63 - 1)
            if not low <= value <= high:
                raise TeError(f"te.const: {value} does not fit {dtype} (range [{low}, {high}])")
        self.value = value
        self.dtype = dtype

    def __repr__(self) -> str:
        return f"{self.value}:{self.dtype}"


@dataclass(frozen=True)
class Range:
    """An iteration domain: `min`, `min + 1`, ..., `min + extent - 1` (TVM's Range)."""

    min: int
    extent: int


class IterVar(Expr):
    """An iteration variable (TVM's IterVar): a compute's output index, a reduction axis, a thread, or a
    schedule's axis handle (made by split, fuse, ...). Output indices and reduction axes are `index` exprs."""

    def __init__(self, name: str, dom: Range | None, kind: str, tag: str = "", stage: object = None, generation: int = 0):
        self.name = name
        self.dom = dom
        self.kind = kind  # "spatial", "reduce", "thread" or "schedule"
        self.tag = tag
        self.stage = stage
        self.generation = generation
        self.dtype = INDEX

    @property
    def var(self) -> IterVar:
        return self

    def __repr__(self) -> str:
        return f"IterVar({self.name}, {self.kind})"


class Read(Expr):
    def __init__(self, tensor: Tensor, indices: tuple[Expr, ...]):
        self.tensor = tensor
        self.indices = indices
        self.dtype = tensor.dtype

    def children(self) -> tuple[Expr, ...]:
        return self.indices

    def __repr__(self) -> str:
        return f"{self.tensor.name}[{', '.join(map(repr, self.indices))}]"


class Binary(Expr):
    def __init__(self, op: str, lhs: Expr, rhs: Expr):
        self.op, self.lhs, self.rhs, self.dtype = op, lhs, rhs, lhs.dtype

    def children(self) -> tuple[Expr, ...]:
        return (self.lhs, self.rhs)

    def __repr__(self) -> str:
        return f"{self.op}({self.lhs!r}, {self.rhs!r})"


class Compare(Expr):
    def __init__(self, op: str, lhs: Expr, rhs: Expr):
        self.op, self.lhs, self.rhs, self.dtype = op, lhs, rhs, "bool"

    def children(self) -> tuple[Expr, ...]:
        return (self.lhs, self.rhs)

    def __bool__(self) -> bool:
        # As TVM's EqualOp/NotEqualOp: `a == b` in Python control flow (`x in list`) means identity.
        if self.op == "eq":
            return self.lhs is self.rhs
        if self.op == "ne":
            return self.lhs is not self.rhs
        return super().__bool__()

    def __repr__(self) -> str:
        return f"{self.op}({self.lhs!r}, {self.rhs!r})"


class Unary(Expr):
    def __init__(self, op: str, value: Expr):
        self.op, self.value, self.dtype = op, value, value.dtype

    def children(self) -> tuple[Expr, ...]:
        return (self.value,)

    def __repr__(self) -> str:
        return f"{self.op}({self.value!r})"


class Cast(Expr):
    def __init__(self, value: Expr, dtype: str):
        self.value, self.dtype = value, dtype

    def children(self) -> tuple[Expr, ...]:
        return (self.value,)

    def __repr__(self) -> str:
        return f"{self.dtype}({self.value!r})"


class Call(Expr):
    """A math function of `args` ("exp", "log", "sqrt", "tanh", "erf", "floor", "ceil", "abs", "pow")."""

    def __init__(self, function: str, args: tuple[Expr, ...]):
        self.function, self.args, self.dtype = function, args, args[0].dtype

    def children(self) -> tuple[Expr, ...]:
        return self.args

    def __repr__(self) -> str:
        return f"{self.function}({', '.join(map(repr, self.args))})"


class IfThenElse(Expr):
    def __init__(self, condition: Expr, true_value: Expr, false_value: Expr):
        self.condition, self.true_value, self.false_value = condition, true_value, false_value
        self.dtype = true_value.dtype

    def children(self) -> tuple[Expr, ...]:
        return (self.condition, self.true_value, self.false_value)

    def __repr__(self) -> str:
        return f"if_then_else({self.condition!r}, {self.true_value!r}, {self.false_value!r})"


class Reduce(Expr):
    """`reducer` of `source` over `axes`; only valid as the top of a compute expression."""

    def __init__(self, reducer: str, source: Expr, axes: tuple[IterVar, ...], init: Const | None):
        self.reducer, self.source, self.axes, self.init = reducer, source, axes, init
        self.dtype = source.dtype

    def children(self) -> tuple[Expr, ...]:
        return (self.source,)

    def _misuse(self, *_: object) -> Expr:
        raise TeError(_REDUCTION_RULE)

    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = __truediv__ = __rtruediv__ = _misuse  # type: ignore[assignment]
    __floordiv__ = __rfloordiv__ = __mod__ = __rmod__ = __pow__ = __rpow__ = __neg__ = _misuse  # type: ignore[assignment]
    __lt__ = __le__ = __gt__ = __ge__ = __eq__ = __ne__ = __and__ = __or__ = astype = _misuse  # type: ignore[assignment]
    __hash__ = object.__hash__

    def __repr__(self) -> str:
        return f"{self.reducer}({self.source!r}, axis={[a.name for a in self.axes]})"


def const(value: bool | int | float, dtype: object = None) -> Const:
    """A constant; without a dtype, bool, int32 or float32 after the Python type (as TVM's tvm.tir.const)."""
    if isinstance(value, Const):
        return value if dtype is None else Const(value.value, normalize_dtype(dtype))
    if not isinstance(value, bool | int | float | np.number | np.bool_):
        raise TeError(f"te.const: expected a Python or numpy scalar, got {type(value).__name__}")
    if dtype is None:
        dtype = "bool" if isinstance(value, bool | np.bool_) else "int32" if isinstance(value, int | np.integer) else "float32"
    return Const(value.item() if isinstance(value, np.generic) else value, normalize_dtype(dtype))


def operand(value: object, what: str, like: str | None = None) -> Expr:
    """`value` as an operand of `what`: an Expr (not a reduction), or a Python scalar converted to `like`'s dtype."""
    if isinstance(value, Reduce):
        raise TeError(_REDUCTION_RULE)
    if isinstance(value, Expr):
        return value
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, bool):
        return Const(value, "bool") if like in (None, "bool") else Const(int(value), like)
    if isinstance(value, int):
        return Const(value, like if like is not None and like != "bool" else "int32")
    if isinstance(value, float):
        return Const(value, like if like is not None and is_float(like) else "float32")
    raise TeError(f"{what}: expected a te expression or a Python number, got {type(value).__name__}")


def _convert(value: Expr, dtype: str) -> Expr:
    return value if value.dtype == dtype else Cast(value, dtype)


def _operands(a: object, b: object, what: str) -> tuple[Expr, Expr]:
    """Both operands as Exprs of one dtype, constants taking the other side's dtype (TVM's type matching)."""
    if isinstance(a, Expr) and not isinstance(b, Expr):
        left = operand(a, what)
        right = operand(b, what, left.dtype)
    else:
        right = operand(b, what) if isinstance(b, Expr) else None
        left = operand(a, what, right.dtype if right is not None else None)
        right = right if right is not None else operand(b, what, left.dtype)
    common = _common_dtype(left.dtype, right.dtype, what)
    return _convert(left, common), _convert(right, common)


_ARITHMETIC = ("add", "sub", "mul", "div", "floordiv", "floormod", "pow", "max", "min")
_SYMBOLS = {"add": "+", "sub": "-", "mul": "*", "div": "/", "floordiv": "//", "floormod": "%", "pow": "**", "and": "&", "or": "|"}


def binary(op: str, a: object, b: object) -> Expr:
    what = _SYMBOLS.get(op, f"te.{op}")
    left, right = _operands(a, b, what)
    if op in _ARITHMETIC and left.dtype == "bool":
        raise TeError(f"{what}: arithmetic on bool expressions; convert with .astype(...)")
    if op in ("and", "or") and is_float(left.dtype):
        raise TeError(f"{what}: needs bool (or integer) operands, got {left.dtype}")
    return Binary(op, left, right)


def compare(op: str, a: object, b: object) -> Expr:
    left, right = _operands(a, b, f"comparison {op}")
    if left.dtype == "bool" and op not in ("eq", "ne"):
        raise TeError(f"comparison {op}: bool values are only compared with == and !=")
    return Compare(op, left, right)


def if_then_else(condition: object, true_value: object, false_value: object) -> Expr:
    """`condition ? true_value : false_value`; the branch not taken is not evaluated (reads stay in bounds)."""
    cond = operand(condition, "te.if_then_else", "bool")
    if cond.dtype != "bool":
        raise TeError(f"te.if_then_else: the condition must be a bool expression, got {cond.dtype}")
    then, other = _operands(true_value, false_value, "te.if_then_else")
    return IfThenElse(cond, then, other)


def _fold(op: str, conditions: tuple[object, ...], what: str) -> Expr:
    if len(conditions) == 1 and isinstance(conditions[0], list | tuple):
        conditions = tuple(conditions[0])
    if not conditions:
        raise TeError(f"{what}: needs at least one condition")
    exprs = [operand(c, what, "bool") for c in conditions]
    for expr in exprs:
        if expr.dtype != "bool":
            raise TeError(f"{what}: conditions must be bool expressions, got {expr.dtype}")
    result = exprs[0]
    for expr in exprs[1:]:
        result = Binary(op, result, expr)
    return result


def all_of(*conditions: object) -> Expr:
    """The conjunction of the conditions (te.all)."""
    return _fold("and", conditions, "te.all")


def any_of(*conditions: object) -> Expr:
    """The disjunction of the conditions (te.any)."""
    return _fold("or", conditions, "te.any")


_FLOAT_FUNCTIONS = ("exp", "log", "sqrt", "tanh", "erf")


def math_call(function: str, value: object) -> Expr:
    """A unary math function: exp, log, sqrt, tanh, erf need floats; floor, ceil, abs take any number."""
    arg = operand(value, f"te.{function}")
    if arg.dtype == "bool":
        raise TeError(f"te.{function}: needs a number, got bool")
    if function in _FLOAT_FUNCTIONS and not is_float(arg.dtype):
        raise TeError(f"te.{function}: needs a float expression, got {arg.dtype}; convert with .astype('float32')")
    if not is_float(arg.dtype) and (function in ("floor", "ceil") or (function == "abs" and is_unsigned(arg.dtype))):
        return arg
    return Call(function, (arg,))


def power(base: object, exponent: object) -> Expr:
    return binary("pow", base, exponent)


def sigmoid(value: object) -> Expr:
    x = operand(value, "te.sigmoid")
    if not is_float(x.dtype):
        raise TeError(f"te.sigmoid: needs a float expression, got {x.dtype}; convert with .astype('float32')")
    return 1.0 / (1.0 + math_call("exp", -x))


def postorder(root: Expr) -> Iterator[Expr]:
    """Each node of the DAG under `root` once, children (in order) before parents; no recursion."""
    seen: set[Expr] = set()
    stack: list[tuple[Expr, bool]] = [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            yield node
            continue
        if node in seen:
            continue
        seen.add(node)
        stack.append((node, True))
        stack.extend((child, False) for child in reversed(node.children()) if child not in seen)
