"""The loop dialect's custom syntax: every op and option round-trips (custom and generic), ops the
custom form cannot spell print generic, and malformed text fails at the right place with a clear message."""

from __future__ import annotations

from typing import TypeVar

import pytest
from hypothesis import given
from hypothesis import strategies as st
from xdsl.dialects import arith, builtin
from xdsl.dialects.builtin import IndexType, MemRefType, ModuleOp, StringAttr, f32
from xdsl.ir import Block, Operation, Region
from xdsl.ir.affine import AffineBinaryOpExpr, AffineBinaryOpKind, AffineConstantExpr, AffineDimExpr, AffineExpr, AffineMap

import tessel
from tessel.dialects import loop
from tessel.dialects.loop import affine_syntax

from .helpers import assert_structurally_equal, parse_text, print_text, xdsl_parse

OpT = TypeVar("OpT", bound=Operation)

INDEX = IndexType()
A_TYPE = MemRefType(f32, [64, 64])


def in_func(body: str, args: str = "%A: memref<64x64xf32>") -> str:
    """`body` (lines indented by two) inside a loop.func, as the printer prints it."""
    inner = "\n".join(f"    {line}" if line else line for line in body.splitlines())
    return f"builtin.module {{\n  loop.func @f({args}) {{\n{inner}\n  }}\n}}\n"


def assert_round_trips(text: str) -> ModuleOp:
    """`text` is the printer's own spelling of a verifying module, and both forms read back as it."""
    module = parse_text(text)
    module.verify()
    assert print_text(module) == text
    assert_structurally_equal(module, parse_text(print_text(module)))
    generic = print_text(module, generic=True)
    assert_structurally_equal(module, parse_text(generic))
    assert_structurally_equal(module, xdsl_parse(generic))
    return module


def only(module: ModuleOp, op_type: type[OpT]) -> OpT:
    """The one op of `op_type` in `module`."""
    (op,) = [op for op in module.walk() if isinstance(op, op_type)]
    return op


# ---- every op and option, as the printer spells it

CASES = {
    "func": "builtin.module {\n  loop.func @f(%A: memref<64x64xf32>, %B: memref<8xf32>) {\n  }\n}\n",
    "func_no_args": "builtin.module {\n  loop.func @f() {\n  }\n}\n",
    "func_intrinsic": "builtin.module {\n  loop.func intrinsic @vdla.fill_zero(%y: memref<8x8xf32>) {\n  }\n}\n",
    "func_attributes": 'builtin.module {\n  loop.func @f(%A: memref<4xf32>) attributes {target = "llvm"} {\n  }\n}\n',
    "func_quoted_name": 'builtin.module {\n  loop.func @"a b"() {\n  }\n}\n',
    "for_serial": in_func("loop.for %i = 0 to 64 {\n  loop.barrier\n}"),
    "for_empty": in_func("loop.for %i = 0 to 64 {\n}"),
    "for_negative_bounds": in_func("loop.for %i = -4 to -1 {\n}"),
    "for_step_parallel": in_func("loop.for %i = 0 to 64 step 2 parallel {\n}"),
    "for_vectorized": in_func("loop.for %i = 0 to 8 vectorized {\n}"),
    "for_unrolled_annotations": in_func('loop.for %i = 0 to 8 unrolled attributes {pragma = "x"} {\n}'),
    "for_empty_annotations": in_func("loop.for %i = 0 to 8 attributes {} {\n}"),
    "for_vthread": in_func("loop.for %i = 0 to 2 vthread {\n}"),
    "for_thread": in_func('loop.for %i = 0 to 32 thread("threadIdx.x") {\n}'),
    "for_nested": in_func(
        "loop.for %i = 0 to 64 parallel {\n  loop.for %j = 0 to 64 {\n"
        "    %v = loop.load %A[%i, %j] : memref<64x64xf32>\n    loop.store %v, %A[%j, %i] : memref<64x64xf32>\n  }\n}"
    ),
    "if": in_func("%c = arith.constant true\nloop.if %c {\n  loop.barrier\n}"),
    "if_else": in_func("%c = arith.constant true\nloop.if %c {\n  loop.barrier\n} else {\n  loop.barrier\n}"),
    "if_empty_else": in_func("%c = arith.constant true\nloop.if %c {\n} else {\n}"),
    "apply": in_func("loop.for %yo = 0 to 8 {\n  loop.for %yi = 0 to 8 {\n    %t = loop.apply %yo * 8 + %yi\n  }\n}"),
    "apply_constant": in_func("%t = loop.apply 5"),
    "apply_negative_constant": in_func("%t = loop.apply -5"),
    "load_store": in_func(
        "%c0 = arith.constant 0 : index\n%v = loop.load %A[%c0, %c0] : memref<64x64xf32>\n"
        "loop.store %v, %A[%c0, %c0] : memref<64x64xf32>"
    ),
    "load_scalar_buffer": in_func("%v = loop.load %s[] : memref<f32>", "%s: memref<f32>"),
    "alloc": in_func('%b = loop.alloc "CL" in "local" : memref<8x8xf32>'),
    "alloc_escaped_name": in_func('%b = loop.alloc "a\\22b" in "shared" : memref<8xf32>'),
    "call": in_func(
        '%c0 = arith.constant 0 : index\n%a = loop.alloc "a" in "local" : memref<8x8xf32>\n'
        "loop.call @vdla.fused_gemm8x8_add(%a[%c0, %c0], %a[%c0, %c0], %A[%c0, %c0]) : "
        "memref<8x8xf32>, memref<8x8xf32>, memref<64x64xf32>"
    ),
    "call_no_args": in_func("loop.call @vdla.sync()"),
    "dma_copy": in_func(
        '%c0 = arith.constant 0 : index\n%AL = loop.alloc "AL" in "inp_buffer" : memref<8x8xf32>\n'
        "loop.dma_copy %A[%c0, %c0] -> %AL[%c0, %c0] size [8, 8] : memref<64x64xf32> -> memref<8x8xf32>"
    ),
    "barrier": in_func("loop.barrier"),
}


