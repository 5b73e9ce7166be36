"""The Python graph builder: ops by name, inputs, outputs, errors."""

from __future__ import annotations

import numpy as np
import pytest
from xdsl.dialects import builtin

import tessel
from tessel.dialects.graph.dtypes import element_type, numpy_dtype
from tessel.dialects.graph.interpreter import run_function
from tessel.frontends.graph_builder import GraphBuilder


def test_builder_creates_a_verified_function_that_runs() -> None:
    g = GraphBuilder("model")
    x = g.input("x", (2, 3))
    b = g.input("b", (3,))
    y = g.clip(g.leaky_relu(g.add(x, b), alpha=0.1), min=-1.0, max=1.0)
    module = g.build(y)
    text = tessel.print_ir(module)
    assert "func.func @model(%x: tensor<2x3xf32>, %b: tensor<3xf32>) -> tensor<2x3xf32>" in text
    assert "graph.leaky_relu %0 {alpha = 0.1} : tensor<2x3xf32>" in text
    (result,) = run_function(module, "model", [np.full((2, 3), 2.0, np.float32), np.array([-5, 0, 5], np.float32)])
    np.testing.assert_allclose(result, [[-0.3, 1.0, 1.0], [-0.3, 1.0, 1.0]], rtol=1e-6)


def test_builder_reports_unknown_ops_and_duplicate_inputs() -> None:
    g = GraphBuilder()
    g.input("x", (1,))
    with pytest.raises(AttributeError, match="graph builder has no op 'conv3d'; graph ops: .*relu"):
        g.conv3d(g.input("y", (1,)))
    with pytest.raises(ValueError, match="input 'x' is defined twice"):
        g.input("x", (2,))
    with pytest.raises(ValueError, match="needs at least one output"):
        g.build()


def test_builder_rejects_ill_typed_graphs() -> None:
    g = GraphBuilder()
    a = g.input("a", (2, 3))
    b = g.input("b", (4,))
    with pytest.raises(Exception, match="do not broadcast"):
        g.add(a, b)


def test_builder_lists_ops_for_completion() -> None:
    assert {"relu", "add", "gelu"} <= set(dir(GraphBuilder()))


def test_dtypes_round_trip() -> None:
    for dtype in (np.float32, np.float64, np.int64, np.int32, np.bool_):
        assert numpy_dtype(element_type(dtype)) == np.dtype(dtype)
    assert element_type("float32") == builtin.f32
    with pytest.raises(ValueError, match="unsupported element type complex64"):
        element_type(np.complex64)


def test_builder_weights_and_named_ops() -> None:
    g = GraphBuilder("cnn")
    x = g.input("x", (1, 3, 4, 4))
    w = g.weights(np.ones((2, 3, 3, 3), np.float32), "w")
    y = g.relu(g.conv2d(x, w, padding=[1, 1, 1, 1]))
    module = g.build(y)
    assert "%w = graph.constant" in tessel.print_ir(module)
    (result,) = run_function(module, "cnn", [np.ones((1, 3, 4, 4), np.float32)])
    assert result.shape == (1, 2, 4, 4) and result[0, 0, 1, 1] == 27.0 and result[0, 0, 0, 0] == 12.0
