// RUN: tessel-opt %s -p fuse-ops --split-input-file | filecheck %s

// An elementwise chain becomes one group whose inputs are the function's arguments.
// CHECK-LABEL: func.func @chain
// CHECK:         %[[F:.*]] = graph.fused "add_relu_exp" kind = broadcast (%x, %b) {
// CHECK-NEXT:    ^bb0(%[[X:.*]]: tensor<2x3xf32>, %[[B:.*]]: tensor<3xf32>):
// CHECK-NEXT:      %[[A:.*]] = graph.add %[[X]], %[[B]]
// CHECK-NEXT:      %[[R:.*]] = graph.relu %[[A]]
// CHECK-NEXT:      %[[E:.*]] = graph.exp %[[R]]
// CHECK-NEXT:      graph.yield %[[E]] : tensor<2x3xf32>
// CHECK:         func.return %[[F]]
func.func @chain(%x: tensor<2x3xf32>, %b: tensor<3xf32>) -> tensor<2x3xf32> {
  %0 = graph.add %x, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  %1 = graph.relu %0 : tensor<2x3xf32>
  %2 = graph.exp %1 : tensor<2x3xf32>
  func.return %2 : tensor<2x3xf32>
}

// -----

// A value the function returns is not fused into a later consumer; what follows it still fuses.
// CHECK-LABEL: func.func @escaping
// CHECK:         %[[R:.*]] = graph.relu %x : tensor<4xf32>
// CHECK-NEXT:    %[[F:.*]] = graph.fused "exp_tanh" kind = elemwise (%[[R]])
// CHECK:         func.return %[[R]], %[[F]]
func.func @escaping(%x: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %0 = graph.relu %x : tensor<4xf32>
  %1 = graph.exp %0 : tensor<4xf32>
  %2 = graph.tanh %1 : tensor<4xf32>
  func.return %0, %2 : tensor<4xf32>, tensor<4xf32>
}

// -----

// A lone op is left as it is.
// CHECK-LABEL: func.func @single
// CHECK-NOT:     graph.fused
// CHECK:         graph.relu
func.func @single(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = graph.relu %x : tensor<4xf32>
  func.return %0 : tensor<4xf32>
}
