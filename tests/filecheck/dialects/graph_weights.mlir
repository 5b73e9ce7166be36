// RUN: tessel-opt %s | filecheck %s
// RUN: tessel-opt %s | tessel-opt | filecheck %s
// RUN: tessel-opt %s --generic | filecheck %s --check-prefix=GENERIC

// Weights over 1 KiB print as a named resource; the bytes go to one section at the end.
// CHECK:       %big = graph.constant dense_resource<big> : tensor<300xf32>
// CHECK-NEXT:  %small = graph.constant dense<1.000000e+00> : tensor<2xf32>
// CHECK:       {-#
// CHECK-NEXT:    dialect_resources: {
// CHECK-NEXT:      builtin: {
// CHECK-NEXT:        big: "0x040000000000803F
// CHECK:       #-}
// GENERIC:     "graph.constant"() <{value = dense<1.000000e+00> : tensor<300xf32>}>
%big = graph.constant dense<1.0> : tensor<300xf32>
%small = graph.constant dense<1.0> : tensor<2xf32>
