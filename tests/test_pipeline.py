"""Tests of pipeline parsing, option errors, running passes, timing, hooks and verification."""

from dataclasses import dataclass

import pytest
from xdsl.context import Context
from xdsl.dialects import arith, func
from xdsl.dialects.builtin import ModuleOp
from xdsl.ir import Operation
from xdsl.parser import Parser
from xdsl.passes import ModulePass
from xdsl.rewriter import Rewriter
from xdsl.transforms.common_subexpression_elimination import CommonSubexpressionElimination
from xdsl.transforms.dead_code_elimination import DeadCodeElimination
from xdsl.utils.exceptions import VerifyException

from tessel.dialects.context import make_context
from tessel.passes import (
    PassRegistry,
    PassTiming,
    PassVerifyError,
    PipelineError,
    default_registry,
    parse_pass_pipeline,
    run_pipeline,
)

PROGRAM = """
func.func @f(%a: i32, %b: i32) -> i32 {
  %zero = arith.constant 0 : i32
  %0 = arith.addi %a, %b : i32
  %1 = arith.addi %a, %b : i32
  %2 = arith.muli %0, %1 : i32
  %dead = arith.muli %a, %a : i32
  %3 = arith.addi %2, %zero : i32
  func.return %3 : i32
}
"""


@dataclass(frozen=True)
class UnrollPass(ModulePass):
    """A test-only pass with options."""

    name = "test-unroll"
    factor: int = 4
    target: str = "llvm"
    max_group_size: int = 8

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        pass


@dataclass(frozen=True)
class TilePass(ModulePass):
    """A test-only pass with a required option."""

    name = "test-tile"
    size: int

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        pass


class EraseReturnPass(ModulePass):
    """A test-only pass that breaks the IR: it erases every func.return."""

    name = "test-erase-return"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        for ret in [o for o in op.walk() if isinstance(o, func.ReturnOp)]:
            Rewriter.erase_op(ret)


def pass_registry() -> PassRegistry:
    return default_registry().extended([UnrollPass, TilePass, EraseReturnPass])


def parse_module(text: str = PROGRAM) -> ModuleOp:
    return Parser(make_context(), text).parse_module()


def count(module: ModuleOp, op_type: type[Operation]) -> int:
    return sum(isinstance(op, op_type) for op in module.walk())


# Parsing


def test_empty_pipeline_has_no_passes() -> None:
    assert parse_pass_pipeline("") == ()


def test_pipeline_passes_in_order() -> None:
    passes = parse_pass_pipeline("cse,dce,cse")
    assert [p.name for p in passes] == ["cse", "dce", "cse"]
    assert isinstance(passes[1], DeadCodeElimination)


def test_pipeline_options_set_pass_fields() -> None:
    (unroll,) = parse_pass_pipeline("test-unroll{factor=8 target=cuda max-group-size=2}", pass_registry())
    assert unroll == UnrollPass(factor=8, target="cuda", max_group_size=2)


def test_pipeline_options_default_when_absent() -> None:
    (unroll,) = parse_pass_pipeline("test-unroll", pass_registry())
    assert unroll == UnrollPass()


def test_unknown_pass_lists_known_passes() -> None:
    with pytest.raises(PipelineError) as info:
        parse_pass_pipeline("cse,fuse-everything")
    message = str(info.value)
    assert "unknown pass 'fuse-everything'" in message
    for name in ("canonicalize", "cse", "dce", "licm"):
        assert name in message


def test_unknown_option_lists_valid_options_with_types() -> None:
    with pytest.raises(PipelineError) as info:
        parse_pass_pipeline("test-unroll{facter=2}", pass_registry())
    message = str(info.value)
    assert "pass 'test-unroll' has no option 'facter'" in message
    assert "factor: int = 4" in message
    assert "target: str = llvm" in message
    assert "max-group-size: int = 8" in message


