// RUN: tessel-opt %s -p loop-storage-flatten --split-input-file | filecheck %s

// Arguments and local buffers become 1-D (the function type too); each access indexes the flat buffer
// with one loop.apply of the row-major linear index, composed with the index applies it was built from.
// A fused index split into (row, column) and flattened again is the fused index.
// CHECK-LABEL: loop.func @transpose(%A: memref<12xf32>, %B: memref<12xf32>) {
// CHECK-NEXT:    %T = loop.alloc "T" in "local" : memref<12xf32>
// CHECK-NEXT:    loop.for %i = 0 to 3 {
// CHECK-NEXT:      loop.for %j = 0 to 4 {
// CHECK-NEXT:        %[[IJ:.*]] = loop.apply %i * 4 + %j
// CHECK-NEXT:        %v = loop.load %A[%[[IJ]]] : memref<12xf32>
// CHECK-NEXT:        %[[JI:.*]] = loop.apply %i + %j * 3
// CHECK-NEXT:        loop.store %v, %T[%[[JI]]] : memref<12xf32>
// CHECK:             %[[R:[0-9]+]] = loop.apply %i * 4 + %j
// CHECK-NEXT:        %w = loop.load %T[%[[R]]] : memref<12xf32>
loop.func @transpose(%A: memref<3x4xf32>, %B: memref<4x3xf32>) {
  %T = loop.alloc "T" in "local" : memref<4x3xf32>
  loop.for %i = 0 to 3 {
    loop.for %j = 0 to 4 {
      %v = loop.load %A[%i, %j] : memref<3x4xf32>
      loop.store %v, %T[%j, %i] : memref<4x3xf32>
      %flat = loop.apply %i * 4 + %j
      %r = loop.apply %flat floordiv 3
      %c = loop.apply %flat mod 3
      %w = loop.load %T[%r, %c] : memref<4x3xf32>
      loop.store %w, %B[%j, %i] : memref<4x3xf32>
    }
  }
}

// -----

// Buffers a DMA copy or an intrinsic call views keep their shape, and so do intrinsic functions.
// CHECK-LABEL: loop.func @views(%A: memref<8x8xf32>, %B: memref<2x2xf32>, %C: memref<16xf32>) {
// CHECK:         %L = loop.alloc "L" in "local" : memref<2x2xf32>
// CHECK:         loop.load %C[%{{.*}}] : memref<16xf32>
// CHECK-LABEL: loop.func intrinsic @copy2(%x: memref<2x2xf32>, %y: memref<2x2xf32>) {
// CHECK:         loop.load %x[%i, %j] : memref<2x2xf32>
loop.func @views(%A: memref<8x8xf32>, %B: memref<2x2xf32>, %C: memref<4x4xf32>) {
  %c0 = arith.constant 0 : index
  %L = loop.alloc "L" in "local" : memref<2x2xf32>
  loop.dma_copy %A[%c0, %c0] -> %L[%c0, %c0] size [2, 2] : memref<8x8xf32> -> memref<2x2xf32>
  loop.call @copy2(%L[%c0, %c0], %B[%c0, %c0]) : memref<2x2xf32>, memref<2x2xf32>
  %v = loop.load %C[%c0, %c0] : memref<4x4xf32>
  loop.store %v, %C[%c0, %c0] : memref<4x4xf32>
}
loop.func intrinsic @copy2(%x: memref<2x2xf32>, %y: memref<2x2xf32>) {
  loop.for %i = 0 to 2 {
    loop.for %j = 0 to 2 {
      %v = loop.load %x[%i, %j] : memref<2x2xf32>
      loop.store %v, %y[%i, %j] : memref<2x2xf32>
    }
  }
}