@pytest.mark.parametrize("name", CASES)
def test_custom_form_round_trips(name: str) -> None:
    assert_round_trips(CASES[name])


def test_for_properties_are_what_the_text_says() -> None:
    module = assert_round_trips(in_func('loop.for %i = 4 to 64 step 3 thread("blockIdx.y") attributes {unroll = 2 : i64} {\n}'))
    op = only(module, loop.ForOp)
    assert op.bounds == (4, 64, 3) and op.kind.data == "thread" and op.thread == StringAttr("blockIdx.y")
    assert op.annotations is not None and op.annotations.data == {"unroll": builtin.IntegerAttr(2, 64)}
    default = only(parse_text(in_func("loop.for %i = 0 to 8 {\n}")), loop.ForOp)
    assert (
        default.bounds == (0, 8, 1) and default.kind.data == "serial" and default.thread is None and default.annotations is None
    )


def test_explicit_step_one_and_serial_read_as_the_defaults() -> None:
    module = parse_text(in_func("loop.for %i = 0 to 8 step 1 serial {\n}"))
    assert print_text(module) == in_func("loop.for %i = 0 to 8 {\n}")


def test_if_without_else_has_no_else_block_and_empty_else_has_one() -> None:
    without = only(parse_text(CASES["if"]), loop.IfOp)
    empty = only(parse_text(CASES["if_empty_else"]), loop.IfOp)
    assert not without.else_region.blocks
    assert len(empty.else_region.blocks) == 1 and not empty.else_region.block.ops


def test_intrinsic_and_attributes_of_func() -> None:
    op = only(parse_text(CASES["func_intrinsic"]), loop.FuncOp)
    assert op.intrinsic is not None and op.sym_name.data == "vdla.fill_zero"
    op = only(parse_text(CASES["func_attributes"]), loop.FuncOp)
    assert op.intrinsic is None and op.attributes == {"target": StringAttr("llvm")}


