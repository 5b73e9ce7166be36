// RUN: tessel-opt %s -p dce --split-input-file | filecheck %s

// An unused pure op is removed.
// CHECK-LABEL: func.func @unused_pure_op
// CHECK-NOT:     arith.muli
// CHECK:         func.return %a : i32
func.func @unused_pure_op(%a: i32) -> i32 {
  %dead = arith.muli %a, %a : i32
  func.return %a : i32
}

// -----

// A chain whose end is unused is removed entirely.
// CHECK-LABEL: func.func @dead_chain
// CHECK-NOT:     arith.addi
// CHECK-NOT:     arith.muli
// CHECK:         func.return %a : i32
func.func @dead_chain(%a: i32) -> i32 {
  %0 = arith.addi %a, %a : i32
  %1 = arith.muli %0, %0 : i32
  func.return %a : i32
}

// -----

// Ops with side effects stay even if their results are unused.
// CHECK-LABEL: func.func @side_effects_kept
// CHECK:         "memref.store"(%a, %m, %i) : (i32, memref<4xi32>, index) -> ()
// CHECK-NEXT:    "test.op"(%a) : (i32) -> ()
// CHECK-NEXT:    func.return
func.func @side_effects_kept(%a: i32, %m: memref<4xi32>, %i: index) {
  "memref.store"(%a, %m, %i) : (i32, memref<4xi32>, index) -> ()
  "test.op"(%a) : (i32) -> ()
  func.return
}

// -----

// A used value is kept.
// CHECK-LABEL: func.func @used_kept
// CHECK:         %[[S:.*]] = arith.addi %a, %a : i32
// CHECK-NEXT:    func.return %[[S]] : i32
func.func @used_kept(%a: i32) -> i32 {
  %s = arith.addi %a, %a : i32
  func.return %s : i32
}
