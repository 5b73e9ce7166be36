"""tessel.ops.nn: conv2d, dense, matmul and batch_matmul computes under their default CPU schedules, compiled
with LLVM and compared with the graph ops' numpy semantics."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from xdsl.ir import SSAValue

import tessel
from tessel import ops
from tessel.frontends import te
from tessel.frontends.graph_builder import GraphBuilder
from tessel.ops import BROADCAST_TAG, ELEMWISE_TAG, OpsError, compute_of, schedule_group

from .ops_check import check_graph_op


def random(shape: tuple[int, ...], seed: int = 0, dtype: str = "float32") -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


def check_conv2d(data: tuple[int, ...], weight: tuple[int, ...], attributes: dict[str, object], seed: int = 0) -> None:
    g = GraphBuilder("f")
    y = g.conv2d(g.input("x", data), g.input("w", weight), **attributes)
    check_graph_op(y.owner, [random(data, seed), random(weight, seed + 1)])


def check_binary(method: str, lhs: tuple[int, ...], rhs: tuple[int, ...], seed: int = 0) -> None:
    g = GraphBuilder("f")
    y = getattr(g, method)(g.input("a", lhs), g.input("b", rhs))
    check_graph_op(y.owner, [random(lhs, seed), random(rhs, seed + 1)])


def check_dense(data: tuple[int, ...], units: int, bias: bool, seed: int = 0) -> None:
    g = GraphBuilder("f")
    weight = (units, data[-1])
    operands = [g.input("x", data), g.input("w", weight)]
    arrays = [random(data, seed), random(weight, seed + 1)]
    if bias:
        operands.append(g.input("b", (units,)))
        arrays.append(random((units,), seed + 2))
    y = g.dense(*operands)
    check_graph_op(y.owner, arrays)


# ----------------------------------------------------------------------------- conv2d


@pytest.mark.parametrize(
    ("data", "weight", "attributes"),
    [
        pytest.param((1, 8, 10, 10), (16, 8, 3, 3), {"padding": [1, 1, 1, 1]}, id="resnet-3x3-pad1"),
        pytest.param((1, 16, 7, 7), (8, 16, 1, 1), {}, id="1x1"),
        pytest.param((1, 3, 20, 20), (8, 3, 7, 7), {"strides": [2, 2], "padding": [3, 3, 3, 3]}, id="7x7-stride2-pad3"),
        pytest.param((1, 4, 9, 11), (6, 4, 3, 3), {"strides": [2, 2]}, id="stride2-nopad"),
        pytest.param((1, 4, 12, 12), (4, 4, 3, 3), {"dilation": [2, 2], "padding": [2, 2, 2, 2]}, id="dilation2"),
        pytest.param((1, 6, 8, 8), (4, 3, 3, 3), {"groups": 2, "padding": [1, 1, 1, 1]}, id="groups2"),
        pytest.param((1, 8, 9, 9), (8, 1, 3, 3), {"groups": 8, "padding": [1, 1, 1, 1]}, id="depthwise"),
        pytest.param((1, 4, 9, 9), (8, 1, 3, 3), {"groups": 4, "strides": [2, 2]}, id="depthwise-multiplier2"),
        pytest.param((1, 3, 7, 9), (5, 3, 3, 2), {"padding": [0, 2, 1, 0]}, id="asymmetric-padding"),
        pytest.param((2, 5, 6, 13), (7, 5, 3, 3), {"padding": [1, 1, 1, 1]}, id="batch2-odd-width"),
        pytest.param((1, 4, 5, 70), (5, 4, 3, 3), {"padding": [1, 1, 1, 1]}, id="wide-row"),
        pytest.param((1, 2, 4, 67), (3, 2, 1, 3), {}, id="prime-width"),
        pytest.param((1, 32, 16, 16), (32, 32, 3, 3), {"padding": [1, 1, 1, 1]}, id="parallel"),
        # Strided convolutions read a phase-split copy of the input; short rows are computed as one flat row.
        pytest.param(
            (1, 4, 13, 13),
            (6, 4, 3, 3),
            {"strides": [2, 2], "padding": [2, 2, 2, 2], "dilation": [2, 2]},
            id="stride2-pad-dilation2",
        ),
        pytest.param(
            (1, 4, 12, 11),
            (6, 4, 3, 2),
            {"strides": [2, 3], "padding": [1, 0, 2, 1], "dilation": [1, 2]},
            id="stride2x3-dilation1x2",
        ),
        pytest.param((1, 3, 5, 64), (4, 3, 3, 3), {"strides": [2, 2], "padding": [1, 1, 1, 1]}, id="stride2-whole-vector-rows"),
        pytest.param((2, 16, 7, 7), (24, 16, 1, 1), {}, id="1x1-7x7-batch2"),
        pytest.param((1, 8, 14, 14), (16, 8, 1, 1), {}, id="1x1-14x14"),
        pytest.param((1, 8, 14, 14), (20, 8, 1, 1), {"strides": [2, 2]}, id="1x1-stride2-14x14"),
        pytest.param((2, 8, 28, 28), (16, 8, 1, 1), {"strides": [2, 2]}, id="1x1-stride2-28x28-batch2"),
        pytest.param((2, 8, 8, 6), (5, 8, 1, 1), {}, id="1x1-unpadded-flat-batch2"),
        pytest.param((1, 4, 4, 40), (6, 4, 1, 1), {}, id="1x1-wide-row"),
        pytest.param((2, 8, 7, 7), (8, 8, 3, 3), {"padding": [1, 1, 1, 1]}, id="3x3-7x7-batch2"),
        pytest.param(
            (1, 4, 6, 66), (4, 1, 3, 3), {"groups": 4, "strides": [2, 2], "padding": [1, 1, 1, 1]}, id="depthwise-stride2-phases"
        ),
        pytest.param((1, 16, 14, 14), (16, 16, 3, 3), {"strides": [2, 2], "padding": [1, 1, 1, 1]}, id="3x3-stride2-14x14"),
    ],
)
def test_conv2d(data: tuple[int, ...], weight: tuple[int, ...], attributes: dict[str, object]) -> None:
    check_conv2d(data, weight, attributes)


@st.composite
def conv2d_cases(draw: st.DrawFn) -> tuple[tuple[int, ...], tuple[int, ...], dict[str, object]]:
    groups = draw(st.integers(1, 3))
    channels = groups * draw(st.integers(1, 3))
    out_channels = groups * draw(st.integers(1, 3))
    kernel = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    strides = [draw(st.integers(1, 2)), draw(st.integers(1, 2))]
    dilation = [draw(st.integers(1, 2)), draw(st.integers(1, 2))]
    padding = [draw(st.integers(0, 2)) for _ in range(4)]
    extents = [(k - 1) * d + 1 for k, d in zip(kernel, dilation, strict=True)]
    height = draw(st.integers(max(1, extents[0] - padding[0] - padding[2]), 9))
    width = draw(st.integers(max(1, extents[1] - padding[1] - padding[3]), 19))
    data = (draw(st.integers(1, 2)), channels, height, width)
    weight = (out_channels, channels // groups, *kernel)
    return data, weight, {"strides": strides, "padding": padding, "dilation": dilation, "groups": groups}


@settings(max_examples=25, deadline=None)
@given(case=conv2d_cases(), seed=st.integers(0, 2**16))
def test_conv2d_matches_numpy(case: tuple[tuple[int, ...], tuple[int, ...], dict[str, object]], seed: int) -> None:
    data, weight, attributes = case
    check_conv2d(data, weight, attributes, seed)


def test_conv2d_without_padding_has_no_padding_stage() -> None:
    out = ops.conv2d(te.placeholder((1, 4, 8, 34)), te.placeholder((4, 4, 3, 3)))
    assert out.op.tag == "conv2d_nchw"
    assert all(not isinstance(t.op, te.ComputeOp) for t in out.op.input_tensors)
    padded = ops.conv2d(te.placeholder((1, 4, 8, 40)), te.placeholder((4, 1, 3, 3)), padding=(1, 1, 1, 1), groups=4)
    assert padded.op.tag == "depthwise_conv2d_nchw"
    assert [t.op.tag for t in padded.op.input_tensors if isinstance(t.op, te.ComputeOp)] == [ops.INTERNAL_TAG]


def test_conv2d_computes_short_rows_as_one_flat_row() -> None:
    # 14 x 14 outputs are computed as 224 (14 vectors) flat positions over a zero-padded copy (16 rows of
    # 14), then cropped.
    out = ops.conv2d(te.placeholder((1, 4, 14, 14)), te.placeholder((8, 4, 1, 1)))
    assert out.shape == (1, 8, 14, 14)
    assert out.op.tag == ops.INJECTIVE_TAG
    (flat,) = out.op.input_tensors
    assert flat.shape == (1, 8, 224)
    assert flat.op.tag == "conv2d_nchw"
    assert [t.shape for t in flat.op.input_tensors if isinstance(t.op, te.ComputeOp)] == [(1, 4, 1, 1, 16, 14)]
    # Strided: the copy holds the phases the taps read, in rows of 7 + 1 columns (3 taps at stride 2).
    strided = ops.conv2d(te.placeholder((1, 4, 14, 14)), te.placeholder((8, 4, 3, 3)), strides=(2, 2), padding=(1, 1, 1, 1))
    (flat,) = strided.op.input_tensors
    assert [t.shape for t in flat.op.input_tensors if isinstance(t.op, te.ComputeOp)] == [(1, 4, 2, 2, 10, 8)]


def test_conv2d_widens_short_depthwise_rows_to_a_vector() -> None:
    # 14 output columns are computed as 16 (reading zero columns of the padding stage), then cropped.
    out = ops.conv2d(te.placeholder((1, 4, 14, 14)), te.placeholder((4, 1, 3, 3)), padding=(1, 1, 1, 1), groups=4)
    assert out.op.tag == ops.INJECTIVE_TAG
    (wide,) = out.op.input_tensors
    assert wide.shape == (1, 4, 14, 16)
    assert wide.op.tag == "depthwise_conv2d_nchw"
    check_conv2d((1, 4, 14, 14), (4, 1, 3, 3), {"padding": [1, 1, 1, 1], "groups": 4})


def test_depthwise_conv2d_pads_and_phase_splits_each_channel_block_in_its_task() -> None:
    # The padding (stride 1) or phase-split copy (stride 2, long rows) is computed inside the parallel loop over
    # channel blocks, one block's channels at a time, not for the whole input at root.
    for strides, copy in (((1, 1), "pad"), ((2, 2), "phases")):
        x, w = te.placeholder((2, 40, 34, 66), name="x"), te.placeholder((40, 1, 3, 3), name="w")
        out = ops.conv2d(x, w, strides=strides, padding=(1, 1, 1, 1), groups=40)
        ir = tessel.print_ir(tessel.lower(schedule_group([out]), [x, w, out], name="k").module)
        # 16 tasks (2 images x 8 blocks of 5 channels), each with a copy of its 5 channels.
        assert "loop.for %b_f_outer_fused = 0 to 16 parallel" in ir
        assert ir.index(f'loop.alloc "{copy}" in "global" : memref<1x5x') > ir.index("parallel")
        check_conv2d((2, 40, 34, 66), (40, 1, 3, 3), {"strides": list(strides), "padding": [1, 1, 1, 1], "groups": 40})


def test_conv2d_rejects_integers() -> None:
    g = GraphBuilder("f")
    y = g.conv2d(g.input("x", (1, 2, 4, 4), np.int32), g.input("w", (2, 2, 3, 3), np.int32))
    with pytest.raises(OpsError, match="graph.conv2d"):
        compute_of(y.owner, [te.placeholder((1, 2, 4, 4), "int32"), te.placeholder((2, 2, 3, 3), "int32")])


# ----------------------------------------------------------------------------- dense


@pytest.mark.parametrize(
    ("data", "units", "bias"),
    [
        pytest.param((1, 64), 10, False, id="mlp-m1"),
        pytest.param((1, 512), 37, True, id="mlp-m1-bias-large-k"),
        pytest.param((5, 37), 13, True, id="m5-odd"),
        pytest.param((5, 21), 3, False, id="m5-k21"),
        pytest.param((2, 3, 48), 7, True, id="rank3"),
        pytest.param((7,), 5, False, id="vector"),
        pytest.param((64, 256), 96, True, id="parallel"),
    ],
)
def test_dense(data: tuple[int, ...], units: int, bias: bool) -> None:
    check_dense(data, units, bias)


@settings(max_examples=25, deadline=None)
@given(
    lead=st.lists(st.integers(1, 6), min_size=0, max_size=2).map(tuple),
    k=st.integers(1, 70),
    units=st.integers(1, 20),
    bias=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_dense_matches_numpy(lead: tuple[int, ...], k: int, units: int, bias: bool, seed: int) -> None:
    check_dense((*lead, k), units, bias, seed)


# ----------------------------------------------------------------------------- matmul, batch_matmul


@pytest.mark.parametrize(
    ("lhs", "rhs"),
    [
        pytest.param((5, 7), (7, 9), id="2d"),
        pytest.param((16, 40), (40, 64), id="2d-vector-columns"),
        pytest.param((2, 1, 5, 7), (3, 7, 33), id="broadcast-batch"),
        pytest.param((7,), (2, 7, 3), id="vector-lhs"),
        pytest.param((7,), (7, 40), id="vector-times-matrix"),
        pytest.param((2, 4, 7), (7,), id="vector-rhs"),
        pytest.param((96, 64), (64, 128), id="parallel"),
    ],
)
def test_matmul(lhs: tuple[int, ...], rhs: tuple[int, ...]) -> None:
    check_binary("matmul", lhs, rhs)


@st.composite
def matmul_shapes(draw: st.DrawFn) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Operand shapes numpy.matmul accepts: batch dims drawn from one shape (or 1, broadcasting), either
    side maybe a vector."""
    batch = draw(st.lists(st.integers(1, 3), max_size=2))

    def batch_dims() -> tuple[int, ...]:
        dims = batch[len(batch) - draw(st.integers(0, len(batch))) :]
        return tuple(d if draw(st.booleans()) else 1 for d in dims)

    n, k, m = draw(st.integers(1, 9)), draw(st.integers(1, 9)), draw(st.integers(1, 35))
    vector = draw(st.sampled_from(["none", "none", "lhs", "rhs"]))
    lhs = (k,) if vector == "lhs" else (*batch_dims(), n, k)
    rhs = (k,) if vector == "rhs" else (*batch_dims(), k, m)
    return lhs, rhs


