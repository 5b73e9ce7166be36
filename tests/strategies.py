"""Hypothesis strategies for random builtin types and attributes (operations: tests/op_strategies.py)."""

from __future__ import annotations

import io
from functools import lru_cache
from typing import cast

from hypothesis import strategies as st
from xdsl.dialects import arith, llvm, test
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
    Float8E4M3FNType,
    Float8E5M2Type,
    Float16Type,
    Float32Type,
    Float64Type,
    Float80Type,
    Float128Type,
    FloatAttr,
    FloatTF32Type,
    FunctionType,
    IndexType,
    IntAttr,
    IntegerAttr,
    IntegerType,
    MemRefType,
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
from xdsl.dialects.utils.fast_math import FastMathFlag
from xdsl.dialects.vector import CombiningKindAttr, CombiningKindFlag
from xdsl.ir import Attribute, TypeAttribute
from xdsl.ir.affine import AffineMap
from xdsl.printer import Printer

FloatType = Float16Type | Float32Type | Float64Type | BFloat16Type

# Strategies are immutable; building the recursive ones anew for every draw would
# dominate generation time, so each factory keeps a small cache of what it built.
_cached = lru_cache(maxsize=256)

# ---------------------------------------------------------------- types

ARITH_FLOAT_TYPES: tuple[FloatType, ...] = (Float32Type(), Float16Type(), Float64Type(), BFloat16Type())
# Float types only ever used as types, never as the type of a float attribute.
OTHER_FLOAT_TYPES: tuple[Attribute, ...] = (
    Float80Type(),
    Float128Type(),
    FloatTF32Type(),
    Float8E4M3FNType(),
    Float8E5M2Type(),
    NoneType(),
)
# Widths the element packers handle (dense elements, dense arrays).
PACKABLE_INT_WIDTHS = (1, 8, 16, 32, 64)
SIGNEDNESSES = (Signedness.SIGNLESS, Signedness.SIGNED, Signedness.UNSIGNED)


@_cached
def integer_types(
    signedness: tuple[Signedness, ...] = SIGNEDNESSES, widths: tuple[int, ...] | None = None
) -> st.SearchStrategy[IntegerType]:
    """`iN`, `siN`, `uiN`: common widths mostly, odd ones (i3, i129) sometimes."""
    width = st.sampled_from(widths) if widths is not None else st.one_of(st.sampled_from((32, 1, 8, 16, 64)), st.integers(1, 256))
    return st.builds(IntegerType, width, st.sampled_from(signedness))


@_cached
def signless_types() -> st.SearchStrategy[Attribute]:
    """What arith's integer ops take: signless integers and index."""
    return st.one_of(integer_types(signedness=(Signedness.SIGNLESS,)), st.just(IndexType()))


@_cached
def float_types() -> st.SearchStrategy[FloatType]:
    return st.sampled_from(ARITH_FLOAT_TYPES)


@_cached
def scalar_types() -> st.SearchStrategy[Attribute]:
    """Integers, floats (exotic widths included), index and none."""
    return st.one_of(integer_types(), float_types(), st.just(IndexType()), st.sampled_from(OTHER_FLOAT_TYPES))


@_cached
def shapes(max_rank: int = 3, dynamic: bool = True) -> st.SearchStrategy[list[int]]:
    """Ranked shapes; dims are small, zero, huge, or `?` where `dynamic`."""
    size = st.one_of(st.integers(1, 8), st.sampled_from((0, 16, 1000, 2**31)))
    dim = st.one_of(size, st.just(DYNAMIC_INDEX)) if dynamic else size
    return st.lists(dim, max_size=max_rank)


@st.composite
def vector_types(draw: st.DrawFn, element: Attribute | None = None, scalable: bool = True) -> VectorType:
    """Static vectors of int/float/index, rank 0-3, some dims scalable (`[4]`)."""
    if element is None:
        element = draw(st.one_of(integer_types(widths=(1, 8, 32, 64)), float_types(), st.just(IndexType())))
    shape = draw(st.lists(st.integers(1, 8), max_size=3))
    flags = draw(st.lists(st.booleans(), min_size=len(shape), max_size=len(shape))) if scalable else []
    return VectorType(element, shape, ArrayAttr([BoolAttr.from_bool(f) for f in flags]) if any(flags) else None)


