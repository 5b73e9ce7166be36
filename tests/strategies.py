"""Hypothesis strategies for random builtin types, attributes and verifying modules."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import cast

from hypothesis import strategies as st
from xdsl.dialects import arith, func, llvm, test
from xdsl.dialects import math as math_dialect
from xdsl.dialects.builtin import (
    DYNAMIC_INDEX,
    AffineMapAttr,
    ArrayAttr,
    BFloat16Type,
    BoolAttr,
    ComplexType,
    DenseArrayBase,
    DenseIntOrFPElementsAttr,
    DictionaryAttr,
    Float16Type,
    Float32Type,
    Float64Type,
    Float80Type,
    Float128Type,
    Float8E4M3FNType,
    Float8E5M2Type,
    FloatAttr,
    FloatTF32Type,
    FunctionType,
    IndexType,
    IntAttr,
    IntegerAttr,
    IntegerType,
    MemRefType,
    ModuleOp,
    NoneAttr,
    NoneType,
    Signedness,
    StringAttr,
    SymbolRefAttr,
    TensorType,
    TupleType,
    UnitAttr,
    UnrankedMemRefType,
    UnrankedTensorType,
    VectorType,
)
from xdsl.ir import Attribute, Block, Operation, Region, SSAValue, TypeAttribute
from xdsl.ir.affine import AffineMap
from xdsl.dialects.vector import CombiningKindAttr, CombiningKindFlag

FloatType = Float16Type | Float32Type | Float64Type | BFloat16Type

# ---------------------------------------------------------------- types

ARITH_FLOAT_TYPES: tuple[FloatType, ...] = (Float16Type(), Float32Type(), Float64Type(), BFloat16Type())
# Float types only used as types: no attribute of them is ever built.
OTHER_FLOAT_TYPES: tuple[TypeAttribute, ...] = (
    Float80Type(),
    Float128Type(),
    FloatTF32Type(),
    Float8E4M3FNType(),
    Float8E5M2Type(),
)
# Widths the element packers handle (dense elements, dense arrays, arith constants).
PACKABLE_INT_WIDTHS = (1, 8, 16, 32, 64)
SIGNEDNESSES = (Signedness.SIGNLESS, Signedness.SIGNED, Signedness.UNSIGNED)


def integer_types(
    signedness: Sequence[Signedness] = SIGNEDNESSES, widths: Sequence[int] | None = None
) -> st.SearchStrategy[IntegerType]:
    """`iN`, `siN`, `uiN`; common widths mostly, odd ones (i3, i129) sometimes."""
    width = st.sampled_from(widths) if widths is not None else st.one_of(
        st.sampled_from((32, 1, 8, 16, 64)), st.integers(1, 256)
    )
    return st.builds(IntegerType, width, st.sampled_from(signedness))


def float_types() -> st.SearchStrategy[FloatType]:
    return st.sampled_from(ARITH_FLOAT_TYPES)


def scalar_types() -> st.SearchStrategy[TypeAttribute]:
    """Integer, float (including exotic widths), index and none."""
    return st.one_of(
        integer_types(),
        float_types(),
        st.just(IndexType()),
        st.sampled_from(OTHER_FLOAT_TYPES + (NoneType(),)),
    )


def _dims(min_rank: int = 0, max_rank: int = 3, dynamic: bool = True) -> st.SearchStrategy[list[int]]:
    size = st.one_of(st.integers(1, 8), st.sampled_from((0, 16, 1000, 2**31)))
    dim = st.one_of(size, st.just(DYNAMIC_INDEX)) if dynamic else size
    return st.lists(dim, min_size=min_rank, max_size=max_rank)


def vector_types(element: st.SearchStrategy[Attribute] | None = None, scalable: bool = True) -> st.SearchStrategy[VectorType]:
    """Static vectors of int/float/index, rank 0-3, some dims scalable (`[4]`)."""
    elements = element if element is not None else st.one_of(
        integer_types(widths=(1, 8, 32, 64)), float_types(), st.just(IndexType())
    )

    @st.composite
    def build(draw: st.DrawFn) -> VectorType:
        shape = draw(st.lists(st.integers(1, 8), min_size=0, max_size=3))
        flags = draw(st.lists(st.booleans(), min_size=len(shape), max_size=len(shape))) if scalable else []
        scalable_dims = ArrayAttr([BoolAttr.from_bool(f) for f in flags]) if any(flags) else None
        return VectorType(draw(elements), shape, scalable_dims)

    return build()


def _memory_spaces() -> st.SearchStrategy[Attribute]:
    return st.one_of(
        st.just(NoneAttr()),
        st.builds(lambda n: IntegerAttr(n, 64), st.integers(0, 7)),
        st.sampled_from((StringAttr("gpu"), StringAttr("local"))),
    )


def shaped_element_types() -> st.SearchStrategy[Attribute]:
    """Element types that tensors and memrefs accept."""
    return st.one_of(
        float_types(),
        integer_types(),
        st.just(IndexType()),
        st.builds(ComplexType, float_types()),
        vector_types(scalable=False),
    )


def tensor_types(element: st.SearchStrategy[Attribute] | None = None) -> st.SearchStrategy[Attribute]:
    """Ranked (static and `?` dims, optional encoding) and unranked tensors."""
    elements = element if element is not None else shaped_element_types()
    encodings = st.one_of(st.just(NoneAttr()), st.sampled_from((StringAttr("sparse"), IntegerAttr(3, 64))))
    return st.one_of(
        st.builds(lambda e, s, enc: TensorType(e, s, enc), elements, _dims(), encodings),
        st.builds(UnrankedTensorType, elements),
    )


def memref_types(element: st.SearchStrategy[Attribute] | None = None) -> st.SearchStrategy[Attribute]:
    """Layout-free memrefs, ranked and unranked, with an optional memory space."""
    elements = element if element is not None else shaped_element_types()
    return st.one_of(
        st.builds(lambda e, s, space: MemRefType(e, s, NoneAttr(), space), elements, _dims(), _memory_spaces()),
        st.builds(lambda e, space: UnrankedMemRefType.from_type(e, space), elements, _memory_spaces()),
    )


def complex_types() -> st.SearchStrategy[ComplexType]:
    return st.builds(ComplexType, st.one_of(float_types(), integer_types(widths=(8, 32, 64))))


def dialect_types() -> st.SearchStrategy[Attribute]:
    """A few `!dialect.type<...>` types whose bodies stress bracket matching."""
    return st.sampled_from(
        (
            llvm.LLVMPointerType(),
            llvm.LLVMStructType.from_type_list([IntegerType(32), Float32Type()]),
            llvm.LLVMArrayType(IntAttr(4), IntegerType(8)),
            test.TestType("a<b>c"),
            test.TestType("->"),
        )
    )


def types(max_leaves: int = 4) -> st.SearchStrategy[Attribute]:
    """Any builtin type, with tuples and function types nesting other types."""
    leaves = st.one_of(
        scalar_types(),
        vector_types(),
        tensor_types(),
        memref_types(),
        complex_types(),
        dialect_types(),
    )

    def extend(inner: st.SearchStrategy[Attribute]) -> st.SearchStrategy[Attribute]:
        type_lists = st.lists(inner, max_size=3)
        return st.one_of(
            type_lists.map(lambda ts: TupleType(ArrayAttr(ts))),
            st.builds(FunctionType.from_lists, type_lists, type_lists),
        )

    return st.recursive(leaves, extend, max_leaves=max_leaves)


# ---------------------------------------------------------------- attribute values


def integer_values(type_: IntegerType | IndexType) -> st.SearchStrategy[int]:
    """Values in range for the type, biased to boundaries."""
    if isinstance(type_, IndexType):
        low, high = -(2**63), 2**63 - 1
    else:
        width = type_.width.data
        signedness = type_.signedness.data
        if signedness == Signedness.UNSIGNED:
            low, high = 0, 2**width - 1
        elif signedness == Signedness.SIGNED:
            low, high = -(2 ** (width - 1)), 2 ** (width - 1) - 1
        else:  # signless: printed as signed; the builder normalizes
            low, high = -(2 ** (width - 1)), 2 ** (width - 1) - 1
    return st.one_of(st.integers(max(low, -8), min(high, 8)), st.sampled_from((low, high)), st.integers(low, high))


def float_values(type_: FloatType) -> st.SearchStrategy[float]:
    """Any value of the type: small dyadics, full-precision values, +-0, +-inf, nan."""
    dyadic = st.integers(-64, 64).map(lambda k: k / 8)
    special = st.sampled_from((0.0, -0.0, float("inf"), float("-inf"), float("nan")))
    if isinstance(type_, Float16Type):
        anything = st.floats(width=16)
    elif isinstance(type_, Float32Type | BFloat16Type):
        anything = st.floats(width=32)
    else:
        anything = st.floats()
    # Round to the type so equality after a print/parse round trip is exact.
    return st.one_of(dyadic, special, anything).map(lambda v: FloatAttr(v, type_).value.data)


# Printable ASCII plus the characters the printer must escape.
_STRING_CHARS = st.one_of(
    st.characters(min_codepoint=0x20, max_codepoint=0x7E),
    st.sampled_from('"\\\n\t\r\x00\x01\x7f'),
)


def strings() -> st.SearchStrategy[str]:
    return st.text(_STRING_CHARS, max_size=8)


_BARE_NAMES = ("a", "b", "foo", "x1", "_y", "a.b", "a$b", "bar_baz", "true", "unit", "dense", "loc", "i32")
_QUOTED_NAMES = ("a b", "1st", "q\"uote", "back\\slash", "new\nline", "-", "@", "x:y")


def names() -> st.SearchStrategy[str]:
    """Identifiers, including keywords and ones that need quoting."""
    return st.one_of(st.sampled_from(_BARE_NAMES), st.sampled_from(_QUOTED_NAMES))


# ---------------------------------------------------------------- attributes


@st.composite
def integer_attrs(draw: st.DrawFn) -> IntegerAttr:
    """`5 : i32`, `-1 : si7`, `true` (i1), `3 : index`."""
    type_ = draw(st.one_of(integer_types(), st.just(IndexType())))
    return IntegerAttr(draw(integer_values(type_)), type_)


@st.composite
def float_attrs(draw: st.DrawFn) -> FloatAttr:
    type_ = draw(float_types())
    return FloatAttr(draw(float_values(type_)), type_)


def _dense_element_types() -> st.SearchStrategy[Attribute]:
    return st.one_of(
        integer_types(signedness=(Signedness.SIGNLESS,), widths=PACKABLE_INT_WIDTHS),
        float_types(),
        st.just(IndexType()),
        st.builds(ComplexType, st.sampled_from((Float32Type(), Float64Type()))),
        st.builds(ComplexType, integer_types(signedness=(Signedness.SIGNLESS,), widths=(8, 32))),
    )


def _element_values(element: Attribute) -> st.SearchStrategy[object]:
    if isinstance(element, ComplexType):
        part = _element_values(element.element_type)
        return st.tuples(part, part)
    if isinstance(element, IntegerType | IndexType):
        return integer_values(element)
    return float_values(cast(FloatType, element))


def _is_packable(element: Attribute) -> bool:
    """Whether `dense<...>` can hold elements of this type."""
    if isinstance(element, ComplexType):
        return _is_packable(element.element_type)
    if isinstance(element, IntegerType):
        return element.width.data in PACKABLE_INT_WIDTHS
    return isinstance(element, IndexType | FloatType)


@st.composite
def dense_values(draw: st.DrawFn, container: TensorType | VectorType) -> DenseIntOrFPElementsAttr:
    """`dense<...>` for a static container: a splat or every element."""
    size = 1
    for dim in container.get_shape():
        size *= dim
    values = _element_values(container.get_element_type())
    if size > 0 and draw(st.booleans()):
        data = [draw(values)]
    else:
        data = draw(st.lists(values, min_size=size, max_size=size))
    return DenseIntOrFPElementsAttr.from_list(container, data)  # pyright: ignore[reportArgumentType, reportCallIssue]


@st.composite
def dense_elements_attrs(draw: st.DrawFn) -> DenseIntOrFPElementsAttr:
    """`dense<...>` on static tensors and vectors: splat, nested lists, empty, rank 0, hex (> 100 elements)."""
    element = draw(_dense_element_types())
    if draw(st.integers(0, 19)) == 0 and not isinstance(element, ComplexType):
        shape = [101]  # printed as a hex string
    else:
        shape = draw(st.lists(st.integers(0, 3), max_size=3))
    if all(dim > 0 for dim in shape) and not isinstance(element, ComplexType) and draw(st.booleans()):
        return draw(dense_values(VectorType(element, shape)))
    return draw(dense_values(TensorType(element, shape)))


@st.composite
def dense_array_attrs(draw: st.DrawFn) -> DenseArrayBase:
    """`array<i64: 1, 2>`, `array<i1: true>`, `array<f32: ...>`, `array<i8>`."""
    element = draw(
        st.one_of(integer_types(signedness=(Signedness.SIGNLESS,), widths=PACKABLE_INT_WIDTHS),
                  st.sampled_from((Float32Type(), Float64Type())))
    )
    values = _element_values(element)
    return DenseArrayBase.from_list(element, draw(st.lists(values, max_size=4)))  # pyright: ignore[reportArgumentType]


def symbol_names() -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(("f", "g", "main", "a.b", "x$1", "_z")), st.sampled_from(_QUOTED_NAMES))


def symbol_ref_attrs() -> st.SearchStrategy[SymbolRefAttr]:
    """`@a`, `@a::@b::@c`, `@"a b"`."""
    return st.builds(lambda root, nested: SymbolRefAttr(root, nested), symbol_names(), st.lists(symbol_names(), max_size=2))


def dialect_attrs() -> st.SearchStrategy[Attribute]:
    """Attributes of the loaded dialects: `#arith.fastmath<...>`, `#arith.overflow<...>`, ..."""
    fastmath = st.one_of(
        st.sampled_from(("none", "fast")).map(arith.FastMathFlagsAttr),
        st.sets(st.sampled_from(list(arith.FastMathFlag)), min_size=1).map(arith.FastMathFlagsAttr),
    )
    overflow = st.sets(st.sampled_from(list(arith.IntegerOverflowFlag))).map(arith.IntegerOverflowAttr)
    return st.one_of(
        fastmath,
        overflow,
        st.sampled_from(list(CombiningKindFlag)).map(CombiningKindAttr),
        st.sampled_from((AffineMapAttr(AffineMap.identity(2)), AffineMapAttr(AffineMap.constant_map(0)))),
    )


def _leaf_attributes() -> st.SearchStrategy[Attribute]:
    return st.one_of(
        integer_attrs(),
        float_attrs(),
        strings().map(StringAttr),
        st.booleans().map(BoolAttr.from_bool),
        st.just(UnitAttr()),
        dense_elements_attrs(),
        dense_array_attrs(),
        types(max_leaves=2),
        symbol_ref_attrs(),
        dialect_attrs(),
    )


def attribute_dicts(values: st.SearchStrategy[Attribute], max_size: int = 3) -> st.SearchStrategy[dict[str, Attribute]]:
    return st.dictionaries(names(), values, max_size=max_size)


def attributes(max_leaves: int = 4) -> st.SearchStrategy[Attribute]:
    """Any attribute; arrays and dictionaries nest."""

    def extend(inner: st.SearchStrategy[Attribute]) -> st.SearchStrategy[Attribute]:
        return st.one_of(
            st.lists(inner, max_size=3).map(ArrayAttr),
            attribute_dicts(inner).map(DictionaryAttr),
        )

    return st.recursive(_leaf_attributes(), extend, max_leaves=max_leaves)


# ---------------------------------------------------------------- operations

_HINTS = ("x", "x", "x_1", "acc", "a.b", "a-b", "a$b", "_", "arg0", "0x")
_PROPERTY_NAMES = frozenset(
    ("fastmath", "overflowFlags", "predicate", "value", "callee", "sym_name", "function_type",
     "sym_visibility", "arg_attrs", "res_attrs", "roundingmode")
)
_CMPI_PREDICATES = tuple(arith.CMPI_COMPARISON_OPERATIONS)
_CMPF_PREDICATES = tuple(arith.CMPF_COMPARISON_OPERATIONS)
_FLOAT_BINARY = (arith.AddfOp, arith.SubfOp, arith.MulfOp, arith.DivfOp, arith.MaximumfOp, arith.MinnumfOp)
_INT_BINARY_OVERFLOW = (arith.AddiOp, arith.SubiOp, arith.MuliOp, arith.ShLIOp)
_INT_BINARY = (arith.AndIOp, arith.OrIOp, arith.XOrIOp, arith.DivSIOp, arith.RemUIOp, arith.MaxSIOp)
_MATH_UNARY = (math_dialect.ExpOp, math_dialect.SqrtOp, math_dialect.LogOp, math_dialect.TanhOp,
               math_dialect.AbsFOp, math_dialect.FloorOp)
_MATH_BINARY = (math_dialect.PowFOp, math_dialect.Atan2Op, math_dialect.CopySignOp)


@dataclass(frozen=True)
class _Signature:
    name: str
    type: FunctionType


@dataclass
class _Scope:
    """The block being filled and the values that dominate its end."""

    block: Block
    values: list[SSAValue]

    def nested(self, block: Block) -> _Scope:
        return _Scope(block, self.values + list(block.args))


@dataclass
class _ModuleBuilder:
    """Fills one random module; `ops_left` bounds its size."""

    draw: st.DrawFn
    ops_left: int
    functions: list[_Signature] = field(default_factory=list[_Signature])
    in_function: bool = False  # calls may only appear inside function bodies

    # -- helpers

    def _add(self, scope: _Scope, op: Operation) -> Operation:
        scope.block.add_op(op)
        self.ops_left -= 1
        for result in op.results:
            if self.draw(st.integers(0, 3)) == 0:
                result.name_hint = self.draw(st.sampled_from(_HINTS))
            scope.values.append(result)
        return op

    def _discardable_attrs(self, op: Operation) -> None:
        keys = names().filter(lambda k: k not in _PROPERTY_NAMES)
        if self.draw(st.integers(0, 4)) == 0:
            op.attributes.update(self.draw(st.dictionaries(keys, attributes(max_leaves=2), max_size=2)))

    def _fastmath(self) -> arith.FastMathFlagsAttr:
        return self.draw(dialect_attrs().filter(lambda a: isinstance(a, arith.FastMathFlagsAttr)))

    def _arith_type(self, elements: st.SearchStrategy[Attribute]) -> Attribute:
        """A scalar mostly; sometimes a vector or tensor of it."""
        element = self.draw(elements)
        kind = self.draw(st.integers(0, 5))
        if kind == 4:
            return self.draw(vector_types(st.just(element)))
        if kind == 5:
            return TensorType(element, self.draw(_dims(max_rank=2)))
        return element

    def value_of(self, scope: _Scope, type_: Attribute) -> SSAValue:
        """An existing value of the type, or a new constant / test.op making one."""
        candidates = [v for v in scope.values if v.type == type_]
        if candidates and self.draw(st.booleans()):
            return self.draw(st.sampled_from(candidates))
        return self._add(scope, self._materialize(type_)).results[0]

    def _constant_value(self, type_: Attribute) -> Attribute | None:
        """A value `arith.constant` can produce for the type, if there is one."""
        if isinstance(type_, IndexType) or isinstance(type_, IntegerType) and type_.signedness.data == Signedness.SIGNLESS:
            return IntegerAttr(self.draw(integer_values(type_)), type_)
        if isinstance(type_, FloatType):
            return FloatAttr(self.draw(float_values(type_)), type_)
        if isinstance(type_, VectorType) and type_.get_num_scalable_dims():
            return None
        if isinstance(type_, TensorType | VectorType) and type_.has_static_shape():
            element = type_.get_element_type()
            if _is_packable(element) and not isinstance(element, ComplexType):
                return self.draw(dense_values(type_))
        return None

    def _materialize(self, type_: Attribute) -> Operation:
        constant = self._constant_value(type_)
        if constant is not None and self.draw(st.integers(0, 3)) > 0:
            return arith.ConstantOp(constant, type_)  # pyright: ignore[reportArgumentType]
        return test.TestOp(result_types=[type_])

    # -- operations

    def test_op(self, scope: _Scope, depth: int) -> None:
        """`test.op` with random operands, results, attributes, properties and regions."""
        operands = self.draw(st.lists(st.sampled_from(scope.values), max_size=3)) if scope.values else []
        result_types = self.draw(st.lists(types(), max_size=3))
        attrs = self.draw(attribute_dicts(attributes(), max_size=3))
        props = self.draw(st.dictionaries(st.sampled_from(("prop1", "prop2", "prop3")), attributes(max_leaves=2), max_size=2))
        regions: list[Region] = []
        if depth > 0 and self.ops_left > 2:
            for _ in range(self.draw(st.integers(0, 2))):
                regions.append(self.region(scope, depth - 1))
        self._add(scope, test.TestOp(operands, result_types, attrs, props, regions))

    def region(self, scope: _Scope, depth: int) -> Region:
        """0-3 blocks with arguments, each ended by `test.termop` (branching in multi-block regions)."""
        blocks = [Block(arg_types=self.draw(st.lists(types(max_leaves=2), max_size=2)))
                  for _ in range(self.draw(st.integers(0, 3)))]
        for block in blocks:
            for arg in block.args:
                if self.draw(st.integers(0, 3)) == 0:
                    arg.name_hint = self.draw(st.sampled_from(_HINTS))
            inner = scope.nested(block)
            self.fill(inner, depth)
            successors = self.draw(st.lists(st.sampled_from(blocks[1:]), max_size=2)) if len(blocks) > 1 else []
            operands = self.draw(st.lists(st.sampled_from(inner.values), max_size=2)) if inner.values else []
            attrs = self.draw(attribute_dicts(attributes(max_leaves=2), max_size=1))
            block.add_op(test.TestTermOp(operands, (), attrs, successors=successors))
        return Region(blocks)

    def float_binary(self, scope: _Scope) -> None:
        type_ = self._arith_type(float_types())
        op_type = self.draw(st.sampled_from(_FLOAT_BINARY))
        flags = self._fastmath() if self.draw(st.booleans()) else None
        op = op_type(self.value_of(scope, type_), self.value_of(scope, type_), flags)
        self._discardable_attrs(op)
        self._add(scope, op)

    def int_binary(self, scope: _Scope) -> None:
        type_ = self._arith_type(st.one_of(integer_types(signedness=(Signedness.SIGNLESS,)), st.just(IndexType())))
        lhs, rhs = self.value_of(scope, type_), self.value_of(scope, type_)
        if self.draw(st.booleans()):
            op_type = self.draw(st.sampled_from(_INT_BINARY_OVERFLOW))
            flags = self.draw(st.sets(st.sampled_from(list(arith.IntegerOverflowFlag))))
            op: Operation = op_type(lhs, rhs, overflow=arith.IntegerOverflowAttr(flags))
        else:
            op = self.draw(st.sampled_from(_INT_BINARY))(lhs, rhs)
        self._discardable_attrs(op)
        self._add(scope, op)

    def compare(self, scope: _Scope) -> None:
        if self.draw(st.booleans()):
            type_ = self.draw(st.one_of(integer_types(signedness=(Signedness.SIGNLESS,)), st.just(IndexType())))
            op: Operation = arith.CmpiOp(self.value_of(scope, type_), self.value_of(scope, type_),
                                         self.draw(st.sampled_from(_CMPI_PREDICATES)))
        else:
            type_ = self.draw(float_types())
            fastmath = self._fastmath() if self.draw(st.booleans()) else arith.FastMathFlagsAttr("none")
            op = arith.CmpfOp(self.value_of(scope, type_), self.value_of(scope, type_),
                              self.draw(st.sampled_from(_CMPF_PREDICATES)), fastmath)
        self._add(scope, op)

    def select(self, scope: _Scope) -> None:
        type_ = self.draw(st.one_of(scalar_types(), types(max_leaves=2)))
        condition = self.value_of(scope, IntegerType(1))
        self._add(scope, arith.SelectOp(condition, self.value_of(scope, type_), self.value_of(scope, type_)))

    def constant(self, scope: _Scope) -> None:
        element = self.draw(st.one_of(float_types(), integer_types(signedness=(Signedness.SIGNLESS,)), st.just(IndexType())))
        kind = self.draw(st.integers(0, 5))
        if kind >= 4 and _is_packable(element):
            shape = self.draw(st.lists(st.integers(1, 3), max_size=2))
            type_: Attribute = VectorType(element, shape) if kind == 4 else TensorType(element, shape)
        else:
            type_ = element
        value = self._constant_value(type_)
        assert value is not None, type_
        op = arith.ConstantOp(value)  # pyright: ignore[reportArgumentType]
        self._discardable_attrs(op)
        self._add(scope, op)

    def cast(self, scope: _Scope) -> None:
        int_types = integer_types(signedness=(Signedness.SIGNLESS,), widths=(8, 16, 32, 64))
        kind = self.draw(st.integers(0, 4))
        if kind == 0:
            source, target = self.draw(int_types), IndexType()
            if self.draw(st.booleans()):
                source, target = target, source
            op: Operation = arith.IndexCastOp(self.value_of(scope, source), target)
        elif kind == 1:
            op_type = self.draw(st.sampled_from((arith.SIToFPOp, arith.UIToFPOp)))
            op = op_type(self.value_of(scope, self.draw(int_types)), self.draw(float_types()))
        elif kind == 2:
            op_type = self.draw(st.sampled_from((arith.FPToSIOp, arith.FPToUIOp)))
            op = op_type(self.value_of(scope, self.draw(float_types())), self.draw(int_types))
        elif kind == 3:
            narrow, wide = self.draw(st.sampled_from(((Float16Type(), Float32Type()), (Float32Type(), Float64Type()),
                                                      (BFloat16Type(), Float64Type()))))
            if self.draw(st.booleans()):
                op = arith.ExtFOp(self.value_of(scope, narrow), wide)
            else:
                op = arith.TruncFOp(self.value_of(scope, wide), narrow)
        else:
            narrow, wide = sorted(self.draw(st.sets(st.sampled_from((1, 8, 16, 32, 64)), min_size=2, max_size=2)))
            if self.draw(st.booleans()):
                op_type = self.draw(st.sampled_from((arith.ExtSIOp, arith.ExtUIOp)))
                op = op_type(self.value_of(scope, IntegerType(narrow)), IntegerType(wide))
            else:
                op = arith.TruncIOp(self.value_of(scope, IntegerType(wide)), IntegerType(narrow))
        self._add(scope, op)

    def math(self, scope: _Scope) -> None:
        type_ = self._arith_type(float_types())
        arity = self.draw(st.integers(1, 3))
        if arity == 1:
            op: Operation = self.draw(st.sampled_from(_MATH_UNARY))(self.value_of(scope, type_))
        elif arity == 2:
            op = self.draw(st.sampled_from(_MATH_BINARY))(self.value_of(scope, type_), self.value_of(scope, type_))
        else:
            op = math_dialect.FmaOp(*(self.value_of(scope, type_) for _ in range(3)))
        if self.draw(st.booleans()):
            # The builders put fastmath into the discardable attributes; it is a property.
            op.properties["fastmath"] = self._fastmath()
        self._add(scope, op)

    def call(self, scope: _Scope) -> None:
        callee = self.draw(st.sampled_from(self.functions))
        arguments = [self.value_of(scope, t) for t in callee.type.inputs.data]
        self._add(scope, func.CallOp(callee.name, arguments, callee.type.outputs.data))

    def fill(self, scope: _Scope, depth: int) -> None:
        """Appends up to a few random ops to the scope's block."""
        makers: list[Callable[[_Scope], None]] = [
            lambda s: self.test_op(s, depth), self.float_binary, self.int_binary, self.compare,
            self.select, self.constant, self.cast, self.math,
        ]
        if self.in_function and self.functions:
            makers.append(self.call)
        for _ in range(self.draw(st.integers(0, 4))):
            if self.ops_left <= 0:
                return
            self.draw(st.sampled_from(makers))(scope)

    # -- top level

    def function(self, signature: _Signature, declaration: bool) -> func.FuncOp:
        """A `func.func` definition or a private declaration."""
        inputs, outputs = signature.type.inputs.data, signature.type.outputs.data
        dicts = attribute_dicts(attributes(max_leaves=2), max_size=2).map(DictionaryAttr)
        res_attrs = ArrayAttr([self.draw(dicts) for _ in outputs]) if outputs and self.draw(st.booleans()) else None
        if declaration:
            # xDSL's custom printer drops argument attributes of declarations.
            op = func.FuncOp(signature.name, signature.type, Region(), "private", res_attrs=res_attrs)
        else:
            arg_attrs = ArrayAttr([self.draw(dicts) for _ in inputs]) if inputs and self.draw(st.booleans()) else None
            block = Block(arg_types=inputs)
            for arg in block.args:
                if self.draw(st.integers(0, 2)) == 0:
                    arg.name_hint = self.draw(st.sampled_from(_HINTS))
            scope = _Scope(block, list(block.args))
            self.in_function = True
            self.fill(scope, depth=2)
            block.add_op(func.ReturnOp(*(self.value_of(scope, t) for t in outputs)))
            self.in_function = False
            visibility = self.draw(st.sampled_from((None, "private", "public", "nested")))
            op = func.FuncOp(signature.name, signature.type, Region(block), visibility,
                             arg_attrs=arg_attrs, res_attrs=res_attrs)
        keys = names().filter(lambda k: k not in _PROPERTY_NAMES and k != "sym_visibility")
        if self.draw(st.integers(0, 3)) == 0:
            op.attributes.update(self.draw(st.dictionaries(keys, attributes(max_leaves=2), max_size=2)))
        return op

    def module(self, depth: int, taken: frozenset[str] = frozenset()) -> ModuleOp:
        """Functions, top-level `test.op`s and, rarely, a nested module; no symbol in `taken`."""
        function_types = st.builds(FunctionType.from_lists, st.lists(types(max_leaves=2), max_size=3),
                                   st.lists(types(max_leaves=2), max_size=2))
        symbols = self.draw(st.lists(symbol_names().filter(lambda n: n not in taken), max_size=3, unique=True))
        self.functions = [_Signature(name, self.draw(function_types)) for name in symbols]
        block = Block()
        scope = _Scope(block, [])
        for signature in self.functions:
            block.add_op(self.function(signature, declaration=self.draw(st.integers(0, 2)) == 0))
            if self.draw(st.booleans()):
                self.fill(scope, depth=2)
        if not block.ops or self.draw(st.booleans()):
            self.fill(scope, depth=2)
        if depth > 0 and self.draw(st.integers(0, 9)) == 0:
            block.add_op(_ModuleBuilder(self.draw, min(self.ops_left, 6)).module(depth - 1, frozenset(symbols)))
        attrs = self.draw(attribute_dicts(attributes(max_leaves=2), max_size=2)) if self.draw(st.integers(0, 3)) == 0 else None
        names_left = symbol_names().filter(lambda n: n not in taken)
        sym_name = StringAttr(self.draw(names_left)) if self.draw(st.integers(0, 3)) == 0 else None
        return ModuleOp(Region(block), attrs, sym_name)


@st.composite
def modules(draw: st.DrawFn, max_ops: int = 30) -> ModuleOp:
    """A random module that verifies: functions, calls, arith/math ops and nested `test.op` regions."""
    module = _ModuleBuilder(draw, draw(st.integers(1, max_ops))).module(depth=1)
    module.verify()
    return module
