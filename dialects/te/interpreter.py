"""Reference interpreter of the te dialect: computes evaluated by their definition, vectorised on numpy.

A te.compute is evaluated over index grids: its block arguments become broadcasting `arange`s over
output shape x reduction shape, each body op runs once on whole arrays (te.read is fancy indexing),
and te.yield's reducer is a numpy reduction over the trailing reduction axes, starting from its identity.
Large computes run in chunks along the output's leading axes (`CHUNK_ELEMENTS`).

Reads out of bounds do not fail at once: such positions carry "poison" (a validity mask per value,
the gather uses clipped indices). te.if_then_else picks values and masks lazily, so a read that only
feeds the branch not taken is harmless (that is how padding is written); arith/math ops are poisoned
where any operand is. Poison reaching te.yield is an error naming the compute, the read's tensor and
the offending index. A te.schedule never changes what is computed and is ignored.

Floats are computed in float64, integers in int64 with arith's semantics (see interpreter_ops); each
compute's result is cast to its element type.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence

import numpy as np
from xdsl.dialects import func
from xdsl.dialects.builtin import ModuleOp, TensorType
from xdsl.ir import Attribute, BlockArgument, Operation, SSAValue
from xdsl.traits import SymbolTable

from tessel.dialects.graph.dtypes import numpy_dtype
from tessel.dialects.te.interpreter_ops import (
    OPS,
    POISON_REASONS,
    UnsupportedOpError,
    evaluate_op,
    from_storage,
    is_float,
    reduction_view,
    to_storage,
    wrap,
    wrap_int,
)
from tessel.dialects.te.ops import ComputeOp, IfThenElseOp, IntrinOp, PlaceholderOp, ReadOp, YieldOp
from tessel.dialects.te.reducers import identity_value
from tessel.dialects.te.schedule_ops import ScheduleOp

CHUNK_ELEMENTS = 1 << 22
"""A compute whose output x reduction elements exceed this is evaluated in chunks along its leading output axes."""


class TeInterpreterError(Exception):
    """A te function or compute that cannot be evaluated: bad inputs, an unsupported op, an out-of-bounds read."""


Masked = tuple[np.ndarray, "np.ndarray | None"]
"""A value's storage and where it is poison (None: nowhere)."""


def _fmt_index(index: Sequence[int]) -> str:
    return "(" + ", ".join(str(int(i)) for i in index) + ")"


def _compute_label(op: ComputeOp) -> str:
    return f'te.compute "{op.tensor_name.data}"'


def describe_tensor(value: SSAValue) -> str:
    """`%A (argument 0)`, `%P (compute "P")` or `%w (placeholder "w")`."""
    hint = value.name_hint
    if isinstance(value, BlockArgument):
        return f"%{hint or f'arg{value.index}'} (argument {value.index})"
    owner = value.owner
    if isinstance(owner, ComputeOp | PlaceholderOp):
        kind = "compute" if isinstance(owner, ComputeOp) else "placeholder"
        return f'%{hint or owner.tensor_name.data} ({kind} "{owner.tensor_name.data}")'
    return f"%{hint or '?'} (result of {owner.name})"  # type: ignore[union-attr]


def _or(*masks: np.ndarray | None) -> np.ndarray | None:
    present = [m for m in masks if m is not None]
    if not present:
        return None
    result = present[0]
    for mask in present[1:]:
        result = result | mask
    return result


