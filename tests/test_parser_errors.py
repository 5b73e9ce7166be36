"""Malformed IR text: each kind of error is a tessel.ParseError at the right line and column,
saying what was expected, rendered as `file:line:col: error: ...`, the source line and a caret."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

import tessel
from tessel.dialects.diagnostics import IRError, SourceLocation


@dataclass(frozen=True)
class Case:
    text: str
    line: int
    column: int
    message: str
    """A part of the error message."""


def parse_error(text: str, filename: str = "input.mlir") -> tessel.ParseError:
    with pytest.raises(tessel.ParseError) as info:
        tessel.parse(text, filename)
    return info.value


def in_func(body: str, args: str = "%a: i32, %b: f32") -> str:
    """`body` as line 2 of a function (so errors in it are on line 2)."""
    return f"func.func @f({args}) {{\n  {body}\n  func.return\n}}\n"


SEMANTIC = {
    "unknown_op": Case(
        '"arith.frobnicate"() : () -> ()', 1, 1, "unknown operation 'arith.frobnicate': dialect 'arith' has no such operation"
    ),
    "unknown_dialect": Case(
        '"foo.bar"() : () -> ()', 1, 1, "unknown dialect 'foo' in operation 'foo.bar' (known dialects: arith, builtin,"
    ),
    "unknown_op_custom_form": Case(in_func("%0 = arith.frobnicate %a : i32"), 2, 8, "unknown operation 'arith.frobnicate'"),
    "unknown_dialect_custom_form": Case(in_func("%0 = foo.bar %a : i32"), 2, 8, "unknown dialect 'foo'"),
    "op_without_custom_form": Case(
        in_func("%0 = test.op %a : i32"),
        2,
        8,
        "'test.op' has no custom form in tessel; write it in generic form: \"test.op\"(...)",
    ),
    "generic_operand_count": Case(
        in_func('%0 = "arith.addi"(%a) : (i32, i32) -> i32'), 2, 8, "'arith.addi': 1 operand(s) but 2 operand type(s)"
    ),
    "return_operand_count": Case(
        "func.func @f(%a: i32) {\n  func.return %a : i32, i32\n}", 2, 3, "func.return: 1 operand(s) but 2 operand type(s)"
    ),
    "call_operand_count": Case(
        in_func("func.call @g(%a, %a) : (i32) -> ()"), 2, 3, "func.call: 2 operand(s) but 1 operand type(s)"
    ),
    "type_mismatch": Case(in_func("%0 = arith.addi %a, %b : i32"), 2, 23, "type mismatch: '%b' has type f32 but is used as i32"),
    "forward_type_mismatch": Case(
        '"test.op"(%x) : (i32) -> ()\n%x = "test.op"() : () -> f32',
        1,
        11,
        "type mismatch: '%x' is used as i32 but defined as f32",
    ),
    "undefined_value": Case(in_func("%0 = arith.addi %a, %nope : i32"), 2, 23, "use of undefined value '%nope'"),
    "value_from_closed_region": Case(
        '"test.op"() ({\n  %v = "test.op"() : () -> i32\n  "test.termop"() : () -> ()\n}) : () -> ()\n'
        '"test.op"(%v) : (i32) -> ()',
        5,
        11,
        "use of undefined value '%v'",
    ),
    "redefined_value": Case(
        "func.func @f(%a: i32) {\n  %0 = arith.addi %a, %a : i32\n  %0 = arith.addi %a, %a : i32\n}",
        3,
        3,
        "redefinition of SSA value '%0'",
    ),
    "redefined_argument": Case("func.func @f(%a: i32, %a: i32) {\n  func.return\n}", 1, 23, "redefinition of SSA value '%a'"),
    "undefined_block": Case(
        '"test.op"() ({\n^bb0:\n  "test.termop"()[^missing] : () -> ()\n}) : () -> ()',
        3,
        19,
        "reference to an undefined block '^missing'",
    ),
    "redefined_block": Case(
        '"test.op"() ({\n^a:\n  "test.termop"() : () -> ()\n^a:\n  "test.termop"() : () -> ()\n}) : () -> ()',
        4,
        1,
        "redefinition of block '^a'",
    ),
    "result_count": Case(
        in_func("%0, %1 = arith.addi %a, %a : i32"), 2, 3, "'arith.addi' has 1 result(s) but 2 name(s) are bound"
    ),
    "result_group_count": Case(
        '%r:3 = "test.op"() : () -> (i32, i32)', 1, 1, "'test.op' has 2 result(s) but 3 name(s) are bound"
    ),
    "index_dense_out_of_range": Case(
        '"test.op"() {a = dense<[9223372036854775808]> : tensor<1xindex>} : () -> ()', 1, 18, "invalid dense literal"
    ),
    "integer_with_5000_digits": Case('"test.op"() {a = ' + "9" * 5000 + " : i32} : () -> ()", 1, 18, "5000 digits is too long"),
    "huge_splat": Case('"test.op"() {a = dense<1> : tensor<100000000000xi8>} : () -> ()', 1, 18, "too large for dense elements"),
    "float_in_integer_dense": Case('"test.op"() {a = dense<[1.0]> : tensor<1xi8>} : () -> ()', 1, 18, "'1.0' is not an integer"),
    "unpackable_dense_element": Case('"test.op"() {e = dense<> : tensor<0xi88>} : () -> ()', 1, 18, "no packed layout"),
    "unpackable_array_element": Case('"test.op"() {e = array<i88: 1>} : () -> ()', 1, 18, "no packed layout"),
    "empty_result_group": Case(
        '%r:0 = "test.op"() : () -> ()', 1, 4, "result group '%r:0' must have between 1 and 999999999 results"
    ),
    "result_index_out_of_range": Case(
        '%r:2 = "test.op"() : () -> (i32, i32)\n"test.op"(%r#2) : (i32) -> ()',
        2,
        11,
        "'%r' has 2 result(s); index 2 is out of range",
    ),
    "indexed_definition": Case('%r#1 = "test.op"() : () -> i32', 1, 1, "a definition cannot carry a result index: '%r#1'"),
    "bad_type": Case('"test.op"() {t = tensor<2xfoo>} : () -> ()', 1, 27, "invalid type 'tensor<2xfoo>'"),
    "dynamic_vector": Case('%0 = "test.op"() : () -> vector<?xf32>', 1, 26, "vector dimensions must be static"),
    "scalable_tensor": Case(
        '%0 = "test.op"() : () -> tensor<[4]xf32>', 1, 26, "scalable dimensions are only allowed in vectors, not in tensor"
    ),
    "unknown_dialect_type": Case('%0 = "test.op"() : () -> !llvm.nosuchtype', 1, 26, "invalid type '!llvm.nosuchtype'"),
    "unknown_dialect_attribute": Case('"test.op"() {a = #foo.bar<1>} : () -> ()', 1, 18, "invalid attribute '#foo.bar<1>'"),
    "dense_count": Case(
        "%0 = arith.constant dense<[1, 2, 3]> : tensor<2xi32>",
        1,
        21,
        "dense literal has shape [3] but tensor<2xi32> has shape [2]",
    ),
    "dense_nesting": Case(
        "%0 = arith.constant dense<[[1, 2]]> : tensor<2xi32>",
        1,
        21,
        "dense literal has shape [1, 2] but tensor<2xi32> has shape [2]",
    ),
    "dense_word": Case("%0 = arith.constant dense<[one]> : tensor<1xi32>", 1, 21, "unexpected 'one]' in dense literal"),
    "dense_dynamic_shape": Case(
        '"test.op"() {d = dense<1> : tensor<?xi32>} : () -> ()', 1, 18, "dense elements need a static shape, got tensor<?xi32>"
    ),
    "dense_scalar_type": Case(
        '"test.op"() {d = dense<1> : i32} : () -> ()', 1, 18, "dense elements need a tensor or vector type, got i32"
    ),
    "dense_out_of_range": Case(
        '"test.op"() {d = dense<300> : tensor<2xi8>} : () -> ()', 1, 18, "invalid dense literal for tensor<2xi8>"
    ),
    "dense_hex_size": Case(
        '"test.op"() {d = dense<"0x0102"> : tensor<1xi8>} : () -> ()',
        1,
        18,
        "hexadecimal dense literal has 2 bytes but tensor<1xi8> needs 1",
    ),
    "dense_ragged": Case(
        '"test.op"() {d = dense<[1, [2]]> : tensor<2xi32>} : () -> ()',
        1,
        18,
        "dense literal has shape [2, 1] but tensor<2xi32> has shape [2]",
    ),
    "dense_float_in_integer": Case(
        '"test.op"() {d = dense<1.5> : tensor<2xi32>} : () -> ()', 1, 18, "invalid dense literal for tensor<2xi32>"
    ),
    "duplicate_attribute": Case(
        '"test.op"() {a = 1, b = 2, a = 3} : () -> ()', 1, 28, "duplicate key 'a' in attribute dictionary"
    ),
    "integer_out_of_range": Case('"test.op"() {a = 300 : i8} : () -> ()', 1, 18, "Integer value 300 is out of range for type i8"),
    "float_literal_integer_type": Case(
        '"test.op"() {a = 1.5 : i32} : () -> ()', 1, 18, "float literal needs a float type, got i32"
    ),
    "integer_literal_shaped_type": Case(
        "%0 = arith.constant 1 : tensor<2xi32>", 1, 21, "integer literal needs an integer, index or float type, got tensor<2xi32>"
    ),
    "bad_predicate": Case(in_func("%0 = arith.cmpi bogus, %a, %a : i32"), 2, 19, "'arith.cmpi': unknown predicate 'bogus'"),
    "wrong_flag": Case(
        in_func("%0 = arith.addi %a, %a fastmath<fast> : i32"), 2, 26, "'arith.addi' takes 'overflow<...>', not 'fastmath<...>'"
    ),
    "flag_on_flagless_op": Case(
        in_func("%0 = arith.andi %a, %a overflow<nsw> : i32"), 2, 26, "'arith.andi' takes no 'overflow<nsw>' flag"
    ),
    "bad_fastmath_value": Case(in_func("%0 = arith.addf %b, %b fastmath<bogus> : f32"), 2, 26, "Expected `reassoc`, `nnan`"),
    "mixed_arguments": Case("func.func @f(%a: i32, f32) {\n}", 1, 1, "function arguments must be all named or all unnamed"),
    "named_declaration": Case("func.func @f(%a: i32)", 1, 1, "a function with named arguments needs a body"),
}


SYNTAX = {
    "missing_operand": Case(in_func("%0 = arith.addi %a : i32"), 2, 22, "unexpected ':'; expected ','"),
    "missing_arrow": Case('%0 = "test.op"() : () i32', 1, 23, "unexpected 'i32'; expected '->'"),
    "unexpected_character": Case('"test.op"() : () -> () ?', 1, 24, "unexpected character '?'; expected"),
    "trailing_comma": Case('"test.op"() {a = [1, 2,]} : () -> ()', 1, 24, "unexpected ']'; expected"),
    "string_constant": Case(
        '%0 = arith.constant "x"', 1, 21, "unexpected '\"x\"'; expected 'false', 'true', '{', a float, an integer, dense<...>"
    ),
    "missing_operand_name": Case("%0 = math.sqrt : f32", 1, 16, "unexpected ':'; expected an SSA value (%name)"),
    "unclosed_operands": Case('"test.op"(', 1, 11, "unexpected end of input; expected ')', an SSA value (%name)"),
    "unclosed_region": Case("func.func @f() {\n  func.return\n", 2, 14, "unexpected end of input; expected"),
    "parameter_list": Case("func.func @f( {\n}", 1, 15, "unexpected '{'; expected '(', ')', a type, an SSA value (%name)"),
    "extra_type_suffix": Case('"test.op"() {a = 1 : i32 : i32} : () -> ()', 1, 26, "unexpected ':'; expected"),
    "empty_type_in_list": Case('"test.op"() : () -> (i32, )', 1, 27, "unexpected ')'; expected '(', a type"),
}


@pytest.mark.parametrize("case", SEMANTIC.values(), ids=SEMANTIC.keys())
def test_semantic_error_location_and_message(case: Case) -> None:
    error = parse_error(case.text)
    assert (error.location, case.message in error.message) == (SourceLocation("input.mlir", case.line, case.column), True), (
        error.render()
    )


@pytest.mark.parametrize("case", SYNTAX.values(), ids=SYNTAX.keys())
def test_syntax_error_location_and_message(case: Case) -> None:
    error = parse_error(case.text)
    assert error.location == SourceLocation("input.mlir", case.line, case.column), error.render()
    assert case.message in error.message, error.render()
    assert error.message.startswith("unexpected "), error.render()


@pytest.mark.parametrize("case", [*SEMANTIC.values(), *SYNTAX.values()], ids=[*SEMANTIC.keys(), *SYNTAX.keys()])
def test_rendered_error_has_location_source_line_and_caret(case: Case) -> None:
    error = parse_error(case.text)
    header, source_line, caret_line = error.render().splitlines()
    assert header == f"input.mlir:{case.line}:{case.column}: error: {error.message}"
    assert source_line == case.text.splitlines()[case.line - 1]
    assert caret_line == " " * (case.column - 1) + "^"
    assert "Traceback" not in error.render()


@pytest.mark.parametrize("case", SYNTAX.values(), ids=SYNTAX.keys())
def test_syntax_error_says_what_was_expected(case: Case) -> None:
    message = parse_error(case.text).message
    found, _, expected = message.partition("; expected ")
    assert found.startswith("unexpected ") and expected, message


def test_parse_error_is_an_ir_error_with_its_source() -> None:
    text = '"foo.bar"() : () -> ()'
    error = parse_error(text)
    assert isinstance(error, IRError)
    assert error.source == text
    assert str(error) == error.render()


def test_default_filename_is_string() -> None:
    with pytest.raises(tessel.ParseError) as info:
        tessel.parse('"foo.bar"() : () -> ()')
    assert info.value.render().startswith("<string>:1:1: error: unknown dialect 'foo'")


def test_error_at_end_of_input_points_after_the_last_character() -> None:
    error = parse_error("func.func @f() {")
    assert error.location == SourceLocation("input.mlir", 1, 17)
    assert error.message.startswith("unexpected end of input; expected ")


def test_parser_is_usable_after_an_error() -> None:
    parse_error('"foo.bar"() : () -> ()')
    module = tessel.parse('%x = "test.op"() : () -> i32')
    assert [op.name for op in module.body.block.ops] == ["test.op"]


# ---- known bugs: each test states the behaviour that should hold


def test_malformed_location_is_a_parse_error() -> None:
    error = parse_error('"test.op"() : () -> () loc(bogus)')
    assert error.location is not None and error.location.line == 1 and error.location.column >= 24


def test_unknown_string_escape_is_rejected() -> None:
    error = parse_error('"test.op"() {a = "\\zz"} : () -> ()')
    assert error.location is not None and error.location.line == 1


def test_float_without_dot_is_not_reported_as_an_operation() -> None:
    message = parse_error('"test.op"() {a = 1e5} : () -> ()').message
    assert "dialect" not in message and "operation" not in message, message


def test_expected_list_has_no_grammar_terminal_names() -> None:
    message = parse_error(in_func("%0 = arith.cmpi eq, %a, %a {tag} : i32")).message
    assert "scalar_flag" not in message, message


def test_expected_list_has_no_duplicates() -> None:
    message = parse_error("func.func @f() {\n  func.return\n").message
    words = message.partition("; expected ")[2].split(", ")
    assert len(words) == len(set(words)), message


def test_caret_lines_up_under_tabs() -> None:
    error = parse_error('"test.op"()\t{a = 1, a = 2} : () -> ()')
    _, source_line, caret_line = error.render().splitlines()
    assert error.location is not None
    prefix = source_line[: error.location.column - 1]
    assert len(caret_line.expandtabs()) - 1 == len(prefix.expandtabs())
