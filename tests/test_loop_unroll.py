"""loop-unroll: unrolled loops (and short serial ones with all-below) become one body copy per iteration;
too-long unrolled loops are an error naming the loop; results never change."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from xdsl.dialects import arith
from xdsl.dialects.builtin import ModuleOp
from xdsl.utils.exceptions import PassFailedException

import tessel
from tessel.dialects import loop
from tessel.passes.loop_unroll import LoopUnrollPass

from .loop_strategies import LoopProgram, assert_loop_pass_preserves, loop_programs, lowered_te_programs

NEST = """loop.func @f(%A: memref<4x6xf32>, %B: memref<4x6xf32>) {
  loop.for %i = 0 to 4 step 2 unrolled {
    loop.for %j = 1 to 6 step 2 {
      loop.for %k = 0 to 2 unrolled {
        %x = loop.apply %j - %k
        %v = loop.load %A[%i, %x] : memref<4x6xf32>
        loop.store %v, %B[%i, %j] : memref<4x6xf32>
      }
    }
  }
}"""


def unroll(text: str, unroll_pass: LoopUnrollPass) -> ModuleOp:
    module = tessel.parse(text)
    assert_loop_pass_preserves(unroll_pass, LoopProgram(module, "f"))
    return module


def loops(module: ModuleOp) -> list[loop.ForOp]:
    return [op for op in module.walk() if isinstance(op, loop.ForOp)]


def test_unrolled_loops_become_body_copies_inner_first() -> None:
    module = unroll(NEST, LoopUnrollPass())
    assert [op.kind.data for op in loops(module)] == ["serial", "serial"]  # one %j loop per %i
    loads = [op for op in module.walk() if isinstance(op, loop.LoadOp)]
    assert len(loads) == 4  # 2 copies of %i x 2 copies of %k
    first_indices = [op.indices[0].owner.value.value.data for op in loads]
    assert first_indices == [0, 0, 2, 2]


def test_induction_variable_becomes_each_iterations_constant() -> None:
    module = unroll(
        """loop.func @f(%A: memref<8xf32>) {
  loop.for %k = 1 to 8 step 3 unrolled {
    %v = loop.load %A[%k] : memref<8xf32>
    loop.store %v, %A[%k] : memref<8xf32>
  }
}""",
        LoopUnrollPass(),
    )
    stores = [op for op in module.walk() if isinstance(op, loop.StoreOp)]
    assert [op.indices[0].owner.value.value.data for op in stores] == [1, 4, 7]
    assert all(isinstance(op.indices[0].owner, arith.ConstantOp) for op in stores)


def test_all_below_also_unrolls_short_serial_loops_only() -> None:
    module = unroll(NEST.replace("step 2 {", "step 2 parallel {"), LoopUnrollPass(all_below=3))
    assert [op.kind.data for op in loops(module)] == ["parallel", "parallel"]
    module = unroll(NEST, LoopUnrollPass(all_below=3))
    assert loops(module) == []
    module = unroll(NEST, LoopUnrollPass(all_below=2))
    assert [op.kind.data for op in loops(module)] == ["serial", "serial"]


def test_too_long_unrolled_loop_is_an_error_naming_it_and_nothing_changes() -> None:
    module = tessel.parse(NEST)
    before = tessel.print_ir(module)
    with pytest.raises(
        PassFailedException, match=r"loop\.for %k = 0 to 2 unrolled in loop\.func @f has 2 iterations, more than max-trip-count=1"
    ):
        tessel.run_pipeline(module, "loop-unroll{max-trip-count=1}")
    assert tessel.print_ir(module) == before


def test_zero_trip_unrolled_loop_disappears() -> None:
    module = unroll(
        """loop.func @f(%A: memref<8xf32>) {
  loop.for %k = 3 to 3 unrolled {
    %v = loop.load %A[%k] : memref<8xf32>
    loop.store %v, %A[%k] : memref<8xf32>
  }
}""",
        LoopUnrollPass(),
    )
    assert not [op for op in module.walk() if isinstance(op, loop.ForOp | loop.LoadOp)]


@given(program=loop_programs(), seed=st.integers(0, 2**32 - 1), all_below=st.integers(0, 4))
def test_unroll_preserves_random_loop_programs(program: LoopProgram, seed: int, all_below: int) -> None:
    module = assert_loop_pass_preserves(LoopUnrollPass(all_below=all_below), program, seed)
    assert not [op for op in loops(module) if op.kind.data == "unrolled"]


@given(program=lowered_te_programs(), seed=st.integers(0, 2**32 - 1))
def test_unroll_preserves_lowered_te_schedules(program: LoopProgram, seed: int) -> None:
    assert_loop_pass_preserves(LoopUnrollPass(max_trip_count=1 << 20), program, seed)
