"""graph-simplify: batch_norm folding, identity-op removal, constant folding, and that none changes results."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from xdsl.context import Context
from xdsl.dialects import builtin, func

import tessel
from tessel.dialects.graph import GraphOp
from tessel.dialects.graph.constant import ConstantOp
from tessel.dialects.graph.interpreter import run_function
from tessel.dialects.graph.nn import BatchNormOp, Conv2dOp, DenseOp
from tessel.passes.graph_simplify import GraphSimplify

from .simplify_strategies import (
    Program,
    constant_subgraph_programs,
    conv_batch_norm_programs,
    dense_batch_norm_programs,
    shape_chains,
)


def simplify(text: str, **options: int) -> builtin.ModuleOp:
    module = tessel.parse(text)
    GraphSimplify(**options).apply(Context(), module)
    module.verify()
    return module


def graph_ops(module: builtin.ModuleOp) -> list[str]:
    function = next(op for op in module.walk() if isinstance(op, func.FuncOp))
    return [op.name for op in function.body.block.ops if isinstance(op, GraphOp)]


def constants(module: builtin.ModuleOp) -> list[np.ndarray]:
    return [op.evaluate()[0] for op in module.walk() if isinstance(op, ConstantOp)]


def the_op(module: builtin.ModuleOp, op_type: type[GraphOp]) -> GraphOp:
    (op,) = [op for op in module.walk() if isinstance(op, op_type)]
    return op


def array_text(array: np.ndarray) -> str:
    return f"dense<{np.array2string(array, separator=', ', floatmode='unique', threshold=10**6).replace(chr(10), '')}>"


def conv_batch_norm_text(
    weight: np.ndarray, params: list[np.ndarray], epsilon: float, bias: np.ndarray | None = None, weight_argument: bool = False
) -> str:
    o, c, kh, kw = weight.shape
    x, y = f"tensor<1x{c}x5x5xf32>", f"tensor<1x{o}x{6 - kh}x{6 - kw}xf32>"
    vector = f"tensor<{o}xf32>"
    lines = [f"func.func @f(%x: {x}{f', %w: tensor<{o}x{c}x{kh}x{kw}xf32>' if weight_argument else ''}) -> {y} {{"]
    if not weight_argument:
        lines.append(f"  %w = graph.constant {array_text(weight)} : tensor<{o}x{c}x{kh}x{kw}xf32>")
    for name, value in zip(("g", "be", "m", "v"), params, strict=True):
        lines.append(f"  %{name} = graph.constant {array_text(value)} : {vector}")
    lines.append(f"  %c = graph.conv2d %x, %w : ({x}, tensor<{o}x{c}x{kh}x{kw}xf32>) -> {y}")
    source = "%c"
    if bias is not None:
        lines.append(f"  %b = graph.constant {array_text(bias)} : tensor<{o}x1x1xf32>")
        lines.append(f"  %a = graph.add %c, %b : ({y}, tensor<{o}x1x1xf32>) -> {y}")
        source = "%a"
    lines.append(
        f"  %y = graph.batch_norm {source}, %g, %be, %m, %v {{epsilon = {epsilon:e}}} : ({y}, {', '.join([vector] * 4)}) -> {y}"
    )
    lines.append(f"  func.return %y : {y}\n}}")
    return "\n".join(lines)


RNG = np.random.default_rng(7)
WEIGHT = RNG.standard_normal((3, 2, 2, 2)).astype(np.float32)
GAMMA, BETA, MEAN = (RNG.standard_normal(3).astype(np.float32) for _ in range(3))
VARIANCE = RNG.uniform(0.5, 2.0, 3).astype(np.float32)
BIAS = RNG.standard_normal((3, 1, 1)).astype(np.float32)
PARAMS = [GAMMA, BETA, MEAN, VARIANCE]


# ---- batch_norm folding


def test_batch_norm_folds_into_conv_weights_and_bias() -> None:
    module = simplify(conv_batch_norm_text(WEIGHT, PARAMS, 1e-3, BIAS))
    assert graph_ops(module) == ["graph.constant", "graph.constant", "graph.conv2d", "graph.add"]
    scale = GAMMA.astype(np.float64) / np.sqrt(VARIANCE.astype(np.float64) + 1e-3)
    new_weight, new_bias = constants(module)
    np.testing.assert_allclose(new_weight, WEIGHT * scale[:, None, None, None], rtol=1e-6)
    np.testing.assert_allclose(new_bias, (BETA + (BIAS.reshape(3) - MEAN) * scale).reshape(3, 1, 1), rtol=1e-5)
    assert new_bias.shape == (3, 1, 1)


def test_batch_norm_fold_without_bias_uses_beta_minus_scaled_mean() -> None:
    module = simplify(conv_batch_norm_text(WEIGHT, PARAMS, 0.0))
    scale = GAMMA.astype(np.float64) / np.sqrt(VARIANCE.astype(np.float64))
    _, new_bias = constants(module)
    np.testing.assert_allclose(new_bias.reshape(3), BETA - MEAN * scale, rtol=1e-5)


def test_batch_norm_fold_keeps_conv_properties() -> None:
    text = conv_batch_norm_text(WEIGHT, PARAMS, 1e-5).replace("%x, %w :", "%x, %w {dilation = [1, 1], strides = [1, 1]} :")
    conv = the_op(simplify(text), Conv2dOp)
    assert conv.properties["strides"] == builtin.ArrayAttr([builtin.IntegerAttr(1, builtin.i64)] * 2)
    assert "dilation" in conv.properties


def test_conv_with_weight_argument_keeps_its_batch_norm() -> None:
    module = simplify(conv_batch_norm_text(WEIGHT, PARAMS, 1e-5, weight_argument=True))
    assert "graph.batch_norm" in graph_ops(module)


def test_non_constant_batch_norm_params_are_left_alone() -> None:
    text = conv_batch_norm_text(WEIGHT, PARAMS, 1e-5)
    text = text.replace("(%x: tensor<1x2x5x5xf32>)", "(%x: tensor<1x2x5x5xf32>, %gamma: tensor<3xf32>)")
    text = text.replace("batch_norm %c, %g,", "batch_norm %c, %gamma,")
    module = simplify(text)
    assert "graph.batch_norm" in graph_ops(module)
    assert np.array_equal(the_op(module, Conv2dOp).weight.owner.evaluate()[0], WEIGHT)  # pyright: ignore[reportAttributeAccessIssue]


def test_multi_use_conv_is_left_alone() -> None:
    text = conv_batch_norm_text(WEIGHT, PARAMS, 1e-5)
    text = text.replace("-> tensor<1x3x4x4xf32> {", "-> (tensor<1x3x4x4xf32>, tensor<1x3x4x4xf32>) {")
    text = text.replace("func.return %y : tensor<1x3x4x4xf32>", "func.return %y, %c : tensor<1x3x4x4xf32>, tensor<1x3x4x4xf32>")
    module = simplify(text)
    assert graph_ops(module).count("graph.batch_norm") == 1
    assert the_op(module, BatchNormOp).input.owner is the_op(module, Conv2dOp)


def test_multi_use_bias_add_is_left_alone() -> None:
    text = conv_batch_norm_text(WEIGHT, PARAMS, 1e-5, BIAS)
    text = text.replace("-> tensor<1x3x4x4xf32> {", "-> (tensor<1x3x4x4xf32>, tensor<1x3x4x4xf32>) {")
    text = text.replace("func.return %y : tensor<1x3x4x4xf32>", "func.return %y, %a : tensor<1x3x4x4xf32>, tensor<1x3x4x4xf32>")
    assert "graph.batch_norm" in graph_ops(simplify(text))


def test_batch_norm_folds_into_dense() -> None:
    weight = RNG.standard_normal((3, 4)).astype(np.float32)
    bias = RNG.standard_normal(3).astype(np.float32)
    vector = "tensor<3xf32>"
    params = "\n".join(f"  %{n} = graph.constant {array_text(v)} : {vector}" for n, v in zip("gbmv", PARAMS, strict=True))
    text = f"""func.func @f(%x: tensor<2x4xf32>) -> tensor<2x3xf32> {{
  %w = graph.constant {array_text(weight)} : tensor<3x4xf32>
  %bias = graph.constant {array_text(bias)} : {vector}
{params}
  %d = graph.dense %x, %w, %bias : (tensor<2x4xf32>, tensor<3x4xf32>, {vector}) -> tensor<2x3xf32>
  %y = graph.batch_norm %d, %g, %b, %m, %v : (tensor<2x3xf32>, {vector}, {vector}, {vector}, {vector}) -> tensor<2x3xf32>
  func.return %y : tensor<2x3xf32>
}}"""
    module = simplify(text)
    assert graph_ops(module) == ["graph.constant", "graph.constant", "graph.dense"]
    dense = the_op(module, DenseOp)
    scale = GAMMA.astype(np.float64) / np.sqrt(VARIANCE.astype(np.float64) + 1e-5)
    np.testing.assert_allclose(dense.weight.owner.evaluate()[0], weight * scale[:, None], rtol=1e-6)  # pyright: ignore[reportAttributeAccessIssue]
    np.testing.assert_allclose(dense.bias.owner.evaluate()[0], BETA + (bias - MEAN) * scale, rtol=1e-5)  # pyright: ignore[reportOptionalMemberAccess, reportAttributeAccessIssue]


# ---- identity ops


def test_identity_ops_are_dropped() -> None:
    text = """func.func @f(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %0 = graph.reshape %x {shape = [2, 3]} : tensor<2x3xf32>
  %1 = graph.transpose %0 {perm = [0, 1]} : tensor<2x3xf32>
  %2 = graph.cast %1 : tensor<2x3xf32>
  %3 = graph.pad %2 {pads = [0, 0, 0, 0]} : tensor<2x3xf32>
  %4 = graph.slice %3 {starts = [0, -5], ends = [2, 3]} : tensor<2x3xf32>
  %5 = graph.concat %4 {axis = 0} : tensor<2x3xf32>
  func.return %5 : tensor<2x3xf32>
}"""
    assert graph_ops(simplify(text)) == []


def test_non_identity_shape_ops_stay() -> None:
    text = """func.func @f(%x: tensor<3x3xf32>) -> tensor<3x3xf32> {
  %0 = graph.transpose %x {perm = [1, 0]} : tensor<3x3xf32>
  %1 = graph.pad %0 {pads = [0, 0, 0, 0], value = 1.0} : tensor<3x3xf32>
  %2 = graph.slice %1 {starts = [2], ends = [-100], axes = [1], steps = [-1]} : tensor<3x3xf32>
  %3 = graph.cast %2 : (tensor<3x3xf32>) -> tensor<3x3xf16>
  %4 = graph.cast %3 : (tensor<3x3xf16>) -> tensor<3x3xf32>
  func.return %4 : tensor<3x3xf32>
}"""
    # a zero pad is dropped whatever its value; the reversing slice and the lossy casts stay
    assert graph_ops(simplify(text)) == ["graph.transpose", "graph.slice", "graph.cast", "graph.cast"]


def test_transposes_compose() -> None:
    text = """func.func @f(%x: tensor<2x3x4xf32>) -> tensor<4x2x3xf32> {
  %0 = graph.transpose %x : (tensor<2x3x4xf32>) -> tensor<4x3x2xf32>
  %1 = graph.transpose %0 {perm = [0, 2, 1]} : (tensor<4x3x2xf32>) -> tensor<4x2x3xf32>
  func.return %1 : tensor<4x2x3xf32>
}"""
    module = simplify(text)
    assert graph_ops(module) == ["graph.transpose"]
    assert tessel.print_ir(module).count("perm = [2, 0, 1]") == 1


def test_shared_inner_transpose_is_kept_for_its_other_user() -> None:
    text = """func.func @f(%x: tensor<2x3xf32>) -> (tensor<2x3xf32>, tensor<3x2xf32>) {
  %0 = graph.transpose %x : (tensor<2x3xf32>) -> tensor<3x2xf32>
  %1 = graph.transpose %0 : (tensor<3x2xf32>) -> tensor<2x3xf32>
  func.return %1, %0 : tensor<2x3xf32>, tensor<3x2xf32>
}"""
    assert graph_ops(simplify(text)) == ["graph.transpose"]


# ---- constant folding


def test_constant_subgraph_folds_to_one_constant() -> None:
    text = """func.func @f() -> tensor<2x2xf32> {
  %a = graph.constant dense<[[1.0, -2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  %0 = graph.transpose %a : tensor<2x2xf32>
  %1 = graph.relu %0 : tensor<2x2xf32>
  %2 = graph.mul %1, %a : tensor<2x2xf32>
  func.return %2 : tensor<2x2xf32>
}"""
    module = simplify(text)
    assert graph_ops(module) == ["graph.constant"]
    (value,) = constants(module)
    np.testing.assert_array_equal(value, np.array([[1.0, -6.0], [0.0, 16.0]], dtype=np.float32))


def test_max_fold_elements_bounds_folding() -> None:
    text = """func.func @f() -> tensor<4xf32> {
  %a = graph.constant dense<[1.0, 2.0, 3.0, 4.0]> : tensor<4xf32>
  %0 = graph.exp %a : tensor<4xf32>
  func.return %0 : tensor<4xf32>
}"""
    assert graph_ops(simplify(text, max_fold_elements=3)) == ["graph.constant", "graph.exp"]
    assert graph_ops(simplify(text, max_fold_elements=4)) == ["graph.constant"]


def test_multi_result_op_folds() -> None:
    text = """func.func @f() -> (tensor<1xi64>, tensor<2xi64>) {
  %a = graph.constant dense<[5, 6, 7]> : tensor<3xi64>
  %0, %1 = graph.split %a {axis = 0, sizes = [1, 2]} : (tensor<3xi64>) -> (tensor<1xi64>, tensor<2xi64>)
  func.return %0, %1 : tensor<1xi64>, tensor<2xi64>
}"""
    module = simplify(text)
    assert graph_ops(module) == ["graph.constant", "graph.constant"]
    assert [v.tolist() for v in constants(module)] == [[5], [6, 7]]


def test_graph_simplify_is_registered_with_its_option() -> None:
    text = """func.func @f() -> tensor<2xf32> {
  %a = graph.constant dense<[1.0, 2.0]> : tensor<2xf32>
  %0 = graph.exp %a : tensor<2xf32>
  func.return %0 : tensor<2xf32>
}"""
    module = tessel.parse(text)
    tessel.run_pipeline(module, "graph-simplify{max-fold-elements=1}")
    assert graph_ops(module) == ["graph.constant", "graph.exp"]


# ---- semantics


def assert_simplify_preserves(program: Program, seed: int, rtol: float, atol: float) -> builtin.ModuleOp:
    module, shapes = program
    module.verify()
    rng = np.random.default_rng(seed)
    inputs = [rng.standard_normal(s).astype(np.float32) for s in shapes]
    (expected,) = run_function(module.clone(), "f", inputs)
    GraphSimplify().apply(Context(), module)
    module.verify()
    (actual,) = run_function(module, "f", inputs)
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=atol)
    return module


@given(program=conv_batch_norm_programs(), seed=st.integers(0, 2**32 - 1))
def test_batch_norm_fold_preserves_semantics(program: Program, seed: int) -> None:
    module = assert_simplify_preserves(program, seed, rtol=1e-4, atol=1e-4)
    assert graph_ops(module) == ["graph.constant", "graph.constant", "graph.conv2d", "graph.add", "graph.relu"]


@given(program=dense_batch_norm_programs(), seed=st.integers(0, 2**32 - 1))
def test_dense_batch_norm_fold_preserves_semantics(program: Program, seed: int) -> None:
    module = assert_simplify_preserves(program, seed, rtol=1e-4, atol=1e-4)
    assert graph_ops(module) == ["graph.constant", "graph.constant", "graph.dense"]


@given(program=shape_chains(), seed=st.integers(0, 2**32 - 1))
def test_shape_chain_simplification_preserves_semantics(program: Program, seed: int) -> None:
    module = assert_simplify_preserves(program, seed, rtol=0, atol=0)
    remaining = graph_ops(module)
    # no identity op and no op feeding another of its kind is left
    assert "graph.cast" not in remaining and "graph.pad" not in remaining and "graph.slice" not in remaining
    assert all(
        not (a == b == "graph.transpose") and not (a == b == "graph.reshape")
        for a, b in zip(remaining, remaining[1:], strict=False)
    )


@given(program=constant_subgraph_programs(), seed=st.integers(0, 2**32 - 1))
def test_constant_folding_preserves_semantics(program: Program, seed: int) -> None:
    module = assert_simplify_preserves(program, seed, rtol=1e-6, atol=1e-7)
    for op in module.walk():
        if isinstance(op, GraphOp) and not isinstance(op, ConstantOp):
            assert not all(isinstance(v.owner, ConstantOp) for v in op.operands), f"{op.name} was not folded"
