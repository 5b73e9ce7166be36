"""Integer lists as attributes: the ArrayAttr of i64 that ops store shapes, factors and sizes as."""

from __future__ import annotations

from collections.abc import Sequence

from xdsl.dialects import builtin


def int_array(values: Sequence[int]) -> builtin.ArrayAttr[builtin.IntegerAttr]:
    """Python ints -> an ArrayAttr of i64."""
    return builtin.ArrayAttr([builtin.IntegerAttr(v, builtin.i64) for v in values])


def int_values(attr: builtin.ArrayAttr) -> tuple[int, ...]:
    """An ArrayAttr of IntegerAttrs -> Python ints."""
    return tuple(a.value.data for a in attr.data)  # type: ignore[attr-defined]
