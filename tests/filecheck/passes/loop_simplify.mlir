// RUN: tessel-opt %s -p loop-simplify --split-input-file | filecheck %s

// A fused index split again is the loop variables; the guard the ranges decide disappears;
// the applies of applies compose into one over the loop variables.
// CHECK-LABEL: loop.func @split_of_fused(%A: memref<4x8xf32>, %B: memref<32xf32>) {
// CHECK-NEXT:    loop.for %i = 0 to 4 {
// CHECK-NEXT:      loop.for %j = 0 to 8 {
// CHECK-NEXT:        %[[T:.*]] = loop.apply %i * 8 + %j
// CHECK-NEXT:        %[[V:.*]] = loop.load %A[%i, %j] : memref<4x8xf32>
// CHECK-NEXT:        loop.store %[[V]], %B[%[[T]]] : memref<32xf32>
// CHECK-NEXT:      }
// CHECK-NEXT:    }
// CHECK-NEXT:  }
loop.func @split_of_fused(%A: memref<4x8xf32>, %B: memref<32xf32>) {
  %c0 = arith.constant 0 : index
  %c32 = arith.constant 32 : index
  loop.for %i = 0 to 4 {
    loop.for %j = 0 to 8 {
      %t = loop.apply %i * 8 + %j
      %u = loop.apply %t + %c0
      %r = loop.apply %u floordiv 8
      %c = loop.apply %u mod 8
      %in = arith.cmpi slt, %t, %c32 : index
      loop.if %in {
        %v = loop.load %A[%r, %c] : memref<4x8xf32>
        loop.store %v, %B[%u] : memref<32xf32>
      }
    }
  }
}

// -----

// te lowering's `x - x floordiv 2 * 2` is `x mod 2`; its `< 2` guard holds. A guard the ranges
// do not decide stays.
// CHECK-LABEL: loop.func @remainder
// CHECK:         loop.for %f = 0 to 10 {
// CHECK-NEXT:      %[[Q:.*]] = loop.apply %f floordiv 2
// CHECK-NEXT:      %[[M:.*]] = loop.apply %f mod 2
// CHECK-NEXT:      %[[IN:.*]] = arith.cmpi slt, %[[Q]], %{{.*}} : index
// CHECK-NEXT:      loop.if %[[IN]] {
// CHECK-NEXT:        %[[V:.*]] = loop.load %A[%[[Q]], %[[M]]] : memref<4x2xf32>
loop.func @remainder(%A: memref<4x2xf32>) {
  %c2 = arith.constant 2 : index
  %c4 = arith.constant 4 : index
  loop.for %f = 0 to 10 {
    %q = loop.apply %f floordiv 2
    %m = loop.apply %f - %f floordiv 2 * 2
    %ok = arith.cmpi slt, %m, %c2 : index
    %in = arith.cmpi slt, %q, %c4 : index
    %both = arith.andi %ok, %in : i1
    loop.if %both {
      %v = loop.load %A[%q, %m] : memref<4x2xf32>
      loop.store %v, %A[%q, %m] : memref<4x2xf32>
    }
  }
}

// -----

// A loop with one iteration is its body (the variable is the lower bound); loops without iterations or
// with nothing to do, and guards that never hold, are deleted; a thread-bound loop stays.
// CHECK-LABEL: loop.func @trivial_loops
// CHECK-NEXT:    %[[K:.*]] = arith.constant 3 : index
// CHECK-NEXT:    %[[V:.*]] = loop.load %A[%[[K]]] : memref<8xf32>
// CHECK-NEXT:    loop.store %[[V]], %A[%[[K]]] : memref<8xf32>
// CHECK-NEXT:    loop.for %t = 0 to 1 thread("threadIdx.x") {
// CHECK-NEXT:      loop.store %[[V]], %A[%t] : memref<8xf32>
// CHECK-NEXT:    }
// CHECK-NEXT:  }
loop.func @trivial_loops(%A: memref<8xf32>) {
  loop.for %k = 3 to 4 unrolled {
    %v = loop.load %A[%k] : memref<8xf32>
    loop.store %v, %A[%k] : memref<8xf32>
    loop.for %t = 0 to 1 thread("threadIdx.x") {
      loop.store %v, %A[%t] : memref<8xf32>
    }
  }
  loop.for %z = 0 to 0 {
    %w = loop.load %A[%z] : memref<8xf32>
    loop.store %w, %A[%z] : memref<8xf32>
  }
  loop.for %e = 0 to 8 {
    %x = loop.apply %e * 2
    %unused = loop.load %A[%e] : memref<8xf32>
  }
  loop.for %g = 0 to 8 {
    %c8 = arith.constant 8 : index
    %never = arith.cmpi sge, %g, %c8 : index
    loop.if %never {
      %w = loop.load %A[%g] : memref<8xf32>
      loop.store %w, %A[%g] : memref<8xf32>
    }
  }
}

// -----

// Local buffers nobody reads are deleted with their stores; constants are shared only where they dominate.
// CHECK-LABEL: loop.func @dead_buffer
// CHECK-NOT:     loop.alloc
// CHECK:         loop.for %i = 0 to 4 {
// CHECK-NEXT:      %[[C:.*]] = arith.constant 1.000000e+00 : f32
// CHECK-NEXT:      loop.store %[[C]], %A[%i] : memref<8xf32>
// CHECK-NEXT:      loop.store %[[C]], %A[%i] : memref<8xf32>
// CHECK-NEXT:    }
loop.func @dead_buffer(%A: memref<8xf32>) {
  %T = loop.alloc "T" in "local" : memref<4xf32>
  loop.for %i = 0 to 4 {
    %one = arith.constant 1.0 : f32
    %again = arith.constant 1.0 : f32
    loop.store %one, %T[%i] : memref<4xf32>
    loop.store %one, %A[%i] : memref<8xf32>
    loop.store %again, %A[%i] : memref<8xf32>
  }
}