@settings(max_examples=25, deadline=None)
@given(shapes=matmul_shapes(), seed=st.integers(0, 2**16))
def test_matmul_matches_numpy(shapes: tuple[tuple[int, ...], tuple[int, ...]], seed: int) -> None:
    check_binary("matmul", *shapes, seed=seed)


@pytest.mark.parametrize(
    ("lhs", "rhs"),
    [
        pytest.param((3, 5, 7), (3, 7, 20), id="batch3"),
        pytest.param((1, 6, 7), (4, 7, 32), id="broadcast-lhs"),
        pytest.param((4, 6, 7), (1, 7, 5), id="broadcast-rhs"),
    ],
)
def test_batch_matmul(lhs: tuple[int, ...], rhs: tuple[int, ...]) -> None:
    check_binary("batch_matmul", lhs, rhs)


@settings(max_examples=20, deadline=None)
@given(
    batch=st.integers(1, 3),
    broadcast=st.sampled_from(["none", "lhs", "rhs"]),
    n=st.integers(1, 9),
    k=st.integers(1, 20),
    m=st.integers(1, 35),
    seed=st.integers(0, 2**16),
)
def test_batch_matmul_matches_numpy(batch: int, broadcast: str, n: int, k: int, m: int, seed: int) -> None:
    check_binary("batch_matmul", (1 if broadcast == "lhs" else batch, n, k), (1 if broadcast == "rhs" else batch, k, m), seed)


