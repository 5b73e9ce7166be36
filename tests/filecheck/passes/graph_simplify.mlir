// RUN: tessel-opt %s -p graph-simplify --split-input-file | filecheck %s

// batch_norm after conv2d + per-channel bias folds into the weights and one bias add:
// scale = gamma / sqrt(var + eps) = [1, 6]; W' = W * scale; b' = beta + (b - mean) * scale.
// CHECK-LABEL: func.func @conv_bias_batch_norm
// CHECK-DAG:     %[[W:.*]] = graph.constant dense<{{\[\[\[\[}}1.000000e+00]], {{\[\[}}2.000000e+00]]], {{\[\[\[}}1.800000e+01]], {{\[\[}}2.400000e+01]]]]> : tensor<2x2x1x1xf32>
// CHECK-DAG:     %[[B:.*]] = graph.constant dense<{{\[\[\[}}-4.000000e-01]], {{\[\[}}1.520000e+01]]]> : tensor<2x1x1xf32>
// CHECK:         %[[C:.*]] = graph.conv2d %x, %[[W]] {strides = [1, 1]}
// CHECK-NEXT:    %[[A:.*]] = graph.add %[[C]], %[[B]]
// CHECK-NEXT:    %[[R:.*]] = graph.relu %[[A]]
// CHECK-NEXT:    func.return %[[R]]
// CHECK-NOT:     graph.batch_norm
func.func @conv_bias_batch_norm(%x: tensor<1x2x3x3xf32>) -> tensor<1x2x3x3xf32> {
  %w = graph.constant dense<[[[[1.0]], [[2.0]]], [[[3.0]], [[4.0]]]]> : tensor<2x2x1x1xf32>
  %b = graph.constant dense<[[[0.5]], [[1.5]]]> : tensor<2x1x1xf32>
  %g = graph.constant dense<[2.0, 3.0]> : tensor<2xf32>
  %be = graph.constant dense<[0.1, 0.2]> : tensor<2xf32>
  %m = graph.constant dense<[1.0, -1.0]> : tensor<2xf32>
  %v = graph.constant dense<[4.0, 0.25]> : tensor<2xf32>
  %c = graph.conv2d %x, %w {strides = [1, 1]} : (tensor<1x2x3x3xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x3x3xf32>
  %a = graph.add %c, %b : (tensor<1x2x3x3xf32>, tensor<2x1x1xf32>) -> tensor<1x2x3x3xf32>
  %y = graph.batch_norm %a, %g, %be, %m, %v {epsilon = 0.0} : (tensor<1x2x3x3xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x3x3xf32>
  %r = graph.relu %y : tensor<1x2x3x3xf32>
  func.return %r : tensor<1x2x3x3xf32>
}

// -----

// Without a bias the folded bias is beta - mean * scale.
// CHECK-LABEL: func.func @conv_batch_norm
// CHECK-DAG:     %[[W:.*]] = graph.constant dense<{{\[\[\[\[}}2.000000e+00]]], {{\[\[\[}}6.000000e+00]]]]> : tensor<2x1x1x1xf32>
// CHECK-DAG:     %[[B:.*]] = graph.constant dense<{{\[\[\[}}-4.000000e+00]], {{\[\[}}3.000000e+00]]]> : tensor<2x1x1xf32>
// CHECK:         %[[C:.*]] = graph.conv2d %x, %[[W]]
// CHECK-NEXT:    %[[A:.*]] = graph.add %[[C]], %[[B]]
// CHECK-NEXT:    func.return %[[A]]
func.func @conv_batch_norm(%x: tensor<1x1x2x2xf32>) -> tensor<1x2x2x2xf32> {
  %w = graph.constant dense<[[[[1.0]]], [[[2.0]]]]> : tensor<2x1x1x1xf32>
  %g = graph.constant dense<[1.0, 3.0]> : tensor<2xf32>
  %be = graph.constant dense<[0.0, 0.0]> : tensor<2xf32>
  %m = graph.constant dense<[2.0, -1.0]> : tensor<2xf32>
  %v = graph.constant dense<[0.25, 1.0]> : tensor<2xf32>
  %c = graph.conv2d %x, %w : (tensor<1x1x2x2xf32>, tensor<2x1x1x1xf32>) -> tensor<1x2x2x2xf32>
  %y = graph.batch_norm %c, %g, %be, %m, %v {epsilon = 0.0} : (tensor<1x2x2x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x2x2xf32>
  func.return %y : tensor<1x2x2x2xf32>
}

// -----

// A conv2d whose weights are an argument keeps its batch_norm.
// CHECK-LABEL: func.func @conv_weight_argument
// CHECK:         graph.conv2d %x, %w
// CHECK-NEXT:    graph.batch_norm
func.func @conv_weight_argument(%x: tensor<1x1x2x2xf32>, %w: tensor<2x1x1x1xf32>) -> tensor<1x2x2x2xf32> {
  %g = graph.constant dense<[1.0, 3.0]> : tensor<2xf32>
  %be = graph.constant dense<[0.0, 0.0]> : tensor<2xf32>
  %m = graph.constant dense<[2.0, -1.0]> : tensor<2xf32>
  %v = graph.constant dense<[0.25, 1.0]> : tensor<2xf32>
  %c = graph.conv2d %x, %w : (tensor<1x1x2x2xf32>, tensor<2x1x1x1xf32>) -> tensor<1x2x2x2xf32>
  %y = graph.batch_norm %c, %g, %be, %m, %v : (tensor<1x2x2x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x2x2xf32>
  func.return %y : tensor<1x2x2x2xf32>
}

// -----

// A conv2d whose result is also returned is not rewritten.
// CHECK-LABEL: func.func @conv_two_users
// CHECK:         %[[C:.*]] = graph.conv2d %x, %w
// CHECK-NEXT:    %[[Y:.*]] = graph.batch_norm %[[C]]
// CHECK-NEXT:    func.return %[[C]], %[[Y]]
func.func @conv_two_users(%x: tensor<1x1x2x2xf32>) -> (tensor<1x2x2x2xf32>, tensor<1x2x2x2xf32>) {
  %w = graph.constant dense<[[[[1.0]]], [[[2.0]]]]> : tensor<2x1x1x1xf32>
  %g = graph.constant dense<[1.0, 3.0]> : tensor<2xf32>
  %be = graph.constant dense<[0.0, 0.0]> : tensor<2xf32>
  %m = graph.constant dense<[2.0, -1.0]> : tensor<2xf32>
  %v = graph.constant dense<[0.25, 1.0]> : tensor<2xf32>
  %c = graph.conv2d %x, %w : (tensor<1x1x2x2xf32>, tensor<2x1x1x1xf32>) -> tensor<1x2x2x2xf32>
  %y = graph.batch_norm %c, %g, %be, %m, %v : (tensor<1x2x2x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x2x2xf32>
  func.return %c, %y : tensor<1x2x2x2xf32>, tensor<1x2x2x2xf32>
}

// -----

// batch_norm after dense folds into the dense weights and bias operand.
// CHECK-LABEL: func.func @dense_batch_norm
// CHECK-DAG:     %[[W:.*]] = graph.constant dense<{{\[\[}}2.000000e+00, 4.000000e+00], [1.800000e+01, 2.400000e+01]]> : tensor<2x2xf32>
// CHECK-DAG:     %[[B:.*]] = graph.constant dense<[-1.000000e+00, 9.000000e+00]> : tensor<2xf32>
// CHECK:         %[[D:.*]] = graph.dense %x, %[[W]], %[[B]]
// CHECK-NEXT:    func.return %[[D]]
// CHECK-NOT:     graph.batch_norm
func.func @dense_batch_norm(%x: tensor<3x2xf32>) -> tensor<3x2xf32> {
  %w = graph.constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  %b = graph.constant dense<[0.5, 1.0]> : tensor<2xf32>
  %g = graph.constant dense<[1.0, 3.0]> : tensor<2xf32>
  %be = graph.constant dense<[0.0, 0.0]> : tensor<2xf32>
  %m = graph.constant dense<[1.0, -0.5]> : tensor<2xf32>
  %v = graph.constant dense<[0.25, 0.25]> : tensor<2xf32>
  %d = graph.dense %x, %w, %b : (tensor<3x2xf32>, tensor<2x2xf32>, tensor<2xf32>) -> tensor<3x2xf32>
  %y = graph.batch_norm %d, %g, %be, %m, %v {epsilon = 0.0} : (tensor<3x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<3x2xf32>
  func.return %y : tensor<3x2xf32>
}

// -----

// Reshape to the same shape, identity transpose, same-type cast, zero pad and full slice all disappear.
// CHECK-LABEL: func.func @identity_ops
// CHECK-NOT:     graph.
// CHECK:         func.return %x
func.func @identity_ops(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %0 = graph.reshape %x {shape = [2, 3]} : tensor<2x3xf32>
  %1 = graph.transpose %0 {perm = [0, 1]} : tensor<2x3xf32>
  %2 = graph.cast %1 : tensor<2x3xf32>
  %3 = graph.pad %2 {pads = [0, 0, 0, 0]} : tensor<2x3xf32>
  %4 = graph.slice %3 {starts = [0, 0], ends = [2, 100]} : tensor<2x3xf32>
  func.return %4 : tensor<2x3xf32>
}

// -----

// Two transposes that undo each other disappear.
// CHECK-LABEL: func.func @transpose_inverse
// CHECK-NOT:     graph.transpose
// CHECK:         func.return %x
func.func @transpose_inverse(%x: tensor<2x3x4xf32>) -> tensor<2x3x4xf32> {
  %0 = graph.transpose %x {perm = [1, 2, 0]} : (tensor<2x3x4xf32>) -> tensor<3x4x2xf32>
  %1 = graph.transpose %0 {perm = [2, 0, 1]} : (tensor<3x4x2xf32>) -> tensor<2x3x4xf32>
  func.return %1 : tensor<2x3x4xf32>
}

// -----

// Two transposes compose into one.
// CHECK-LABEL: func.func @transpose_compose
// CHECK:         %[[T:.*]] = graph.transpose %x {perm = [2, 1, 0]} : (tensor<2x3x4xf32>) -> tensor<4x3x2xf32>
// CHECK-NEXT:    func.return %[[T]]
func.func @transpose_compose(%x: tensor<2x3x4xf32>) -> tensor<4x3x2xf32> {
  %0 = graph.transpose %x {perm = [1, 0, 2]} : (tensor<2x3x4xf32>) -> tensor<3x2x4xf32>
  %1 = graph.transpose %0 {perm = [2, 0, 1]} : (tensor<3x2x4xf32>) -> tensor<4x3x2xf32>
  func.return %1 : tensor<4x3x2xf32>
}

// -----

// A reshape of a reshape reads the original input.
// CHECK-LABEL: func.func @reshape_chain
// CHECK:         %[[R:.*]] = graph.reshape %x {shape = [3, 4]}
// CHECK-NEXT:    func.return %[[R]]
func.func @reshape_chain(%x: tensor<2x6xf32>) -> tensor<3x4xf32> {
  %0 = graph.reshape %x {shape = [12]} : (tensor<2x6xf32>) -> tensor<12xf32>
  %1 = graph.reshape %0 {shape = [3, 4]} : (tensor<12xf32>) -> tensor<3x4xf32>
  func.return %1 : tensor<3x4xf32>
}

// -----

// A constant subgraph folds to one constant; the op reading an argument stays.
// CHECK-LABEL: func.func @constant_subgraph
// CHECK:         %[[C:.*]] = graph.constant dense<[4.000000e+00, 0.000000e+00]> : tensor<2xf32>
// CHECK-NEXT:    %[[A:.*]] = graph.add %x, %[[C]]
// CHECK-NEXT:    func.return %[[A]]
func.func @constant_subgraph(%x: tensor<2xf32>) -> tensor<2xf32> {
  %a = graph.constant dense<[1.0, -2.0]> : tensor<2xf32>
  %b = graph.constant dense<[3.0, 1.0]> : tensor<2xf32>
  %0 = graph.add %a, %b : tensor<2xf32>
  %1 = graph.relu %0 : tensor<2xf32>
  %2 = graph.add %x, %1 : tensor<2xf32>
  func.return %2 : tensor<2xf32>
}

// -----

// Integer constants fold too.
// CHECK-LABEL: func.func @integer_fold
// CHECK:         %[[C:.*]] = graph.constant dense<[3, 0]> : tensor<2xi32>
// CHECK-NEXT:    func.return %[[C]]
func.func @integer_fold() -> tensor<2xi32> {
  %a = graph.constant dense<[1, -2]> : tensor<2xi32>
  %b = graph.constant dense<[2, 2]> : tensor<2xi32>
  %0 = graph.add %a, %b : tensor<2xi32>
  func.return %0 : tensor<2xi32>
}
