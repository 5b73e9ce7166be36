// RUN: tessel-opt %s --split-input-file --verify-diagnostics

// expected-error@+1 {{unknown operation 'arith.frobnicate': dialect 'arith' has no such operation}}
"arith.frobnicate"() : () -> ()

// -----

// expected-error@+1 {{unknown dialect 'foo' in operation 'foo.bar'}}
"foo.bar"() : () -> ()

// -----

func.func @unknown_custom_op(%x: i32) {
  // expected-error@+1 {{unknown dialect 'foo' in operation 'foo.bar'}}
  %0 = foo.bar %x : i32
  func.return
}

// -----

// test.op has only the generic form.
// expected-error@+1 {{'test.op' has no custom form in tessel; write it in generic form}}
%0 = test.op : i32

// -----

func.func @custom_operand_count(%a: i32) {
  // expected-error@+1 {{unexpected ':'; expected ','}}
  %0 = arith.addi %a : i32
  func.return
}

// -----

func.func @generic_operand_count(%a: i32) {
  // expected-error@+1 {{'arith.addi': 1 operand(s) but 2 operand type(s)}}
  %0 = "arith.addi"(%a) : (i32, i32) -> i32
  func.return
}

// -----

func.func @return_operand_count(%a: i32) -> (i32, i32) {
  // expected-error@+1 {{func.return: 1 operand(s) but 2 operand type(s)}}
  func.return %a : i32, i32
}

// -----

func.func @type_mismatch(%a: i32, %b: f32) {
  // expected-error@+1 {{type mismatch: '%b' has type f32 but is used as i32}}
  %0 = arith.addi %a, %b : i32
  func.return
}

// -----

// A forward reference's type is checked when its definition appears.
// expected-error@+1 {{type mismatch: '%x' is used as i32 but defined as f32}}
"test.op"(%x) : (i32) -> ()
%x = "test.op"() : () -> f32

// -----

func.func @undefined_value(%a: i32) {
  // expected-error@+1 {{use of undefined value '%nope'}}
  %0 = arith.addi %a, %nope : i32
  func.return
}

// -----

// A value defined inside a region is not visible after it.
"test.op"() ({
  %inner = "test.op"() : () -> i32
  "test.termop"() : () -> ()
}) : () -> ()
// expected-error@+1 {{use of undefined value '%inner'}}
"test.op"(%inner) : (i32) -> ()

// -----

func.func @redefined_value(%a: i32) {
  %0 = arith.addi %a, %a : i32
  // expected-error@+1 {{redefinition of SSA value '%0'}}
  %0 = arith.addi %a, %a : i32
  func.return
}

// -----

// expected-error@+1 {{redefinition of SSA value '%a'}}
func.func @redefined_argument(%a: i32, %a: i32) {
  func.return
}

// -----

"test.op"() ({
^bb0:
  // expected-error@+1 {{reference to an undefined block '^missing'}}
  "test.termop"()[^missing] : () -> ()
}) : () -> ()

// -----

"test.op"() ({
^twice:
  "test.termop"() : () -> ()
// expected-error@+1 {{redefinition of block '^twice'}}
^twice:
  "test.termop"() : () -> ()
}) : () -> ()

// -----

func.func @result_count(%a: i32) {
  // expected-error@+1 {{'arith.addi' has 1 result(s) but 2 name(s) are bound}}
  %0, %1 = arith.addi %a, %a : i32
  func.return
}

// -----

// expected-error@+1 {{'test.op' has 2 result(s) but 3 name(s) are bound}}
%r:3 = "test.op"() : () -> (i32, i32)

// -----

