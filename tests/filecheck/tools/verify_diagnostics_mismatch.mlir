// RUN: not tessel-opt %s --split-input-file --verify-diagnostics 2>&1 | filecheck %s

// --verify-diagnostics fails on an error nobody expected and on an expectation no error met.

// CHECK:      unexpected error: {{.*}}verify_diagnostics_mismatch.mlir:10:1: error: unknown dialect 'foo'
// CHECK:      verify_diagnostics_mismatch.mlir:14: error: expected error "this message never appears" on line 15 was not produced
// CHECK:      unexpected error: {{.*}}verify_diagnostics_mismatch.mlir:20:1: error: unknown dialect 'bar'
// CHECK:      verify_diagnostics_mismatch.mlir:19: error: expected error "wrong words" on line 20 was not produced

"foo.op"() : () -> ()

// -----

// expected-error@+1 {{this message never appears}}
"test.op"() : () -> ()

// -----

// expected-error@+1 {{wrong words}}
"bar.op"() : () -> ()
