"""The te dialect's custom syntax: every op prints what it parses, in custom and generic form; located errors."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import pytest
from xdsl.dialects import arith, builtin, func
from xdsl.dialects.builtin import FloatAttr, IndexType, StringAttr, TensorType, f32
from xdsl.ir import Block, Operation, Region

import tessel
from tessel.dialects import te
from tessel.dialects.te import schedule_ops as sched

from .helpers import assert_structurally_equal, xdsl_parse

OpT = TypeVar("OpT", bound=Operation)


def ops_of(root: Operation, op_type: type[OpT]) -> list[OpT]:
    """The ops of a type under `root`, in order."""
    return [op for op in root.walk() if isinstance(op, op_type)]


MATMUL = """builtin.module {
  func.func @matmul(%A: tensor<64x64xf32>, %B: tensor<64x64xf32>) -> tensor<64x64xf32> {
    %C = te.compute "C" (%y, %x) < (64, 64) reduce (%k) < (64) {
      %a = te.read %A[%k, %y] : tensor<64x64xf32>
      %b = te.read %B[%k, %x] : tensor<64x64xf32>
      %p = arith.mulf %a, %b : f32
      te.yield sum %p : f32
    } : tensor<64x64xf32>
    te.schedule {
      %cy, %cx, %ck = te.axes %C
      %yo, %xo, %yi, %xi = te.tile %C [%cy, %cx] by [8, 8]
      %ko, %ki = te.split %C %ck by 8
      te.reorder %C [%yo, %xo, %ko, %yi, %xi, %ki]
      %Al = te.cache_read %A "inp_buffer" for [%C]
      te.compute_at %Al at %C %ko
      te.pragma %Al "dma_copy"
      te.tensorize %C %yi using @gemm8x8
    }
    func.return %C : tensor<64x64xf32>
  }
}
"""

GEMM8X8 = """builtin.module {
  te.intrin @gemm8x8 {
    %w = te.placeholder "w" : tensor<8x8xf32>
    %x = te.placeholder "x" : tensor<8x8xf32>
    %y = te.compute "y" (%i, %j) < (8, 8) reduce (%k) < (8) {
      %a = te.read %w[%k, %i] : tensor<8x8xf32>
      %b = te.read %x[%k, %j] : tensor<8x8xf32>
      %p = arith.mulf %a, %b : f32
      te.yield sum %p : f32
    } : tensor<8x8xf32>
    te.intrin_lower %y compute @vdla.gemm8x8(%w, %x, %y) reset @vdla.fill_zero(%y) update @vdla.fused_gemm8x8_add(%w, %x, %y)
  }
}
"""

# Every other op and form, in the printer's own spelling (so printing gives the text back exactly).
ALL_FORMS = """builtin.module {
  te.intrin @copy8 {
    %w = te.placeholder "w" : tensor<8xf32>
    %y = te.compute "y" (%i) < (8) {
      %a = te.read %w[%i] : tensor<8xf32>
      te.yield %a : f32
    } : tensor<8xf32>
    te.intrin_lower %y compute @copy(%w, %y)
  }
  func.func @all(%A: tensor<8xf32>, %c: i1, %N: tensor<4xi32>) -> tensor<f32> {
    %s = te.compute "s" () < () reduce (%r) < (8) {
      %a = te.read %A[%r] : tensor<8xf32>
      %z = arith.constant 0.000000e+00 : f32
      %v = te.if_then_else %c, %a, %z : f32
      te.yield max %v identity -1.000000e+30 : f32
    } : tensor<f32>
    %n = te.compute "n" () < () reduce (%q) < (4) {
      %e = te.read %N[%q] : tensor<4xi32>
      te.yield min %e identity 7 : i32
    } : tensor<i32>
    %m = te.compute "m" () < () reduce (%t) < (4) {
      %e_1 = te.read %N[%t] : tensor<4xi32>
      te.yield prod %e_1 : i32
    } : tensor<i32>
    %B = te.compute "B" (%i) < (8) {
      %a_1 = te.read %A[%i] : tensor<8xf32>
      te.yield %a_1 : f32
    } : tensor<8xf32>
    %D = te.compute "D" (%i_1) < (8) {
      %a_2 = te.read %B[%i_1] : tensor<8xf32>
      te.yield %a_2 : f32
    } : tensor<8xf32>
    %k = te.compute "k" () < () {
      %one = arith.constant 1.000000e+00 : f32
      te.yield %one : f32
    } : tensor<f32>
    te.schedule {
      %d = te.axes %D
      %o, %p = te.split %D %d nparts 4
      %f = te.fuse %D [%o, %p]
      te.parallel %D %f
      te.vectorize %D %f
      te.unroll %D %f
      te.bind %D %f "threadIdx.x"
      te.compute_inline %B
      te.compute_root %B
      %AL = te.cache_read %A "shared" for [%B, %D]
      %DL = te.cache_write %D "local"
      %g = te.axes %AL
      te.storage_align %AL %g factor 32 offset 1
      te.double_buffer %AL
      te.compute_at %AL at %DL %g
      te.pragma %D %f "unroll"
      te.pragma %DL "dma_copy"
      te.axes %s
    }
    te.schedule {
    }
    func.return %s : tensor<f32>
  }
}
"""

TEXTS = {"matmul": MATMUL, "gemm8x8": GEMM8X8, "all_forms": ALL_FORMS}


@pytest.mark.parametrize("name", list(TEXTS))
def test_custom_form_prints_what_it_parses(name: str) -> None:
    module = tessel.parse(TEXTS[name])
    module.verify()
    assert tessel.print_ir(module) == TEXTS[name]
    assert_structurally_equal(module, tessel.parse(tessel.print_ir(module)))


@pytest.mark.parametrize("name", list(TEXTS))
def test_generic_form_round_trips(name: str) -> None:
    module = tessel.parse(TEXTS[name])
    generic = tessel.print_ir(module, generic=True)
    assert not re.search(r'(?<!["!])te\.[a-z_]+', generic)  # every te op prints generic
    assert_structurally_equal(module, tessel.parse(generic))
    assert_structurally_equal(module, xdsl_parse(generic))  # xDSL's own parser reads it too
    assert tessel.print_ir(tessel.parse(generic)) == TEXTS[name]


def build_matmul() -> builtin.ModuleOp:
    """MATMUL, built with the ops' constructors."""
    t = TensorType(f32, [64, 64])
    outer = Block(arg_types=[t, t])
    a_arg, b_arg = outer.args
    body = te.ComputeOp.make_body(2, 1)
    y, x, k = body.block.args
    a, b = te.ReadOp(a_arg, [k, y]), te.ReadOp(b_arg, [k, x])
    mul = arith.MulfOp(a.result, b.result)
    body.block.add_ops([a, b, mul, te.YieldOp(mul.result, "sum")])
    compute = te.ComputeOp("C", t, [64], body)
    c = compute.result
    axes = sched.AxesOp(c, 3)
    cy, cx, ck = axes.results
    tile = sched.TileOp.create(
        operands=[c, cy, cx],
        properties={"factors": builtin.ArrayAttr([builtin.IntegerAttr(8, 64)] * 2)},
        result_types=[te.AxisType()] * 4,
    )
    yo, xo, yi, xi = tile.results
    split = sched.SplitOp(c, ck, factor=8)
    ko, ki = split.results
    cache = sched.CacheReadOp(a_arg, "inp_buffer", [c])
    primitives: list[Operation] = [
        axes,
        tile,
        split,
        sched.ReorderOp(c, [yo, xo, ko, yi, xi, ki]),
        cache,
        sched.ComputeAtOp(cache.cache, c, ko),
        sched.PragmaOp(cache.cache, "dma_copy"),
        sched.TensorizeOp(c, yi, "gemm8x8"),
    ]
    schedule = te.ScheduleOp(Region(Block(primitives)))
    outer.add_ops([compute, schedule, func.ReturnOp(c)])
    return builtin.ModuleOp([func.FuncOp("matmul", ([t, t], [t]), Region(outer))])


