"""The te dialect's compute side: placeholders, computes over index spaces, reads, yields, and tensor intrinsics.

    %C = te.compute "C" (%y, %x) < (64, 64) reduce (%k) < (64) {
      %a = te.read %A[%k, %y] : tensor<64x64xf32>
      %b = te.read %B[%k, %x] : tensor<64x64xf32>
      %p = arith.mulf %a, %b : f32
      te.yield sum %p : f32
    } : tensor<64x64xf32>

A compute's block arguments are its output indices, then its reduction axes (all `index`,
each ranging from 0 to its extent). Tensors a body reads come from above (function
arguments, other computes), so the region is not isolated.
"""

from __future__ import annotations

from collections.abc import Sequence

from xdsl.dialects import builtin
from xdsl.dialects.builtin import IndexType, StringAttr, SymbolRefAttr, TensorType
from xdsl.ir import Attribute, Block, Region, SSAValue
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
from xdsl.traits import HasParent, IsolatedFromAbove, IsTerminator, NoTerminator, Pure, SymbolOpInterface
from xdsl.utils.exceptions import VerifyException

from tessel.dialects.element_access import verify_element_access
from tessel.dialects.int_arrays import int_array, int_values

REDUCERS = ("sum", "prod", "max", "min")


@irdl_op_definition
class PlaceholderOp(IRDLOperation):
    """An input tensor of a tensor-intrinsic declaration (in functions, placeholders are the arguments)."""

    name = "te.placeholder"
    tensor_name = prop_def(StringAttr, prop_name="name")
    result = result_def(TensorType)
    traits = traits_def(Pure())

    def __init__(self, name: str, tensor_type: TensorType):
        super().__init__(properties={"name": StringAttr(name)}, result_types=[tensor_type])


@irdl_op_definition
class ComputeOp(IRDLOperation):
    """A tensor defined elementwise over its index space, optionally reducing over reduction axes."""

    name = "te.compute"
    tensor_name = prop_def(StringAttr, prop_name="name")
    reduce_extents = prop_def(builtin.ArrayAttr)
    result = result_def(TensorType)
    body = region_def("single_block")
    traits = traits_def(Pure())

    def __init__(self, name: str, result_type: TensorType, reduce_extents: Sequence[int], body: Region):
        super().__init__(
            properties={"name": StringAttr(name), "reduce_extents": int_array(reduce_extents)},
            result_types=[result_type],
            regions=[body],
        )

    @staticmethod
    def make_body(rank: int, reduce_rank: int) -> Region:
        """An empty body whose block arguments are `rank` output indices then `reduce_rank` reduction axes."""
        return Region(Block(arg_types=[IndexType()] * (rank + reduce_rank)))

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self.result.type.get_shape())  # type: ignore[attr-defined]

    @property
    def reduce_shape(self) -> tuple[int, ...]:
        return int_values(self.reduce_extents)

    @property
    def element_type(self) -> Attribute:
        return self.result.type.element_type  # type: ignore[attr-defined]

    @property
    def spatial_args(self) -> tuple[SSAValue, ...]:
        return tuple(self.body.block.args[: len(self.shape)])

    @property
    def reduce_args(self) -> tuple[SSAValue, ...]:
        return tuple(self.body.block.args[len(self.shape) :])

    @property
    def yield_op(self) -> YieldOp:
        last = self.body.block.last_op
        assert isinstance(last, YieldOp)
        return last

    def verify_(self) -> None:
        where = f'te.compute "{self.tensor_name.data}"'
        if any(e <= 0 for e in self.shape) or any(e <= 0 for e in self.reduce_shape):
            raise VerifyException(f"{where}: extents must be positive, got {list(self.shape)} reduce {list(self.reduce_shape)}")
        args = self.body.block.args
        if len(args) != len(self.shape) + len(self.reduce_shape):
            raise VerifyException(
                f"{where}: the body takes {len(self.shape)} output indices and {len(self.reduce_shape)} reduction axes "
                f"({len(self.shape) + len(self.reduce_shape)} block arguments), got {len(args)}"
            )
        if any(not isinstance(a.type, IndexType) for a in args):
            raise VerifyException(f"{where}: block arguments must be of type index")
        last = self.body.block.last_op
        if not isinstance(last, YieldOp):
            raise VerifyException(f"{where}: the body must end in te.yield")
        if last.value.type != self.element_type:
            raise VerifyException(f"{where}: yields {last.value.type}, the result's element type is {self.element_type}")
        if self.reduce_shape and last.reducer is None:
            raise VerifyException(f"{where}: has reduction axes, so te.yield needs a reducer ({', '.join(REDUCERS)})")
        if not self.reduce_shape and last.reducer is not None:
            raise VerifyException(f"{where}: te.yield {last.reducer.data} needs reduction axes")


