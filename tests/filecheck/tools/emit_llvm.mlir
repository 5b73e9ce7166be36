// RUN: tessel-opt %s -p lower-te-to-loop,loop-simplify,loop-vectorize --emit=llvm-ir --split-input-file --verify-diagnostics | filecheck %s
// RUN: tessel-opt %s --emit=asm --split-input-file --verify-diagnostics | filecheck %s --check-prefix=ASM
// RUN: not tessel-opt %s --emit=llvm-ir --split-input-file 2>&1 >/dev/null | filecheck %s --check-prefix=ERR

// --emit=llvm-ir prints the optimized LLVM IR for the host instead of MLIR: a vectorized te loop
// becomes <8 x float> arithmetic; a public function takes one noalias pointer per buffer.
// CHECK:       target triple =
// CHECK-LABEL: define void @scale(ptr noalias
// CHECK:         fmul contract <8 x float>
// CHECK:         ret void
// ASM:         scale:
// ASM:         ret
func.func @scale(%A: tensor<64xf32>) -> tensor<64xf32> {
  %B = te.compute "B" (%i) < (64) {
    %a = te.read %A[%i] : tensor<64xf32>
    %e = arith.mulf %a, %a : f32
    te.yield %e : f32
  } : tensor<64xf32>
  te.schedule {
    %i = te.axes %B
    te.vectorize %B %i
  }
  func.return %B : tensor<64xf32>
}

// -----

// Loop IR is compiled as it is (compile-llvm runs first); a reduction keeps its loop.
// CHECK-LABEL: define void @main(ptr noalias
// CHECK:         fadd
// CHECK:         ret void
// ASM:         main:
loop.func @main(%X: memref<16xf32>, %S: memref<1xf32>) {
  %c0 = arith.constant 0 : index
  loop.for %k = 0 to 16 {
    %x = loop.load %X[%k] : memref<16xf32>
    %s = loop.load %S[%c0] : memref<1xf32>
    %t = arith.addf %s, %x : f32
    loop.store %t, %S[%c0] : memref<1xf32>
  }
}

// -----

// Graph functions are lowered first (each op or fused group a kernel; the graph function of kernel
// calls is left to the graph runtime): graph.relu becomes the kernel @relu.
// CHECK-LABEL: define void @relu(ptr noalias
// CHECK:         ret void
// CHECK-NOT:     define
// ASM:         relu:
func.func @graph(%x: tensor<4xf32>) -> tensor<4xf32> {
  %r = graph.relu %x : tensor<4xf32>
  func.return %r : tensor<4xf32>
}

// -----

// Ops outside graph/te/loop/llvm cannot be emitted: a located error, no traceback.
// ERR:     emit_llvm.mlir:[[# @LINE + 3]]:3: error: --emit=llvm-ir: 'memref.alloc' cannot be compiled to LLVM IR
func.func @buffers() {
  // expected-error@+1 {{'memref.alloc' cannot be compiled to LLVM IR; only graph IR, te functions, loop IR and the llvm dialect can}}
  %m = "memref.alloc"() <{operandSegmentSizes = array<i32: 0, 0>}> : () -> memref<4xf32>
  func.return
}
// ERR-NOT: Traceback
