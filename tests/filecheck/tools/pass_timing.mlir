// RUN: tessel-opt %s -p cse,canonicalize,cse --pass-timing 2>&1 | filecheck %s

// The timing report follows the output: one row per pass run, in order, then the total.

// CHECK:       func.func @f
// CHECK:       ===-{{-+}}-===
// CHECK-NEXT:  ... Pass execution timing report ...
// CHECK-NEXT:  ===-{{-+}}-===
// CHECK-NEXT:  Total Execution Time: {{[0-9]+\.[0-9]+}} seconds
// CHECK-EMPTY:
// CHECK-NEXT:  ----Wall Time----  ----Name----
// CHECK-NEXT:  {{[0-9]+\.[0-9]+}} ({{ *[0-9]+\.[0-9]}}%)  cse
// CHECK-NEXT:  {{[0-9]+\.[0-9]+}} ({{ *[0-9]+\.[0-9]}}%)  canonicalize
// CHECK-NEXT:  {{[0-9]+\.[0-9]+}} ({{ *[0-9]+\.[0-9]}}%)  cse
// CHECK-NEXT:  {{[0-9]+\.[0-9]+}} (100.0%)  Total
func.func @f(%a: i32) -> i32 {
  func.return %a : i32
}
