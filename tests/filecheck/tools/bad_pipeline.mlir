// RUN: not tessel-opt %s -p cse,nosuchpass 2>&1 | filecheck %s --check-prefix=UNKNOWN
// RUN: not tessel-opt %s -p 'cse{nosuchoption=1}' 2>&1 | filecheck %s --check-prefix=OPTION
// RUN: not tessel-opt %s -p 'cse{' 2>&1 | filecheck %s --check-prefix=SYNTAX

// A bad pipeline is reported before any input is processed, without a traceback.

// UNKNOWN:     tessel-opt: error: unknown pass 'nosuchpass'; known passes: canonicalize, compile-llvm, convert-loop-to-llvm, convert-scf-to-cf, cse, dce, fuse-ops, graph-simplify, licm, loop-simplify, loop-storage-flatten, loop-unroll, loop-vectorize, lower-graph-to-te, lower-te-to-loop, reconcile-unrealized-casts
// UNKNOWN-NOT: builtin.module
// UNKNOWN-NOT: Traceback

// OPTION:      tessel-opt: error: pass 'cse' has no option 'nosuchoption'; valid options: (none)
// OPTION-NOT:  Traceback

// SYNTAX:      tessel-opt: error: Error parsing pass pipeline specification:
// SYNTAX:      Expected argument name here
// SYNTAX-NOT:  Traceback
func.func @f() {
  func.return
}