# ----------------------------------------------------------------------------- fused groups


def relu_of_sum(anchor: te.Tensor, bias: te.Tensor, channel_axis: int) -> te.Tensor:
    """relu(anchor + bias[channel]) as two elementwise stages (the second the group output)."""
    shifted = te.compute(anchor.shape, lambda *i: anchor[i] + bias[i[channel_axis]], name="add", tag=BROADCAST_TAG)
    return te.compute(anchor.shape, lambda *i: te.max(shifted[i], te.const(0.0, "float32")), name="relu", tag=ELEMWISE_TAG)


def run(schedule: te.Schedule, tensors: list[te.Tensor], arrays: list[np.ndarray]) -> np.ndarray:
    result = np.zeros(tensors[-1].shape, np.float32)
    tessel.build(schedule, tensors, name="kernel")(*arrays, result)
    return result


@pytest.mark.parametrize(
    ("data", "weight", "attributes"),
    [
        # Rows shorter than 32 are computed as one flat row, at root: the output reads a crop of it.
        pytest.param((1, 8, 10, 10), (16, 8, 3, 3), {"padding": (1, 1, 1, 1)}, id="3x3-widened"),
        # Longer rows: the register block is the anchor itself, computed at the output's block.
        pytest.param((1, 4, 5, 40), (6, 4, 3, 3), {"padding": (1, 1, 1, 1)}, id="3x3-whole-row"),
        pytest.param((2, 6, 9, 33), (6, 1, 3, 3), {"padding": (1, 0, 1, 2), "groups": 6, "strides": (2, 1)}, id="depthwise"),
        pytest.param((1, 4, 6, 70), (4, 2, 1, 3), {"groups": 2, "strides": (1, 2)}, id="groups2-stride2"),
        pytest.param((1, 32, 16, 16), (32, 32, 3, 3), {"padding": (1, 1, 1, 1)}, id="parallel"),
        pytest.param((2, 8, 14, 14), (12, 8, 1, 1), {"strides": (2, 2)}, id="1x1-stride2-flat"),
        pytest.param((1, 3, 8, 66), (8, 3, 7, 7), {"strides": (2, 2), "padding": (3, 3, 3, 3)}, id="7x7-stride2-phases"),
    ],
)
def test_fused_conv2d_bias_relu(data: tuple[int, ...], weight: tuple[int, ...], attributes: dict[str, object]) -> None:
    x, w, b = te.placeholder(data, name="x"), te.placeholder(weight, name="w"), te.placeholder((weight[0],), name="b")
    out = relu_of_sum(ops.conv2d(x, w, **attributes), b, 1)  # type: ignore[arg-type]
    arrays = [random(data), random(weight, 1), random((weight[0],), 2)]
    g = GraphBuilder("f")
    conv = g.conv2d(*(g.input(n, a.shape) for n, a in zip("xw", arrays, strict=False)), **attributes)
    assert isinstance(conv, SSAValue)
    (expected,) = conv.owner.evaluate(*arrays[:2])  # type: ignore[union-attr]
    expected = np.maximum(expected + arrays[2][None, :, None, None], 0)
    np.testing.assert_allclose(run(schedule_group([out]), [x, w, b, out], arrays), expected, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize(("rows", "k", "units"), [(1, 64, 10), (5, 37, 13), (1, 7, 3)])
def test_fused_dense_relu(rows: int, k: int, units: int) -> None:
    x, w, b = te.placeholder((rows, k), name="x"), te.placeholder((units, k), name="w"), te.placeholder((units,), name="b")
    out = relu_of_sum(ops.dense(x, w), b, 1)
    arrays = [random((rows, k)), random((units, k), 1), random((units,), 2)]
    expected = np.maximum(arrays[0].astype(np.float64) @ arrays[1].T + arrays[2], 0)
    np.testing.assert_allclose(run(schedule_group([out]), [x, w, b, out], arrays), expected, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize(("lhs", "rhs"), [((5, 7), (7, 9)), ((2, 6, 7), (2, 7, 40))])
def test_fused_matmul_relu(lhs: tuple[int, ...], rhs: tuple[int, ...]) -> None:
    a, bmat = te.placeholder(lhs, name="a"), te.placeholder(rhs, name="b")
    product = ops.matmul(a, bmat) if len(lhs) == 2 else ops.batch_matmul(a, bmat)
    bias = te.placeholder((rhs[-1],), name="bias")
    out = relu_of_sum(product, bias, len(lhs) - 1)
    arrays = [random(lhs), random(rhs, 1), random((rhs[-1],), 2)]
    expected = np.maximum(np.matmul(arrays[0].astype(np.float64), arrays[1]) + arrays[2], 0)
    np.testing.assert_allclose(run(schedule_group([out]), [a, bmat, bias, out], arrays), expected, rtol=1e-4, atol=1e-4)
