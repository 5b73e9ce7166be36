"""Tensors of the te frontend and the operations defining them: placeholders, computes, cache stages.

`te.placeholder` and `te.compute` declare tensors; `A[i, j]` in a compute reads one element.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Sequence

import numpy as np
from xdsl.ir import Attribute

from tessel.frontends.te_expr import (
    INDEX,
    Const,
    Expr,
    IterVar,
    Range,
    Read,
    Reduce,
    TeError,
    binary,
    if_then_else,
    int_range,
    is_float,
    is_integer,
    normalize_dtype,
    operand,
    postorder,
    value_type,
)

# ----------------------------------------------------------------------------- tensors and operations


class Operation:
    """What defines a tensor (TVM's te.Operation): a placeholder, a compute, or a schedule's cache stage."""

    name: str
    tag: str = ""
    num_outputs = 1

    def __init__(self) -> None:
        self._output: Tensor | None = None

    def output(self, index: int = 0) -> Tensor:
        if index != 0 or self._output is None:
            raise TeError(f"{self.name} has one output (index 0), asked for output {index}")
        return self._output

    @property
    def axis(self) -> tuple[IterVar, ...]:
        return ()

    @property
    def reduce_axis(self) -> tuple[IterVar, ...]:
        return ()

    @property
    def input_tensors(self) -> list[Tensor]:
        return []

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name})"


class PlaceholderOp(Operation):
    def __init__(self, name: str):
        super().__init__()
        self.name = name


class ComputeOp(Operation):
    """A tensor defined elementwise by `body`, an Expr over `axis` (and `reduce_axis` if body is a Reduce)."""

    def __init__(self, name: str, tag: str, axis: tuple[IterVar, ...], body: Expr):
        super().__init__()
        self.name, self.tag, self._axis, self.body = name, tag, axis, body

    @property
    def axis(self) -> tuple[IterVar, ...]:
        return self._axis

    @property
    def reduce_axis(self) -> tuple[IterVar, ...]:
        return self.body.axes if isinstance(self.body, Reduce) else ()

    @property
    def input_tensors(self) -> list[Tensor]:
        """The tensors the body reads, in first-read order."""
        tensors: dict[Tensor, None] = {}
        for node in postorder(self.body):
            if isinstance(node, Read):
                tensors.setdefault(node.tensor)
        return list(tensors)


class CacheOp(Operation):
    """A stage made by cache_read / cache_write; it exists only inside its schedule."""

    def __init__(self, name: str, kind: str, root: tuple[IterVar, ...], reduce: tuple[IterVar, ...]):
        super().__init__()
        self.name, self.kind, self._axis, self._reduce_axis = name, kind, root, reduce

    @property
    def axis(self) -> tuple[IterVar, ...]:
        return self._axis

    @property
    def reduce_axis(self) -> tuple[IterVar, ...]:
        return self._reduce_axis


class Tensor:
    """A tensor of `shape` and `dtype`, defined by `op`; `A[i, j]` reads an element in a compute."""

    def __init__(self, shape: tuple[int, ...], dtype: str, op: Operation):
        self.shape, self.dtype, self.op = shape, dtype, op
        self.value_index = 0
        op._output = self

    @property
    def name(self) -> str:
        return self.op.name

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def element_type(self) -> Attribute:
        return value_type(self.dtype)

    def __getitem__(self, indices: object) -> Expr:
        if isinstance(self.op, CacheOp):
            raise TeError(f"{self.name} is a cache stage of a schedule; computes read the tensor it caches")
        items = indices if isinstance(indices, tuple) else (indices,)
        if len(items) != self.ndim:
            raise TeError(f"{self.name}[...]: a tensor of shape {list(self.shape)} needs {self.ndim} indices, got {len(items)}")
        exprs = []
        for dim, item in enumerate(items):
            if isinstance(item, slice):
                raise TeError(f"{self.name}[...]: slices are not supported in te expressions; index with expressions")
            index = operand(item, f"{self.name}[...]", INDEX)
            if not is_integer(index.dtype):
                raise TeError(f"{self.name}[...]: index {dim} must be an integer expression, got {index.dtype}")
            if isinstance(index, Const) and not 0 <= int(index.value) < self.shape[dim]:
                raise TeError(
                    f"{self.name}[...]: index {index.value} is out of bounds for dimension {dim} of extent {self.shape[dim]}"
                )
            exprs.append(index)
        return Read(self, tuple(exprs))

    def __call__(self, *indices: object) -> Expr:
        return self[tuple(indices)]

    def __repr__(self) -> str:
        return f"Tensor({self.name}, shape={list(self.shape)}, dtype={self.dtype})"


# ----------------------------------------------------------------------------- declaring tensors


def _shape(shape: object, what: str) -> tuple[int, ...]:
    dims = (shape,) if isinstance(shape, int | np.integer) else shape
    if not isinstance(dims, list | tuple) or not all(isinstance(d, int | np.integer) and not isinstance(d, bool) for d in dims):
        raise TeError(f"{what}: the shape must be a tuple of ints, got {shape!r}")
    if any(d <= 0 for d in dims):
        raise TeError(f"{what}: shape extents must be positive, got {list(dims)}")
    return tuple(int(d) for d in dims)


def _name(name: object, what: str) -> str:
    if not isinstance(name, str) or not name:
        raise TeError(f"{what}: the name must be a non-empty string, got {name!r}")
    return name


def placeholder(shape: object, dtype: object = "float32", name: str = "placeholder") -> Tensor:
    """An input tensor: an argument of the built function."""
    return Tensor(_shape(shape, "te.placeholder"), normalize_dtype(dtype), PlaceholderOp(_name(name, "te.placeholder")))


def reduce_axis(dom: object, name: str = "k") -> IterVar:
    """A reduction axis ranging over [lo, hi)."""
    if (
        not isinstance(dom, tuple | list)
        or len(dom) != 2
        or not all(isinstance(d, int | np.integer) and not isinstance(d, bool) for d in dom)
    ):
        raise TeError(f"te.reduce_axis: expected a (lo, hi) pair of ints, got {dom!r}")
    lo, hi = int(dom[0]), int(dom[1])
    if hi <= lo:
        raise TeError(f"te.reduce_axis: the range ({lo}, {hi}) is empty")
    return IterVar(_name(name, "te.reduce_axis"), Range(lo, hi - lo), "reduce")


def reduction(reducer: str, expr: object, axis: object, where: object = None, init: object = None) -> Expr:
    """`te.sum/max/min/prod(expr, axis=k or [k1, k2], where=cond, init=c)`; with an expression as `axis`,
    the elementwise combination of the two (`te.max(a, b)`)."""
    what = f"te.{reducer}"
    if axis is None or not (isinstance(axis, IterVar | list | tuple)):
        if axis is None:
            raise TeError(f"{what}: needs axis=... (a te.reduce_axis or a list of them)")
        if where is not None or init is not None:
            raise TeError(f"{what}: where/init only apply to reductions over a reduce axis")
        return binary({"sum": "add", "prod": "mul"}.get(reducer, reducer), expr, axis)
    axes = (axis,) if isinstance(axis, IterVar) else tuple(axis)
    if not axes:
        raise TeError(f"{what}: needs at least one reduce axis")
    for ax in axes:
        if not isinstance(ax, IterVar) or ax.kind != "reduce":
            raise TeError(f"{what}: axis must be made by te.reduce_axis, got {ax!r}")
    if len({id(ax) for ax in axes}) != len(axes):
        raise TeError(f"{what}: an axis is given twice: {[ax.name for ax in axes]}")
    source = operand(expr, what)
    if source.dtype == "bool":
        raise TeError(f"{what}: cannot reduce bool values; convert with .astype(...)")
    if source.dtype == INDEX:
        source = source.astype("int32")
    start = None
    if init is not None:
        if not isinstance(init, Const | bool | int | float | np.number):
            raise TeError(f"{what}: init must be a constant, got {init!r}")
        start = Const(init.value if isinstance(init, Const) else init, source.dtype)  # type: ignore[arg-type]
    if where is not None:
        identity = start if start is not None else _natural_identity(reducer, source.dtype)
        source = if_then_else(where, source, identity)
    return Reduce(reducer, source, axes, start)


def _natural_identity(reducer: str, dtype: str) -> Const:
    if reducer == "sum":
        return Const(0, dtype)
    if reducer == "prod":
        return Const(1, dtype)
    if is_float(dtype):
        return Const(-math.inf if reducer == "max" else math.inf, dtype)
    return Const(int_range(dtype)[0 if reducer == "max" else 1], dtype)


def _arg_names(fcompute: Callable[..., object], rank: int) -> list[str]:
    try:
        signature = inspect.signature(fcompute)
    except (TypeError, ValueError):
        return [f"i{d}" for d in range(rank)]
    params = list(signature.parameters.values())
    if any(p.kind is inspect.Parameter.VAR_POSITIONAL for p in params):
        return [f"i{d}" for d in range(rank)]
    positional = [p for p in params if p.kind in (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)]
    required = [p for p in positional if p.default is inspect.Parameter.empty]
    if not len(required) <= rank <= len(positional):
        raise TeError(f"te.compute: fcompute takes {len(required)} index arguments, the shape has {rank} dimensions")
    return [p.name for p in positional[:rank]]


def compute(shape: object, fcompute: Callable[..., object], name: str = "compute", tag: str = "") -> Tensor:
    """A tensor whose element at (i, j, ...) is `fcompute(i, j, ...)`."""
    dims = _shape(shape, "te.compute")
    name = _name(name, "te.compute")
    if not callable(fcompute):
        raise TeError(f"te.compute: fcompute must be callable, got {type(fcompute).__name__}")
    axis = tuple(
        IterVar(arg, Range(0, extent), "spatial") for arg, extent in zip(_arg_names(fcompute, len(dims)), dims, strict=True)
    )
    result = fcompute(*axis)
    if isinstance(result, list | tuple):
        raise TeError(f"te.compute {name}: fcompute must return one expression (multiple outputs are not supported)")
    body = result if isinstance(result, Reduce) else operand(result, f"te.compute {name}")
    if body.dtype == INDEX:
        body = body.astype("int32")
    _check_variables(name, body, axis)
    return Tensor(dims, body.dtype, ComputeOp(name, tag, axis, body))


def _check_variables(name: str, body: Expr, axis: Sequence[IterVar]) -> None:
    """Every variable of the body is one of this compute's indices or reduced-over axes."""
    own = {id(a) for a in axis}
    reduced = {id(a) for a in body.axes} if isinstance(body, Reduce) else set()
    for node in postorder(body):
        if not isinstance(node, IterVar) or id(node) in own or id(node) in reduced:
            continue
        if node.kind == "reduce":
            raise TeError(f"te.compute {name}: the reduce axis {node.name} is used but not reduced over (list it in axis=...)")
        if node.kind == "spatial":
            raise TeError(f"te.compute {name}: {node.name} is an index of another compute, not of this one")
        raise TeError(f"te.compute {name}: the {node.kind} axis {node.name} cannot appear in an expression")
