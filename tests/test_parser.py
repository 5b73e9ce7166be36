"""API-level tests of tessel's IR parser and printer, with xDSL's own parser as the reference."""

from __future__ import annotations

import io

import pytest
from xdsl.dialects import arith, builtin, func, test
from xdsl.ir import Attribute, Operation
from xdsl.parser import Parser
from xdsl.printer import Printer

import tessel
from tessel.dialects.context import make_context
from tessel.dialects.diagnostics import SourceLocation


def xdsl_parse(text: str) -> builtin.ModuleOp:
    """The reference: the same text read by xDSL's parser."""
    return Parser(make_context(), text).parse_module()


def xdsl_print(op: Operation, generic: bool = False) -> str:
    stream = io.StringIO()
    Printer(stream=stream, print_generic_format=generic).print_op(op)
    return stream.getvalue() + "\n"


def assert_same_ir(expected: Operation, actual: Operation) -> None:
    """Structural equality (ops, attributes, properties, use-def edges) and equal result types."""
    detail = f"\n--- expected\n{xdsl_print(expected, True)}--- actual\n{xdsl_print(actual, True)}"
    assert expected.is_structurally_equivalent(actual), "not structurally equivalent" + detail
    for expected_op, actual_op in zip(expected.walk(), actual.walk(), strict=True):
        assert expected_op.result_types == actual_op.result_types, detail


def ops(module: builtin.ModuleOp) -> list[Operation]:
    """Every op below the module, in walk order."""
    return [op for op in module.walk() if op is not module]


def only_attribute(text: str) -> Attribute:
    """The attribute `a` of the single test.op in `text`."""
    (op,) = ops(tessel.parse(text))
    return op.attributes["a"]


# ---- programs that both parsers read: tessel must build exactly what xDSL builds

PROGRAMS = {
    "arith_custom": """
func.func @f(%a: f32, %b: f32, %i: i32, %j: i32, %c: i1) -> f32 {
  %0 = arith.addf %a, %b : f32
  %1 = arith.mulf %0, %b fastmath<fast> : f32
  %2 = arith.addi %i, %j overflow<nsw> : i32
  %3 = arith.negf %a : f32
  %4 = arith.select %c, %a, %1 : f32
  %5 = arith.sitofp %i : i32 to f32
  %6 = arith.cmpi slt, %i, %j : i32
  %7 = arith.cmpf olt, %a, %b : f32
  %8 = arith.constant dense<[1, 2]> : tensor<2xi32>
  %9:2 = arith.addui_extended %i, %j : i32, i1
  %10:2 = arith.mulsi_extended %i, %j : i32
  %11 = arith.constant 1.5 : f32
  %12 = arith.constant true
  %13 = arith.constant -3 : index
  func.return %4 : f32
}
""",
    "math_custom": """
func.func @f(%a: f32, %i: i32, %v: vector<4xf64>) {
  %0 = math.exp %a : f32
  %1 = math.sqrt %a fastmath<fast> : f32
  %2 = math.fma %a, %a, %a : f32
  %3 = math.fpowi %a, %i : f32, i32
  %4 = math.powf %a, %a : f32
  %5 = math.ctlz %i : i32
  %6 = math.cos %v : vector<4xf64>
  func.return
}
""",
    "func_forms": """
func.func @definition(%a: f32 {llvm.noalias}, %b: i32) -> (f32 {res.attr}, i32) attributes {foo = 1 : i64} {
  %r:2 = func.call @declaration(%a) : (f32) -> (f32, i32)
  func.return %r#0, %b : f32, i32
}
func.func private @declaration(f32) -> (f32, i32)
func.func @no_results() {
  func.return
}
""",
    "generic_forms": """
"func.func"() <{sym_name = "g", function_type = (f32, f32) -> f32}> ({
^bb0(%a: f32, %b: f32):
  %0 = "arith.addf"(%a, %b) <{fastmath = #arith.fastmath<fast>}> : (f32, f32) -> f32
  %1 = "arith.addf"(%a, %0) : (f32, f32) -> f32
  "func.return"(%1) : (f32) -> ()
}) : () -> ()
""",
    "attributes": """
"test.op"() {i = 42 : i32, f = 2.5 : f64, s = "a\\"b\\n", b = true, u, arr = [1, "x", [unit]],
             d = {inner = {deep = 1 : i32}}, splat = dense<0.0> : tensor<2x3xf32>,
             nested = dense<[[1, 2], [3, 4]]> : tensor<2x2xi32>, da = array<i64: 1, 2>,
             sym = @a::@b, ty = i32, fty = (i32, f32) -> index, am = affine_map<(d0, d1) -> (d1, d0)>,
             fm = #arith.fastmath<fast>, hex = 0x3FF0000000000000 : f64, ix = 5 : index} : () -> ()
""",
    "types": """
%0:12 = "test.op"() : () -> (i1, si8, ui16, f16, bf16, f64, index, tensor<?x4xf32>, tensor<*xf32>,
                             memref<8xf32, 1>, vector<[4]x8xf32>, complex<f32>)
%1:3 = "test.op"() : () -> (!llvm.ptr, memref<2xf32, strided<[1], offset: ?>>, tensor<f32>)
""",
    "regions_and_blocks": """
"test.op"() ({
^entry(%x: i32):
  "test.termop"(%x)[^next] : (i32) -> ()
^next:
  "test.termop"()[^entry, ^last] : () -> ()
^last(%y: f32):
  "test.termop"(%y) : (f32) -> ()
}, {
  "test.termop"() : () -> ()
}) : () -> ()
""",
    "nested_modules": """
builtin.module @outer attributes {tessel.version = 1 : i64} {
  module @inner {
    %r:2 = "test.op"() : () -> (i32, f32)
    "test.op"(%r#1, %r#0) : (f32, i32) -> ()
  }
}
""",
}


