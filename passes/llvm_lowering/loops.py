"""The structure of a loop.func lowered into an llvm.func: loops and ifs become blocks and branches,
buffer accesses become `getelementptr inbounds` + load/store, loop.apply becomes i64 arithmetic.

    loop.for %i = 0 to 8 { ... }           ^pre:  llvm.br ^body(%c0)
                                   ==>     ^body(%i: i64): ...; %n = llvm.add %i, %c1 overflow<nsw>
                                                  %more = llvm.icmp "slt" %n, %c8; llvm.cond_br %more, ^body(%n), ^exit

Ops this module does not handle (arith, math, elementwise vector ops) move over unchanged; the
patterns of arith.py / math.py / vector.py convert them afterwards. Index values keep type `index`
for them, and i64 twins (`as_i64`) linked by unrealized casts serve addresses and loop.apply.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from xdsl.dialects import arith, llvm, vector
from xdsl.dialects.builtin import (
    ArrayAttr,
    DictionaryAttr,
    IndexType,
    IntegerAttr,
    MemRefType,
    UnrealizedConversionCastOp,
    i64,
)
from xdsl.ir import Attribute, Block, Operation, Region, SSAValue
from xdsl.rewriter import InsertPoint, Rewriter
from xdsl.utils.exceptions import PassFailedException

from tessel.dialects import loop
from tessel.passes.llvm_lowering.affine import AffineLowering
from tessel.passes.llvm_lowering.emitter import PTR, VOID, Emitter, byte_size, lanes, llvm_type

if TYPE_CHECKING:
    from tessel.passes.llvm_lowering.units import Unit

STACK_BUFFER_BYTES = 64 * 1024
"""loop.allocs up to this size live on the stack (an alloca in the entry block); larger ones are heap-allocated."""
STACK_FRAME_BYTES = 512 * 1024
"""At most this many bytes of stack buffers per function (thread stacks are a few MiB)."""
HEAP_ALIGNMENT = 64


def contiguous_strides(shape: Sequence[int]) -> tuple[int, ...]:
    """Row-major strides (in elements) of a C-contiguous array of `shape`."""
    strides, acc = [], 1
    for n in reversed(shape):
        strides.append(acc)
        acc *= n
    return tuple(reversed(strides))


def static_shape(t: Attribute, what: str) -> tuple[int, ...]:
    if not isinstance(t, MemRefType):
        raise PassFailedException(f"convert-loop-to-llvm: {what}: expected a memref, got {t}")
    shape = tuple(t.get_shape())
    if any(n < 0 for n in shape):
        raise PassFailedException(f"convert-loop-to-llvm: {what}: the buffer shape must be static, got {t}")
    return shape


@dataclass(frozen=True)
class Buffer:
    """A buffer as generated code sees it: the address of element [0, ..., 0] and strides in elements."""

    pointer: SSAValue
    shape: tuple[int, ...]
    strides: tuple[int, ...]
    element: Attribute

    @staticmethod
    def of(pointer: SSAValue, t: Attribute, strides: tuple[int, ...] | None, what: str) -> Buffer:
        shape = static_shape(t, what)
        assert isinstance(t, MemRefType)
        return Buffer(pointer, shape, contiguous_strides(shape) if strides is None else strides, t.element_type)

    @property
    def llvm_element(self) -> Attribute:
        return llvm_type(self.element)

    @property
    def alignment(self) -> int:
        """Element-size alignment: numpy guarantees no more (a vector's natural alignment would fault)."""
        return byte_size(self.element)


def _drop(op: Operation) -> None:
    """Remove a lowered op whose results have no uses left."""
    op.detach()
    op.erase()


def erase_tree(op: Operation) -> None:
    """Remove an op with everything nested in it (a loop that never runs)."""
    op.detach()
    op.erase(safe_erase=False)


def const_int(value: SSAValue) -> int | None:
    """The integer a constant (arith or llvm, possibly through unrealized casts) holds; None if not constant."""
    owner = value.owner
    while isinstance(owner, UnrealizedConversionCastOp):
        owner = owner.inputs[0].owner
    if isinstance(owner, arith.ConstantOp | llvm.ConstantOp) and isinstance(owner.value, IntegerAttr):
        return owner.value.value.data
    return None


class FunctionLowering:
    """Builds one llvm.func, block by block, from loop-dialect ops moved out of a source loop.func."""

    def __init__(
        self,
        unit: Unit,
        name: str,
        arg_types: Sequence[Attribute],
        linkage: str,
        arg_attrs: Sequence[dict[str, Attribute]] | None = None,
        output: Attribute = VOID,
        threads: bool = False,
    ):
        self.unit = unit
        self.threads = threads
        """Whether parallel loops run on threads here (only outside other parallel loops)."""
        self.entry = Block(arg_types=list(arg_types))
        self.function = llvm.FuncOp(
            name, llvm.LLVMFunctionType(list(arg_types), output), linkage=llvm.LinkageAttr(linkage), body=Region([self.entry])
        )
        if arg_attrs is not None:
            self.function.properties["arg_attrs"] = ArrayAttr([DictionaryAttr(dict(a)) for a in arg_attrs])
        self.block = self.entry
        """Where ops are appended."""
        self.emit = Emitter(self._append)
        self._prologue_end: Operation = llvm.ConstantOp(IntegerAttr(1, i64), i64)
        self.entry.add_op(self._prologue_end)
        self.one = self._prologue_end.results[0]
        self.buffers: dict[SSAValue, Buffer] = {}
        self.i64_of: dict[SSAValue, SSAValue] = {}
        """index value -> the same value as i64."""
        self.nonneg: set[SSAValue] = set()
        """i64 values known to be >= 0 (loop.apply then divides unsigned)."""
        self.stack_bytes = 0
        self._frees: list[list[SSAValue]] = []
        self._dead: list[Operation] = []
        self.slots: SSAValue | None = None
        """The thread slots of parallel loops (parallel.py), one array per function."""

    def _append(self, op: Operation) -> None:
        self.block.add_op(op)

    @property
    def region(self) -> Region:
        return self.function.body

    def add_block(self, block: Block) -> Block:
        self.region.add_block(block)
        return block

    def in_prologue(self, op: Operation) -> SSAValue:
        """Insert op at the start of the entry block (allocas, so that LLVM sees static stack slots)."""
        Rewriter.insert_op(op, InsertPoint.after(self._prologue_end))
        self._prologue_end = op
        return op.results[0]

    def finish(self, value: SSAValue | None = None) -> llvm.FuncOp:
        """Return from the function; erase the source ops kept alive for their buffer results."""
        self.emit.ret(value)
        for op in reversed(self._dead):
            op.erase()
        return self.function

    # ---- values
    def as_i64(self, value: SSAValue) -> SSAValue:
        """The i64 form of an index value (a cast right after its definition, made once)."""
        found = self.i64_of.get(value)
        if found is not None:
            return found
        if value.type == i64:
            return value
        if not isinstance(value.type, IndexType):
            raise PassFailedException(f"convert-loop-to-llvm: expected an index value, got {value.type}")
        cast = UnrealizedConversionCastOp.get([value], [i64])
        owner = value.owner
        where = InsertPoint.after(owner) if isinstance(owner, Operation) else InsertPoint.at_start(owner)
        Rewriter.insert_op(cast, where)
        result = cast.results[0]
        self.i64_of[value] = result
        constant = const_int(value)
        if constant is not None and constant >= 0:
            self.nonneg.add(result)
        return result

    def to_llvm(self, value: SSAValue) -> SSAValue:
        """value with its llvm type (index -> i64, ...)."""
        if isinstance(value.type, IndexType):
            return self.as_i64(value)
        return self.emit.cast(value, llvm_type(value.type))

    def from_llvm(self, value: SSAValue, t: Attribute) -> SSAValue:
        """An llvm-typed value seen as type t by the ops not yet converted."""
        if llvm_type(t) == t:
            return value
        result = self.emit.cast(value, t)
        if isinstance(t, IndexType):
            self.i64_of[result] = value
        return result

    def bind(self, old: SSAValue, value: SSAValue, nonneg: bool = False) -> None:
        """Make the uses of `old` (e.g. a loop's induction variable) use an llvm value instead."""
        if nonneg:
            self.nonneg.add(value)
        old.replace_all_uses_with(self.from_llvm(value, old.type))

    def buffer(self, value: SSAValue, op: Operation) -> Buffer:
        found = self.buffers.get(value)
        if found is None:
            raise PassFailedException(f"convert-loop-to-llvm: {op.name}: the buffer is not a function argument or a loop.alloc")
        return found

    # ---- addresses
    def address(self, buffer: Buffer, indices: Sequence[SSAValue]) -> SSAValue:
        """`getelementptr inbounds` to buffer[indices] (i64 indices), with the strides folded in."""
        offset = 0
        terms: list[SSAValue] = []
        for index, stride in zip(indices, buffer.strides, strict=True):
            constant = const_int(index)
            if constant is not None:
                offset += constant * stride
            elif stride == 1:
                terms.append(index)
            elif stride != 0:
                terms.append(self.emit.mul(index, self.emit.i64(stride)))
        if not terms:
            return buffer.pointer if offset == 0 else self.emit.gep(buffer.pointer, offset, buffer.llvm_element)
        total = terms[0]
        for term in terms[1:]:
            total = self.emit.add(total, term)
        if offset:
            total = self.emit.add(total, self.emit.i64(offset))
        return self.emit.gep(buffer.pointer, total, buffer.llvm_element)

    def access(self, buffer_value: SSAValue, indices: Sequence[SSAValue], op: Operation) -> tuple[Buffer, SSAValue]:
        buffer = self.buffer(buffer_value, op)
        return buffer, self.address(buffer, [self.as_i64(i) for i in indices])

    # ---- blocks and loops
    def lower_block(self, block: Block) -> None:
        """Lower (or move) the ops of a source block; free its heap buffers at its end."""
        self._frees.append([])
        for op in list(block.ops):
            handler = _HANDLERS.get(type(op))
            if handler is None:
                self.move(op)
            else:
                handler(self, op)
        for pointer in reversed(self._frees.pop()):
            self.emit.call_void(self.unit.declarations.declare("free", [PTR]), [pointer])

    def move(self, op: Operation) -> None:
        """An op converted later by the arith/math/vector patterns: moved into the current block."""
        if op.regions or any(isinstance(v.type, MemRefType) for v in op.operands):
            raise PassFailedException(f"convert-loop-to-llvm: {op.name} has no LLVM lowering")
        op.detach()
        self.block.add_op(op)

    def counted_loop(self, lb: int, ub: int, step: int, body: Callable[[SSAValue], None], name: str | None = None) -> None:
        """`for (i = lb; i < ub; i += step) body(i)` with an i64 i, as a rotated loop (bounds are static)."""
        trips = max(0, -(-(ub - lb) // step))
        if trips == 0:
            return
        if trips == 1:
            body(self.emit.i64(lb))
            return
        loop_block = Block(arg_types=[i64])
        self.emit.br(self.add_block(loop_block), self.emit.i64(lb))
        self.block = loop_block
        iv = loop_block.args[0]
        iv.name_hint = name
        if lb >= 0:
            self.nonneg.add(iv)
        body(iv)
        following = self.emit.add(iv, self.emit.i64(step))
        more = self.emit.icmp("slt", following, self.emit.i64(ub))
        exit_block = self.add_block(Block())
        self.emit.cond_br(more, loop_block, [following], exit_block, [])
        self.block = exit_block

    def for_op(self, op: loop.ForOp) -> None:
        lb, ub, step = op.bounds
        if op.trip_count == 0:
            erase_tree(op)
            return
        if op.kind.data == "parallel" and self.threads and op.trip_count > 1:
            self.unit.lower_parallel(self, op)
            return

        def body(iv: SSAValue) -> None:
            self.bind(op.induction_var, iv, nonneg=lb >= 0)
            self.lower_block(op.body.block)

        self.counted_loop(lb, ub, step, body, op.induction_var.name_hint)
        _drop(op)

    def if_op(self, op: loop.IfOp) -> None:
        then_block, merge = Block(), Block()
        has_else = bool(op.else_region.blocks) and bool(op.else_region.blocks[0].ops)
        else_block = Block() if has_else else merge
        self.emit.cond_br(op.condition, self.add_block(then_block), [], else_block, [])
        self.block = then_block
        self.lower_block(op.then_region.blocks[0])
        self.emit.br(merge)
        if has_else:
            self.block = self.add_block(else_block)
            self.lower_block(op.else_region.blocks[0])
            self.emit.br(merge)
        self.block = self.add_block(merge)
        _drop(op)

    # ---- index arithmetic
    def apply_op(self, op: loop.ApplyOp) -> None:
        operands = [self.as_i64(v) for v in op.operands_]
        value = AffineLowering(self.emit, self.nonneg).lower(op.map.data.results[0], operands)
        result = self.emit.i64(value) if isinstance(value, int) else value
        if isinstance(value, int) and value >= 0:
            self.nonneg.add(result)
        op.result.replace_all_uses_with(self.from_llvm(result, IndexType()))
        _drop(op)

    # ---- buffers
    def load_op(self, op: loop.LoadOp) -> None:
        buffer, pointer = self.access(op.buffer, op.indices, op)
        value = self.emit.load(pointer, buffer.llvm_element, buffer.alignment)
        op.result.replace_all_uses_with(self.from_llvm(value, op.result.type))
        _drop(op)

    def store_op(self, op: loop.StoreOp) -> None:
        buffer, pointer = self.access(op.buffer, op.indices, op)
        self.emit.store(self.to_llvm(op.value), pointer, buffer.alignment)
        _drop(op)

    def vector_load(self, op: vector.LoadOp) -> None:
        lanes(op.result.type)
        buffer, pointer = self.access(op.base, op.indices, op)
        value = self.emit.load(pointer, llvm_type(op.result.type), buffer.alignment)
        op.result.replace_all_uses_with(self.from_llvm(value, op.result.type))
        _drop(op)

    def vector_store(self, op: vector.StoreOp) -> None:
        lanes(op.vector.type)
        buffer, pointer = self.access(op.base, op.indices, op)
        self.emit.store(self.to_llvm(op.vector), pointer, buffer.alignment)
        _drop(op)

    def alloc_op(self, op: loop.AllocOp) -> None:
        shape = static_shape(op.result.type, "loop.alloc")
        buffer_type = op.result.type
        assert isinstance(buffer_type, MemRefType)
        count = math.prod(shape)
        size = count * byte_size(buffer_type.element_type)
        if size <= STACK_BUFFER_BYTES and self.stack_bytes + size <= STACK_FRAME_BYTES:
            self.stack_bytes += size
            array = llvm.LLVMArrayType(max(count, 1), llvm_type(buffer_type.element_type))
            pointer = self.in_prologue(llvm.AllocaOp(self.one, array, alignment=HEAP_ALIGNMENT))
        else:
            aligned_alloc = self.unit.declarations.declare("aligned_alloc", [i64, i64], PTR)
            rounded = -(-max(size, 1) // HEAP_ALIGNMENT) * HEAP_ALIGNMENT
            pointer = self.emit.call(aligned_alloc, [self.emit.i64(HEAP_ALIGNMENT), self.emit.i64(rounded)], PTR)
            self._frees[-1].append(pointer)
        self.buffers[op.result] = Buffer.of(pointer, buffer_type, None, "loop.alloc")
        op.detach()
        self._dead.append(op)  # its result is still named by the buffer ops not lowered yet

    def call_op(self, op: loop.CallOp) -> None:
        name = op.callee.root_reference.data
        callee = self.unit.sources.get(name)
        if callee is None:
            raise PassFailedException(f"convert-loop-to-llvm: loop.call of @{name}, which is not a loop.func of the module")
        params = callee.args
        if len(params) != len(op.buffers):
            raise PassFailedException(
                f"convert-loop-to-llvm: @{name} takes {len(params)} buffers, loop.call passes {len(op.buffers)}"
            )
        pointers, strides = [], []
        for k, (param, value, offsets) in enumerate(zip(params, op.buffers, op.offsets_of(), strict=True)):
            buffer, pointer = self.access(value, offsets, op)
            view_shape = static_shape(param.type, f"@{name} argument {k}")
            if len(view_shape) != len(buffer.shape) or param.type.element_type != buffer.element:  # type: ignore[attr-defined]
                raise PassFailedException(f"convert-loop-to-llvm: loop.call @{name}: buffer {k} cannot be viewed as {param.type}")
            pointers.append(pointer)
            strides.append(buffer.strides)
        self.emit.call_void(self.unit.view(callee, tuple(strides)), pointers)
        _drop(op)

    def dma_op(self, op: loop.DmaCopyOp) -> None:
        """Loops over the box's outer dimensions around one memcpy per contiguous run."""
        source, target = self.buffer(op.src, op), self.buffer(op.dst, op)
        sizes = op.size_values
        source_start = [self.as_i64(v) for v in op.src_indices]
        target_start = [self.as_i64(v) for v in op.dst_indices]
        if any(n == 0 for n in sizes):
            _drop(op)
            return
        # the trailing dimensions both sides hold contiguously collapse into one run
        inner, run = len(sizes), 1
        if sizes and source.strides[-1] == 1 and target.strides[-1] == 1:
            inner, run = len(sizes) - 1, sizes[-1]
            while inner > 0 and all(b.strides[inner - 1] == b.strides[inner] * sizes[inner] for b in (source, target)):
                inner -= 1
                run *= sizes[inner]
        element_size = byte_size(source.element)
        move = "llvm.memmove.p0.p0.i64" if op.src == op.dst else "llvm.memcpy.p0.p0.i64"

        def copy(outer: list[SSAValue]) -> None:
            if len(outer) < inner:
                self.counted_loop(0, sizes[len(outer)], 1, lambda i: copy([*outer, i]))
                return
            points = [self._shifted(start, outer) for start in (source_start, target_start)]
            source_pointer = self.address(source, points[0])
            target_pointer = self.address(target, points[1])
            if inner == len(sizes):
                value = self.emit.load(source_pointer, source.llvm_element, source.alignment)
                self.emit.store(value, target_pointer, target.alignment)
                return
            length = self.emit.i64(run * element_size)
            self.emit.intrinsic_void(move, [target_pointer, source_pointer, length, self.emit.i1(False)])

        copy([])
        _drop(op)

    def _shifted(self, start: Sequence[SSAValue], outer: Sequence[SSAValue]) -> list[SSAValue]:
        """start + outer, dimension by dimension (the dimensions past `outer` stay at start)."""
        return [self.emit.add(s, outer[k]) if k < len(outer) else s for k, s in enumerate(start)]

    def barrier_op(self, op: loop.BarrierOp) -> None:
        """Loop iterations run one after another on a CPU thread: nothing to wait for."""
        _drop(op)


_HANDLERS: dict[type[Operation], Callable[[FunctionLowering, Operation], None]] = {
    loop.ForOp: FunctionLowering.for_op,
    loop.IfOp: FunctionLowering.if_op,
    loop.ApplyOp: FunctionLowering.apply_op,
    loop.LoadOp: FunctionLowering.load_op,
    loop.StoreOp: FunctionLowering.store_op,
    loop.AllocOp: FunctionLowering.alloc_op,
    loop.CallOp: FunctionLowering.call_op,
    loop.DmaCopyOp: FunctionLowering.dma_op,
    loop.BarrierOp: FunctionLowering.barrier_op,
    vector.LoadOp: FunctionLowering.vector_load,
    vector.StoreOp: FunctionLowering.vector_store,
}  # type: ignore[dict-item]
