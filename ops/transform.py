"""Injective operators (TOPI's transform): te computes that move elements, with the graph ops' ONNX semantics.

Every output element reads one input element through index arithmetic (reshape: row-major flat index,
floor division and modulo), so a fused group inlines these computes into their consumer.
te tensors have no empty dimensions, so results with a zero-size dimension raise OpsError.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import cast as type_cast

import numpy as np
from xdsl.ir import Operation
from xdsl.utils.exceptions import VerifyException

from tessel.dialects.graph.base import int_list, normalize_axes, normalize_axis
from tessel.dialects.graph.movement import ConcatOp, GatherOp, PadOp, SliceOp, SplitOp, slice_bounds
from tessel.dialects.graph.shape import FlattenOp, ReshapeOp, SqueezeOp, TransposeOp, UnsqueezeOp
from tessel.frontends import te
from tessel.frontends.te_expr import is_unsigned
from tessel.ops.elementwise import check_results
from tessel.ops.registry import INJECTIVE_TAG, OpsError, register_compute

__all__ = [
    "concatenate",
    "flatten",
    "pad",
    "reshape",
    "split",
    "squeeze",
    "strided_slice",
    "take",
    "transpose",
    "unsqueeze",
]

Index = tuple[te.Expr, ...]


def _positive_shape(what: str, shape: Sequence[int]) -> tuple[int, ...]:
    shape = tuple(int(d) for d in shape)
    if any(d <= 0 for d in shape):
        raise OpsError(f"{what}: result shape {list(shape)} has an empty dimension; te tensors cannot be empty")
    return shape


def _axis(what: str, axis: int, rank: int, inclusive: bool = False) -> int:
    try:
        return normalize_axis(axis, rank, f"{what}: axis", inclusive=inclusive)
    except VerifyException as err:
        raise OpsError(str(err)) from err


def _axes(what: str, axes: Sequence[int], rank: int) -> list[int]:
    try:
        return normalize_axes(axes, rank, f"{what}: axes")
    except VerifyException as err:
        raise OpsError(str(err)) from err


def _offset(index: te.Expr, offset: int) -> te.Expr:
    return index if offset == 0 else index + offset


# ----------------------------------------------------------------------------- shape changes


def reshape(x: te.Tensor, newshape: Sequence[int], name: str = "reshape") -> te.Tensor:
    """x's elements in row-major order, in the static `newshape`."""
    shape = _positive_shape("reshape", newshape)
    if math.prod(shape) != math.prod(x.shape):
        raise OpsError(
            f"reshape: {list(shape)} has {math.prod(shape)} elements, the input {list(x.shape)} has {math.prod(x.shape)}"
        )
    if shape == x.shape:
        return te.compute(shape, lambda *i: x[i], name=name, tag=INJECTIVE_TAG)
    strides = [math.prod(x.shape[k + 1 :]) for k in range(x.ndim)]

    def body(*i: te.Expr) -> te.Expr:
        flat: te.Expr | int = 0
        for index, size in zip(i, shape, strict=True):
            if size != 1:
                flat = index if isinstance(flat, int) else flat * size + index
        source: list[te.Expr | int] = []
        for k, (size, stride) in enumerate(zip(x.shape, strides, strict=True)):
            if size == 1 or isinstance(flat, int):
                source.append(0)
                continue
            value = flat if stride == 1 else flat // stride
            source.append(value if k == 0 else value % size)
        return x[tuple(source)]

    return te.compute(shape, body, name=name, tag=INJECTIVE_TAG)


def flatten(x: te.Tensor, axis: int = 1, name: str = "flatten") -> te.Tensor:
    """ONNX Flatten: a 2-D tensor of dims[:axis] by dims[axis:]."""
    axis = _axis("flatten", axis, x.ndim, inclusive=True)
    return reshape(x, (math.prod(x.shape[:axis]), math.prod(x.shape[axis:])), name=name)


