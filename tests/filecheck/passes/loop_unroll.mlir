// RUN: tessel-opt %s -p loop-unroll --split-input-file | filecheck %s
// RUN: tessel-opt %s -p 'loop-unroll{all-below=3}' --split-input-file | filecheck %s --check-prefix=SHORT
// RUN: not tessel-opt %s -p 'loop-unroll{max-trip-count=2}' --split-input-file 2>&1 | filecheck %s --check-prefix=TOO-LONG

// Each iteration of an unrolled loop is one copy of its body with the variable a constant;
// the serial loop stays, unless all-below covers its trip count.
// CHECK-LABEL: loop.func @unrolled
// CHECK-NEXT:    loop.for %i = 0 to 3 {
// CHECK-NEXT:      %[[K0:.*]] = arith.constant 0 : index
// CHECK-NEXT:      %[[X0:.*]] = loop.apply %i + %[[K0]]
// CHECK-NEXT:      %[[V0:.*]] = loop.load %A[%[[X0]]] : memref<8xf32>
// CHECK-NEXT:      loop.store %[[V0]], %A[%[[K0]]] : memref<8xf32>
// CHECK-NEXT:      %[[K1:.*]] = arith.constant 2 : index
// CHECK-NEXT:      %[[X1:.*]] = loop.apply %i + %[[K1]]
// CHECK-NEXT:      %[[V1:.*]] = loop.load %A[%[[X1]]] : memref<8xf32>
// CHECK-NEXT:      loop.store %[[V1]], %A[%[[K1]]] : memref<8xf32>
// CHECK-NEXT:    }
// CHECK-NEXT:  }
// SHORT-LABEL: loop.func @unrolled
// SHORT-NOT:     loop.for
// SHORT-COUNT-6: loop.store
// SHORT-NOT:     loop.store
// SHORT:         // -----
loop.func @unrolled(%A: memref<8xf32>) {
  loop.for %i = 0 to 3 {
    loop.for %k = 0 to 4 step 2 unrolled {
      %x = loop.apply %i + %k
      %v = loop.load %A[%x] : memref<8xf32>
      loop.store %v, %A[%k] : memref<8xf32>
    }
  }
}

// -----

// An unrolled loop longer than max-trip-count is an error that names it.
// TOO-LONG: error: {{.*}}loop-unroll: loop.for %k = 0 to 3 unrolled in loop.func @too_long has 3 iterations, more than max-trip-count=2
loop.func @too_long(%A: memref<8xf32>) {
  loop.for %k = 0 to 3 unrolled {
    %v = loop.load %A[%k] : memref<8xf32>
    loop.store %v, %A[%k] : memref<8xf32>
  }
}