def test_built_and_parsed_ops_agree() -> None:
    body = Block(arg_types=[A_TYPE])
    (buffer,) = body.args
    outer = loop.ForOp(0, 8, kind="parallel")
    inner = loop.ForOp(0, 8, step=2, kind="thread", thread="threadIdx.x")
    index = loop.ApplyOp(AffineMap(2, 0, (AffineDimExpr(0) * 8 + AffineDimExpr(1),)), [outer.induction_var, inner.induction_var])
    load = loop.LoadOp(buffer, [index.result, inner.induction_var])
    local = loop.AllocOp("L", "local", MemRefType(f32, [1, 8]))
    zero = arith.ConstantOp(builtin.IntegerAttr(0, INDEX))
    inner.body.block.add_ops(
        [
            index,
            load,
            loop.StoreOp(load.result, buffer, [inner.induction_var, index.result]),
            local,
            zero,
            loop.DmaCopyOp(buffer, [index.result, zero.result], local.result, [zero.result, zero.result], [1, 8]),
            loop.CallOp("vdla.k", [local.result], [[zero.result, zero.result]]),
            loop.BarrierOp(),
        ]
    )
    outer.body.block.add_op(inner)
    body.add_op(outer)
    built = ModuleOp([loop.FuncOp("k", [A_TYPE], Region(body), intrinsic=True)])
    built.verify()
    text = print_text(built)
    assert text == (
        "builtin.module {\n"
        "  loop.func intrinsic @k(%0: memref<64x64xf32>) {\n"
        "    loop.for %1 = 0 to 8 parallel {\n"
        '      loop.for %2 = 0 to 8 step 2 thread("threadIdx.x") {\n'
        "        %3 = loop.apply %1 * 8 + %2\n"
        "        %4 = loop.load %0[%3, %2] : memref<64x64xf32>\n"
        "        loop.store %4, %0[%2, %3] : memref<64x64xf32>\n"
        '        %5 = loop.alloc "L" in "local" : memref<1x8xf32>\n'
        "        %6 = arith.constant 0 : index\n"
        "        loop.dma_copy %0[%3, %6] -> %5[%6, %6] size [1, 8] : memref<64x64xf32> -> memref<1x8xf32>\n"
        "        loop.call @vdla.k(%5[%6, %6]) : memref<1x8xf32>\n"
        "        loop.barrier\n"
        "      }\n"
        "    }\n"
        "  }\n"
        "}\n"
    )
    assert_structurally_equal(built, parse_text(text))
    assert_structurally_equal(built, parse_text(print_text(built, generic=True)))


# ---- loop.apply expressions

EXPRESSIONS = {
    # written -> printed (xDSL's operators fold and canonicalise, as MLIR's parser does)
    "%a * 8 + %b": "%a * 8 + %b",
    "8 * %a + %b": "%a * 8 + %b",
    "%a - %b": "%a - %b",
    "%a - 3": "%a - 3",
    "%a + -3": "%a - 3",
    "%a - %b * 2": "%a - %b * 2",
    "-%a": "%a * -1",
    "- %a + 2": "%a * -1 + 2",
    "%a floordiv 4": "%a floordiv 4",
    "%a ceildiv 4 mod 3": "%a ceildiv 4 mod 3",
    "(%a + %b) floordiv 2": "(%a + %b) floordiv 2",
    "%a + (%b + %c)": "%a + (%b + %c)",
    "%a + %b + %c": "%a + %b + %c",
    "%a mod (2 + 3)": "%a mod 5",
    "(%a + %b) * 2": "%a * 2 + %b * 2",
    "%a + %a * 2": "%a + %a * 2",
    "%a floordiv -2": "%a floordiv -2",
    "((%a))": "%a",
    "2 * 3 + 1": "7",
}


@pytest.mark.parametrize("written", EXPRESSIONS)
def test_apply_expression_prints_canonically_and_round_trips(written: str) -> None:
    args = "\n".join(f"loop.for %{n} = 0 to 4 {{" for n in "abc")
    close = "\n".join("}" for _ in "abc")

    def nest(expression: str) -> str:
        return in_func(f"{args}\n%t = loop.apply {expression}\n{close}")

    module = parse_text(nest(written))
    assert print_text(module) == print_text(parse_text(nest(EXPRESSIONS[written])))
    assert f"loop.apply {EXPRESSIONS[written]}\n" in print_text(module)
    assert_round_trips(print_text(module))


def test_apply_operands_are_distinct_names_in_first_use_order() -> None:
    module = parse_text(in_func("loop.for %i = 0 to 4 {\n  loop.for %j = 0 to 4 {\n    %t = loop.apply %j * 4 + %i + %j\n  }\n}"))
    op = only(module, loop.ApplyOp)
    i, j = (for_op.induction_var for for_op in module.walk() if isinstance(for_op, loop.ForOp))
    assert list(op.operands_) == [j, i]
    d0, d1 = AffineDimExpr(0), AffineDimExpr(1)
    assert op.map.data == AffineMap(2, 0, (d0 * 4 + d1 + d0,))


