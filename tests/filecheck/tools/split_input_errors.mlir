// RUN: not tessel-opt %s --split-input-file 2>&1 | filecheck %s

// An error in one chunk is reported with its line in the whole file; other chunks still print.

// CHECK:       split_input_errors.mlir:20:15: error: use of undefined value '%undefined'
// CHECK-NEXT:    func.return %undefined : i32
// CHECK:       split_input_errors.mlir:26:3: error: 'func.return' op Expected arguments to have the same types as the function output types
// CHECK-NOT:   Traceback
// CHECK:       func.func @valid_first()
// CHECK:       // -----
// CHECK-NEXT:  builtin.module {
// CHECK-NEXT:    func.func @valid_last()
func.func @valid_first() {
  func.return
}

// -----

func.func @undefined() -> i32 {
  func.return %undefined : i32
}

// -----

func.func @mismatch(%a: i32) -> f32 {
  func.return %a : i32
}

// -----

func.func @valid_last() {
  func.return
}