def test_option_of_a_pass_without_options() -> None:
    with pytest.raises(PipelineError, match="pass 'cse' has no option 'depth'; valid options: \\(none\\)"):
        parse_pass_pipeline("cse{depth=2}")


def test_bad_option_value_names_option_type_and_value() -> None:
    with pytest.raises(PipelineError, match="pass 'test-unroll': bad value for option 'factor': expected int, got abc"):
        parse_pass_pipeline("test-unroll{factor=abc}", pass_registry())


def test_option_without_value() -> None:
    with pytest.raises(PipelineError, match="option 'factor': expected int, got no value"):
        parse_pass_pipeline("test-unroll{factor}", pass_registry())


def test_missing_required_option() -> None:
    with pytest.raises(PipelineError, match="pass 'test-tile': .*requires argument \"size\""):
        parse_pass_pipeline("test-tile", pass_registry())


def test_syntax_error_points_at_the_column() -> None:
    with pytest.raises(PipelineError, match="pass-pipeline:1:5"):
        parse_pass_pipeline("cse{")


# Running


def test_passes_are_usable_directly() -> None:
    module = parse_module()
    CommonSubexpressionElimination().apply(make_context(), module)
    assert count(module, arith.AddiOp) == 2


def test_empty_pipeline_leaves_module_unchanged() -> None:
    module = parse_module()
    run_pipeline(module, "")
    assert module.is_structurally_equivalent(parse_module())


def test_cse_merges_equal_adds() -> None:
    module = parse_module()
    run_pipeline(module, "cse")
    assert count(module, arith.AddiOp) == 2


def test_dce_removes_dead_multiply() -> None:
    module = parse_module()
    run_pipeline(module, "dce")
    assert count(module, arith.MuliOp) == 1


def test_canonicalize_folds_add_of_zero() -> None:
    module = parse_module()
    run_pipeline(module, "canonicalize", ctx=make_context())
    assert count(module, arith.AddiOp) == 2
    assert count(module, arith.ConstantOp) == 0


def test_pipeline_applies_passes_in_sequence() -> None:
    module = parse_module()
    run_pipeline(module, "canonicalize,cse,dce")
    assert count(module, arith.AddiOp) == 1
    assert count(module, arith.MuliOp) == 1


# Timing, hooks, verification


def test_timing_records_each_pass_execution() -> None:
    timing = PassTiming()
    run_pipeline(parse_module(), "cse,dce,cse", timing=timing)
    assert [name for name, _ in timing.entries] == ["cse", "dce", "cse"]
    assert timing.total == pytest.approx(sum(seconds for _, seconds in timing.entries))
    report = timing.report()
    for name in ("cse", "dce", "Total"):
        assert name in report


def test_timing_report_has_seconds_and_percent() -> None:
    timing = PassTiming([("cse", 0.25), ("dce", 0.75)])
    lines = timing.report().splitlines()
    assert "  Total Execution Time: 1.0000 seconds" in lines
    assert "    0.2500 ( 25.0%)  cse" in lines
    assert "    0.7500 ( 75.0%)  dce" in lines
    assert lines[-1] == "    1.0000 (100.0%)  Total"


def test_after_each_is_called_once_per_pass() -> None:
    module = parse_module()
    seen: list[tuple[str, ModuleOp]] = []
    run_pipeline(module, "cse,dce", after_each=lambda p, m: seen.append((p.name, m)))
    assert seen == [("cse", module), ("dce", module)]


def test_verify_each_names_the_pass_that_broke_the_ir() -> None:
    with pytest.raises(PassVerifyError, match="verification failed after pass 'test-erase-return'") as info:
        run_pipeline(parse_module(), "cse,test-erase-return,dce", registry=pass_registry())
    assert info.value.pass_name == "test-erase-return"
    assert isinstance(info.value.__cause__, VerifyException)


def test_verify_each_off_lets_broken_ir_through() -> None:
    module = parse_module()
    run_pipeline(module, "test-erase-return", registry=pass_registry(), verify_each=False)
    assert count(module, func.ReturnOp) == 0
