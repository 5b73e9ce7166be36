"""lower-graph-to-te: fused groups and lone graph ops become scheduled te kernels called with graph.call.

The property tests run the IR before the pass (graph interpreter), after it (graph.call runs each te
kernel on the te interpreter) and after lower-te-to-loop (each kernel on the loop interpreter).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from xdsl.dialects import builtin, func

import tessel
from tessel.dialects.graph import CallOp, ConstantOp
from tessel.dialects.graph.interpreter import run_function
from tessel.frontends.graph_builder import GraphBuilder
from tessel.passes.lower_graph_to_te import LoweringError
from tessel.passes.lower_te_to_loop import is_te_function
from tessel.tests.graph_strategies import elementwise_programs, mixed_dags


def lowered(module: builtin.ModuleOp, pipeline: str = "fuse-ops,lower-graph-to-te") -> builtin.ModuleOp:
    result = module.clone()
    tessel.run_pipeline(result, pipeline)
    return result


def graph_function(module: builtin.ModuleOp) -> func.FuncOp:
    (function,) = [f for f in module.ops if isinstance(f, func.FuncOp) and not is_te_function(f)]
    return function


def test_groups_become_kernels_and_identical_groups_share_one() -> None:
    g = GraphBuilder("model")
    x = g.input("x", (2, 16))
    w = g.weights(np.eye(16, dtype=np.float32), "w")
    y = g.relu(g.dense(g.relu(g.dense(x, w)), w))
    module = lowered(g.build(g.softmax(y)))
    kernels = [f.sym_name.data for f in module.ops if is_te_function(f)]
    assert kernels == ["fused_dense_relu", "softmax"]
    body = list(graph_function(module).body.block.ops)
    assert [type(op) for op in body] == [ConstantOp, CallOp, CallOp, CallOp, func.ReturnOp]
    assert [op.kernel for op in body if isinstance(op, CallOp)] == ["fused_dense_relu", "fused_dense_relu", "softmax"]


def test_lone_ops_are_kernels_too() -> None:
    g = GraphBuilder("f")
    x = g.input("x", (4, 8))
    module = lowered(g.build(g.transpose(x, perm=[1, 0])), "lower-graph-to-te")
    (call,) = [op for op in graph_function(module).body.block.ops if isinstance(op, CallOp)]
    assert call.kernel == "transpose"


def test_an_op_without_a_compute_is_an_error_at_the_op() -> None:
    g = GraphBuilder("f")
    x = g.input("x", (4,), np.bool_)
    module = g.build(g.add(x, x))
    with pytest.raises(LoweringError, match="graph.add: add: bool tensors are not supported") as info:
        tessel.run_pipeline(module, "lower-graph-to-te")
    assert info.value.op.name == "graph.add"


def check_stages(module: builtin.ModuleOp, shapes: list[tuple[int, ...]], seed: int) -> None:
    rng = np.random.default_rng(seed)
    inputs = [rng.standard_normal(s).astype(np.float32) for s in shapes]
    name = graph_function(module).sym_name.data
    expected = run_function(module, name, inputs)
    te_module = lowered(module)
    loop_module = lowered(te_module, "lower-te-to-loop,loop-simplify")
    for stage in (te_module, loop_module):
        for got, want in zip(run_function(stage, name, inputs), expected, strict=True):
            np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)


@settings(max_examples=settings().max_examples // 4, deadline=None)
@given(elementwise_programs())
def test_elementwise_programs_compute_the_same_after_the_pass(program: tuple[builtin.ModuleOp, list]) -> None:
    check_stages(*program, seed=0)


@settings(max_examples=settings().max_examples // 4, deadline=None)
@given(mixed_dags())
def test_mixed_dags_compute_the_same_after_the_pass(program: tuple[builtin.ModuleOp, list]) -> None:
    check_stages(*program, seed=1)
