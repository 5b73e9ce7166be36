"""Parallel loops on native threads, without the GIL.

The outermost parallel loop of a public function's nest is outlined into

    void F.parallel(i64 begin, i64 end, ptr noalias %A, ..., <scalar live-ins>)   // iterations [begin, end)
    ptr  F.parallel.thread(ptr slot)      // a chunk's entry: slot = {i64 begin, i64 end, ptr ctx, i64 unused}

and replaced by: T = F.parallel.threads(N) (the global `tessel_num_threads`, clamped to [1, min(N, 256)]);
F.parallel.fill(N, T, ctx, slots) writes the chunks [k*N/T, (k+1)*N/T), k = 0..T-1; then
`tessel_parallel_launch(&F.parallel.thread, slots, T)` runs them on the process's thread pool
(backends/llvm/thread_pool.py: the caller runs chunk 0, pool workers the others). ctx is a stack struct of
the live-ins (buffer pointers first, then scalars: outer induction variables, loaded values, ...).
Parallel loops nested inside run serially.
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.dialects import arith, llvm
from xdsl.dialects.builtin import MemRefType, UnitAttr, i32, i64
from xdsl.ir import Attribute, Block, Operation, SSAValue
from xdsl.rewriter import InsertPoint, Rewriter

from tessel.dialects import loop
from tessel.passes.llvm_lowering.emitter import PTR, byte_size, lanes, llvm_type
from tessel.passes.llvm_lowering.loops import Buffer, FunctionLowering
from tessel.passes.llvm_lowering.symbols import MAX_THREADS, NUM_THREADS_SYMBOL, PARALLEL_LAUNCH_SYMBOL

SLOT = llvm.LLVMStructType.from_type_list([i64, i64, PTR, i64])
"""One chunk's slot (32 bytes, the thread pool's SLOT_BYTES): begin, end, the live-in struct, unused."""


@dataclass(frozen=True)
class Runtime:
    """The names of a unit's thread helpers."""

    threads: str
    fill: str


def lower_parallel(caller: FunctionLowering, op: loop.ForOp) -> None:
    """Run the iterations of `op` (trip count >= 2) on threads."""
    unit = caller.unit
    name = unit.fresh_name(f"{unit.prefix}.parallel")
    live_ins = _live_ins(op)
    buffers = [v for v in live_ins if isinstance(v.type, MemRefType)]
    scalars = [v for v in live_ins if not isinstance(v.type, MemRefType)]
    scalar_types = [llvm_type(v.type) for v in scalars]
    values = [caller.buffer(v, op).pointer for v in buffers]
    values += [caller.to_llvm(v) for v in scalars]
    field_types = [PTR] * len(buffers) + scalar_types

    _outline_body(caller, op, name, buffers, scalars, field_types)
    trampoline = _trampoline(caller, name, field_types)
    runtime = _runtime(caller)

    emit = caller.emit
    if field_types:
        context_type = llvm.LLVMStructType.from_type_list(field_types)
        context = caller.in_prologue(llvm.AllocaOp(caller.one, context_type, alignment=_alignment(field_types)))
        for k, value in enumerate(values):
            emit.store(value, emit.field(context, context_type, k))
    else:
        context = emit.op(llvm.ZeroOp.create(result_types=[PTR]))
    if caller.slots is None:
        caller.slots = caller.in_prologue(llvm.AllocaOp(caller.one, llvm.LLVMArrayType(MAX_THREADS, SLOT), alignment=16))
    count = emit.i64(op.trip_count)
    threads = emit.call(runtime.threads, [count], i64)
    emit.call_void(runtime.fill, [count, threads, context, caller.slots])
    launch = unit.declarations.declare(PARALLEL_LAUNCH_SYMBOL, [PTR, PTR, i64])
    emit.call_void(launch, [emit.op(llvm.AddressOfOp(trampoline, PTR)), caller.slots, threads])
    op.detach()
    op.erase()


def _alignment(field_types: list[Attribute]) -> int:
    """An alignment for the live-in struct that suits each field's ABI alignment (a vector's: its size, rounded up
    to a power of two), since the trampoline loads the fields without an explicit alignment."""
    sizes = [byte_size(t) * (lanes(t) or 1) for t in field_types if not isinstance(t, llvm.LLVMPointerType)]
    return max([16, *(1 << (size - 1).bit_length() for size in sizes)])


def _live_ins(op: Operation) -> list[SSAValue]:
    """Values defined outside op and used inside it (constants excepted: they are copied), in first-use order."""
    found: dict[SSAValue, None] = {}
    for inner in op.walk():
        for value in inner.operands:
            owner = value.owner
            where = owner if isinstance(owner, Operation) else owner.parent_op()
            if where is not None and op.is_ancestor(where):
                continue
            if isinstance(owner, arith.ConstantOp):
                continue
            found.setdefault(value, None)
    return list(found)


