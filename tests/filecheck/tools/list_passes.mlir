// RUN: tessel-opt --list-passes | filecheck %s
// RUN: tessel-opt --list-dialects | filecheck %s --check-prefix=DIALECTS

// Passes are listed sorted by pipeline name.
// CHECK:       Available passes:
// CHECK-NEXT:    canonicalize
// CHECK-NEXT:    compile-llvm
// CHECK-NEXT:    convert-loop-to-llvm
// CHECK-NEXT:    convert-scf-to-cf
// CHECK-NEXT:    cse
// CHECK-NEXT:    dce
// CHECK-NEXT:    fuse-ops  {max-group-size: int = 256}
// CHECK-NEXT:    graph-simplify  {max-fold-elements: int = 1000000}
// CHECK-NEXT:    licm
// CHECK-NEXT:    loop-simplify
// CHECK-NEXT:    loop-storage-flatten
// CHECK-NEXT:    loop-unroll  {max-trip-count: int = 64, all-below: int = 0}
// CHECK-NEXT:    loop-vectorize  {width: int = 8}
// CHECK-NEXT:    lower-graph-to-te
// CHECK-NEXT:    lower-te-to-loop
// CHECK-NEXT:    reconcile-unrealized-casts

// DIALECTS:      Available dialects:
// DIALECTS-NEXT:   arith
// DIALECTS-NEXT:   builtin
// DIALECTS-NEXT:   cf
// DIALECTS-NEXT:   func
// DIALECTS-NEXT:   graph
// DIALECTS-NEXT:   llvm
// DIALECTS-NEXT:   loop
// DIALECTS-NEXT:   math
// DIALECTS-NEXT:   memref
// DIALECTS-NEXT:   scf
// DIALECTS-NEXT:   te
// DIALECTS-NEXT:   test
// DIALECTS-NEXT:   vector
