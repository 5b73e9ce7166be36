"""Graph dialect: elementwise and broadcasting ops — types, verification, syntax, semantics."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from xdsl.dialects import builtin, func
from xdsl.ir import Block, Region
from xdsl.utils.exceptions import VerifyException

import tessel
from tessel.dialects import graph
from tessel.dialects.graph import elementwise as ew
from tessel.dialects.graph.base import OpPatternKind, broadcast_shapes
from tessel.dialects.graph.interpreter import run_function

from .graph_strategies import elementwise_programs
from .helpers import assert_structurally_equal

F32 = builtin.f32


def tensor(*shape: int, element: builtin.Attribute = F32) -> builtin.TensorType:
    return builtin.TensorType(element, shape)


def function_of(inputs: list[builtin.TensorType], build) -> builtin.ModuleOp:
    """A module with @f(inputs) returning what `build(block_args)` returns (an op)."""
    block = Block(arg_types=inputs)
    op = build(*block.args)
    block.add_ops([op, func.ReturnOp(op.results[0])])
    function = func.FuncOp("f", (inputs, [op.results[0].type]), Region(block))
    return builtin.ModuleOp([function])


UNARY_REFERENCE = {
    ew.ReluOp: lambda x: np.maximum(x, 0),
    ew.SigmoidOp: lambda x: 1 / (1 + np.exp(-x)),
    ew.TanhOp: np.tanh,
    ew.ExpOp: np.exp,
    ew.LogOp: np.log,
    ew.SqrtOp: np.sqrt,
    ew.ErfOp: np.vectorize(math.erf),
    ew.GeluOp: np.vectorize(lambda v: v * 0.5 * (1 + math.erf(v / math.sqrt(2)))),
}

BINARY_REFERENCE = {
    ew.AddOp: np.add,
    ew.SubOp: np.subtract,
    ew.MulOp: np.multiply,
    ew.DivOp: np.divide,
    ew.PowOp: np.power,
    ew.MaxOp: np.maximum,
    ew.MinOp: np.minimum,
}


@pytest.mark.parametrize("op_type", list(UNARY_REFERENCE), ids=lambda t: t.name)
def test_unary_op_matches_reference(op_type: type[ew.UnaryElementwiseOp]) -> None:
    x = np.random.default_rng(0).uniform(0.1, 3.0, size=(2, 3)).astype(np.float32)
    module = function_of([tensor(2, 3)], op_type)
    module.verify()
    (y,) = run_function(module, "f", [x])
    assert y.dtype == np.float32 and y.shape == x.shape
    np.testing.assert_allclose(y, UNARY_REFERENCE[op_type](x.astype(np.float64)), rtol=1e-6)
    assert op_type.PATTERN_KIND == OpPatternKind.ELEMWISE


@pytest.mark.parametrize("op_type", list(BINARY_REFERENCE), ids=lambda t: t.name)
def test_binary_op_broadcasts_like_numpy(op_type: type[ew.BinaryBroadcastOp]) -> None:
    rng = np.random.default_rng(1)
    x = rng.uniform(0.5, 2.0, size=(2, 1, 4)).astype(np.float32)
    y = rng.uniform(0.5, 2.0, size=(3, 1)).astype(np.float32)
    module = function_of([tensor(2, 1, 4), tensor(3, 1)], op_type)
    module.verify()
    assert module.body.block.first_op.body.block.first_op.results[0].type == tensor(2, 3, 4)
    (z,) = run_function(module, "f", [x, y])
    np.testing.assert_allclose(z, BINARY_REFERENCE[op_type](x, y), rtol=1e-6)
    assert op_type.PATTERN_KIND == OpPatternKind.BROADCAST


def test_integer_division_truncates_toward_zero() -> None:
    module = function_of([tensor(4, element=builtin.i32), tensor(4, element=builtin.i32)], ew.DivOp)
    (z,) = run_function(module, "f", [np.array([7, -7, 7, -7], np.int32), np.array([2, 2, -2, -2], np.int32)])
    np.testing.assert_array_equal(z, [3, -3, -3, 3])


def test_leaky_relu_and_clip_properties() -> None:
    x = np.array([-2.0, -0.5, 0.5, 2.0], np.float32)
    leaky = function_of([tensor(4)], lambda v: ew.LeakyReluOp(v, alpha=0.25))
    np.testing.assert_allclose(run_function(leaky, "f", [x])[0], [-0.5, -0.125, 0.5, 2.0])
    default = function_of([tensor(4)], ew.LeakyReluOp)
    np.testing.assert_allclose(run_function(default, "f", [x])[0], [-0.02, -0.005, 0.5, 2.0], rtol=1e-6)
    clip = function_of([tensor(4)], lambda v: ew.ClipOp(v, min=-1.0, max=1.0))
    np.testing.assert_allclose(run_function(clip, "f", [x])[0], [-1.0, -0.5, 0.5, 1.0])


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "%0 = graph.add %a, %d : (tensor<2x3xf32>, tensor<4xf32>) -> tensor<2x3xf32>",
            "do not broadcast (dimension -1: 3 vs 4)",
        ),
        ("%0 = graph.add %a, %c : (tensor<2x3xf32>, tensor<3xi32>) -> tensor<2x3xf32>", "element types differ: f32 vs i32"),
        ("%0 = graph.add %a, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<3x3xf32>", "expected result type tensor<2x3xf32>"),
        ("%0 = graph.relu %a : (tensor<2x3xf32>) -> tensor<3x2xf32>", "expected result type tensor<2x3xf32>"),
        ("%0 = graph.clip %a {min = 2.0, max = 1.0} : tensor<2x3xf32>", "min 2.0 is greater than max 1.0"),
    ],
)
def test_verification_errors_name_the_problem(text: str, message: str) -> None:
    args = "%a: tensor<2x3xf32>, %b: tensor<3xf32>, %c: tensor<3xi32>, %d: tensor<4xf32>"
    module = tessel.parse(f"func.func @f({args}) {{\n  {text}\n  func.return\n}}")
    with pytest.raises(VerifyException) as info:
        module.verify()
    assert message in str(info.value)


def test_broadcast_shapes_rules() -> None:
    assert broadcast_shapes((2, 1, 4), (3, 1), "t") == (2, 3, 4)
    assert broadcast_shapes((), (5,), "t") == (5,)
    assert broadcast_shapes((1,), (1,), "t") == (1,)
    with pytest.raises(VerifyException, match="dimension -2: 2 vs 3"):
        broadcast_shapes((2, 4), (3, 4), "t")


def test_custom_form_is_compact_and_reads_back() -> None:
    text = (
        "func.func @f(%x: tensor<2x3xf32>, %b: tensor<3xf32>) -> tensor<2x3xf32> {\n"
        "  %0 = graph.add %x, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>\n"
        "  %1 = graph.leaky_relu %0 {alpha = 0.1} : tensor<2x3xf32>\n"
        "  func.return %1 : tensor<2x3xf32>\n}\n"
    )
    module = tessel.parse(text)
    printed = tessel.print_ir(module)
    assert "graph.leaky_relu %0 {alpha = 0.1} : tensor<2x3xf32>" in printed
    assert "graph.add %x, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>" in printed
    assert_structurally_equal(module, tessel.parse(printed))
    assert_structurally_equal(module, tessel.parse(tessel.print_ir(module, generic=True)))


def test_every_graph_op_has_a_pattern_kind_and_semantics() -> None:
    for op_type in graph.GRAPH_OPS:
        assert isinstance(op_type.PATTERN_KIND, OpPatternKind), op_type.name
        assert op_type.evaluate is not graph.GraphOp.evaluate, f"{op_type.name} has no evaluate"


# ---- property: random chains of elementwise ops print, read back, and compute what numpy computes


def numpy_reference(module: builtin.ModuleOp, inputs: list[np.ndarray]) -> np.ndarray:
    """Evaluate the function op by op with numpy, independent of the interpreter."""
    function = module.body.block.first_op
    assert isinstance(function, func.FuncOp)
    env = dict(zip(function.body.block.args, inputs, strict=True))
    for op in function.body.block.ops:
        if isinstance(op, func.ReturnOp):
            return env[op.arguments[0]]
        args = [env[o] for o in op.operands]
        if type(op) in BINARY_REFERENCE:
            env[op.results[0]] = BINARY_REFERENCE[type(op)](*args).astype(np.float32)
        elif isinstance(op, ew.LeakyReluOp):
            env[op.results[0]] = np.where(args[0] >= 0, args[0], 0.01 * args[0]).astype(np.float32)
        else:
            env[op.results[0]] = UNARY_REFERENCE[type(op)](args[0].astype(np.float64)).astype(np.float32)
    raise AssertionError("no return")


@given(program=elementwise_programs(), seed=st.integers(0, 2**32 - 1))
def test_random_elementwise_graphs_roundtrip_and_match_numpy(
    program: tuple[builtin.ModuleOp, list[tuple[int, ...]]], seed: int
) -> None:
    module, shapes = program
    module.verify()
    assert_structurally_equal(module, tessel.parse(tessel.print_ir(module)))
    rng = np.random.default_rng(seed)
    inputs = [rng.standard_normal(s).astype(np.float32) for s in shapes]
    (result,) = run_function(module, "f", inputs)
    np.testing.assert_allclose(result, numpy_reference(module, inputs), rtol=1e-5, atol=1e-6)