@_cached
def shaped_element_types() -> st.SearchStrategy[Attribute]:
    """Element types that tensors and memrefs accept."""
    return st.one_of(
        float_types(),
        integer_types(),
        st.just(IndexType()),
        st.builds(ComplexType, float_types()),
        vector_types(scalable=False),
    )


@_cached
def tensor_types() -> st.SearchStrategy[Attribute]:
    """Ranked (static and `?` dims, optional encoding) and unranked tensors."""
    encodings = st.sampled_from((NoneAttr(), NoneAttr(), StringAttr("sparse"), StringAttr("<"), IntegerAttr(3, 64)))
    return st.one_of(
        st.builds(TensorType, shaped_element_types(), shapes(), encodings),
        st.builds(UnrankedTensorType, shaped_element_types()),
    )


@_cached
def memref_types() -> st.SearchStrategy[Attribute]:
    """Layout-free memrefs, ranked and unranked, with an optional memory space."""
    spaces = st.sampled_from((NoneAttr(), NoneAttr(), IntegerAttr(1, 64), StringAttr("gpu"), StringAttr(">")))
    return st.one_of(
        st.builds(lambda e, s, space: MemRefType(e, s, NoneAttr(), space), shaped_element_types(), shapes(), spaces),
        st.builds(UnrankedMemRefType.from_type, shaped_element_types(), spaces),
    )


@_cached
def complex_types() -> st.SearchStrategy[ComplexType]:
    return st.builds(ComplexType, st.one_of(float_types(), integer_types(widths=(8, 32, 64))))


@_cached
def dialect_types() -> st.SearchStrategy[Attribute]:
    """A few `!dialect.type<...>` types whose bodies stress bracket matching."""
    return st.sampled_from(
        (
            llvm.LLVMPointerType(),
            llvm.LLVMStructType.from_type_list([IntegerType(32), Float32Type()]),
            llvm.LLVMArrayType(IntAttr(4), IntegerType(8)),
            test.TestType("a<b>c"),
            test.TestType("->"),
            test.TestType(">"),
        )
    )


@_cached
def types(max_leaves: int = 4) -> st.SearchStrategy[Attribute]:
    """Any builtin type; tuples and function types nest other types."""
    leaves = st.one_of(scalar_types(), vector_types(), tensor_types(), memref_types(), complex_types(), dialect_types())

    def extend(inner: st.SearchStrategy[Attribute]) -> st.SearchStrategy[Attribute]:
        type_lists = st.lists(inner, max_size=3)
        return st.one_of(
            # An ArrayAttr, as the parser builds: a plain list would not compare equal.
            type_lists.map(lambda ts: TupleType(ArrayAttr(cast(list[TypeAttribute], ts)))),
            st.builds(FunctionType.from_lists, type_lists, type_lists),
        )

    return st.recursive(leaves, extend, max_leaves=max_leaves)


# ---------------------------------------------------------------- attribute values


@_cached
def integer_values(type_: IntegerType | IndexType) -> st.SearchStrategy[int]:
    """Values in range for the type, biased to small ones and the bounds."""
    if isinstance(type_, IndexType):
        low, high = -(2**63), 2**63 - 1
    elif type_.signedness.data == Signedness.UNSIGNED:
        low, high = 0, 2**type_.width.data - 1
    else:  # signless values print as signed
        low, high = -(2 ** (type_.width.data - 1)), 2 ** (type_.width.data - 1) - 1
    return st.one_of(st.integers(max(low, -8), min(high, 8)), st.sampled_from((low, high)), st.integers(low, high))