def test_parsed_matmul_is_the_built_one() -> None:
    built = build_matmul()
    built.verify()
    assert_structurally_equal(built, tessel.parse(MATMUL))


def test_compute_body_arguments_are_outputs_then_reduction_axes() -> None:
    (compute,) = ops_of(tessel.parse(MATMUL), te.ComputeOp)
    assert [arg.name_hint for arg in compute.spatial_args] == ["y", "x"]
    assert [arg.name_hint for arg in compute.reduce_args] == ["k"]
    assert all(isinstance(arg.type, IndexType) for arg in compute.body.block.args)
    assert compute.shape == (64, 64) and compute.reduce_shape == (64,)


def test_intrin_lower_keeps_each_call() -> None:
    module = tessel.parse(GEMM8X8)
    (lowering,) = ops_of(module, te.IntrinLowerOp)
    placeholders = [op.result for op in ops_of(module, te.PlaceholderOp)]
    assert lowering.compute_callee.root_reference.data == "vdla.gemm8x8"
    assert list(lowering.compute_args) == [*placeholders, lowering.output]
    assert list(lowering.reset_args) == [lowering.output]
    assert lowering.update_callee is not None and lowering.update_callee.root_reference.data == "vdla.fused_gemm8x8_add"


def test_split_by_and_nparts() -> None:
    splits = [op for text in (MATMUL, ALL_FORMS) for op in ops_of(tessel.parse(text), sched.SplitOp)]
    assert [(s.factor, s.nparts) for s in splits] == [(builtin.IntegerAttr(8, 64), None), (None, builtin.IntegerAttr(4, 64))]


