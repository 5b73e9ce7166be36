// RUN: tessel-opt %s | filecheck %s
// RUN: tessel-opt %s --generic | tessel-opt | filecheck %s
// RUN: tessel-opt %s --generic | filecheck %s --check-prefix=GENERIC

// The matmul of the syntax sketch: C[y, x] = sum_k A[k, y] * B[k, x].
// CHECK-LABEL: func.func @matmul(%A: tensor<1024x1024xf32>, %B: tensor<1024x1024xf32>) -> tensor<1024x1024xf32> {
// CHECK-NEXT:    %[[C:.*]] = te.compute "C" (%[[Y:.*]], %[[X:.*]]) < (1024, 1024) reduce (%[[K:.*]]) < (1024) {
// CHECK-NEXT:      %[[A:.*]] = te.read %A[%[[K]], %[[Y]]] : tensor<1024x1024xf32>
// CHECK-NEXT:      %[[B:.*]] = te.read %B[%[[K]], %[[X]]] : tensor<1024x1024xf32>
// CHECK-NEXT:      %[[P:.*]] = arith.mulf %[[A]], %[[B]] : f32
// CHECK-NEXT:      te.yield sum %[[P]] : f32
// CHECK-NEXT:    } : tensor<1024x1024xf32>
// CHECK:         func.return %[[C]] : tensor<1024x1024xf32>

// GENERIC-LABEL: "func.func"() <{sym_name = "matmul"
// GENERIC:         %[[C:.*]] = "te.compute"() <{name = "C", reduce_extents = [1024 : i64]}> ({
// GENERIC-NEXT:    ^bb0(%[[Y:.*]]: index, %[[X:.*]]: index, %[[K:.*]]: index):
// GENERIC-NEXT:      "te.read"(%A, %[[K]], %[[Y]]) : (tensor<1024x1024xf32>, index, index) -> f32
// GENERIC:           "te.yield"(%{{.*}}) <{reducer = "sum"}> : (f32) -> ()
// GENERIC-NEXT:    }) : () -> tensor<1024x1024xf32>
func.func @matmul(%A: tensor<1024x1024xf32>, %B: tensor<1024x1024xf32>) -> tensor<1024x1024xf32> {
  %C = te.compute "C" (%y, %x) < (1024, 1024) reduce (%k) < (1024) {
    %a = te.read %A[%k, %y] : tensor<1024x1024xf32>
    %b = te.read %B[%k, %x] : tensor<1024x1024xf32>
    %p = arith.mulf %a, %b : f32
    te.yield sum %p : f32
  } : tensor<1024x1024xf32>
  func.return %C : tensor<1024x1024xf32>
}

// The tensor intrinsic the matmul's schedule tensorizes with: y[i, j] = sum_k w[k, i] * x[k, j].
// CHECK-LABEL: te.intrin @gemm8x8 {
// CHECK-NEXT:    %[[W:.*]] = te.placeholder "w" : tensor<8x8xf32>
// CHECK-NEXT:    %[[X:.*]] = te.placeholder "x" : tensor<8x8xf32>
// CHECK-NEXT:    %[[Y:.*]] = te.compute "y" (%[[I:.*]], %[[J:.*]]) < (8, 8) reduce (%[[K:.*]]) < (8) {
// CHECK-NEXT:      %[[A:.*]] = te.read %[[W]][%[[K]], %[[I]]] : tensor<8x8xf32>
// CHECK-NEXT:      %[[B:.*]] = te.read %[[X]][%[[K]], %[[J]]] : tensor<8x8xf32>
// CHECK-NEXT:      %[[P:.*]] = arith.mulf %[[A]], %[[B]] : f32
// CHECK-NEXT:      te.yield sum %[[P]] : f32
// CHECK-NEXT:    } : tensor<8x8xf32>
// CHECK-NEXT:    te.intrin_lower %[[Y]] compute @vdla.gemm8x8(%[[W]], %[[X]], %[[Y]]) reset @vdla.fill_zero(%[[Y]]) update @vdla.fused_gemm8x8_add(%[[W]], %[[X]], %[[Y]])
// CHECK-NEXT:  }