@_cached
def float_values(type_: FloatType, decimal_only: bool = False) -> st.SearchStrategy[float]:
    """Any value of the type: small dyadics, full-precision values, +-0, +-inf, nan.

    `decimal_only` swaps out the values printed as hex bit patterns (inf, nan, some
    large f32 integers): xDSL misreads those inside `dense<...>` and `array<...>`.
    """
    dyadic = st.integers(-64, 64).map(lambda k: k / 8)
    special = st.sampled_from((0.0, -0.0, float("inf"), float("-inf"), float("nan")))
    width = 16 if isinstance(type_, Float16Type) else 32 if isinstance(type_, Float32Type | BFloat16Type) else 64
    # Round to the type so the value survives a print/parse round trip exactly.
    values = st.one_of(dyadic, special, st.floats(width=width)).map(lambda v: FloatAttr(v, type_).value.data)
    if decimal_only:
        return values.map(lambda v: v if _prints_as_decimal(v, type_) else 0.5)
    return values


def _prints_as_decimal(value: float, type_: FloatType) -> bool:
    stream = io.StringIO()
    Printer(stream=stream).print_float(value, type_)
    return "0x" not in stream.getvalue()


@_cached
def strings(ascii_only: bool = True) -> st.SearchStrategy[str]:
    """Text with the characters the printer must escape; `ascii_only` as xDSL reads non-ASCII back as bytes."""
    printable = st.characters(min_codepoint=0x20, max_codepoint=0x7E) if ascii_only else st.characters()
    return st.text(st.one_of(printable, st.sampled_from('"\\\n\t\r\x00\x01\x7f')), max_size=8)


_BARE_NAMES = ("a", "b", "foo", "x1", "_y", "a.b", "a$b", "bar_baz", "true", "unit", "dense", "loc", "i32")
_QUOTED_NAMES = ("a b", "1st", 'q"uote', "back\\slash", "new\nline", "-", "@", "x:y")


@_cached
def names() -> st.SearchStrategy[str]:
    """Attribute names: identifiers, keywords, and ones that need quoting; none is an op's property name."""
    return st.sampled_from(_BARE_NAMES + _QUOTED_NAMES)


@_cached
def symbol_names() -> st.SearchStrategy[str]:
    return st.sampled_from(("f", "g", "main", "a.b", "x$1", "_z") + _QUOTED_NAMES)


# ---------------------------------------------------------------- attributes


@st.composite
def integer_attrs(draw: st.DrawFn) -> IntegerAttr:
    """`5 : i32`, `-1 : si7`, `true` (i1), `3 : index`."""
    type_ = draw(st.one_of(integer_types(), st.just(IndexType())))
    return IntegerAttr(draw(integer_values(type_)), type_)


@st.composite
def float_attrs(draw: st.DrawFn) -> FloatAttr:
    """`1.5 : f32`, `0x7FC00000 : f32`, `-0.0 : bf16`, ..."""
    type_ = draw(float_types())
    return FloatAttr(draw(float_values(type_)), type_)


def is_packable(element: Attribute) -> bool:
    """Whether `dense<...>` can hold elements of this type."""
    if isinstance(element, ComplexType):
        return is_packable(element.element_type)
    if isinstance(element, IntegerType):
        return element.width.data in PACKABLE_INT_WIDTHS
    return isinstance(element, IndexType | FloatType)


def _element_values(element: Attribute, decimal_only: bool = True) -> st.SearchStrategy[object]:
    """Values of dense elements and dense arrays (see `float_values` for `decimal_only`)."""
    if isinstance(element, ComplexType):
        part = _element_values(element.element_type, decimal_only)
        return st.tuples(part, part)
    if isinstance(element, IntegerType | IndexType):
        return integer_values(element)
    return float_values(cast(FloatType, element), decimal_only)


@st.composite
def dense_values(draw: st.DrawFn, container: TensorType | VectorType, decimal_only: bool = True) -> DenseIntOrFPElementsAttr:
    """`dense<...>` for a static container: a splat, one value with random signs, or every element."""
    size = container.element_count()
    values = _element_values(container.get_element_type(), decimal_only)
    kind = draw(st.integers(0, 2)) if size > 0 else 2
    if kind == 0:
        data = [draw(values)]
    elif kind == 1 and isinstance(container.get_element_type(), FloatType):
        # Equal up to sign, as +0.0 and -0.0 are: a splat test must compare bits, not values.
        value = cast(float, draw(values))
        data = [value if draw(st.booleans()) else -value for _ in range(size)]
    else:
        data = draw(st.lists(values, min_size=size, max_size=size))
    return DenseIntOrFPElementsAttr.from_list(container, data)  # pyright: ignore[reportArgumentType, reportCallIssue]


