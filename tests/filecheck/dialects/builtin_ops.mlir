// RUN: tessel-opt %s | filecheck %s
// RUN: tessel-opt %s --generic | tessel-opt | filecheck %s

// Builtin attributes and types, carried on generic `test.op`s; each group sits in its own
// named module so it has a label.

// CHECK-LABEL: builtin.module @integer_and_float_attrs {
// CHECK-NEXT:    "test.op"() {i = 42 : i32, neg = -7 : i8, default = 5 : i64, idx = 3 : index, u8 = 255 : ui8, s8 = -1 : si8, hexint = 255 : i32} : () -> ()
// CHECK-NEXT:    "test.op"() {f = 2.500000e+00 : f64, default = 1.000000e+00 : f64, small = -1.500000e-03 : f32, half = 5.000000e-01 : f16, brain = 2.000000e+00 : bf16} : () -> ()
// CHECK-NEXT:    "test.op"() {one = 1.000000e+00 : f64, pi = 3.14159274 : f32, half = 1.000000e+00 : f16} : () -> ()
// CHECK-NEXT:  }
builtin.module @integer_and_float_attrs {
  "test.op"() {i = 42 : i32, neg = -7 : i8, default = 5, idx = 3 : index, u8 = 255 : ui8, s8 = -1 : si8, hexint = 0xFF : i32} : () -> ()
  "test.op"() {f = 2.5 : f64, default = 1.0, small = -1.5e-3 : f32, half = 0.5 : f16, brain = 2.0 : bf16} : () -> ()
  // Hexadecimal float literals are the IEEE bit pattern.
  "test.op"() {one = 0x3FF0000000000000 : f64, pi = 0x40490FDB : f32, half = 0x3C00 : f16} : () -> ()
}

// CHECK-LABEL: builtin.module @string_bool_unit_attrs {
// CHECK-NEXT:    "test.op"() {s = "plain", esc = "a\22b\0A\09c\\d", hex = "AB", empty = ""} : () -> ()
// CHECK-NEXT:    "test.op"() {t = true, f = false, u, "quoted key"} : () -> ()
// CHECK-NEXT:  }
builtin.module @string_bool_unit_attrs {
  "test.op"() {s = "plain", esc = "a\"b\n\tc\\d", hex = "\41\42", empty = ""} : () -> ()
  "test.op"() {t = true, f = false, u, "quoted key" = unit} : () -> ()
}

// CHECK-LABEL: builtin.module @array_and_dictionary_attrs {
// CHECK-NEXT:    "test.op"() {empty = [], arr = [1 : i64, "x", [unit, true]], d = {inner = {deep = 1 : i32}, other = "o"}, nodict = {}} : () -> ()
// CHECK-NEXT:  }
builtin.module @array_and_dictionary_attrs {
  "test.op"() {empty = [], arr = [1, "x", [unit, true]], d = {inner = {deep = 1 : i32}, other = "o"}, nodict = {}} : () -> ()
}

// CHECK-LABEL: builtin.module @dense_attrs {
// CHECK-NEXT:    "test.op"() {splat = dense<0.000000e+00> : tensor<2x3xf32>, ints = dense<[1, 2, 3]> : tensor<3xi32>, nested = dense<{{\[\[}}1, 2], [3, 4]]> : tensor<2x2xi64>, vec = dense<[true, false]> : vector<2xi1>, scalar = dense<7> : tensor<i8>, blob = dense<1.000000e+00> : tensor<1xf32>} : () -> ()
// CHECK-NEXT:    "test.op"() {i64s = array<i64: 1, 2>, f32s = array<f32: 1.500000e+00>, none = array<i32>} : () -> ()
// CHECK-NEXT:  }
builtin.module @dense_attrs {
  "test.op"() {splat = dense<0.0> : tensor<2x3xf32>, ints = dense<[1, 2, 3]> : tensor<3xi32>, nested = dense<[[1, 2], [3, 4]]> : tensor<2x2xi64>, vec = dense<[true, false]> : vector<2xi1>, scalar = dense<7> : tensor<i8>, blob = dense<"0x0000803F"> : tensor<1xf32>} : () -> ()
  "test.op"() {i64s = array<i64: 1, 2>, f32s = array<f32: 1.5>, none = array<i32>} : () -> ()
}