@pytest.mark.parametrize(("names", "count"), [("%a, %b, %c = ", 3), ("%a:3 = ", 3), ("%a, %b:2 = ", 3), ("", 0)])
def test_axes_makes_as_many_axes_as_names(names: str, count: int) -> None:
    text = f"func.func @f(%T: tensor<2x2x2xf32>) {{\n  te.schedule {{\n    {names}te.axes %T\n  }}\n  func.return\n}}\n"
    (axes,) = ops_of(tessel.parse(text), sched.AxesOp)
    assert len(axes.results) == count and all(isinstance(r.type, te.AxisType) for r in axes.results)
    assert len(list(axes.stage.uses)) == 1  # the op built before the names were known left no use behind


def _make_yield_unknown(module: builtin.ModuleOp) -> None:
    ops_of(module, te.YieldOp)[0].properties["reducer"] = StringAttr("avg")


def _make_identity_f64(module: builtin.ModuleOp) -> None:
    yields = [op for op in ops_of(module, te.YieldOp) if op.reducer is not None]
    yields[0].properties["identity"] = FloatAttr(0.5, builtin.f64)


def _make_lower_reset_only(module: builtin.ModuleOp) -> None:
    del ops_of(module, te.IntrinLowerOp)[0].properties["update_callee"]


def _add_attribute(op_type: type[Operation]) -> Callable[[builtin.ModuleOp], None]:
    def change(module: builtin.ModuleOp) -> None:
        ops_of(module, op_type)[0].attributes["note"] = StringAttr("kept")

    return change


@pytest.mark.parametrize(
    ("text", "change", "generic_name"),
    [
        (ALL_FORMS, _make_yield_unknown, '"te.yield"'),
        (ALL_FORMS, _make_identity_f64, '"te.yield"'),
        (GEMM8X8, _make_lower_reset_only, '"te.intrin_lower"'),
        (MATMUL, _add_attribute(te.ComputeOp), '"te.compute"'),
        (MATMUL, _add_attribute(sched.SplitOp), '"te.split"'),
        (MATMUL, _add_attribute(te.ScheduleOp), '"te.schedule"'),
        (GEMM8X8, _add_attribute(te.PlaceholderOp), '"te.placeholder"'),
    ],
    ids=[
        "unknown_reducer",
        "f64_identity_of_f32",
        "reset_without_update",
        "compute_attr",
        "split_attr",
        "schedule_attr",
        "placeholder_attr",
    ],
)
def test_what_the_custom_form_cannot_spell_prints_generic(
    text: str, change: Callable[[builtin.ModuleOp], None], generic_name: str
) -> None:
    module = tessel.parse(text)
    change(module)
    printed = tessel.print_ir(module)
    assert generic_name in printed
    assert_structurally_equal(module, tessel.parse(printed))


def test_compute_with_misplaced_block_arguments_prints_generic() -> None:
    module = tessel.parse(MATMUL)
    ops_of(module, te.ComputeOp)[0].body.block.insert_arg(IndexType(), 3)  # one more argument than indices and reduction axes
    printed = tessel.print_ir(module)
    assert '"te.compute"' in printed
    assert_structurally_equal(module, tessel.parse(printed))


def test_stage_defined_after_its_use_prints_generic() -> None:
    module = tessel.parse(MATMUL)
    (cache,) = ops_of(module, sched.CacheReadOp)
    (compute_at,) = ops_of(module, sched.ComputeAtOp)
    schedule = compute_at.parent_block()
    assert schedule is not None
    cache.detach()
    schedule.insert_op_after(cache, compute_at)
    printed = tessel.print_ir(module)
    assert '"te.compute_at"' in printed and "%Al = te.cache_read" in printed
    # (structural equivalence cannot follow a use before its definition; the generic texts can)
    assert tessel.print_ir(tessel.parse(printed), generic=True) == tessel.print_ir(module, generic=True)


CACHE_READ = '      %Al = te.cache_read %A "inp_buffer" for [%C]\n'
PRAGMA = '      te.pragma %Al "dma_copy"\n'


def in_schedule(line: str) -> str:
    """`line` as the last primitive of MATMUL's schedule (line 18)."""
    last = "      te.tensorize %C %yi using @gemm8x8\n"
    return MATMUL.replace(last, f"{last}      {line}\n")


@dataclass(frozen=True)
class Case:
    text: str
    line: int
    column: int
    message: str
    """A part of the error message."""


