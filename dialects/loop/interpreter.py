"""The reference interpreter of the loop dialect: each loop.func becomes Python source, run with `exec`.

    fn = compile_loop_function(func, module)     # a callable over numpy arrays, run in place
    fn(A, B, C)
    run_loop_function(module, "matmul", [A, B, C])

A loop.func turns into one Python function: `loop.for` into `for i in range(lb, ub, step)` (every loop kind
runs serially — threads of one phase are independent, barriers separate phases that lowering emits as
separate loops), `loop.if` into `if`, SSA values into locals, `arith`/`math` ops into Python expressions
(interpreter_ops.py), buffers into flat memoryviews indexed by `offset + i*stride0 + j*stride1 ...`.
Every load and store is bounds-checked unless a static range analysis of the indices (induction variables,
constants, loop.apply and index arith) proves it in bounds; an out-of-bounds access raises
LoopInterpreterError naming the op, the buffer and the index. Any other run-time failure (e.g. an integer
division by zero) is reported as a LoopInterpreterError naming the op that raised it.

Buffers: function arguments are the caller's numpy arrays (copied in and out when not C-contiguous);
`loop.alloc` buffers are fresh, filled with garbage (nan for floats, 0x5a bytes for integers) to expose
reads of uninitialized memory; `loop.call` passes a view (callee's shape, caller's strides) as the
same storage plus a start offset. Float values are Python floats (float64) and are rounded to the
buffer's type by the store; see interpreter_ops.py for integer and vector semantics.
"""

from __future__ import annotations

import itertools
import linecache
import re
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from xdsl.dialects import arith, vector
from xdsl.dialects.builtin import (
    DenseIntOrFPElementsAttr,
    FloatAttr,
    IntegerAttr,
    MemRefType,
    ModuleOp,
    VectorType,
)
from xdsl.ir import Attribute, Block, BlockArgument, Operation, SSAValue
from xdsl.ir.affine import AffineBinaryOpExpr, AffineBinaryOpKind, AffineConstantExpr, AffineDimExpr, AffineExpr

from tessel.dialects.graph.dtypes import numpy_dtype
from tessel.dialects.loop.interpreter_ops import (
    EMITTERS,
    REDUCTION_OPS,
    RUNTIME,
    Scalar,
    Types,
    UnsupportedType,
    float_literal,
    round_float,
    scalar_of,
)
from tessel.dialects.loop.ops import (
    AllocOp,
    ApplyOp,
    BarrierOp,
    CallOp,
    DmaCopyOp,
    ForOp,
    FuncOp,
    IfOp,
    LoadOp,
    StoreOp,
)

__all__ = ["CompiledLoopFunction", "LoopInterpreterError", "compile_loop_function", "run_loop_function"]


class LoopInterpreterError(Exception):
    """A loop program the interpreter cannot run, or one that failed while running (names the op)."""


# Python allows 20 statically nested loops and ~100 indentation levels; deeper loop nests are outlined
# into separate generated functions.
_MAX_FOR_DEPTH = 16
_MAX_INDENT = 60
# Vector ops on vectors of at most this many lanes are unrolled into per-lane expressions.
_UNROLL_LANES = 16


# ---------------------------------------------------------------------------------------------------
# Buffers at run time.

_GARBAGE_BYTE = {"f": 0xFF, "d": 0xFF, "?": 0x00}  # all-ones floats are nan; integers get 0x5a bytes


def _alloc(char: str, count: int) -> memoryview | np.ndarray:
    """A fresh flat buffer of `count` elements of numpy type char, filled with garbage."""
    if char == "e":
        return np.full(count, np.nan, np.float16)
    size = np.dtype(char).itemsize
    return memoryview(bytearray([_GARBAGE_BYTE.get(char, 0x5A)]) * (count * size)).cast(char)


def _flat_storage(array: np.ndarray) -> memoryview | np.ndarray:
    """A flat view of a C-contiguous array: a memoryview (items are Python scalars) or, for float16
    (which memoryview cannot index), a 1-D numpy array."""
    char = array.dtype.char
    if char == "e":
        return array.reshape(-1)
    if array.size == 0:
        return memoryview(bytearray(0)).cast(char)
    view = memoryview(array).cast("B").cast(char)
    return view if array.flags.writeable else view.toreadonly()


def _vstore(storage: memoryview | np.ndarray, start: int, lanes: Sequence[object]) -> None:
    for k, x in enumerate(lanes):
        storage[start + k] = x  # type: ignore[index]


def _format_index(index: Sequence[int]) -> str:
    return "(" + ", ".join(str(i) for i in index) + ")"


def _make_checks(messages: list[str]) -> dict[str, object]:
    """The run-time helpers that raise LoopInterpreterError with the program's messages."""

    def _oob(message_id: int, index: Sequence[int]) -> None:
        raise LoopInterpreterError(messages[message_id].replace("\0", _format_index(index)))

    def _dma(
        message_id: int,
        src: memoryview,
        src_offset: int,
        src_strides: tuple[int, ...],
        src_shape: tuple[int, ...],
        src_index: tuple[int, ...],
        dst: memoryview,
        dst_offset: int,
        dst_strides: tuple[int, ...],
        dst_shape: tuple[int, ...],
        dst_index: tuple[int, ...],
        sizes: tuple[int, ...],
    ) -> None:
        for index, shape, which in ((src_index, src_shape, "source"), (dst_index, dst_shape, "destination")):
            if any(not (0 <= i and i + n <= d) for i, n, d in zip(index, sizes, shape, strict=True)):
                raise LoopInterpreterError(
                    messages[message_id].replace("\0", f"{which} box at {_format_index(index)} of sizes {_format_index(sizes)}")
                )
        if any(n == 0 for n in sizes):
            return
        s0 = src_offset + sum(i * s for i, s in zip(src_index, src_strides, strict=True))
        d0 = dst_offset + sum(i * s for i, s in zip(dst_index, dst_strides, strict=True))
        if not sizes:
            dst[d0] = src[s0]
            return
        run = sizes[-1]
        for outer in itertools.product(*(range(n) for n in sizes[:-1])):
            s = s0 + sum(i * st for i, st in zip(outer, src_strides, strict=False))
            d = d0 + sum(i * st for i, st in zip(outer, dst_strides, strict=False))
            dst[d : d + run] = src[s : s + run]

    return {"_oob": _oob, "_dma": _dma}