// CHECK-LABEL: builtin.module @symbol_type_and_dialect_attrs {
// CHECK-NEXT:    "test.op"() {sym = @a, nested = @a::@b::@c, quoted = @"with space"} : () -> ()
// CHECK-NEXT:    "test.op"() {ty = i32, shaped = tensor<2xf32>, fn = (i32, f32) -> index, multi = () -> (i1, i1), none = () -> ()} : () -> ()
// CHECK-NEXT:    "test.op"() {map = affine_map<(d0, d1) -> (d1, d0)>, fm = #arith.fastmath<fast>, fms = #arith.fastmath<nnan,ninf>} : () -> ()
// CHECK-NEXT:  }
builtin.module @symbol_type_and_dialect_attrs {
  "test.op"() {sym = @a, nested = @a::@b::@c, quoted = @"with space"} : () -> ()
  "test.op"() {ty = i32, shaped = tensor<2xf32>, fn = (i32, f32) -> (index), multi = () -> (i1, i1), none = () -> ()} : () -> ()
  "test.op"() {map = affine_map<(d0, d1) -> (d1, d0)>, fm = #arith.fastmath<fast>, fms = #arith.fastmath<nnan,ninf>} : () -> ()
}

// CHECK-LABEL: builtin.module @scalar_types {
// CHECK-NEXT:    %{{.*}} = "test.op"() : () -> (i1, i7, i64, si8, ui16, index)
// CHECK-NEXT:    %{{.*}} = "test.op"() : () -> (f16, bf16, f32, f64, f80, none)
// CHECK-NEXT:  }
builtin.module @scalar_types {
  %ints:6 = "test.op"() : () -> (i1, i7, i64, si8, ui16, index)
  %floats:6 = "test.op"() : () -> (f16, bf16, f32, f64, f80, none)
}

// CHECK-LABEL: builtin.module @shaped_types {
// CHECK-NEXT:    "test.op"() {t = [tensor<2x3xf32>, tensor<?x4xi8>, tensor<*xf32>, tensor<f32>, tensor<4xf32, "enc">]} : () -> ()
// CHECK-NEXT:    "test.op"() {m = [memref<4x?xf32>, memref<8xf32, 1 : i64>, memref<2xf32, strided<[1], offset: ?>>, memref<*xf32>, memref<f32>]} : () -> ()
// CHECK-NEXT:    "test.op"() {v = [vector<4xf32>, vector<[4]x8xf32>, vector<2x[2]xi1>]} : () -> ()
// CHECK-NEXT:    "test.op"() {o = [complex<f32>, tuple<i32, f32>, tuple<>, !llvm.ptr, !llvm.ptr<1>]} : () -> ()
// CHECK-NEXT:    %{{.*}} = "test.op"() : () -> memref<8xf32, 1 : i64>
// CHECK-NEXT:  }
builtin.module @shaped_types {
  "test.op"() {t = [tensor<2x3xf32>, tensor<?x4xi8>, tensor<*xf32>, tensor<f32>, tensor<4xf32, "enc">]} : () -> ()
  "test.op"() {m = [memref<4x?xf32>, memref<8xf32, 1>, memref<2xf32, strided<[1], offset: ?>>, memref<*xf32>, memref<f32>]} : () -> ()
  "test.op"() {v = [vector<4xf32>, vector<[4]x8xf32>, vector<2x[2]xi1>]} : () -> ()
  "test.op"() {o = [complex<f32>, tuple<i32, f32>, tuple<>, !llvm.ptr, !llvm.ptr<1>]} : () -> ()
  %space = "test.op"() : () -> memref<8xf32, 1>
}

// Result groups: `%r:2` defines two results, `%r#1` uses the second.
// CHECK-LABEL: builtin.module @result_groups {
// CHECK-NEXT:    %[[R0:.*]], %[[R1:.*]], %[[S:.*]] = "test.op"() : () -> (i32, f32, index)
// CHECK-NEXT:    "test.op"(%[[R1]], %[[R0]], %[[S]], %[[R0]]) : (f32, i32, index, i32) -> ()
// CHECK-NEXT:  }
builtin.module @result_groups {
  %r:2, %s = "test.op"() : () -> (i32, f32, index)
  "test.op"(%r#1, %r#0, %s, %r) : (f32, i32, index, i32) -> ()
}

// Blocks with arguments and successors; an empty region stays empty.
// CHECK-LABEL: builtin.module @blocks_and_successors {
// CHECK-NEXT:    "test.op"() ({
// CHECK-NEXT:    ^entry(%[[X:.*]]: i32):
// CHECK-NEXT:      "test.termop"(%[[X]]) [^next] : (i32) -> ()
// CHECK-NEXT:    ^next:
// CHECK-NEXT:      "test.termop"() [^entry, ^last] : () -> ()
// CHECK-NEXT:    ^last(%[[Y:.*]]: f32, %{{.*}}: index):
// CHECK-NEXT:      "test.termop"(%[[Y]], %[[X]]) : (f32, i32) -> ()
// CHECK-NEXT:    }, {
// CHECK-NEXT:      "test.termop"() : () -> ()
// CHECK-NEXT:    }, {
// CHECK-NEXT:    }) : () -> ()
// CHECK-NEXT:  }
builtin.module @blocks_and_successors {
  "test.op"() ({
  ^entry(%x: i32):
    "test.termop"(%x)[^next] : (i32) -> ()
  ^next:
    "test.termop"()[^entry, ^last] : () -> ()
  ^last(%y: f32, %z: index):
    "test.termop"(%y, %x) : (f32, i32) -> ()
  }, {
    "test.termop"() : () -> ()
  }, {}) : () -> ()
}

// A region's entry block may be written without a label, followed by labelled blocks.
// CHECK-LABEL: builtin.module @unlabelled_entry {
// CHECK-NEXT:    "test.op"() ({
// CHECK-NEXT:      %[[V:.*]] = "test.op"() : () -> i32
// CHECK-NEXT:      "test.termop"() [^bb1] : () -> ()
// CHECK-NEXT:    ^bb1:
// CHECK-NEXT:      "test.termop"(%[[V]]) : (i32) -> ()
// CHECK-NEXT:    }) : () -> ()
builtin.module @unlabelled_entry {
  "test.op"() ({
    %v = "test.op"() : () -> i32
    "test.termop"()[^bb1] : () -> ()
  ^bb1:
    "test.termop"(%v) : (i32) -> ()
  }) : () -> ()
}

// Nested modules keep their symbol names and attributes; `module` is accepted for `builtin.module`.
// CHECK-LABEL: builtin.module @outer attributes {tessel.version = 1 : i64, note = "outer"} {
// CHECK-NEXT:    builtin.module @inner {
// CHECK-NEXT:      builtin.module {
// CHECK-NEXT:        "test.op"() : () -> ()
// CHECK-NEXT:      }
// CHECK-NEXT:    }
// CHECK-NEXT:  }
builtin.module @outer attributes {tessel.version = 1 : i64, note = "outer"} {
  module @inner {
    builtin.module {
      "test.op"() : () -> ()
    }
  }
}

// A module body is a graph region: values may be used before they are defined.
// CHECK-LABEL: builtin.module @graph_region {
// CHECK-NEXT:    %[[A:.*]] = "test.op"(%[[B:.*]]) : (i32) -> i32
// CHECK-NEXT:    %[[B]] = "test.op"(%[[A]]) : (i32) -> i32
// CHECK-NEXT:    "test.op"(%[[C1:.*]]) : (f32) -> ()
// CHECK-NEXT:    %{{.*}}, %[[C1]] = "test.op"() : () -> (i32, f32)
builtin.module @graph_region {
  %a = "test.op"(%b) : (i32) -> i32
  %b = "test.op"(%a) : (i32) -> i32
  "test.op"(%c#1) : (f32) -> ()
  %c:2 = "test.op"() : () -> (i32, f32)
}

// Source locations are accepted after an operation and after block arguments.
// CHECK-LABEL: builtin.module @locations {
// CHECK-NEXT:    %{{.*}} = "test.op"() : () -> i32
// CHECK-NEXT:    "test.op"() ({
// CHECK-NEXT:    ^bb0(%{{.*}}: i32):
builtin.module @locations {
  %0 = "test.op"() : () -> i32 loc("model.py":3:4)
  "test.op"() ({
  ^bb0(%arg0: i32 loc(unknown)):
    "test.termop"() : () -> ()
  }) : () -> () loc(unknown)
}
