"""fuse-ops: which ops group together (TVM's rules), and that fusion never changes results."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from xdsl.context import Context
from xdsl.dialects import builtin, func

import tessel
from tessel.dialects.graph import FusedOp, GraphOp, OpPatternKind
from tessel.dialects.graph.interpreter import run_function
from tessel.passes.fuse_ops import FuseOps

from .graph_strategies import elementwise_programs, mixed_dags


def fused_groups(module: builtin.ModuleOp) -> list[list[str]]:
    """The op names inside each graph.fused, in order."""
    return [[op.name for op in f.body.block.ops][:-1] for f in module.walk() if isinstance(f, FusedOp)]


def top_level_graph_ops(module: builtin.ModuleOp) -> list[str]:
    function = next(op for op in module.walk() if isinstance(op, func.FuncOp))
    return [op.name for op in function.body.block.ops if isinstance(op, GraphOp)]


def fuse(text: str) -> builtin.ModuleOp:
    module = tessel.parse(text)
    FuseOps().apply(Context(), module)
    module.verify()
    return module


CHAIN = """func.func @chain(%x: tensor<2x3xf32>, %b: tensor<3xf32>) -> tensor<2x3xf32> {
  %0 = graph.add %x, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  %1 = graph.relu %0 : tensor<2x3xf32>
  %2 = graph.exp %1 : tensor<2x3xf32>
  func.return %2 : tensor<2x3xf32>
}"""


def test_elementwise_chain_becomes_one_group() -> None:
    module = fuse(CHAIN)
    assert fused_groups(module) == [["graph.add", "graph.relu", "graph.exp"]]
    fused = next(op for op in module.walk() if isinstance(op, FusedOp))
    assert fused.pattern_kind == OpPatternKind.BROADCAST
    assert [a.type for a in fused.body.block.args] == [
        builtin.TensorType(builtin.f32, [2, 3]),
        builtin.TensorType(builtin.f32, [3]),
    ]


def test_a_value_leaving_the_function_ends_a_group() -> None:
    text = """func.func @two_outputs(%x: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %0 = graph.relu %x : tensor<4xf32>
  %1 = graph.exp %0 : tensor<4xf32>
  %2 = graph.tanh %1 : tensor<4xf32>
  func.return %0, %2 : tensor<4xf32>, tensor<4xf32>
}"""
    module = fuse(text)
    assert fused_groups(module) == [["graph.exp", "graph.tanh"]]
    assert top_level_graph_ops(module) == ["graph.relu"]


def test_diamond_fuses_into_its_post_dominator() -> None:
    text = """func.func @diamond(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = graph.relu %x : tensor<4xf32>
  %1 = graph.exp %0 : tensor<4xf32>
  %2 = graph.tanh %0 : tensor<4xf32>
  %3 = graph.add %1, %2 : tensor<4xf32>
  func.return %3 : tensor<4xf32>
}"""
    assert fused_groups(fuse(text)) == [["graph.relu", "graph.exp", "graph.tanh", "graph.add"]]


def test_single_ops_stay_unwrapped_and_max_group_size_is_respected() -> None:
    module = tessel.parse(CHAIN)
    FuseOps(max_group_size=1).apply(Context(), module)
    assert fused_groups(module) == []
    assert top_level_graph_ops(module) == ["graph.add", "graph.relu", "graph.exp"]


def test_fuse_ops_is_registered() -> None:
    module = tessel.parse(CHAIN)
    tessel.run_pipeline(module, "fuse-ops{max-group-size=8}")
    assert len(fused_groups(module)) == 1


@given(program=elementwise_programs(), seed=st.integers(0, 2**32 - 1))
def test_fuse_ops_preserves_semantics(program: tuple[builtin.ModuleOp, list[tuple[int, ...]]], seed: int) -> None:
    module, shapes = program
    rng = np.random.default_rng(seed)
    inputs = [rng.standard_normal(s).astype(np.float32) for s in shapes]
    (expected,) = run_function(module.clone(), "f", inputs)
    FuseOps().apply(Context(), module)
    module.verify()
    (actual,) = run_function(module, "f", inputs)
    np.testing.assert_allclose(actual, expected, rtol=1e-6, atol=1e-7)
    # fusion is idempotent on its own output: nothing is left to group at the top level
    again = module.clone()
    FuseOps().apply(Context(), again)
    assert tessel.print_ir(again) == tessel.print_ir(module)


@given(program=mixed_dags(), seed=st.integers(0, 2**32 - 1))
def test_fuse_ops_preserves_semantics_of_mixed_graphs(program: tuple[builtin.ModuleOp, list[tuple[int, ...]]], seed: int) -> None:
    module, shapes = program
    module.verify()
    rng = np.random.default_rng(seed)
    inputs = [rng.standard_normal(s).astype(np.float32) for s in shapes]
    expected = run_function(module.clone(), "f", inputs)
    FuseOps().apply(Context(), module)
    module.verify()
    actual = run_function(module, "f", inputs)
    for got, want in zip(actual, expected, strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)
    for fused in (op for op in module.walk() if isinstance(op, FusedOp)):
        kinds = [op.PATTERN_KIND for op in fused.body.block.ops if isinstance(op, GraphOp)]
        assert OpPatternKind.OPAQUE not in kinds, "an opaque op was fused"
        assert sum(k == OpPatternKind.OUT_ELEMWISE_FUSABLE for k in kinds) <= 1, "two anchors in one group"


CONV_BLOCK = """func.func @conv_block(%x: tensor<1x2x4x4xf32>, %w: tensor<2x2x3x3xf32>, %b: tensor<2x1x1xf32>)
    -> tensor<1x2x4x4xf32> {
  %0 = graph.conv2d %x, %w {padding = [1, 1, 1, 1]} : (tensor<1x2x4x4xf32>, tensor<2x2x3x3xf32>) -> tensor<1x2x4x4xf32>
  %1 = graph.add %0, %b : (tensor<1x2x4x4xf32>, tensor<2x1x1xf32>) -> tensor<1x2x4x4xf32>
  %2 = graph.relu %1 : tensor<1x2x4x4xf32>
  %3 = graph.softmax %2 {axis = 1} : tensor<1x2x4x4xf32>
  func.return %3 : tensor<1x2x4x4xf32>
}"""


def test_conv2d_takes_its_bias_and_activation_but_not_softmax() -> None:
    module = fuse(CONV_BLOCK)
    assert fused_groups(module) == [["graph.conv2d", "graph.add", "graph.relu"]]
    fused = next(op for op in module.walk() if isinstance(op, FusedOp))
    assert fused.pattern_kind == OpPatternKind.OUT_ELEMWISE_FUSABLE
    assert top_level_graph_ops(module) == ["graph.softmax"]


def test_two_convolutions_stay_in_separate_groups() -> None:
    text = CONV_BLOCK.replace(
        "%3 = graph.softmax %2 {axis = 1} : tensor<1x2x4x4xf32>",
        "%3 = graph.conv2d %2, %w {padding = [1, 1, 1, 1]} : (tensor<1x2x4x4xf32>, tensor<2x2x3x3xf32>) -> tensor<1x2x4x4xf32>",
    )
    groups = fused_groups(fuse(text))
    assert groups == [["graph.conv2d", "graph.add", "graph.relu"]]
