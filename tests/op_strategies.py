"""Hypothesis strategies for random verifying modules: test.op structure plus real func/arith/math ops."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field

from hypothesis import strategies as st
from xdsl.dialects import arith, func, test
from xdsl.dialects import math as math_dialect
from xdsl.dialects.builtin import (
    ArrayAttr,
    BFloat16Type,
    ComplexType,
    DictionaryAttr,
    Float16Type,
    Float32Type,
    Float64Type,
    FloatAttr,
    FunctionType,
    IndexType,
    IntegerAttr,
    IntegerType,
    ModuleOp,
    Signedness,
    StringAttr,
    TensorType,
    VectorType,
)
from xdsl.ir import Attribute, Block, Operation, Region, SSAValue
from xdsl.printer import Printer

from .strategies import (
    FloatType,
    attribute_dicts,
    attributes,
    dense_values,
    fastmath_attrs,
    float_types,
    float_values,
    integer_types,
    integer_values,
    is_packable,
    overflow_attrs,
    scalar_types,
    shapes,
    signless_types,
    symbol_names,
    types,
    vector_types,
)

# ---------------------------------------------------------------- operations

_HINTS = ("x", "x", "x_1", "acc", "a.b", "a-b", "a$b", "_", "arg0", "a_")
_FLOAT_BINARY = (arith.AddfOp, arith.SubfOp, arith.MulfOp, arith.DivfOp, arith.MaximumfOp, arith.MinnumfOp)
_INT_BINARY_OVERFLOW = (arith.AddiOp, arith.SubiOp, arith.MuliOp, arith.ShLIOp)
_INT_BINARY = (arith.AndIOp, arith.OrIOp, arith.XOrIOp, arith.DivSIOp, arith.RemUIOp, arith.MaxSIOp)
_MATH_UNARY = (
    math_dialect.ExpOp,
    math_dialect.SqrtOp,
    math_dialect.LogOp,
    math_dialect.TanhOp,
    math_dialect.AbsFOp,
    math_dialect.FloorOp,
)
_MATH_BINARY = (math_dialect.PowFOp, math_dialect.Atan2Op, math_dialect.CopySignOp)
_INT_WIDTHS = (1, 8, 16, 32, 64)
_FLOAT_EXTENSIONS = ((Float16Type(), Float32Type()), (Float32Type(), Float64Type()), (BFloat16Type(), Float64Type()))


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
    """Builds one random module; `ops_left` bounds its size."""

    draw: st.DrawFn
    ops_left: int
    functions: list[_Signature] = field(default_factory=list[_Signature])
    in_function: bool = False  # calls only go inside function bodies

    def _hint(self, value: SSAValue, one_in: int) -> None:
        if self.draw(st.integers(1, one_in)) == 1:
            value.name_hint = self.draw(st.sampled_from(_HINTS))

    def _add(self, scope: _Scope, op: Operation, discardable_attrs: bool = False) -> Operation:
        if discardable_attrs and self.draw(st.integers(0, 4)) == 0:
            op.attributes.update(self.draw(attribute_dicts(max_size=2)))
        scope.block.add_op(op)
        self.ops_left -= 1
        for result in op.results:
            self._hint(result, one_in=4)
            scope.values.append(result)
        return op

    def _maybe_fastmath(self) -> arith.FastMathFlagsAttr | None:
        return self.draw(fastmath_attrs()) if self.draw(st.booleans()) else None

    def _arith_type(self, elements: st.SearchStrategy[Attribute]) -> Attribute:
        """A scalar mostly; sometimes a vector or ranked tensor of it."""
        element = self.draw(elements)
        kind = self.draw(st.integers(0, 5))
        if kind == 4:
            return self.draw(vector_types(element))
        if kind == 5:
            return TensorType(element, self.draw(shapes(max_rank=2)))
        return element

    def value_of(self, scope: _Scope, type_: Attribute) -> SSAValue:
        """An existing value of the type, or the result of a new constant or `test.op`."""
        candidates = [v for v in scope.values if v.type == type_]
        if candidates and self.draw(st.booleans()):
            return self.draw(st.sampled_from(candidates))
        constant = self._constant_value(type_)
        if constant is not None and self.draw(st.integers(0, 3)) > 0:
            return self._add(scope, arith.ConstantOp(constant, type_)).results[0]  # pyright: ignore[reportArgumentType]
        return self._add(scope, test.TestOp(result_types=[type_])).results[0]

    def _constant_value(self, type_: Attribute) -> Attribute | None:
        """A value `arith.constant` can produce for the type, if there is one."""
        if isinstance(type_, IndexType) or isinstance(type_, IntegerType) and type_.signedness.data == Signedness.SIGNLESS:
            return IntegerAttr(self.draw(integer_values(type_)), type_)
        if isinstance(type_, FloatType):
            return FloatAttr(self.draw(float_values(type_)), type_)
        if isinstance(type_, VectorType) and type_.get_num_scalable_dims():
            return None
        if isinstance(type_, TensorType | VectorType) and type_.has_static_shape() and type_.element_count() <= 16:
            element = type_.get_element_type()
            if is_packable(element) and not isinstance(element, ComplexType):
                return self.draw(dense_values(type_))
        return None

    # -- operations

    def test_op(self, scope: _Scope, depth: int) -> None:
        """`test.op` with random operands, results, attributes, properties and regions."""
        operands = self.draw(st.lists(st.sampled_from(scope.values), max_size=3)) if scope.values else []
        result_types = self.draw(st.lists(types(), max_size=3))
        attrs = self.draw(attribute_dicts(attributes()))
        props: dict[str, Attribute] = self.draw(
            st.dictionaries(st.sampled_from(("prop1", "prop2", "prop3")), attributes(2), max_size=2)
        )
        regions: list[Region] = []
        if depth > 0 and self.ops_left > 2:
            regions = [self.region(scope, depth - 1) for _ in range(self.draw(st.integers(0, 2)))]
        self._add(scope, test.TestOp(operands, result_types, attrs, props, regions))

    def region(self, scope: _Scope, depth: int) -> Region:
        """0-3 blocks with arguments, each ended by `test.termop`, branching in multi-block regions."""
        block_count = self.draw(st.integers(0, 3))
        blocks = [Block(arg_types=self.draw(st.lists(types(2), max_size=2))) for _ in range(block_count)]
        for block in blocks:
            for arg in block.args:
                self._hint(arg, one_in=4)
            inner = scope.nested(block)
            self.fill(inner, depth)
            # The entry block has no predecessors.
            successors = self.draw(st.lists(st.sampled_from(blocks[1:]), max_size=2)) if block_count > 1 else []
            operands = self.draw(st.lists(st.sampled_from(inner.values), max_size=2)) if inner.values else []
            attrs = self.draw(attribute_dicts(max_size=1))
            block.add_op(test.TestTermOp(operands, (), attrs, successors=successors))
        return Region(blocks)

    def float_binary(self, scope: _Scope) -> None:
        type_ = self._arith_type(float_types())
        op_type = self.draw(st.sampled_from(_FLOAT_BINARY))
        op = op_type(self.value_of(scope, type_), self.value_of(scope, type_), self._maybe_fastmath())
        self._add(scope, op, discardable_attrs=True)

    def int_binary(self, scope: _Scope) -> None:
        type_ = self._arith_type(signless_types())
        lhs, rhs = self.value_of(scope, type_), self.value_of(scope, type_)
        if self.draw(st.booleans()):
            op_type = self.draw(st.sampled_from(_INT_BINARY_OVERFLOW))
            op: Operation = op_type(lhs, rhs, overflow=self.draw(overflow_attrs()))
        else:
            op = self.draw(st.sampled_from(_INT_BINARY))(lhs, rhs)
        self._add(scope, op, discardable_attrs=True)

    def compare(self, scope: _Scope) -> None:
        if self.draw(st.booleans()):
            type_ = self.draw(signless_types())
            predicate = self.draw(st.sampled_from(arith.CMPI_COMPARISON_OPERATIONS))
            op: Operation = arith.CmpiOp(self.value_of(scope, type_), self.value_of(scope, type_), predicate)
        else:
            type_ = self.draw(float_types())
            predicate = self.draw(st.sampled_from(arith.CMPF_COMPARISON_OPERATIONS))
            fastmath = self._maybe_fastmath() or arith.FastMathFlagsAttr("none")
            op = arith.CmpfOp(self.value_of(scope, type_), self.value_of(scope, type_), predicate, fastmath)
        self._add(scope, op, discardable_attrs=True)

    def select(self, scope: _Scope) -> None:
        type_ = self.draw(st.one_of(scalar_types(), types(2)))
        condition = self.value_of(scope, IntegerType(1))
        self._add(scope, arith.SelectOp(condition, self.value_of(scope, type_), self.value_of(scope, type_)))

    def constant(self, scope: _Scope) -> None:
        element = self.draw(st.one_of(float_types(), signless_types()))
        kind = self.draw(st.integers(0, 5))
        type_ = element
        if kind >= 4 and is_packable(element):
            shape = self.draw(st.lists(st.integers(1, 3), max_size=2))
            type_ = VectorType(element, shape) if kind == 4 else TensorType(element, shape)
        value = self._constant_value(type_)
        assert value is not None, f"no constant of type {type_}"
        self._add(scope, arith.ConstantOp(value), discardable_attrs=True)  # pyright: ignore[reportArgumentType]

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
            narrow, wide = self.draw(st.sampled_from(_FLOAT_EXTENSIONS))
            if self.draw(st.booleans()):
                op = arith.ExtFOp(self.value_of(scope, narrow), wide)
            else:
                op = arith.TruncFOp(self.value_of(scope, wide), narrow)
        else:
            narrow, wide = sorted(self.draw(st.sets(st.sampled_from(_INT_WIDTHS), min_size=2, max_size=2)))
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
            op = math_dialect.FmaOp(self.value_of(scope, type_), self.value_of(scope, type_), self.value_of(scope, type_))
        if (fastmath := self._maybe_fastmath()) is not None:
            # Some math builders file fastmath under the discardable attributes; it is a property.
            op.properties["fastmath"] = fastmath
        self._add(scope, op, discardable_attrs=True)

    def call(self, scope: _Scope) -> None:
        callee = self.draw(st.sampled_from(self.functions))
        arguments = [self.value_of(scope, t) for t in callee.type.inputs.data]
        self._add(scope, func.CallOp(callee.name, arguments, callee.type.outputs.data))

    def fill(self, scope: _Scope, depth: int) -> None:
        """Appends up to four random ops (and what they need) to the scope's block."""
        makers: list[Callable[[_Scope], None]] = [
            lambda s: self.test_op(s, depth),
            self.float_binary,
            self.int_binary,
            self.compare,
            self.select,
            self.constant,
            self.cast,
            self.math,
            lambda s: self.test_op(s, depth),
        ]
        if self.in_function and self.functions:
            makers.append(self.call)
        for _ in range(self.draw(st.integers(0, 4))):
            if self.ops_left <= 0:
                return
            self.draw(st.sampled_from(makers))(scope)

    # -- top level

    def _argument_attrs(self, count: int) -> ArrayAttr[DictionaryAttr] | None:
        """`arg_attrs`/`res_attrs`: absent, or one dictionary per value, not all empty (as MLIR keeps them)."""
        entries = self.draw(st.lists(attribute_dicts(max_size=2).map(DictionaryAttr), min_size=count, max_size=count))
        return ArrayAttr(entries) if any(entry.data for entry in entries) else None

    def function(self, signature: _Signature, declaration: bool) -> func.FuncOp:
        """A `func.func` definition, or a private declaration."""
        inputs, outputs = signature.type.inputs.data, signature.type.outputs.data
        if declaration:
            op = func.FuncOp(
                signature.name,
                signature.type,
                Region(),
                "private",
                arg_attrs=self._argument_attrs(len(inputs)),
                res_attrs=self._argument_attrs(len(outputs)),
            )
        else:
            block = Block(arg_types=inputs)
            for arg in block.args:
                self._hint(arg, one_in=3)
            scope = _Scope(block, list(block.args))  # isolated from above
            self.in_function = True
            self.fill(scope, depth=2)
            block.add_op(func.ReturnOp(*(self.value_of(scope, t) for t in outputs)))
            self.in_function = False
            visibility = self.draw(st.sampled_from((None, "private", "public", "nested")))
            op = func.FuncOp(
                signature.name,
                signature.type,
                Region(block),
                visibility,
                arg_attrs=self._argument_attrs(len(inputs)),
                res_attrs=self._argument_attrs(len(outputs)),
            )
        if self.draw(st.integers(0, 3)) == 0:
            op.attributes.update(self.draw(attribute_dicts(max_size=2)))
        return op

    def module(self, depth: int, taken: frozenset[str] = frozenset()) -> ModuleOp:
        """Functions, top-level ops and, rarely, a nested module; its symbols avoid `taken`."""
        free_names = symbol_names().filter(lambda n: n not in taken)
        function_types = st.builds(FunctionType.from_lists, st.lists(types(2), max_size=3), st.lists(types(2), max_size=2))
        symbols = self.draw(st.lists(free_names, max_size=3, unique=True))
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
        attrs = self.draw(attribute_dicts(max_size=2)) if self.draw(st.integers(0, 3)) == 0 else None
        sym_name = StringAttr(self.draw(free_names)) if self.draw(st.integers(0, 3)) == 0 else None
        return ModuleOp(Region(block), attrs, sym_name)


@st.composite
def modules(draw: st.DrawFn, max_ops: int = 30) -> ModuleOp:
    """A random verifying module: functions, calls, arith/math ops, nested `test.op` regions."""
    module = _ModuleBuilder(draw, draw(st.integers(1, max_ops))).module(depth=1)
    module.verify()
    # Hypothesis reports a falsifying module through this hook: as IR text, not a dataclass dump.
    text = _generic_text(module)
    object.__setattr__(module, "_repr_pretty_", lambda printer, cycle: printer.text(text))
    return module


def _generic_text(module: ModuleOp) -> str:
    stream = io.StringIO()
    Printer(stream=stream, print_generic_format=True).print_op(module)
    return stream.getvalue()
