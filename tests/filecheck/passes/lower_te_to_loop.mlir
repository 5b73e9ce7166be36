// RUN: tessel-opt %s -p lower-te-to-loop,cse --split-input-file | filecheck %s

// A non-dividing split guards the extra iterations; loop kinds follow the annotations.
// CHECK-LABEL: loop.func @split_predicate(%A: memref<10xf32>, %B: memref<10xf32>) {
// CHECK-NEXT:    loop.for %io = 0 to 3 parallel {
// CHECK-NEXT:      loop.for %ii = 0 to 4 vectorized {
// CHECK-NEXT:        %[[I:.*]] = loop.apply %io * 4 + %ii
// CHECK-NEXT:        %[[N:.*]] = arith.constant 10 : index
// CHECK-NEXT:        %[[IN:.*]] = arith.cmpi slt, %[[I]], %[[N]] : index
// CHECK-NEXT:        loop.if %[[IN]] {
// CHECK-NEXT:          %[[V:.*]] = loop.load %A[%[[I]]] : memref<10xf32>
// CHECK-NEXT:          %[[E:.*]] = math.exp %[[V]] : f32
// CHECK-NEXT:          loop.store %[[E]], %B[%[[I]]] : memref<10xf32>
func.func @split_predicate(%A: tensor<10xf32>) -> tensor<10xf32> {
  %B = te.compute "B" (%i) < (10) {
    %a = te.read %A[%i] : tensor<10xf32>
    %e = math.exp %a : f32
    te.yield %e : f32
  } : tensor<10xf32>
  te.schedule {
    %i = te.axes %B
    %io, %ii = te.split %B %i by 4
    te.parallel %B %io
    te.vectorize %B %ii
  }
  func.return %B : tensor<10xf32>
}

// -----

// cache_write + compute_at: the accumulator covers just the tile its loop needs (bound inference),
// the reduction's init goes before the first reduction loop.
// CHECK-LABEL: loop.func @matmul_local(%A: memref<16x16xf32>, %B: memref<16x16xf32>, %C: memref<16x16xf32>) {
// CHECK-NEXT:    loop.for %yo = 0 to 4 {
// CHECK-NEXT:      loop.for %xo = 0 to 4 {
// CHECK-NEXT:        %[[CL:.*]] = loop.alloc "C.local" in "local" : memref<4x4xf32>
// CHECK-NEXT:        loop.for %cy = 0 to 4 {
// CHECK-NEXT:          loop.for %cx = 0 to 4 unrolled {
// CHECK-NEXT:            %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK-NEXT:            loop.store %[[ZERO]], %[[CL]][%cy, %cx] : memref<4x4xf32>
// CHECK:             loop.for %k = 0 to 16 {
// CHECK:               loop.for %cy_1 = 0 to 4 {
// CHECK-NEXT:            loop.for %cx_1 = 0 to 4 unrolled {
// CHECK-NEXT:              %[[Y:.*]] = loop.apply %cy_1 + %yo * 4
// CHECK-NEXT:              %[[A:.*]] = loop.load %A[%k, %[[Y]]] : memref<16x16xf32>
// CHECK:                   loop.store %{{.*}}, %[[CL]][%cy_1, %cx_1] : memref<4x4xf32>
// CHECK:             loop.for %yi = 0 to 4 {
// CHECK-NEXT:          loop.for %xi = 0 to 4 {
// CHECK-NEXT:            %[[V:.*]] = loop.load %[[CL]][%yi, %xi] : memref<4x4xf32>
// CHECK-NEXT:            %[[Y2:.*]] = loop.apply %yo * 4 + %yi
// CHECK-NEXT:            %[[X2:.*]] = loop.apply %xo * 4 + %xi
// CHECK-NEXT:            loop.store %[[V]], %C[%[[Y2]], %[[X2]]] : memref<16x16xf32>
func.func @matmul_local(%A: tensor<16x16xf32>, %B: tensor<16x16xf32>) -> tensor<16x16xf32> {
  %C = te.compute "C" (%y, %x) < (16, 16) reduce (%k) < (16) {
    %a = te.read %A[%k, %y] : tensor<16x16xf32>
    %b = te.read %B[%k, %x] : tensor<16x16xf32>
    %p = arith.mulf %a, %b : f32
    te.yield sum %p : f32
  } : tensor<16x16xf32>
  te.schedule {
    %CL = te.cache_write %C "local"
    %y, %x = te.axes %C
    %yo, %xo, %yi, %xi = te.tile %C [%y, %x] by [4, 4]
    te.compute_at %CL at %C %xo
    %cy, %cx, %k = te.axes %CL
    te.reorder %CL [%k, %cy, %cx]
    te.unroll %CL %cx
  }
  func.return %C : tensor<16x16xf32>
}

// -----

// compute_inline substitutes the producer; bound threads and virtual threads become loop kinds;
// a shared-memory stage is fenced by barriers; storage_align pads the row; double_buffer alternates.
// CHECK-LABEL: loop.func @gpu_style(%A: memref<8x8xf32>, %C: memref<8x8xf32>) {
// CHECK-NEXT:    loop.for %by = 0 to 2 thread("blockIdx.x") {
// CHECK-NEXT:      %[[S:.*]] = loop.alloc "A.shared" in "shared" : memref<2x4x9xf32>
// CHECK-NEXT:      loop.barrier
// CHECK:           loop.for %sx = 0 to 8 thread("threadIdx.x") {
// CHECK:           loop.barrier
// CHECK-NEXT:      loop.for %ty = 0 to 4 vthread {
// CHECK-NEXT:        loop.for %x = 0 to 8 thread("threadIdx.x") {
// CHECK:               %[[V:.*]] = loop.load %[[S]][{{.*}}] : memref<2x4x9xf32>
// CHECK-NEXT:          %[[TWO:.*]] = arith.constant 2.000000e+00 : f32
// CHECK-NEXT:          %[[M:.*]] = arith.mulf %[[V]], %[[TWO]] : f32
// CHECK-NEXT:          %[[R:.*]] = arith.addf %[[M]], %[[TWO]] : f32
// CHECK:               loop.store %[[R]], %C[{{.*}}] : memref<8x8xf32>
func.func @gpu_style(%A: tensor<8x8xf32>) -> tensor<8x8xf32> {
  %B = te.compute "B" (%i, %j) < (8, 8) {
    %a = te.read %A[%i, %j] : tensor<8x8xf32>
    %two = arith.constant 2.0 : f32
    %m = arith.mulf %a, %two : f32
    te.yield %m : f32
  } : tensor<8x8xf32>
  %C = te.compute "C" (%i2, %j2) < (8, 8) {
    %b = te.read %B[%i2, %j2] : tensor<8x8xf32>
    %two2 = arith.constant 2.0 : f32
    %r = arith.addf %b, %two2 : f32
    te.yield %r : f32
  } : tensor<8x8xf32>
  te.schedule {
    te.compute_inline %B
    %AS = te.cache_read %A "shared" for [%B]
    %y, %x = te.axes %C
    %by, %ty = te.split %C %y by 4
    te.bind %C %by "blockIdx.x"
    te.bind %C %ty "vthread"
    te.bind %C %x "threadIdx.x"
    te.compute_at %AS at %C %by
    %sy, %sx = te.axes %AS
    te.bind %AS %sx "threadIdx.x"
    te.storage_align %AS %sy factor 9 offset 0
    te.double_buffer %AS
  }
  func.return %C : tensor<8x8xf32>
}
