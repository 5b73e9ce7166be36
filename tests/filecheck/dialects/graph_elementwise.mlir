// RUN: tessel-opt %s | filecheck %s
// RUN: tessel-opt %s --generic | tessel-opt | filecheck %s

// CHECK-LABEL: func.func @activations(%x: tensor<2x3xf32>) -> tensor<2x3xf32>
// CHECK-NEXT:    %[[R:.*]] = graph.relu %x : tensor<2x3xf32>
// CHECK-NEXT:    %[[L:.*]] = graph.leaky_relu %[[R]] {alpha = 0.2} : tensor<2x3xf32>
// CHECK-NEXT:    %[[C:.*]] = graph.clip %[[L]] {min = -1.0, max = 6.0} : tensor<2x3xf32>
// CHECK-NEXT:    %[[G:.*]] = graph.gelu %[[C]] : tensor<2x3xf32>
// CHECK-NEXT:    %[[S:.*]] = graph.sigmoid %[[G]] : tensor<2x3xf32>
// CHECK-NEXT:    func.return %[[S]] : tensor<2x3xf32>
func.func @activations(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %r = graph.relu %x : tensor<2x3xf32>
  %l = graph.leaky_relu %r {alpha = 0.2} : tensor<2x3xf32>
  %c = graph.clip %l {min = -1.0, max = 6.0} : tensor<2x3xf32>
  %g = graph.gelu %c : tensor<2x3xf32>
  %s = graph.sigmoid %g : tensor<2x3xf32>
  func.return %s : tensor<2x3xf32>
}

// CHECK-LABEL: func.func @broadcasting(%x: tensor<1x64x8x8xf32>, %b: tensor<64x1x1xf32>) -> tensor<1x64x8x8xf32>
// CHECK-NEXT:    %[[A:.*]] = graph.add %x, %b : (tensor<1x64x8x8xf32>, tensor<64x1x1xf32>) -> tensor<1x64x8x8xf32>
// CHECK-NEXT:    %[[M:.*]] = graph.mul %[[A]], %[[A]] : tensor<1x64x8x8xf32>
// CHECK-NEXT:    %[[P:.*]] = graph.pow %[[M]], %b : (tensor<1x64x8x8xf32>, tensor<64x1x1xf32>) -> tensor<1x64x8x8xf32>
func.func @broadcasting(%x: tensor<1x64x8x8xf32>, %b: tensor<64x1x1xf32>) -> tensor<1x64x8x8xf32> {
  %a = graph.add %x, %b : (tensor<1x64x8x8xf32>, tensor<64x1x1xf32>) -> tensor<1x64x8x8xf32>
  %m = graph.mul %a, %a : tensor<1x64x8x8xf32>
  %p = graph.pow %m, %b : (tensor<1x64x8x8xf32>, tensor<64x1x1xf32>) -> tensor<1x64x8x8xf32>
  func.return %p : tensor<1x64x8x8xf32>
}
