"""IR of te expressions: a ComputeOp's expression DAG becomes a `te.compute` body of arith/math ops.

One SSA value per expression node (shared subexpressions are emitted once) and per constant.
Integer `//` and `%` are floor division and floor modulo (TVM's semantics), `/` on integers
truncates (arith.divsi), uint8 uses the unsigned ops. Indices of reads are `index` values.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from xdsl.dialects import arith, builtin
from xdsl.dialects import math as math_ops
from xdsl.dialects.builtin import FloatAttr, IndexType, IntegerAttr, TensorType
from xdsl.ir import Attribute, Block, Operation, SSAValue

from tessel.dialects import te as te_ir
from tessel.frontends.te_expr import (
    INDEX,
    Binary,
    Call,
    Cast,
    Compare,
    Const,
    Expr,
    IfThenElse,
    IterVar,
    Read,
    Reduce,
    TeError,
    Unary,
    bits,
    is_float,
    is_unsigned,
    postorder,
    value_type,
)
from tessel.frontends.te_tensor import ComputeOp, Tensor

_FLOAT_BINARY: dict[str, Callable[[SSAValue, SSAValue], Operation]] = {
    "add": arith.AddfOp,
    "sub": arith.SubfOp,
    "mul": arith.MulfOp,
    "div": arith.DivfOp,
    "max": arith.MaximumfOp,
    "min": arith.MinimumfOp,
    "pow": math_ops.PowFOp,
}
_INT_BINARY: dict[str, Callable[[SSAValue, SSAValue], Operation]] = {
    "add": arith.AddiOp,
    "sub": arith.SubiOp,
    "mul": arith.MuliOp,
    "and": arith.AndIOp,
    "or": arith.OrIOp,
    "pow": math_ops.IPowIOp,
}
_SIGNED_BINARY: dict[str, Callable[[SSAValue, SSAValue], Operation]] = {
    "div": arith.DivSIOp,
    "floordiv": arith.FloorDivSIOp,
    "max": arith.MaxSIOp,
    "min": arith.MinSIOp,
}
_UNSIGNED_BINARY: dict[str, Callable[[SSAValue, SSAValue], Operation]] = {
    "div": arith.DivUIOp,
    "floordiv": arith.DivUIOp,
    "floormod": arith.RemUIOp,
    "max": arith.MaxUIOp,
    "min": arith.MinUIOp,
}
_FLOAT_PREDICATES = {"lt": "olt", "le": "ole", "gt": "ogt", "ge": "oge", "eq": "oeq", "ne": "une"}
_UNARY_MATH: dict[str, Callable[[SSAValue], Operation]] = {
    "exp": math_ops.ExpOp,
    "log": math_ops.LogOp,
    "sqrt": math_ops.SqrtOp,
    "tanh": math_ops.TanhOp,
    "erf": math_ops.ErfOp,
    "floor": math_ops.FloorOp,
    "ceil": math_ops.CeilOp,
}


def valid_name(name: str) -> str:
    """`name` made a valid SSA name hint (letters, digits, `_$.-`, not starting with a digit)."""
    cleaned = "".join(c if c.isalnum() or c in "_$.-" else "_" for c in name)
    return cleaned if cleaned and not cleaned[0].isdigit() else f"_{cleaned}"


def tensor_type(tensor: Tensor) -> TensorType:
    return TensorType(tensor.element_type, list(tensor.shape))


class BodyBuilder:
    """Emits the ops of expressions into `block`; reads resolve tensors through `tensors`."""

    def __init__(self, block: Block, tensors: Mapping[Tensor, SSAValue], axes: Mapping[IterVar, SSAValue]):
        self.block = block
        self.tensors = tensors
        self.axes = axes
        self.values: dict[Expr, SSAValue] = {}
        self.constants: dict[tuple[str, str], SSAValue] = {}
        self.casts: dict[tuple[SSAValue, str], SSAValue] = {}

    def emit(self, root: Expr) -> SSAValue:
        for node in postorder(root):
            if node not in self.values:
                self.values[node] = self._lower(node)
        return self.values[root]

    def _add(self, op: Operation) -> SSAValue:
        self.block.add_op(op)
        return op.results[0]

    def constant(self, value: bool | int | float, dtype: str) -> SSAValue:
        key = (dtype, repr(value))
        if key in self.constants:
            return self.constants[key]
        ir_type = value_type(dtype)
        if is_float(dtype):
            result = self._add(arith.ConstantOp(FloatAttr(float(value), ir_type)))  # type: ignore[arg-type]
        elif is_unsigned(dtype):
            # arith.constant holds signless integers only: build the unsigned value by truncating a wider one.
            wide = self._add(arith.ConstantOp(IntegerAttr(int(value), builtin.IntegerType(2 * bits(dtype)))))
            result = self._add(arith.TruncIOp(wide, ir_type))  # type: ignore[arg-type]
        else:
            result = self._add(arith.ConstantOp(IntegerAttr(int(value), ir_type)))  # type: ignore[arg-type]
        self.constants[key] = result
        return result

    def _lower(self, node: Expr) -> SSAValue:
        if isinstance(node, Const):
            return self.constant(node.value, node.dtype)
        if isinstance(node, IterVar):
            return self._axis(node)
        if isinstance(node, Read):
            indices = [self.cast(self.values[i], i.dtype, INDEX) for i in node.indices]
            if node.tensor not in self.tensors:
                raise TeError(f"the tensor {node.tensor.name} is read but not available here")
            return self._add(te_ir.ReadOp(self.tensors[node.tensor], indices))
        if isinstance(node, Binary):
            return self._binary(node.op, node.dtype, self.values[node.lhs], self.values[node.rhs])
        if isinstance(node, Compare):
            return self._compare(node.op, node.lhs.dtype, self.values[node.lhs], self.values[node.rhs])
        if isinstance(node, Unary):
            value = self.values[node.value]
            if node.op == "not":
                return self._add(arith.XOrIOp(value, self.constant(True, "bool")))
            if is_float(node.dtype):
                return self._add(arith.NegfOp(value))
            return self._add(arith.SubiOp(self.constant(0, node.dtype), value))
        if isinstance(node, Cast):
            return self.cast(self.values[node.value], node.value.dtype, node.dtype)
        if isinstance(node, Call):
            return self._call(node)
        if isinstance(node, IfThenElse):
            return self._add(
                te_ir.IfThenElseOp(self.values[node.condition], self.values[node.true_value], self.values[node.false_value])
            )
        if isinstance(node, Reduce):
            raise TeError(f"{node!r}: a reduction must be the top of a compute expression")
        raise TeError(f"cannot generate IR for {type(node).__name__}")

    def _axis(self, axis: IterVar) -> SSAValue:
        if axis not in self.axes:
            raise TeError(f"the {axis.kind} axis {axis.name} is not a variable of this compute")
        value = self.axes[axis]
        if axis.kind == "reduce" and axis.dom is not None and axis.dom.min != 0:
            # te.compute's reduction axes start at 0: the axis over (lo, hi) is block argument + lo.
            return self._add(arith.AddiOp(value, self.constant(axis.dom.min, INDEX)))
        return value

    def _binary(self, op: str, dtype: str, lhs: SSAValue, rhs: SSAValue) -> SSAValue:
        if is_float(dtype):
            if op == "floordiv":
                return self._add(math_ops.FloorOp(self._add(arith.DivfOp(lhs, rhs))))
            if op == "floormod":
                quotient = self._add(math_ops.FloorOp(self._add(arith.DivfOp(lhs, rhs))))
                return self._add(arith.SubfOp(lhs, self._add(arith.MulfOp(quotient, rhs))))
            return self._add(_FLOAT_BINARY[op](lhs, rhs))
        if op in _INT_BINARY:
            return self._add(_INT_BINARY[op](lhs, rhs))
        if is_unsigned(dtype):
            return self._add(_UNSIGNED_BINARY[op](lhs, rhs))
        if op == "floormod":
            return self._floor_mod(dtype, lhs, rhs)
        return self._add(_SIGNED_BINARY[op](lhs, rhs))

    def _floor_mod(self, dtype: str, lhs: SSAValue, rhs: SSAValue) -> SSAValue:
        """lhs - floor(lhs / rhs) * rhs: the remainder, moved into rhs's sign when the signs differ."""
        remainder = self._add(arith.RemSIOp(lhs, rhs))
        zero = self.constant(0, dtype)
        remainder_negative = self._add(arith.CmpiOp(remainder, zero, "slt"))
        divisor = rhs.owner
        if isinstance(divisor, arith.ConstantOp) and isinstance(divisor.value, IntegerAttr) and divisor.value.value.data > 0:
            # The common `i % 32`: only a negative remainder moves.
            adjust = remainder_negative
        else:
            nonzero = self._add(arith.CmpiOp(remainder, zero, "ne"))
            divisor_negative = self._add(arith.CmpiOp(rhs, zero, "slt"))
            signs_differ = self._add(arith.XOrIOp(remainder_negative, divisor_negative))
            adjust = self._add(arith.AndIOp(nonzero, signs_differ))
        return self._add(arith.SelectOp(adjust, self._add(arith.AddiOp(remainder, rhs)), remainder))

    def _compare(self, op: str, dtype: str, lhs: SSAValue, rhs: SSAValue) -> SSAValue:
        if is_float(dtype):
            return self._add(arith.CmpfOp(lhs, rhs, _FLOAT_PREDICATES[op]))
        if op in ("eq", "ne"):
            return self._add(arith.CmpiOp(lhs, rhs, op))
        return self._add(arith.CmpiOp(lhs, rhs, ("u" if is_unsigned(dtype) else "s") + op))

    def _call(self, node: Call) -> SSAValue:
        value = self.values[node.args[0]]
        if node.function == "abs":
            return self._add(math_ops.AbsFOp(value) if is_float(node.dtype) else math_ops.AbsIOp(value))
        return self._add(_UNARY_MATH[node.function](value))

    def cast(self, value: SSAValue, source: str, target: str) -> SSAValue:
        """`value` of dtype `source` converted to `target` (memoized per value)."""
        if source == target:
            return value
        key = (value, target)
        if key not in self.casts:
            self.casts[key] = self._convert(value, source, target)
        return self.casts[key]

    def _convert(self, value: SSAValue, source: str, target: str) -> SSAValue:
        target_type: Attribute = value_type(target)
        if target == "bool":
            if is_float(source):
                return self._add(arith.CmpfOp(value, self.constant(0.0, source), "une"))
            return self._add(arith.CmpiOp(value, self.constant(0, source), "ne"))
        if is_float(source) and is_float(target):
            op = arith.ExtFOp if bits(target) > bits(source) else arith.TruncFOp
            return self._add(op(value, target_type))  # type: ignore[arg-type]
        if is_float(source):
            integer = "int64" if target == INDEX else target
            converted = self._add((arith.FPToUIOp if is_unsigned(target) else arith.FPToSIOp)(value, value_type(integer)))  # type: ignore[arg-type]
            return self.cast(converted, integer, target)
        if source == INDEX:
            if is_float(target):
                return self.cast(self.cast(value, INDEX, "int64"), "int64", target)
            return self._add(arith.IndexCastOp(value, target_type))
        if is_float(target):
            op = arith.UIToFPOp if is_unsigned(source) or source == "bool" else arith.SIToFPOp
            return self._add(op(value, target_type))  # type: ignore[arg-type]
        if target == INDEX:
            if is_unsigned(source) or source == "bool":
                # index_cast sign-extends: zero-extend to i64 first.
                return self.cast(self.cast(value, source, "int64"), "int64", INDEX)
            return self._add(arith.IndexCastOp(value, IndexType()))
        return self._resize(value, source, target)

    def _resize(self, value: SSAValue, source: str, target: str) -> SSAValue:
        """Between integer (and bool) dtypes: sign/zero extension or truncation."""
        extend = arith.ExtUIOp if is_unsigned(source) or source == "bool" else arith.ExtSIOp
        if bits(target) > bits(source):
            return self._add(extend(value, value_type(target)))  # type: ignore[arg-type]
        if bits(target) < bits(source):
            return self._add(arith.TruncIOp(value, value_type(target)))  # type: ignore[arg-type]
        # Same width, other signedness (int8 <-> uint8): go through the next wider type, keeping the bits.
        wide = self._add(extend(value, builtin.IntegerType(2 * bits(source))))
        return self._add(arith.TruncIOp(wide, value_type(target)))  # type: ignore[arg-type]