# ---------------------------------------------------------------------------------------------------
# Code generation.


@dataclass
class _Buffer:
    """A buffer as the generated code sees it: flat storage + start offset + strides (in elements)."""

    storage: str  # Python name of the flat storage
    offset: str | None  # Python name of the start offset; None when it is 0
    strides: tuple[int, ...]
    type: MemRefType
    label: str  # for messages, e.g. "%A"

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self.type.get_shape())

    @property
    def char(self) -> str:
        return numpy_dtype(self.type.element_type).char


@dataclass
class _Section:
    """One generated Python function: its lines and, per line, the op it came from (for messages)."""

    lines: list[str] = field(default_factory=list)
    origins: list[str | None] = field(default_factory=list)


def _contiguous_strides(shape: Sequence[int]) -> tuple[int, ...]:
    strides, acc = [], 1
    for n in reversed(shape):
        strides.append(acc)
        acc *= n
    return tuple(reversed(strides))


def _memref_shape(t: Attribute, what: str) -> tuple[int, ...]:
    if not isinstance(t, MemRefType):
        raise LoopInterpreterError(f"{what}: expected a memref, got {t}")
    shape = tuple(t.get_shape())
    if any(n < 0 for n in shape):
        raise LoopInterpreterError(f"{what}: the loop interpreter needs static shapes, got {t}")
    try:
        numpy_dtype(t.element_type)
    except NotImplementedError:
        raise LoopInterpreterError(f"{what}: the loop interpreter does not support buffers of {t.element_type}") from None
    return shape


def _canonical_int(value: int, t: Scalar) -> int | bool:
    if t.kind == "index":
        return value
    mask = (1 << t.width) - 1
    if t.width == 1:
        return bool(value & 1)
    value &= mask
    if t.signed and value >> (t.width - 1):
        value -= 1 << t.width
    return value


def _literal(value: object) -> str:
    if isinstance(value, bool):
        return repr(value)
    if isinstance(value, int):
        return f"({value})" if value < 0 else str(value)
    assert isinstance(value, float)
    return float_literal(value)


_Range = tuple[int, int]