@irdl_op_definition
class ReadOp(IRDLOperation):
    """One element of a tensor at the given indices."""

    name = "te.read"
    tensor = operand_def(TensorType)
    indices = var_operand_def(IndexType)
    result = result_def()
    traits = traits_def(Pure())

    def __init__(self, tensor: SSAValue, indices: Sequence[SSAValue]):
        super().__init__(operands=[tensor, indices], result_types=[tensor.type.element_type])  # type: ignore[attr-defined]

    def verify_(self) -> None:
        verify_element_access("te.read", self.tensor.type, len(self.indices), self.result.type)


@irdl_op_definition
class YieldOp(IRDLOperation):
    """Ends a compute body: the element's value, or with a reducer the value combined over the reduction axes."""

    name = "te.yield"
    value = operand_def()
    reducer = opt_prop_def(StringAttr)
    identity = opt_prop_def(Attribute)
    """The reducer's start value; absent means the reducer's natural identity (0, 1, -inf/min, +inf/max)."""
    traits = traits_def(IsTerminator(), HasParent(ComputeOp))

    def __init__(self, value: SSAValue, reducer: str | None = None, identity: Attribute | None = None):
        properties: dict[str, Attribute] = {}
        if reducer is not None:
            properties["reducer"] = StringAttr(reducer)
        if identity is not None:
            properties["identity"] = identity
        super().__init__(operands=[value], properties=properties)

    def verify_(self) -> None:
        if self.reducer is not None and self.reducer.data not in REDUCERS:
            raise VerifyException(f"te.yield: unknown reducer '{self.reducer.data}'; expected one of {', '.join(REDUCERS)}")
        if self.identity is not None and self.reducer is None:
            raise VerifyException("te.yield: an identity needs a reducer")


@irdl_op_definition
class IfThenElseOp(IRDLOperation):
    """`cond ? a : b`, evaluated lazily: a read that only feeds the branch not taken is never performed.

    This is what makes padding expressible: `if_then_else(in_bounds, A[i - 1], 0.0)`.
    """

    name = "te.if_then_else"
    condition = operand_def(builtin.i1)
    true_value = operand_def()
    false_value = operand_def()
    result = result_def()
    traits = traits_def(Pure())

    def __init__(self, condition: SSAValue, true_value: SSAValue, false_value: SSAValue):
        super().__init__(operands=[condition, true_value, false_value], result_types=[true_value.type])

    def verify_(self) -> None:
        if not (self.true_value.type == self.false_value.type == self.result.type):
            raise VerifyException(
                f"te.if_then_else: both branches and the result must have one type, got "
                f"{self.true_value.type}, {self.false_value.type} -> {self.result.type}"
            )