@pytest.mark.parametrize("text", PROGRAMS.values(), ids=PROGRAMS.keys())
def test_parse_builds_what_xdsl_builds(text: str) -> None:
    assert_same_ir(xdsl_parse(text), tessel.parse(text))


@pytest.mark.parametrize("text", PROGRAMS.values(), ids=PROGRAMS.keys())
def test_print_matches_xdsl_printer(text: str) -> None:
    module = tessel.parse(text)
    assert tessel.print_ir(module) == xdsl_print(xdsl_parse(text))
    assert tessel.print_ir(module, generic=True) == xdsl_print(xdsl_parse(text), generic=True)


@pytest.mark.parametrize("text", PROGRAMS.values(), ids=PROGRAMS.keys())
def test_custom_print_reparses_to_same_ir(text: str) -> None:
    module = tessel.parse(text)
    assert_same_ir(module, tessel.parse(tessel.print_ir(module)))


@pytest.mark.parametrize("text", PROGRAMS.values(), ids=PROGRAMS.keys())
def test_generic_print_is_read_by_xdsl_and_tessel(text: str) -> None:
    module = tessel.parse(text)
    generic = tessel.print_ir(module, generic=True)
    assert_same_ir(module, xdsl_parse(generic))
    assert_same_ir(module, tessel.parse(generic))


# ---- custom versus generic form

ADD = """func.func @f(%a: f32, %b: f32) -> f32 {
  %sum = arith.addf %a, %b fastmath<fast> : f32
  func.return %sum : f32
}
"""


def test_custom_form_prints_back_verbatim() -> None:
    assert (
        tessel.print_ir(tessel.parse(ADD))
        == "builtin.module {\n" + "".join("  " + line + "\n" for line in ADD.splitlines()) + "}\n"
    )


def test_generic_form_quotes_names_and_prints_properties() -> None:
    generic = tessel.print_ir(tessel.parse(ADD), generic=True)
    assert '%sum = "arith.addf"(%a, %b) <{fastmath = #arith.fastmath<fast>}> : (f32, f32) -> f32' in generic
    assert '"func.return"(%sum) : (f32) -> ()' in generic
    assert '"func.func"() <{sym_name = "f", function_type = (f32, f32) -> f32}> ({' in generic
    assert "arith.addf %a" not in generic


