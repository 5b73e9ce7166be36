// RUN: tessel-opt %s | filecheck %s
// RUN: tessel-opt %s --generic | tessel-opt | filecheck %s

// CHECK-LABEL: func.func @conv_block
// CHECK:         %[[Y:.*]] = graph.fused "add_relu" kind = broadcast (%x, %b) {
// CHECK-NEXT:    ^bb0(%[[A:.*]]: tensor<2x3xf32>, %[[C:.*]]: tensor<3xf32>):
// CHECK-NEXT:      %[[S:.*]] = graph.add %[[A]], %[[C]] : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
// CHECK-NEXT:      %[[R:.*]] = graph.relu %[[S]] : tensor<2x3xf32>
// CHECK-NEXT:      graph.yield %[[R]] : tensor<2x3xf32>
// CHECK-NEXT:    } : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
// CHECK-NEXT:    func.return %[[Y]] : tensor<2x3xf32>
func.func @conv_block(%x: tensor<2x3xf32>, %b: tensor<3xf32>) -> tensor<2x3xf32> {
  %y = graph.fused "add_relu" kind = broadcast (%x, %b) {
  ^bb0(%a: tensor<2x3xf32>, %c: tensor<3xf32>):
    %0 = graph.add %a, %c : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
    %1 = graph.relu %0 : tensor<2x3xf32>
    graph.yield %1 : tensor<2x3xf32>
  } : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  func.return %y : tensor<2x3xf32>
}
