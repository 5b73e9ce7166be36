// RUN: tessel-opt %s --split-input-file --verify-diagnostics

func.func @no_broadcast(%a: tensor<2x3xf32>, %b: tensor<4xf32>) {
  // expected-error@+1 {{shapes (2, 3) and (4,) do not broadcast (dimension -1: 3 vs 4)}}
  %0 = graph.add %a, %b : (tensor<2x3xf32>, tensor<4xf32>) -> tensor<2x3xf32>
  func.return
}

// -----

func.func @element_types(%a: tensor<3xf32>, %b: tensor<3xi32>) {
  // expected-error@+1 {{element types differ: f32 vs i32}}
  %0 = graph.mul %a, %b : (tensor<3xf32>, tensor<3xi32>) -> tensor<3xf32>
  func.return
}

// -----

func.func @wrong_result(%a: tensor<2x3xf32>) {
  // expected-error@+1 {{expected result type tensor<2x3xf32>, got tensor<3x2xf32>}}
  %0 = graph.relu %a : (tensor<2x3xf32>) -> tensor<3x2xf32>
  func.return
}

// -----

func.func @clip_bounds(%a: tensor<2xf32>) {
  // expected-error@+1 {{min 2.0 is greater than max 1.0}}
  %0 = graph.clip %a {min = 2.0, max = 1.0} : tensor<2xf32>
  func.return
}

// -----

func.func @operand_count(%a: tensor<2xf32>) {
  // expected-error@+1 {{1 operand(s) but 2 operand type(s)}}
  %0 = graph.add %a : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
  func.return
}
