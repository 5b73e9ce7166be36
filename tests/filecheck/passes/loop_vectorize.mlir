// RUN: tessel-opt %s -p loop-vectorize --split-input-file | filecheck %s
// RUN: tessel-opt %s -p 'loop-vectorize{width=4}' --split-input-file | filecheck %s --check-prefix=W4

// Contiguous loads and stores become vector.load / vector.store at lane 0's indices, invariant
// scalars are broadcast once before the vector loop, and the remainder runs in a scalar epilogue.
// CHECK-LABEL: loop.func @axpy
// CHECK:         %[[AV:.*]] = "vector.broadcast"(%a) : (f32) -> vector<8xf32>
// CHECK-NEXT:    loop.for %i = 0 to 16 step 8 {
// CHECK-NEXT:      %[[X:.*]] = "vector.load"(%X, %r, %i) : (memref<2x20xf32>, index, index) -> vector<8xf32>
// CHECK-NEXT:      %[[Y:.*]] = "vector.load"(%Y, %r, %i) : (memref<2x20xf32>, index, index) -> vector<8xf32>
// CHECK-NEXT:      %[[M:.*]] = arith.mulf %[[AV]], %[[X]] : vector<8xf32>
// CHECK-NEXT:      %[[S:.*]] = arith.addf %[[M]], %[[Y]] : vector<8xf32>
// CHECK-NEXT:      "vector.store"(%[[S]], %Y, %r, %i) : (vector<8xf32>, memref<2x20xf32>, index, index) -> ()
// CHECK-NEXT:    }
// CHECK-NEXT:    loop.for %[[I:.*]] = 16 to 20 {
// CHECK-NEXT:      %{{.*}} = loop.load %X[%r, %[[I]]] : memref<2x20xf32>
// W4-LABEL:    loop.func @axpy
// W4:            loop.for %i = 0 to 20 step 4 {
// W4:              -> vector<4xf32>
// W4-NOT:        loop.for
// W4:            // -----
loop.func @axpy(%X: memref<2x20xf32>, %Y: memref<2x20xf32>, %alpha: memref<1xf32>) {
  %c0 = arith.constant 0 : index
  loop.for %r = 0 to 2 {
    %a = loop.load %alpha[%c0] : memref<1xf32>
    loop.for %i = 0 to 20 vectorized {
      %x = loop.load %X[%r, %i] : memref<2x20xf32>
      %y = loop.load %Y[%r, %i] : memref<2x20xf32>
      %m = arith.mulf %a, %x : f32
      %s = arith.addf %m, %y : f32
      loop.store %s, %Y[%r, %i] : memref<2x20xf32>
    }
  }
}

// -----

// A reduction (a store to an address that does not move with the loop) stays a serial loop, with the reason.
// CHECK-LABEL: loop.func @row_sum
// CHECK:         loop.for %k = 0 to 16 attributes {not_vectorized = "stores to a loop-invariant address of %S (a reduction)"} {
// CHECK-NOT:     vector
loop.func @row_sum(%X: memref<16xf32>, %S: memref<1xf32>) {
  %c0 = arith.constant 0 : index
  loop.for %k = 0 to 16 vectorized {
    %x = loop.load %X[%k] : memref<16xf32>
    %s = loop.load %S[%c0] : memref<1xf32>
    %t = arith.addf %s, %x : f32
    loop.store %t, %S[%c0] : memref<1xf32>
  }
}

// -----

// A strided access and a guard keep loops scalar; existing annotations are kept.
// CHECK-LABEL: loop.func @not_vectorizable
// CHECK:         loop.for %i = 0 to 8 attributes {not_vectorized = "strided or gathered access to %X"} {
// CHECK:         loop.for %j = 0 to 8 attributes {pragma_x, not_vectorized = "contains a loop.if"} {
loop.func @not_vectorizable(%X: memref<8x8xf32>, %Y: memref<8xf32>) {
  %c0 = arith.constant 0 : index
  %true = arith.constant true
  loop.for %i = 0 to 8 vectorized {
    %x = loop.load %X[%i, %c0] : memref<8x8xf32>
    loop.store %x, %Y[%i] : memref<8xf32>
  }
  loop.for %j = 0 to 8 vectorized attributes {pragma_x} {
    loop.if %true {
    }
  }
}