%r:2 = "test.op"() : () -> (i32, i32)
// expected-error@+1 {{'%r' has 2 result(s); index 2 is out of range}}
"test.op"(%r#2) : (i32) -> ()

// -----

// expected-error@+1 {{result group '%r:0' must have between 1 and 999999999 results}}
%r:0 = "test.op"() : () -> ()

// -----

// expected-error@+1 {{invalid type 'tensor<2xfoo>'}}
"test.op"() {t = tensor<2xfoo>} : () -> ()

// -----

// expected-error@+1 {{vector dimensions must be static}}
%0 = "test.op"() : () -> vector<?xf32>

// -----

// expected-error@+1 {{invalid type '!llvm.nosuchtype'}}
%0 = "test.op"() : () -> !llvm.nosuchtype

// -----

// expected-error@+1 {{dense literal has shape [3] but tensor<2xi32> has shape [2]}}
%0 = arith.constant dense<[1, 2, 3]> : tensor<2xi32>

// -----

// expected-error@+1 {{dense literal has shape [1, 2] but tensor<2xi32> has shape [2]}}
%0 = arith.constant dense<[[1, 2]]> : tensor<2xi32>

// -----

// expected-error@+1 {{unexpected 'one]' in dense literal}}
%0 = arith.constant dense<[one]> : tensor<1xi32>

// -----

// expected-error@+1 {{dense elements need a static shape, got tensor<?xi32>}}
"test.op"() {d = dense<1> : tensor<?xi32>} : () -> ()

// -----

// A ragged nested literal has no shape.
// expected-error@+1 {{dense literal has shape [2, 1] but tensor<2xi32> has shape [2]}}
%0 = arith.constant dense<[1, [2]]> : tensor<2xi32>

// -----

// expected-error@+1 {{invalid dense literal for tensor<2xi32>}}
%0 = arith.constant dense<1.5> : tensor<2xi32>

// -----

// expected-error@+1 {{duplicate key 'a' in attribute dictionary}}
"test.op"() {a = 1, b = 2, a = 3} : () -> ()

// -----

// expected-error@+1 {{Integer value 300 is out of range for type i8}}
"test.op"() {a = 300 : i8} : () -> ()

// -----

// expected-error@+1 {{float literal needs a float type, got i32}}
"test.op"() {a = 1.5 : i32} : () -> ()

// -----

// expected-error@+1 {{invalid attribute '#foo.bar<1>'}}
"test.op"() {a = #foo.bar<1>} : () -> ()

// -----

func.func @bad_predicate(%a: i32) {
  // expected-error@+1 {{'arith.cmpi': unknown predicate 'bogus'}}
  %0 = arith.cmpi bogus, %a, %a : i32
  func.return
}

// -----

func.func @wrong_flag(%a: i32) {
  // expected-error@+1 {{'arith.addi' takes 'overflow<...>', not 'fastmath<...>'}}
  %0 = arith.addi %a, %a fastmath<fast> : i32
  func.return
}

// -----

func.func @flag_on_op_without_flags(%a: i32) {
  // expected-error@+1 {{'arith.andi' takes no 'overflow<nsw>' flag}}
  %0 = arith.andi %a, %a overflow<nsw> : i32
  func.return
}

// -----

// expected-error@+1 {{unexpected '"x"'; expected 'false', 'true', '{', a float, an integer, dense<...>}}
%0 = arith.constant "x"

// -----

// expected-error@+1 {{function arguments must be all named or all unnamed}}
func.func @mixed_arguments(%a: i32, f32) {
  func.return
}

// -----

// expected-error@+1 {{a function with named arguments needs a body}}
func.func @named_declaration(%a: i32)

// -----

// expected-error@+1 {{unexpected 'i32'; expected '->'}}
%0 = "test.op"() : () i32

// -----

// expected-error@+1 {{unexpected character '?'}}
"test.op"() : () -> () ?

// -----

// expected-error@+1 {{unexpected ']'; expected}}
"test.op"() {a = [1, 2,]} : () -> ()

// -----

// The input ends inside the function body.
func.func @unterminated() {
  // expected-error@+1 {{unexpected end of input; expected}}
  func.return
