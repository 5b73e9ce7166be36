"""The te dialect's schedule: primitives as ops on stage and axis handles inside `te.schedule`.

    te.schedule {
      %y, %x, %k = te.axes %C
      %yo, %xo, %yi, %xi = te.tile %C [%y, %x] by [8, 8]
      %ko, %ki = te.split %C %k by 8
      te.reorder %C [%yo, %xo, %ko, %yi, %xi, %ki]
      %CL = te.cache_write %C "local"
      te.compute_at %CL at %C %xo
    }

A stage handle is a te.compute result, a function argument (for cache_read), or a `!te.stage`
made by cache_read / cache_write. Axis handles are `!te.axis` values. The primitives run in
order, like TVM's Python calls; `lower-te-to-loop` applies them and checks their legality.
"""

from __future__ import annotations

from collections.abc import Sequence

from xdsl.dialects import func
from xdsl.dialects.builtin import IntegerAttr, StringAttr, SymbolRefAttr
from xdsl.ir import Attribute, Block, ParametrizedAttribute, Region, SSAValue, TypeAttribute
from xdsl.irdl import (
    IRDLOperation,
    irdl_attr_definition,
    irdl_op_definition,
    operand_def,
    opt_operand_def,
    opt_prop_def,
    prop_def,
    region_def,
    result_def,
    traits_def,
    var_operand_def,
    var_result_def,
)
from xdsl.traits import HasParent, NoTerminator
from xdsl.utils.exceptions import VerifyException

from tessel.dialects.te.ops import int_array

THREAD_TAGS = (
    "blockIdx.x",
    "blockIdx.y",
    "blockIdx.z",
    "threadIdx.x",
    "threadIdx.y",
    "threadIdx.z",
    "vthread",
)


@irdl_attr_definition
class AxisType(ParametrizedAttribute, TypeAttribute):
    """A handle on one loop axis (TVM's IterVar) of a stage."""

    name = "te.axis"


@irdl_attr_definition
class StageType(ParametrizedAttribute, TypeAttribute):
    """A handle on a stage made by a schedule primitive (cache_read / cache_write)."""

    name = "te.stage"


@irdl_op_definition
class ScheduleOp(IRDLOperation):
    """The schedule of the enclosing function's computes: primitive ops, applied in order."""

    name = "te.schedule"
    body = region_def("single_block")
    traits = traits_def(NoTerminator(), HasParent(func.FuncOp))

    def __init__(self, body: Region | None = None):
        super().__init__(regions=[body if body is not None else Region(Block())])


class PrimitiveOp(IRDLOperation):
    """A schedule primitive: it acts on `stage` (operand 0)."""

    traits = traits_def(HasParent(ScheduleOp))


def _positive(op: str, what: str, value: int) -> None:
    if value <= 0:
        raise VerifyException(f"{op}: {what} must be positive, got {value}")


@irdl_op_definition
class AxesOp(PrimitiveOp):
    """The stage's root axes as it stands now: output axes, then reduction axes."""

    name = "te.axes"
    stage = operand_def()
    axes = var_result_def(AxisType)

    def __init__(self, stage: SSAValue, count: int):
        super().__init__(operands=[stage], result_types=[[AxisType()] * count])


@irdl_op_definition
class SplitOp(PrimitiveOp):
    """`axis` -> (outer, inner), by the inner extent `factor` or the outer extent `nparts`."""

    name = "te.split"
    stage = operand_def()
    axis = operand_def(AxisType)
    factor = opt_prop_def(IntegerAttr)
    nparts = opt_prop_def(IntegerAttr)
    outer = result_def(AxisType)
    inner = result_def(AxisType)

    def __init__(self, stage: SSAValue, axis: SSAValue, factor: int | None = None, nparts: int | None = None):
        properties: dict[str, Attribute] = {}
        if factor is not None:
            properties["factor"] = IntegerAttr(factor, 64)
        if nparts is not None:
            properties["nparts"] = IntegerAttr(nparts, 64)
        super().__init__(operands=[stage, axis], properties=properties, result_types=[AxisType(), AxisType()])

    def verify_(self) -> None:
        if (self.factor is None) == (self.nparts is None):
            raise VerifyException("te.split: give exactly one of factor (`by N`) or nparts (`nparts N`)")
        if self.factor is not None:
            _positive("te.split", "the factor", self.factor.value.data)
        if self.nparts is not None:
            _positive("te.split", "nparts", self.nparts.value.data)


