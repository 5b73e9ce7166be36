// RUN: tessel-opt %s | filecheck %s
// RUN: tessel-opt %s --generic | tessel-opt | filecheck %s

// Properties the source gave are printed back; defaults stay implicit.
// CHECK-LABEL: func.func @resnet_stem
// CHECK-NEXT:    %[[C:.*]] = graph.conv2d %x, %w {strides = [2, 2], padding = [3, 3, 3, 3]} : (tensor<1x3x224x224xf32>, tensor<64x3x7x7xf32>) -> tensor<1x64x112x112xf32>
// CHECK-NEXT:    %[[B:.*]] = graph.batch_norm %[[C]], %g, %b, %m, %v {epsilon = 0.001} : (tensor<1x64x112x112xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<1x64x112x112xf32>
// CHECK-NEXT:    %[[P:.*]] = graph.max_pool2d %[[B]] {kernel = [3, 3], strides = [2, 2], padding = [1, 1, 1, 1]} : (tensor<1x64x112x112xf32>) -> tensor<1x64x56x56xf32>
// CHECK-NEXT:    %[[G:.*]] = graph.global_avg_pool2d %[[P]] : (tensor<1x64x56x56xf32>) -> tensor<1x64x1x1xf32>
// CHECK-NEXT:    func.return %[[G]]
func.func @resnet_stem(%x: tensor<1x3x224x224xf32>, %w: tensor<64x3x7x7xf32>, %g: tensor<64xf32>, %b: tensor<64xf32>, %m: tensor<64xf32>, %v: tensor<64xf32>) -> tensor<1x64x1x1xf32> {
  %c = graph.conv2d %x, %w {strides = [2, 2], padding = [3, 3, 3, 3]} : (tensor<1x3x224x224xf32>, tensor<64x3x7x7xf32>) -> tensor<1x64x112x112xf32>
  %n = graph.batch_norm %c, %g, %b, %m, %v {epsilon = 0.001} : (tensor<1x64x112x112xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<1x64x112x112xf32>
  %p = graph.max_pool2d %n {kernel = [3, 3], strides = [2, 2], padding = [1, 1, 1, 1]} : (tensor<1x64x112x112xf32>) -> tensor<1x64x56x56xf32>
  %r = graph.global_avg_pool2d %p : (tensor<1x64x56x56xf32>) -> tensor<1x64x1x1xf32>
  func.return %r : tensor<1x64x1x1xf32>
}

// CHECK-LABEL: func.func @depthwise_and_pools
// CHECK-NEXT:    %[[D:.*]] = graph.conv2d %x, %w {padding = [1, 1, 1, 1], dilation = [2, 2], groups = 8} : (tensor<1x8x9x9xf32>, tensor<8x1x3x3xf32>) -> tensor<1x8x7x7xf32>
// CHECK-NEXT:    %[[A:.*]] = graph.avg_pool2d %[[D]] {kernel = [2, 2], strides = [2, 2], ceil_mode, count_include_pad} : (tensor<1x8x7x7xf32>) -> tensor<1x8x4x4xf32>
func.func @depthwise_and_pools(%x: tensor<1x8x9x9xf32>, %w: tensor<8x1x3x3xf32>) -> tensor<1x8x4x4xf32> {
  %d = graph.conv2d %x, %w {padding = [1, 1, 1, 1], dilation = [2, 2], groups = 8} : (tensor<1x8x9x9xf32>, tensor<8x1x3x3xf32>) -> tensor<1x8x7x7xf32>
  %a = graph.avg_pool2d %d {kernel = [2, 2], strides = [2, 2], ceil_mode, count_include_pad} : (tensor<1x8x7x7xf32>) -> tensor<1x8x4x4xf32>
  func.return %a : tensor<1x8x4x4xf32>
}

// The bias of graph.dense is optional.
// CHECK-LABEL: func.func @products
// CHECK-NEXT:    %[[D:.*]] = graph.dense %x, %w, %b : (tensor<4x16xf32>, tensor<8x16xf32>, tensor<8xf32>) -> tensor<4x8xf32>
// CHECK-NEXT:    %[[E:.*]] = graph.dense %x, %w : (tensor<4x16xf32>, tensor<8x16xf32>) -> tensor<4x8xf32>
// CHECK-NEXT:    %[[M:.*]] = graph.matmul %l, %r : (tensor<2x1x3x4xf32>, tensor<5x4x6xf32>) -> tensor<2x5x3x6xf32>
// CHECK-NEXT:    %[[B:.*]] = graph.batch_matmul %p, %q : (tensor<3x2x4xf32>, tensor<3x4x5xf32>) -> tensor<3x2x5xf32>
func.func @products(%x: tensor<4x16xf32>, %w: tensor<8x16xf32>, %b: tensor<8xf32>, %l: tensor<2x1x3x4xf32>, %r: tensor<5x4x6xf32>, %p: tensor<3x2x4xf32>, %q: tensor<3x4x5xf32>) {
  %d = graph.dense %x, %w, %b : (tensor<4x16xf32>, tensor<8x16xf32>, tensor<8xf32>) -> tensor<4x8xf32>
  %e = graph.dense %x, %w : (tensor<4x16xf32>, tensor<8x16xf32>) -> tensor<4x8xf32>
  %m = graph.matmul %l, %r : (tensor<2x1x3x4xf32>, tensor<5x4x6xf32>) -> tensor<2x5x3x6xf32>
  %bm = graph.batch_matmul %p, %q : (tensor<3x2x4xf32>, tensor<3x4x5xf32>) -> tensor<3x2x5xf32>
  func.return
}

// CHECK-LABEL: func.func @normalize_and_reduce
// CHECK-NEXT:    %[[L:.*]] = graph.layer_norm %x, %g, %b {axis = 1, epsilon = 1.0e-06} : (tensor<2x3x4xf32>, tensor<3x4xf32>, tensor<3x4xf32>) -> tensor<2x3x4xf32>
// CHECK-NEXT:    %[[S:.*]] = graph.softmax %[[L]] {axis = 1} : tensor<2x3x4xf32>
// CHECK-NEXT:    %[[R:.*]] = graph.reduce_sum %[[S]] {axes = [0, 2], keepdims = false} : (tensor<2x3x4xf32>) -> tensor<3xf32>
// CHECK-NEXT:    %[[M:.*]] = graph.reduce_mean %[[S]] {axes = [-1]} : (tensor<2x3x4xf32>) -> tensor<2x3x1xf32>
// CHECK-NEXT:    %[[X:.*]] = graph.reduce_max %[[S]] : (tensor<2x3x4xf32>) -> tensor<1x1x1xf32>
func.func @normalize_and_reduce(%x: tensor<2x3x4xf32>, %g: tensor<3x4xf32>, %b: tensor<3x4xf32>) {
  %l = graph.layer_norm %x, %g, %b {axis = 1, epsilon = 1.0e-06} : (tensor<2x3x4xf32>, tensor<3x4xf32>, tensor<3x4xf32>) -> tensor<2x3x4xf32>
  %s = graph.softmax %l {axis = 1} : tensor<2x3x4xf32>
  %r = graph.reduce_sum %s {axes = [0, 2], keepdims = false} : (tensor<2x3x4xf32>) -> tensor<3xf32>
  %m = graph.reduce_mean %s {axes = [-1]} : (tensor<2x3x4xf32>) -> tensor<2x3x1xf32>
  %x2 = graph.reduce_max %s : (tensor<2x3x4xf32>) -> tensor<1x1x1xf32>
  func.return
}
