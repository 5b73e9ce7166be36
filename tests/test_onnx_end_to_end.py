"""An ONNX CNN (conv/bn/relu/pool/dense) imports, simplifies, fuses and interprets to ONNX's reference outputs."""

from __future__ import annotations

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
from onnx import TensorProto, helper, numpy_helper  # noqa: E402
from onnx.reference import ReferenceEvaluator  # noqa: E402

import tessel  # noqa: E402
from tessel.dialects.graph import FusedOp  # noqa: E402
from tessel.dialects.graph.interpreter import run_function  # noqa: E402
from tessel.dialects.graph.nn import BatchNormOp  # noqa: E402
from tessel.frontends.onnx import import_onnx  # noqa: E402


def small_cnn(seed: int = 7) -> onnx.ModelProto:
    """conv -> batch_norm -> relu -> max_pool -> conv -> relu -> global pool -> flatten -> gemm, seeded weights."""
    rng = np.random.default_rng(seed)

    def weight(name: str, *shape: int, scale: float = 0.3) -> onnx.TensorProto:
        return numpy_helper.from_array((rng.standard_normal(shape) * scale).astype(np.float32), name)

    initializers = [
        weight("w1", 8, 3, 3, 3),
        weight("b1", 8),
        weight("gamma", 8, scale=1.0),
        weight("beta", 8),
        weight("mean", 8),
        numpy_helper.from_array(rng.uniform(0.5, 1.5, 8).astype(np.float32), "var"),
        weight("w2", 16, 8, 3, 3),
        weight("fc_w", 10, 16),
        weight("fc_b", 10),
    ]
    nodes = [
        helper.make_node("Conv", ["x", "w1", "b1"], ["c1"], pads=[1, 1, 1, 1]),
        helper.make_node("BatchNormalization", ["c1", "gamma", "beta", "mean", "var"], ["n1"], epsilon=1e-5),
        helper.make_node("Relu", ["n1"], ["r1"]),
        helper.make_node("MaxPool", ["r1"], ["p1"], kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node("Conv", ["p1", "w2"], ["c2"], pads=[1, 1, 1, 1], strides=[2, 2]),
        helper.make_node("Relu", ["c2"], ["r2"]),
        helper.make_node("GlobalAveragePool", ["r2"], ["g"]),
        helper.make_node("Flatten", ["g"], ["f"]),
        helper.make_node("Gemm", ["f", "fc_w", "fc_b"], ["logits"], transB=1),
    ]
    graph = helper.make_graph(
        nodes,
        "small_cnn",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3, 16, 16])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, [2, 10])],
        initializers,
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 15)])


def test_cnn_imports_simplifies_fuses_and_matches_onnx_reference() -> None:
    model = small_cnn()
    x = np.random.default_rng(0).standard_normal((2, 3, 16, 16)).astype(np.float32)
    (expected,) = ReferenceEvaluator(model).run(None, {"x": x})

    module = import_onnx(model)
    (imported,) = run_function(module, "small_cnn", [x])
    np.testing.assert_allclose(imported, expected, rtol=1e-4, atol=1e-5)

    tessel.run_pipeline(module, "graph-simplify,fuse-ops")
    assert not any(isinstance(op, BatchNormOp) for op in module.walk()), "batch_norm was not folded into the conv"
    groups = [op for op in module.walk() if isinstance(op, FusedOp)]
    assert [g.group_name.data for g in groups][:2] == ["conv2d_add_relu", "conv2d_relu"]
    (compiled,) = run_function(module, "small_cnn", [x])
    np.testing.assert_allclose(compiled, expected, rtol=1e-4, atol=1e-5)

    reparsed = tessel.parse(tessel.print_ir(module))
    (again,) = run_function(reparsed, "small_cnn", [x])
    np.testing.assert_array_equal(again, compiled)