@irdl_op_definition
class TileOp(PrimitiveOp):
    """Split two axes and reorder to (x_outer, y_outer, x_inner, y_inner), TVM's tile."""

    name = "te.tile"
    stage = operand_def()
    x_axis = operand_def(AxisType)
    y_axis = operand_def(AxisType)
    factors = prop_def(Attribute)
    x_outer = result_def(AxisType)
    y_outer = result_def(AxisType)
    x_inner = result_def(AxisType)
    y_inner = result_def(AxisType)

    def __init__(self, stage: SSAValue, x_axis: SSAValue, y_axis: SSAValue, x_factor: int, y_factor: int):
        super().__init__(
            operands=[stage, x_axis, y_axis],
            properties={"factors": int_array([x_factor, y_factor])},
            result_types=[AxisType()] * 4,
        )

    @property
    def factor_values(self) -> tuple[int, int]:
        x, y = (a.value.data for a in self.factors.data)  # type: ignore[attr-defined]
        return x, y

    def verify_(self) -> None:
        for value in self.factor_values:
            _positive("te.tile", "tile factors", value)


@irdl_op_definition
class FuseOp(PrimitiveOp):
    """Fuse consecutive axes (outermost first) into one."""

    name = "te.fuse"
    stage = operand_def()
    axes = var_operand_def(AxisType)
    fused = result_def(AxisType)

    def __init__(self, stage: SSAValue, axes: Sequence[SSAValue]):
        super().__init__(operands=[stage, axes], result_types=[AxisType()])

    def verify_(self) -> None:
        if len(self.axes) < 2:
            raise VerifyException(f"te.fuse: needs at least two axes, got {len(self.axes)}")


@irdl_op_definition
class ReorderOp(PrimitiveOp):
    """Put the given leaf axes in this relative order (the others keep their places)."""

    name = "te.reorder"
    stage = operand_def()
    axes = var_operand_def(AxisType)

    def __init__(self, stage: SSAValue, axes: Sequence[SSAValue]):
        super().__init__(operands=[stage, axes])


class AxisPrimitiveOp(PrimitiveOp):
    """A primitive marking one axis: `te.NAME %stage %axis`."""

    stage = operand_def()
    axis = operand_def(AxisType)

    def __init__(self, stage: SSAValue, axis: SSAValue):
        super().__init__(operands=[stage, axis])


@irdl_op_definition
class ParallelOp(AxisPrimitiveOp):
    """Run the axis's iterations on all cores."""

    name = "te.parallel"


@irdl_op_definition
class VectorizeOp(AxisPrimitiveOp):
    """Run the (innermost, spatial) axis as vector lanes."""

    name = "te.vectorize"


@irdl_op_definition
class UnrollOp(AxisPrimitiveOp):
    """Unroll the axis completely."""

    name = "te.unroll"


@irdl_op_definition
class BindOp(PrimitiveOp):
    """Bind the axis to a GPU thread index (blockIdx.*, threadIdx.*) or a virtual thread (vthread)."""

    name = "te.bind"
    stage = operand_def()
    axis = operand_def(AxisType)
    thread = prop_def(StringAttr)

    def __init__(self, stage: SSAValue, axis: SSAValue, thread: str):
        super().__init__(operands=[stage, axis], properties={"thread": StringAttr(thread)})

    def verify_(self) -> None:
        if self.thread.data not in THREAD_TAGS:
            raise VerifyException(f"te.bind: unknown thread '{self.thread.data}'; expected one of {', '.join(THREAD_TAGS)}")


@irdl_op_definition
class ComputeAtOp(PrimitiveOp):
    """Compute the stage inside the target stage's loop `axis`, just the region that loop needs."""

    name = "te.compute_at"
    stage = operand_def()
    target = operand_def()
    axis = operand_def(AxisType)

    def __init__(self, stage: SSAValue, target: SSAValue, axis: SSAValue):
        super().__init__(operands=[stage, target, axis])


