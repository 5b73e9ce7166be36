// RUN: tessel-opt %s -p fuse-ops,lower-graph-to-te --split-input-file --verify-diagnostics | filecheck %s

// Each fused group becomes one scheduled te function (the anchor's compute, its fused consumers inlined:
// the group writes memory once); the two identical dense+relu groups share one kernel; the graph function
// is left calling the kernels in order.
// CHECK-LABEL: func.func @fused_dense_relu(%p0: tensor<2x16xf32>, %p1: tensor<16x16xf32>) -> tensor<2x16xf32> {
// CHECK:         te.compute "dense"
// CHECK:         %[[RELU:.*]] = te.compute "relu"
// CHECK:         te.schedule {
// CHECK:           te.compute_at %{{.*}} at %[[RELU]]
// CHECK:         func.return %[[RELU]] : tensor<2x16xf32>
// CHECK-NOT:   func.func @fused_dense_relu_1
// CHECK-LABEL: func.func @softmax(%p0: tensor<2x16xf32>) -> tensor<2x16xf32> {
// CHECK:         te.compute "softmax"
// CHECK-LABEL: func.func @model(%x: tensor<2x16xf32>, %w: tensor<16x16xf32>) -> tensor<2x16xf32> {
// CHECK-NEXT:    %[[A:.*]] = graph.call @fused_dense_relu(%x, %w) : (tensor<2x16xf32>, tensor<16x16xf32>) -> tensor<2x16xf32>
// CHECK-NEXT:    %[[B:.*]] = graph.call @fused_dense_relu(%[[A]], %w) : (tensor<2x16xf32>, tensor<16x16xf32>) -> tensor<2x16xf32>
// CHECK-NEXT:    %s = graph.call @softmax(%[[B]]) : (tensor<2x16xf32>) -> tensor<2x16xf32>
// CHECK-NEXT:    func.return %s : tensor<2x16xf32>
func.func @model(%x: tensor<2x16xf32>, %w: tensor<16x16xf32>) -> tensor<2x16xf32> {
  %d1 = graph.dense %x, %w : (tensor<2x16xf32>, tensor<16x16xf32>) -> tensor<2x16xf32>
  %r1 = graph.relu %d1 : tensor<2x16xf32>
  %d2 = graph.dense %r1, %w : (tensor<2x16xf32>, tensor<16x16xf32>) -> tensor<2x16xf32>
  %r2 = graph.relu %d2 : tensor<2x16xf32>
  %s = graph.softmax %r2 : tensor<2x16xf32>
  func.return %s : tensor<2x16xf32>
}

// -----

// Weights stay in the graph function; an elementwise chain is one kernel whose inner axis is vectorized.
// CHECK-LABEL: func.func @fused_add_relu(%p0: tensor<4x32xf32>, %p1: tensor<32xf32>) -> tensor<4x32xf32> {
// CHECK:         te.compute "add"
// CHECK:         te.schedule {
// CHECK-NEXT:      te.compute_inline %add
// CHECK:           te.vectorize %relu
// CHECK-LABEL: func.func @bias_relu(
// CHECK-NEXT:    %b = graph.constant dense<1.000000e+00> : tensor<32xf32>
// CHECK-NEXT:    %r = graph.call @fused_add_relu(%x, %b)
func.func @bias_relu(%x: tensor<4x32xf32>) -> tensor<4x32xf32> {
  %b = graph.constant dense<1.0> : tensor<32xf32>
  %a = graph.add %x, %b : (tensor<4x32xf32>, tensor<32xf32>) -> tensor<4x32xf32>
  %r = graph.relu %a : tensor<4x32xf32>
  func.return %r : tensor<4x32xf32>
}

// -----

// An op the operator library cannot compute is an error at the op.
func.func @bool_add(%x: tensor<4xi1>) -> tensor<4xi1> {
  // expected-error@+1 {{lower-graph-to-te: graph.add: add: bool tensors are not supported}}
  %r = graph.add %x, %x : tensor<4xi1>
  func.return %r : tensor<4xi1>
}