def test_custom_and_generic_text_build_the_same_ir() -> None:
    generic = tessel.print_ir(tessel.parse(ADD), generic=True)
    assert_same_ir(tessel.parse(ADD), tessel.parse(generic))


def test_op_without_tessel_custom_form_prints_generic() -> None:
    text = '"test.op"() {a = 1 : i32} : () -> ()\n'
    assert tessel.print_ir(tessel.parse(text)) == "builtin.module {\n  " + text + "}\n"


def test_compare_with_attribute_dictionary_prints_generic() -> None:
    """cmpi's custom form has no attribute dictionary, so an op with attributes prints generic."""
    text = (
        'func.func @f(%a: i32) {\n  %0 = "arith.cmpi"(%a, %a) <{predicate = 0 : i64}> {tag} : (i32, i32) -> i1\n  func.return\n}'
    )
    printed = tessel.print_ir(tessel.parse(text))
    assert '"arith.cmpi"(%a, %a) <{predicate = 0 : i64}> {tag} : (i32, i32) -> i1' in printed
    assert_same_ir(tessel.parse(text), tessel.parse(printed))


# ---- default properties, as xDSL's parser fills them

DEFAULTS = {
    "generic_addf": '"arith.addf"(%a, %a) : (f32, f32) -> f32',
    "custom_addf": "arith.addf %a, %a : f32",
    "generic_addi": '"arith.addi"(%i, %i) : (i32, i32) -> i32',
    "custom_addi": "arith.addi %i, %i : i32",
    "generic_cmpf": '"arith.cmpf"(%a, %a) {predicate = 1 : i64} : (f32, f32) -> i1',
    "custom_cmpf": "arith.cmpf oeq, %a, %a : f32",
    "generic_fma": '"math.fma"(%a, %a, %a) : (f32, f32, f32) -> f32',
}


@pytest.mark.parametrize("body", DEFAULTS.values(), ids=DEFAULTS.keys())
def test_default_properties_match_xdsl(body: str) -> None:
    text = f"func.func @f(%a: f32, %i: i32) {{\n  %0 = {body}\n  func.return\n}}"
    assert_same_ir(xdsl_parse(text), tessel.parse(text))


def test_addf_without_flags_gets_fastmath_none() -> None:
    module = tessel.parse('func.func @f(%a: f32) {\n  %0 = "arith.addf"(%a, %a) : (f32, f32) -> f32\n  func.return\n}')
    (add,) = [op for op in module.walk() if isinstance(op, arith.AddfOp)]
    assert add.fastmath == arith.FastMathFlagsAttr("none")
    assert "<{fastmath = #arith.fastmath<none>}>" in tessel.print_ir(module, generic=True)


def test_property_written_in_attribute_dictionary_becomes_property() -> None:
    module = tessel.parse(
        'func.func @f(%a: i32) {\n  %0 = "arith.cmpi"(%a, %a) {predicate = 3 : i64} : (i32, i32) -> i1\n  func.return\n}'
    )
    (cmp,) = [op for op in module.walk() if isinstance(op, arith.CmpiOp)]
    assert cmp.properties["predicate"] == builtin.IntegerAttr(3, 64)
    assert "predicate" not in cmp.attributes


# ---- names


def test_value_and_block_name_hints_are_kept() -> None:
    module = tessel.parse(
        '"test.op"() ({\n^entry(%arg: i32):\n  %sum.1 = "test.op"(%arg) : (i32) -> i32\n'
        '  "test.termop"(%sum.1) : (i32) -> ()\n}) : () -> ()'
    )
    outer = ops(module)[0]
    block = outer.regions[0].block
    assert block.name_hint == "entry"
    assert block.args[0].name_hint == "arg"
    assert block.first_op is not None and block.first_op.results[0].name_hint == "sum.1"


