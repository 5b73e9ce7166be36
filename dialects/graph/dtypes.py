"""Element types between numpy and the IR: float32 <-> f32, int64 <-> i64, bool <-> i1."""

from __future__ import annotations

import numpy as np
from xdsl.dialects import builtin
from xdsl.ir import Attribute

_TO_IR: dict[np.dtype, Attribute] = {
    np.dtype(np.float16): builtin.f16,
    np.dtype(np.float32): builtin.f32,
    np.dtype(np.float64): builtin.f64,
    np.dtype(np.int8): builtin.i8,
    np.dtype(np.int16): builtin.i16,
    np.dtype(np.int32): builtin.i32,
    np.dtype(np.int64): builtin.i64,
    np.dtype(np.uint8): builtin.IntegerType(8, builtin.Signedness.UNSIGNED),
    np.dtype(np.bool_): builtin.i1,
}
_TO_NUMPY: dict[Attribute, np.dtype] = {ir: dtype for dtype, ir in _TO_IR.items()}


def element_type(dtype: np.dtype | str | type) -> Attribute:
    """The IR element type of a numpy dtype; ValueError naming the supported ones otherwise."""
    key = np.dtype(dtype)
    if key not in _TO_IR:
        known = ", ".join(sorted(str(d) for d in _TO_IR))
        raise ValueError(f"unsupported element type {key}; supported: {known}")
    return _TO_IR[key]


def numpy_dtype(element: Attribute) -> np.dtype:
    """The numpy dtype of an IR element type (i1 is bool; index is int64)."""
    if element in _TO_NUMPY:
        return _TO_NUMPY[element]
    if isinstance(element, builtin.IndexType):
        return np.dtype(np.int64)
    raise NotImplementedError(f"no numpy dtype for element type {element}")


def tensor_type(shape: tuple[int, ...] | list[int], dtype: np.dtype | str | type = np.float32) -> builtin.TensorType:
    """tensor<shape x element> for a numpy shape and dtype."""
    return builtin.TensorType(element_type(dtype), list(shape))
