// RUN: tessel-opt %s --split-input-file --verify-diagnostics

func.func @conv_rank(%x: tensor<3x8x8xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error@+1 {{expected input of rank 4, got tensor<3x8x8xf32>}}
  %0 = graph.conv2d %x, %w : (tensor<3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32>
  func.return
}

// -----

func.func @conv_channels(%x: tensor<1x3x8x8xf32>, %w: tensor<4x2x3x3xf32>) {
  // expected-error@+1 {{expected weight dim 1 == input channels / groups = 3, got 2}}
  %0 = graph.conv2d %x, %w : (tensor<1x3x8x8xf32>, tensor<4x2x3x3xf32>) -> tensor<1x4x6x6xf32>
  func.return
}

// -----

func.func @conv_groups(%x: tensor<1x4x8x8xf32>, %w: tensor<4x2x3x3xf32>) {
  // expected-error@+1 {{input channels 4 are not divisible by groups 3}}
  %0 = graph.conv2d %x, %w {groups = 3} : (tensor<1x4x8x8xf32>, tensor<4x2x3x3xf32>) -> tensor<1x4x6x6xf32>
  func.return
}

// -----

func.func @conv_kernel_too_large(%x: tensor<1x3x4x4xf32>, %w: tensor<4x3x5x5xf32>) {
  // expected-error@+1 {{kernel height 5 (dilated) is larger than the padded input height 4}}
  %0 = graph.conv2d %x, %w : (tensor<1x3x4x4xf32>, tensor<4x3x5x5xf32>) -> tensor<1x4x1x1xf32>
  func.return
}

// -----

func.func @conv_result(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error@+1 {{expected result type tensor<1x4x4x4xf32>, got tensor<1x4x6x6xf32>}}
  %0 = graph.conv2d %x, %w {strides = [2, 2], padding = [1, 1, 1, 1]} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32>
  func.return
}

// -----

func.func @dense_k(%x: tensor<4x16xf32>, %w: tensor<8x15xf32>) {
  // expected-error@+1 {{expected weight dim 1 == input's last dim 16, got 15}}
  %0 = graph.dense %x, %w : (tensor<4x16xf32>, tensor<8x15xf32>) -> tensor<4x8xf32>
  func.return
}

// -----

func.func @matmul_k(%a: tensor<3x4xf32>, %b: tensor<5x6xf32>) {
  // expected-error@+1 {{contracting dims differ: lhs dim -1 is 4, rhs dim -2 is 5}}
  %0 = graph.matmul %a, %b : (tensor<3x4xf32>, tensor<5x6xf32>) -> tensor<3x6xf32>
  func.return
}

// -----

func.func @pool_padding(%x: tensor<1x1x6x6xf32>) {
  // expected-error@+1 {{expected height padding smaller than kernel height 2, got 2, 0}}
  %0 = graph.avg_pool2d %x {kernel = [2, 2], padding = [2, 0, 0, 0]} : (tensor<1x1x6x6xf32>) -> tensor<1x1x7x5xf32>
  func.return
}

// -----

func.func @batch_norm_channels(%x: tensor<1x3x8x8xf32>, %c: tensor<2xf32>) {
  // expected-error@+1 {{expected gamma of shape (3,) (input dim 1), got (2,)}}
  %0 = graph.batch_norm %x, %c, %c, %c, %c : (tensor<1x3x8x8xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x3x8x8xf32>
  func.return
}

// -----

func.func @softmax_axis(%x: tensor<2x3xf32>) {
  // expected-error@+1 {{axis 2 is out of range for rank 2 (expected -2 <= axis < 2)}}
  %0 = graph.softmax %x {axis = 2} : tensor<2x3xf32>
  func.return
}

// -----

func.func @reduce_axes(%x: tensor<2x3xf32>) {
  // expected-error@+1 {{expected distinct axes, got [0, -2]}}
  %0 = graph.reduce_sum %x {axes = [0, -2]} : (tensor<2x3xf32>) -> tensor<1x3xf32>
  func.return
}
