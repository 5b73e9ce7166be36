"""graph.fused / graph.yield: construction, verification, syntax, interpretation."""

from __future__ import annotations

import numpy as np
import pytest
from xdsl.dialects import builtin, func
from xdsl.ir import Block, Region
from xdsl.utils.exceptions import VerifyException

import tessel
from tessel.dialects.graph import FusedOp, OpPatternKind, YieldOp
from tessel.dialects.graph import elementwise as ew
from tessel.dialects.graph.interpreter import run_function

from .helpers import assert_structurally_equal

T = builtin.TensorType(builtin.f32, [2, 3])
B = builtin.TensorType(builtin.f32, [3])

FUSED = """func.func @f(%x: tensor<2x3xf32>, %b: tensor<3xf32>) -> tensor<2x3xf32> {
  %y = graph.fused "add_relu" kind = broadcast (%x, %b) {
  ^bb0(%a: tensor<2x3xf32>, %c: tensor<3xf32>):
    %0 = graph.add %a, %c : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
    %1 = graph.relu %0 : tensor<2x3xf32>
    graph.yield %1 : tensor<2x3xf32>
  } : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  func.return %y : tensor<2x3xf32>
}
"""


def build_fused() -> builtin.ModuleOp:
    body = Block(arg_types=[T, B])
    add = ew.AddOp(*body.args)
    relu = ew.ReluOp(add.result)
    body.add_ops([add, relu, YieldOp(relu.result)])
    outer = Block(arg_types=[T, B])
    fused = FusedOp("add_relu", OpPatternKind.BROADCAST, outer.args, [T], Region(body))
    outer.add_ops([fused, func.ReturnOp(fused.results[0])])
    return builtin.ModuleOp([func.FuncOp("f", ([T, B], [T]), Region(outer))])


def test_built_and_parsed_fused_groups_agree() -> None:
    built = build_fused()
    built.verify()
    parsed = tessel.parse(FUSED)
    assert_structurally_equal(built, parsed)
    assert tessel.print_ir(parsed) == tessel.print_ir(tessel.parse(tessel.print_ir(parsed)))
    assert_structurally_equal(parsed, tessel.parse(tessel.print_ir(parsed, generic=True)))
    fused = next(op for op in parsed.walk() if isinstance(op, FusedOp))
    assert fused.pattern_kind == OpPatternKind.BROADCAST and fused.group_name.data == "add_relu"


def test_fused_group_runs_its_body() -> None:
    (y,) = run_function(tessel.parse(FUSED), "f", [np.ones((2, 3), np.float32), np.array([-2.0, 0.0, 2.0], np.float32)])
    np.testing.assert_array_equal(y, [[0, 1, 3], [0, 1, 3]])


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("kind = broadcast", "kind = injective_ish"), "unknown fusion kind 'injective_ish'"),
    ],
)
def test_parse_errors(change: tuple[str, str], message: str) -> None:
    with pytest.raises(tessel.ParseError, match=message):
        tessel.parse(FUSED.replace(*change))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("^bb0(%a: tensor<2x3xf32>, %c: tensor<3xf32>)", "^bb0(%a: tensor<2x3xf32>, %c: tensor<2x3xf32>)"), "body arguments"),
        (("graph.yield %1 : tensor<2x3xf32>", "graph.yield %1, %1 : tensor<2x3xf32>, tensor<2x3xf32>"), "yields"),
    ],
)
def test_verification_errors(change: tuple[str, str], message: str) -> None:
    text = FUSED.replace(*change).replace(
        "%0 = graph.add %a, %c : (tensor<2x3xf32>, tensor<3xf32>)", "%0 = graph.add %a, %a : (tensor<2x3xf32>, tensor<2x3xf32>)"
    )
    module = tessel.parse(text)
    with pytest.raises(VerifyException, match=message):
        module.verify()


def test_body_is_isolated_from_above() -> None:
    text = FUSED.replace("%0 = graph.add %a, %c", "%0 = graph.add %x, %c")
    module = tessel.parse(text)
    with pytest.raises(VerifyException):
        module.verify()
