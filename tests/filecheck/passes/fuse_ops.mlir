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

// -----

// conv2d anchors a group with its bias add and activation; the opaque softmax stays out.
// CHECK-LABEL: func.func @conv_block
// CHECK:         %[[F:.*]] = graph.fused "conv2d_add_relu" kind = out_elemwise_fusable (%x, %w, %b) {
// CHECK-NEXT:    ^bb0(%[[X:.*]]: tensor<1x2x4x4xf32>, %[[W:.*]]: tensor<2x2x3x3xf32>, %[[B:.*]]: tensor<2x1x1xf32>):
// CHECK-NEXT:      %[[C:.*]] = graph.conv2d %[[X]], %[[W]] {padding = [1, 1, 1, 1]}
// CHECK-NEXT:      %[[A:.*]] = graph.add %[[C]], %[[B]]
// CHECK-NEXT:      %[[R:.*]] = graph.relu %[[A]]
// CHECK-NEXT:      graph.yield %[[R]]
// CHECK:         %[[S:.*]] = graph.softmax %[[F]] {axis = 1}
// CHECK-NEXT:    func.return %[[S]]
func.func @conv_block(%x: tensor<1x2x4x4xf32>, %w: tensor<2x2x3x3xf32>, %b: tensor<2x1x1xf32>) -> tensor<1x2x4x4xf32> {
  %0 = graph.conv2d %x, %w {padding = [1, 1, 1, 1]} : (tensor<1x2x4x4xf32>, tensor<2x2x3x3xf32>) -> tensor<1x2x4x4xf32>
  %1 = graph.add %0, %b : (tensor<1x2x4x4xf32>, tensor<2x1x1xf32>) -> tensor<1x2x4x4xf32>
  %2 = graph.relu %1 : tensor<1x2x4x4xf32>
  %3 = graph.softmax %2 {axis = 1} : tensor<1x2x4x4xf32>
  func.return %3 : tensor<1x2x4x4xf32>
}

// -----

// An injective chain after a reduction: the reduction's elementwise input fuses into it.
// CHECK-LABEL: func.func @into_reduction
// CHECK:         graph.fused "exp_reduce_sum" kind = comm_reduce
// CHECK:         graph.fused "transpose_reshape_transpose_reshape_add_reshape_pad" kind = injective
func.func @into_reduction(%x: tensor<2x3xf32>) -> tensor<1x3xf32> {
  %0 = graph.exp %x : tensor<2x3xf32>
  %1 = graph.reduce_sum %0 {axes = [1]} : (tensor<2x3xf32>) -> tensor<2x1xf32>
  %2 = graph.transpose %1 {perm = [1, 0]} : (tensor<2x1xf32>) -> tensor<1x2xf32>
  %3 = graph.reshape %2 {shape = [2, 1]} : (tensor<1x2xf32>) -> tensor<2x1xf32>
  %4 = graph.transpose %3 {perm = [1, 0]} : (tensor<2x1xf32>) -> tensor<1x2xf32>
  %5 = graph.reshape %4 {shape = [1, 2]} : (tensor<1x2xf32>) -> tensor<1x2xf32>
  %6 = graph.add %5, %5 : tensor<1x2xf32>
  %7 = graph.reshape %6 {shape = [1, 2]} : (tensor<1x2xf32>) -> tensor<1x2xf32>
  %8 = graph.pad %7 {pads = [0, 0, 0, 1]} : (tensor<1x2xf32>) -> tensor<1x3xf32>
  func.return %8 : tensor<1x3xf32>
}