@st.composite
def dense_elements_attrs(draw: st.DrawFn, decimal_only: bool = True) -> DenseIntOrFPElementsAttr:
    """`dense<...>` on static tensors and vectors: splat, nested, empty, rank 0, hex (> 100 elements)."""
    element = draw(
        st.one_of(
            integer_types(signedness=(Signedness.SIGNLESS,), widths=PACKABLE_INT_WIDTHS),
            float_types(),
            st.just(IndexType()),
            st.builds(ComplexType, st.sampled_from((Float32Type(), Float64Type(), IntegerType(32)))),
        )
    )
    if draw(st.integers(0, 19)) == 0 and not isinstance(element, ComplexType):
        shape = [101]  # printed as a hex string
    else:
        shape = draw(st.lists(st.integers(0, 3), max_size=3))
    if all(shape) and not isinstance(element, ComplexType) and draw(st.booleans()):
        return draw(dense_values(VectorType(element, shape), decimal_only))
    return draw(dense_values(TensorType(element, shape), decimal_only))


@st.composite
def dense_array_attrs(draw: st.DrawFn, decimal_only: bool = True) -> DenseArrayBase:
    """`array<i64: 1, 2>`, `array<i1: true>`, `array<f32: 1.5>`, `array<i8>`."""
    element = draw(
        st.one_of(
            integer_types(signedness=(Signedness.SIGNLESS,), widths=PACKABLE_INT_WIDTHS),
            st.sampled_from((Float32Type(), Float64Type())),
        )
    )
    values = draw(st.lists(_element_values(element, decimal_only), max_size=4))
    return DenseArrayBase.from_list(element, values)  # pyright: ignore[reportArgumentType, reportCallIssue]


@_cached
def symbol_ref_attrs() -> st.SearchStrategy[SymbolRefAttr]:
    """`@a`, `@a::@b::@c`, `@"a b"`."""
    return st.builds(SymbolRefAttr, symbol_names(), st.lists(symbol_names(), max_size=2))


@_cached
def fastmath_attrs() -> st.SearchStrategy[arith.FastMathFlagsAttr]:
    """`#arith.fastmath<none>`, `<fast>`, `<nnan,contract>`, ..."""
    return st.one_of(
        st.sampled_from(("none", "fast")).map(arith.FastMathFlagsAttr),
        st.sets(st.sampled_from(list(FastMathFlag)), min_size=1).map(arith.FastMathFlagsAttr),
    )


@_cached
def overflow_attrs() -> st.SearchStrategy[arith.IntegerOverflowAttr]:
    return st.sets(st.sampled_from(list(arith.IntegerOverflowFlag))).map(arith.IntegerOverflowAttr)


@_cached
def dialect_attrs() -> st.SearchStrategy[Attribute]:
    """Attributes of loaded dialects, and affine maps."""
    return st.one_of(
        fastmath_attrs(),
        overflow_attrs(),
        st.sampled_from(list(CombiningKindFlag)).map(CombiningKindAttr),
        st.sampled_from((AffineMapAttr(AffineMap.identity(2)), AffineMapAttr(AffineMap.constant_map(0)))),
    )


@_cached
def attributes(max_leaves: int = 4) -> st.SearchStrategy[Attribute]:
    """Any attribute; arrays and dictionaries nest."""
    leaves = st.one_of(
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

    def extend(inner: st.SearchStrategy[Attribute]) -> st.SearchStrategy[Attribute]:
        return st.one_of(st.lists(inner, max_size=3).map(ArrayAttr), attribute_dicts(inner).map(DictionaryAttr))

    return st.recursive(leaves, extend, max_leaves=max_leaves)


@_cached
def attribute_dicts(
    values: st.SearchStrategy[Attribute] | None = None, max_size: int = 3
) -> st.SearchStrategy[dict[str, Attribute]]:
    return st.dictionaries(names(), values if values is not None else attributes(max_leaves=2), max_size=max_size)
