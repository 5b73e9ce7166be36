"""loop-simplify: index composition and range-based simplification, guard and loop folding, dead code; and
that it never changes what a loop program computes."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from xdsl.dialects import arith
from xdsl.dialects.builtin import ModuleOp

import tessel
from tessel.dialects import loop
from tessel.passes.loop_simplify import LoopSimplifyPass

from .loop_strategies import (
    LoopProgram,
    assert_loop_pass_preserves,
    loop_programs,
    lowered_te_programs,
    random_buffers,
    run_program,
)


def simplify(body: str, params: str = "%A: memref<4x8xf32>, %B: memref<32xf32>") -> ModuleOp:
    """Parse `loop.func @f(params) { body }`, check it runs the same after loop-simplify, return the result."""
    module = tessel.parse(f"loop.func @f({params}) {{\n{body}\n}}")
    assert_loop_pass_preserves(LoopSimplifyPass(), LoopProgram(module, "f"))
    return module


def ops_of(module: ModuleOp, kind: type) -> list:
    return [op for op in module.walk() if isinstance(op, kind)]


def printed_applies(module: ModuleOp) -> list[str]:
    return [tessel.print_ir(ModuleOp([op.clone()])).split("loop.apply ")[1].split("\n")[0] for op in ops_of(module, loop.ApplyOp)]


def test_split_of_a_fused_index_is_the_loop_variables() -> None:
    module = simplify("""
  loop.for %i = 0 to 4 {
    loop.for %j = 0 to 8 {
      %t = loop.apply %i * 8 + %j
      %r = loop.apply %t floordiv 8
      %c = loop.apply %t mod 8
      %v = loop.load %A[%r, %c] : memref<4x8xf32>
      loop.store %v, %B[%t] : memref<32xf32>
    }
  }""")
    (load,) = ops_of(module, loop.LoadOp)
    i, j = (op.induction_var for op in ops_of(module, loop.ForOp))
    assert list(load.indices) == [i, j]
    assert len(ops_of(module, loop.ApplyOp)) == 1


def test_applies_of_applies_and_constants_compose_into_one() -> None:
    module = simplify("""
  %c3 = arith.constant 3 : index
  loop.for %i = 0 to 4 {
    loop.for %j = 0 to 2 {
      %a = loop.apply %i * 2 + %c3
      %b = loop.apply %a + %j * 4
      %x = arith.addi %b, %c3 : index
      %y = loop.apply %x - 6
      %v = loop.load %B[%y] : memref<32xf32>
      loop.store %v, %B[%j] : memref<32xf32>
    }
  }""")
    (apply,) = ops_of(module, loop.ApplyOp)
    i, j = (op.induction_var for op in ops_of(module, loop.ForOp))
    assert list(apply.operands_) == [i, j]
    assert printed_applies(module) == ["%i * 2 + %j * 4"]


def test_lowering_remainder_pattern_becomes_mod_and_its_guard_folds() -> None:
    """te lowering writes `x mod 2` as `x - x floordiv 2 * 2` and guards it with `< 2`."""
    module = simplify(
        """
  %c2 = arith.constant 2 : index
  loop.for %f = 0 to 8 {
    %m = loop.apply %f - %f floordiv 2 * 2
    %ok = arith.cmpi slt, %m, %c2 : index
    loop.if %ok {
      %q = loop.apply %f floordiv 2
      %v = loop.load %A[%q, %m] : memref<4x2xf32>
      loop.store %v, %A[%q, %m] : memref<4x2xf32>
    }
  }""",
        "%A: memref<4x2xf32>",
    )
    assert not ops_of(module, loop.IfOp)
    assert sorted(printed_applies(module)) == ["%f floordiv 2", "%f mod 2"]


def test_congruence_of_strided_loop_variables() -> None:
    module = simplify("""
  loop.for %s = 0 to 32 step 8 {
    loop.for %l = 0 to 8 {
      %a = loop.apply (%s + %l) floordiv 8
      %b = loop.apply (%s + %l) mod 8
      %q = loop.apply (%s floordiv 8) * 8 + %l
      %v = loop.load %B[%q] : memref<32xf32>
      loop.store %v, %A[%a, %b] : memref<4x8xf32>
    }
  }""")
    store = ops_of(module, loop.StoreOp)[0]
    _, inner = (op.induction_var for op in ops_of(module, loop.ForOp))
    assert store.indices[1] is inner
    assert sorted(printed_applies(module)) == ["%s + %l", "%s floordiv 8"]


def test_guards_decided_by_ranges_disappear_and_others_stay() -> None:
    module = simplify("""
  %c8 = arith.constant 8 : index
  %c5 = arith.constant 5 : index
  %v0 = arith.constant 1.0 : f32
  %v1 = arith.constant 2.0 : f32
  loop.for %i = 0 to 4 {
    loop.for %j = 0 to 8 {
      %t = loop.apply %i * 8 + %j
      %always = arith.cmpi ult, %j, %c8 : index
      loop.if %always {
        %v = loop.load %A[%i, %j] : memref<4x8xf32>
        loop.store %v, %B[%t] : memref<32xf32>
      }
      %never = arith.cmpi sgt, %t, %t : index
      loop.if %never {
        loop.store %v0, %B[%t] : memref<32xf32>
      } else {
        loop.store %v1, %B[%j] : memref<32xf32>
      }
      %sometimes = arith.cmpi slt, %j, %c5 : index
      loop.if %sometimes {
        loop.store %v1, %B[%i] : memref<32xf32>
      }
    }
  }""")
    (guard,) = ops_of(module, loop.IfOp)
    assert isinstance(guard.condition.owner, arith.CmpiOp)
    stores = ops_of(module, loop.StoreOp)
    assert len(stores) == 3 and stores[1].value.owner.value.value.data == 2.0  # the else branch, inlined


def test_loops_with_one_iteration_inline_except_thread_bound_and_annotated() -> None:
    module = simplify("""
  loop.for %i = 2 to 3 unrolled {
    loop.for %t = 0 to 1 thread("threadIdx.x") {
      loop.for %p = 5 to 6 attributes {pragma_keep} {
        %v = loop.load %B[%i] : memref<32xf32>
        loop.store %v, %B[%p] : memref<32xf32>
      }
    }
  }""")
    assert [op.kind.data for op in ops_of(module, loop.ForOp)] == ["thread", "serial"]
    (load,) = ops_of(module, loop.LoadOp)
    assert load.indices[0].owner.value.value.data == 2


def test_empty_and_zero_trip_loops_and_empty_ifs_are_deleted() -> None:
    module = simplify("""
  %c0 = arith.constant 0 : index
  loop.for %i = 0 to 0 {
    %v = loop.load %B[%i] : memref<32xf32>
    loop.store %v, %B[%c0] : memref<32xf32>
  }
  loop.for %j = 0 to 4 {
    %x = loop.apply %j * 2
    %u = loop.load %B[%x] : memref<32xf32>
  }
  loop.for %k = 0 to 4 {
    %c = arith.cmpi slt, %k, %c0 : index
    loop.if %c {
    } else {
    }
  }""")
    assert ops_of(module, loop.FuncOp)[0].body.block.is_empty


def test_write_only_local_buffers_are_deleted_and_read_ones_kept() -> None:
    module = simplify("""
  %c0 = arith.constant 0 : index
  %dead = loop.alloc "dead" in "local" : memref<4xf32>
  %live = loop.alloc "live" in "local" : memref<4xf32>
  %v = loop.load %B[%c0] : memref<32xf32>
  loop.store %v, %dead[%c0] : memref<4xf32>
  loop.store %v, %live[%c0] : memref<4xf32>
  %w = loop.load %live[%c0] : memref<4xf32>
  loop.store %w, %B[%c0] : memref<32xf32>""")
    assert [op.buffer_name.data for op in ops_of(module, loop.AllocOp)] == ["live"]


def test_clamps_the_ranges_decide_go_away() -> None:
    module = simplify("""
  %c0 = arith.constant 0 : index
  %c7 = arith.constant 7 : index
  %c2 = arith.constant 2 : index
  loop.for %j = 0 to 8 {
    %lo = arith.maxsi %j, %c0 : index
    %hi = arith.minsi %lo, %c7 : index
    %q = arith.divsi %hi, %c2 : index
    %v = loop.load %B[%hi] : memref<32xf32>
    loop.store %v, %B[%q] : memref<32xf32>
  }""")
    (store,) = ops_of(module, loop.StoreOp)
    (load,) = ops_of(module, loop.LoadOp)
    (for_op,) = ops_of(module, loop.ForOp)
    assert load.indices[0] is for_op.induction_var
    assert printed_applies(module) == ["%j floordiv 2"]
    assert not ops_of(module, arith.MinSIOp) and not ops_of(module, arith.MaxSIOp)
    assert store.indices[0].owner is ops_of(module, loop.ApplyOp)[0]


def test_nothing_moves_out_of_a_loop() -> None:
    """Equal index expressions in sibling loops stay in their loops; CSE only reuses dominating values."""
    module = simplify("""
  %c1 = arith.constant 1 : index
  loop.for %i = 0 to 4 {
    %a = loop.apply %c1 * 3
    %v = loop.load %B[%a] : memref<32xf32>
    loop.store %v, %B[%i] : memref<32xf32>
  }
  loop.for %j = 0 to 4 {
    %b = loop.load %B[%j] : memref<32xf32>
    %c = arith.addf %b, %b : f32
    loop.store %c, %B[%j] : memref<32xf32>
  }
  loop.for %k = 0 to 4 {
    %b = loop.load %B[%k] : memref<32xf32>
    %c = arith.addf %b, %b : f32
    loop.store %c, %B[%k] : memref<32xf32>
  }""")
    loops = ops_of(module, loop.ForOp)
    assert [len(list(for_op.body.block.ops)) for for_op in loops] == [3, 3, 3]
    assert isinstance(next(iter(loops[0].body.block.ops)), arith.ConstantOp)


def test_unsigned_compare_folds_only_on_non_negative_operands() -> None:
    module = simplify("""
  %c2 = arith.constant 2 : index
  %v = arith.constant 1.0 : f32
  loop.for %i = 0 to 4 {
    %d = loop.apply %i - 2
    %c = arith.cmpi ult, %d, %c2 : index
    loop.if %c {
      loop.store %v, %B[%i] : memref<32xf32>
    }
    %e = arith.cmpi ult, %i, %c2 : index
    loop.if %e {
      loop.store %v, %B[%i] : memref<32xf32>
    }
  }""")
    assert len(ops_of(module, loop.IfOp)) == 2  # -2 <u 2 is false: a signed reading would fold it wrongly


def test_simplify_reaches_a_fixed_point() -> None:
    module = simplify("""
  loop.for %i = 0 to 4 {
    loop.for %j = 0 to 8 {
      %t = loop.apply %i * 8 + %j
      %r = loop.apply %t floordiv 8
      %v = loop.load %A[%r, %j] : memref<4x8xf32>
      loop.store %v, %B[%t] : memref<32xf32>
    }
  }""")
    once = tessel.print_ir(module)
    tessel.run_pipeline(module, "loop-simplify")
    assert tessel.print_ir(module) == once


def test_buffers_unchanged_by_run_helper() -> None:
    """The test helper runs copies: the inputs it is given stay as drawn."""
    module = tessel.parse("loop.func @f(%B: memref<4xf32>) {\n  %c0 = arith.constant 0 : index\n"
                          "  %v = arith.constant 1.0 : f32\n  loop.store %v, %B[%c0] : memref<4xf32>\n}")  # fmt: skip
    function = ops_of(module, loop.FuncOp)[0]
    buffers = random_buffers(function, 1)
    kept = [b.copy() for b in buffers]
    (out,) = run_program(module, "f", buffers)
    np.testing.assert_array_equal(buffers[0], kept[0])
    assert out[0] == 1.0


@given(program=loop_programs(), seed=st.integers(0, 2**32 - 1))
def test_simplify_preserves_random_loop_programs(program: LoopProgram, seed: int) -> None:
    module = assert_loop_pass_preserves(LoopSimplifyPass(), program, seed)
    once = tessel.print_ir(module)
    tessel.run_pipeline(module, "loop-simplify")
    assert tessel.print_ir(module) == once  # a fixed point: nothing left to simplify


@given(program=lowered_te_programs(), seed=st.integers(0, 2**32 - 1))
def test_simplify_preserves_lowered_te_schedules(program: LoopProgram, seed: int) -> None:
    assert_loop_pass_preserves(LoopSimplifyPass(), program, seed)
