"""loop-storage-flatten: buffers become 1-D with row-major indices; buffers a call or DMA views keep their
shape; results never change (arguments passed as flat views)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from xdsl.dialects import vector
from xdsl.dialects.builtin import MemRefType, ModuleOp, f32

import tessel
from tessel.dialects import loop
from tessel.passes.loop_storage_flatten import LoopStorageFlattenPass

from .loop_strategies import LoopProgram, assert_loop_pass_preserves, loop_programs, lowered_te_programs


def flatten(text: str) -> ModuleOp:
    module = tessel.parse(text)
    assert_loop_pass_preserves(LoopStorageFlattenPass(), LoopProgram(module, "f"))
    return module


def function(module: ModuleOp, name: str = "f") -> loop.FuncOp:
    return next(op for op in module.walk() if isinstance(op, loop.FuncOp) and op.sym_name.data == name)


def test_arguments_and_allocs_become_one_dimensional_with_row_major_indices() -> None:
    module = flatten("""loop.func @f(%A: memref<2x3x4xf32>, %B: memref<f32>, %C: memref<5xf32>) {
  %c1 = arith.constant 1 : index
  %T = loop.alloc "T" in "local" : memref<3x4xf32>
  loop.for %i = 0 to 2 {
    loop.for %j = 0 to 3 {
      loop.for %k = 0 to 4 {
        %kk = loop.apply 3 - %k
        %v = loop.load %A[%i, %j, %kk] : memref<2x3x4xf32>
        loop.store %v, %T[%j, %k] : memref<3x4xf32>
      }
    }
  }
  %w = loop.load %T[%c1, %c1] : memref<3x4xf32>
  loop.store %w, %B[] : memref<f32>
  loop.store %w, %C[%c1] : memref<5xf32>
}""")
    f = function(module)
    assert [t.get_shape() for t in f.function_type.inputs.data] == [(24,), (1,), (5,)]  # type: ignore[attr-defined]
    assert [a.type for a in f.args] == list(f.function_type.inputs.data)
    (alloc,) = [op for op in module.walk() if isinstance(op, loop.AllocOp)]
    assert alloc.result.type == MemRefType(f32, [12])
    text = tessel.print_ir(module)
    assert "loop.apply %i * 12 + %j * 4 - %k + 3" in text
    assert "loop.apply %j * 4 + %k" in text
    loads = [op for op in module.walk() if isinstance(op, loop.LoadOp)]
    assert loads[1].indices[0].owner.value.value.data == 5  # T[1, 1] -> 1 * 4 + 1


def test_buffers_viewed_by_calls_or_dma_keep_their_shape() -> None:
    module = flatten("""loop.func @f(%A: memref<8x8xf32>, %B: memref<8x8xf32>, %C: memref<4x4xf32>) {
  %c0 = arith.constant 0 : index
  %L = loop.alloc "L" in "local" : memref<2x2xf32>
  loop.dma_copy %A[%c0, %c0] -> %L[%c0, %c0] size [2, 2] : memref<8x8xf32> -> memref<2x2xf32>
  loop.call @copy2(%L[%c0, %c0], %B[%c0, %c0]) : memref<2x2xf32>, memref<8x8xf32>
  %v = loop.load %C[%c0, %c0] : memref<4x4xf32>
  loop.store %v, %B[%c0, %c0] : memref<8x8xf32>
}
loop.func intrinsic @copy2(%x: memref<2x2xf32>, %y: memref<2x2xf32>) {
  loop.for %i = 0 to 2 {
    loop.for %j = 0 to 2 {
      %v = loop.load %x[%i, %j] : memref<2x2xf32>
      loop.store %v, %y[%i, %j] : memref<2x2xf32>
    }
  }
}""")
    f = function(module)
    assert [t.get_shape() for t in f.function_type.inputs.data] == [(8, 8), (8, 8), (16,)]  # type: ignore[attr-defined]
    (alloc,) = [op for op in module.walk() if isinstance(op, loop.AllocOp)]
    assert alloc.result.type == MemRefType(f32, [2, 2])
    callee = function(module, "copy2")
    assert [t.get_shape() for t in callee.function_type.inputs.data] == [(2, 2), (2, 2)]  # type: ignore[attr-defined]


def test_vector_accesses_are_flattened_too() -> None:
    module = flatten("""loop.func @f(%A: memref<2x8xf32>, %B: memref<2x8xf32>) {
  loop.for %r = 0 to 2 {
    %c0 = arith.constant 0 : index
    %v = "vector.load"(%A, %r, %c0) : (memref<2x8xf32>, index, index) -> vector<8xf32>
    "vector.store"(%v, %B, %r, %c0) : (vector<8xf32>, memref<2x8xf32>, index, index) -> ()
  }
}""")
    loads = [op for op in module.walk() if isinstance(op, vector.LoadOp)]
    stores = [op for op in module.walk() if isinstance(op, vector.StoreOp)]
    assert len(loads) == 1 and len(stores) == 1
    assert loads[0].base.type == MemRefType(f32, [16]) and len(loads[0].indices) == 1
    assert tessel.print_ir(module).count("loop.apply %r * 8") == 2  # one per access; loop-simplify's CSE merges them


@given(program=loop_programs(), seed=st.integers(0, 2**32 - 1))
def test_flatten_preserves_random_loop_programs(program: LoopProgram, seed: int) -> None:
    module = assert_loop_pass_preserves(LoopStorageFlattenPass(), program, seed)
    buffers = [op.result for op in module.walk() if isinstance(op, loop.AllocOp)] + list(function(module, "main").args)
    assert all(b.type.get_num_dims() == 1 for b in buffers)  # type: ignore[attr-defined]


@given(program=lowered_te_programs(), seed=st.integers(0, 2**32 - 1))
def test_flatten_preserves_lowered_te_schedules(program: LoopProgram, seed: int) -> None:
    assert_loop_pass_preserves(LoopStorageFlattenPass(), program, seed)