def _chunks(shape: tuple[int, ...], inner: int, limit: int) -> Iterator[tuple[tuple[int, int], ...]]:
    """[start, stop) bounds per output axis, covering `shape` in pieces of at most `limit` x `inner`-sized rows.

    Trailing axes are kept whole while they fit; the next axis is cut into blocks; leading axes go one by one.
    A single output element is never split (its reduction is evaluated at once).
    """
    rank = len(shape)
    size, split = inner, rank
    while split > 0 and size * shape[split - 1] <= limit:
        size *= shape[split - 1]
        split -= 1
    if split == 0:
        yield tuple((0, e) for e in shape)
        return
    axis = split - 1
    step = max(1, limit // size)
    whole = tuple((0, e) for e in shape[axis + 1 :])
    for prefix in np.ndindex(*shape[:axis]):
        head = tuple((int(p), int(p) + 1) for p in prefix)
        for start in range(0, shape[axis], step):
            yield (*head, (start, min(start + step, shape[axis])), *whole)


class _ComputeEvaluator:
    """Evaluates one te.compute chunk by chunk; tensors it reads are given in storage form."""

    def __init__(self, op: ComputeOp, tensors: Mapping[SSAValue, np.ndarray]):
        self.op = op
        self.label = _compute_label(op)
        self.tensors = tensors
        self.shape = op.shape
        self.reduce_shape = op.reduce_shape
        self.rank = len(self.shape) + len(self.reduce_shape)
        self.ops = list(op.body.block.ops)
        self.yield_op = self.ops[-1]
        assert isinstance(self.yield_op, YieldOp)
        self.outer: dict[SSAValue, Masked] = {}
        inside = set(self.ops)
        for body_op in self.ops[:-1]:
            if not isinstance(body_op, ReadOp | IfThenElseOp) and (body_op.name not in OPS or body_op.regions):
                raise TeInterpreterError(f"{self.label}: unsupported op {body_op.name} in the body")
        # Values die after their last use (inside the body), so a chunk holds few full-size arrays at a time.
        last_use: dict[SSAValue, int] = {}
        for position, body_op in enumerate(self.ops):
            for operand in body_op.operands:
                if operand.owner in inside:
                    last_use[operand] = position
        self.dying: dict[int, list[SSAValue]] = defaultdict(list)
        for value, position in last_use.items():
            self.dying[position].append(value)

    # -- values

    def _outer_value(self, value: SSAValue) -> Masked:
        """A scalar defined outside the compute (e.g. a hoisted constant), evaluated once."""
        if value in self.outer:
            return self.outer[value]
        owner = value.owner
        if not isinstance(owner, Operation) or owner.name not in OPS or owner.regions:
            what = "a block argument" if isinstance(value, BlockArgument) else f"the result of {owner.name}"  # type: ignore[union-attr]
            raise TeInterpreterError(f"{self.label}: uses {what} from outside the compute, which is not a scalar op")
        operands = [self._outer_value(o) for o in owner.operands]
        result = self._apply(owner, operands)
        self.outer[value] = result
        return result

    def _lookup(self, env: dict[SSAValue, Masked], value: SSAValue) -> Masked:
        found = env.get(value)
        return found if found is not None else self._outer_value(value)

    def _apply(self, op: Operation, operands: list[Masked]) -> Masked:
        try:
            value, poison = evaluate_op(op, [v for v, _ in operands])
        except UnsupportedOpError as error:
            raise TeInterpreterError(f"{self.label}: unsupported op {error}") from None
        return np.asarray(value), _or(poison, *(m for _, m in operands))

    def _read(self, op: ReadOp, env: dict[SSAValue, Masked]) -> Masked:
        tensor = self.tensors[op.tensor]
        indices = [self._lookup(env, i) for i in op.indices]
        clipped, out_of_bounds = [], None
        for extent, (index, _) in zip(tensor.shape, indices, strict=True):
            bad = (index < 0) | (index >= extent)
            if np.any(bad):
                out_of_bounds = _or(out_of_bounds, bad)
                index = np.clip(index, 0, extent - 1)
            clipped.append(index)
        value = np.asarray(tensor[tuple(clipped)])
        return value, _or(out_of_bounds, *(m for _, m in indices))

    def _if_then_else(self, op: IfThenElseOp, env: dict[SSAValue, Masked]) -> Masked:
        condition, condition_mask = self._lookup(env, op.condition)
        true_value, true_mask = self._lookup(env, op.true_value)
        false_value, false_mask = self._lookup(env, op.false_value)
        value = np.where(condition, true_value, false_value)
        mask = None
        if true_mask is not None or false_mask is not None:
            no = np.zeros((), dtype=bool)
            mask = np.where(condition, true_mask if true_mask is not None else no, false_mask if false_mask is not None else no)
        mask = _or(mask, condition_mask)
        if mask is not None and not mask.any():
            mask = None
        return value, mask

    # -- evaluation

    def run(self, bounds: tuple[tuple[int, int], ...]) -> np.ndarray:
        """The compute's values (storage form) over the output block `bounds`."""
        return self._run(bounds, keep=False)

    def _run(self, bounds: tuple[tuple[int, int], ...], keep: bool) -> np.ndarray:
        chunk_shape = tuple(stop - start for start, stop in bounds)
        grid = chunk_shape + self.reduce_shape
        env: dict[SSAValue, Masked] = {}
        ranges = [np.arange(start, stop, dtype=np.int64) for start, stop in bounds]
        ranges += [np.arange(extent, dtype=np.int64) for extent in self.reduce_shape]
        for axis, (arg, values) in enumerate(zip(self.op.body.block.args, ranges, strict=True)):
            shape = [1] * self.rank
            shape[axis] = len(values)
            env[arg] = (values.reshape(shape), None)
        for position, body_op in enumerate(self.ops[:-1]):
            if isinstance(body_op, ReadOp):
                env[body_op.result] = self._read(body_op, env)
            elif isinstance(body_op, IfThenElseOp):
                env[body_op.result] = self._if_then_else(body_op, env)
            else:
                env[body_op.results[0]] = self._apply(body_op, [self._lookup(env, o) for o in body_op.operands])
            if not keep:
                for value in self.dying.get(position, ()):
                    del env[value]
        value, mask = self._lookup(env, self.yield_op.value)
        if mask is not None:
            mask = np.broadcast_to(mask, grid)
            if mask.any():
                if not keep:
                    return self._run(bounds, keep=True)  # again, keeping every value, to say what went wrong
                raise self._diagnose(env, mask, bounds, grid)
        return self._reduce(np.broadcast_to(value, grid), len(chunk_shape))

    def _reduce(self, value: np.ndarray, out_rank: int) -> np.ndarray:
        yield_op = self.yield_op
        assert isinstance(yield_op, YieldOp)
        if yield_op.reducer is None:
            return value
        reducer = yield_op.reducer.data
        element = self.op.element_type
        axes = tuple(range(out_rank, self.rank))
        start = identity_value(reducer, element, yield_op.identity)
        if is_float(element):
            identity = np.float64(start)
        else:
            storage = wrap(np.asarray(wrap_int(int(start), element), dtype=np.int64), element)
            identity = reduction_view(storage, element)
        values = reduction_view(value, element)
        if reducer == "sum":
            result = identity + np.sum(values, axis=axes)
        elif reducer == "prod":
            result = identity * np.prod(values, axis=axes)
        elif reducer == "max":
            result = np.maximum(identity, np.max(values, axis=axes))
        else:
            result = np.minimum(identity, np.min(values, axis=axes))
        return result if is_float(element) else wrap(result, element)

    # -- diagnostics

    def _diagnose(
        self, env: dict[SSAValue, Masked], mask: np.ndarray, bounds: tuple[tuple[int, int], ...], grid: tuple[int, ...]
    ) -> TeInterpreterError:
        position = tuple(int(p) for p in np.unravel_index(int(np.argmax(mask)), grid))
        cause = self._culprit(env, self.yield_op.operands[0], position, grid)
        out_rank = len(bounds)
        where = f"output index {_fmt_index([start + p for (start, _), p in zip(bounds, position, strict=False)])}"
        if self.reduce_shape:
            where += f", reduction index {_fmt_index(position[out_rank:])}"
        return TeInterpreterError(f"{self.label}: {cause} ({where})")

    def _culprit(self, env: dict[SSAValue, Masked], value: SSAValue, position: tuple[int, ...], grid: tuple[int, ...]) -> str:
        """Follows poison back from `value` at `position` to the op that made it."""

        def at(array: np.ndarray) -> object:
            return np.broadcast_to(array, grid)[position]

        def poisoned(v: SSAValue) -> bool:
            mask = self._lookup(env, v)[1]
            return mask is not None and bool(at(mask))

        op = value.owner
        if isinstance(op, IfThenElseOp):
            if poisoned(op.condition):
                return self._culprit(env, op.condition, position, grid)
            taken = op.true_value if at(self._lookup(env, op.condition)[0]) else op.false_value
            return self._culprit(env, taken, position, grid)
        if not isinstance(op, Operation):
            return "a poisoned value"
        for operand in op.operands:
            if not isinstance(operand.type, TensorType) and poisoned(operand):
                return self._culprit(env, operand, position, grid)
        if isinstance(op, ReadOp):
            index = tuple(int(at(self._lookup(env, i)[0])) for i in op.indices)  # type: ignore[call-overload]
            return (
                f"te.read of tensor {describe_tensor(op.tensor)} at index {_fmt_index(index)} "
                f"is out of bounds for {op.tensor.type}"
            )
        return f"{op.name} {POISON_REASONS.get(op.name, 'has no defined result')}"


def _dtype(element: Attribute, where: str) -> np.dtype:
    try:
        return numpy_dtype(element)
    except NotImplementedError:
        raise TeInterpreterError(f"{where}: element type {element} has no numpy dtype") from None


def evaluate_compute(op: ComputeOp, values: Mapping[SSAValue, np.ndarray]) -> np.ndarray:
    """The tensor `op` defines, given the arrays of every tensor its body reads (keyed by their SSA values)."""
    label = _compute_label(op)
    dtype = _dtype(op.element_type, label)
    tensors: dict[SSAValue, np.ndarray] = {}
    for body_op in op.body.block.ops:
        if not isinstance(body_op, ReadOp) or body_op.tensor in tensors:
            continue
        tensor = body_op.tensor
        tensor_type = tensor.type
        assert isinstance(tensor_type, TensorType)
        if tensor not in values:
            raise TeInterpreterError(f"{label}: no value given for tensor {describe_tensor(tensor)}")
        array = np.asarray(values[tensor])
        if array.shape != tuple(tensor_type.get_shape()):
            raise TeInterpreterError(
                f"{label}: tensor {describe_tensor(tensor)} is {tensor_type}, got an array of shape {array.shape}"
            )
        try:
            tensors[tensor] = to_storage(array, tensor_type.element_type)
        except UnsupportedOpError as error:
            raise TeInterpreterError(f"{label}: {error}") from None
    evaluator = _ComputeEvaluator(op, tensors)
    out = np.empty(op.shape, dtype=dtype)
    inner = math.prod(op.reduce_shape)
    with np.errstate(all="ignore"):
        for bounds in _chunks(op.shape, inner, max(1, CHUNK_ELEMENTS)):
            out[tuple(slice(start, stop) for start, stop in bounds)] = from_storage(evaluator.run(bounds), dtype)
    return out


def _check_input(array: object, expected: Attribute, what: str) -> np.ndarray:
    if not isinstance(expected, TensorType):
        raise TeInterpreterError(f"{what} is {expected}; only tensor inputs are supported")
    dtype = _dtype(expected.element_type, what)
    shape = tuple(expected.get_shape())
    array = np.asarray(array)
    if array.shape != shape or array.dtype != dtype:
        raise TeInterpreterError(
            f"{what} must be {expected} (shape {shape}, dtype {dtype}), got an array of shape {array.shape}, dtype {array.dtype}"
        )
    return array


def run_te_function(module: ModuleOp, name: str, inputs: Sequence[np.ndarray]) -> list[np.ndarray]:
    """Call the te function `name` (a func.func of te.computes) of `module` on numpy inputs; its results."""
    name = name.removeprefix("@")
    function = SymbolTable.lookup_symbol(module, name)
    if not isinstance(function, func.FuncOp):
        raise TeInterpreterError(f"no function @{name} in the module")
    args = function.body.block.args
    if len(inputs) != len(args):
        raise TeInterpreterError(f"@{name} takes {len(args)} inputs, got {len(inputs)}")
    env: dict[SSAValue, np.ndarray] = {}
    for i, (arg, array) in enumerate(zip(args, inputs, strict=True)):
        env[arg] = _check_input(array, arg.type, f"@{name}: argument {i}")
    for op in function.body.block.ops:
        if isinstance(op, ComputeOp):
            env[op.result] = evaluate_compute(op, env)
        elif isinstance(op, func.ReturnOp):
            return [np.array(env[v]) if isinstance(v, BlockArgument) else env[v] for v in op.arguments]
        elif isinstance(op, ScheduleOp):
            continue  # a schedule changes how, never what
        elif op.name in OPS and not op.regions and not any(isinstance(r.type, TensorType) for r in op.results):
            continue  # a scalar used by computes; evaluated where it is used
        else:
            raise TeInterpreterError(f"@{name}: unsupported op {op.name} in a te function")
    raise TeInterpreterError(f"@{name} does not end in func.return")


def evaluate_intrin(intrin: IntrinOp, inputs: Sequence[np.ndarray]) -> np.ndarray:
    """A tensor intrinsic's declared behaviour on values of its placeholders (in declaration order)."""
    label = f"te.intrin @{intrin.sym_name.data}"
    placeholders = intrin.placeholders
    if len(inputs) != len(placeholders):
        raise TeInterpreterError(f"{label} takes {len(placeholders)} inputs, got {len(inputs)}")
    values: dict[SSAValue, np.ndarray] = {}
    for i, (placeholder, array) in enumerate(zip(placeholders, inputs, strict=True)):
        what = f'{label}: input {i} (placeholder "{placeholder.tensor_name.data}")'
        values[placeholder.result] = _check_input(array, placeholder.result.type, what)
    return evaluate_compute(intrin.compute, values)


__all__ = ["CHUNK_ELEMENTS", "TeInterpreterError", "describe_tensor", "evaluate_compute", "evaluate_intrin", "run_te_function"]
