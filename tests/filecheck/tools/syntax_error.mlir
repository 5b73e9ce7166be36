// RUN: not tessel-opt %s 2>&1 | filecheck %s --strict-whitespace

// A syntax error: file:line:col, what was found and what was expected, the line, a caret
// under the column, and no Python traceback.

// CHECK:      {{^}}{{.*}}syntax_error.mlir:12:22: error: unexpected ':'; expected ','{{$}}
// CHECK-NEXT: {{^}}  %0 = arith.addi %a : i32{{$}}
// CHECK-NEXT: {{^}}                     ^{{$}}
// CHECK-NOT:  Traceback
func.func @f(%a: i32) -> i32 {
  // one operand where two are needed
  %0 = arith.addi %a : i32
  func.return %0 : i32
}