def _outline_body(
    caller: FunctionLowering,
    op: loop.ForOp,
    name: str,
    buffers: list[SSAValue],
    scalars: list[SSAValue],
    field_types: list[Attribute],
) -> None:
    """`void name(i64 begin, i64 end, live-ins...)`: iterations begin..end-1 of op, with op's body moved in."""
    noalias = {"llvm.noalias": UnitAttr()}
    arg_attrs = [{}, {}] + [noalias] * len(buffers) + [{}] * len(scalars)
    body = FunctionLowering(caller.unit, name, [i64, i64, *field_types], "internal", arg_attrs)
    begin, end, *params = body.entry.args
    begin.name_hint, end.name_hint = "begin", "end"
    for value, param in zip(buffers, params, strict=False):
        outer = caller.buffers[value]
        param.name_hint = outer.pointer.name_hint
        body.buffers[value] = Buffer(param, outer.shape, outer.strides, outer.element)
    inside = op.is_ancestor
    for value, param in zip(scalars, params[len(buffers) :], strict=True):
        value.replace_uses_with_if(body.from_llvm(param, value.type), lambda use: inside(use.operation))
    constants = {
        value.owner: None for inner in op.walk() for value in inner.operands if isinstance(value.owner, arith.ConstantOp)
    }
    for constant in constants:
        assert isinstance(constant, arith.ConstantOp)
        if not inside(constant):
            copy = constant.clone()
            Rewriter.insert_op(copy, InsertPoint.at_end(body.entry))
            constant.result.replace_uses_with_if(copy.result, lambda use: inside(use.operation))

    emit = body.emit
    loop_block, exit_block = Block(arg_types=[i64]), Block()
    emit.cond_br(emit.icmp("slt", begin, end), body.add_block(loop_block), [begin], exit_block, [])
    body.block = loop_block
    trip = loop_block.args[0]
    trip.name_hint = op.induction_var.name_hint
    body.nonneg.add(trip)
    lb, _, step = op.bounds
    iv = trip if step == 1 else emit.mul(trip, emit.i64(step))
    if lb != 0:
        iv = emit.add(iv, emit.i64(lb))
    body.bind(op.induction_var, iv, nonneg=lb >= 0)
    body.lower_block(op.body.block)
    following = emit.add(trip, emit.i64(1))
    emit.cond_br(emit.icmp("slt", following, end), loop_block, [following], body.add_block(exit_block), [])
    body.block = exit_block
    caller.unit.functions.append(body.finish())


def _trampoline(caller: FunctionLowering, body: str, field_types: list[Attribute]) -> str:
    """`ptr body.thread(ptr slot)`: the pthread entry running body on the slot's chunk."""
    unit = caller.unit
    name = unit.fresh_name(f"{body}.thread")
    function = FunctionLowering(unit, name, [PTR], "internal", output=PTR)
    emit = function.emit
    slot = function.entry.args[0]
    begin = emit.load(emit.field(slot, SLOT, 0), i64, 8)
    end = emit.load(emit.field(slot, SLOT, 1), i64, 8)
    args = [begin, end]
    if field_types:
        context_type = llvm.LLVMStructType.from_type_list(field_types)
        context = emit.load(emit.field(slot, SLOT, 2), PTR, 8)
        args += [emit.load(emit.field(context, context_type, k), t) for k, t in enumerate(field_types)]
    emit.call_void(body, args)
    unit.functions.append(function.finish(emit.op(llvm.ZeroOp.create(result_types=[PTR]))))
    return name


def _runtime(caller: FunctionLowering) -> Runtime:
    """The unit's thread helpers, built on first use."""
    unit = caller.unit
    if unit.runtime is None:
        runtime = Runtime(*(unit.fresh_name(f"{unit.prefix}.parallel.{part}") for part in ("threads", "fill")))
        unit.functions += [_threads_function(caller, runtime.threads), _fill_function(caller, runtime.fill)]
        unit.runtime = runtime
    return unit.runtime


def _threads_function(caller: FunctionLowering, name: str) -> llvm.FuncOp:
    """`i64 threads(i64 n)`: tessel_num_threads clamped to [1, min(n, MAX_THREADS)]."""
    function = FunctionLowering(caller.unit, name, [i64], "internal", output=i64)
    emit = function.emit
    setting = emit.load(emit.op(llvm.AddressOfOp(NUM_THREADS_SYMBOL, PTR)), i32, 4)
    count = emit.op(llvm.SExtOp(setting, i64))
    count = emit.intrinsic("llvm.smax.i64", [count, function.one], i64)
    count = emit.intrinsic("llvm.smin.i64", [count, function.entry.args[0]], i64)
    count = emit.intrinsic("llvm.smin.i64", [count, emit.i64(MAX_THREADS)], i64)
    return function.finish(count)


def _fill_function(caller: FunctionLowering, name: str) -> llvm.FuncOp:
    """`void fill(i64 n, i64 t, ptr ctx, ptr slots)`: slot k = {k*n/t, (k+1)*n/t, ctx}, k = 0..t-1 (t >= 1)."""
    function = FunctionLowering(caller.unit, name, [i64, i64, PTR, PTR], "internal")
    emit = function.emit
    count, threads, context, slots = function.entry.args
    loop_block, done = Block(arg_types=[i64]), Block()
    emit.br(function.add_block(loop_block), emit.i64(0))
    function.block = loop_block
    k = loop_block.args[0]
    following = emit.add(k, function.one)
    slot = emit.gep(slots, k, SLOT)
    emit.store(emit.binary(llvm.UDivOp, emit.mul(k, count), threads), emit.field(slot, SLOT, 0), 8)
    emit.store(emit.binary(llvm.UDivOp, emit.mul(following, count), threads), emit.field(slot, SLOT, 1), 8)
    emit.store(context, emit.field(slot, SLOT, 2), 8)
    emit.cond_br(emit.icmp("slt", following, threads), loop_block, [following], function.add_block(done), [])
    function.block = done
    return function.finish()
