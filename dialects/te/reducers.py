"""Reducers of te.yield: their identities and how they combine two values."""

from __future__ import annotations

import math

from xdsl.dialects.builtin import AnyFloat, FloatAttr, IntegerAttr, IntegerType
from xdsl.ir import Attribute


def _int_range(element_type: IntegerType) -> tuple[int, int]:
    width = element_type.width.data
    if element_type.signedness.data.name == "UNSIGNED" or width == 1:
        return 0, 2**width - 1
    return -(2 ** (width - 1)), 2 ** (width - 1) - 1


def natural_identity(reducer: str, element_type: Attribute) -> float | int:
    """The value a reduction starts from: 0 for sum, 1 for prod, the lowest value for max, the highest for min."""
    if reducer == "sum":
        return 0 if isinstance(element_type, IntegerType) else 0.0
    if reducer == "prod":
        return 1 if isinstance(element_type, IntegerType) else 1.0
    if isinstance(element_type, IntegerType):
        low, high = _int_range(element_type)
        return low if reducer == "max" else high
    return -math.inf if reducer == "max" else math.inf


def identity_value(reducer: str, element_type: Attribute, identity: Attribute | None) -> float | int:
    """The te.yield's start value: its explicit identity attribute, else the reducer's natural one."""
    if identity is None:
        return natural_identity(reducer, element_type)
    if isinstance(identity, IntegerAttr):
        return identity.value.data
    if isinstance(identity, FloatAttr):
        return identity.value.data
    raise ValueError(f"te.yield: the identity must be an integer or float literal, got {identity}")


def identity_attr(reducer: str, element_type: Attribute, identity: Attribute | None) -> Attribute:
    """The start value as an attribute of `element_type` (for arith.constant)."""
    value = identity_value(reducer, element_type, identity)
    if isinstance(element_type, IntegerType):
        return IntegerAttr(int(value), element_type)
    assert isinstance(element_type, AnyFloat)
    return FloatAttr(float(value), element_type)
