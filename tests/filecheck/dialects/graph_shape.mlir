// RUN: tessel-opt %s | filecheck %s
// RUN: tessel-opt %s --generic | tessel-opt | filecheck %s
// RUN: tessel-opt %s --generic | filecheck %s --check-prefix=GENERIC

// Shape ops print `graph.OP %x {props} : (operand types) -> result type`; int lists without their i64 type.
// CHECK-LABEL: func.func @layout(%x: tensor<2x3x4xf32>) -> tensor<4x6xf32> {
// CHECK-NEXT:    %[[T:.*]] = graph.transpose %x {perm = [2, 0, 1]} : (tensor<2x3x4xf32>) -> tensor<4x2x3xf32>
// CHECK-NEXT:    %[[R:.*]] = graph.reshape %[[T]] {shape = [4, 6]} : (tensor<4x2x3xf32>) -> tensor<4x6xf32>
// CHECK-NEXT:    %[[F:.*]] = graph.flatten %x {axis = 2} : (tensor<2x3x4xf32>) -> tensor<6x4xf32>
// CHECK-NEXT:    %[[S:.*]] = graph.unsqueeze %[[F]] {axes = [0, -1]} : (tensor<6x4xf32>) -> tensor<1x6x4x1xf32>
// CHECK-NEXT:    %{{.*}} = graph.squeeze %[[S]] : (tensor<1x6x4x1xf32>) -> tensor<6x4xf32>
// CHECK-NEXT:    func.return %[[R]] : tensor<4x6xf32>
// GENERIC-LABEL: "func.func"() <{sym_name = "layout"
// GENERIC:       "graph.transpose"(%{{.*}}) <{perm = [2 : i64, 0 : i64, 1 : i64]}> : (tensor<2x3x4xf32>) -> tensor<4x2x3xf32>
func.func @layout(%x: tensor<2x3x4xf32>) -> tensor<4x6xf32> {
  %t = graph.transpose %x {perm = [2, 0, 1]} : (tensor<2x3x4xf32>) -> tensor<4x2x3xf32>
  %r = graph.reshape %t {shape = [4, 6]} : (tensor<4x2x3xf32>) -> tensor<4x6xf32>
  %f = graph.flatten %x {axis = 2} : (tensor<2x3x4xf32>) -> tensor<6x4xf32>
  %s = graph.unsqueeze %f {axes = [0, -1]} : (tensor<6x4xf32>) -> tensor<1x6x4x1xf32>
  %q = graph.squeeze %s : (tensor<1x6x4x1xf32>) -> tensor<6x4xf32>
  func.return %r : tensor<4x6xf32>
}

// -----

// Variadic operands and results; `: t` when every operand and the one result share a type.
// CHECK-LABEL: func.func @concat_split(%a: tensor<2x3xf32>, %b: tensor<2x5xf32>) -> tensor<2x8xf32> {
// CHECK-NEXT:    %[[C:.*]] = graph.concat %a, %b {axis = -1} : (tensor<2x3xf32>, tensor<2x5xf32>) -> tensor<2x8xf32>
// CHECK-NEXT:    %[[P:.*]], %[[Q:.*]] = graph.split %[[C]] {axis = 1, sizes = [6, 2]} : (tensor<2x8xf32>) -> (tensor<2x6xf32>, tensor<2x2xf32>)
// CHECK-NEXT:    %{{.*}} = graph.squeeze %[[Q]] : tensor<2x2xf32>
// CHECK-NEXT:    func.return %[[C]] : tensor<2x8xf32>
// GENERIC-LABEL: "func.func"() <{sym_name = "concat_split"
// GENERIC:       "graph.split"(%{{.*}}) <{axis = 1 : i64, sizes = [6 : i64, 2 : i64]}> : (tensor<2x8xf32>) -> (tensor<2x6xf32>, tensor<2x2xf32>)
func.func @concat_split(%a: tensor<2x3xf32>, %b: tensor<2x5xf32>) -> tensor<2x8xf32> {
  %c = graph.concat %a, %b {axis = -1} : (tensor<2x3xf32>, tensor<2x5xf32>) -> tensor<2x8xf32>
  %p, %q = graph.split %c {axis = 1, sizes = [6, 2]} : (tensor<2x8xf32>) -> (tensor<2x6xf32>, tensor<2x2xf32>)
  %n = graph.squeeze %q : tensor<2x2xf32>
  func.return %c : tensor<2x8xf32>
}

// -----

