// RUN: tessel-opt %s --split-input-file --verify-diagnostics

// Shape ops whose properties do not fit their operand types; each error names the op and what it expected.

func.func @reshape_size(%x: tensor<2x3xf32>) {
  // expected-error@+1 {{shape [4, 2] has 8 elements, the input [2, 3] has 6}}
  %y = graph.reshape %x {shape = [4, 2]} : (tensor<2x3xf32>) -> tensor<4x2xf32>
  func.return
}

// -----

func.func @transpose_perm(%x: tensor<2x3x4xf32>) {
  // expected-error@+1 {{perm [0, 0, 1] is not a permutation of [0, 1, 2]}}
  %y = graph.transpose %x {perm = [0, 0, 1]} : (tensor<2x3x4xf32>) -> tensor<2x2x3xf32>
  func.return
}

// -----

func.func @transpose_result(%x: tensor<2x3xf32>) {
  // expected-error@+1 {{expected result type tensor<3x2xf32>, got tensor<2x3xf32>}}
  %y = graph.transpose %x : tensor<2x3xf32>
  func.return
}

// -----

func.func @flatten_axis(%x: tensor<2x3xf32>) {
  // expected-error@+1 {{axis -3 is out of range for rank 2 (expected -2 <= axis < 3)}}
  %y = graph.flatten %x {axis = -3} : (tensor<2x3xf32>) -> tensor<1x6xf32>
  func.return
}

// -----

func.func @squeeze_non_unit(%x: tensor<1x3xf32>) {
  // expected-error@+1 {{axis 1 has size 3, expected 1}}
  %y = graph.squeeze %x {axes = [1]} : (tensor<1x3xf32>) -> tensor<1xf32>
  func.return
}

// -----

func.func @concat_dim(%a: tensor<2x3xf32>, %b: tensor<3x3xf32>) {
  // expected-error@+1 {{operand 1 has size 3 in dimension 0, expected 2}}
  %c = graph.concat %a, %b {axis = 1} : (tensor<2x3xf32>, tensor<3x3xf32>) -> tensor<2x6xf32>
  func.return
}

// -----

func.func @concat_axis(%a: tensor<2x3xf32>) {
  // expected-error@+1 {{axis 2 is out of range for rank 2 (expected -2 <= axis < 2)}}
  %c = graph.concat %a, %a {axis = 2} : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x6xf32>
  func.return
}

// -----

func.func @split_sizes(%x: tensor<5xf32>) {
  // expected-error@+1 {{sizes [2, 2] must be non-negative and sum to 5 (dimension 0)}}
  %a, %b = graph.split %x {axis = 0, sizes = [2, 2]} : (tensor<5xf32>) -> (tensor<2xf32>, tensor<2xf32>)
  func.return
}

// -----

func.func @slice_step(%x: tensor<4xf32>) {
  // expected-error@+1 {{step for axis 0 must not be 0}}
  %y = graph.slice %x {starts = [0], ends = [4], steps = [0]} : (tensor<4xf32>) -> tensor<4xf32>
  func.return
}

// -----

func.func @pad_mode(%x: tensor<4xf32>) {
  // expected-error@+1 {{mode "edge" is not supported, expected "constant"}}
  %y = graph.pad %x {pads = [1, 1], mode = "edge"} : (tensor<4xf32>) -> tensor<6xf32>
  func.return
}

// -----

func.func @gather_float_indices(%d: tensor<3x4xf32>, %i: tensor<2xf32>) {
  // expected-error@+1 {{indices must be an integer tensor, got tensor<2xf32>}}
  %y = graph.gather %d, %i : (tensor<3x4xf32>, tensor<2xf32>) -> tensor<2x4xf32>
  func.return
}

// -----

func.func @where_condition(%c: tensor<2xi32>, %x: tensor<2xf32>) {
  // expected-error@+1 {{condition must be a tensor of i1, got tensor<2xi32>}}
  %y = graph.where %c, %x, %x : (tensor<2xi32>, tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
  func.return
}

// -----

func.func @constant_type() {
  // expected-error@+1 {{expected result type tensor<2xf32>, got tensor<3xf32>}}
  %w = "graph.constant"() <{value = dense<1.0> : tensor<2xf32>}> : () -> tensor<3xf32>
  func.return
}
