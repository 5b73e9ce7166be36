// RUN: tessel-opt %s -p loop-vectorize --emit=llvm-ir --split-input-file | filecheck %s
// RUN: tessel-opt %s -p loop-vectorize --emit=asm --split-input-file | filecheck %s --check-prefix=ASM

// The optimized LLVM IR of a vectorized loop computes on <8 x float>: vector loads and stores of
// element alignment, an fmul and an fadd per vector, both marked `contract` (as TVM's FPOpFusion::Fast)
// so that the code generator fuses them into one fused multiply-add.
// CHECK-LABEL: define void @axpy(ptr noalias
// CHECK:         %[[A:.*]] = load float, ptr %{{.*}}, align 4
// CHECK:         %[[SPLAT:.*]] = shufflevector <8 x float> %{{.*}}, <8 x float> poison, <8 x i32> zeroinitializer
// CHECK:         %[[X:.*]] = load <8 x float>, ptr %{{.*}}, align 4
// CHECK:         %[[Y:.*]] = load <8 x float>, ptr %{{.*}}, align 4
// CHECK:         %[[M:.*]] = fmul contract <8 x float> %[[SPLAT]], %[[X]]
// CHECK-NEXT:    %[[S:.*]] = fadd contract <8 x float> %[[M]], %[[Y]]
// CHECK-NEXT:    store <8 x float> %[[S]], ptr %{{.*}}, align 4
// CHECK-NOT:     fmul float
// ASM-LABEL:   axpy:
// ASM-NOT:       vmulps
// ASM:           vfmadd{{[0-9]+}}ps
// ASM-LABEL:   fma:
loop.func @axpy(%X: memref<4x16xf32>, %Y: memref<4x16xf32>, %alpha: memref<1xf32>) {
  %c0 = arith.constant 0 : index
  loop.for %r = 0 to 4 {
    %a = loop.load %alpha[%c0] : memref<1xf32>
    loop.for %i = 0 to 16 vectorized {
      %x = loop.load %X[%r, %i] : memref<4x16xf32>
      %y = loop.load %Y[%r, %i] : memref<4x16xf32>
      %m = arith.mulf %a, %x : f32
      %s = arith.addf %m, %y : f32
      loop.store %s, %Y[%r, %i] : memref<4x16xf32>
    }
  }
}

// -----

// math.fma on a vectorized loop is the llvm.fma intrinsic on <8 x float>.
// CHECK-LABEL: define void @fma(
// CHECK:         %[[F:.*]] = tail call <8 x float> @llvm.fma.v8f32(<8 x float> %{{.*}}, <8 x float> %{{.*}}, <8 x float> %{{.*}})
// CHECK-NEXT:    store <8 x float> %[[F]], ptr %{{.*}}, align 4
// CHECK:         declare <8 x float> @llvm.fma.v8f32(<8 x float>, <8 x float>, <8 x float>)
loop.func @fma(%X: memref<16xf32>, %Y: memref<16xf32>, %Z: memref<16xf32>) {
  loop.for %i = 0 to 16 vectorized {
    %x = loop.load %X[%i] : memref<16xf32>
    %y = loop.load %Y[%i] : memref<16xf32>
    %z = loop.load %Z[%i] : memref<16xf32>
    %f = math.fma %x, %y, %z : f32
    loop.store %f, %Z[%i] : memref<16xf32>
  }
}

// -----

// A parallel loop hands its chunks to the process's thread pool.
// CHECK:       declare void @tessel_parallel_launch(ptr, ptr, i64)
// CHECK-LABEL: define void @scale(
// CHECK:         call void @tessel_parallel_launch(ptr nonnull @scale.parallel.thread, ptr nonnull %{{.*}}, i64 %{{.*}})
loop.func @scale(%X: memref<64x8xf32>, %Y: memref<64x8xf32>) {
  loop.for %i = 0 to 64 parallel {
    loop.for %j = 0 to 8 {
      %x = loop.load %X[%i, %j] : memref<64x8xf32>
      %y = arith.mulf %x, %x : f32
      loop.store %y, %Y[%i, %j] : memref<64x8xf32>
    }
  }
}