@irdl_op_definition
class IntrinOp(IRDLOperation):
    """A tensor intrinsic declaration (TVM's decl_tensor_intrin): its behaviour as placeholders + one compute,
    and the hardware calls that carry it out, given by the te.intrin_lower that ends the body."""

    name = "te.intrin"
    sym_name = prop_def(StringAttr)
    body = region_def("single_block")
    traits = traits_def(IsolatedFromAbove(), SymbolOpInterface(), NoTerminator())

    def __init__(self, name: str, body: Region):
        super().__init__(properties={"sym_name": StringAttr(name)}, regions=[body])

    @property
    def placeholders(self) -> tuple[PlaceholderOp, ...]:
        return tuple(op for op in self.body.block.ops if isinstance(op, PlaceholderOp))

    @property
    def compute(self) -> ComputeOp:
        computes = [op for op in self.body.block.ops if isinstance(op, ComputeOp)]
        return computes[-1]

    @property
    def lowering(self) -> IntrinLowerOp:
        last = self.body.block.last_op
        assert isinstance(last, IntrinLowerOp)
        return last

    def verify_(self) -> None:
        where = f"te.intrin @{self.sym_name.data}"
        ops = list(self.body.block.ops)
        if not ops or not isinstance(ops[-1], IntrinLowerOp):
            raise VerifyException(f"{where}: the body must end in te.intrin_lower")
        computes = [op for op in ops if isinstance(op, ComputeOp)]
        if len(computes) != 1:
            raise VerifyException(f"{where}: declares its behaviour with exactly one te.compute, found {len(computes)}")
        for op in ops[:-1]:
            if not isinstance(op, PlaceholderOp | ComputeOp):
                raise VerifyException(f"{where}: holds only te.placeholder, one te.compute and te.intrin_lower, found {op.name}")
        if ops[-1].output != computes[0].result:  # type: ignore[attr-defined]
            raise VerifyException(f"{where}: te.intrin_lower must name the declared compute's result as its output")


@irdl_op_definition
class IntrinLowerOp(IRDLOperation):
    """The hardware calls of a tensor intrinsic: `compute` (out = behaviour), `reset` (out = identity),
    `update` (out = out (+) behaviour); each passes the buffers of some placeholders/the output, in its own order.

        te.intrin_lower %y compute @vdla.gemm8x8(%w, %x, %y) reset @vdla.fill_zero(%y) update @vdla.fused_gemm8x8_add(%w, %x, %y)
    """

    name = "te.intrin_lower"
    output = operand_def(TensorType)
    compute_args = var_operand_def(TensorType)
    reset_args = var_operand_def(TensorType)
    update_args = var_operand_def(TensorType)
    compute_callee = prop_def(SymbolRefAttr)
    reset_callee = opt_prop_def(SymbolRefAttr)
    update_callee = opt_prop_def(SymbolRefAttr)
    irdl_options = (AttrSizedOperandSegments(as_property=True),)
    traits = traits_def(HasParent(IntrinOp))

    def __init__(
        self,
        output: SSAValue,
        compute: tuple[str, Sequence[SSAValue]],
        reset: tuple[str, Sequence[SSAValue]] | None = None,
        update: tuple[str, Sequence[SSAValue]] | None = None,
    ):
        properties: dict[str, Attribute] = {"compute_callee": SymbolRefAttr(compute[0])}
        if reset is not None:
            properties["reset_callee"] = SymbolRefAttr(reset[0])
        if update is not None:
            properties["update_callee"] = SymbolRefAttr(update[0])
        super().__init__(
            operands=[output, compute[1], reset[1] if reset else [], update[1] if update else []], properties=properties
        )

    def verify_(self) -> None:
        if (self.reset_callee is None) != (self.update_callee is None):
            raise VerifyException("te.intrin_lower: reset and update come together (both or neither)")
        for group in ("compute_args", "reset_args", "update_args"):
            args = getattr(self, group)
            if self.output not in args and (group == "compute_args" or len(args)):
                raise VerifyException(f"te.intrin_lower: the {group.split('_')[0]} call must pass the output buffer")
            for arg in args:
                owner = arg.owner
                if not isinstance(owner, PlaceholderOp | ComputeOp):
                    raise VerifyException("te.intrin_lower: call arguments must be the intrinsic's placeholders or its output")
