// RUN: tessel-opt %s | filecheck %s
// RUN: tessel-opt %s --generic | tessel-opt | filecheck %s

// CHECK-LABEL: func.func @definition(%a: f32, %b: i32) -> (f32, i32) attributes {foo = 1 : i64} {
// CHECK-NEXT:    %[[R0:.*]], %[[R1:.*]] = func.call @declaration(%a) : (f32) -> (f32, i32)
// CHECK-NEXT:    func.return %[[R0]], %b : f32, i32
func.func @definition(%a: f32, %b: i32) -> (f32, i32) attributes {foo = 1 : i64} {
  %r:2 = func.call @declaration(%a) : (f32) -> (f32, i32)
  func.return %r#0, %b : f32, i32
}

// CHECK-LABEL: func.func private @declaration(f32) -> (f32, i32)
func.func private @declaration(f32) -> (f32, i32)

// CHECK-LABEL: func.func @arg_attrs(%p: memref<4xf32> {llvm.noalias}, %n: index) -> (f32 {res.attr})
func.func @arg_attrs(%p: memref<4xf32> {llvm.noalias}, %n: index) -> (f32 {res.attr}) {
  %c = arith.constant 0.0 : f32
  func.return %c : f32
}

// CHECK-LABEL: func.func @no_results() {
// CHECK-NEXT:    func.return
func.func @no_results() {
  func.return
}
