// RUN: tessel-opt %s --split-input-file --verify-diagnostics

// Malformed loop-dialect text (parse errors, located at the offending token) and loop ops that
// parse but do not verify.

loop.func @unknown_kind() {
  // expected-error@+1 {{unknown loop kind 'sideways'; expected one of serial, parallel, vectorized, unrolled, thread("..."), vthread}}
  loop.for %i = 0 to 8 sideways {
  }
}

// -----

loop.func @unknown_thread() {
  // expected-error@+1 {{unknown thread 'threadIdx.w'; expected one of blockIdx.x, blockIdx.y, blockIdx.z, threadIdx.x, threadIdx.y, threadIdx.z, vthread}}
  loop.for %i = 0 to 8 thread("threadIdx.w") {
  }
}

// -----

loop.func @thread_without_name() {
  // expected-error@+1 {{loop kind 'thread' needs the thread it is bound to, e.g. thread("threadIdx.x")}}
  loop.for %i = 0 to 8 thread {
  }
}

// -----

loop.func @load_indices(%A: memref<64x64xf32>) {
  %c0 = arith.constant 0 : index
  // expected-error@+1 {{loop.load: memref<64x64xf32> needs 2 indices, got 1}}
  %v = loop.load %A[%c0] : memref<64x64xf32>
}

// -----

loop.func @store_indices(%A: memref<64xf32>, %x: memref<f32>) {
  %c0 = arith.constant 0 : index
  %v = loop.load %x[] : memref<f32>
  // expected-error@+1 {{loop.store: memref<64xf32> needs 1 indices, got 2}}
  loop.store %v, %A[%c0, %c0] : memref<64xf32>
}

// -----

loop.func @load_tensor(%A: memref<64xf32>) {
  %c0 = arith.constant 0 : index
  // expected-error@+1 {{expected a memref type, got tensor<64xf32>}}
  %v = loop.load %A[%c0] : tensor<64xf32>
}

// -----

// expected-error@+1 {{expected a memref type, got f32}}
loop.func @scalar_argument(%x: f32) {
}

// -----

loop.func @scope() {
  // expected-error@+1 {{unknown memory scope 'attic'; expected one of global, shared, local, warp, inp_buffer, wgt_buffer, acc_buffer, uop_buffer}}
  %b = loop.alloc "b" in "attic" : memref<4xf32>
}

// -----

loop.func @non_affine() {
  loop.for %i = 0 to 8 {
    // expected-error@+1 {{non-affine expression: one side of '*' must be a constant}}
    %t = loop.apply %i * %i
  }
}

// -----

loop.func @division_by_name() {
  loop.for %i = 0 to 8 {
    // expected-error@+1 {{non-affine expression: the right side of 'mod' must be a constant}}
    %t = loop.apply 8 mod %i
  }
}

// -----

loop.func @call_types(%A: memref<4xf32>) {
  %c0 = arith.constant 0 : index
  // expected-error@+1 {{loop.call: 2 buffer(s) but 1 buffer type(s)}}
  loop.call @k(%A[%c0], %A[%c0]) : memref<4xf32>
}

// -----

loop.func @dma_sizes(%A: memref<8x8xf32>) {
  %c0 = arith.constant 0 : index
  // expected-error@+1 {{loop.dma_copy: needs one size per source dimension (2), got 1}}
  loop.dma_copy %A[%c0, %c0] -> %A[%c0, %c0] size [8] : memref<8x8xf32> -> memref<8x8xf32>
}

// -----

loop.func @condition_type() {
  %c0 = arith.constant 0 : index
  // expected-error@+1 {{type mismatch: '%c0' has type index but is used as i1}}
  loop.if %c0 {
  }
}

// -----

// Parses, but does not verify.

loop.func @zero_step() {
  // expected-error@+1 {{'loop.for' op the step must be positive, got 0}}
  loop.for %i = 0 to 8 step 0 {
  }
}

// -----

loop.func @dma_element_types(%A: memref<8xf32>, %B: memref<8xi32>) {
  %c0 = arith.constant 0 : index
  // expected-error@+1 {{'loop.dma_copy' op copies f32 into i32}}
  loop.dma_copy %A[%c0] -> %B[%c0] size [8] : memref<8xf32> -> memref<8xi32>
}

// -----

loop.func @call_offsets(%A: memref<8xf32>) {
  %c0 = arith.constant 0 : index
  // expected-error@+1 {{'loop.call' op the buffers need 1 start indices in all, got 2}}
  "loop.call"(%A, %c0, %c0) <{callee = @k, operandSegmentSizes = array<i32: 1, 2>}> : (memref<8xf32>, index, index) -> ()
}
