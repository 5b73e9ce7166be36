"""loop-vectorize: vectorized loops become vector loads/stores/broadcasts and vector arith with a scalar
epilogue; loops it cannot vectorize stay serial with the reason annotated; results never change."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from xdsl.dialects import arith, vector
from xdsl.dialects.builtin import ModuleOp, StringAttr, VectorType
from xdsl.utils.exceptions import PassFailedException

import tessel
from tessel.dialects import loop
from tessel.passes.loop_vectorize import LoopVectorizePass

from .loop_strategies import LoopProgram, assert_loop_pass_preserves, loop_programs, lowered_te_programs

PARAMS = "%A: memref<4x20xf32>, %B: memref<4x20xf32>, %S: memref<4xf32>"


def vectorize(body: str, width: int = 8, params: str = PARAMS) -> ModuleOp:
    module = tessel.parse(f"loop.func @f({params}) {{\n  %two = arith.constant 2.0 : f32\n{body}\n}}")
    assert_loop_pass_preserves(LoopVectorizePass(width=width), LoopProgram(module, "f"))
    return module


def loops(module: ModuleOp) -> list[loop.ForOp]:
    return [op for op in module.walk() if isinstance(op, loop.ForOp)]


def reasons(module: ModuleOp) -> list[str]:
    found = []
    for for_op in loops(module):
        if for_op.annotations is not None and "not_vectorized" in for_op.annotations.data:
            reason = for_op.annotations.data["not_vectorized"]
            assert isinstance(reason, StringAttr)
            found.append(reason.data)
    return found


def test_contiguous_loop_becomes_vector_code_plus_scalar_epilogue() -> None:
    module = vectorize("""
  loop.for %r = 0 to 4 {
    %x = loop.load %S[%r] : memref<4xf32>
    loop.for %i = 0 to 20 vectorized {
      %a = loop.load %A[%r, %i] : memref<4x20xf32>
      %m = arith.mulf %a, %two : f32
      %s = arith.addf %m, %x : f32
      %e = math.exp %s : f32
      loop.store %e, %B[%r, %i] : memref<4x20xf32>
    }
  }""")
    outer, main, epilogue = loops(module)
    assert (main.bounds, main.kind.data) == ((0, 16, 8), "serial")
    assert (epilogue.bounds, epilogue.kind.data) == ((16, 20, 1), "serial")
    vector_ops = [op.name for op in main.body.block.ops]
    assert vector_ops == ["vector.load", "arith.mulf", "arith.addf", "math.exp", "vector.store"]
    assert all(op.results[0].type == VectorType(op.results[0].type.element_type, [8]) for op in main.body.block.ops if op.results)  # type: ignore[attr-defined]
    # Broadcasts of loop-invariant scalars sit before the vector loop, once each.
    broadcasts = [op for op in outer.body.block.ops if isinstance(op, vector.BroadcastOp)]
    assert len(broadcasts) == 2
    assert [op.name for op in epilogue.body.block.ops] == ["loop.load", "arith.mulf", "arith.addf", "math.exp", "loop.store"]


def test_trip_count_multiple_of_width_has_no_epilogue_and_short_loop_only_one() -> None:
    module = vectorize("""
  %c0 = arith.constant 0 : index
  loop.for %i = 4 to 20 vectorized {
    %a = loop.load %A[%c0, %i] : memref<4x20xf32>
    loop.store %a, %B[%c0, %i] : memref<4x20xf32>
  }
  loop.for %j = 0 to 3 vectorized {
    %a = loop.load %A[%c0, %j] : memref<4x20xf32>
    loop.store %a, %B[%c0, %j] : memref<4x20xf32>
  }""")
    assert [(op.bounds, op.kind.data) for op in loops(module)] == [((4, 20, 8), "serial"), ((0, 3, 1), "serial")]
    assert reasons(module) == []


def test_width_option_and_invariant_loads_stay_scalar() -> None:
    module = vectorize(
        """
  %c1 = arith.constant 1 : index
  loop.for %i = 0 to 8 vectorized {
    %k = loop.apply %i + 3
    %a = loop.load %A[%c1, %k] : memref<4x20xf32>
    %u = loop.load %S[%c1] : memref<4xf32>
    %s = arith.subf %a, %u : f32
    loop.store %s, %B[%c1, %i] : memref<4x20xf32>
  }""",
        width=4,
    )
    (main,) = loops(module)
    assert main.bounds == (0, 8, 4)
    names = [op.name for op in main.body.block.ops]
    assert names == ["loop.apply", "vector.load", "loop.load", "vector.broadcast", "arith.subf", "vector.store"]


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("%a = loop.load %A[%c0, %i] : memref<4x20xf32>\n    %t = loop.load %S[%c0] : memref<4xf32>\n"
         "    %s = arith.addf %a, %t : f32\n    loop.store %s, %S[%c0] : memref<4xf32>",
         "stores to a loop-invariant address of %S (a reduction)"),
        ("%q = loop.apply %i floordiv 4\n    %a = loop.load %A[%q, %c0] : memref<4x20xf32>\n"
         "    loop.store %a, %B[%c0, %i] : memref<4x20xf32>",
         "strided or gathered access to %A"),
        ("%k = loop.apply %i floordiv 2\n    %a = loop.load %A[%c0, %k] : memref<4x20xf32>\n"
         "    loop.store %a, %B[%c0, %i] : memref<4x20xf32>", "strided or gathered access to %A"),
        ("%k = loop.apply %i + 1\n    %a = loop.load %B[%c0, %i] : memref<4x20xf32>\n"
         "    loop.store %a, %B[%c0, %k] : memref<4x20xf32>", "possible dependence between iterations through %B"),
        ("%c = arith.cmpi slt, %c0, %c0 : index\n    loop.if %c {\n    }", "contains a loop.if"),
        ("loop.for %j = 0 to 2 {\n    }", "contains a nested loop"),
        ("%a = loop.load %A[%c0, %i] : memref<4x20xf32>\n    %c = arith.cmpf olt, %a, %two : f32\n"
         "    %s = arith.select %c, %a, %two : f32\n    loop.store %s, %B[%c0, %i] : memref<4x20xf32>",
         "'arith.cmpf' on (vector<8xf32>, vector<8xf32>) has no vector form xDSL verifies"),
        ("%x = arith.index_cast %i : index to i32\n    %f = arith.sitofp %x : i32 to f32\n"
         "    loop.store %f, %B[%c0, %i] : memref<4x20xf32>", "'arith.index_cast' uses the loop variable as a value"),
        ("%t = loop.alloc \"t\" in \"local\" : memref<1xf32>", "allocates a buffer"),
    ],
)  # fmt: skip
def test_loops_that_cannot_vectorize_stay_serial_with_the_reason(body: str, reason: str) -> None:
    module = vectorize(f"  %c0 = arith.constant 0 : index\n  loop.for %i = 0 to 16 vectorized {{\n    {body}\n  }}")
    outer = loops(module)[0]
    assert outer.kind.data == "serial" and outer.bounds == (0, 16, 1)
    assert reasons(module) == [reason]
    assert not [op for op in module.walk() if op.dialect_name() == "vector"]


def test_step_other_than_one_is_not_vectorized() -> None:
    module = vectorize("""
  %c0 = arith.constant 0 : index
  loop.for %i = 0 to 16 step 2 vectorized {
    %a = loop.load %A[%c0, %i] : memref<4x20xf32>
    loop.store %a, %B[%c0, %i] : memref<4x20xf32>
  }""")
    assert reasons(module) == ["step 2 is not 1"]


def test_select_on_a_loop_invariant_condition_keeps_the_scalar_condition() -> None:
    module = vectorize("""
  %c0 = arith.constant 0 : index
  %u = loop.load %S[%c0] : memref<4xf32>
  %c = arith.cmpf olt, %u, %two : f32
  loop.for %i = 0 to 16 vectorized {
    %a = loop.load %A[%c0, %i] : memref<4x20xf32>
    %s = arith.select %c, %a, %two : f32
    loop.store %s, %B[%c0, %i] : memref<4x20xf32>
  }""")
    (select,) = [op for op in module.walk() if isinstance(op, arith.SelectOp)]
    assert not isinstance(select.cond.type, VectorType)
    assert isinstance(select.result.type, VectorType)


def test_width_must_be_positive() -> None:
    with pytest.raises(PassFailedException, match="width must be at least 1, got 0"):
        tessel.run_pipeline(tessel.parse("loop.func @f() {\n}"), "loop-vectorize{width=0}")


@given(program=loop_programs(vector_loops=4), seed=st.integers(0, 2**32 - 1), width=st.sampled_from([1, 2, 4, 8]))
def test_vectorize_preserves_random_loop_programs(program: LoopProgram, seed: int, width: int) -> None:
    module = assert_loop_pass_preserves(LoopVectorizePass(width=width), program, seed)
    assert not [op for op in loops(module) if op.kind.data == "vectorized"]


@given(program=lowered_te_programs(), seed=st.integers(0, 2**32 - 1))
def test_vectorize_after_flatten_and_simplify_preserves_lowered_te_schedules(program: LoopProgram, seed: int) -> None:
    pipeline = "loop-storage-flatten,loop-simplify,loop-vectorize{width=4}"
    assert_loop_pass_preserves(lambda module: tessel.run_pipeline(module, pipeline), program, seed)
