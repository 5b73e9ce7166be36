// RUN: tessel-opt %s -p cse --split-input-file | filecheck %s

// Identical pure ops are merged; uses of the duplicate go to the first.
// CHECK-LABEL: func.func @duplicate_pure_ops
// CHECK:         %[[SUM:.*]] = arith.addi %a, %b : i32
// CHECK-NOT:     arith.addi
// CHECK:         func.return %[[SUM]], %[[SUM]] : i32, i32
func.func @duplicate_pure_ops(%a: i32, %b: i32) -> (i32, i32) {
  %0 = arith.addi %a, %b : i32
  %1 = arith.addi %a, %b : i32
  func.return %0, %1 : i32, i32
}

// -----

// Equal constants are merged too.
// CHECK-LABEL: func.func @duplicate_constants
// CHECK:         %[[C:.*]] = arith.constant 7 : i32
// CHECK-NOT:     arith.constant
// CHECK:         func.return %[[C]], %[[C]] : i32, i32
func.func @duplicate_constants() -> (i32, i32) {
  %c = arith.constant 7 : i32
  %d = arith.constant 7 : i32
  func.return %c, %d : i32, i32
}

// -----

// Ops differing only in their fastmath flags are not the same computation.
// CHECK-LABEL: func.func @different_flags
// CHECK:         %[[PLAIN:.*]] = arith.addf %x, %x : f32
// CHECK-NEXT:    %[[FAST:.*]] = arith.addf %x, %x fastmath<fast> : f32
// CHECK-NEXT:    func.return %[[PLAIN]], %[[FAST]] : f32, f32
func.func @different_flags(%x: f32) -> (f32, f32) {
  %plain = arith.addf %x, %x : f32
  %fast = arith.addf %x, %x fastmath<fast> : f32
  func.return %plain, %fast : f32, f32
}

// -----

// Operand order matters: a different order is a different op.
// CHECK-LABEL: func.func @different_operand_order
// CHECK:         %[[AB:.*]] = arith.subi %a, %b : i32
// CHECK-NEXT:    %[[BA:.*]] = arith.subi %b, %a : i32
// CHECK-NEXT:    func.return %[[AB]], %[[BA]] : i32, i32
func.func @different_operand_order(%a: i32, %b: i32) -> (i32, i32) {
  %ab = arith.subi %a, %b : i32
  %ba = arith.subi %b, %a : i32
  func.return %ab, %ba : i32, i32
}

// -----

// A load after a store to the same memref is not merged with the load before it.
// CHECK-LABEL: func.func @loads_across_store
// CHECK:         %[[L1:.*]] = "memref.load"(%m, %i)
// CHECK-NEXT:    "memref.store"(%v, %m, %i)
// CHECK-NEXT:    %[[L2:.*]] = "memref.load"(%m, %i)
// CHECK-NEXT:    func.return %[[L1]], %[[L2]] : i32, i32
func.func @loads_across_store(%m: memref<4xi32>, %i: index, %v: i32) -> (i32, i32) {
  %l1 = "memref.load"(%m, %i) : (memref<4xi32>, index) -> i32
  "memref.store"(%v, %m, %i) : (i32, memref<4xi32>, index) -> ()
  %l2 = "memref.load"(%m, %i) : (memref<4xi32>, index) -> i32
  func.return %l1, %l2 : i32, i32
}
