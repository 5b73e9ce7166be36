"""Tests of the pass registry: lookup, listing, options and the default registry."""

from dataclasses import dataclass

import pytest
from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.passes import ModulePass
from xdsl.transforms.canonicalize import CanonicalizePass
from xdsl.transforms.common_subexpression_elimination import CommonSubexpressionElimination
from xdsl.transforms.dead_code_elimination import DeadCodeElimination
from xdsl.transforms.loop_invariant_code_motion import LoopInvariantCodeMotionPass

from tessel.passes import PassRegistry, PipelineError, default_registry
from tessel.passes.registry import TESSEL_PASS_NAMES, load_tessel_pass


@dataclass(frozen=True)
class UnrollPass(ModulePass):
    """A test-only pass with options."""

    name = "test-unroll"
    factor: int = 4
    target: str = "llvm"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        pass


def test_default_registry_holds_xdsl_generic_passes() -> None:
    registry = default_registry()
    assert registry.get("canonicalize") is CanonicalizePass
    assert registry.get("cse") is CommonSubexpressionElimination
    assert registry.get("dce") is DeadCodeElimination
    assert registry.get("licm") is LoopInvariantCodeMotionPass


def test_default_registry_holds_every_tessel_pass() -> None:
    registry = default_registry()
    for name in TESSEL_PASS_NAMES:
        assert registry.get(name).name == name


def test_default_registry_is_built_once() -> None:
    assert default_registry() is default_registry()


def test_names_are_sorted_and_iterable() -> None:
    registry = PassRegistry([DeadCodeElimination, UnrollPass, CommonSubexpressionElimination])
    assert registry.names() == ("cse", "dce", "test-unroll")
    assert list(registry) == ["cse", "dce", "test-unroll"]
    assert len(registry) == 3
    assert "dce" in registry
    assert "licm" not in registry


def test_unknown_pass_names_it_and_lists_known_passes() -> None:
    registry = PassRegistry([CommonSubexpressionElimination, DeadCodeElimination])
    with pytest.raises(PipelineError, match="unknown pass 'fuse-nothing'; known passes: cse, dce"):
        registry.get("fuse-nothing")


def test_pipeline_error_is_a_value_error() -> None:
    with pytest.raises(ValueError):
        PassRegistry().get("cse")


def test_options_lists_names_types_and_defaults() -> None:
    options = PassRegistry([UnrollPass]).options("test-unroll")
    assert [(o.name, o.expected_type, o.default_value) for o in options] == [
        ("factor", "int", "4"),
        ("target", "str", "llvm"),
    ]


def test_extended_returns_a_new_registry() -> None:
    base = PassRegistry([CommonSubexpressionElimination])
    extended = base.extended([UnrollPass])
    assert extended.names() == ("cse", "test-unroll")
    assert base.names() == ("cse",)


def test_registering_a_name_twice_is_an_error() -> None:
    with pytest.raises(ValueError, match="'cse' registered twice"):
        PassRegistry([CommonSubexpressionElimination, CommonSubexpressionElimination])


def test_load_tessel_pass_requires_the_pass_in_its_module() -> None:
    # tessel.passes.registry exists but defines no pass named "registry".
    with pytest.raises(ImportError, match="expected one ModulePass named 'registry', found 0"):
        load_tessel_pass("registry")
