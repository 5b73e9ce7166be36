// RUN: tessel-opt %s --split-input-file --verify-diagnostics

// IR that parses but does not verify; the error names the op and the line it was written on.

func.func @return_type(%a: i32) -> f32 {
  // expected-error@+1 {{'func.return' op Expected arguments to have the same types as the function output types: expected [f32], got [i32]}}
  func.return %a : i32
}

// -----

func.func @return_count(%a: i32) -> i32 {
  // expected-error@+1 {{'func.return' op Expected arguments to have the same types as the function output types: expected [i32], got [i32, i32]}}
  func.return %a, %a : i32, i32
}

// -----

func.func @callee(%a: i32) -> i32 {
  func.return %a : i32
}

func.func @call_operand_type(%x: f32) {
  // expected-error@+1 {{'func.call' op operand type mismatch: expected operand type i32, but provided f32 for operand number 0}}
  %0 = func.call @callee(%x) : (f32) -> i32
  func.return
}

// -----

func.func @call_unknown_symbol() {
  // expected-error@+1 {{'func.call' op '@missing' could not be found in symbol table}}
  %0 = func.call @missing() : () -> i32
  func.return
}

// -----

func.func @missing_terminator(%a: f32) -> f32 {
  // expected-error@+1 {{'arith.addf' op Operation arith.addf terminates block in single-block region but is not a terminator}}
  %0 = arith.addf %a, %a : f32
}

// -----

"test.op"() ({
^bb0:
  // expected-error@+1 {{'test.op' op Operation test.op terminates block in multi-block region but is not a terminator}}
  "test.op"() : () -> ()
^bb1:
  "test.termop"() : () -> ()
}) : () -> ()

// -----

func.func @integer_op_on_float(%a: f32) {
  // expected-error@+1 {{'arith.addi' op}}
  %0 = arith.addi %a, %a : f32
  func.return
}

// -----

func.func @generic_result_type(%a: f32) {
  // expected-error@+1 {{'arith.addf' op attribute f32 expected from variable 'T', but got i32}}
  %0 = "arith.addf"(%a, %a) : (f32, f32) -> i32
  func.return
}

// -----

func.func @select_condition(%a: i32) {
  // expected-error@+1 {{'arith.select' op Expected attribute i1 but got i32}}
  %0 = "arith.select"(%a, %a, %a) : (i32, i32, i32) -> i32
  func.return
}

// -----

func.func @narrowing_extension(%a: i32) {
  // expected-error@+1 {{'arith.extsi' op Destination bit-width must be larger than the input bit-width}}
  %0 = arith.extsi %a : i32 to i16
  func.return
}

// -----

// The error is reported on the nested op's own line, not on its parent's.
func.func @nested() {
  "test.op"() ({
    // expected-error@+1 {{'arith.constant' op attribute i32 expected from variable 'T', but got i64}}
    %0 = "arith.constant"() <{value = 1 : i64}> : () -> i32
    "test.termop"() : () -> ()
  }) : () -> ()
  func.return
}

// -----

func.func @yield_outside_loop() {
  // expected-error@+1 {{'scf.yield' op 'scf.yield' expects parent op to be one of 'scf.for'}}
  "scf.yield"() : () -> ()
}
