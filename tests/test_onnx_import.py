"""The ONNX importer against onnx's reference implementation, op by op, across opsets, and on a small CNN."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")

from onnx import TensorProto, helper, numpy_helper  # noqa: E402
from onnx.reference import ReferenceEvaluator  # noqa: E402
from xdsl.dialects import func  # noqa: E402

from tessel.dialects.graph import ConstantOp  # noqa: E402
from tessel.dialects.graph.interpreter import run_function  # noqa: E402
from tessel.frontends.onnx import SUPPORTED_OPS, OnnxImportError, import_onnx  # noqa: E402

F = np.float32
I64 = np.int64


@dataclass(frozen=True)
class Case:
    """One model: its nodes, input shapes/dtypes (graph inputs), initializers, output names and opset."""

    nodes: list[onnx.NodeProto]
    inputs: dict[str, tuple[tuple[int, ...], type]]
    initializers: dict[str, np.ndarray] = field(default_factory=dict)
    outputs: tuple[str, ...] = ("y",)
    opset: int = 21
    positive: bool = False


def make_model(
    case: Case, name: str = "test_graph", ir_version: int | None = None, inits_as_inputs: bool = False, typed: bool = True
):
    inputs = [
        helper.make_tensor_value_info(n, helper.np_dtype_to_tensor_dtype(np.dtype(t)), s) for n, (s, t) in case.inputs.items()
    ]
    initializers = [numpy_helper.from_array(a, n) for n, a in case.initializers.items()]
    if inits_as_inputs:
        inputs += [helper.make_tensor_value_info(i.name, i.data_type, list(i.dims)) for i in initializers]
    # Placeholder output types, replaced by what the reference implementation computes.
    outputs = [helper.make_tensor_value_info(o, TensorProto.FLOAT, []) for o in case.outputs]
    graph = helper.make_graph(case.nodes, name, inputs, outputs, initializers)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", case.opset)])
    model.ir_version = ir_version if ir_version is not None else min(model.ir_version, 10)
    if not typed:
        return model
    results = ReferenceEvaluator(model).run(None, feeds_for(case))
    del model.graph.output[:]
    for o, result in zip(case.outputs, results, strict=True):
        elem_type = helper.np_dtype_to_tensor_dtype(np.asarray(result).dtype)
        model.graph.output.append(helper.make_tensor_value_info(o, elem_type, np.shape(result)))
    return model


def feeds_for(case: Case, seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    feeds = {}
    for n, (s, t) in case.inputs.items():
        if t is np.bool_:
            feeds[n] = rng.random(s) > 0.5
        elif np.issubdtype(t, np.integer):
            feeds[n] = rng.integers(0, 3, s).astype(t)
        else:
            values = rng.standard_normal(s).astype(t)
            feeds[n] = np.abs(values) + 0.1 if case.positive else values
    return feeds


def assert_matches_reference(model, feeds: dict[str, np.ndarray], rtol: float = 1e-5) -> None:
    expected = ReferenceEvaluator(model).run(None, feeds)
    module = import_onnx(model)
    function = next(op for op in module.ops if isinstance(op, func.FuncOp))
    got = run_function(module, function.sym_name.data, [feeds[i.name] for i in model.graph.input if i.name in feeds])
    assert len(got) == len(expected)
    for g, e in zip(got, expected, strict=True):
        assert g.shape == e.shape
        np.testing.assert_allclose(g, e, rtol=rtol, atol=1e-6)


def w(*shape: int, seed: int = 1) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(shape).astype(F)


def node(op: str, inputs: list[str], outputs: list[str] | None = None, **attrs):
    return helper.make_node(op, inputs, outputs or ["y"], name=f"{op.lower()}_node", **attrs)


X4 = {"x": ((2, 3, 6, 6), F)}
X2 = {"x": ((3, 4), F)}
XY = {"x": ((2, 3, 4), F), "z": ((3, 4), F)}

CASES: dict[str, Case] = {
    "relu": Case([node("Relu", ["x"])], X4),
    "leaky_relu": Case([node("LeakyRelu", ["x"], alpha=0.2)], X4),
    "sigmoid": Case([node("Sigmoid", ["x"])], X2),
    "tanh": Case([node("Tanh", ["x"])], X2),
    "exp": Case([node("Exp", ["x"])], X2),
    "log": Case([node("Log", ["x"])], X2, positive=True),
    "sqrt": Case([node("Sqrt", ["x"])], X2, positive=True),
    "erf": Case([node("Erf", ["x"])], X2),
    "gelu": Case([node("Gelu", ["x"])], X2, opset=20),
    "gelu_tanh": Case([node("Gelu", ["x"], approximate="tanh")], X2, opset=20),
    "identity": Case([node("Identity", ["x"])], X2),
    "dropout": Case([node("Dropout", ["x"])], X2),
    "add": Case([node("Add", ["x", "z"])], XY),
    "sub": Case([node("Sub", ["x", "z"])], XY),
    "mul": Case([node("Mul", ["x", "z"])], XY),
    "div": Case([node("Div", ["x", "z"])], XY, positive=True),
    "pow": Case([node("Pow", ["x", "z"])], XY, positive=True),
    "max": Case([node("Max", ["x", "z", "c"])], XY, {"c": w(4)}),
    "min": Case([node("Min", ["x", "z"])], XY),
    "sum": Case([node("Sum", ["x", "z", "c"])], XY, {"c": w(4)}),
    "clip_6": Case([node("Clip", ["x"], min=-0.5, max=0.5)], X2, opset=7),
    "clip_11": Case([node("Clip", ["x", "lo", "hi"])], X2, {"lo": np.asarray(-0.5, F), "hi": np.asarray(0.3, F)}, opset=11),
    "clip_13_min_only": Case([node("Clip", ["x", "lo"])], X2, {"lo": np.asarray(-0.5, F)}, opset=13),
    "conv": Case([node("Conv", ["x", "w", "b"], pads=[1, 1, 1, 1])], X4, {"w": w(4, 3, 3, 3), "b": w(4)}),
    "conv_stride_dilation": Case([node("Conv", ["x", "w"], strides=[2, 1], dilations=[1, 2])], X4, {"w": w(4, 3, 3, 3)}),
    "conv_group": Case([node("Conv", ["x", "w"], group=3, pads=[0, 1, 2, 1])], X4, {"w": w(6, 1, 3, 3)}),
    "conv_valid": Case([node("Conv", ["x", "w"], auto_pad="VALID", strides=[2, 2])], X4, {"w": w(4, 3, 3, 3)}),
    "conv_same_upper": Case([node("Conv", ["x", "w"], auto_pad="SAME_UPPER", strides=[2, 2])], X4, {"w": w(4, 3, 2, 2)}),
    "conv_same_lower": Case([node("Conv", ["x", "w"], auto_pad="SAME_LOWER")], X4, {"w": w(4, 3, 2, 2)}),
    "matmul": Case([node("MatMul", ["x", "m"])], XY, {"m": w(4, 5)}),
    "gemm": Case([node("Gemm", ["x", "b", "c"], transB=1)], X2, {"b": w(5, 4), "c": w(5)}),
    "gemm_full": Case([node("Gemm", ["x", "b", "c"], transA=1, alpha=0.5, beta=2.0)], X2, {"b": w(3, 5), "c": w(4, 5)}),
    "gemm_no_c": Case([node("Gemm", ["x", "b"], alpha=2.0)], X2, {"b": w(4, 2)}),
    "batch_norm": Case(
        [node("BatchNormalization", ["x", "s", "b", "m", "v"], epsilon=1e-3)],
        X4,
        {"s": w(3), "b": w(3, seed=2), "m": w(3, seed=3), "v": np.abs(w(3, seed=4)) + 0.5},
    ),
    "layer_norm": Case([node("LayerNormalization", ["x", "s", "b"], axis=-2)], XY, {"s": w(3, 4), "b": w(3, 4, seed=2)}),
    # N == C: onnx 1.23's reference LRN loops its channels over range(N).
    "lrn": Case([node("LRN", ["x"], size=3)], {"x": ((4, 4, 3, 3), F)}),
    "lrn_even": Case([node("LRN", ["x"], size=2, alpha=0.5, beta=0.6, bias=2.0)], {"x": ((4, 4, 3, 3), F)}),
    "lrn_wide": Case([node("LRN", ["x"], size=5, alpha=1.5, beta=1.0)], {"x": ((3, 3, 2, 5), F)}, opset=13),
    "max_pool": Case([node("MaxPool", ["x"], kernel_shape=[2, 2], strides=[2, 2])], X4),
    "max_pool_ceil_pads": Case([node("MaxPool", ["x"], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1], ceil_mode=1)], X4),
    "avg_pool": Case([node("AveragePool", ["x"], kernel_shape=[3, 3], pads=[1, 1, 1, 1])], X4),
    "avg_pool_include_pad": Case(
        [node("AveragePool", ["x"], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1], count_include_pad=1)], X4
    ),
    "global_avg_pool": Case([node("GlobalAveragePool", ["x"])], X4),
    "reduce_sum_13": Case([node("ReduceSum", ["x", "a"], keepdims=0)], X4, {"a": np.asarray([1, -1], I64)}, opset=13),
    "reduce_sum_11": Case([node("ReduceSum", ["x"], axes=[1, 2])], X4, opset=11),
    "reduce_mean_11": Case([node("ReduceMean", ["x"], axes=[-1])], X4, opset=11),
    "reduce_mean_18": Case([node("ReduceMean", ["x", "a"])], X4, {"a": np.asarray([2, 3], I64)}, opset=18),
    "reduce_max_all": Case([node("ReduceMax", ["x"], keepdims=0)], X4, opset=18),
    "reshape": Case([node("Reshape", ["x", "s"])], X4, {"s": np.asarray([0, -1, 4], I64)}),
    "flatten": Case([node("Flatten", ["x"], axis=2)], X4),
    "flatten_negative": Case([node("Flatten", ["x"], axis=-1)], X4),
    "transpose": Case([node("Transpose", ["x"], perm=[0, 2, 3, 1])], X4),
    "concat": Case([node("Concat", ["x", "c"], axis=1)], X4, {"c": w(2, 1, 6, 6)}),
    "split_13": Case([node("Split", ["x", "s"], ["y", "u"], axis=1)], X4, {"s": np.asarray([1, 2], I64)}, ("y", "u"), 13),
    "split_11": Case([node("Split", ["x"], ["y", "u", "v"], axis=1)], X4, outputs=("y", "u", "v"), opset=11),
    "split_18": Case([node("Split", ["x"], ["y", "u"], axis=2, num_outputs=2)], X4, outputs=("y", "u"), opset=18),
    "slice_13": Case(
        [node("Slice", ["x", "s", "e", "a", "t"])],
        X4,
        {
            "s": np.asarray([1, -1], I64),
            "e": np.asarray([6, -7], I64),
            "a": np.asarray([2, 3], I64),
            "t": np.asarray([2, -2], I64),
        },
        opset=13,
    ),
    "slice_9": Case([node("Slice", ["x"], starts=[0, 1], ends=[1, 100], axes=[0, 2])], X4, opset=9),
    "pad_18": Case([node("Pad", ["x", "p", "v"])], X4, {"p": np.asarray([0, 0, 1, 2, 0, 0, 2, 1], I64), "v": np.asarray(1.5, F)}),
    "pad_2": Case([node("Pad", ["x"], pads=[0, 0, 1, 0, 0, 0, 0, 1])], X4, opset=9),
    "squeeze_11": Case([node("Squeeze", ["x"], axes=[0])], {"x": ((1, 3, 1, 4), F)}, opset=11),
    "squeeze_13": Case([node("Squeeze", ["x", "a"])], {"x": ((1, 3, 1, 4), F)}, {"a": np.asarray([2], I64)}, opset=13),
    "unsqueeze_11": Case([node("Unsqueeze", ["x"], axes=[0, 3])], X2, opset=11),
    "unsqueeze_13": Case([node("Unsqueeze", ["x", "a"])], X2, {"a": np.asarray([-1], I64)}, opset=13),
    "gather": Case([node("Gather", ["x", "i"], axis=1)], X4, {"i": np.asarray([[2, 0], [1, -1]], I64)}),
    "cast": Case([node("Cast", ["x"], to=TensorProto.INT64)], X2),
    "where": Case([node("Where", ["c", "x", "z"])], {"c": ((3, 4), np.bool_), **XY}),
    "softmax_13": Case([node("Softmax", ["x"], axis=1)], X4, opset=13),
    "log_softmax": Case([node("LogSoftmax", ["x"])], X2),
    "constant": Case([node("Constant", [], ["k"], value=numpy_helper.from_array(w(3, 4))), node("Mul", ["x", "k"])], X2),
    "constant_value_floats": Case([node("Constant", [], ["k"], value_floats=[1.0, 2.0, 3.0, 4.0]), node("Add", ["x", "k"])], X2),
    "shape_constant_of_shape_expand": Case(
        [
            node("Shape", ["x"], ["s"]),
            node("ConstantOfShape", ["s"], ["k"], value=numpy_helper.from_array(np.asarray([2.0], F))),
            node("Expand", ["c", "s"], ["e"]),
            node("Mul", ["k", "e"], ["p"]),
            node("Add", ["x", "p"]),
        ],
        X2,
        {"c": w(4)},
    ),
    "expand_dynamic": Case([node("Expand", ["x", "s"])], {"x": ((3, 1), F)}, {"s": np.asarray([2, 3, 4], I64)}),
    "shape_gather_reshape": Case(
        [
            node("Shape", ["x"], ["s"]),
            node("Gather", ["s", "i"], ["n"], axis=0),
            node("Concat", ["n", "m"], ["t"], axis=0),
            node("Reshape", ["x", "t"]),
        ],
        X4,
        {"i": np.asarray([0], I64), "m": np.asarray([-1], I64)},
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_op_matches_reference(name: str) -> None:
    case = CASES[name]
    model = make_model(case)
    assert_matches_reference(model, feeds_for(case))


@pytest.mark.parametrize("axis", [None, 1, 2, -1])
def test_softmax_before_opset_13_flattens_from_axis(axis: int | None) -> None:
    # onnx's reference Softmax ignores the opset-11 semantics, so the oracle is numpy on the 2-D flattening.
    attrs = {} if axis is None else {"axis": axis}
    case = Case([node("Softmax", ["x"], **attrs)], X4, opset=11)
    x = feeds_for(case)["x"]
    split = (1 if axis is None else axis) % 4
    flat = x.reshape(int(np.prod(x.shape[:split])), -1).astype(np.float64)
    exp = np.exp(flat - flat.max(axis=1, keepdims=True))
    expected = (exp / exp.sum(axis=1, keepdims=True)).reshape(x.shape)
    (got,) = run_function(import_onnx(make_model(case, typed=False)), "test_graph", [x])
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-7)
    if split < 3:
        (opset_13,) = run_function(import_onnx(make_model(Case(case.nodes, X4, opset=13))), "test_graph", [x])
        assert not np.allclose(opset_13, expected)


def test_latest_opset_is_accepted() -> None:
    newest = onnx.defs.onnx_opset_version()
    case = Case([node("Reshape", ["x", "s"], ["r"]), node("Relu", ["r"])], X4, {"s": np.asarray([2, -1], I64)}, opset=newest)
    assert_matches_reference(make_model(case), feeds_for(case))


def test_old_ir_version_lists_initializers_as_inputs() -> None:
    case = Case([node("Gemm", ["x", "b", "c"], transB=1)], X2, {"b": w(5, 4), "c": w(5)}, opset=7)
    model = make_model(case, ir_version=3, inits_as_inputs=True)
    assert [i.name for i in model.graph.input] == ["x", "b", "c"]
    module = import_onnx(model)
    function = next(op for op in module.ops if isinstance(op, func.FuncOp))
    assert len(function.args) == 1
    assert_matches_reference(model, feeds_for(case))


def test_initializers_become_constants_and_function_is_named_after_graph() -> None:
    case = CASES["conv"]
    module = import_onnx(make_model(case, name="my-net.v1"))
    function = next(op for op in module.ops if isinstance(op, func.FuncOp))
    assert function.sym_name.data == "my_net.v1"
    constants = [op for op in function.body.walk() if isinstance(op, ConstantOp)]
    assert sorted(tuple(c.result.type.get_shape()) for c in constants) == [(4, 1, 1), (4, 3, 3, 3)]


def test_small_cnn_end_to_end() -> None:
    nodes = [
        node("Conv", ["x", "w1", "b1"], ["c1"], pads=[1, 1, 1, 1]),
        node("BatchNormalization", ["c1", "s", "bb", "m", "v"], ["n1"]),
        node("Relu", ["n1"], ["r1"]),
        node("MaxPool", ["r1"], ["p1"], kernel_shape=[2, 2], strides=[2, 2]),
        node("Flatten", ["p1"], ["f"]),
        node("Gemm", ["f", "w2", "b2"], ["y"], transB=1),
    ]
    initializers = {
        "w1": w(8, 3, 3, 3) * 0.3,
        "b1": w(8, seed=2),
        "s": w(8, seed=3),
        "bb": w(8, seed=4),
        "m": w(8, seed=5),
        "v": np.abs(w(8, seed=6)) + 0.5,
        "w2": w(10, 8 * 4 * 4, seed=7) * 0.1,
        "b2": w(10, seed=8),
    }
    # Opset 15: onnx's reference BatchNormalization-9 (opsets 9..14) computes training mode.
    case = Case(nodes, {"x": ((2, 3, 8, 8), F)}, initializers, opset=15)
    assert_matches_reference(make_model(case), feeds_for(case, seed=42))


def test_unsupported_op_names_op_node_opset_and_supported_ops() -> None:
    model = make_model(Case([node("Hardmax", ["x"])], X2, opset=13), typed=False)
    with pytest.raises(OnnxImportError) as info:
        import_onnx(model)
    message = str(info.value)
    assert "Hardmax" in message and "hardmax_node" in message and "opset 13" in message
    assert "Conv" in message and "MatMul" in message
    assert isinstance(info.value, ValueError)
    assert "Conv" in SUPPORTED_OPS and "Hardmax" not in SUPPORTED_OPS


def test_malformed_model_missing_input() -> None:
    model = make_model(Case([node("Add", ["x", "nowhere"])], X2), typed=False)
    with pytest.raises(OnnxImportError, match="malformed.*nowhere"):
        import_onnx(model)


def test_bad_attribute_is_reported() -> None:
    model = make_model(Case([node("Conv", ["x", "w"], auto_pad="SIDEWAYS")], X4, {"w": w(4, 3, 3, 3)}), typed=False)
    with pytest.raises(OnnxImportError, match="auto_pad.*SIDEWAYS"):
        import_onnx(model)


def test_lrn_needs_size_and_a_rank_4_input() -> None:
    with pytest.raises(OnnxImportError, match="malformed.*'size'"):
        import_onnx(make_model(Case([node("LRN", ["x"])], X4), typed=False))
    with pytest.raises(OnnxImportError, match="lrn_node.*graph.lrn: expected input of rank 4"):
        import_onnx(make_model(Case([node("LRN", ["x"], size=3)], X2), typed=False))


def test_dynamic_input_dimension_names_the_input() -> None:
    model = make_model(Case([node("Relu", ["x"])], {"x": (("batch", 3), F)}), typed=False)
    with pytest.raises(OnnxImportError, match="input 'x'.*dynamic.*batch"):
        import_onnx(model)


def test_dynamic_reshape_target_is_an_error() -> None:
    model = make_model(Case([node("Reshape", ["x", "s"])], {"x": ((3, 4), F), "s": ((2,), I64)}), typed=False)
    with pytest.raises(OnnxImportError, match="Reshape.*shape.*constant"):
        import_onnx(model)


def test_import_from_path(tmp_path) -> None:
    case = CASES["relu"]
    path = tmp_path / "model.onnx"
    onnx.save(make_model(case), str(path))
    module = import_onnx(path)
    assert any(isinstance(op, func.FuncOp) for op in module.ops)
    with pytest.raises(OnnxImportError, match="cannot load"):
        import_onnx(tmp_path / "missing.onnx")
