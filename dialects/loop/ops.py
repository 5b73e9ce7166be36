"""The loop dialect: scheduled loop nests over buffers, what a te schedule lowers to (TVM's lowered TIR).

    loop.func @matmul(%A: memref<64x64xf32>, %B: memref<64x64xf32>, %C: memref<64x64xf32>) {
      loop.for %yo = 0 to 8 parallel {
        loop.for %xi = 0 to 8 vectorized {
          %x = loop.apply %xo * 8 + %xi
          %v = loop.load %A[%k, %x] : memref<64x64xf32>
          loop.store %v, %C[%y, %x] : memref<64x64xf32>
        }
      }
    }

Loop bounds are static; loops run `for (i = lb; i < ub; i += step)`. Buffers are memrefs: the
function's arguments (global memory) and `loop.alloc`s, which live until the end of their block.
Index arithmetic is `loop.apply` (one affine expression) or arith on `index`; scalar math is arith/math.
"""

from __future__ import annotations

from collections.abc import Sequence

from xdsl.dialects import builtin
from xdsl.dialects.builtin import (
    AffineMapAttr,
    ArrayAttr,
    DictionaryAttr,
    FunctionType,
    IndexType,
    IntegerAttr,
    MemRefType,
    StringAttr,
    SymbolRefAttr,
    UnitAttr,
)
from xdsl.ir import Attribute, Block, Region, SSAValue
from xdsl.ir.affine import AffineMap
from xdsl.irdl import (
    AttrSizedOperandSegments,
    IRDLOperation,
    irdl_op_definition,
    operand_def,
    opt_prop_def,
    prop_def,
    region_def,
    result_def,
    traits_def,
    var_operand_def,
)
from xdsl.traits import IsolatedFromAbove, NoTerminator, Pure, SymbolOpInterface
from xdsl.utils.exceptions import VerifyException

from tessel.dialects.element_access import verify_element_access
from tessel.dialects.int_arrays import int_array, int_values

LOOP_KINDS = ("serial", "parallel", "vectorized", "unrolled", "thread", "vthread")

# Memory scopes a buffer may live in: CPU/GPU memories and the VTA-like accelerator's on-chip buffers.
MEMORY_SCOPES = ("global", "shared", "local", "warp", "inp_buffer", "wgt_buffer", "acc_buffer", "uop_buffer")


@irdl_op_definition
class FuncOp(IRDLOperation):
    """A kernel over buffers. `intrinsic` marks the reference body of a hardware intrinsic (a tensorize callee)."""

    name = "loop.func"
    sym_name = prop_def(StringAttr)
    function_type = prop_def(FunctionType)
    intrinsic = opt_prop_def(UnitAttr)
    body = region_def("single_block")
    traits = traits_def(IsolatedFromAbove(), SymbolOpInterface(), NoTerminator())

    def __init__(self, name: str, arg_types: Sequence[MemRefType], body: Region | None = None, intrinsic: bool = False):
        properties: dict[str, Attribute] = {
            "sym_name": StringAttr(name),
            "function_type": FunctionType.from_lists(list(arg_types), []),
        }
        if intrinsic:
            properties["intrinsic"] = UnitAttr()
        super().__init__(properties=properties, regions=[body if body is not None else Region(Block(arg_types=arg_types))])

    @property
    def args(self) -> tuple[SSAValue, ...]:
        return tuple(self.body.block.args)

    def verify_(self) -> None:
        inputs = list(self.function_type.inputs.data)
        if self.function_type.outputs.data:
            raise VerifyException(f"loop.func @{self.sym_name.data}: returns nothing (results are written to buffers)")
        if [a.type for a in self.body.block.args] != inputs:
            raise VerifyException(f"loop.func @{self.sym_name.data}: block arguments do not match the function type")
        for t in inputs:
            if not isinstance(t, MemRefType):
                raise VerifyException(f"loop.func @{self.sym_name.data}: arguments must be memrefs, got {t}")


