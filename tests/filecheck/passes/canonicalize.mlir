// RUN: tessel-opt %s -p canonicalize --split-input-file | filecheck %s

// Constant operands are folded into a constant.
// CHECK-LABEL: func.func @fold_constants
// CHECK:         %[[C:.*]] = arith.constant 3 : i32
// CHECK-NEXT:    %[[R:.*]] = arith.addi %x, %[[C]] : i32
// CHECK-NEXT:    func.return %[[R]] : i32
func.func @fold_constants(%x: i32) -> i32 {
  %c1 = arith.constant 1 : i32
  %c2 = arith.constant 2 : i32
  %s = arith.addi %c1, %c2 : i32
  %r = arith.addi %x, %s : i32
  func.return %r : i32
}

// -----

// CHECK-LABEL: func.func @fold_float_constants
// CHECK:         %[[C:.*]] = arith.constant 4.000000e+00 : f32
// CHECK-NEXT:    func.return %[[C]] : f32
func.func @fold_float_constants() -> f32 {
  %a = arith.constant 1.5 : f32
  %b = arith.constant 2.5 : f32
  %r = arith.addf %a, %b : f32
  func.return %r : f32
}

// -----

// x + 0 is x.
// CHECK-LABEL: func.func @add_zero
// CHECK-NOT:     arith.addi
// CHECK:         func.return %x : i32
func.func @add_zero(%x: i32) -> i32 {
  %c0 = arith.constant 0 : i32
  %r = arith.addi %x, %c0 : i32
  func.return %r : i32
}

// -----

// A select on a constant condition picks its operand.
// CHECK-LABEL: func.func @select_true
// CHECK-NOT:     arith.select
// CHECK:         func.return %x : i32
func.func @select_true(%x: i32, %y: i32) -> i32 {
  %t = arith.constant true
  %r = arith.select %t, %x, %y : i32
  func.return %r : i32
}

// -----

// Comparing a value with itself for equality is true.
// CHECK-LABEL: func.func @cmpi_self
// CHECK:         %[[T:.*]] = arith.constant true
// CHECK-NEXT:    func.return %[[T]] : i1
func.func @cmpi_self(%x: i32) -> i1 {
  %r = arith.cmpi eq, %x, %x : i32
  func.return %r : i1
}

// -----

// Nothing to simplify: the function is unchanged.
// CHECK-LABEL: func.func @unchanged
// CHECK:         %[[M:.*]] = arith.mulf %x, %y : f32
// CHECK-NEXT:    func.return %[[M]] : f32
func.func @unchanged(%x: f32, %y: f32) -> f32 {
  %m = arith.mulf %x, %y : f32
  func.return %m : f32
}