def test_numeric_names_are_not_kept_as_hints() -> None:
    module = tessel.parse('%0 = "test.op"() : () -> i32\n"test.op"(%0) : (i32) -> ()')
    assert ops(module)[0].results[0].name_hint is None


def test_result_group_gets_one_name_hint_for_all_results() -> None:
    module = tessel.parse('%pair:2 = "test.op"() : () -> (i32, f32)')
    assert [r.name_hint for r in ops(module)[0].results] == ["pair", "pair"]
    assert "%pair, %pair_1 = " in tessel.print_ir(module)


# ---- structure


def test_top_level_ops_are_wrapped_in_a_module() -> None:
    module = tessel.parse('"test.op"() : () -> ()\n"test.op"() {x} : () -> ()')
    assert isinstance(module, builtin.ModuleOp)
    assert [type(op) for op in module.body.block.ops] == [test.TestOp, test.TestOp]


def test_single_top_level_module_is_returned_itself() -> None:
    module = tessel.parse('builtin.module @named attributes {a = 1 : i32} {\n  "test.op"() : () -> ()\n}')
    assert module.sym_name == builtin.StringAttr("named")
    assert module.attributes["a"] == builtin.IntegerAttr(1, 32)
    assert isinstance(module.body.block.first_op, test.TestOp)


def test_empty_input_is_an_empty_module() -> None:
    module = tessel.parse("// nothing but a comment\n")
    assert len(module.body.blocks) == 1
    assert module.body.block.first_op is None


def test_nested_modules_keep_names_attributes_and_nesting() -> None:
    module = tessel.parse(PROGRAMS["nested_modules"])
    assert module.sym_name == builtin.StringAttr("outer")
    assert module.attributes["tessel.version"] == builtin.IntegerAttr(1, 64)
    inner = module.body.block.first_op
    assert isinstance(inner, builtin.ModuleOp)
    assert inner.sym_name == builtin.StringAttr("inner")
    assert [op.name for op in inner.body.block.ops] == ["test.op", "test.op"]


def test_result_group_uses_pick_the_numbered_result() -> None:
    module = tessel.parse(
        '%a, %r:2, %b = "test.op"() : () -> (i1, i8, i16, i32)\n"test.op"(%r#1, %b, %r, %a) : (i16, i32, i8, i1) -> ()'
    )
    producer, consumer = ops(module)
    assert len(producer.results) == 4
    assert list(consumer.operands) == [producer.results[2], producer.results[3], producer.results[1], producer.results[0]]


def test_forward_references_resolve_to_the_later_definition() -> None:
    module = tessel.parse(
        'builtin.module {\n  %a = "test.op"(%b#1) : (f32) -> i32\n  %b:2 = "test.op"(%a) : (i32) -> (i8, f32)\n}'
    )
    first, second = ops(module)
    assert first.operands[0] is second.results[1]
    assert second.operands[0] is first.results[0]
    assert [use.operation for use in second.results[1].uses] == [first]
    printed = tessel.print_ir(module)
    assert printed == xdsl_print(xdsl_parse(printed))


def test_forward_reference_from_nested_region_resolves_in_parent() -> None:
    module = tessel.parse(
        '"test.op"() ({\n  "test.op"(%later) : (i32) -> ()\n  "test.termop"() : () -> ()\n}) : () -> ()\n'
        '%later = "test.op"() : () -> i32'
    )
    region_op, user, _, definition = ops(module)
    assert user.operands[0] is definition.results[0]
    assert region_op.regions[0].block.first_op is user


def test_successors_refer_to_blocks_of_the_same_region() -> None:
    module = tessel.parse(PROGRAMS["regions_and_blocks"])
    region = ops(module)[0].regions[0]
    entry, following, last = region.blocks
    first_term = entry.last_op
    assert first_term is not None and list(first_term.successors) == [following]
    assert following.last_op is not None and list(following.last_op.successors) == [entry, last]
    assert [arg.type for arg in last.args] == [builtin.f32]


