// RUN: tessel-opt %s --split-input-file | filecheck %s

// Each chunk is parsed, verified and printed on its own; outputs are joined by `// -----`.

// CHECK:       builtin.module {
// CHECK-NEXT:    func.func @first(%a: i32) -> i32 {
// CHECK-NEXT:      func.return %a : i32
// CHECK-NEXT:    }
// CHECK-NEXT:  }
// CHECK-NEXT:  // -----
// CHECK-NEXT:  builtin.module {
// CHECK-NEXT:    func.func @second() {
// CHECK-NEXT:      func.return
// CHECK-NEXT:    }
// CHECK-NEXT:  }
// CHECK-NEXT:  // -----
// CHECK-NEXT:  builtin.module {
// CHECK-NEXT:    func.func @third(%a: f32) -> f32 {
func.func @first(%a: i32) -> i32 {
  func.return %a : i32
}

// -----

func.func @second() {
  func.return
}

// -----

// Chunks are independent: the same names may be defined again.
func.func @third(%a: f32) -> f32 {
  func.return %a : f32
}