def reduction_identity(body: Reduce) -> Attribute | None:
    """The te.yield identity attribute for an explicit init (None: the reducer's natural identity)."""
    if body.init is None:
        return None
    element = value_type(body.dtype)
    if is_float(body.dtype):
        return FloatAttr(float(body.init.value), element)  # type: ignore[arg-type]
    return IntegerAttr(int(body.init.value), element)  # type: ignore[arg-type]


def build_compute_op(compute: ComputeOp, tensor: Tensor, tensors: Mapping[Tensor, SSAValue]) -> te_ir.ComputeOp:
    """The `te.compute` op of `compute` (whose output is `tensor`), reading other tensors through `tensors`."""
    reduce_axes = compute.reduce_axis
    region = te_ir.ComputeOp.make_body(len(compute.axis), len(reduce_axes))
    block = region.block
    for arg, axis in zip(block.args, (*compute.axis, *reduce_axes), strict=True):
        arg.name_hint = valid_name(axis.name)
    builder = BodyBuilder(block, tensors, dict(zip((*compute.axis, *reduce_axes), block.args, strict=True)))
    body = compute.body
    if isinstance(body, Reduce):
        value = builder.emit(body.source)
        block.add_op(te_ir.YieldOp(value, body.reducer, reduction_identity(body)))
    else:
        block.add_op(te_ir.YieldOp(builder.emit(body)))
    extents = [axis.dom.extent for axis in reduce_axes if axis.dom is not None]
    op = te_ir.ComputeOp(compute.name, tensor_type(tensor), extents, region)
    op.result.name_hint = valid_name(compute.name)
    return op
