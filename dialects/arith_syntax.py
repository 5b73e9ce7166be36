"""Custom syntax of xDSL's arith dialect, as xDSL prints it: `%2 = arith.addf %0, %1 : f32`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lark import Token
from xdsl.dialects import arith, builtin
from xdsl.dialects.arith import CMPF_COMPARISON_OPERATIONS, CMPI_COMPARISON_OPERATIONS
from xdsl.ir import Attribute, Operation
from xdsl.utils.exceptions import VerifyException

from tessel.dialects import op_shapes
from tessel.dialects.syntax import SyntaxFragment, keywords

if TYPE_CHECKING:
    from tessel.dialects.parser import IRCallbacks

    _Base = IRCallbacks
else:
    _Base = object

SHAPED = op_shapes.classify(arith.Arith.operations)
_SHAPE_GRAMMAR, _SHAPE_ROOTS = op_shapes.grammar_for("arith", SHAPED)
_COMPARE_KEYWORDS, _COMPARE = keywords(["arith.cmpi", "arith.cmpf"])
_CONSTANT_KEYWORD, _CONSTANT = keywords(["arith.constant"])

GRAMMAR = "\n".join(
    [
        _SHAPE_GRAMMAR,
        _COMPARE_KEYWORDS,
        _CONSTANT_KEYWORD,
        f'arith_compare: {_COMPARE} BARE_ID "," SSA_NAME "," SSA_NAME [SCALAR_FLAG] ":" type',
        f"arith_constant: {_CONSTANT} [attr_dict] typed_attribute",
    ]
)


_CONSTANT_VALUES = (builtin.IntegerAttr, builtin.FloatAttr, builtin.DenseIntOrFPElementsAttr, builtin.DenseResourceAttr)


class ArithCallbacks(_Base):
    """Builds arith ops from their custom form."""

    def arith_compare(self, children: list[object]) -> tuple[Operation, Token]:
        keyword, predicate, lhs, rhs, flag, operand_type = children
        assert isinstance(keyword, Token) and isinstance(predicate, Token) and isinstance(operand_type, Attribute)
        lhs_value, rhs_value = self.use(lhs, operand_type), self.use(rhs, operand_type)  # pyright: ignore[reportArgumentType]
        is_float = str(keyword) == "arith.cmpf"
        if isinstance(flag, Token) and (not is_float or not str(flag).startswith("fastmath<")):
            raise self.fail(f"'{keyword}' takes no '{flag}' flag", flag)
        try:
            if not is_float:
                return arith.CmpiOp(lhs_value, rhs_value, str(predicate)), keyword
            fastmath = op_shapes.flag_attribute(self, flag) if isinstance(flag, Token) else arith.FastMathFlagsAttr("none")
            return arith.CmpfOp(lhs_value, rhs_value, str(predicate), fastmath), keyword  # pyright: ignore[reportArgumentType]
        except VerifyException as err:
            raise self.fail(f"'{keyword}': unknown predicate '{predicate}' ({err})", predicate) from None

    def arith_constant(self, children: list[object]) -> tuple[Operation, Token]:
        keyword, attributes, value = children
        assert isinstance(keyword, Token)
        if not isinstance(
            value, builtin.IntegerAttr | builtin.FloatAttr | builtin.DenseIntOrFPElementsAttr | builtin.DenseResourceAttr
        ):
            raise self.fail(f"'arith.constant' needs an integer, float or dense value, got {value}", keyword)
        op = arith.ConstantOp(value)
        if attributes:
            op.attributes |= attributes  # pyright: ignore
        return op, keyword


for _root in _SHAPE_ROOTS:
    setattr(ArithCallbacks, _root, lambda self, children: op_shapes.build(self, SHAPED, children))


def _lossy_custom_form(op: Operation) -> bool:
    """xDSL's cmpi/cmpf custom form drops the attribute dictionary and cannot spell unknown predicates."""
    if isinstance(op, arith.CmpiOp | arith.CmpfOp):
        mnemonics = CMPI_COMPARISON_OPERATIONS if isinstance(op, arith.CmpiOp) else CMPF_COMPARISON_OPERATIONS
        return bool(op.attributes) or not 0 <= op.predicate.value.data < len(mnemonics)
    return False


FRAGMENT = SyntaxFragment(
    name="arith",
    grammar=GRAMMAR,
    roots=(*_SHAPE_ROOTS, "arith_compare", "arith_constant"),
    callbacks=ArithCallbacks,
    custom_format_ops=frozenset({s.op_type for s in SHAPED.values()} | {arith.CmpiOp, arith.CmpfOp, arith.ConstantOp}),
    needs_generic=_lossy_custom_form,
)