def transpose(x: te.Tensor, axes: Sequence[int] | None = None, name: str = "transpose") -> te.Tensor:
    """y.shape[k] = x.shape[axes[k]]; `axes` defaults to reversing the dimensions."""
    perm = list(reversed(range(x.ndim))) if axes is None else [int(a) for a in axes]
    if sorted(perm) != list(range(x.ndim)):
        raise OpsError(f"transpose: axes {perm} are not a permutation of {list(range(x.ndim))}")
    shape = tuple(x.shape[p] for p in perm)

    def body(*i: te.Expr) -> te.Expr:
        source: list[te.Expr] = [i[0]] * x.ndim
        for k, p in enumerate(perm):
            source[p] = i[k]
        return x[tuple(source)]

    return te.compute(shape, body, name=name, tag=INJECTIVE_TAG)


def squeeze(x: te.Tensor, axis: Sequence[int] | None = None, name: str = "squeeze") -> te.Tensor:
    """x without its size-1 dimensions `axis` (all of them when None)."""
    removed = [k for k, d in enumerate(x.shape) if d == 1] if axis is None else _axes("squeeze", axis, x.ndim)
    for k in removed:
        if x.shape[k] != 1:
            raise OpsError(f"squeeze: axis {k} has size {x.shape[k]}, expected 1")
    kept = [k for k in range(x.ndim) if k not in removed]
    shape = tuple(x.shape[k] for k in kept)

    def body(*i: te.Expr) -> te.Expr:
        source: list[te.Expr | int] = [0] * x.ndim
        for index, k in zip(i, kept, strict=True):
            source[k] = index
        return x[tuple(source)]

    return te.compute(shape, body, name=name, tag=INJECTIVE_TAG)


def unsqueeze(x: te.Tensor, axes: Sequence[int], name: str = "unsqueeze") -> te.Tensor:
    """x with size-1 dimensions inserted at `axes` (numbered in the output)."""
    rank = x.ndim + len(axes)
    inserted = set(_axes("unsqueeze", axes, rank))
    kept = [k for k in range(rank) if k not in inserted]
    dims = iter(x.shape)
    shape = tuple(1 if k in inserted else next(dims) for k in range(rank))
    return te.compute(shape, lambda *i: x[tuple(i[k] for k in kept)], name=name, tag=INJECTIVE_TAG)


# ----------------------------------------------------------------------------- concat, split, slice, pad


def concatenate(tensors: Sequence[te.Tensor], axis: int = 0, name: str = "concatenate") -> te.Tensor:
    """The tensors joined along `axis`; all other dimensions agree."""
    if not tensors:
        raise OpsError("concatenate: expected at least one tensor")
    first = tensors[0]
    axis = _axis("concatenate", axis, first.ndim)
    for k, t in enumerate(tensors):
        if (
            t.dtype != first.dtype
            or t.ndim != first.ndim
            or any(d != e for j, (d, e) in enumerate(zip(t.shape, first.shape, strict=True)) if j != axis)
        ):
            raise OpsError(
                f"concatenate: tensor {k} is {t.dtype}{list(t.shape)}, incompatible with {first.dtype}{list(first.shape)}"
            )
    offsets = list(np.cumsum([0, *(t.shape[axis] for t in tensors)]))
    shape = tuple(offsets[-1] if k == axis else d for k, d in enumerate(first.shape))

    def read(k: int, i: Index) -> te.Expr:
        return tensors[k][tuple(_offset(index, -int(offsets[k])) if j == axis else index for j, index in enumerate(i))]

    def body(*i: te.Expr) -> te.Expr:
        value = read(len(tensors) - 1, i)
        for k in range(len(tensors) - 2, -1, -1):
            value = te.if_then_else(i[axis] < int(offsets[k + 1]), read(k, i), value)
        return value

    return te.compute(shape, body, name=name, tag=INJECTIVE_TAG)


