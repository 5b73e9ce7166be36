"""The Python tensor-expression API (TVM's `tvm.te`): declare computes, schedule them, build te IR.

    from tessel.frontends import te
    A = te.placeholder((64, 64), name="A")
    k = te.reduce_axis((0, 64), name="k")
    C = te.compute((64, 64), lambda y, x: te.sum(A[k, y] * A[k, x], axis=k), name="C")
    s = te.create_schedule(C.op)
    yo, xo, yi, xi = s[C].tile(C.op.axis[0], C.op.axis[1], 8, 8)
    module = te.build_module(s, [A, C], name="gram")   # func.func @gram + te.schedule

Nothing is computed in Python: the module holds `te.compute` ops and the `te.schedule` of primitives.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Sequence

from xdsl.dialects import func
from xdsl.dialects.builtin import ModuleOp
from xdsl.ir import Block, Region, SSAValue

from tessel.dialects import te as te_ir
from tessel.frontends.te_codegen import build_compute_op, tensor_type, valid_name
from tessel.frontends.te_expr import (
    DTYPES,
    Expr,
    IterVar,
    Range,
    TeError,
    all_of,
    any_of,
    const,
    if_then_else,
    math_call,
    max_value,
    min_value,
    power,
    sigmoid,
)
from tessel.frontends.te_schedule import Schedule, Stage, TensorIntrin, create_schedule, reachable_ops
from tessel.frontends.te_tensor import (
    CacheOp,
    ComputeOp,
    Operation,
    PlaceholderOp,
    Tensor,
    compute,
    placeholder,
    reduce_axis,
    reduction,
)

__all__ = [
    "DTYPES",
    "Buffer",
    "ComputeOp",
    "Expr",
    "IterVar",
    "Operation",
    "PlaceholderOp",
    "Range",
    "Schedule",
    "Stage",
    "Tensor",
    "TensorIntrin",
    "TeError",
    "abs",
    "all",
    "any",
    "build_module",
    "call_extern",
    "ceil",
    "compute",
    "const",
    "create_schedule",
    "decl_tensor_intrin",
    "erf",
    "exp",
    "floor",
    "hardware_intrin",
    "if_then_else",
    "log",
    "max",
    "max_value",
    "min",
    "min_value",
    "placeholder",
    "power",
    "prod",
    "reduce_axis",
    "sigmoid",
    "sqrt",
    "sum",
    "tanh",
    "thread_axis",
]

# ----------------------------------------------------------------------------- expression functions
# (These shadow Python builtins inside this module, as in TVM's te namespace.)


def sum(expr: object, axis: object = None, where: object = None, init: object = None) -> Expr:  # noqa: A001
    """The sum of `expr` over the reduce axis (or list of axes); `te.sum(a, b)` is a + b."""
    return reduction("sum", expr, axis, where, init)


def prod(expr: object, axis: object = None, where: object = None, init: object = None) -> Expr:
    """The product of `expr` over the reduce axis (or axes)."""
    return reduction("prod", expr, axis, where, init)


def max(expr: object, axis: object = None, where: object = None, init: object = None) -> Expr:  # noqa: A001
    """The maximum of `expr` over the reduce axis (or axes); `te.max(a, b)` is the larger of the two."""
    return reduction("max", expr, axis, where, init)


def min(expr: object, axis: object = None, where: object = None, init: object = None) -> Expr:  # noqa: A001
    """The minimum of `expr` over the reduce axis (or axes); `te.min(a, b)` is the smaller of the two."""
    return reduction("min", expr, axis, where, init)


def all(*conditions: object) -> Expr:  # noqa: A001
    """True where every condition holds."""
    return all_of(*conditions)


def any(*conditions: object) -> Expr:  # noqa: A001
    """True where some condition holds."""
    return any_of(*conditions)


def exp(x: object) -> Expr:
    return math_call("exp", x)


def log(x: object) -> Expr:
    return math_call("log", x)


def sqrt(x: object) -> Expr:
    return math_call("sqrt", x)


def tanh(x: object) -> Expr:
    return math_call("tanh", x)


def erf(x: object) -> Expr:
    return math_call("erf", x)


def floor(x: object) -> Expr:
    return math_call("floor", x)


def ceil(x: object) -> Expr:
    return math_call("ceil", x)


def abs(x: object) -> Expr:  # noqa: A001
    return math_call("abs", x)


def thread_axis(dom: object = None, tag: str = "", name: str = "") -> IterVar:
    """A GPU thread index or virtual thread to bind loops to: `te.thread_axis("threadIdx.x")`."""
    if isinstance(dom, str):
        dom, tag = None, dom
    if tag not in te_ir.THREAD_TAGS:
        raise TeError(f"te.thread_axis: unknown thread tag {tag!r}; expected one of {', '.join(te_ir.THREAD_TAGS)}")
    extent = None
    if dom is not None:
        if not isinstance(dom, tuple | list) or len(dom) != 2 or not isinstance(dom[0], int) or not isinstance(dom[1], int):
            raise TeError(f"te.thread_axis: dom must be a (lo, hi) pair of ints, got {dom!r}")
        extent = Range(dom[0], dom[1] - dom[0])
    return IterVar(name or tag, extent, "thread", tag=tag)


# ----------------------------------------------------------------------------- tensor intrinsics


class Buffer:
    """The buffer of one input or the output of a tensor intrinsic declaration, as `lower_fn` sees it."""

    def __init__(self, tensor: Tensor):
        self.tensor = tensor

    @property
    def name(self) -> str:
        return self.tensor.name

    @property
    def shape(self) -> tuple[int, ...]:
        return self.tensor.shape

    @property
    def dtype(self) -> str:
        return self.tensor.dtype

    def access_ptr(self, access_mask: str | int = "r", *_: object, **__: object) -> BufferPointer:
        """A pointer to the buffer for a hardware call; `access_mask` is "r", "w" or "rw" (or 1, 2, 3)."""
        if isinstance(access_mask, int) and not isinstance(access_mask, bool) and 1 <= access_mask <= 3:
            access_mask = ("r" if access_mask & 1 else "") + ("w" if access_mask & 2 else "")
        if not isinstance(access_mask, str) or not access_mask or set(access_mask) - {"r", "w"}:
            raise TeError(f"access_ptr: the access mask must be 'r', 'w' or 'rw', got {access_mask!r}")
        return BufferPointer(self, access_mask)

    def __repr__(self) -> str:
        return f"Buffer({self.name})"


class BufferPointer:
    def __init__(self, buffer: Buffer, mode: str):
        self.buffer, self.mode = buffer, mode


class HardwareCall:
    """A call of a hardware intrinsic `callee` on buffers, built by te.hardware_intrin in a `lower_fn`."""

    def __init__(self, callee: str, tensors: tuple[Tensor, ...]):
        self.callee, self.tensors = callee, tensors


def hardware_intrin(name: str, *args: object) -> HardwareCall:
    """A call of the hardware intrinsic `name` on buffer pointers (`buf.access_ptr("r")`) or buffers."""
    if not isinstance(name, str) or not name:
        raise TeError(f"te.hardware_intrin: the name must be a non-empty string, got {name!r}")
    tensors = []
    for arg in args:
        if isinstance(arg, BufferPointer):
            tensors.append(arg.buffer.tensor)
        elif isinstance(arg, Buffer):
            tensors.append(arg.tensor)
        else:
            raise TeError(
                f"te.hardware_intrin {name}: arguments must be buffers or buf.access_ptr(...), got {type(arg).__name__}"
            )
    return HardwareCall(name, tuple(tensors))


def call_extern(dtype: str, name: str, *args: object) -> HardwareCall:
    """TVM's spelling of a hardware call (`tvm.tir.call_extern`); the dtype is the call's, not used here."""
    return hardware_intrin(name, *args)


def _call_list(result: object, where: str) -> tuple[HardwareCall, HardwareCall | None, HardwareCall | None]:
    calls = tuple(result) if isinstance(result, list | tuple) else (result,)
    if len(calls) == 1:
        calls = (calls[0], None, None)
    if len(calls) != 3:
        raise TeError(f"{where}: lower_fn must return one call or (compute, reset, update), got {len(calls)} values")
    body, reset, update = calls
    if not isinstance(body, HardwareCall):
        raise TeError(f"{where}: the compute call must be made by te.hardware_intrin, got {type(body).__name__}")
    if (reset is None) != (update is None):
        raise TeError(f"{where}: reset and update come together (both or neither)")
    for call in (reset, update):
        if call is not None and not isinstance(call, HardwareCall):
            raise TeError(f"{where}: reset and update must be made by te.hardware_intrin, got {type(call).__name__}")
    return body, reset, update


def decl_tensor_intrin(op: ComputeOp | Tensor, lower_fn: Callable[..., object], name: str | None = None) -> TensorIntrin:
    """A tensor intrinsic: `op` (a compute over placeholders) says what it computes; `lower_fn(ins, outs)` returns
    the hardware calls doing it, one call or (compute, reset, update), built with te.hardware_intrin."""
    if isinstance(op, Tensor):
        op = op.op  # type: ignore[assignment]
    if not isinstance(op, ComputeOp):
        raise TeError(f"te.decl_tensor_intrin: expected the compute operation of the declaration, got {type(op).__name__}")
    where = f"te.decl_tensor_intrin {name or op.name}"
    inputs = op.input_tensors
    for tensor in inputs:
        if not isinstance(tensor.op, PlaceholderOp):
            raise TeError(f"{where}: the inputs of a tensor intrinsic must be placeholders; {tensor.name} is not")
    output = op.output(0)
    body, reset, update = _call_list(lower_fn([Buffer(t) for t in inputs], [Buffer(output)]), where)
    allowed = {id(t) for t in (*inputs, output)}
    for call in (body, reset, update):
        if call is None:
            continue
        for tensor in call.tensors:
            if id(tensor) not in allowed:
                raise TeError(f"{where}: the call {call.callee} passes {tensor.name}, which is no buffer of this intrinsic")
        if not builtins.any(t is output for t in call.tensors):
            raise TeError(f"{where}: the call {call.callee} must pass the output buffer {output.name}")
    intrin_name = op.name if name is None else name
    if not isinstance(intrin_name, str) or not intrin_name:
        raise TeError(f"te.decl_tensor_intrin: the name must be a non-empty string, got {intrin_name!r}")

    def as_call(call: HardwareCall | None) -> tuple[str, tuple[Tensor, ...]] | None:
        return None if call is None else (call.callee, call.tensors)

    return TensorIntrin(intrin_name, output, tuple(inputs), (body.callee, body.tensors), as_call(reset), as_call(update))


def intrin_op(intrin: TensorIntrin) -> te_ir.IntrinOp:
    """The module-level `te.intrin @name` op of a declared intrinsic."""
    block = Block()
    values: dict[Tensor, SSAValue] = {}
    for tensor in intrin.inputs:
        declared = te_ir.PlaceholderOp(tensor.name, tensor_type(tensor))
        declared.result.name_hint = valid_name(tensor.name)
        block.add_op(declared)
        values[tensor] = declared.result
    computed = build_compute_op(intrin.output.op, intrin.output, values)  # type: ignore[arg-type]
    block.add_op(computed)
    values[intrin.output] = computed.result

    def call(spec: tuple[str, tuple[Tensor, ...]] | None) -> tuple[str, list[SSAValue]] | None:
        return None if spec is None else (spec[0], [values[t] for t in spec[1]])

    lowering = te_ir.IntrinLowerOp(computed.result, call(intrin.compute_call), call(intrin.reset_call), call(intrin.update_call))  # type: ignore[arg-type]
    block.add_op(lowering)
    return te_ir.IntrinOp(intrin.name, Region(block))


# ----------------------------------------------------------------------------- building


def _classify(sched: Schedule, args: Sequence[object]) -> tuple[list[Tensor], list[Tensor]]:
    """The placeholders and the computed tensors among `args`, in order."""
    inputs: list[Tensor] = []
    outputs: list[Tensor] = []
    seen: set[int] = set()
    for arg in args:
        if not isinstance(arg, Tensor):
            raise TeError(f"te.build_module: args must be tensors, got {type(arg).__name__}")
        if id(arg) in seen:
            raise TeError(f"te.build_module: {arg.name} appears twice in args")
        seen.add(id(arg))
        if isinstance(arg.op, PlaceholderOp):
            inputs.append(arg)
        elif isinstance(arg.op, CacheOp):
            raise TeError(f"te.build_module: {arg.name} is a cache stage made by the schedule, not a function argument")
        elif arg.op in sched.stages:
            outputs.append(arg)
        else:
            raise TeError(
                f"te.build_module: {arg.name} is neither a placeholder nor computed by the schedule "
                f"(it covers {', '.join(o.name for o in sched.outputs)} and what they read)"
            )
    if not outputs:
        raise TeError("te.build_module: args name no computed tensor; the function needs at least one output")
    return inputs, outputs


def build_module(sched: Schedule, args: Sequence[Tensor], name: str = "main") -> ModuleOp:
    """A module holding `func.func @name(placeholders in args) -> (computed tensors in args)` with every compute
    the outputs need and the schedule, plus a `te.intrin` op per tensor intrinsic the schedule tensorizes with."""
    if not isinstance(sched, Schedule):
        raise TeError(f"te.build_module: expected a Schedule (te.create_schedule), got {type(sched).__name__}")
    if not isinstance(args, list | tuple):
        raise TeError(f"te.build_module: args must be a list of tensors, got {type(args).__name__}")
    if not isinstance(name, str) or not name:
        raise TeError(f"te.build_module: the function name must be a non-empty string, got {name!r}")
    if name in sched.intrinsics:
        raise TeError(f"te.build_module: the function name {name} is also a tensor intrinsic's name")
    inputs, outputs = _classify(sched, args)
    ops = reachable_ops([t.op for t in outputs])
    known = {id(t) for t in inputs}
    missing = [op.name for op in ops if isinstance(op, PlaceholderOp) and id(op.output(0)) not in known]
    if missing:
        raise TeError(f"te.build_module: the placeholder(s) {', '.join(missing)} are read but not in args")

    block = Block(arg_types=[tensor_type(t) for t in inputs])
    values: dict[Tensor, SSAValue] = {}
    for tensor, arg in zip(inputs, block.args, strict=True):
        arg.name_hint = valid_name(tensor.name)
        values[tensor] = arg
    for op in ops:
        if isinstance(op, ComputeOp):
            computed = build_compute_op(op, op.output(0), values)
            block.add_op(computed)
            values[op.output(0)] = computed.result
    schedule = te_ir.ScheduleOp()
    block.add_op(schedule)
    sched.emit(schedule.body.block, values, name)
    block.add_op(func.ReturnOp(*(values[t] for t in outputs)))
    function = func.FuncOp(name, ([tensor_type(t) for t in inputs], [tensor_type(t) for t in outputs]), Region(block))
    module = ModuleOp([*(intrin_op(i) for i in sched.intrinsics.values()), function])
    module.verify()
    return module
