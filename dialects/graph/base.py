"""What every graph-dialect op shares: TVM's op pattern kind, result-type inference, numpy semantics, syntax.

A graph op is an IRDL op over builtin tensors whose inherent attributes are properties.
It declares `infer_result_types` (used by verification and by builders) and `evaluate`
(its reference semantics on numpy arrays, used by the interpreter). Its custom form:

    %y = graph.conv2d %x, %w {strides = [2, 2]} : (tensor<...>, tensor<...>) -> tensor<...>
    %r = graph.relu %y : tensor<...>          // operands and result all of one type
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import IntEnum
from typing import ClassVar, cast

import numpy as np
from xdsl.dialects import builtin
from xdsl.ir import Attribute
from xdsl.irdl import IRDLOperation
from xdsl.printer import Printer
from xdsl.utils.exceptions import VerifyException


class OpPatternKind(IntEnum):
    """TVM's operator pattern kinds, which drive fusion (relay/op/op_attr_types.h)."""

    ELEMWISE = 0
    BROADCAST = 1
    INJECTIVE = 2
    COMM_REDUCE = 3
    OUT_ELEMWISE_FUSABLE = 4
    TUPLE = 7
    OPAQUE = 8


class GraphOp(IRDLOperation):
    """Base of graph-dialect ops: verified, inferred result types and numpy reference semantics."""

    PATTERN_KIND: ClassVar[OpPatternKind] = OpPatternKind.OPAQUE

    def infer_result_types(self) -> list[builtin.TensorType]:
        """The result types implied by the operand types and properties; VerifyException if none."""
        raise NotImplementedError(f"{self.name} does not infer its result types")

    def evaluate(self, *inputs: np.ndarray) -> tuple[np.ndarray, ...]:
        """The op's meaning on numpy arrays (one per operand), one array per result."""
        raise NotImplementedError(f"{self.name} has no reference semantics")

    def verify_(self) -> None:
        for operand in self.operands:
            if not isinstance(operand.type, builtin.TensorType):
                raise VerifyException(f"{self.name}: operands must be ranked tensors, got {operand.type}")
        expected = self.infer_result_types()
        actual = [r.type for r in self.results]
        if actual != expected:
            shown = ", ".join(map(str, expected))
            raise VerifyException(f"{self.name}: expected result type {shown}, got {', '.join(map(str, actual))}")

    def print(self, printer: Printer) -> None:
        if self.operands:
            printer.print_string(" ")
            printer.print_list(self.operands, printer.print_operand)
        entries = {**self.properties, **self.attributes}
        if entries:
            printer.print_string(" {")
            printer.print_list(entries.items(), lambda item: _print_entry(printer, *item))
            printer.print_string("}")
        printer.print_string(" : ")
        types = {*(o.type for o in self.operands), *(r.type for r in self.results)}
        if len(types) == 1 and len(self.results) == 1 and self.operands:
            printer.print_attribute(self.results[0].type)
        else:
            printer.print_function_type(self.operand_types, self.result_types)


def _print_entry(printer: Printer, name: str, value: Attribute) -> None:
    printer.print_identifier_or_string_literal(name)
    if isinstance(value, builtin.UnitAttr):
        return
    printer.print_string(" = ")
    print_compact(printer, value)


def print_compact(printer: Printer, value: Attribute) -> None:
    """Integers and lists of i64 without their type, f64 floats exactly; the grammar's defaults read them back."""
    if isinstance(value, builtin.IntegerAttr) and value.type == builtin.i64:
        printer.print_string(str(value.value.data))
    elif isinstance(value, builtin.FloatAttr) and value.type == builtin.f64 and np.isfinite(value.value.data):
        text = repr(float(value.value.data))
        printer.print_string(text if "." in text else text.replace("e", ".0e", 1))
    elif isinstance(value, builtin.ArrayAttr) and all(isinstance(v, builtin.IntegerAttr | builtin.FloatAttr) for v in value):
        printer.print_string("[")
        printer.print_list(value.data, lambda v: print_compact(printer, v))
        printer.print_string("]")
    else:
        printer.print_attribute(value)


# ---- helpers for the op definitions


def tensor_type(value_type: Attribute, what: str) -> builtin.TensorType:
    """A ranked tensor type, or a VerifyException naming `what`."""
    if not isinstance(value_type, builtin.TensorType):
        raise VerifyException(f"{what}: expected a ranked tensor, got {value_type}")
    return cast(builtin.TensorType, value_type)


def shape_of(value_type: Attribute, what: str) -> tuple[int, ...]:
    shape = tuple(tensor_type(value_type, what).get_shape())
    if any(d < 0 for d in shape):
        raise VerifyException(f"{what}: dynamic dimensions are not supported yet, got {value_type}")
    return shape


def int_list(attr: Attribute | None, default: Sequence[int] = ()) -> list[int]:
    """An ArrayAttr of integers (or a dense array) as Python ints."""
    if attr is None:
        return list(default)
    if isinstance(attr, builtin.DenseArrayBase):
        return [int(v) for v in attr.get_values()]
    if isinstance(attr, builtin.ArrayAttr):
        return [cast(builtin.IntegerAttr, v).value.data for v in attr]
    raise VerifyException(f"expected a list of integers, got {attr}")


def broadcast_shapes(a: Sequence[int], b: Sequence[int], what: str) -> tuple[int, ...]:
    """NumPy broadcasting of two shapes; VerifyException naming the mismatching dimension."""
    result: list[int] = []
    for position in range(1, max(len(a), len(b)) + 1):
        x = a[-position] if position <= len(a) else 1
        y = b[-position] if position <= len(b) else 1
        if x != y and 1 not in (x, y):
            raise VerifyException(
                f"{what}: shapes {tuple(a)} and {tuple(b)} do not broadcast (dimension -{position}: {x} vs {y})"
            )
        result.append(max(x, y) if 1 not in (x, y) else x * y)
    return tuple(reversed(result))


def normalize_axis(axis: int, rank: int, what: str, inclusive: bool = False) -> int:
    """An axis in [-rank, rank) (or [-rank, rank] if `inclusive`) as a non-negative index."""
    high = rank + 1 if inclusive else rank
    if not -rank <= axis < high:
        raise VerifyException(f"{what} {axis} is out of range for rank {rank} (expected {-rank} <= axis < {high})")
    return axis + rank if axis < 0 else axis


def normalize_axes(axes: Sequence[int], rank: int, what: str) -> list[int]:
    """Distinct axes, each in [-rank, rank), as non-negative indices."""
    normalized = [normalize_axis(a, rank, what) for a in axes]
    if len(set(normalized)) != len(normalized):
        raise VerifyException(f"{what} {list(axes)} name an axis twice")
    return normalized