def split(x: te.Tensor, sizes: Sequence[int], axis: int = 0, name: str = "split") -> list[te.Tensor]:
    """Consecutive pieces of x along `axis` of the given sizes, one compute each."""
    axis = _axis("split", axis, x.ndim)
    if sum(sizes) != x.shape[axis]:
        raise OpsError(f"split: sizes {list(sizes)} must sum to {x.shape[axis]} (dimension {axis})")
    outputs = []
    start = 0
    for k, size in enumerate(sizes):
        shape = _positive_shape("split", [size if j == axis else d for j, d in enumerate(x.shape)])

        def body(*i: te.Expr, start: int = start) -> te.Expr:
            return x[tuple(_offset(index, start) if j == axis else index for j, index in enumerate(i))]

        outputs.append(te.compute(shape, body, name=f"{name}{k}", tag=INJECTIVE_TAG))
        start += size
    return outputs


def strided_slice(
    x: te.Tensor,
    starts: Sequence[int],
    ends: Sequence[int],
    axes: Sequence[int] | None = None,
    steps: Sequence[int] | None = None,
    name: str = "strided_slice",
) -> te.Tensor:
    """ONNX Slice: x[starts:ends:steps] along `axes`, negative indices and steps, clamping included."""
    try:
        bounds = [
            b.indices(d) for b, d in zip(slice_bounds("strided_slice", x.shape, starts, ends, axes, steps), x.shape, strict=True)
        ]
    except VerifyException as err:
        raise OpsError(str(err)) from err
    shape = _positive_shape("strided_slice", [len(range(*b)) for b in bounds])

    def body(*i: te.Expr) -> te.Expr:
        return x[
            tuple(_offset(index if step == 1 else index * step, start) for index, (start, _, step) in zip(i, bounds, strict=True))
        ]

    return te.compute(shape, body, name=name, tag=INJECTIVE_TAG)


def pad(
    x: te.Tensor, pad_before: Sequence[int], pad_after: Sequence[int], pad_value: float = 0.0, name: str = "pad"
) -> te.Tensor:
    """x padded with `pad_value` (converted to x's dtype as numpy does); negative pads crop."""
    if len(pad_before) != x.ndim or len(pad_after) != x.ndim:
        raise OpsError(f"pad: expected {x.ndim} pads before and after, got {len(pad_before)} and {len(pad_after)}")
    shape = _positive_shape("pad", [d + b + a for d, b, a in zip(x.shape, pad_before, pad_after, strict=True)])
    fill = te.const(np.asarray(pad_value).astype(np.dtype(x.dtype)).item(), x.dtype)

    def body(*i: te.Expr) -> te.Expr:
        conditions: list[te.Expr] = []
        for index, size, before, after in zip(i, x.shape, pad_before, pad_after, strict=True):
            if before > 0:
                conditions.append(index >= before)
            if after > 0:
                conditions.append(index < before + size)
        value = x[tuple(_offset(index, -before) for index, before in zip(i, pad_before, strict=True))]
        return te.if_then_else(te.all(*conditions), value, fill) if conditions else value

    return te.compute(shape, body, name=name, tag=INJECTIVE_TAG)


def take(data: te.Tensor, indices: te.Tensor, axis: int = 0, name: str = "take") -> te.Tensor:
    """ONNX Gather: data's slices along `axis` picked by integer `indices`, negative ones counted from the back.
    Out-of-range indices are clamped (numpy raises) so no read leaves the buffer."""
    if indices.dtype == "bool" or indices.dtype.startswith("float"):
        raise OpsError(f"take: indices must be an integer tensor, got {indices.dtype}")
    axis = _axis("take", axis, data.ndim)
    size = data.shape[axis]
    shape = (*data.shape[:axis], *indices.shape, *data.shape[axis + 1 :])

    def body(*i: te.Expr) -> te.Expr:
        position = indices[tuple(i[axis : axis + indices.ndim])].astype("int64")
        if not is_unsigned(indices.dtype):
            position = te.if_then_else(position < 0, position + size, position)
        position = te.min(te.max(position, 0), size - 1)
        return data[(*i[:axis], position, *i[axis + indices.ndim :])]

    return te.compute(shape, body, name=name, tag=INJECTIVE_TAG)


