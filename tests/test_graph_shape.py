"""Graph shape ops: type inference, verification messages, numpy semantics, syntax roundtrips, interpreter."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from xdsl.dialects import builtin, func
from xdsl.ir import Attribute, Block, Operation, Region, SSAValue
from xdsl.utils.exceptions import VerifyException

from tessel.dialects.graph.base import OpPatternKind
from tessel.dialects.graph.constant import ConstantOp
from tessel.dialects.graph.interpreter import run_function
from tessel.dialects.graph.movement import CastOp, ConcatOp, GatherOp, PadOp, SliceOp, SplitOp, WhereOp
from tessel.dialects.graph.shape import FlattenOp, ReshapeOp, SqueezeOp, TransposeOp, UnsqueezeOp
from tessel.dialects.int_arrays import int_array
from tests.helpers import assert_structurally_equal, parse_text, print_text

_DTYPES = {np.dtype(np.float32): builtin.f32, np.dtype(np.int64): builtin.i64, np.dtype(np.int32): builtin.i32}


def tensor_of(array: np.ndarray) -> builtin.TensorType:
    element = builtin.i1 if array.dtype == np.bool_ else _DTYPES[array.dtype]
    return builtin.TensorType(element, array.shape)


def function_of(input_types: Sequence[Attribute], make: Callable[[list[SSAValue]], Operation]) -> builtin.ModuleOp:
    """A module with one func.func @main(inputs) returning every result of `make(arguments)`."""
    block = Block(arg_types=input_types)
    op = make(list(block.args))
    block.add_ops([op, func.ReturnOp(*op.results)])
    function = func.FuncOp("main", (list(input_types), list(op.result_types)), Region(block))
    return builtin.ModuleOp([function])


def the_op(module: builtin.ModuleOp) -> Operation:
    function = next(iter(module.ops))
    assert isinstance(function, func.FuncOp)
    return next(iter(function.body.block.ops))


def check(make: Callable[[list[SSAValue]], Operation], inputs: Sequence[np.ndarray], expected: Sequence[np.ndarray]) -> None:
    """Builder types, verification, interpreter against `expected`, custom and generic roundtrips."""
    module = function_of([tensor_of(a) for a in inputs], make)
    module.verify()
    op = the_op(module)
    assert [tuple(t.get_shape()) for t in op.result_types] == [e.shape for e in expected]  # pyright: ignore
    results = run_function(module, "main", inputs)
    assert len(results) == len(expected)
    for result, reference in zip(results, expected, strict=True):
        assert result.dtype == reference.dtype
        np.testing.assert_array_equal(result, reference)
    for generic in (False, True):
        assert_structurally_equal(module, parse_text(print_text(module, generic)))


def rejects(text: str, message: str) -> None:
    """The custom-form op in `text` parses and fails verification with `message`."""
    module = parse_text(text)
    with pytest.raises(VerifyException, match=message):
        module.verify()


def arange(*shape: int, dtype: type = np.float32) -> np.ndarray:
    return np.arange(int(np.prod(shape)), dtype=dtype).reshape(shape)


# ---- reshape, flatten


@pytest.mark.parametrize(
    ("shape", "target", "static"),
    [((2, 3, 4), (6, 4), (6, 4)), ((2, 3, 4), (-1,), (24,)), ((2, 3, 4), (0, -1), (2, 12)), ((6,), (1, 6, 1), (1, 6, 1))],
)
def test_reshape(shape: tuple[int, ...], target: tuple[int, ...], static: tuple[int, ...]) -> None:
    x = arange(*shape)
    check(lambda v: ReshapeOp(v[0], target), [x], [x.reshape(static)])


def test_reshape_size_mismatch() -> None:
    rejects(
        '%x = "test.op"() : () -> tensor<2x3xf32>\n%y = graph.reshape %x {shape = [4, 2]} : (tensor<2x3xf32>) -> tensor<4x2xf32>',
        r"graph.reshape: shape \[4, 2\] has 8 elements, the input \[2, 3\] has 6",
    )
    with pytest.raises(VerifyException, match="more than one -1"):
        function_of([builtin.TensorType(builtin.f32, [6])], lambda v: ReshapeOp(v[0], [-1, -1]))


@pytest.mark.parametrize(
    ("shape", "axis", "result"),
    [((2, 3, 4), 1, (2, 12)), ((2, 3, 4), 0, (1, 24)), ((2, 3, 4), 3, (24, 1)), ((2, 3, 4), -1, (6, 4))],
)
def test_flatten(shape: tuple[int, ...], axis: int, result: tuple[int, ...]) -> None:
    x = arange(*shape)
    check(lambda v: FlattenOp(v[0], axis), [x], [x.reshape(result)])


def test_flatten_default_axis_is_one() -> None:
    module = parse_text(
        '%x = "test.op"() : () -> tensor<2x3x4xf32>\n%y = graph.flatten %x : (tensor<2x3x4xf32>) -> tensor<2x12xf32>'
    )
    module.verify()
    rejects(
        '%x = "test.op"() : () -> tensor<2x3xf32>\n%y = graph.flatten %x {axis = 3} : (tensor<2x3xf32>) -> tensor<6x1xf32>',
        r"graph.flatten: axis 3 is out of range for rank 2 \(expected -2 <= axis < 3\)",
    )


# ---- transpose, squeeze, unsqueeze


@pytest.mark.parametrize("perm", [[0, 2, 1], [2, 0, 1], [1, 0, 2], None])
def test_transpose(perm: list[int] | None) -> None:
    x = arange(2, 3, 4)
    check(lambda v: TransposeOp(v[0], perm), [x], [np.transpose(x, perm)])


def test_transpose_default_reverses() -> None:
    op = the_op(function_of([builtin.TensorType(builtin.f32, [2, 3, 4])], lambda v: TransposeOp(v[0])))
    assert op.result_types[0] == builtin.TensorType(builtin.f32, [4, 3, 2])
    assert "perm" not in op.properties


@pytest.mark.parametrize("perm", ["[0, 0, 1]", "[0, 1]", "[0, 1, 3]", "[-1, 0, 1]"])
def test_transpose_bad_perm(perm: str) -> None:
    rejects(
        f'%x = "test.op"() : () -> tensor<2x3x4xf32>\n'
        f"%y = graph.transpose %x {{perm = {perm}}} : (tensor<2x3x4xf32>) -> tensor<2x3x4xf32>",
        r"graph.transpose: perm \[.*\] is not a permutation of \[0, 1, 2\]",
    )


@pytest.mark.parametrize(
    ("shape", "axes", "result"), [((1, 3, 1), [0], (3, 1)), ((1, 3, 1), [-1, 0], (3,)), ((1, 3, 1), None, (3,))]
)
def test_squeeze(shape: tuple[int, ...], axes: list[int] | None, result: tuple[int, ...]) -> None:
    x = arange(*shape)
    check(lambda v: SqueezeOp(v[0], axes), [x], [x.reshape(result)])


def test_squeeze_non_unit_axis() -> None:
    rejects(
        '%x = "test.op"() : () -> tensor<1x3xf32>\n%y = graph.squeeze %x {axes = [1]} : (tensor<1x3xf32>) -> tensor<1xf32>',
        "graph.squeeze: axis 1 has size 3, expected 1",
    )


@pytest.mark.parametrize(
    ("axes", "result"), [([0], (1, 2, 3)), ([1, -1], (2, 1, 3, 1)), ([0, 3], (1, 2, 3, 1)), ([2, 0], (1, 2, 1, 3))]
)
def test_unsqueeze(axes: list[int], result: tuple[int, ...]) -> None:
    x = arange(2, 3)
    check(lambda v: UnsqueezeOp(v[0], axes), [x], [x.reshape(result)])


def test_unsqueeze_errors() -> None:
    rejects(
        '%x = "test.op"() : () -> tensor<2xf32>\n%y = graph.unsqueeze %x {axes = [1, -2]} : (tensor<2xf32>) -> tensor<2x1x1xf32>',
        r"graph.unsqueeze: axes \[1, -2\] name an axis twice",
    )
    rejects(
        '%x = "test.op"() : () -> tensor<2xf32>\n%y = graph.unsqueeze %x {axes = [2]} : (tensor<2xf32>) -> tensor<2x1xf32>',
        "graph.unsqueeze: axes 2 is out of range for rank 2",
    )


# ---- concat, split


@pytest.mark.parametrize(("axis", "sizes"), [(0, [1, 2, 3]), (1, [2, 2]), (-1, [1, 4, 1])])
def test_concat(axis: int, sizes: list[int]) -> None:
    inputs = []
    for i, size in enumerate(sizes):
        shape = [2, 3, 4]
        shape[axis] = size
        inputs.append(arange(*shape) + 100 * i)
    check(lambda v: ConcatOp(v, axis), inputs, [np.concatenate(inputs, axis=axis)])


def test_concat_errors() -> None:
    header = '%a = "test.op"() : () -> tensor<2x3xf32>\n%b = "test.op"() : () -> tensor<2x4xf32>\n'
    rejects(
        header + "%c = graph.concat %a, %b {axis = 0} : (tensor<2x3xf32>, tensor<2x4xf32>) -> tensor<4x3xf32>",
        "graph.concat: operand 1 has size 4 in dimension 1, expected 3",
    )
    rejects(
        header + "%c = graph.concat %a, %b {axis = 2} : (tensor<2x3xf32>, tensor<2x4xf32>) -> tensor<2x7xf32>",
        "graph.concat: axis 2 is out of range for rank 2",
    )
    rejects(
        '%a = "test.op"() : () -> tensor<2xf32>\n%b = "test.op"() : () -> tensor<2xi32>\n'
        "%c = graph.concat %a, %b {axis = 0} : (tensor<2xf32>, tensor<2xi32>) -> tensor<4xf32>",
        "graph.concat: operand 1 has element type i32, expected f32",
    )
    module = parse_text(header + "%c = graph.concat %a, %b {axis = 1} : (tensor<2x3xf32>, tensor<2x4xf32>) -> tensor<2x7xf32>")
    module.verify()


@pytest.mark.parametrize(("axis", "sizes"), [(0, [1, 1]), (1, [1, 2]), (-1, [2, 1, 1]), (2, [4])])
def test_split(axis: int, sizes: list[int]) -> None:
    x = arange(2, 3, 4)
    expected = np.split(x, np.cumsum(sizes)[:-1], axis=axis)
    check(lambda v: SplitOp(v[0], sizes, axis), [x], expected)


def test_split_equal_parts_without_sizes() -> None:
    x = arange(6, 2)
    check(lambda v: SplitOp(v[0], axis=0, num_outputs=3), [x], np.split(x, 3))
    module = parse_text(
        '%x = "test.op"() : () -> tensor<6xf32>\n%a, %b = graph.split %x : (tensor<6xf32>) -> (tensor<3xf32>, tensor<3xf32>)'
    )
    module.verify()


def test_split_sizes_must_sum() -> None:
    rejects(
        '%x = "test.op"() : () -> tensor<5xf32>\n'
        "%a, %b = graph.split %x {axis = 0, sizes = [2, 2]} : (tensor<5xf32>) -> (tensor<2xf32>, tensor<2xf32>)",
        r"graph.split: sizes \[2, 2\] must be non-negative and sum to 5 \(dimension 0\)",
    )


# ---- slice, pad


_SLICES = [
    # starts, ends, axes, steps, numpy index on a 4x5x6 tensor
    ([1], [3], None, None, np.s_[1:3]),
    ([0, 1], [2, -1], [0, 2], None, np.s_[0:2, :, 1:-1]),
    ([-2], [100], [1], None, np.s_[:, -2:]),
    ([3], [-100], [0], [-1], np.s_[3::-1]),
    ([10], [0], [-1], [-2], np.s_[:, :, 5:0:-2]),
    ([0, 0], [5, 6], [1, 2], [2, 3], np.s_[:, ::2, ::3]),
    ([2], [2], [0], None, np.s_[2:2]),
    ([-100], [100], [2], [-1], np.s_[:, :, 0:0:-1]),
]


@pytest.mark.parametrize(("starts", "ends", "axes", "steps", "index"), _SLICES)
def test_slice(starts: list[int], ends: list[int], axes: list[int] | None, steps: list[int] | None, index: object) -> None:
    x = arange(4, 5, 6)
    check(lambda v: SliceOp(v[0], starts, ends, axes, steps), [x], [x[index]])  # pyright: ignore[reportArgumentType]


def test_slice_errors() -> None:
    header = '%x = "test.op"() : () -> tensor<4x5xf32>\n'
    rejects(
        header + "%y = graph.slice %x {starts = [0], ends = [2], steps = [0]} : (tensor<4x5xf32>) -> tensor<2x5xf32>",
        "graph.slice: step for axis 0 must not be 0",
    )
    rejects(
        header + "%y = graph.slice %x {starts = [0], ends = [2, 3]} : (tensor<4x5xf32>) -> tensor<2x5xf32>",
        "graph.slice: starts, ends, axes and steps must have one entry per sliced axis, got 1, 2, 1 and 1",
    )
    rejects(
        header + "%y = graph.slice %x {starts = [0], ends = [2], axes = [2]} : (tensor<4x5xf32>) -> tensor<2x5xf32>",
        "graph.slice: axes 2 is out of range for rank 2",
    )


@pytest.mark.parametrize(
    ("pads", "value"),
    [([0, 0, 0, 0], 0.0), ([1, 2, 3, 4], 0.0), ([0, 1, 2, 0], -1.5), ([-1, 1, 0, -2], 7.0)],
)
def test_pad(pads: list[int], value: float) -> None:
    x = arange(3, 4)
    reference = np.pad(x, [(max(pads[0], 0), max(pads[2], 0)), (max(pads[1], 0), max(pads[3], 0))], constant_values=value)
    if pads == [-1, 1, 0, -2]:
        reference = np.pad(x[1:, :2], [(0, 0), (1, 0)], constant_values=value)
    check(lambda v: PadOp(v[0], pads, value), [x], [reference])


def test_pad_hand_computed() -> None:
    x = np.array([[1, 2]], dtype=np.int64)
    expected = np.array([[9, 9, 9], [9, 1, 2], [9, 9, 9]], dtype=np.int64)
    check(lambda v: PadOp(v[0], [1, 1, 1, 0], 9.0), [x], [expected])


def test_pad_errors() -> None:
    header = '%x = "test.op"() : () -> tensor<4x5xf32>\n'
    rejects(
        header + "%y = graph.pad %x {pads = [1, 1]} : (tensor<4x5xf32>) -> tensor<5x6xf32>",
        r"graph.pad: pads \[1, 1\] must have 2 \* rank = 4 entries",
    )
    rejects(
        header + '%y = graph.pad %x {pads = [0, 0, 0, 0], mode = "reflect"} : tensor<4x5xf32>',
        'graph.pad: mode "reflect" is not supported, expected "constant"',
    )
    rejects(
        header + "%y = graph.pad %x {pads = [-3, 0, -2, 0]} : (tensor<4x5xf32>) -> tensor<0x5xf32>",
        "graph.pad: pads .* crop more than the input",
    )


# ---- gather, cast, where, constant


@pytest.mark.parametrize(("axis", "indices"), [(0, [[0, 2], [-1, 1]]), (1, [3, 0, 0]), (-1, 2), (2, [[[1]]])])
def test_gather(axis: int, indices: object) -> None:
    data = arange(3, 4, 5)
    index_array = np.asarray(indices, dtype=np.int64)
    check(lambda v: GatherOp(v[0], v[1], axis), [data, index_array], [np.take(data, index_array, axis=axis)])


def test_gather_errors() -> None:
    rejects(
        '%d = "test.op"() : () -> tensor<3x4xf32>\n%i = "test.op"() : () -> tensor<2xf32>\n'
        "%y = graph.gather %d, %i {axis = 0} : (tensor<3x4xf32>, tensor<2xf32>) -> tensor<2x4xf32>",
        "graph.gather: indices must be an integer tensor, got tensor<2xf32>",
    )
    rejects(
        '%d = "test.op"() : () -> tensor<3x4xf32>\n%i = "test.op"() : () -> tensor<2xi64>\n'
        "%y = graph.gather %d, %i {axis = 2} : (tensor<3x4xf32>, tensor<2xi64>) -> tensor<3x2xf32>",
        "graph.gather: axis 2 is out of range for rank 2",
    )


def test_cast() -> None:
    x = np.array([[1.7, -2.7], [0.0, 3.2]], dtype=np.float32)
    check(lambda v: CastOp(v[0], builtin.i32), [x], [np.array([[1, -2], [0, 3]], dtype=np.int32)])
    check(lambda v: CastOp(v[0], builtin.i1), [x], [x != 0])
    rejects(
        '%x = "test.op"() : () -> tensor<2xf32>\n%y = graph.cast %x : (tensor<2xf32>) -> tensor<3xi32>',
        r"graph.cast: expected result type tensor<2xi32>, got tensor<3xi32>",
    )


def test_where() -> None:
    condition = np.array([[True], [False]])
    x = arange(2, 3)
    y = np.array([-1.0, -2.0, -3.0], dtype=np.float32)
    check(lambda v: WhereOp(v[0], v[1], v[2]), [condition, x, y], [np.where(condition, x, y)])
    rejects(
        '%c = "test.op"() : () -> tensor<2xf32>\n%x = "test.op"() : () -> tensor<2xf32>\n'
        "%y = graph.where %c, %x, %x : (tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>",
        "graph.where: condition must be a tensor of i1, got tensor<2xf32>",
    )
    rejects(
        '%c = "test.op"() : () -> tensor<3xi1>\n%x = "test.op"() : () -> tensor<2xf32>\n'
        "%y = graph.where %c, %x, %x : (tensor<3xi1>, tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>",
        r"graph.where: shapes \(3,\) and \(2,\) do not broadcast",
    )


@pytest.mark.parametrize(
    "array",
    [
        np.array([[1.5, -2.0], [0.25, 8.0]], dtype=np.float32),
        np.arange(12, dtype=np.int64).reshape(3, 4),
        np.array([True, False, True]),
        np.arange(500, dtype=np.float32),  # past 100 elements xDSL prints a hex blob
    ],
)
def test_constant(array: np.ndarray) -> None:
    check(lambda v: ConstantOp.from_array(array), [], [array])


def test_constant_custom_form() -> None:
    text = "%w = graph.constant {tag} dense<[1, 2, 3]> : tensor<3xi32>"
    module = parse_text(text)
    module.verify()
    assert print_text(module).splitlines()[1].strip() == text
    (value,) = the_op_of_module(module).evaluate()
    np.testing.assert_array_equal(value, np.array([1, 2, 3], dtype=np.int32))


def the_op_of_module(module: builtin.ModuleOp) -> ConstantOp:
    op = next(iter(module.ops))
    assert isinstance(op, ConstantOp)
    return op


def test_constant_type_must_match_value() -> None:
    rejects(
        '%w = "graph.constant"() <{value = dense<1.0> : tensor<2xf32>}> : () -> tensor<3xf32>',
        r"graph.constant: expected result type tensor<2xf32>, got tensor<3xf32>",
    )


def test_constant_of_a_million_elements_roundtrips() -> None:
    array = np.random.default_rng(0).standard_normal((1000, 1000)).astype(np.float32)
    module = builtin.ModuleOp([ConstantOp.from_array(array)])
    start = time.perf_counter()
    reparsed = parse_text(print_text(module))
    assert time.perf_counter() - start < 30  # about 2 s on a laptop-class CPU
    (value,) = the_op_of_module(reparsed).evaluate()
    np.testing.assert_array_equal(value, array)


def test_pattern_kinds() -> None:
    assert ReshapeOp.PATTERN_KIND == OpPatternKind.INJECTIVE
    assert CastOp.PATTERN_KIND == OpPatternKind.ELEMWISE
    assert WhereOp.PATTERN_KIND == OpPatternKind.BROADCAST
    assert ConstantOp.PATTERN_KIND == OpPatternKind.OPAQUE


def test_chain_through_the_interpreter() -> None:
    text = """
    func.func @main(%x: tensor<2x3x4xf32>) -> tensor<4x7xf32> {
      %w = graph.constant dense<1.0> : tensor<4x1xf32>
      %t = graph.transpose %x {perm = [2, 0, 1]} : (tensor<2x3x4xf32>) -> tensor<4x2x3xf32>
      %f = graph.reshape %t {shape = [4, 6]} : (tensor<4x2x3xf32>) -> tensor<4x6xf32>
      %c = graph.concat %f, %w {axis = 1} : (tensor<4x6xf32>, tensor<4x1xf32>) -> tensor<4x7xf32>
      func.return %c : tensor<4x7xf32>
    }
    """
    module = parse_text(text)
    module.verify()
    x = arange(2, 3, 4)
    (result,) = run_function(module, "main", [x])
    expected = np.concatenate([np.transpose(x, [2, 0, 1]).reshape(4, 6), np.ones((4, 1), np.float32)], axis=1)
    np.testing.assert_array_equal(result, expected)


# ---- properties: inferred types agree with evaluate


def shapes(max_rank: int = 4) -> st.SearchStrategy[tuple[int, ...]]:
    """Static shapes of rank 1 to max_rank; dims small, zero included."""
    return st.lists(st.integers(0, 5), min_size=1, max_size=max_rank).map(tuple)


@st.composite
def shaped_ops(draw: st.DrawFn) -> tuple[Callable[[list[SSAValue]], Operation], np.ndarray]:
    shape = draw(shapes(max_rank=4))
    rank = len(shape)
    kind = draw(st.sampled_from(["transpose", "slice", "pad", "flatten", "reshape", "split", "squeeze", "unsqueeze"]))
    x = arange(*shape)
    if kind == "transpose":
        perm = draw(st.permutations(range(rank)))
        return (lambda v: TransposeOp(v[0], perm)), x
    if kind == "slice":
        axes = draw(st.lists(st.integers(-rank, rank - 1), unique_by=lambda a: a % rank, min_size=1, max_size=rank))
        starts = draw(st.lists(st.integers(-10, 10), min_size=len(axes), max_size=len(axes)))
        ends = draw(st.lists(st.integers(-10, 10), min_size=len(axes), max_size=len(axes)))
        steps = draw(st.lists(st.integers(-3, 3).filter(bool), min_size=len(axes), max_size=len(axes)))
        return (lambda v: SliceOp(v[0], starts, ends, axes, steps)), x
    if kind == "pad":
        pads = draw(st.lists(st.integers(0, 3), min_size=2 * rank, max_size=2 * rank))
        return (lambda v: PadOp(v[0], pads)), x
    if kind == "flatten":
        axis = draw(st.integers(-rank, rank))
        return (lambda v: FlattenOp(v[0], axis)), x
    if kind == "reshape":
        target = draw(st.permutations(shape))
        return (lambda v: ReshapeOp(v[0], [*target, 1], allowzero=True)), x
    if kind == "split":
        axis = draw(st.integers(0, rank - 1))
        cut = draw(st.integers(0, shape[axis]))
        return (lambda v: SplitOp(v[0], [cut, shape[axis] - cut], axis)), x
    if kind == "squeeze":
        return (lambda v: SqueezeOp(v[0])), x
    axes = draw(st.lists(st.integers(0, rank), unique=True, min_size=1, max_size=2))
    return (lambda v: UnsqueezeOp(v[0], axes)), x


@given(case=shaped_ops())
def test_inferred_types_match_evaluate(case: tuple[Callable[[list[SSAValue]], Operation], np.ndarray]) -> None:
    make, x = case
    module = function_of([tensor_of(x)], make)
    module.verify()
    op = the_op(module)
    results = op.evaluate(x)  # pyright: ignore[reportAttributeAccessIssue]
    assert [tuple(t.get_shape()) for t in op.result_types] == [r.shape for r in results]  # pyright: ignore
    assert_structurally_equal(module, parse_text(print_text(module)))


@given(shape=shapes(max_rank=4), data=st.data())
def test_slice_matches_python_slicing(shape: tuple[int, ...], data: st.DataObject) -> None:
    """With in-range bounds ONNX Slice is Python slicing; clamping only widens what Python already clamps."""
    rank = len(shape)
    axis = data.draw(st.integers(0, rank - 1))
    start, end = data.draw(st.integers(-12, 12)), data.draw(st.integers(-12, 12))
    step = data.draw(st.integers(1, 3))
    x = arange(*shape)
    op = the_op(function_of([tensor_of(x)], lambda v: SliceOp(v[0], [start], [end], [axis], [step])))
    assert isinstance(op, SliceOp)
    index = [slice(None)] * rank
    index[axis] = slice(start, end, step)
    np.testing.assert_array_equal(op.evaluate(x)[0], x[tuple(index)])


def test_int_lists_are_i64_arrays() -> None:
    op = the_op(function_of([builtin.TensorType(builtin.f32, [2, 3])], lambda v: TransposeOp(v[0], [1, 0])))
    assert op.properties["perm"] == int_array([1, 0])
