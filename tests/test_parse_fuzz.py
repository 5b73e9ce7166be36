"""Fuzz the IR parser: mutated IR text parses, or fails with a located ParseError, never another exception."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from tessel.dialects.diagnostics import ParseError

from .helpers import parse_text, print_text
from .op_strategies import modules

_SNIPPETS = (
    # the graph dialect: shared custom form, fused groups, constants and a resource section
    """func.func @g(%x: tensor<1x2x4x4xf32>, %w: tensor<2x2x3x3xf32>) -> tensor<1x2x4x4xf32> {
  %b = graph.constant dense_resource<b> : tensor<2x1x1xf32>
  %y = graph.fused "conv2d_add_relu" kind = out_elemwise_fusable (%x, %w, %b) {
  ^bb0(%a: tensor<1x2x4x4xf32>, %k: tensor<2x2x3x3xf32>, %c: tensor<2x1x1xf32>):
    %0 = graph.conv2d %a, %k {padding = [1, 1, 1, 1]} : (tensor<1x2x4x4xf32>, tensor<2x2x3x3xf32>) -> tensor<1x2x4x4xf32>
    %1 = graph.add %0, %c : (tensor<1x2x4x4xf32>, tensor<2x1x1xf32>) -> tensor<1x2x4x4xf32>
    %2 = graph.leaky_relu %1 {alpha = 0.1} : tensor<1x2x4x4xf32>
    graph.yield %2 : tensor<1x2x4x4xf32>
  } : (tensor<1x2x4x4xf32>, tensor<2x2x3x3xf32>, tensor<2x1x1xf32>) -> tensor<1x2x4x4xf32>
  %t = graph.transpose %y {perm = [0, 1, 3, 2]} : tensor<1x2x4x4xf32>
  func.return %t : tensor<1x2x4x4xf32>
}
{-#
  dialect_resources: {
    builtin: {
      b: "0x040000000000803F00000040"
    }
  }
#-}
""",
    """func.func @axpy(%a: f32, %x: tensor<4xf32>, %y: tensor<4xf32>) -> tensor<4xf32> {
  %0 = arith.constant dense<[1.0, 2.0, 3.0, 4.0]> : tensor<4xf32>
  %1 = arith.mulf %x, %0 fastmath<fast> : tensor<4xf32>
  %2 = arith.addf %1, %y : tensor<4xf32>
  func.return %2 : tensor<4xf32>
}
""",
    """builtin.module @m attributes {tessel.target = "llvm", n = 3 : i64} {
  func.func private @ext(f32 {llvm.noalias}) -> (i32, f64)
  func.func @main(%i: index) -> i1 {
    %c = arith.constant -7 : i32
    %t = arith.index_cast %i : index to i32
    %s = arith.addi %c, %t overflow<nsw, nuw> : i32
    %b = arith.cmpi slt, %s, %c : i32
    %g = arith.sitofp %s : i32 to f32
    %f = math.fma %g, %g, %g : f32
    %r:2 = func.call @ext(%f) : (f32) -> (i32, f64)
    func.return %b : i1
  }
}
""",
    """"builtin.module"() ({
  %0:2 = "test.op"() <{prop1 = array<i64: 1, -2>}> {s = "q\\22\\0A\\\\", u, d = {n = [@a::@b, unit]}}
      : () -> (i32, vector<[4]x2xf32>)
  "test.op"(%0#1) ({
  ^bb0(%arg0: i32):
    "test.termop"(%arg0) [^bb1] : (i32) -> ()
  ^bb1:  // no predecessors
    "test.termop"() : () -> ()
  }, {
  }) : (vector<[4]x2xf32>) -> ()
}) : () -> ()
""",
    """"test.op"() ({
^0(%a: index):
  "test.termop"(%a) [^1] : (index) -> ()
^1:
  "test.termop"() : () -> ()
}) : () -> ()
""",
    """"test.op"() {i = dense<[9223372036854775807, -9223372036854775808]> : tensor<2xindex>, j = 255 : ui8} : () -> ()
""",
    """"test.op"() {f = 0x7FC00000 : f32, h = -0.0 : bf16, e = dense<> : tensor<0xi8>, c = complex<f64>,
  t = tuple<i1, memref<?x4xf16, 1 : i64>>, m = affine_map<(d0) -> (d0)>} : () -> () loc("a.mlir":1:2)
""",
)
_INSERTIONS = tuple('()[]{}<>,:=%^@#!"\\-?*x.0') + (
    "func.func",
    "builtin.module",
    "arith.addf",
    "dense",
    "array",
    "tensor",
    "->",
    "loc(",
    "attributes",
    "true",
    "f32",
    "i32",
    "index",
    "%0",
    "%0#1",
    "^bb0",
    "@f",
    "0x",
    "1.5e",
    "::",
    "unit",
    "private",
    "\n",
    " ",
    "^0",  # MLIR allows numeric block labels
    "é",
    "1" * 4400,  # past Python's default int-from-string digit limit
)
# Tokens for token-level mutations; the parser's real lexer is the thing under test, not this.
_TOKEN = re.compile(r"[A-Za-z0-9_.$#%^@!-]+|\S")


@st.composite
def _source_texts(draw: st.DrawFn) -> str:
    if draw(st.booleans()):
        return draw(st.sampled_from(_SNIPPETS))
    return print_text(draw(modules(max_ops=12)), generic=draw(st.booleans()))


def _mutate(draw: st.DrawFn, text: str) -> str:
    """One random edit of a character or token (delete, duplicate, swap, replace), an insertion, or a truncation."""
    kind = draw(st.sampled_from(("delete", "duplicate", "swap", "replace", "insert", "truncate")))
    if kind == "truncate" or not text:
        return text[: draw(st.integers(0, len(text)))]
    if kind == "insert":
        at = draw(st.integers(0, len(text)))
        return text[:at] + draw(st.sampled_from(_INSERTIONS)) + text[at:]
    spans = [m.span() for m in _TOKEN.finditer(text)] if draw(st.booleans()) else [(i, i + 1) for i in range(len(text))]
    if not spans:
        return text
    index = draw(st.integers(0, len(spans) - 1))
    start, end = spans[index]
    if kind == "delete":
        return text[:start] + text[end:]
    if kind == "replace":
        return text[:start] + draw(st.sampled_from(_INSERTIONS)) + text[end:]
    if kind == "duplicate":
        return text[:end] + text[start:end] + text[end:]
    if index + 1 == len(spans):
        return text
    next_start, next_end = spans[index + 1]
    return text[:start] + text[next_start:next_end] + text[end:next_start] + text[start:end] + text[next_end:]


@st.composite
def mutated_texts(draw: st.DrawFn) -> str:
    """Valid IR text (hand-written, or printed from a random module) after one to three edits."""
    text = draw(_source_texts())
    for _ in range(draw(st.integers(1, 3))):
        text = _mutate(draw, text)
    return text


@given(text=mutated_texts())
def test_mutated_text_parses_or_raises_located_parse_error(text: str) -> None:
    try:
        module = parse_text(text, "fuzz.mlir")
    except ParseError as err:
        assert err.location is not None, err.message
        assert err.location.filename == "fuzz.mlir"
        assert 1 <= err.location.line <= text.count("\n") + 1, err.render()
        assert err.location.column >= 1, err.render()
        assert err.render().startswith(f"{err.location}: error: ")
        return
    # A module it returns must be whole IR that prints, not a partly built one.
    assert print_text(module, generic=True).startswith('"builtin.module"()')