def apply_module(affine_map: AffineMap, operand_order: list[int]) -> ModuleOp:
    """A loop.apply of `affine_map` over the induction variables of a nest, in `operand_order`."""
    body = Block(arg_types=[])
    loops = [loop.ForOp(0, 4) for _ in range(max(operand_order, default=-1) + 1)]
    block = body
    for for_op in loops:
        block.add_op(for_op)
        block = for_op.body.block
    block.add_op(loop.ApplyOp(affine_map, [loops[i].induction_var for i in operand_order]))
    return ModuleOp([loop.FuncOp("f", [], Region(body))])


@pytest.mark.parametrize(
    ("affine_map", "order", "why"),
    [
        (AffineMap(2, 0, (AffineDimExpr(1) * 8 + AffineDimExpr(0),)), [0, 1], "dimensions first mentioned out of order"),
        (AffineMap(2, 0, (AffineDimExpr(0) + AffineDimExpr(1),)), [0, 0], "the same operand twice"),
        (AffineMap(2, 0, (AffineDimExpr(0) * 2,)), [0, 1], "an operand the expression does not mention"),
        (AffineMap(1, 0, (AffineDimExpr(0), AffineDimExpr(0))), [0], "two results"),
    ],
)
def test_apply_the_custom_form_cannot_spell_prints_generic(affine_map: AffineMap, order: list[int], why: str) -> None:
    module = apply_module(affine_map, order)
    text = print_text(module)
    assert '"loop.apply"' in text, why
    assert_structurally_equal(module, parse_text(text))


@pytest.mark.parametrize(
    ("expr", "read_back"),
    [
        (AffineBinaryOpExpr(AffineBinaryOpKind.Mul, AffineConstantExpr(8), AffineDimExpr(0)), AffineDimExpr(0) * 8),
        (AffineBinaryOpExpr(AffineBinaryOpKind.Add, AffineDimExpr(0) + 1, AffineConstantExpr(2)), AffineDimExpr(0) + 3),
    ],
)
def test_apply_of_an_unsimplified_tree_prints_generic(expr: AffineExpr, read_back: AffineExpr) -> None:
    """Any text reads back simplified (xDSL's affine_map parser simplifies too), so such a tree prints generic."""
    module = apply_module(AffineMap(1, 0, (expr,)), [0])
    text = print_text(module)
    assert '"loop.apply"' in text
    op = only(parse_text(text), loop.ApplyOp)
    assert op.map.data.results == (read_back,)


def test_apply_operands_from_inner_to_outer_loop_print_custom() -> None:
    d0, d1 = AffineDimExpr(0), AffineDimExpr(1)
    module = apply_module(AffineMap(2, 0, (d0 * 8 + d1,)), [1, 0])  # d0 is the inner loop's %1
    assert "loop.apply %1 * 8 + %0" in print_text(module)
    assert_structurally_equal(module, parse_text(print_text(module)))


_NAMES = ("%a", "%b", "%c")


@st.composite
def expression_texts(draw: st.DrawFn, depth: int = 3) -> str:
    """Random affine expression text over %a, %b, %c (every product and division has a constant side)."""
    if depth == 0 or draw(st.booleans()):
        return draw(st.sampled_from(_NAMES)) if draw(st.booleans()) else str(draw(st.integers(-20, 20)))
    lhs = draw(expression_texts(depth - 1))
    constant = str(draw(st.integers(-9, 9).filter(bool)))
    operator = draw(st.sampled_from(["+", "-", "*", "floordiv", "ceildiv", "mod", "neg", "paren"]))
    if operator == "neg":
        return f"-({lhs})"
    if operator == "paren":
        return f"({lhs})"
    if operator in ("+", "-"):
        return f"{lhs} {operator} ({draw(expression_texts(depth - 1))})"
    return f"({lhs}) {operator} {constant}"


def _expression_module(expression: str) -> str:
    return in_func(
        f"loop.for %a = 0 to 4 {{\nloop.for %b = 0 to 4 {{\nloop.for %c = 0 to 4 {{\n%t = loop.apply {expression}\n}}\n}}\n}}"
    )


@given(expression=expression_texts())
def test_apply_of_random_expression_round_trips(expression: str) -> None:
    module = parse_text(_expression_module(expression))
    module.verify()
    for generic in (False, True):
        text = print_text(module, generic)
        assert_structurally_equal(module, parse_text(text))
        assert print_text(parse_text(text), generic) == text