// GENERIC-LABEL: "te.intrin"() <{sym_name = "gemm8x8"}> ({
// GENERIC:         "te.intrin_lower"(%{{.*}}) <{compute_callee = @vdla.gemm8x8, reset_callee = @vdla.fill_zero, update_callee = @vdla.fused_gemm8x8_add, operandSegmentSizes = array<i32: 1, 3, 1, 3>}>
te.intrin @gemm8x8 {
  %w = te.placeholder "w" : tensor<8x8xf32>
  %x = te.placeholder "x" : tensor<8x8xf32>
  %y = te.compute "y" (%i, %j) < (8, 8) reduce (%k) < (8) {
    %a = te.read %w[%k, %i] : tensor<8x8xf32>
    %b = te.read %x[%k, %j] : tensor<8x8xf32>
    %p = arith.mulf %a, %b : f32
    te.yield sum %p : f32
  } : tensor<8x8xf32>
  te.intrin_lower %y compute @vdla.gemm8x8(%w, %x, %y) reset @vdla.fill_zero(%y) update @vdla.fused_gemm8x8_add(%w, %x, %y)
}

// Without reset/update, only the compute call.
// CHECK-LABEL: te.intrin @copy8 {
// CHECK:         te.intrin_lower %[[Y:.*]] compute @vdla.copy8(%{{.*}}, %[[Y]]){{$}}
te.intrin @copy8 {
  %w = te.placeholder "w" : tensor<8xf32>
  %y = te.compute "y" (%i) < (8) {
    %a = te.read %w[%i] : tensor<8xf32>
    te.yield %a : f32
  } : tensor<8xf32>
  te.intrin_lower %y compute @vdla.copy8(%w, %y)
}

// No `reduce` part without reduction axes; a rank-0 compute has empty index lists.
// CHECK-LABEL: func.func @forms
// CHECK:         te.compute "relu" (%[[I:.*]]) < (8) {
// CHECK:           %[[V:.*]] = te.read %in[%[[I]]] : tensor<8xf32>
// CHECK:           te.yield %{{.*}} : f32
// CHECK-NEXT:    } : tensor<8xf32>
// CHECK:         te.compute "maximum" () < () reduce (%[[R:.*]]) < (8) {
// CHECK:           %[[E:.*]] = te.read %in[%[[R]]] : tensor<8xf32>
// CHECK:           %[[S:.*]] = te.if_then_else %c, %[[E]], %{{.*}} : f32
// CHECK-NEXT:      te.yield max %[[S]] identity -1.000000e+30 : f32
// CHECK-NEXT:    } : tensor<f32>
// CHECK:         te.compute "count" () < () reduce (%{{.*}}) < (8) {
// CHECK:           te.yield sum %{{.*}} identity 1 : i32
// CHECK:         te.compute "one" () < () {
// CHECK-NEXT:      %[[ONE:.*]] = arith.constant 1.000000e+00 : f32
// CHECK-NEXT:      te.yield %[[ONE]] : f32
// CHECK-NEXT:    } : tensor<f32>

// GENERIC-LABEL: "func.func"() <{sym_name = "forms"
// GENERIC:         "te.yield"(%{{.*}}) <{reducer = "max", identity = -1.000000e+30 : f32}> : (f32) -> ()
// GENERIC:         "te.yield"(%{{.*}}) <{reducer = "sum", identity = 1 : i32}> : (i32) -> ()
func.func @forms(%in: tensor<8xf32>, %c: i1) -> tensor<f32> {
  %relu = te.compute "relu" (%i) < (8) {
    %v = te.read %in[%i] : tensor<8xf32>
    %zero = arith.constant 0.0 : f32
    %m = arith.maximumf %v, %zero : f32
    te.yield %m : f32
  } : tensor<8xf32>
  %mx = te.compute "maximum" () < () reduce (%r) < (8) {
    %e = te.read %in[%r] : tensor<8xf32>
    %low = arith.constant -1.0e+30 : f32
    %s = te.if_then_else %c, %e, %low : f32
    te.yield max %s identity -1.0e+30 : f32
  } : tensor<f32>
  %n = te.compute "count" () < () reduce (%q) < (8) {
    %one = arith.constant 1 : i32
    te.yield sum %one identity 1 : i32
  } : tensor<i32>
  %o = te.compute "one" () < () {
    %one = arith.constant 1.0 : f32
    te.yield %one : f32
  } : tensor<f32>
  func.return %mx : tensor<f32>
}
