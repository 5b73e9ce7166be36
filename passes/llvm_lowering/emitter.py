"""Types and a builder of llvm-dialect ops shared by the loop, arith, math and vector lowerings.

`index` becomes i64 and integer types lose their signedness (llvm ops take signless integers);
values whose type changes cross the boundary through `builtin.unrealized_conversion_cast`s, which
reconcile-unrealized-casts removes once both sides are converted.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from xdsl.dialects import llvm
from xdsl.dialects.builtin import (
    DenseArrayBase,
    DenseIntOrFPElementsAttr,
    Float16Type,
    Float32Type,
    Float64Type,
    FloatAttr,
    IndexType,
    IntegerAttr,
    IntegerType,
    UnrealizedConversionCastOp,
    VectorType,
    i1,
    i32,
    i64,
)
from xdsl.ir import Attribute, Block, Operation, SSAValue
from xdsl.pattern_rewriter import PatternRewriter
from xdsl.rewriter import InsertPoint
from xdsl.utils.exceptions import PassFailedException

PTR = llvm.LLVMPointerType()
VOID = llvm.LLVMVoidType()
_NSW = IntegerAttr(llvm.OverflowAttr((llvm.OverflowFlag.NO_SIGNED_WRAP,)).to_int(), 32)
_FLOATS = (Float16Type, Float32Type, Float64Type)


def llvm_type(t: Attribute) -> Attribute:
    """The llvm-dialect type of a value of type t: index -> i64, iN/siN/uiN -> iN, vectors elementwise."""
    if isinstance(t, IndexType):
        return i64
    if isinstance(t, IntegerType):
        return IntegerType(t.width.data)
    if isinstance(t, VectorType):
        element = llvm_type(t.element_type)
        return t if element == t.element_type else VectorType(element, t.get_shape())
    return t


def scalar_type(t: Attribute) -> Attribute:
    """The element type of a vector type, or t itself."""
    return t.element_type if isinstance(t, VectorType) else t


def lanes(t: Attribute) -> int | None:
    """The lane count of a 1-D vector type; None for scalars."""
    if not isinstance(t, VectorType):
        return None
    shape = t.get_shape()
    if len(shape) != 1:
        raise PassFailedException(f"convert-loop-to-llvm: only 1-D vectors lower to LLVM, got {t}")
    return shape[0]


def is_float(t: Attribute) -> bool:
    return isinstance(scalar_type(t), _FLOATS)


def bit_width(t: Attribute) -> int:
    """Bits of a scalar (or vector element) type after conversion."""
    s = scalar_type(llvm_type(t))
    if isinstance(s, IntegerType):
        return s.width.data
    if isinstance(s, _FLOATS):
        return s.bitwidth
    raise PassFailedException(f"convert-loop-to-llvm: no bit width for type {t}")


def byte_size(t: Attribute) -> int:
    """Bytes one buffer element of type t takes (i1 takes a byte, as numpy's bool does)."""
    return max(1, (bit_width(t) + 7) // 8)


def suffix(t: Attribute) -> str:
    """LLVM's overloaded-intrinsic name suffix for type t: f32, i64, v8f32, ..."""
    t = llvm_type(t)
    count = lanes(t)
    s = scalar_type(t)
    if isinstance(s, IntegerType):
        name = f"i{s.width.data}"
    elif isinstance(s, _FLOATS):
        name = f"f{s.bitwidth}"
    else:
        raise PassFailedException(f"convert-loop-to-llvm: no LLVM intrinsic type suffix for {t}")
    return name if count is None else f"v{count}{name}"


def with_element(t: Attribute, element: Attribute) -> Attribute:
    """t's shape (scalar or vector) with another element type."""
    count = lanes(t)
    return element if count is None else VectorType(element, [count])


def splat_attr(t: Attribute, value: int | float) -> Attribute:
    """A constant attribute of llvm type t holding `value` (in every lane of a vector)."""
    count = lanes(t)
    s = scalar_type(t)
    if count is not None:
        return DenseIntOrFPElementsAttr.from_list(VectorType(s, [count]), [value] * count)  # type: ignore[arg-type]
    if isinstance(s, IntegerType):
        return IntegerAttr(_int_value(int(value), s.width.data), s)
    return FloatAttr(float(value), s)  # type: ignore[arg-type]


def _int_value(value: int, width: int) -> int:
    """`value` wrapped to `width` bits, read as signed (i1: 0 or 1)."""
    value &= (1 << width) - 1
    if width > 1 and value >= 1 << (width - 1):
        value -= 1 << width
    return value


class Emitter:
    """Builds llvm ops through `insert` (appending to a block, or before an op being rewritten)."""

    def __init__(self, insert: Callable[[Operation], object]):
        self.insert = insert

    def op(self, op: Operation) -> SSAValue:
        """Insert op; its (single) result."""
        self.insert(op)
        return op.results[0]

    # ---- constants and casts
    def constant(self, value: int | float, t: Attribute) -> SSAValue:
        t = llvm_type(t)
        return self.op(llvm.ConstantOp(splat_attr(t, value), t))

    def i64(self, value: int) -> SSAValue:
        return self.constant(value, i64)

    def i32(self, value: int) -> SSAValue:
        return self.constant(value, i32)

    def i1(self, value: bool) -> SSAValue:
        return self.constant(int(value), i1)

    def cast(self, value: SSAValue, t: Attribute) -> SSAValue:
        """An unrealized cast (a type change that conversion on the other side resolves)."""
        if value.type == t:
            return value
        return self.op(UnrealizedConversionCastOp.get([value], [t]))

    def convert(self, cls: type[Operation], value: SSAValue, t: Attribute) -> SSAValue:
        """A conversion op (sext, zext, trunc, sitofp, fpext, fptrunc, bitcast) from value to t."""
        return self.op(cls(value, t))  # type: ignore[call-arg]

    # ---- arithmetic
    def binary(self, cls: type[Operation], lhs: SSAValue, rhs: SSAValue, nsw: bool = False) -> SSAValue:
        op = cls(lhs, rhs)  # type: ignore[call-arg]
        if nsw:
            op.properties["overflowFlags"] = _NSW
        return self.op(op)

    def add(self, lhs: SSAValue, rhs: SSAValue, nsw: bool = True) -> SSAValue:
        return self.binary(llvm.AddOp, lhs, rhs, nsw)

    def sub(self, lhs: SSAValue, rhs: SSAValue, nsw: bool = True) -> SSAValue:
        return self.binary(llvm.SubOp, lhs, rhs, nsw)

    def mul(self, lhs: SSAValue, rhs: SSAValue, nsw: bool = True) -> SSAValue:
        return self.binary(llvm.MulOp, lhs, rhs, nsw)

    def icmp(self, predicate: str, lhs: SSAValue, rhs: SSAValue) -> SSAValue:
        flag = llvm.ICmpPredicateFlag(predicate)
        return self.op(llvm.ICmpOp(lhs, rhs, IntegerAttr(flag.to_int(), i64)))

    def fcmp(self, predicate: str, lhs: SSAValue, rhs: SSAValue) -> SSAValue:
        return self.op(llvm.FCmpOp(lhs, rhs, predicate))

    def select(self, condition: SSAValue, true_value: SSAValue, false_value: SSAValue) -> SSAValue:
        return self.op(llvm.SelectOp(condition, true_value, false_value))

    def zext(self, value: SSAValue, t: Attribute) -> SSAValue:
        return self.op(llvm.ZExtOp(value, t))

    # ---- calls
    def intrinsic(self, name: str, args: Sequence[SSAValue], result: Attribute) -> SSAValue:
        """`llvm.call_intrinsic` of a fully mangled intrinsic name (convert_module declares it by that name)."""
        return self.op(llvm.CallIntrinsicOp(name, list(args), [result]))

    def intrinsic_void(self, name: str, args: Sequence[SSAValue]) -> None:
        self.insert(llvm.CallIntrinsicOp(name, list(args), []))

    def call(self, callee: str, args: Sequence[SSAValue], result: Attribute) -> SSAValue:
        return self.op(llvm.CallOp(callee, *args, return_type=result))

    def call_void(self, callee: str, args: Sequence[SSAValue]) -> None:
        self.insert(llvm.CallOp(callee, *args))

    # ---- memory
    def gep(self, pointer: SSAValue, index: SSAValue | int, element: Attribute) -> SSAValue:
        """`getelementptr inbounds element, pointer[index]`: the address `index` elements past pointer."""
        if isinstance(index, int) and not -(1 << 31) <= index < 1 << 31:
            index = self.i64(index)
        return self.op(llvm.GEPOp.from_mixed_indices(pointer, [index], element, inbounds=True))

    def field(self, pointer: SSAValue, struct: Attribute, position: int) -> SSAValue:
        """The address of field `position` of the struct at pointer."""
        return self.op(llvm.GEPOp(pointer, [0, position], struct, inbounds=True))

    def load(self, pointer: SSAValue, t: Attribute, alignment: int | None = None) -> SSAValue:
        return self.op(llvm.LoadOp(pointer, t, alignment=alignment))

    def store(self, value: SSAValue, pointer: SSAValue, alignment: int | None = None) -> None:
        # llvmlite still types pointers (a GEP's result points to its element type, an alloca's to its
        # type) and refuses a store through a pointer typed otherwise: a zero GEP over the stored type
        # retypes the address; pointers are stored through an untyped address (a no-op llvm.ptrmask)
        owner = pointer.owner
        if isinstance(value.type, llvm.LLVMPointerType):
            pointer = self.intrinsic("llvm.ptrmask.p0.i64", [pointer, self.i64(-1)], PTR)
        elif not (isinstance(owner, llvm.GEPOp) and owner.elem_type == value.type):
            pointer = self.op(llvm.GEPOp(pointer, [0], value.type, inbounds=True))
        self.insert(llvm.StoreOp(value, pointer, alignment=alignment))

    # ---- vectors
    def undef(self, t: Attribute) -> SSAValue:
        return self.op(llvm.UndefOp(t))

    def shuffle(self, v1: SSAValue, v2: SSAValue, mask: Sequence[int]) -> SSAValue:
        element = scalar_type(v1.type)
        return self.op(llvm.ShuffleVectorOp(v1, v2, DenseArrayBase.from_list(i32, list(mask)), VectorType(element, [len(mask)])))

    def insert_element(self, vector: SSAValue, value: SSAValue, position: int | SSAValue) -> SSAValue:
        index = self.i32(position) if isinstance(position, int) else position
        return self.op(llvm.InsertElementOp(vector, value, index))

    def extract_element(self, vector: SSAValue, position: int) -> SSAValue:
        """Lane `position` of a vector (xDSL 0.74 converts no extractelement: a one-lane shuffle, bitcast)."""
        one_lane = self.shuffle(vector, vector, [position])
        return self.convert(llvm.BitcastOp, one_lane, scalar_type(vector.type))

    def splat(self, value: SSAValue, count: int) -> SSAValue:
        """A vector of `count` copies of a scalar."""
        t = VectorType(value.type, [count])
        first = self.insert_element(self.undef(t), value, 0)
        return self.shuffle(first, first, [0] * count)

    def build_vector(self, values: Sequence[SSAValue]) -> SSAValue:
        """A vector of the given scalars."""
        vector = self.undef(VectorType(values[0].type, [len(values)]))
        for k, value in enumerate(values):
            vector = self.insert_element(vector, value, k)
        return vector

    # ---- control flow
    def br(self, dest: Block, *args: SSAValue) -> None:
        self.insert(llvm.BrOp(dest, *args))

    def cond_br(
        self,
        condition: SSAValue,
        then_block: Block,
        then_args: Sequence[SSAValue],
        else_block: Block,
        else_args: Sequence[SSAValue],
    ) -> None:
        self.insert(llvm.CondBrOp(condition, then_block, list(then_args), else_block, list(else_args)))

    def ret(self, value: SSAValue | None = None) -> None:
        self.insert(llvm.ReturnOp(value))


def floor_div(emit: Emitter, a: SSAValue, b: SSAValue) -> SSAValue:
    """a / b rounded toward -inf (signed)."""
    quotient = emit.binary(llvm.SDivOp, a, b)
    remainder = emit.binary(llvm.SRemOp, a, b)
    return emit.sub(quotient, emit.zext(_signs_differ(emit, remainder, b), a.type), nsw=False)


def ceil_div(emit: Emitter, a: SSAValue, b: SSAValue) -> SSAValue:
    """a / b rounded toward +inf (signed)."""
    quotient = emit.binary(llvm.SDivOp, a, b)
    remainder = emit.binary(llvm.SRemOp, a, b)
    zero = emit.constant(0, a.type)
    nonzero = emit.icmp("ne", remainder, zero)
    same_sign = emit.icmp("sge", emit.binary(llvm.XOrOp, remainder, b), zero)
    return emit.add(quotient, emit.zext(emit.binary(llvm.AndOp, nonzero, same_sign), a.type), nsw=False)


def floor_mod(emit: Emitter, a: SSAValue, b: SSAValue) -> SSAValue:
    """a mod b with the divisor's sign (Python's %)."""
    remainder = emit.binary(llvm.SRemOp, a, b)
    adjust = emit.op(llvm.SExtOp(_signs_differ(emit, remainder, b), b.type))  # all ones where b is added
    return emit.add(remainder, emit.binary(llvm.AndOp, b, adjust), nsw=False)


def _signs_differ(emit: Emitter, remainder: SSAValue, b: SSAValue) -> SSAValue:
    """remainder != 0 and its sign differs from b's: where truncating division must step down."""
    zero = emit.constant(0, remainder.type)
    nonzero = emit.icmp("ne", remainder, zero)
    differ = emit.icmp("slt", emit.binary(llvm.XOrOp, remainder, b), zero)
    return emit.binary(llvm.AndOp, nonzero, differ)


def where(emit: Emitter, condition: SSAValue, value: SSAValue) -> SSAValue:
    """value where condition holds, else 0 (integers; also on vectors, which llvm.select cannot take a mask for)."""
    return emit.binary(llvm.AndOp, value, emit.op(llvm.SExtOp(condition, value.type)))


class OpRewrite:
    """Emits llvm ops in place of one matched op (operands converted through unrealized casts)."""

    def __init__(self, op: Operation, rewriter: PatternRewriter):
        self.op = op
        self.rewriter = rewriter
        self.emit = Emitter(lambda new: rewriter.insert(new, InsertPoint.before(op)))

    def operands(self) -> list[SSAValue]:
        return [self.emit.cast(v, llvm_type(v.type)) for v in self.op.operands]

    @property
    def result_type(self) -> Attribute:
        """The llvm type of the op's (single) result."""
        return llvm_type(self.op.results[0].type)

    def replace(self, value: SSAValue) -> None:
        self.rewriter.replace(self.op, [], [self.emit.cast(value, self.op.results[0].type)])

    def lanewise(self, operands: Sequence[SSAValue], build: Callable[[list[SSAValue]], SSAValue]) -> SSAValue:
        """build() on each lane of vector operands (scalars go to every lane); scalars: build() once."""
        count = lanes(self.result_type)
        if count is None:
            return build(list(operands))
        results = []
        for k in range(count):
            args = [self.emit.extract_element(v, k) if lanes(v.type) is not None else v for v in operands]
            results.append(build(args))
        return self.emit.build_vector(results)


def rewrite_by_table(
    handlers: Mapping[type[Operation], Callable[[OpRewrite], SSAValue]], op: Operation, rewriter: PatternRewriter
) -> None:
    """Replace `op` by the value its type's handler emits (ops without a handler stay)."""
    handler = handlers.get(type(op))
    if handler is not None:
        rewrite = OpRewrite(op, rewriter)
        rewrite.replace(handler(rewrite))