@st.composite
def affine_trees(draw: st.DrawFn, depth: int = 3) -> AffineExpr:
    """Random affine trees built without simplification (what a pass might construct by hand)."""
    if depth == 0 or draw(st.booleans()):
        return AffineDimExpr(draw(st.integers(0, 2))) if draw(st.booleans()) else AffineConstantExpr(draw(st.integers(-5, 5)))
    kind = draw(st.sampled_from(list(AffineBinaryOpKind)))
    lhs = draw(affine_trees(depth - 1))
    if kind == AffineBinaryOpKind.Add:
        return AffineBinaryOpExpr(kind, lhs, draw(affine_trees(depth - 1)))
    constant = AffineConstantExpr(draw(st.integers(-5, 5).filter(bool)))
    if kind == AffineBinaryOpKind.Mul and draw(st.booleans()):
        return AffineBinaryOpExpr(kind, constant, lhs)
    return AffineBinaryOpExpr(kind, lhs, constant)


@given(expr=affine_trees())
def test_printed_tree_reads_back_as_reread_says(expr: AffineExpr) -> None:
    """`reread` (which decides custom vs generic) agrees with what the parser builds from the printed text."""
    dims = sorted({node.position for node in expr.dfs() if isinstance(node, AffineDimExpr)})
    if dims != list(range(len(dims))):
        return
    module = apply_module(AffineMap(len(dims), 0, (expr,)), list(range(len(dims))))
    op = only(module, loop.ApplyOp)
    if not affine_syntax.spellable(op.map.data, list(op.operands_)):
        assert '"loop.apply"' in print_text(module)
        return
    reparsed = only(parse_text(print_text(module)), loop.ApplyOp)
    assert reparsed.map.data == op.map.data


# ---- ops whose custom form would lose something print generic


def test_discardable_attributes_on_a_loop_force_generic_form() -> None:
    module = parse_text(in_func("loop.for %i = 0 to 8 {\n}"))
    only(module, loop.ForOp).attributes["note"] = StringAttr("x")
    text = print_text(module)
    assert '"loop.for"' in text and "loop.func @f" in text
    assert_structurally_equal(module, parse_text(text))


def test_unknown_kind_built_by_hand_prints_generic() -> None:
    module = parse_text(in_func("loop.for %i = 0 to 8 {\n}"))
    op = only(module, loop.ForOp)
    op.kind = StringAttr("sideways")
    text = print_text(module)
    assert '"loop.for"' in text and 'kind = "sideways"' in text
    assert_structurally_equal(module, parse_text(text))


def test_non_index_bounds_print_generic() -> None:
    module = parse_text(in_func("loop.for %i = 0 to 8 {\n}"))
    op = only(module, loop.ForOp)
    op.ub = builtin.IntegerAttr(8, 64)
    assert '"loop.for"' in print_text(module)
    assert_structurally_equal(module, parse_text(print_text(module)))


# ---- errors


def parse_error(text: str) -> tessel.ParseError:
    with pytest.raises(tessel.ParseError) as info:
        tessel.parse(text, "input.mlir")
    return info.value


def body_error(line: str, args: str = "%A: memref<64x64xf32>") -> tessel.ParseError:
    """The error of `line`, written as line 5 of a function whose lines 2-4 define %i, %c and %x."""
    text = (
        f"loop.func @f({args}) {{\n"
        "  %i = arith.constant 0 : index\n  %c = arith.constant true\n  %x = arith.constant 1.0 : f32\n"
        f"  {line}\n}}\n"
    )
    return parse_error(text)