# ----------------------------------------------------------------------------- graph op adapters


def _in_op(op: Operation, build: Callable[[], list[te.Tensor]]) -> list[te.Tensor]:
    """The computes `build` makes, OpsError messages prefixed with the graph op's name, results checked."""
    try:
        return check_results(op, build())
    except OpsError as err:
        raise OpsError(f"{op.name}: {err}") from err
    except te.TeError as err:
        raise OpsError(f"{op.name}: te cannot express it: {err}") from err


def _result_shape(op: Operation) -> list[int]:
    return list(type_cast(Sequence[int], op.results[0].type.get_shape()))  # pyright: ignore[reportAttributeAccessIssue]


@register_compute("graph.reshape", "graph.flatten", "graph.squeeze", "graph.unsqueeze")
def _reshape_compute(op: Operation, inputs: Sequence[te.Tensor]) -> list[te.Tensor]:
    assert isinstance(op, ReshapeOp | FlattenOp | SqueezeOp | UnsqueezeOp)
    (x,) = inputs
    if isinstance(op, SqueezeOp):
        axes = op.axes
        return _in_op(op, lambda: [squeeze(x, None if axes is None else int_list(axes))])
    if isinstance(op, UnsqueezeOp):
        return _in_op(op, lambda: [unsqueeze(x, int_list(op.axes))])
    # reshape and flatten: the op's static result shape says it all.
    return _in_op(op, lambda: [reshape(x, _result_shape(op), name=op.name.removeprefix("graph."))])


@register_compute("graph.transpose")
def _transpose_compute(op: Operation, inputs: Sequence[te.Tensor]) -> list[te.Tensor]:
    assert isinstance(op, TransposeOp)
    return _in_op(op, lambda: [transpose(inputs[0], op.permutation())])


@register_compute("graph.concat")
def _concat_compute(op: Operation, inputs: Sequence[te.Tensor]) -> list[te.Tensor]:
    assert isinstance(op, ConcatOp)
    return _in_op(op, lambda: [concatenate(inputs, op.axis.value.data)])


@register_compute("graph.split")
def _split_compute(op: Operation, inputs: Sequence[te.Tensor]) -> list[te.Tensor]:
    assert isinstance(op, SplitOp)
    axis = 0 if op.axis is None else op.axis.value.data
    return _in_op(op, lambda: split(inputs[0], op.split_sizes(), axis))


@register_compute("graph.slice")
def _slice_compute(op: Operation, inputs: Sequence[te.Tensor]) -> list[te.Tensor]:
    assert isinstance(op, SliceOp)
    axes = None if op.axes is None else int_list(op.axes)
    steps = None if op.steps is None else int_list(op.steps)
    return _in_op(op, lambda: [strided_slice(inputs[0], int_list(op.starts), int_list(op.ends), axes, steps)])


@register_compute("graph.pad")
def _pad_compute(op: Operation, inputs: Sequence[te.Tensor]) -> list[te.Tensor]:
    assert isinstance(op, PadOp)
    if op.pad_mode() != "constant":
        raise OpsError(f'{op.name}: mode "{op.pad_mode()}" is not supported, only "constant"')
    pads = int_list(op.pads)
    rank = inputs[0].ndim
    return _in_op(op, lambda: [pad(inputs[0], pads[:rank], pads[rank:], op.pad_value())])


@register_compute("graph.gather")
def _gather_compute(op: Operation, inputs: Sequence[te.Tensor]) -> list[te.Tensor]:
    assert isinstance(op, GatherOp)
    axis = 0 if op.axis is None else op.axis.value.data
    return _in_op(op, lambda: [take(inputs[0], inputs[1], axis)])