ERRORS = {
    "stage_used_before_definition": Case(
        MATMUL.replace(CACHE_READ, "").replace(PRAGMA, PRAGMA + CACHE_READ),
        14,
        21,
        "stage %Al must be defined before the schedule uses it",
    ),
    "undefined_stage": Case(in_schedule("te.compute_inline %Q"), 18, 25, "stage %Q must be defined before the schedule uses it"),
    "undefined_reader": Case(in_schedule('%AL = te.cache_read %A "shared" for [%C, %Q]'), 18, 48, "stage %Q must be defined"),
    "stage_as_axis": Case(
        in_schedule("te.parallel %C %C"), 18, 22, "type mismatch: '%C' has type tensor<64x64xf32> but is used as !te.axis"
    ),
    "split_without_size": Case(in_schedule("te.split %C %ck"), 19, 5, "unexpected '}'; expected 'by', 'nparts'"),
    "split_factor_too_large": Case(
        in_schedule("te.split %C %ck by 99999999999999999999"), 18, 26, "integer 99999999999999999999 does not fit i64"
    ),
    "pragma_without_name": Case(in_schedule("te.pragma %C %ck"), 19, 5, "unexpected '}'; expected a string"),
    "fewer_extents_than_names": Case(
        MATMUL.replace("(%y, %x) < (64, 64)", "(%y, %x) < (64)"), 3, 30, "te.compute: 2 index name(s) but 1 extent(s)"
    ),
    "more_reduce_extents_than_names": Case(
        MATMUL.replace("reduce (%k) < (64)", "reduce (%k) < (64, 2)"), 3, 64, "te.compute: 1 index name(s) but 2 extent(s)"
    ),
    "extent_not_the_result_dim": Case(
        MATMUL.replace("(%y, %x) < (64, 64)", "(%y, %x) < (64, 32)"),
        3,
        41,
        "te.compute: extent 32 of output index %x does not match tensor<64x64xf32> (dim 1 is 64)",
    ),
    "index_count_not_the_result_rank": Case(
        MATMUL.replace("(%y, %x) < (64, 64)", "(%y) < (64)"),
        3,
        26,
        "te.compute: 1 output index(es) but the result type tensor<64x64xf32> has rank 2",
    ),
    "compute_of_scalar_type": Case(
        MATMUL.replace("} : tensor<64x64xf32>", "} : f32"), 3, 10, "te.compute: expected a tensor result type, got f32"
    ),
    "index_named_twice": Case(
        MATMUL.replace("(%y, %x) < (64, 64)", "(%y, %y) < (64, 64)"), 3, 30, "redefinition of SSA value '%y'"
    ),
    "unknown_reducer": Case(
        MATMUL.replace("te.yield sum", "te.yield avg"),
        7,
        16,
        "te.yield: unknown reducer 'avg'; expected one of sum, prod, max, min",
    ),
    "float_identity_of_integer_yield": Case(
        MATMUL.replace("%p : f32", "%p identity 1.5 : i32"), 7, 32, "float literal needs a float type, got i32"
    ),
    "read_of_scalar_type": Case(
        MATMUL.replace("x] : tensor<64x64xf32>", "x] : f32"), 5, 12, "te.read: expected a tensor type, got f32"
    ),
    "placeholder_of_scalar_type": Case(
        GEMM8X8.replace('"w" : tensor<8x8xf32>', '"w" : f32'), 3, 10, "te.placeholder: expected a tensor type, got f32"
    ),
    "intrin_call_of_undefined_buffer": Case(
        GEMM8X8.replace("@vdla.fill_zero(%y)", "@vdla.fill_zero(%q)"),
        11,
        80,
        "te.intrin_lower: %q must be defined before the call passes it",
    ),
    "reset_without_update": Case(
        GEMM8X8.replace(" update @vdla.fused_gemm8x8_add(%w, %x, %y)", ""), 12, 3, "unexpected '}'; expected 'update'"
    ),
}


@pytest.mark.parametrize("case", ERRORS.values(), ids=list(ERRORS))
def test_parse_errors_are_located(case: Case) -> None:
    with pytest.raises(tessel.ParseError) as info:
        tessel.parse(case.text, "te.mlir")
    assert case.message in info.value.message
    assert info.value.location is not None
    assert (info.value.location.line, info.value.location.column) == (case.line, case.column), str(info.value)
    assert str(info.value).startswith(f"te.mlir:{case.line}:{case.column}: error: ")


def test_verifier_still_checks_custom_text() -> None:
    text = MATMUL.replace("te.yield sum %p : f32", "te.yield %p : f32")
    with pytest.raises(Exception, match="has reduction axes, so te.yield needs a reducer"):
        tessel.parse(text).verify()
