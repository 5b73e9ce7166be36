// RUN: tessel-opt %s -p lower-te-to-loop --split-input-file --verify-diagnostics

func.func @vectorize_reduction(%A: tensor<8x8xf32>) -> tensor<8xf32> {
  %R = te.compute "R" (%i) < (8) reduce (%k) < (8) {
    %a = te.read %A[%i, %k] : tensor<8x8xf32>
    te.yield sum %a : f32
  } : tensor<8xf32>
  te.schedule {
    %i, %k = te.axes %R
    // expected-error@+1 {{te.vectorize: cannot vectorize reduction axis k of stage R (iterations depend on each other)}}
    te.vectorize %R %k
  }
  func.return %R : tensor<8xf32>
}

// -----

func.func @compute_at_outside_consumer(%A: tensor<8x8xf32>) -> tensor<8x8xf32> {
  %B = te.compute "B" (%i, %j) < (8, 8) {
    %a = te.read %A[%i, %j] : tensor<8x8xf32>
    te.yield %a : f32
  } : tensor<8x8xf32>
  %C = te.compute "C" (%i2, %j2) < (8, 8) {
    %b = te.read %B[%i2, %j2] : tensor<8x8xf32>
    te.yield %b : f32
  } : tensor<8x8xf32>
  %D = te.compute "D" (%i3, %j3) < (8, 8) {
    %b = te.read %B[%i3, %j3] : tensor<8x8xf32>
    %c = te.read %C[%i3, %j3] : tensor<8x8xf32>
    %s = arith.addf %b, %c : f32
    te.yield %s : f32
  } : tensor<8x8xf32>
  te.schedule {
    %ci, %cj = te.axes %C
    // expected-error@+1 {{te.compute_at: stage B is computed at loop ci of C, which does not enclose its consumer D}}
    te.compute_at %B at %C %ci
  }
  func.return %D : tensor<8x8xf32>
}

// -----

func.func @reorder_two_stages(%A: tensor<8x8xf32>) -> tensor<8x8xf32> {
  %B = te.compute "B" (%i, %j) < (8, 8) {
    %a = te.read %A[%i, %j] : tensor<8x8xf32>
    te.yield %a : f32
  } : tensor<8x8xf32>
  %C = te.compute "C" (%i2, %j2) < (8, 8) {
    %b = te.read %B[%i2, %j2] : tensor<8x8xf32>
    te.yield %b : f32
  } : tensor<8x8xf32>
  te.schedule {
    %bi, %bj = te.axes %B
    %ci, %cj = te.axes %C
    // expected-error@+1 {{te.reorder: axis bi belongs to stage B, not to stage C}}
    te.reorder %C [%cj, %bi]
  }
  func.return %C : tensor<8x8xf32>
}

// -----

func.func @split_twice(%A: tensor<8xf32>) -> tensor<8xf32> {
  %B = te.compute "B" (%i) < (8) {
    %a = te.read %A[%i] : tensor<8xf32>
    te.yield %a : f32
  } : tensor<8xf32>
  te.schedule {
    %i = te.axes %B
    %o, %n = te.split %B %i by 4
    // expected-error@+1 {{te.split: axis i of stage B was already split or fused; use the axes that made}}
    %o2, %n2 = te.split %B %i by 2
  }
  func.return %B : tensor<8xf32>
}

// -----

func.func @inline_reduction(%A: tensor<8x8xf32>) -> tensor<8xf32> {
  %R = te.compute "R" (%i) < (8) reduce (%k) < (8) {
    %a = te.read %A[%i, %k] : tensor<8x8xf32>
    te.yield sum %a : f32
  } : tensor<8xf32>
  %S = te.compute "S" (%i2) < (8) {
    %r = te.read %R[%i2] : tensor<8xf32>
    te.yield %r : f32
  } : tensor<8xf32>
  te.schedule {
    // expected-error@+1 {{te.compute_inline: R is a reduction; only elementwise computes can be inlined}}
    te.compute_inline %R
  }
  func.return %S : tensor<8xf32>
}

// -----

func.func @fuse_not_adjacent(%A: tensor<4x4x4xf32>) -> tensor<4x4x4xf32> {
  %B = te.compute "B" (%i, %j, %k) < (4, 4, 4) {
    %a = te.read %A[%i, %j, %k] : tensor<4x4x4xf32>
    te.yield %a : f32
  } : tensor<4x4x4xf32>
  te.schedule {
    %i, %j, %k = te.axes %B
    // expected-error@+1 {{te.fuse: axes i, k of stage B are not consecutive loops, outermost first}}
    %f = te.fuse %B [%i, %k]
  }
  func.return %B : tensor<4x4x4xf32>
}

// -----

func.func @vectorize_outer(%A: tensor<4x4xf32>) -> tensor<4x4xf32> {
  %B = te.compute "B" (%i, %j) < (4, 4) {
    %a = te.read %A[%i, %j] : tensor<4x4xf32>
    te.yield %a : f32
  } : tensor<4x4xf32>
  te.schedule {
    %i, %j = te.axes %B
    // expected-error@+1 {{te.vectorize: axis i of stage B is not the innermost loop (j lie inside it)}}
    te.vectorize %B %i
  }
  func.return %B : tensor<4x4xf32>
}

// -----

func.func @stale_axes_after_cache_write(%A: tensor<4x4xf32>) -> tensor<4x4xf32> {
  %B = te.compute "B" (%i, %j) < (4, 4) {
    %a = te.read %A[%i, %j] : tensor<4x4xf32>
    te.yield %a : f32
  } : tensor<4x4xf32>
  te.schedule {
    %i, %j = te.axes %B
    %BL = te.cache_write %B "local"
    // expected-error@+1 {{te.split: axis i is stale: stage B was rebuilt by te.cache_write; take te.axes again}}
    %o, %n = te.split %B %i by 2
  }
  func.return %B : tensor<4x4xf32>
}

// -----

te.intrin @gemm4 {
  %w = te.placeholder "w" : tensor<4x4xf32>
  %x = te.placeholder "x" : tensor<4x4xf32>
  %y = te.compute "y" (%i, %j) < (4, 4) reduce (%k) < (4) {
    %a = te.read %w[%k, %i] : tensor<4x4xf32>
    %b = te.read %x[%k, %j] : tensor<4x4xf32>
    %p = arith.mulf %a, %b : f32
    te.yield sum %p : f32
  } : tensor<4x4xf32>
  te.intrin_lower %y compute @gemm4(%w, %x, %y) reset @zero4(%y) update @gemm4_add(%w, %x, %y)
}

func.func @tensorize_other_pattern(%A: tensor<8x8xf32>, %B: tensor<8x8xf32>) -> tensor<8x8xf32> {
  %C = te.compute "C" (%y, %x) < (8, 8) reduce (%k) < (8) {
    %a = te.read %A[%y, %k] : tensor<8x8xf32>
    %b = te.read %B[%k, %x] : tensor<8x8xf32>
    %p = arith.mulf %a, %b : f32
    te.yield sum %p : f32
  } : tensor<8x8xf32>
  te.schedule {
    %y, %x, %k = te.axes %C
    %yo, %xo, %yi, %xi = te.tile %C [%y, %x] by [4, 4]
    %ko, %ki = te.split %C %k by 4
    te.reorder %C [%yo, %xo, %ko, %yi, %xi, %ki]
    // expected-error@+1 {{te.tensorize: stage C at axis yi with @gemm4: the compute reads A in another pattern than the intrinsic}}
    te.tensorize %C %yi using @gemm4
  }
  func.return %C : tensor<8x8xf32>
}
