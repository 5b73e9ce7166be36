"""The check shared by ops that access one element of a shaped value (te.read, loop.load/store)."""

from __future__ import annotations

from xdsl.ir import Attribute
from xdsl.utils.exceptions import VerifyException


def verify_element_access(op_name: str, shaped: Attribute, index_count: int, element: Attribute | None = None) -> None:
    """One index per dimension, and (when given) the accessed value's type is the element type."""
    rank = shaped.get_num_dims()  # type: ignore[attr-defined]
    if index_count != rank:
        raise VerifyException(f"{op_name}: {shaped} needs {rank} indices, got {index_count}")
    if element is not None and element != shaped.element_type:  # type: ignore[attr-defined]
        raise VerifyException(f"{op_name}: the value's type {element} is not the element type of {shaped}")
