// RUN: tessel-opt %s -p cse -o %t
// RUN: filecheck %s --input-file %t

// -o writes the result to the named file.
// CHECK-LABEL: func.func @written(%a: i32) -> i32 {
// CHECK-NEXT:    %[[S:.*]] = arith.addi %a, %a : i32
// CHECK-NEXT:    func.return %[[S]] : i32
func.func @written(%a: i32) -> i32 {
  %s = arith.addi %a, %a : i32
  %t = arith.addi %a, %a : i32
  func.return %s : i32
}
