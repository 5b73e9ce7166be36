// RUN: tessel-opt %s -p licm --split-input-file | filecheck %s

// A loop-invariant pure op is hoisted in front of the loop; ops using the induction variable stay.
// CHECK-LABEL: func.func @hoist_invariant
// CHECK:         %[[INV:.*]] = arith.addf %a, %b : f32
// CHECK-NEXT:    "scf.for"(%lb, %ub, %step) ({
// CHECK-NEXT:    ^bb0(%[[I:.*]]: index):
// CHECK-NEXT:      %{{.*}} = arith.index_cast %[[I]] : index to i32
// CHECK-NEXT:      "memref.store"(%[[INV]], %m, %[[I]]) : (f32, memref<8xf32>, index) -> ()
// CHECK-NEXT:      "scf.yield"() : () -> ()
func.func @hoist_invariant(%lb: index, %ub: index, %step: index, %a: f32, %b: f32, %m: memref<8xf32>) {
  "scf.for"(%lb, %ub, %step) ({
  ^bb0(%i: index):
    %inv = arith.addf %a, %b : f32
    %dep = arith.index_cast %i : index to i32
    "memref.store"(%inv, %m, %i) : (f32, memref<8xf32>, index) -> ()
    "scf.yield"() : () -> ()
  }) : (index, index, index) -> ()
  func.return
}

// -----

// A store has side effects: it is not hoisted even though its operands are invariant.
// CHECK-LABEL: func.func @store_not_hoisted
// CHECK:         "scf.for"(%lb, %ub, %step) ({
// CHECK-NEXT:    ^bb0(%{{.*}}: index):
// CHECK-NEXT:      "memref.store"(%v, %m, %lb) : (f32, memref<8xf32>, index) -> ()
// CHECK-NEXT:      "scf.yield"() : () -> ()
func.func @store_not_hoisted(%lb: index, %ub: index, %step: index, %v: f32, %m: memref<8xf32>) {
  "scf.for"(%lb, %ub, %step) ({
  ^bb0(%i: index):
    "memref.store"(%v, %m, %lb) : (f32, memref<8xf32>, index) -> ()
    "scf.yield"() : () -> ()
  }) : (index, index, index) -> ()
  func.return
}