@irdl_op_definition
class ComputeInlineOp(PrimitiveOp):
    """Substitute the stage's expression into its consumers; it gets no buffer and no loops."""

    name = "te.compute_inline"
    stage = operand_def()

    def __init__(self, stage: SSAValue):
        super().__init__(operands=[stage])


@irdl_op_definition
class ComputeRootOp(PrimitiveOp):
    """Compute the stage at the function's top level (undoes compute_at / compute_inline)."""

    name = "te.compute_root"
    stage = operand_def()

    def __init__(self, stage: SSAValue):
        super().__init__(operands=[stage])


@irdl_op_definition
class CacheReadOp(PrimitiveOp):
    """A stage copying `stage` into memory `scope`; the `readers` read the copy instead."""

    name = "te.cache_read"
    stage = operand_def()
    readers = var_operand_def()
    scope = prop_def(StringAttr)
    cache = result_def(StageType)

    def __init__(self, stage: SSAValue, scope: str, readers: Sequence[SSAValue]):
        super().__init__(operands=[stage, readers], properties={"scope": StringAttr(scope)}, result_types=[StageType()])


@irdl_op_definition
class CacheWriteOp(PrimitiveOp):
    """The stage's computation moves to a new stage writing memory `scope`; the stage becomes a copy out of it."""

    name = "te.cache_write"
    stage = operand_def()
    scope = prop_def(StringAttr)
    cache = result_def(StageType)

    def __init__(self, stage: SSAValue, scope: str):
        super().__init__(operands=[stage], properties={"scope": StringAttr(scope)}, result_types=[StageType()])


@irdl_op_definition
class StorageAlignOp(PrimitiveOp):
    """Pad the stage's buffer so the stride of `axis`'s dimension is `factor * n + offset`."""

    name = "te.storage_align"
    stage = operand_def()
    axis = operand_def(AxisType)
    factor = prop_def(IntegerAttr)
    offset = prop_def(IntegerAttr)

    def __init__(self, stage: SSAValue, axis: SSAValue, factor: int, offset: int):
        super().__init__(
            operands=[stage, axis], properties={"factor": IntegerAttr(factor, 64), "offset": IntegerAttr(offset, 64)}
        )

    def verify_(self) -> None:
        _positive("te.storage_align", "the factor", self.factor.value.data)
        offset, factor = self.offset.value.data, self.factor.value.data
        if not 0 <= offset < factor:
            raise VerifyException(f"te.storage_align: the offset must lie in [0, factor), got {offset} for factor {factor}")


@irdl_op_definition
class DoubleBufferOp(PrimitiveOp):
    """Give the (compute_at) stage two buffers, alternating between iterations of its attach loop."""

    name = "te.double_buffer"
    stage = operand_def()

    def __init__(self, stage: SSAValue):
        super().__init__(operands=[stage])


@irdl_op_definition
class PragmaOp(PrimitiveOp):
    """Annotate a loop (the stage's outermost if no axis is given); `dma_copy` turns a copy nest into one DMA."""

    name = "te.pragma"
    stage = operand_def()
    axis = opt_operand_def(AxisType)
    pragma = prop_def(StringAttr)

    def __init__(self, stage: SSAValue, pragma: str, axis: SSAValue | None = None):
        super().__init__(operands=[stage, [axis] if axis is not None else []], properties={"pragma": StringAttr(pragma)})


@irdl_op_definition
class TensorizeOp(PrimitiveOp):
    """Replace the loop nest from `axis` inwards by the calls of the tensor intrinsic `intrin`."""

    name = "te.tensorize"
    stage = operand_def()
    axis = operand_def(AxisType)
    intrin = prop_def(SymbolRefAttr)

    def __init__(self, stage: SSAValue, axis: SSAValue, intrin: str):
        super().__init__(operands=[stage, axis], properties={"intrin": SymbolRefAttr(intrin)})


SCHEDULE_OPS = (
    ScheduleOp,
    AxesOp,
    SplitOp,
    TileOp,
    FuseOp,
    ReorderOp,
    ParallelOp,
    VectorizeOp,
    UnrollOp,
    BindOp,
    ComputeAtOp,
    ComputeInlineOp,
    ComputeRootOp,
    CacheReadOp,
    CacheWriteOp,
    StorageAlignOp,
    DoubleBufferOp,
    PragmaOp,
    TensorizeOp,
)