def _range_binary(kind: str, a: _Range | None, b: _Range | None) -> _Range | None:
    """Interval arithmetic on index ranges (sound: the result holds every possible value)."""
    if a is None or b is None:
        return None
    if kind == "add":
        return a[0] + b[0], a[1] + b[1]
    if kind == "sub":
        return a[0] - b[1], a[1] - b[0]
    if kind == "mul":
        products = [x * y for x in a for y in b]
        return min(products), max(products)
    if b[0] != b[1] or b[0] <= 0:
        return None
    c = b[0]
    if kind == "floordiv":
        return a[0] // c, a[1] // c
    if kind == "ceildiv":
        return -(-a[0] // c), -(-a[1] // c)
    if kind == "mod":
        if a[0] // c == a[1] // c:
            return a[0] % c, a[1] % c
        return 0, c - 1
    if kind == "divsi" and a[0] >= 0:  # truncation = floor for non-negative dividends
        return a[0] // c, a[1] // c
    if kind == "remsi" and a[0] >= 0:
        return _range_binary("mod", a, b)
    return None


_AFFINE_KINDS = {
    AffineBinaryOpKind.Add: "add",
    AffineBinaryOpKind.Mul: "mul",
    AffineBinaryOpKind.Mod: "mod",
    AffineBinaryOpKind.FloorDiv: "floordiv",
    AffineBinaryOpKind.CeilDiv: "ceildiv",
}


def _sanitize(hint: str | None) -> str:
    if not hint:
        return ""
    return "_" + re.sub(r"\W", "_", hint)[:24]


class _Program:
    """The generated Python module of one compile: the entry function and every called loop.func,
    specialized per argument layout."""

    def __init__(self, module: ModuleOp | None, filename: str):
        self.module = module
        self.filename = filename
        self.sections: list[_Section] = []
        self.messages: list[str] = []
        self.constants: dict[str, object] = {}
        self.specializations: dict[tuple[int, tuple[tuple[int, ...], ...], bool], str] = {}
        self.in_progress: set[int] = set()
        self.counter = itertools.count()
        self._funcs: dict[str, FuncOp] | None = None

    def fresh(self, prefix: str) -> str:
        return f"{prefix}{next(self.counter)}"

    def message(self, text: str) -> int:
        self.messages.append(text)
        return len(self.messages) - 1

    def constant(self, value: object) -> str:
        name = self.fresh("_K")
        self.constants[name] = value
        return name

    def callee(self, name: str, where: str) -> FuncOp:
        if self._funcs is None:
            if self.module is None:
                raise LoopInterpreterError(f"{where}: calls @{name}, but no module was given to resolve callees")
            self._funcs = {op.sym_name.data: op for op in self.module.walk() if isinstance(op, FuncOp)}
        if name not in self._funcs:
            raise LoopInterpreterError(f"{where}: no loop.func @{name} in the module")
        return self._funcs[name]

    def specialize(self, func: FuncOp, strides: tuple[tuple[int, ...], ...], dynamic_offsets: bool) -> str:
        """The generated Python function running `func` on buffers of these strides."""
        key = (id(func), strides, dynamic_offsets)
        if key in self.specializations:
            return self.specializations[key]
        if id(func) in self.in_progress:
            raise LoopInterpreterError(f"loop.func @{func.sym_name.data} calls itself; recursion is not supported")
        name = self.fresh(f"_f{_sanitize(func.sym_name.data)}_")
        self.specializations[key] = name
        self.in_progress.add(id(func))
        try:
            _FunctionCompiler(self, func, name, strides, dynamic_offsets).compile()
        finally:
            self.in_progress.discard(id(func))
        return name

    def build(self) -> tuple[dict[str, object], str, list[str | None]]:
        lines: list[str] = []
        origins: list[str | None] = []
        for section in self.sections:
            lines += section.lines
            origins += section.origins
        source = "\n".join(lines) + "\n"
        namespace: dict[str, object] = dict(RUNTIME)
        namespace.update(self.constants)
        namespace.update(_make_checks(self.messages))
        namespace.update({"_alloc": _alloc, "_vstore": _vstore})
        code = compile(source, self.filename, "exec")
        exec(code, namespace)
        linecache.cache[self.filename] = (len(source), None, [line + "\n" for line in lines], self.filename)
        return namespace, source, origins


class _FunctionCompiler:
    """Generates the Python function of one loop.func specialization."""

    def __init__(self, program: _Program, func: FuncOp, name: str, strides: tuple[tuple[int, ...], ...], dynamic_offsets: bool):
        self.program = program
        self.func = func
        self.name = name
        self.strides = strides
        self.dynamic_offsets = dynamic_offsets
        self.values: dict[SSAValue, str] = {}  # scalars and vectors: a Python name or literal
        self.buffers: dict[SSAValue, _Buffer] = {}
        self.ranges: dict[SSAValue, _Range] = {}  # static ranges of index values
        self.labels: dict[SSAValue, str] = {}
        self.section = _Section()
        self.for_depth = 0

    # -- names and messages

    def where(self, op: Operation) -> str:
        return f"{self.describe(op)} in @{self.func.sym_name.data}"

    def describe(self, op: Operation) -> str:
        buffer = {
            LoadOp: "buffer",
            StoreOp: "buffer",
            vector.LoadOp: "base",
            vector.StoreOp: "base",
        }.get(type(op))
        if buffer is not None:
            return f"{op.name} of {self.label(getattr(op, buffer))}"
        if isinstance(op, CallOp):
            return f"loop.call @{op.callee.root_reference.data}"
        if isinstance(op, DmaCopyOp):
            return f"loop.dma_copy from {self.label(op.src)} to {self.label(op.dst)}"
        if op.results:
            return f"{self.label(op.results[0])} = {op.name}"
        return op.name

    def label(self, value: SSAValue) -> str:
        if value not in self.labels:
            if value.name_hint:
                self.labels[value] = f"%{value.name_hint}"
            elif isinstance(value, BlockArgument) and value.owner is self.func.body.block:
                self.labels[value] = f"%arg{value.index}"
            else:
                self.labels[value] = f"%{len(self.labels)}"
        return self.labels[value]

    def fresh(self, value: SSAValue | None, prefix: str = "v") -> str:
        return self.program.fresh(prefix) + _sanitize(value.name_hint if value is not None else None)

    def emit(self, indent: int, text: str, origin: str | None = None) -> None:
        self.section.lines.append("    " * indent + text)
        self.section.origins.append(origin)

    def value(self, v: SSAValue, op: Operation) -> str:
        if v not in self.values:
            if v in self.buffers:
                raise LoopInterpreterError(f"{self.where(op)}: {self.label(v)} is a buffer, expected a scalar or vector")
            raise LoopInterpreterError(f"{self.where(op)}: operand {self.label(v)} has no value")
        return self.values[v]

    def buffer(self, v: SSAValue, op: Operation) -> _Buffer:
        if v not in self.buffers:
            raise LoopInterpreterError(f"{self.where(op)}: {self.label(v)} is not a buffer the interpreter knows")
        return self.buffers[v]

    def define(self, result: SSAValue, expr: str, indent: int, op: Operation) -> None:
        name = self.fresh(result)
        self.emit(indent, f"{name} = {expr}", self.where(op))
        self.values[result] = name

    # -- functions

    def compile(self) -> None:
        params: list[str] = []
        for i, arg in enumerate(self.func.args):
            self.label(arg)
            _memref_shape(arg.type, f"@{self.func.sym_name.data} argument {i}")
            storage = self.fresh(arg, "b")
            offset = f"{storage}_o" if self.dynamic_offsets else None
            params += [storage] + ([offset] if offset else [])
            self.buffers[arg] = _Buffer(storage, offset, self.strides[i], arg.type, self.label(arg))  # type: ignore[arg-type]
        self.program.sections.append(self.section)
        self.emit(0, f"def {self.name}({', '.join(params)}):", f"loop.func @{self.func.sym_name.data}")
        self.block(self.func.body.block, 1)

    def block(self, block: Block, indent: int) -> None:
        start = len(self.section.lines)
        for op in block.ops:
            self.op(op, indent)
        if len(self.section.lines) == start:
            self.emit(indent, "pass")

    def outline(self, op: Operation, indent: int) -> None:
        """Emit `op` as a separate generated function (too deep a nest for one Python function)."""
        inside = {id(o) for o in op.walk()}
        params: list[str] = []
        seen: set[str] = set()
        for nested in op.walk():
            for operand in nested.operands:
                owner = operand.owner
                defining = owner.parent_op() if isinstance(owner, Block) else owner
                if defining is not None and id(defining) in inside:
                    continue
                names = []
                if operand in self.buffers:
                    b = self.buffers[operand]
                    names = [b.storage] + ([b.offset] if b.offset else [])
                elif operand in self.values and self.values[operand].isidentifier():
                    names = [self.values[operand]]
                for n in names:
                    if n not in seen and not n.startswith("_"):
                        seen.add(n)
                        params.append(n)
        name = self.program.fresh("_o")
        self.emit(indent, f"{name}({', '.join(params)})", self.where(op))
        outer, outer_depth = self.section, self.for_depth
        self.section, self.for_depth = _Section(), 0
        self.program.sections.append(self.section)
        self.emit(0, f"def {name}({', '.join(params)}):", self.where(op))
        self.op(op, 1)
        self.section, self.for_depth = outer, outer_depth

    # -- ops

    def op(self, op: Operation, indent: int) -> None:
        if isinstance(op, ForOp | IfOp) and (self.for_depth >= _MAX_FOR_DEPTH or indent >= _MAX_INDENT):
            self.outline(op, indent)
            return
        handler = _HANDLERS.get(type(op))
        if handler is not None:
            handler(self, op, indent)
        elif op.name in EMITTERS:
            self.scalar_op(op, indent)
        else:
            raise LoopInterpreterError(f"{self.where(op)}: the loop interpreter does not support {op.name}")

    def for_op(self, op: ForOp, indent: int) -> None:
        lb, ub, step = op.bounds
        iv = op.induction_var
        name = self.fresh(iv, "i")
        self.values[iv] = name
        trip = op.trip_count
        self.ranges[iv] = (lb, lb + (trip - 1) * step) if trip > 0 else (lb, lb)
        bounds = f"{lb}, {ub}" + (f", {step}" if step != 1 else "")
        self.emit(indent, f"for {name} in range({bounds}):", self.where(op))
        self.for_depth += 1
        self.block(op.body.block, indent + 1)
        self.for_depth -= 1

    def if_op(self, op: IfOp, indent: int) -> None:
        self.emit(indent, f"if {self.value(op.condition, op)}:", self.where(op))
        self.block(op.then_region.block, indent + 1)
        if op.else_region.blocks and op.else_region.block.ops:
            self.emit(indent, "else:")
            self.block(op.else_region.block, indent + 1)

    def apply_op(self, op: ApplyOp, indent: int) -> None:
        operands = list(op.operands_)
        names = [self.value(v, op) for v in operands]
        ranges = [self.ranges.get(v) for v in operands]

        def lower(e: AffineExpr) -> tuple[str, _Range | None]:
            if isinstance(e, AffineDimExpr):
                return names[e.position], ranges[e.position]
            if isinstance(e, AffineConstantExpr):
                return _literal(e.value), (e.value, e.value)
            if isinstance(e, AffineBinaryOpExpr):
                (a, ra), (b, rb) = lower(e.lhs), lower(e.rhs)
                kind = _AFFINE_KINDS[e.kind]
                if kind in ("mod", "floordiv", "ceildiv") and isinstance(e.rhs, AffineConstantExpr) and e.rhs.value == 0:
                    raise LoopInterpreterError(f"{self.where(op)}: division by zero in {op.map.data}")
                text = {
                    "add": f"({a} + {b})",
                    "mul": f"({a} * {b})",
                    "mod": f"({a} % {b})",
                    "floordiv": f"({a} // {b})",
                    "ceildiv": f"(-(-{a} // {b}))",
                }[kind]
                return text, _range_binary(kind, ra, rb)
            raise LoopInterpreterError(f"{self.where(op)}: unsupported affine expression {e}")

        expr, r = lower(op.map.data.results[0])
        if r is not None and r[0] == r[1]:
            self.values[op.result] = _literal(r[0])
        else:
            self.define(op.result, expr, indent, op)
        if r is not None:
            self.ranges[op.result] = r

    def linear(self, b: _Buffer, indices: Sequence[SSAValue], op: Operation) -> str:
        """The flat position of `indices` in buffer b."""
        const, terms = 0, []
        if b.offset:
            terms.append(b.offset)
        for v, stride in zip(indices, b.strides, strict=True):
            r = self.ranges.get(v)
            if r is not None and r[0] == r[1]:
                const += r[0] * stride
            elif stride == 1:
                terms.append(self.value(v, op))
            elif stride != 0:
                terms.append(f"{self.value(v, op)}*{stride}")
        if const or not terms:
            terms.append(str(const))
        return " + ".join(terms)

    def check(self, indices: Sequence[SSAValue], limits: Sequence[int], message: str, indent: int, op: Operation) -> None:
        """Emit a run-time check `0 <= index[k] <= limits[k]` for the dims not proven statically."""
        conditions = []
        for v, limit in zip(indices, limits, strict=True):
            r = self.ranges.get(v)
            low_ok = r is not None and r[0] >= 0
            high_ok = r is not None and r[1] <= limit
            name = self.value(v, op)
            if low_ok and high_ok:
                continue
            if low_ok:
                conditions.append(f"{name} <= {limit}")
            elif high_ok:
                conditions.append(f"0 <= {name}")
            else:
                conditions.append(f"0 <= {name} <= {limit}")
        if conditions:
            mid = self.program.message(message)
            index = ", ".join(self.value(v, op) for v in indices)
            self.emit(indent, f"if not ({' and '.join(conditions)}): _oob({mid}, ({index},))", self.where(op))

    def access_check(self, b: _Buffer, indices: Sequence[SSAValue], indent: int, op: Operation, lanes: int = 1) -> None:
        limits = [n - 1 for n in b.shape]
        what = "index \0"
        if lanes > 1:
            limits[-1] = b.shape[-1] - lanes
            what = f"index \0 (with {lanes} lanes)"
        self.check(indices, limits, f"{self.where(op)}: {what} is out of bounds for {b.type}", indent, op)

    def load_op(self, op: LoadOp, indent: int) -> None:
        b = self.buffer(op.buffer, op)
        indices = list(op.indices)
        self.access_check(b, indices, indent, op)
        position = self.linear(b, indices, op)
        read = f"{b.storage}.item({position})" if b.char == "e" else f"{b.storage}[{position}]"
        self.define(op.result, read, indent, op)

    def store_op(self, op: StoreOp, indent: int) -> None:
        b = self.buffer(op.buffer, op)
        indices = list(op.indices)
        value = self.value(op.value, op)
        self.access_check(b, indices, indent, op)
        self.emit(indent, f"{b.storage}[{self.linear(b, indices, op)}] = {value}", self.where(op))

    def alloc_op(self, op: AllocOp, indent: int) -> None:
        shape = _memref_shape(op.result.type, self.where(op))
        storage = self.fresh(op.result, "b")
        char = numpy_dtype(op.result.type.element_type).char  # type: ignore[attr-defined]
        count = int(np.prod(shape, dtype=np.int64))
        self.emit(indent, f"{storage} = _alloc({char!r}, {count})", self.where(op))
        self.buffers[op.result] = _Buffer(storage, None, _contiguous_strides(shape), op.result.type, self.label(op.result))  # type: ignore[arg-type]

    def call_op(self, op: CallOp, indent: int) -> None:
        where = self.where(op)
        callee = self.program.callee(op.callee.root_reference.data, where)
        params = callee.args
        buffers = list(op.buffers)
        if len(params) != len(buffers):
            raise LoopInterpreterError(f"{where}: @{callee.sym_name.data} takes {len(params)} buffers, got {len(buffers)}")
        strides, args = [], []
        for k, (param, v, offsets) in enumerate(zip(params, buffers, op.offsets_of(), strict=True)):
            b = self.buffer(v, op)
            view_shape = _memref_shape(param.type, f"@{callee.sym_name.data} argument {k}")
            pt: MemRefType = param.type  # type: ignore[assignment]
            if len(view_shape) != len(b.shape) or pt.element_type != b.type.element_type:
                raise LoopInterpreterError(f"{where}: buffer {k} ({b.label}: {b.type}) cannot be viewed as {pt}")
            limits = [n - m for n, m in zip(b.shape, view_shape, strict=True)]
            message = f"{where}: the {pt} view of buffer {k} ({b.label}) at \0 does not fit in {b.type}"
            self.check(offsets, limits, message, indent, op)
            strides.append(b.strides)
            args += [b.storage, self.linear(b, offsets, op)]
        name = self.program.specialize(callee, tuple(strides), True)
        self.emit(indent, f"{name}({', '.join(args)})", where)

    def dma_op(self, op: DmaCopyOp, indent: int) -> None:
        src, dst = self.buffer(op.src, op), self.buffer(op.dst, op)
        mid = self.program.message(f"{self.where(op)}: the \0 is out of bounds")

        def tup(values: Sequence[object]) -> str:
            return "(" + "".join(f"{v}, " for v in values) + ")"

        src_index = tup(self.value(v, op) for v in op.src_indices)
        dst_index = tup(self.value(v, op) for v in op.dst_indices)
        self.emit(
            indent,
            f"_dma({mid}, {src.storage}, {src.offset or 0}, {tup(src.strides)}, {tup(src.shape)}, {src_index}, "
            f"{dst.storage}, {dst.offset or 0}, {tup(dst.strides)}, {tup(dst.shape)}, {dst_index}, {tup(op.size_values)})",
            self.where(op),
        )

    def barrier_op(self, op: BarrierOp, indent: int) -> None:
        """Threads run one after the other: a barrier has nothing to wait for."""

    # -- arith / math / vector

    def scalar(self, t: Attribute, op: Operation) -> Scalar:
        try:
            return scalar_of(t)
        except UnsupportedType as e:
            raise LoopInterpreterError(f"{self.where(op)}: {e}") from None

    def constant_op(self, op: arith.ConstantOp, indent: int) -> None:
        t = op.result.type
        attr = op.value
        if isinstance(t, VectorType):
            s = self.scalar(t, op)
            lanes = self.lanes(t, op)
            if not isinstance(attr, DenseIntOrFPElementsAttr):
                raise LoopInterpreterError(f"{self.where(op)}: unsupported vector constant {attr}")
            values = list(attr.get_values())
            if len(values) == 1:
                values *= lanes
            values = [self.const_value(v, s) for v in values]
            self.values[op.result] = self.program.constant(tuple(values))
            return
        s = self.scalar(t, op)
        if isinstance(attr, IntegerAttr) and s.kind != "f":
            value = _canonical_int(attr.value.data, s)
            self.values[op.result] = _literal(value)
            if s.kind == "index" or not s.is_bool:
                self.ranges[op.result] = (int(value), int(value))
        elif isinstance(attr, FloatAttr):
            self.values[op.result] = _literal(self.const_value(attr.value.data, s))
        else:
            raise LoopInterpreterError(f"{self.where(op)}: unsupported constant {attr}")

    def const_value(self, v: object, s: Scalar) -> object:
        if s.kind == "f":
            return round_float(float(v), s.width)  # type: ignore[arg-type]
        return _canonical_int(int(v), s)  # type: ignore[call-overload]

    def lanes(self, t: Attribute, op: Operation) -> int:
        assert isinstance(t, VectorType)
        shape = t.get_shape()
        if len(shape) != 1:
            raise LoopInterpreterError(f"{self.where(op)}: the loop interpreter supports 1-D vectors only, got {t}")
        return shape[0]

    def lanewise(self, op: Operation, emit: Callable[[list[str]], str], vector_type: Attribute, indent: int) -> None:
        """Define op's result as the lane-by-lane application of a scalar expression."""
        n = self.lanes(vector_type, op)
        operands = [(self.value(v, op), isinstance(v.type, VectorType)) for v in op.operands]
        if n <= _UNROLL_LANES:
            lanes = [emit([f"{name}[{k}]" if is_vector else name for name, is_vector in operands]) for k in range(n)]
            self.define(op.results[0], "[" + ", ".join(lanes) + "]", indent, op)
            return
        loop_vars = [f"_l{k}" if is_vector else name for k, (name, is_vector) in enumerate(operands)]
        sources = [name for name, is_vector in operands if is_vector]
        targets = [v for v, (_, is_vector) in zip(loop_vars, operands, strict=True) if is_vector]
        iterator = sources[0] if len(sources) == 1 else f"zip({', '.join(sources)})"
        self.define(op.results[0], f"[{emit(loop_vars)} for {', '.join(targets)} in {iterator}]", indent, op)

    def scalar_op(self, op: Operation, indent: int) -> None:
        emitter = EMITTERS[op.name]
        if len(op.results) != 1:
            raise LoopInterpreterError(f"{self.where(op)}: expected one result")
        result = op.results[0]
        types = Types(tuple(self.scalar(v.type, op) for v in op.operands), self.scalar(result.type, op))
        if any(isinstance(v.type, VectorType) for v in op.operands) and not isinstance(result.type, VectorType):
            raise LoopInterpreterError(f"{self.where(op)}: an elementwise op on vectors must produce a vector, got {result.type}")
        if isinstance(result.type, VectorType):
            self.lanewise(op, lambda args: emitter(op, args, types), result.type, indent)
            return
        args = [self.value(v, op) for v in op.operands]
        if self.is_exact_cast(op, types):
            self.values[result] = args[0]  # the value is representable as is: the cast changes nothing
        elif op.name == "arith.sitofp" and self.fits(op.operands[0], 1 << (11 if types.result.width == 16 else 24)):
            self.define(result, f"float({args[0]})", indent, op)  # no rounding needed
        else:
            self.define(result, emitter(op, args, types), indent, op)
        self.ranges_of(op, types)

    def fits(self, value: SSAValue, bound: int) -> bool:
        """Whether value is statically known to lie in [-bound, bound]."""
        r = self.ranges.get(value)
        return r is not None and -bound <= r[0] and r[1] <= bound

    def is_exact_cast(self, op: Operation, types: Types) -> bool:
        if op.name not in ("arith.index_cast", "arith.extsi"):
            return False
        source, result = types.operands[0], types.result
        assert result is not None
        if source.is_bool or not source.signed:
            return False
        if result.kind == "index" or op.name == "arith.extsi":  # widening a signed value
            return True
        return self.fits(op.operands[0], (1 << (result.width - 1)) - 1)

    def ranges_of(self, op: Operation, types: Types) -> None:
        """Static ranges through index arithmetic (for bounds-check elimination)."""
        r = types.result
        if r is None or r.kind == "f" or r.is_bool:
            return
        kind = {
            "arith.addi": "add",
            "arith.subi": "sub",
            "arith.muli": "mul",
            "arith.floordivsi": "floordiv",
            "arith.ceildivsi": "ceildiv",
            "arith.divsi": "divsi",
            "arith.remsi": "remsi",
        }.get(op.name)
        ranges = [self.ranges.get(v) for v in op.operands]
        out: _Range | None = None
        if kind is not None:
            out = _range_binary(kind, ranges[0], ranges[1])
        elif op.name in ("arith.maxsi", "arith.minsi") and None not in ranges:
            fn = max if op.name == "arith.maxsi" else min
            out = fn(ranges[0][0], ranges[1][0]), fn(ranges[0][1], ranges[1][1])  # type: ignore[index]
        elif op.name == "arith.select" and ranges[1] is not None and ranges[2] is not None:
            out = min(ranges[1][0], ranges[2][0]), max(ranges[1][1], ranges[2][1])
        elif op.name == "arith.index_cast" and ranges[0] is not None and types.operands[0].signed:
            out = ranges[0]
        if out is None:
            return
        if r.kind != "index":  # wrapping types: only when no value can wrap
            if not r.signed or not (-(1 << (r.width - 1)) <= out[0] and out[1] < (1 << (r.width - 1))):
                return
        self.ranges[op.results[0]] = out

    def vector_load(self, op: vector.LoadOp, indent: int) -> None:
        b = self.buffer(op.base, op)
        n = self.lanes(op.result.type, op)
        indices = list(op.indices)
        if not indices:
            raise LoopInterpreterError(f"{self.where(op)}: vector.load from a 0-d memref")
        self.access_check(b, indices, indent, op, lanes=n)
        start = self.fresh(None, "t")
        self.emit(indent, f"{start} = {self.linear(b, indices, op)}", self.where(op))
        self.define(op.result, f"{b.storage}[{start}:{start} + {n}].tolist()", indent, op)

    def vector_store(self, op: vector.StoreOp, indent: int) -> None:
        b = self.buffer(op.base, op)
        n = self.lanes(op.vector.type, op)
        indices = list(op.indices)
        if not indices:
            raise LoopInterpreterError(f"{self.where(op)}: vector.store into a 0-d memref")
        value = self.value(op.vector, op)
        self.access_check(b, indices, indent, op, lanes=n)
        start = self.fresh(None, "t")
        self.emit(indent, f"{start} = {self.linear(b, indices, op)}", self.where(op))
        if n <= _UNROLL_LANES:
            stores = "; ".join(f"{b.storage}[{start} + {k}] = {value}[{k}]" for k in range(n))
            self.emit(indent, stores or "pass", self.where(op))
        else:
            self.emit(indent, f"_vstore({b.storage}, {start}, {value})", self.where(op))

    def vector_broadcast(self, op: vector.BroadcastOp, indent: int) -> None:
        n = self.lanes(op.vector.type, op)
        source = self.value(op.source, op)
        if isinstance(op.source.type, VectorType):
            if self.lanes(op.source.type, op) == n:
                self.values[op.vector] = source
                return
            self.define(op.vector, f"{source} * {n}", indent, op)  # vector<1xT> to vector<nxT>
            return
        self.define(op.vector, f"[{source}] * {n}", indent, op)

    def vector_fma(self, op: vector.FMAOp, indent: int) -> None:
        self.lanewise(op, lambda a: f"({a[0]} * {a[1]} + {a[2]})", op.res.type, indent)

    def vector_reduction(self, op: vector.ReductionOp, indent: int) -> None:
        n = self.lanes(op.vector.type, op)
        element = self.scalar(op.vector.type, op)
        kind = op.kind.data.value
        combine = REDUCTION_OPS[kind]
        if combine in ("arith.add", "arith.mul"):
            combine += "f" if element.kind == "f" else "i"
        emitter = EMITTERS[combine]
        types = Types((element, element), element)
        source = self.value(op.vector, op)
        acc: str | None = self.value(op.acc, op) if op.acc is not None else None
        for k in range(n):
            lane = f"{source}[{k}]"
            if acc is None:
                acc = lane
                continue
            # one line per step: the combining expressions use their operands several times
            name = self.fresh(None, "r")
            self.emit(indent, f"{name} = {emitter(op, [acc, lane], types)}", self.where(op))
            acc = name
        if acc is None:
            raise LoopInterpreterError(f"{self.where(op)}: reduction of an empty vector without an accumulator")
        self.define(op.dest, acc, indent, op)

    def position(self, op: vector.ExtractOp | vector.InsertOp, n: int, indent: int) -> str:
        mixed = op.get_mixed_position()
        if len(mixed) != 1:
            raise LoopInterpreterError(f"{self.where(op)}: the loop interpreter supports 1-D vectors only")
        p = mixed[0]
        if isinstance(p, int):
            if not 0 <= p < n:
                raise LoopInterpreterError(f"{self.where(op)}: position {p} is out of bounds for {n} lanes")
            return str(p)
        self.check([p], [n - 1], f"{self.where(op)}: position \0 is out of bounds for {n} lanes", indent, op)
        return self.value(p, op)

    def vector_extract(self, op: vector.ExtractOp, indent: int) -> None:
        n = self.lanes(op.vector.type, op)
        p = self.position(op, n, indent)
        self.define(op.result, f"{self.value(op.vector, op)}[{p}]", indent, op)

    def vector_insert(self, op: vector.InsertOp, indent: int) -> None:
        n = self.lanes(op.dest.type, op)
        p = self.position(op, n, indent)
        self.define(op.result, f"_vinsert({self.value(op.dest, op)}, {p}, {self.value(op.source, op)})", indent, op)


_HANDLERS: dict[type[Operation], Callable[[_FunctionCompiler, Operation, int], None]] = {
    ForOp: _FunctionCompiler.for_op,
    IfOp: _FunctionCompiler.if_op,
    ApplyOp: _FunctionCompiler.apply_op,
    LoadOp: _FunctionCompiler.load_op,
    StoreOp: _FunctionCompiler.store_op,
    AllocOp: _FunctionCompiler.alloc_op,
    CallOp: _FunctionCompiler.call_op,
    DmaCopyOp: _FunctionCompiler.dma_op,
    BarrierOp: _FunctionCompiler.barrier_op,
    arith.ConstantOp: _FunctionCompiler.constant_op,
    vector.LoadOp: _FunctionCompiler.vector_load,
    vector.StoreOp: _FunctionCompiler.vector_store,
    vector.BroadcastOp: _FunctionCompiler.vector_broadcast,
    vector.FMAOp: _FunctionCompiler.vector_fma,
    vector.ReductionOp: _FunctionCompiler.vector_reduction,
    vector.ExtractOp: _FunctionCompiler.vector_extract,
    vector.InsertOp: _FunctionCompiler.vector_insert,
}  # type: ignore[dict-item]


# ---------------------------------------------------------------------------------------------------
# The API.


class CompiledLoopFunction:
    """A loop.func translated to Python: call it with one numpy array per argument; it runs in place.

    `source` is the generated Python (handy when debugging a lowering)."""

    def __init__(self, func: FuncOp, entry: Callable[..., None], source: str, filename: str, origins: list[str | None]):
        self.name = func.sym_name.data
        self.arg_types: tuple[MemRefType, ...] = tuple(a.type for a in func.args)  # type: ignore[misc]
        self._expected = [(tuple(t.get_shape()), numpy_dtype(t.element_type)) for t in self.arg_types]
        self._entry = entry
        self.source = source
        self._filename = filename
        self._origins = origins

    def __repr__(self) -> str:
        return f"<CompiledLoopFunction @{self.name}>"

    def check_arguments(self, buffers: Sequence[np.ndarray]) -> None:
        """LoopInterpreterError unless the buffers match the argument types (shape and dtype)."""
        if len(buffers) != len(self.arg_types):
            raise LoopInterpreterError(f"loop.func @{self.name} takes {len(self.arg_types)} buffers, got {len(buffers)}")
        for i, (buf, t, (shape, dtype)) in enumerate(zip(buffers, self.arg_types, self._expected, strict=True)):
            expected = f"a {dtype} array of shape {shape} ({t})"
            if not isinstance(buf, np.ndarray):
                raise LoopInterpreterError(f"loop.func @{self.name} argument {i}: expected {expected}, got {type(buf).__name__}")
            if buf.shape != shape or buf.dtype != dtype:
                raise LoopInterpreterError(
                    f"loop.func @{self.name} argument {i}: expected {expected}, got a {buf.dtype} array of shape {buf.shape}"
                )

    def __call__(self, *buffers: np.ndarray) -> None:
        self.check_arguments(buffers)
        storages, copies = [], []
        for buf in buffers:
            if buf.flags.c_contiguous:
                storages.append(_flat_storage(buf))
            else:
                copy = np.ascontiguousarray(buf)
                copy.flags.writeable = buf.flags.writeable
                storages.append(_flat_storage(copy))
                if buf.flags.writeable:
                    copies.append((buf, copy))
        try:
            with np.errstate(all="ignore"):
                self._entry(*storages)
        except LoopInterpreterError:
            raise
        except Exception as e:
            raise LoopInterpreterError(f"{self._origin(e)}: {type(e).__name__}: {e}") from e
        finally:
            for buf, copy in copies:
                buf[...] = copy

    def _origin(self, error: Exception) -> str:
        """The op whose generated line raised `error`."""
        origin = f"loop.func @{self.name}"
        tb = error.__traceback__
        while tb is not None:
            if tb.tb_frame.f_code.co_filename == self._filename:
                line = tb.tb_lineno - 1
                if 0 <= line < len(self._origins) and self._origins[line]:
                    origin = self._origins[line]  # type: ignore[assignment]
            tb = tb.tb_next
        return origin


_compile_count = itertools.count()


def _enclosing_module(op: Operation) -> ModuleOp | None:
    parent = op.parent_op()
    while parent is not None and not isinstance(parent, ModuleOp):
        parent = parent.parent_op()
    return parent


def compile_loop_function(func: FuncOp, module: ModuleOp | None = None) -> CompiledLoopFunction:
    """Translate `func` (and the loop.funcs it calls, looked up in `module`, by default the module
    around `func`) into a Python callable over numpy arrays. Raises LoopInterpreterError for IR it
    cannot run (unsupported ops or types)."""
    if not isinstance(func, FuncOp):
        raise LoopInterpreterError(f"expected a loop.func, got {getattr(func, 'name', type(func).__name__)}")
    if module is None:
        module = _enclosing_module(func)
    filename = f"<loop.func @{func.sym_name.data} #{next(_compile_count)}>"
    program = _Program(module, filename)
    strides = tuple(
        _contiguous_strides(_memref_shape(a.type, f"@{func.sym_name.data} argument {i}")) for i, a in enumerate(func.args)
    )
    entry = program.specialize(func, strides, False)
    namespace, source, origins = program.build()
    return CompiledLoopFunction(func, namespace[entry], source, filename, origins)  # type: ignore[arg-type]


# run_loop_function caches the compiled function per loop.func op, keyed by a structural fingerprint of
# the module (so edits to the IR recompile).
_cache: weakref.WeakKeyDictionary[Operation, tuple[object, CompiledLoopFunction]] = weakref.WeakKeyDictionary()


def _scan(module: ModuleOp, name: str) -> tuple[list[FuncOp], list[object]]:
    """The loop.funcs of the module named `name`, and a structural fingerprint of the module: the
    identities of ops, values and blocks (ids: the cache must not keep IR alive; equal id sequences
    with equal names and types mean the same use-def graph) and the op names, types, properties and
    attributes (immutable values, compared by equality)."""
    found: list[FuncOp] = []
    parts: list[object] = []
    append, extend = parts.append, parts.extend
    for op in module.walk():
        if isinstance(op, FuncOp) and op.sym_name.data == name:
            found.append(op)
        append(id(op))
        append(op.name)
        extend(map(id, op.operands))
        for r in op.results:
            append(id(r))
            append(r.type)
        extend(op.properties.items())
        extend(op.attributes.items())
        for region in op.regions:
            append(len(region.blocks))
            for block in region.blocks:
                append(id(block))
                for a in block.args:
                    append(id(a))
                    append(a.type)
    return found, parts


def run_loop_function(module: ModuleOp, name: str, buffers: Sequence[np.ndarray]) -> None:
    """Run the loop.func @name of `module` on `buffers` (numpy arrays, one per argument, updated in
    place). LoopInterpreterError if the buffers do not match the argument types, for IR the interpreter
    cannot run, and for failures while running (out-of-bounds accesses, ...)."""
    funcs, fingerprint = _scan(module, name)
    if not funcs:
        known = ", ".join(f"@{op.sym_name.data}" for op in module.walk() if isinstance(op, FuncOp)) or "none"
        raise LoopInterpreterError(f"no loop.func @{name} in the module (loop.funcs: {known})")
    func = funcs[0]
    cached = _cache.get(func)
    if cached is not None and cached[0] == fingerprint:
        compiled = cached[1]
    else:
        compiled = compile_loop_function(func, module)
        _cache[func] = (fingerprint, compiled)
    compiled(*buffers)
