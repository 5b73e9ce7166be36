// RUN: tessel-opt %s --generic | filecheck %s

// --generic prints MLIR's generic form: quoted names, properties in <{...}>, function types.

// CHECK:       "builtin.module"() <{sym_name = "generic"}> ({
// CHECK-NEXT:    "func.func"() <{sym_name = "arith", function_type = (f32, f32, i32, i1) -> f32}> ({
// CHECK-NEXT:    ^bb0(%[[A:.*]]: f32, %[[B:.*]]: f32, %[[I:.*]]: i32, %[[C:.*]]: i1):
// CHECK-NEXT:      %[[ADD:.*]] = "arith.addf"(%[[A]], %[[B]]) <{fastmath = #arith.fastmath<none>}> : (f32, f32) -> f32
// CHECK-NEXT:      %[[FAST:.*]] = "arith.mulf"(%[[ADD]], %[[B]]) <{fastmath = #arith.fastmath<fast>}> : (f32, f32) -> f32
// CHECK-NEXT:      %{{.*}} = "arith.addi"(%[[I]], %[[I]]) <{overflowFlags = #arith.overflow<nsw>}> : (i32, i32) -> i32
// CHECK-NEXT:      %{{.*}} = "arith.cmpi"(%[[I]], %[[I]]) <{predicate = 2 : i64}> : (i32, i32) -> i1
// CHECK-NEXT:      %{{.*}} = "arith.cmpf"(%[[A]], %[[B]]) <{predicate = 4 : i64, fastmath = #arith.fastmath<none>}> : (f32, f32) -> i1
// CHECK-NEXT:      %{{.*}} = "arith.constant"() <{value = 1.500000e+00 : f32}> : () -> f32
// CHECK-NEXT:      %{{.*}} = "arith.constant"() <{value = dense<[1, 2]> : tensor<2xi32>}> : () -> tensor<2xi32>
// CHECK-NEXT:      %{{.*}} = "arith.sitofp"(%[[I]]) : (i32) -> f32
// CHECK-NEXT:      %[[SEL:.*]] = "arith.select"(%[[C]], %[[FAST]], %[[A]]) : (i1, f32, f32) -> f32
// CHECK-NEXT:      %{{.*}}, %{{.*}} = "arith.addui_extended"(%[[I]], %[[I]]) : (i32, i32) -> (i32, i1)
// CHECK-NEXT:      %{{.*}} = "math.fpowi"(%[[A]], %[[I]]) <{fastmath = #arith.fastmath<none>}> : (f32, i32) -> f32
// CHECK-NEXT:      %{{.*}} = "math.fma"(%[[A]], %[[B]], %[[A]]) <{fastmath = #arith.fastmath<contract>}> : (f32, f32, f32) -> f32
// CHECK-NEXT:      "func.return"(%[[SEL]]) : (f32) -> ()
// CHECK-NEXT:    }) : () -> ()
builtin.module @generic {
  func.func @arith(%a: f32, %b: f32, %i: i32, %c: i1) -> f32 {
    %add = arith.addf %a, %b : f32
    %fast = arith.mulf %add, %b fastmath<fast> : f32
    %nsw = arith.addi %i, %i overflow<nsw> : i32
    %cmpi = arith.cmpi slt, %i, %i : i32
    %cmpf = arith.cmpf olt, %a, %b : f32
    %cst = arith.constant 1.5 : f32
    %dense = arith.constant dense<[1, 2]> : tensor<2xi32>
    %cast = arith.sitofp %i : i32 to f32
    %sel = arith.select %c, %fast, %a : f32
    %sum, %carry = arith.addui_extended %i, %i : i32, i1
    %pow = math.fpowi %a, %i : f32, i32
    %fma = math.fma %a, %b, %a fastmath<contract> : f32
    func.return %sel : f32
  }

  // Function declarations, visibility, argument and result attributes, calls.
  // CHECK:         "func.func"() <{sym_name = "callee", function_type = (f32) -> (f32, i32), sym_visibility = "private"}> ({
  // CHECK-NEXT:    }) : () -> ()
  func.func private @callee(f32) -> (f32, i32)

  // CHECK:         "func.func"() <{sym_name = "caller", function_type = (f32) -> f32, arg_attrs = [{llvm.noalias}], res_attrs = [{res.attr}]}> ({
  // CHECK-NEXT:    ^bb0(%[[X:.*]]: f32):
  // CHECK-NEXT:      %[[R0:.*]], %{{.*}} = "func.call"(%[[X]]) <{callee = @callee}> : (f32) -> (f32, i32)
  // CHECK-NEXT:      "func.return"(%[[R0]]) : (f32) -> ()
  // CHECK-NEXT:    }) {extra = 1 : i64} : () -> ()
  func.func @caller(%x: f32 {llvm.noalias}) -> (f32 {res.attr}) attributes {extra = 1 : i64} {
    %r:2 = func.call @callee(%x) : (f32) -> (f32, i32)
    func.return %r#0 : f32
  }
}