// Slice with negative indices, clamping and a negative step; pad's value prints as an f64 literal.
// CHECK-LABEL: func.func @slice_pad(%x: tensor<4x5xf32>) -> tensor<4x7xf32> {
// CHECK-NEXT:    %{{.*}} = graph.slice %x {starts = [-1, 0], ends = [-100, 100], axes = [0, 1], steps = [-2, 2]} : (tensor<4x5xf32>) -> tensor<2x3xf32>
// CHECK-NEXT:    %{{.*}} = graph.pad %x {pads = [0, 1, 0, 1], value = -1.5} : (tensor<4x5xf32>) -> tensor<4x7xf32>
// GENERIC-LABEL: "func.func"() <{sym_name = "slice_pad"
// GENERIC:       "graph.pad"(%{{.*}}) <{pads = [0 : i64, 1 : i64, 0 : i64, 1 : i64], value = -1.500000e+00 : f64}>
func.func @slice_pad(%x: tensor<4x5xf32>) -> tensor<4x7xf32> {
  %s = graph.slice %x {starts = [-1, 0], ends = [-100, 100], axes = [0, 1], steps = [-2, 2]} : (tensor<4x5xf32>) -> tensor<2x3xf32>
  %p = graph.pad %x {pads = [0, 1, 0, 1], value = -1.5} : (tensor<4x5xf32>) -> tensor<4x7xf32>
  func.return %p : tensor<4x7xf32>
}

// -----

// Gather, cast and where: operands of different types print a full function type.
// CHECK-LABEL: func.func @gather_cast_where(%d: tensor<3x4xf32>, %i: tensor<2x2xi64>, %c: tensor<3x1xi1>) -> tensor<3x4xf32> {
// CHECK-NEXT:    %{{.*}} = graph.gather %d, %i {axis = 1} : (tensor<3x4xf32>, tensor<2x2xi64>) -> tensor<3x2x2xf32>
// CHECK-NEXT:    %[[N:.*]] = graph.cast %d : (tensor<3x4xf32>) -> tensor<3x4xi32>
// CHECK-NEXT:    %[[B:.*]] = graph.cast %[[N]] : (tensor<3x4xi32>) -> tensor<3x4xf32>
// CHECK-NEXT:    %[[W:.*]] = graph.where %c, %d, %[[B]] : (tensor<3x1xi1>, tensor<3x4xf32>, tensor<3x4xf32>) -> tensor<3x4xf32>
// CHECK-NEXT:    func.return %[[W]] : tensor<3x4xf32>
func.func @gather_cast_where(%d: tensor<3x4xf32>, %i: tensor<2x2xi64>, %c: tensor<3x1xi1>) -> tensor<3x4xf32> {
  %g = graph.gather %d, %i {axis = 1} : (tensor<3x4xf32>, tensor<2x2xi64>) -> tensor<3x2x2xf32>
  %n = graph.cast %d : (tensor<3x4xf32>) -> tensor<3x4xi32>
  %b = graph.cast %n : (tensor<3x4xi32>) -> tensor<3x4xf32>
  %w = graph.where %c, %d, %b : (tensor<3x1xi1>, tensor<3x4xf32>, tensor<3x4xf32>) -> tensor<3x4xf32>
  func.return %w : tensor<3x4xf32>
}

// -----

// graph.constant prints its value as a typed dense attribute, after any discardable attributes.
// CHECK-LABEL: func.func @constants() -> tensor<2x2xf32> {
// CHECK-NEXT:    %[[W:.*]] = graph.constant dense<{{\[\[}}1.000000e+00, 2.000000e+00], [3.000000e+00, 4.000000e+00]]> : tensor<2x2xf32>
// CHECK-NEXT:    %{{.*}} = graph.constant {name = "bias"} dense<7> : tensor<3xi64>
// CHECK-NEXT:    %{{.*}} = graph.constant dense<[true, false]> : tensor<2xi1>
// CHECK-NEXT:    func.return %[[W]] : tensor<2x2xf32>
// GENERIC-LABEL: "func.func"() <{sym_name = "constants"
// GENERIC:       "graph.constant"() <{value = dense<7> : tensor<3xi64>}> {name = "bias"} : () -> tensor<3xi64>
func.func @constants() -> tensor<2x2xf32> {
  %w = graph.constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  %b = graph.constant {name = "bias"} dense<7> : tensor<3xi64>
  %m = graph.constant dense<[true, false]> : tensor<2xi1>
  func.return %w : tensor<2x2xf32>
}
