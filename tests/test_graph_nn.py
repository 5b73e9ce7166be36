"""Graph dialect: nn, pooling and reduction ops — inferred types, verification, syntax, semantics."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import TypeVar, cast

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from xdsl.dialects import builtin, func
from xdsl.ir import Attribute, Block, Operation, Region
from xdsl.utils.exceptions import VerifyException

import tessel
from tessel.dialects.graph import nn, pool, reduce
from tessel.dialects.graph.base import GraphOp, OpPatternKind
from tessel.dialects.graph.interpreter import run_function

from .helpers import assert_structurally_equal

F32 = builtin.f32
OpT = TypeVar("OpT", bound=Operation)


def tensor(*shape: int, element: Attribute = F32) -> builtin.TensorType:
    return builtin.TensorType(element, shape)


def build(inputs: list[builtin.TensorType], make: Callable[..., OpT]) -> OpT:
    """`make(*block_args)` over fresh values of the given types (the op stays inside a detached block)."""
    block = Block(arg_types=inputs)
    op = make(*block.args)
    block.add_op(op)
    return op


def function_of(inputs: list[builtin.TensorType], make: Callable[..., Operation]) -> builtin.ModuleOp:
    """A module with @f(inputs) returning `make(*args)`'s result."""
    block = Block(arg_types=inputs)
    op = make(*block.args)
    block.add_ops([op, func.ReturnOp(op.results[0])])
    return builtin.ModuleOp([func.FuncOp("f", (inputs, [op.results[0].type]), Region(block))])


def shape(value_type: Attribute) -> tuple[int, ...]:
    return tuple(cast(builtin.TensorType, value_type).get_shape())


def result_shape(inputs: list[builtin.TensorType], make: Callable[..., Operation]) -> tuple[int, ...]:
    return shape(build(inputs, make).results[0].type)


def verify_error(inputs: list[builtin.TensorType], make: Callable[..., Operation]) -> str:
    """The message of the VerifyException building (or verifying) the op raises."""
    with pytest.raises(VerifyException) as info:
        build(inputs, make).verify()
    return str(info.value)


def rand(rng: np.random.Generator, *shape: int) -> np.ndarray:
    return rng.standard_normal(shape).astype(np.float32)


def evaluate(op: Operation, *inputs: np.ndarray) -> np.ndarray:
    assert isinstance(op, GraphOp)
    (y,) = op.evaluate(*inputs)
    assert y.shape == shape(op.results[0].type)
    assert y.dtype == inputs[0].dtype
    return y


# ---- naive references: loops over every output element, straight from the definitions


def conv2d_reference(x: np.ndarray, w: np.ndarray, strides, padding, dilation, groups) -> np.ndarray:
    n, c, h, width = x.shape
    o, cg, kh, kw = w.shape
    top, left, bottom, right = padding
    out_h = (h + top + bottom - (kh - 1) * dilation[0] - 1) // strides[0] + 1
    out_w = (width + left + right - (kw - 1) * dilation[1] - 1) // strides[1] + 1
    y = np.zeros((n, o, out_h, out_w))
    for b, oc, oh, ow in itertools.product(range(n), range(o), range(out_h), range(out_w)):
        group = oc // (o // groups)
        total = 0.0
        for ic, i, j in itertools.product(range(cg), range(kh), range(kw)):
            row = oh * strides[0] - top + i * dilation[0]
            col = ow * strides[1] - left + j * dilation[1]
            if 0 <= row < h and 0 <= col < width:
                total += float(x[b, group * cg + ic, row, col]) * float(w[oc, ic, i, j])
        y[b, oc, oh, ow] = total
    return y


