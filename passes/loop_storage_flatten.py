"""loop-storage-flatten: multi-dimensional buffers become 1-D, indexed row-major (TVM's StorageFlatten).

    loop.func @f(%A: memref<4x8xf32>) {           loop.func @f(%A: memref<32xf32>) {
      %v = loop.load %A[%i, %j] : memref<4x8xf32>   %k = loop.apply %i * 8 + %j
                                          ==>        %v = loop.load %A[%k] : memref<32xf32>

Function arguments (the loop.func type changes: callers pass flat arrays, e.g. numpy `.reshape(-1)`
views) and loop.allocs of static shape and identity layout, of rank other than 1, are flattened; rank
0 becomes one element. loop.load / loop.store / vector.load / vector.store index the flat buffer by
one loop.apply of the row-major linear index (composed with the index applies it is built from).
Kept as they are: a buffer also used by loop.call or loop.dma_copy (a callee's view and a DMA box
need the buffer's shape) or by any other op; `intrinsic` functions (loop.call views their
parameters with the caller's strides); and functions some loop.call calls.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from math import prod

from xdsl.context import Context
from xdsl.dialects import builtin, vector
from xdsl.dialects.builtin import FunctionType, MemRefType, NoneAttr
from xdsl.ir import Operation, SSAValue
from xdsl.passes import ModulePass
from xdsl.rewriter import InsertPoint, Rewriter

from tessel.dialects import loop
from tessel.passes.loop_support.index_sums import IndexAnalysis, Sum
from tessel.passes.loop_support.rewriting import index_constant, loop_functions


@dataclass(frozen=True)
class LoopStorageFlattenPass(ModulePass):
    """Buffers of rank != 1 become 1-D, their accesses indexed by the row-major linear index."""

    name = "loop-storage-flatten"

    def apply(self, ctx: Context, op: builtin.ModuleOp) -> None:
        called = {call.callee.root_reference.data for call in op.walk() if isinstance(call, loop.CallOp)}
        for function in loop_functions(op):
            if function.intrinsic is None and function.sym_name.data not in called:
                flatten_function(function)


def flatten_function(function: loop.FuncOp) -> None:
    analysis = IndexAnalysis(function)
    for arg in function.args:
        if _flattenable(arg):
            _flatten_buffer(arg, analysis)
    for alloc in [op for op in function.walk() if isinstance(op, loop.AllocOp)]:
        if _flattenable(alloc.result):
            _flatten_buffer(alloc.result, analysis)
    function.function_type = FunctionType.from_lists([arg.type for arg in function.args], [])


def _flat_type(buffer_type: MemRefType) -> MemRefType:
    return MemRefType(buffer_type.element_type, [prod(buffer_type.get_shape())], NoneAttr(), buffer_type.memory_space)


def _flattenable(buffer: SSAValue) -> bool:
    buffer_type = buffer.type
    if not isinstance(buffer_type, MemRefType) or buffer_type.get_num_dims() == 1:
        return False
    if not isinstance(buffer_type.layout, NoneAttr) or any(size < 0 for size in buffer_type.get_shape()):
        return False
    return all(_buffer_operand_of_access(use.operation) is buffer for use in buffer.uses)


def _buffer_operand_of_access(op: Operation) -> SSAValue | None:
    """The buffer a load/store (scalar or vector) accesses; None for any other op."""
    if isinstance(op, loop.LoadOp | loop.StoreOp):
        return op.buffer
    if isinstance(op, vector.LoadOp | vector.StoreOp):
        return op.base
    return None


def _flatten_buffer(buffer: SSAValue, analysis: IndexAnalysis) -> None:
    buffer_type = buffer.type
    assert isinstance(buffer_type, MemRefType)
    shape = buffer_type.get_shape()
    flat = Rewriter.replace_value_with_new_type(buffer, _flat_type(buffer_type))
    for use in list(flat.uses):
        access = use.operation
        indices = _indices(access)
        linear = _linear_index(shape, indices, analysis)
        index = _index_value(linear, access, analysis)
        Rewriter.replace_op(access, _rebuilt(access, flat, index))


def _indices(op: Operation) -> Sequence[SSAValue]:
    if isinstance(op, loop.LoadOp | loop.StoreOp | vector.LoadOp | vector.StoreOp):
        return op.indices
    raise AssertionError(f"not an access: {op.name}")


def _linear_index(shape: Sequence[int], indices: Sequence[SSAValue], analysis: IndexAnalysis) -> Sum:
    linear = Sum.number(0)
    stride = 1
    for size, index in reversed(list(zip(shape, indices, strict=True))):
        linear = linear + analysis.sum_of(index).scaled(stride)
        stride *= size
    return linear


def _index_value(linear: Sum, before: Operation, analysis: IndexAnalysis) -> SSAValue:
    """An index value for `linear`, built before `before` (a constant, an existing value, or one loop.apply)."""
    if linear.is_constant:
        op: Operation = index_constant(linear.constant)
    else:
        atom = linear.single_atom()
        if atom is not None:
            return atom
        op = loop.ApplyOp(*analysis.to_affine(linear))
    Rewriter.insert_op(op, InsertPoint.before(before))
    return op.results[0]


def _rebuilt(op: Operation, buffer: SSAValue, index: SSAValue) -> Operation:
    if isinstance(op, loop.LoadOp):
        return loop.LoadOp(buffer, [index])
    if isinstance(op, loop.StoreOp):
        return loop.StoreOp(op.value, buffer, [index])
    if isinstance(op, vector.LoadOp):
        return vector.LoadOp(buffer, [index], op.result.type)  # type: ignore[arg-type]
    assert isinstance(op, vector.StoreOp)
    return vector.StoreOp(op.vector, buffer, [index])