def test_empty_region_has_no_blocks() -> None:
    (op,) = ops(tessel.parse('"test.op"() ({}) : () -> ()'))
    assert len(op.regions) == 1 and not op.regions[0].blocks


def test_operation_locations_are_recorded() -> None:
    parser = tessel.default_parser()
    parsed = parser.parse_located("func.func @f(%a: i32) {\n  %0 = arith.addi %a, %a : i32\n  func.return\n}", "m.mlir")
    add = next(op for op in parsed.module.walk() if isinstance(op, arith.AddiOp))
    ret = next(op for op in parsed.module.walk() if isinstance(op, func.ReturnOp))
    assert parsed.locations[add] == SourceLocation("m.mlir", 2, 3)
    assert parsed.locations[ret] == SourceLocation("m.mlir", 3, 3)


# ---- attributes and types one by one, against xDSL's parser

ATTRIBUTES = [
    "42 : i32",
    "-7 : si8",
    "255 : ui8",
    "3",
    "0x10 : i32",
    "2.5 : f32",
    "1.0",
    "-1.5e-3 : f64",
    "1.0 : bf16",
    "0x3FF0000000000000 : f64",
    "0x3C00 : f16",
    '"a\\"b\\n\\t\\\\"',
    '"\\41"',
    "true",
    "false",
    "unit",
    "[]",
    '[1, "x", [unit]]',
    "{}",
    "{inner = {deep = 1 : i32}}",
    "dense<0.0> : tensor<2x3xf32>",
    "dense<[[1, 2], [3, 4]]> : tensor<2x2xi32>",
    "dense<[true, false]> : vector<2xi1>",
    "dense<7> : tensor<i8>",
    'dense<"0x0000803F"> : tensor<1xf32>',
    "array<i64: 1, 2>",
    "array<f32>",
    "@a",
    "@a::@b::@c",
    '@"with space"',
    "i32",
    "(i32, f32) -> (index)",
    "() -> ()",
    "affine_map<(d0, d1) -> (d1, d0)>",
    "#arith.fastmath<fast>",
    "#arith.overflow<nsw,nuw>",
]


@pytest.mark.parametrize("attribute", ATTRIBUTES)
def test_attribute_matches_xdsl(attribute: str) -> None:
    expected = Parser(make_context(), attribute).parse_attribute()
    assert only_attribute(f'"test.op"() {{a = {attribute}}} : () -> ()') == expected


TYPES = [
    "i1",
    "i7",
    "si8",
    "ui16",
    "f16",
    "bf16",
    "f32",
    "f64",
    "f80",
    "tf32",
    "index",
    "none",
    "tensor<2x3xf32>",
    "tensor<?x4xi8>",
    "tensor<*xf32>",
    "tensor<f32>",
    'tensor<4xf32, "enc">',
    "memref<4x?xf32>",
    "memref<8xf32, 1>",
    "memref<2xf32, strided<[1], offset: ?>>",
    "memref<*xf32>",
    "memref<*xf32, 2>",
    "vector<4xf32>",
    "vector<[4]x8xf32>",
    "vector<2x[2]xi1>",
    "complex<f32>",
    "!llvm.ptr",
    "!llvm.ptr<1>",
    "!llvm.struct<(i32, f32)>",
]


@pytest.mark.parametrize("type_text", TYPES)
def test_type_matches_xdsl(type_text: str) -> None:
    expected = Parser(make_context(), type_text).parse_type()
    (op,) = ops(tessel.parse(f'%0 = "test.op"() : () -> {type_text}'))
    assert op.results[0].type == expected


@pytest.mark.parametrize("type_text", ["tuple<i32, f32>", "tuple<>"])
def test_tuple_type_matches_xdsl(type_text: str) -> None:
    expected = Parser(make_context(), type_text).parse_type()
    (op,) = ops(tessel.parse(f'%0 = "test.op"() : () -> {type_text}'))
    assert op.results[0].type == expected
    assert hash(op.results[0].type) == hash(expected)
    assert_same_ir(xdsl_parse(f'%0 = "test.op"() : () -> {type_text}'), tessel.parse(f'%0 = "test.op"() : () -> {type_text}'))