def pool_reference(x, kernel, strides, padding, ceil_mode, kind, count_include_pad=False) -> np.ndarray:
    n, c, h, w = x.shape
    top, left, bottom, right = padding

    def size(extent, k, s, before, after):
        span = extent + before + after - k
        count = (-(-span // s) if ceil_mode else span // s) + 1
        # PyTorch/ONNX: the last window must start inside the input or the leading padding.
        return count - 1 if (count - 1) * s >= extent + before else count

    out_h, out_w = size(h, kernel[0], strides[0], top, bottom), size(w, kernel[1], strides[1], left, right)
    y = np.zeros((n, c, out_h, out_w))
    for b, ch, oh, ow in itertools.product(range(n), range(c), range(out_h), range(out_w)):
        r0, c0 = oh * strides[0] - top, ow * strides[1] - left
        r1, c1 = min(r0 + kernel[0], h + bottom), min(c0 + kernel[1], w + right)
        values = [x[b, ch, r, q] for r in range(max(r0, 0), min(r1, h)) for q in range(max(c0, 0), min(c1, w))]
        if kind == "max":
            y[b, ch, oh, ow] = max(values)
        else:
            divisor = (r1 - r0) * (c1 - c0) if count_include_pad else len(values)
            y[b, ch, oh, ow] = sum(float(v) for v in values) / divisor
    return y


def lrn_reference(x: np.ndarray, size: int, alpha: float, beta: float, bias: float) -> np.ndarray:
    n, c, h, w = x.shape
    y = np.zeros(x.shape)
    for b, ch, i, j in itertools.product(range(n), range(c), range(h), range(w)):
        lo, hi = ch - (size - 1) // 2, ch + -(-(size - 1) // 2)  # floor / ceil of (size - 1) / 2
        square_sum = sum(float(x[b, k, i, j]) ** 2 for k in range(max(lo, 0), min(hi, c - 1) + 1))
        y[b, ch, i, j] = float(x[b, ch, i, j]) / (bias + alpha / size * square_sum) ** beta
    return y


# ---- conv2d


@pytest.mark.parametrize(
    ("x", "w", "params", "expected"),
    [
        ((1, 3, 224, 224), (64, 3, 7, 7), {"strides": [2, 2], "padding": [3, 3, 3, 3]}, (1, 64, 112, 112)),
        ((2, 4, 8, 8), (6, 4, 3, 3), {}, (2, 6, 6, 6)),
        ((1, 4, 9, 7), (8, 2, 3, 3), {"groups": 2, "padding": [1, 0, 1, 2]}, (1, 8, 9, 7)),
        ((1, 8, 10, 10), (8, 1, 3, 3), {"groups": 8, "strides": [2, 1], "padding": [1, 1, 1, 1]}, (1, 8, 5, 10)),
        ((1, 2, 10, 10), (3, 2, 3, 3), {"dilation": [2, 3]}, (1, 3, 6, 4)),
        ((1, 1, 5, 5), (1, 1, 5, 5), {}, (1, 1, 1, 1)),
    ],
)
def test_conv2d_infers_shape(x, w, params, expected) -> None:
    assert result_shape([tensor(*x), tensor(*w)], lambda a, b: nn.Conv2dOp(a, b, **params)) == expected


@pytest.mark.parametrize(
    ("x", "w", "params", "message"),
    [
        ((3, 8, 8), (4, 3, 3, 3), {}, "graph.conv2d: expected input of rank 4, got tensor<3x8x8xf32>"),
        ((1, 3, 8, 8), (4, 2, 3, 3), {}, "graph.conv2d: expected weight dim 1 == input channels / groups = 3, got 2"),
        ((1, 4, 8, 8), (4, 2, 3, 3), {"groups": 3}, "graph.conv2d: input channels 4 are not divisible by groups 3"),
        ((1, 4, 8, 8), (3, 2, 3, 3), {"groups": 2}, "graph.conv2d: output channels 3 are not divisible by groups 2"),
        ((1, 4, 8, 8), (4, 4, 3, 3), {"groups": 0}, "graph.conv2d: expected groups >= 1, got 0"),
        ((1, 3, 4, 4), (4, 3, 5, 3), {}, "graph.conv2d: kernel height 5 (dilated) is larger than the padded input height 4"),
        ((1, 3, 5, 5), (4, 3, 3, 3), {"dilation": [1, 3]}, "kernel width 7 (dilated) is larger than the padded input width 5"),
        ((1, 3, 8, 8), (4, 3, 3, 3), {"strides": [1]}, "graph.conv2d: expected strides to have 2 entries, got [1]"),
        ((1, 3, 8, 8), (4, 3, 3, 3), {"strides": [0, 1]}, "graph.conv2d: expected strides entries >= 1, got [0, 1]"),
        ((1, 3, 8, 8), (4, 3, 3, 3), {"padding": [1, 1]}, "graph.conv2d: expected padding to have 4 entries, got [1, 1]"),
    ],
)
def test_conv2d_rejects(x, w, params, message) -> None:
    assert message in verify_error([tensor(*x), tensor(*w)], lambda a, b: nn.Conv2dOp(a, b, **params))


def test_conv2d_rejects_mixed_element_types() -> None:
    message = verify_error([tensor(1, 3, 8, 8), tensor(4, 3, 3, 3, element=builtin.f64)], nn.Conv2dOp)
    assert "graph.conv2d: operand element types differ: f32, f64" in message


CONV_CASES = [
    ((1, 3, 6, 6), (4, 3, 3, 3), [1, 1], [0, 0, 0, 0], [1, 1], 1),
    ((2, 4, 7, 6), (6, 2, 3, 2), [2, 1], [1, 0, 2, 1], [1, 1], 2),
    ((1, 3, 7, 7), (3, 1, 3, 3), [2, 2], [1, 1, 1, 1], [1, 1], 3),
    ((1, 2, 9, 8), (2, 2, 2, 3), [1, 2], [0, 1, 0, 1], [3, 2], 1),
]


@pytest.mark.parametrize(("x", "w", "strides", "padding", "dilation", "groups"), CONV_CASES)
def test_conv2d_matches_naive_loops(x, w, strides, padding, dilation, groups) -> None:
    rng = np.random.default_rng(0)
    data, weight = rand(rng, *x), rand(rng, *w)
    op = build(
        [tensor(*x), tensor(*w)],
        lambda a, b: nn.Conv2dOp(a, b, strides=strides, padding=padding, dilation=dilation, groups=groups),
    )
    expected = conv2d_reference(data, weight, strides, padding, dilation, groups)
    np.testing.assert_allclose(evaluate(op, data, weight), expected, rtol=1e-5, atol=1e-5)


def test_conv2d_integer_inputs_are_exact() -> None:
    rng = np.random.default_rng(1)
    data = rng.integers(-50, 50, size=(1, 2, 5, 5)).astype(np.int32)
    weight = rng.integers(-50, 50, size=(3, 2, 3, 3)).astype(np.int32)
    i32 = builtin.i32
    op = build([tensor(1, 2, 5, 5, element=i32), tensor(3, 2, 3, 3, element=i32)], nn.Conv2dOp)
    expected = conv2d_reference(data, weight, [1, 1], [0, 0, 0, 0], [1, 1], 1)
    np.testing.assert_array_equal(evaluate(op, data, weight), expected.astype(np.int32))


def test_conv2d_matches_onnx_reference() -> None:
    onnx = pytest.importorskip("onnx")
    from onnx import helper
    from onnx.reference import ReferenceEvaluator

    rng = np.random.default_rng(2)
    data, weight = rand(rng, 1, 4, 7, 6), rand(rng, 6, 2, 3, 2)
    node = helper.make_node(
        "Conv", ["x", "w"], ["y"], strides=[2, 1], pads=[1, 0, 2, 1], dilations=[1, 2], group=2
    )  # ONNX pads: [top, left, bottom, right] for 2-D, as ours
    graph = helper.make_graph(
        [node],
        "conv",
        [helper.make_tensor_value_info(n, onnx.TensorProto.FLOAT, None) for n in ("x", "w")],
        [helper.make_tensor_value_info("y", onnx.TensorProto.FLOAT, None)],
    )
    (expected,) = ReferenceEvaluator(helper.make_model(graph)).run(None, {"x": data, "w": weight})
    op = build(
        [tensor(1, 4, 7, 6), tensor(6, 2, 3, 2)],
        lambda a, b: nn.Conv2dOp(a, b, strides=[2, 1], padding=[1, 0, 2, 1], dilation=[1, 2], groups=2),
    )
    np.testing.assert_allclose(evaluate(op, data, weight), expected, rtol=1e-5, atol=1e-5)


def test_builders_store_only_given_properties() -> None:
    op = build([tensor(1, 3, 8, 8), tensor(4, 3, 3, 3)], lambda a, b: nn.Conv2dOp(a, b, strides=[2, 2]))
    assert set(op.properties) == {"strides"}
    assert isinstance(op, nn.Conv2dOp) and op.params() == ([2, 2], [0, 0, 0, 0], [1, 1], 1)
    softmax = build([tensor(2, 3)], nn.SoftmaxOp)
    assert not softmax.properties and isinstance(softmax, nn.SoftmaxOp) and softmax.axis_value() == 1
    norm = build([tensor(2, 3), tensor(3), tensor(3)], nn.LayerNormOp)
    assert isinstance(norm, nn.LayerNormOp) and norm.epsilon_value() == 1e-5 and not norm.properties


# ---- dense, matmul, batch_matmul


@pytest.mark.parametrize(
    ("x", "w", "expected"),
    [((5, 7), (3, 7), (5, 3)), ((2, 4, 7), (3, 7), (2, 4, 3)), ((7,), (3, 7), (3,))],
)
def test_dense_infers_shape(x, w, expected) -> None:
    assert result_shape([tensor(*x), tensor(*w)], nn.DenseOp) == expected


def test_dense_with_and_without_bias_matches_numpy() -> None:
    rng = np.random.default_rng(3)
    x, w, b = rand(rng, 2, 4, 7), rand(rng, 3, 7), rand(rng, 3)
    op = build([tensor(2, 4, 7), tensor(3, 7), tensor(3)], nn.DenseOp)
    assert isinstance(op, nn.DenseOp) and op.bias is not None
    np.testing.assert_allclose(evaluate(op, x, w, b), x.astype(np.float64) @ w.T + b, rtol=1e-5)
    plain = build([tensor(2, 4, 7), tensor(3, 7)], nn.DenseOp)
    assert isinstance(plain, nn.DenseOp) and plain.bias is None and len(plain.operands) == 2
    np.testing.assert_allclose(evaluate(plain, x, w), x @ w.T, rtol=1e-5)


@pytest.mark.parametrize(
    ("inputs", "message"),
    [
        ([(5, 7), (3, 6)], "graph.dense: expected weight dim 1 == input's last dim 7, got 6"),
        ([(5, 7), (3, 7, 1)], "graph.dense: expected weight of rank 2, got tensor<3x7x1xf32>"),
        ([(5, 7), (3, 7), (5,)], "graph.dense: expected bias of shape (3,), got (5,)"),
    ],
)
def test_dense_rejects(inputs, message) -> None:
    assert message in verify_error([tensor(*s) for s in inputs], nn.DenseOp)


@pytest.mark.parametrize(
    ("a", "b"),
    [((3, 4), (4, 5)), ((2, 1, 3, 4), (5, 4, 2)), ((4,), (2, 4, 3)), ((2, 3, 4), (4,)), ((4,), (4,)), ((1, 3, 4), (6, 4, 2))],
)
def test_matmul_follows_numpy(a, b) -> None:
    rng = np.random.default_rng(4)
    x, y = rand(rng, *a), rand(rng, *b)
    op = build([tensor(*a), tensor(*b)], nn.MatmulOp)
    np.testing.assert_allclose(evaluate(op, x, y), np.matmul(x, y), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize(
    ("a", "b", "message"),
    [
        ((3, 4), (5, 6), "graph.matmul: contracting dims differ: lhs dim -1 is 4, rhs dim -2 is 5"),
        ((2, 3, 4), (3, 4, 5), "graph.matmul batch dims: shapes (2,) and (3,) do not broadcast"),
    ],
)
def test_matmul_rejects(a, b, message) -> None:
    assert message in verify_error([tensor(*a), tensor(*b)], nn.MatmulOp)


def test_batch_matmul() -> None:
    rng = np.random.default_rng(5)
    x, y = rand(rng, 3, 2, 4), rand(rng, 1, 4, 5)
    op = build([tensor(3, 2, 4), tensor(1, 4, 5)], nn.BatchMatmulOp)
    np.testing.assert_allclose(evaluate(op, x, y), np.matmul(x, y), rtol=1e-5, atol=1e-6)
    message = verify_error([tensor(3, 2, 4), tensor(3, 5, 4)], nn.BatchMatmulOp)
    assert "graph.batch_matmul: expected rhs dim 1 == lhs dim 2 = 4, got 5" in message
    assert "expected lhs of rank 3" in verify_error([tensor(2, 4), tensor(3, 4, 5)], nn.BatchMatmulOp)


# ---- pooling


POOL_CASES = [
    # x, kernel, strides, padding, ceil_mode
    ((1, 2, 6, 6), [2, 2], [2, 2], [0, 0, 0, 0], False),
    ((1, 2, 7, 7), [3, 3], [2, 2], [1, 1, 1, 1], False),
    ((2, 1, 7, 6), [3, 2], [2, 2], [0, 0, 0, 0], True),
    ((1, 1, 8, 8), [3, 3], [2, 2], [1, 1, 1, 1], True),
    ((1, 2, 5, 6), [2, 3], [3, 2], [1, 0, 0, 2], True),
    ((1, 1, 6, 6), [3, 3], [1, 1], [0, 2, 1, 0], False),
]


@pytest.mark.parametrize(("x", "kernel", "strides", "padding", "ceil_mode"), POOL_CASES)
def test_max_pool2d_matches_naive_loops(x, kernel, strides, padding, ceil_mode) -> None:
    data = rand(np.random.default_rng(6), *x)
    op = build([tensor(*x)], lambda a: pool.MaxPool2dOp(a, kernel, strides, padding, ceil_mode))
    np.testing.assert_array_equal(evaluate(op, data), pool_reference(data, kernel, strides, padding, ceil_mode, "max"))


@pytest.mark.parametrize("count_include_pad", [False, True])
@pytest.mark.parametrize(("x", "kernel", "strides", "padding", "ceil_mode"), POOL_CASES)
def test_avg_pool2d_matches_naive_loops(x, kernel, strides, padding, ceil_mode, count_include_pad) -> None:
    data = rand(np.random.default_rng(7), *x)
    op = build([tensor(*x)], lambda a: pool.AvgPool2dOp(a, kernel, strides, padding, ceil_mode, count_include_pad))
    expected = pool_reference(data, kernel, strides, padding, ceil_mode, "avg", count_include_pad)
    np.testing.assert_allclose(evaluate(op, data), expected, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize(
    ("x", "kernel", "strides", "padding", "ceil_mode", "expected"),
    [
        ((1, 64, 112, 112), [3, 3], [2, 2], [1, 1, 1, 1], False, (1, 64, 56, 56)),
        ((1, 1, 6, 6), [3, 3], [2, 2], [0, 0, 0, 0], False, (1, 1, 2, 2)),
        ((1, 1, 6, 6), [3, 3], [2, 2], [0, 0, 0, 0], True, (1, 1, 3, 3)),
        # Ceil mode's extra window would start in the bottom padding, so it is dropped.
        ((1, 1, 5, 5), [2, 2], [2, 2], [1, 1, 1, 1], True, (1, 1, 3, 3)),
    ],
)
def test_pool_infers_shape(x, kernel, strides, padding, ceil_mode, expected) -> None:
    assert result_shape([tensor(*x)], lambda a: pool.MaxPool2dOp(a, kernel, strides, padding, ceil_mode)) == expected


@pytest.mark.parametrize(
    ("x", "kernel", "params", "message"),
    [
        ((2, 6, 6), [2, 2], {}, "graph.max_pool2d: expected input of rank 4, got tensor<2x6x6xf32>"),
        ((1, 1, 3, 3), [4, 2], {}, "graph.max_pool2d: kernel height 4 (dilated) is larger than the padded input height 3"),
        ((1, 1, 6, 6), [2], {}, "graph.max_pool2d: expected kernel to have 2 entries, got [2]"),
        ((1, 1, 6, 6), [2, 2], {"padding": [0, 2, 0, 0]}, "expected width padding smaller than kernel width 2, got 2, 0"),
    ],
)
def test_pool_rejects(x, kernel, params, message) -> None:
    assert message in verify_error([tensor(*x)], lambda a: pool.MaxPool2dOp(a, kernel, **params))


def test_pool_without_kernel_is_rejected() -> None:
    module = tessel.parse(
        "func.func @f(%x: tensor<1x1x4x4xf32>) -> tensor<1x1x4x4xf32> {\n"
        "  %y = graph.max_pool2d %x : tensor<1x1x4x4xf32>\n  func.return %y : tensor<1x1x4x4xf32>\n}"
    )
    with pytest.raises(VerifyException, match="graph.max_pool2d: expected a kernel property"):
        module.verify()


def test_global_avg_pool2d() -> None:
    data = rand(np.random.default_rng(8), 2, 3, 4, 5)
    op = build([tensor(2, 3, 4, 5)], pool.GlobalAvgPool2dOp)
    np.testing.assert_allclose(evaluate(op, data), data.mean(axis=(2, 3), keepdims=True), rtol=1e-6)
    assert "graph.global_avg_pool2d: expected input of rank 4" in verify_error([tensor(3, 4, 5)], pool.GlobalAvgPool2dOp)


# ---- normalization and softmax


def test_batch_norm_matches_formula() -> None:
    rng = np.random.default_rng(9)
    x, gamma, beta, mean = rand(rng, 2, 3, 4, 4), rand(rng, 3), rand(rng, 3), rand(rng, 3)
    variance = rng.uniform(0.5, 2.0, 3).astype(np.float32)
    types = [tensor(2, 3, 4, 4)] + [tensor(3)] * 4
    op = build(types, lambda *v: nn.BatchNormOp(*v, epsilon=1e-3))
    c = (1, 3, 1, 1)
    expected = (x - mean.reshape(c)) / np.sqrt(variance.reshape(c) + 1e-3) * gamma.reshape(c) + beta.reshape(c)
    np.testing.assert_allclose(evaluate(op, x, gamma, beta, mean, variance), expected, rtol=1e-5, atol=1e-6)
    # Channels last: per-channel vectors broadcast along axis -1.
    rows = rand(rng, 2, 5)
    last = build([tensor(2, 5)] + [tensor(5)] * 4, lambda *v: nn.BatchNormOp(*v, axis=-1))
    ones, zeros = np.ones(5, np.float32), np.zeros(5, np.float32)
    np.testing.assert_allclose(evaluate(last, rows, ones, zeros, zeros, ones), rows / np.sqrt(1 + 1e-5), rtol=1e-6)


@pytest.mark.parametrize(
    ("types", "params", "message"),
    [
        ([(2, 3, 4)] + [(4,)] * 4, {}, "graph.batch_norm: expected gamma of shape (3,) (input dim 1), got (4,)"),
        (
            [(2, 3, 4), (3,), (3,), (3,), (3, 1)],
            {},
            "graph.batch_norm: expected variance of shape (3,) (input dim 1), got (3, 1)",
        ),
        ([(2, 3)] + [(3,)] * 4, {"axis": 2}, "graph.batch_norm: axis 2 is out of range for rank 2"),
    ],
)
def test_batch_norm_rejects(types, params, message) -> None:
    assert message in verify_error([tensor(*s) for s in types], lambda *v: nn.BatchNormOp(*v, **params))


@pytest.mark.parametrize("axis", [-1, 1, 2, -3])
def test_layer_norm_normalizes_trailing_dims(axis: int) -> None:
    rng = np.random.default_rng(10)
    x = rand(rng, 2, 3, 4)
    normalized = x.shape[axis % 3 :]
    gamma, beta = rand(rng, *normalized), rand(rng, *normalized)
    op = build([tensor(2, 3, 4), tensor(*normalized), tensor(*normalized)], lambda *v: nn.LayerNormOp(*v, axis=axis))
    axes = tuple(range(axis % 3, 3))
    wide = x.astype(np.float64)
    mean, variance = wide.mean(axis=axes, keepdims=True), wide.var(axis=axes, keepdims=True)
    expected = (wide - mean) / np.sqrt(variance + 1e-5) * gamma + beta
    np.testing.assert_allclose(evaluate(op, x, gamma, beta), expected, rtol=1e-5, atol=1e-5)


def test_layer_norm_rejects() -> None:
    message = verify_error([tensor(2, 3, 4), tensor(4), tensor(4)], lambda *v: nn.LayerNormOp(*v, axis=1))
    assert "graph.layer_norm: expected gamma of shape (3, 4) (input dims 1..), got (4,)" in message
    message = verify_error([tensor(2, 3), tensor(3), tensor(3)], lambda *v: nn.LayerNormOp(*v, axis=-3))
    assert "graph.layer_norm: axis -3 is out of range for rank 2 (expected -2 <= axis < 2)" in message


@pytest.mark.parametrize("axis", [None, 0, 1, -2])
def test_softmax(axis: int | None) -> None:
    x = rand(np.random.default_rng(11), 3, 4, 5) * 30  # large values: the max shift must keep exp finite
    op = build([tensor(3, 4, 5)], lambda a: nn.SoftmaxOp(a, axis))
    along = -1 if axis is None else axis
    e = np.exp(x.astype(np.float64) - x.max(axis=along, keepdims=True))
    y = evaluate(op, x)
    np.testing.assert_allclose(y, e / e.sum(axis=along, keepdims=True), rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(y.sum(axis=along), 1.0, rtol=1e-5)
    assert "graph.softmax: axis 3 is out of range for rank 3" in verify_error([tensor(3, 4, 5)], lambda a: nn.SoftmaxOp(a, 3))


@pytest.mark.parametrize(
    ("size", "params"),
    [
        (1, {}),
        (3, {}),
        (4, {"alpha": 0.5, "beta": 0.6, "bias": 2.0}),
        (5, {"alpha": 2.0, "beta": 1.0}),
        (9, {"bias": 0.5}),  # wider than the 5 channels
    ],
)
def test_lrn_matches_naive_loops(size: int, params: dict[str, float]) -> None:
    x = rand(np.random.default_rng(14), 2, 5, 3, 4) * 3
    op = build([tensor(2, 5, 3, 4)], lambda a: nn.LrnOp(a, size, **params))
    assert op.results[0].type == tensor(2, 5, 3, 4)
    expected = lrn_reference(x, size, params.get("alpha", 1e-4), params.get("beta", 0.75), params.get("bias", 1.0))
    np.testing.assert_allclose(evaluate(op, x), expected, rtol=1e-5, atol=1e-6)


def test_lrn_defaults_and_inferred_type() -> None:
    op = build([tensor(1, 3, 2, 2, element=builtin.f64)], lambda a: nn.LrnOp(a, 3))
    assert op.results[0].type == tensor(1, 3, 2, 2, element=builtin.f64)
    assert (op.alpha, op.beta, op.bias) == (None, None, None)
    assert (op.size_value(), op.alpha_value(), op.beta_value(), op.bias_value()) == (3, 1e-4, 0.75, 1.0)


def test_lrn_rejects() -> None:
    assert "graph.lrn: expected size >= 1, got 0" in verify_error([tensor(1, 3, 2, 2)], lambda a: nn.LrnOp(a, 0))
    assert "graph.lrn: expected input of rank 4, got tensor<3x2x2xf32>" in verify_error(
        [tensor(3, 2, 2)], lambda a: nn.LrnOp(a, 3)
    )


# ---- reductions


REDUCE_REFERENCE = {reduce.ReduceSumOp: np.sum, reduce.ReduceMeanOp: np.mean, reduce.ReduceMaxOp: np.max}


@pytest.mark.parametrize("op_type", list(REDUCE_REFERENCE), ids=lambda t: t.name)
@pytest.mark.parametrize(
    ("axes", "keepdims", "expected"),
    [
        (None, None, (1, 1, 1)),
        ([], False, ()),
        ([1], None, (2, 1, 4)),
        ([-1, 0], False, (3,)),
        ([2, 1], True, (2, 1, 1)),
    ],
)
def test_reduce(op_type, axes, keepdims, expected) -> None:
    x = rand(np.random.default_rng(12), 2, 3, 4)
    op = build([tensor(2, 3, 4)], lambda a: op_type(a, axes, keepdims))
    assert shape(op.results[0].type) == expected
    numpy_axes = tuple(axes) if axes else None
    reference = REDUCE_REFERENCE[op_type](x.astype(np.float64), axis=numpy_axes, keepdims=keepdims is not False)
    np.testing.assert_allclose(evaluate(op, x), reference, rtol=1e-5)


def test_reduce_rejects_bad_axes() -> None:
    assert "graph.reduce_sum: axis 3 is out of range for rank 3" in verify_error(
        [tensor(2, 3, 4)], lambda a: reduce.ReduceSumOp(a, [3])
    )
    assert "graph.reduce_max: expected distinct axes, got [1, -2]" in verify_error(
        [tensor(2, 3, 4)], lambda a: reduce.ReduceMaxOp(a, [1, -2])
    )


def test_pattern_kinds_follow_tvm() -> None:
    fusable = [nn.Conv2dOp, nn.DenseOp, nn.MatmulOp, nn.BatchMatmulOp, pool.MaxPool2dOp, pool.AvgPool2dOp]
    assert all(t.PATTERN_KIND == OpPatternKind.OUT_ELEMWISE_FUSABLE for t in [*fusable, pool.GlobalAvgPool2dOp])
    assert all(t.PATTERN_KIND == OpPatternKind.COMM_REDUCE for t in reduce.REDUCE_OPS)
    assert nn.SoftmaxOp.PATTERN_KIND == nn.LrnOp.PATTERN_KIND == OpPatternKind.OPAQUE


# ---- syntax and the interpreter


SYNTAX_CASES: list[tuple[list[builtin.TensorType], Callable[..., Operation]]] = [
    (
        [tensor(1, 4, 9, 9), tensor(8, 2, 3, 3)],
        lambda a, b: nn.Conv2dOp(a, b, strides=[2, 2], padding=[1, 1, 1, 1], dilation=[1, 2], groups=2),
    ),
    ([tensor(5, 7), tensor(3, 7), tensor(3)], nn.DenseOp),
    ([tensor(5, 7), tensor(3, 7)], nn.DenseOp),
    ([tensor(2, 3, 4), tensor(4, 5)], nn.MatmulOp),
    ([tensor(2, 3, 4), tensor(2, 4, 5)], nn.BatchMatmulOp),
    ([tensor(1, 2, 7, 7)], lambda a: pool.MaxPool2dOp(a, [3, 3], [2, 2], [1, 1, 1, 1], ceil_mode=True)),
    ([tensor(1, 2, 7, 7)], lambda a: pool.AvgPool2dOp(a, [3, 3], [2, 2], [1, 1, 1, 1], count_include_pad=True)),
    ([tensor(1, 2, 7, 7)], pool.GlobalAvgPool2dOp),
    ([tensor(2, 3, 4, 4)] + [tensor(3)] * 4, lambda *v: nn.BatchNormOp(*v, epsilon=1e-3)),
    ([tensor(2, 3, 4), tensor(3, 4), tensor(3, 4)], lambda *v: nn.LayerNormOp(*v, axis=1, epsilon=1e-6)),
    ([tensor(2, 3)], lambda a: nn.SoftmaxOp(a, axis=0)),
    ([tensor(1, 4, 3, 3)], lambda a: nn.LrnOp(a, 3)),
    ([tensor(1, 4, 3, 3)], lambda a: nn.LrnOp(a, 2, alpha=0.5, beta=0.6, bias=2.0)),
    ([tensor(2, 3, 4)], lambda a: reduce.ReduceSumOp(a, [0, 2], keepdims=False)),
    ([tensor(2, 3, 4)], lambda a: reduce.ReduceMeanOp(a, [1])),
    ([tensor(2, 3, 4)], reduce.ReduceMaxOp),
]


@pytest.mark.parametrize(("inputs", "make"), SYNTAX_CASES)
def test_syntax_roundtrips_and_interprets(inputs, make) -> None:
    module = function_of(inputs, make)
    module.verify()
    custom = tessel.print_ir(module)
    assert '"graph.' not in custom  # printed in the custom form
    assert_structurally_equal(module, tessel.parse(custom))
    assert_structurally_equal(module, tessel.parse(tessel.print_ir(module, True)))
    rng = np.random.default_rng(13)
    arrays = [rng.uniform(0.5, 1.5, t.get_shape()).astype(np.float32) for t in inputs]
    function = module.body.block.first_op
    assert isinstance(function, func.FuncOp)
    op = function.body.block.first_op
    assert isinstance(op, GraphOp)
    (result,) = run_function(tessel.parse(custom), "f", arrays)
    np.testing.assert_array_equal(result, op.evaluate(*arrays)[0])


# ---- properties


@st.composite
def conv_params(draw: st.DrawFn) -> tuple[tuple[int, ...], tuple[int, ...], dict[str, object]]:
    groups = draw(st.integers(1, 3))
    c, o = groups * draw(st.integers(1, 2)), groups * draw(st.integers(1, 2))
    kh, kw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    dilation = [draw(st.integers(1, 2)), draw(st.integers(1, 2))]
    padding = [draw(st.integers(0, 2)) for _ in range(4)]
    h = draw(st.integers(max(1, (kh - 1) * dilation[0] + 1 - padding[0] - padding[2]), 7))
    w = draw(st.integers(max(1, (kw - 1) * dilation[1] + 1 - padding[1] - padding[3]), 7))
    strides = [draw(st.integers(1, 3)), draw(st.integers(1, 3))]
    params = {"strides": strides, "padding": padding, "dilation": dilation, "groups": groups}
    return (draw(st.integers(1, 2)), c, h, w), (o, c // groups, kh, kw), params


@given(case=conv_params(), seed=st.integers(0, 2**32 - 1))
def test_conv2d_inferred_shape_is_evaluated_shape(case, seed: int) -> None:
    x, w, params = case
    rng = np.random.default_rng(seed)
    data, weight = rand(rng, *x), rand(rng, *w)
    op = build([tensor(*x), tensor(*w)], lambda a, b: nn.Conv2dOp(a, b, **params))
    op.verify()
    # `evaluate` asserts its shape is the inferred one; the naive loops check the values.
    expected = conv2d_reference(data, weight, params["strides"], params["padding"], params["dilation"], params["groups"])
    np.testing.assert_allclose(evaluate(op, data, weight), expected, rtol=1e-4, atol=1e-4)


@st.composite
def pool_params(draw: st.DrawFn) -> tuple[tuple[int, ...], list[int], list[int], list[int], bool]:
    kernel = [draw(st.integers(1, 3)), draw(st.integers(1, 3))]
    padding = [draw(st.integers(0, kernel[i % 2] - 1)) for i in range(4)]
    h = draw(st.integers(max(1, kernel[0] - padding[0] - padding[2]), 7))
    w = draw(st.integers(max(1, kernel[1] - padding[1] - padding[3]), 7))
    strides = [draw(st.integers(1, 3)), draw(st.integers(1, 3))]
    return (1, 2, h, w), kernel, strides, padding, draw(st.booleans())


@given(case=pool_params(), count_include_pad=st.booleans(), seed=st.integers(0, 2**32 - 1))
def test_pool_inferred_shape_is_evaluated_shape(case, count_include_pad: bool, seed: int) -> None:
    x, kernel, strides, padding, ceil_mode = case
    data = rand(np.random.default_rng(seed), *x)
    max_op = build([tensor(*x)], lambda a: pool.MaxPool2dOp(a, kernel, strides, padding, ceil_mode))
    reference = pool_reference(data, kernel, strides, padding, ceil_mode, "max")
    np.testing.assert_array_equal(evaluate(max_op, data), reference)
    avg_op = build([tensor(*x)], lambda a: pool.AvgPool2dOp(a, kernel, strides, padding, ceil_mode, count_include_pad))
    reference = pool_reference(data, kernel, strides, padding, ceil_mode, "avg", count_include_pad)
    np.testing.assert_allclose(evaluate(avg_op, data), reference, rtol=1e-5, atol=1e-6)
