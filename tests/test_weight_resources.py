"""Large weights print as `dense_resource<name>` plus a `{-# dialect_resources #-}` blob section."""

from __future__ import annotations

import numpy as np
import pytest
from xdsl.dialects import builtin

import tessel
from tessel.dialects.graph.constant import ConstantOp

from .helpers import assert_structurally_equal


def weights_module(*arrays: np.ndarray, names: tuple[str | None, ...] = ()) -> builtin.ModuleOp:
    ops = []
    for index, array in enumerate(arrays):
        op = ConstantOp.from_array(array)
        op.results[0].name_hint = names[index] if index < len(names) else None
        ops.append(op)
    return builtin.ModuleOp(ops)


def test_large_weights_become_named_resources_and_read_back_exactly() -> None:
    big = np.random.default_rng(0).standard_normal((16, 3, 3, 3)).astype(np.float32)
    small = np.arange(4, dtype=np.float32)
    module = weights_module(big, small, names=("conv1_w", None))
    text = tessel.print_ir(module)
    assert "%conv1_w = graph.constant dense_resource<conv1_w> : tensor<16x3x3x3xf32>" in text
    assert "graph.constant dense<[0.000000e+00, 1.000000e+00" in text  # small stays inline
    assert text.count("dialect_resources") == 1 and '      conv1_w: "0x04000000' in text
    assert_structurally_equal(module, tessel.parse(text))
    assert "dense_resource" not in tessel.print_ir(module, generic=True)


def test_resource_names_are_unique() -> None:
    arrays = [np.full((300,), i, np.float32) for i in range(3)]
    text = tessel.print_ir(weights_module(*arrays, names=("w", "w", None)))
    assert "dense_resource<w>" in text and "dense_resource<w_1>" in text and "dense_resource<weights>" in text
    reparsed = tessel.parse(text)
    values = [np.frombuffer(op.value.data.data, np.float32)[0] for op in reparsed.body.block.ops]
    assert values == [0.0, 1.0, 2.0]


BLOB_TEXT = """%w = graph.constant dense_resource<w> : tensor<2xf32>
{-#
  dialect_resources: {
    builtin: {
      w: "0x04000000BLOB"
    }
  }
#-}
"""


def test_blob_for_graph_constant_is_resolved() -> None:
    module = tessel.parse(BLOB_TEXT.replace("BLOB", "0000803F00000040"))
    (constant,) = module.body.block.ops
    assert isinstance(constant.value, builtin.DenseIntOrFPElementsAttr)
    np.testing.assert_array_equal(np.frombuffer(constant.value.data.data, np.float32), [1.0, 2.0])


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (BLOB_TEXT.replace("BLOB", "0000803F"), "resource 'w' has 4 bytes but tensor<2xf32> needs 8"),
        (BLOB_TEXT.replace("BLOB", "0000803F0"), "odd number of hex digits"),
        (BLOB_TEXT.replace("builtin:", "mydialect:").replace("BLOB", ""), "resources of dialect 'mydialect' are not supported"),
    ],
)
def test_malformed_resources_are_parse_errors(text: str, message: str) -> None:
    with pytest.raises(tessel.ParseError, match=message):
        tessel.parse(text)


def test_unresolved_resource_stays_a_reference() -> None:
    module = tessel.parse("%w = graph.constant dense_resource<elsewhere> : tensor<2xf32>")
    (constant,) = module.body.block.ops
    assert isinstance(constant.value, builtin.DenseResourceAttr)
    assert "dense_resource<elsewhere> : tensor<2xf32>" in tessel.print_ir(module)
