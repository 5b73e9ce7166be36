// RUN: tessel-opt %s -p cse,canonicalize --print-ir-after-all 2>&1 | filecheck %s

// Each pass's result is dumped (to stderr) under a header naming the pass, in pipeline order;
// the final module follows on stdout.

// cse merges the two multiplications but leaves the addition of zero.
// CHECK:       // -----// IR Dump After cse //----- //
// CHECK-NEXT:  builtin.module {
// CHECK-NEXT:    func.func @f(%a: i32) -> i32 {
// CHECK-NEXT:      %[[ZERO:.*]] = arith.constant 0 : i32
// CHECK-NEXT:      %[[X:.*]] = arith.muli %a, %a : i32
// CHECK-NEXT:      %[[S:.*]] = arith.addi %[[X]], %[[X]] : i32
// CHECK-NEXT:      %[[R:.*]] = arith.addi %[[S]], %[[ZERO]] : i32
// CHECK-NEXT:      func.return %[[R]] : i32
// canonicalize folds the addition of zero away.
// CHECK:       // -----// IR Dump After canonicalize //----- //
// CHECK-NEXT:  builtin.module {
// CHECK-NEXT:    func.func @f(%a: i32) -> i32 {
// CHECK-NEXT:      %[[X2:.*]] = arith.muli %a, %a : i32
// CHECK-NEXT:      %[[S2:.*]] = arith.addi %[[X2]], %[[X2]] : i32
// CHECK-NEXT:      func.return %[[S2]] : i32
// CHECK-NOT:   IR Dump After
// CHECK:       builtin.module {
// CHECK-NEXT:    func.func @f(%a: i32) -> i32 {
// CHECK-NEXT:      %[[X3:.*]] = arith.muli %a, %a : i32
// CHECK-NEXT:      %[[S3:.*]] = arith.addi %[[X3]], %[[X3]] : i32
// CHECK-NEXT:      func.return %[[S3]] : i32
func.func @f(%a: i32) -> i32 {
  %zero = arith.constant 0 : i32
  %x = arith.muli %a, %a : i32
  %y = arith.muli %a, %a : i32
  %s = arith.addi %x, %y : i32
  %r = arith.addi %s, %zero : i32
  func.return %r : i32
}