@pytest.mark.parametrize("type_text", ["f8E4M3FN", "f8E5M2", "f4E2M1FN", "f6E3M2FN"])
def test_small_float_types_match_xdsl(type_text: str) -> None:
    expected = Parser(make_context(), type_text).parse_type()
    (op,) = ops(tessel.parse(f'%0 = "test.op"() : () -> {type_text}'))
    assert op.results[0].type == expected


def test_hex_float_literal_for_bf16_is_bf16_bits() -> None:
    # 0x3F80 is 1.0 in bfloat16 (and 1.875 if misread as an IEEE half)
    assert only_attribute('"test.op"() {a = 0x3F80 : bf16} : () -> ()') == builtin.FloatAttr(1.0, builtin.bf16)


def test_hex_dense_splat_for_bf16_is_bf16_bits() -> None:
    attribute = only_attribute('"test.op"() {a = dense<0x3F80> : tensor<2xbf16>} : () -> ()')
    assert attribute == builtin.DenseIntOrFPElementsAttr.from_list(builtin.TensorType(builtin.bf16, [2]), [1.0, 1.0])


# ---- known losses in roundtrips


def test_select_with_scalar_condition_over_vectors_roundtrips() -> None:
    text = (
        "func.func @f(%c: i1, %v: vector<4xf32>) -> vector<4xf32> {\n"
        '  %0 = "arith.select"(%c, %v, %v) : (i1, vector<4xf32>, vector<4xf32>) -> vector<4xf32>\n'
        "  func.return %0 : vector<4xf32>\n}"
    )
    module = tessel.parse(text)
    module.verify()  # xDSL's select takes an i1 condition for any value type
    assert_same_ir(module, tessel.parse(tessel.print_ir(module)))


def test_explicit_empty_block_is_kept() -> None:
    text = '"test.op"() ({\n^bb0:\n}) : () -> ()'
    (op,) = ops(tessel.parse(text))
    assert len(op.regions[0].blocks) == 1


def test_generic_empty_module_roundtrips() -> None:
    generic = tessel.print_ir(tessel.parse("builtin.module {\n}"), generic=True)
    module = tessel.parse(generic)
    module.verify()
    assert len(module.body.blocks) == 1


def test_declaration_argument_attributes_are_kept() -> None:
    module = tessel.parse("func.func private @g(i32 {llvm.noalias}, f32) -> (i32 {res.attr})")
    declaration = module.body.block.first_op
    assert isinstance(declaration, func.FuncOp)
    assert declaration.arg_attrs == builtin.ArrayAttr(
        [builtin.DictionaryAttr({"llvm.noalias": builtin.UnitAttr()}), builtin.DictionaryAttr({})]
    )


def test_signed_zeros_in_dense_survive_printing() -> None:
    text = '"test.op"() {a = dense<[0.0, -0.0]> : tensor<2xf32>} : () -> ()'
    module = tessel.parse(text)
    for generic in (False, True):
        reparsed = tessel.parse(tessel.print_ir(module, generic=generic))
        assert reparsed.body.block.first_op.attributes["a"] == module.body.block.first_op.attributes["a"]


def test_deeply_nested_types_parse() -> None:
    deep = "tuple<tuple<tuple<tuple<tuple<tuple<i32>>>>>>"
    module = tessel.parse(f'"test.op"() : () -> {deep}')
    assert str(module.body.block.first_op.results[0].type) == deep


def test_numeric_block_labels_are_accepted() -> None:
    module = tessel.parse('"test.op"() ({\n^0:\n  "test.termop"() : () -> ()\n}) : () -> ()')
    (block,) = module.body.block.first_op.regions[0].blocks
    assert block.name_hint is None and len(block.ops) == 1