@irdl_op_definition
class ForOp(IRDLOperation):
    """`for (i = lb; i < ub; i += step)`; `kind` says how the iterations run, `thread` names a bound thread index."""

    name = "loop.for"
    lb = prop_def(IntegerAttr)
    ub = prop_def(IntegerAttr)
    step = prop_def(IntegerAttr)
    kind = prop_def(StringAttr)
    thread = opt_prop_def(StringAttr)
    annotations = opt_prop_def(DictionaryAttr)
    """Pragmas and hints carried to later passes, e.g. {pragma_unroll_explicit}."""
    body = region_def("single_block")
    traits = traits_def(NoTerminator())

    def __init__(
        self,
        lb: int,
        ub: int,
        step: int = 1,
        kind: str = "serial",
        thread: str | None = None,
        annotations: dict[str, Attribute] | None = None,
        body: Region | None = None,
    ):
        properties: dict[str, Attribute] = {
            "lb": IntegerAttr(lb, IndexType()),
            "ub": IntegerAttr(ub, IndexType()),
            "step": IntegerAttr(step, IndexType()),
            "kind": StringAttr(kind),
        }
        if thread is not None:
            properties["thread"] = StringAttr(thread)
        if annotations:
            properties["annotations"] = DictionaryAttr(annotations)
        super().__init__(properties=properties, regions=[body if body is not None else Region(Block(arg_types=[IndexType()]))])

    @property
    def induction_var(self) -> SSAValue:
        return self.body.block.args[0]

    @property
    def bounds(self) -> tuple[int, int, int]:
        return self.lb.value.data, self.ub.value.data, self.step.value.data

    @property
    def trip_count(self) -> int:
        lb, ub, step = self.bounds
        return max(0, -(-(ub - lb) // step))

    def verify_(self) -> None:
        if self.kind.data not in LOOP_KINDS:
            raise VerifyException(f"loop.for: unknown kind '{self.kind.data}'; expected one of {', '.join(LOOP_KINDS)}")
        if (self.kind.data == "thread") != (self.thread is not None):
            raise VerifyException("loop.for: a thread-bound loop (kind thread) names its thread, and only it does")
        if self.step.value.data <= 0:
            raise VerifyException(f"loop.for: the step must be positive, got {self.step.value.data}")
        args = self.body.block.args
        if len(args) != 1 or not isinstance(args[0].type, IndexType):
            raise VerifyException("loop.for: the body takes one index argument, the induction variable")


@irdl_op_definition
class IfOp(IRDLOperation):
    """Run `then` when the condition holds, else `else` (which may be empty)."""

    name = "loop.if"
    condition = operand_def(builtin.i1)
    then_region = region_def("single_block")
    else_region = region_def()
    traits = traits_def(NoTerminator())

    def __init__(self, condition: SSAValue, then_region: Region | None = None, else_region: Region | None = None):
        super().__init__(
            operands=[condition],
            regions=[
                then_region if then_region is not None else Region(Block()),
                else_region if else_region is not None else Region(),
            ],
        )


@irdl_op_definition
class ApplyOp(IRDLOperation):
    """One affine index expression over index operands: `%i = loop.apply %yo * 8 + %yi`."""

    name = "loop.apply"
    map = prop_def(AffineMapAttr)
    operands_ = var_operand_def(IndexType)
    result = result_def(IndexType)
    traits = traits_def(Pure())

    def __init__(self, map: AffineMap, operands: Sequence[SSAValue]):
        super().__init__(operands=[operands], properties={"map": AffineMapAttr(map)}, result_types=[IndexType()])

    def verify_(self) -> None:
        m = self.map.data
        if len(m.results) != 1 or m.num_symbols != 0 or m.num_dims != len(self.operands_):
            raise VerifyException(
                f"loop.apply: the map must have one result and one dimension per operand ({len(self.operands_)}), got {m}"
            )


@irdl_op_definition
class LoadOp(IRDLOperation):
    """One element of a buffer."""

    name = "loop.load"
    buffer = operand_def(MemRefType)
    indices = var_operand_def(IndexType)
    result = result_def()

    def __init__(self, buffer: SSAValue, indices: Sequence[SSAValue]):
        super().__init__(operands=[buffer, indices], result_types=[buffer.type.element_type])  # type: ignore[attr-defined]

    def verify_(self) -> None:
        verify_element_access("loop.load", self.buffer.type, len(self.indices), self.result.type)


@irdl_op_definition
class StoreOp(IRDLOperation):
    """Write one element of a buffer."""

    name = "loop.store"
    value = operand_def()
    buffer = operand_def(MemRefType)
    indices = var_operand_def(IndexType)

    def __init__(self, value: SSAValue, buffer: SSAValue, indices: Sequence[SSAValue]):
        super().__init__(operands=[value, buffer, indices])

    def verify_(self) -> None:
        verify_element_access("loop.store", self.buffer.type, len(self.indices), self.value.type)


@irdl_op_definition
class AllocOp(IRDLOperation):
    """A buffer in memory `scope`, alive until the end of the enclosing block; `name` is for humans."""

    name = "loop.alloc"
    buffer_name = prop_def(StringAttr, prop_name="name")
    scope = prop_def(StringAttr)
    result = result_def(MemRefType)

    def __init__(self, name: str, scope: str, buffer_type: MemRefType):
        super().__init__(properties={"name": StringAttr(name), "scope": StringAttr(scope)}, result_types=[buffer_type])

    def verify_(self) -> None:
        if self.scope.data not in MEMORY_SCOPES:
            raise VerifyException(
                f"loop.alloc: unknown memory scope '{self.scope.data}'; expected one of {', '.join(MEMORY_SCOPES)}"
            )


@irdl_op_definition
class CallOp(IRDLOperation):
    """Call a kernel (e.g. a tensor intrinsic) on sub-buffers: each argument is a buffer and the index where
    the callee's view of it starts; the view's shape is the callee's parameter shape, its strides the buffer's.

        loop.call @vdla.fused_gemm8x8_add(%a_buf[%c0, %c0], %b_buf[%c0, %c0], %C[%y, %x])
    """

    name = "loop.call"
    callee = prop_def(SymbolRefAttr)
    buffers = var_operand_def(MemRefType)
    offsets = var_operand_def(IndexType)
    irdl_options = (AttrSizedOperandSegments(as_property=True),)

    def __init__(self, callee: str, buffers: Sequence[SSAValue], offsets: Sequence[Sequence[SSAValue]]):
        flat = [v for group in offsets for v in group]
        super().__init__(operands=[buffers, flat], properties={"callee": SymbolRefAttr(callee)})

    def offsets_of(self) -> list[tuple[SSAValue, ...]]:
        """Each buffer's start indices (one per dimension)."""
        out, at = [], 0
        for buffer in self.buffers:
            rank = buffer.type.get_num_dims()  # type: ignore[attr-defined]
            out.append(tuple(self.offsets[at : at + rank]))
            at += rank
        return out

    def verify_(self) -> None:
        expected = sum(b.type.get_num_dims() for b in self.buffers)  # type: ignore[attr-defined]
        if expected != len(self.offsets):
            raise VerifyException(f"loop.call: the buffers need {expected} start indices in all, got {len(self.offsets)}")


@irdl_op_definition
class DmaCopyOp(IRDLOperation):
    """Copy a box of `sizes` from `src` at `src_indices` to `dst` at `dst_indices` (an accelerator's DMA)."""

    name = "loop.dma_copy"
    src = operand_def(MemRefType)
    src_indices = var_operand_def(IndexType)
    dst = operand_def(MemRefType)
    dst_indices = var_operand_def(IndexType)
    sizes = prop_def(ArrayAttr)
    irdl_options = (AttrSizedOperandSegments(as_property=True),)

    def __init__(
        self, src: SSAValue, src_indices: Sequence[SSAValue], dst: SSAValue, dst_indices: Sequence[SSAValue], sizes: Sequence[int]
    ):
        super().__init__(operands=[src, src_indices, dst, dst_indices], properties={"sizes": int_array(sizes)})

    @property
    def size_values(self) -> tuple[int, ...]:
        return int_values(self.sizes)

    def verify_(self) -> None:
        src_type, dst_type = self.src.type, self.dst.type
        assert isinstance(src_type, MemRefType) and isinstance(dst_type, MemRefType)
        verify_element_access("loop.dma_copy", src_type, len(self.src_indices))
        verify_element_access("loop.dma_copy", dst_type, len(self.dst_indices))
        if len(self.size_values) != src_type.get_num_dims():
            raise VerifyException(f"loop.dma_copy: needs one size per source dimension ({src_type.get_num_dims()})")
        if src_type.element_type != dst_type.element_type:
            raise VerifyException(f"loop.dma_copy: copies {src_type.element_type} into {dst_type.element_type}")
        if src_type.get_num_dims() != dst_type.get_num_dims():
            raise VerifyException("loop.dma_copy: source and destination must have the same rank")


@irdl_op_definition
class BarrierOp(IRDLOperation):
    """Wait until every thread of the block got here (memory written before is visible after)."""

    name = "loop.barrier"

    def __init__(self):
        super().__init__()


LOOP_OPS = (FuncOp, ForOp, IfOp, ApplyOp, LoadOp, StoreOp, AllocOp, CallOp, DmaCopyOp, BarrierOp)