ERRORS = {
    "unknown_kind": ("loop.for %j = 0 to 8 sideways {\n}", 24, "unknown loop kind 'sideways'; expected one of serial, parallel"),
    "unknown_thread": ('loop.for %j = 0 to 8 thread("threadIdx.w") {\n}', 31, "unknown thread 'threadIdx.w'; expected one of"),
    "thread_without_name": ("loop.for %j = 0 to 8 thread {\n}", 24, "loop kind 'thread' needs the thread it is bound to"),
    "kind_with_thread_name": (
        'loop.for %j = 0 to 8 parallel("threadIdx.x") {\n}',
        33,
        "loop kind 'parallel' takes no thread name",
    ),
    "load_too_few_indices": (
        "%v = loop.load %A[%i] : memref<64x64xf32>",
        18,
        "loop.load: memref<64x64xf32> needs 2 indices, got 1",
    ),
    "store_too_many_indices": (
        "loop.store %x, %A[%i, %i, %i] : memref<64x64xf32>",
        18,
        "loop.store: memref<64x64xf32> needs 2 indices, got 3",
    ),
    "load_tensor_type": ("%v = loop.load %A[%i, %i] : tensor<64x64xf32>", 31, "expected a memref type, got tensor<64x64xf32>"),
    "load_index_type": ("%v = loop.load %A[%i, %i] : index", 31, "expected a memref type, got index"),
    "store_wrong_element": (
        "loop.store %i, %A[%i, %i] : memref<64x64xf32>",
        14,
        "type mismatch: '%i' has type index but is used as f32",
    ),
    "if_condition_not_i1": ("loop.if %i {\n}", 11, "type mismatch: '%i' has type index but is used as i1"),
    "unknown_scope": (
        '%b = loop.alloc "b" in "attic" : memref<4xf32>',
        26,
        "unknown memory scope 'attic'; expected one of global",
    ),
    "alloc_tensor": ('%b = loop.alloc "b" in "local" : tensor<4xf32>', 36, "expected a memref type, got tensor<4xf32>"),
    "call_types_count": (
        "loop.call @k(%A[%i, %i], %A[%i, %i]) : memref<64x64xf32>",
        3,
        "loop.call: 2 buffer(s) but 1 buffer type(s)",
    ),
    "call_indices": ("loop.call @k(%A[%i]) : memref<64x64xf32>", 16, "loop.call: memref<64x64xf32> needs 2 indices, got 1"),
    "dma_sizes": (
        "loop.dma_copy %A[%i, %i] -> %A[%i, %i] size [8] : memref<64x64xf32> -> memref<64x64xf32>",
        3,
        "loop.dma_copy: needs one size per source dimension (2), got 1",
    ),
    "dma_destination_indices": (
        "loop.dma_copy %A[%i, %i] -> %A[%i] size [8, 8] : memref<64x64xf32> -> memref<64x64xf32>",
        31,
        "loop.dma_copy: memref<64x64xf32> needs 2 indices, got 1",
    ),
    "apply_product_of_names": ("%t = loop.apply %i * %i", 22, "non-affine expression: one side of '*' must be a constant"),
    "apply_division_by_name": (
        "%t = loop.apply 4 floordiv %i",
        21,
        "non-affine expression: the right side of 'floordiv' must be a constant",
    ),
    "apply_mod_zero": ("%t = loop.apply %i mod (3 - 3)", 22, "'mod' by zero"),
    "apply_non_index_operand": ("%t = loop.apply %x + 1", 19, "type mismatch: '%x' has type f32 but is used as index"),
    "apply_missing_operand": ("%t = loop.apply %i +", 1, "unexpected '}'"),
}


@pytest.mark.parametrize("name", ERRORS)
def test_error_is_located_and_says_what_was_expected(name: str) -> None:
    line, column, message = ERRORS[name]
    error = body_error(line)
    assert message in error.message
    assert error.location is not None and error.location.filename == "input.mlir"
    expected_line = 6 if name == "apply_missing_operand" else 5  # the `}` after the incomplete line
    assert (error.location.line, error.location.column) == (expected_line, column)


def test_func_argument_must_be_a_memref() -> None:
    error = parse_error("loop.func @f(%A: tensor<4xf32>) {\n}\n")
    assert error.message == "expected a memref type, got tensor<4xf32>"
    assert error.location is not None and (error.location.line, error.location.column) == (1, 18)
    assert "input.mlir:1:18: error: expected a memref type" in error.render()


def test_func_without_body_is_a_syntax_error() -> None:
    error = parse_error("loop.func @f(%A: memref<4xf32>)\n")
    assert "unexpected end of input; expected" in error.message


def test_induction_variable_is_scoped_to_its_loop() -> None:
    error = parse_error(
        "loop.func @f(%A: memref<4xf32>) {\n  loop.for %i = 0 to 4 {\n  }\n  %v = loop.load %A[%i] : memref<4xf32>\n}\n"
    )
    assert error.message == "use of undefined value '%i'"
    assert error.location is not None and (error.location.line, error.location.column) == (4, 21)


def test_verifier_catches_what_parsing_allows() -> None:
    module = parse_text(in_func("loop.for %i = 0 to 8 step 0 {\n}"))
    with pytest.raises(Exception, match="the step must be positive, got 0"):
        module.verify()
