// RUN: tessel-opt %s | filecheck %s
// RUN: tessel-opt %s --generic | tessel-opt | filecheck %s
// RUN: tessel-opt %s --generic | filecheck %s --check-prefix=GENERIC

// Every loop op in its custom form; the generic form reads back to the same custom text.

// CHECK-LABEL: loop.func @matmul(%A: memref<64x64xf32>, %B: memref<64x64xf32>, %C: memref<64x64xf32>) {
// CHECK-NEXT:    loop.for %[[YO:.*]] = 0 to 8 parallel {
// CHECK-NEXT:      loop.for %[[YI:.*]] = 0 to 8 {
// CHECK-NEXT:        loop.for %[[X:.*]] = 0 to 64 vectorized {
// CHECK-NEXT:          %[[Y:.*]] = loop.apply %[[YO]] * 8 + %[[YI]]
// CHECK-NEXT:          loop.for %[[K:.*]] = 0 to 64 step 4 unrolled attributes {pragma = "explicit"} {
// CHECK-NEXT:            %[[A:.*]] = loop.load %A[%[[Y]], %[[K]]] : memref<64x64xf32>
// CHECK-NEXT:            %[[B:.*]] = loop.load %B[%[[K]], %[[X]]] : memref<64x64xf32>
// CHECK-NEXT:            %[[P:.*]] = arith.mulf %[[A]], %[[B]] : f32
// CHECK-NEXT:            loop.store %[[P]], %C[%[[Y]], %[[X]]] : memref<64x64xf32>
// CHECK-NEXT:          }
// CHECK-NEXT:        }
// CHECK-NEXT:      }
// CHECK-NEXT:    }
// CHECK-NEXT:  }
// GENERIC-LABEL: "loop.func"() <{sym_name = "matmul"
// GENERIC:         "loop.apply"(%{{.*}}, %{{.*}}) <{map = affine_map<(d0, d1) -> (((d0 * 8) + d1))>}> : (index, index) -> index
// GENERIC:         "loop.for"() <{lb = 0 : index, ub = 64 : index, step = 4 : index, kind = "unrolled", annotations = {pragma = "explicit"}}>
loop.func @matmul(%A: memref<64x64xf32>, %B: memref<64x64xf32>, %C: memref<64x64xf32>) {
  loop.for %yo = 0 to 8 parallel {
    loop.for %yi = 0 to 8 {
      loop.for %x = 0 to 64 vectorized {
        %y = loop.apply %yo * 8 + %yi
        loop.for %k = 0 to 64 step 4 unrolled attributes {pragma = "explicit"} {
          %a = loop.load %A[%y, %k] : memref<64x64xf32>
          %b = loop.load %B[%k, %x] : memref<64x64xf32>
          %p = arith.mulf %a, %b : f32
          loop.store %p, %C[%y, %x] : memref<64x64xf32>
        }
      }
    }
  }
}

// Thread-bound loops, loop.if with and without else, a barrier.
// CHECK-LABEL: loop.func @gpu(%A: memref<256xf32>) attributes {target = "cuda"} {
// CHECK-NEXT:    loop.for %[[BX:.*]] = 0 to 4 thread("blockIdx.x") {
// CHECK-NEXT:      loop.for %[[TX:.*]] = 0 to 64 thread("threadIdx.x") {
// CHECK-NEXT:        loop.for %[[V:.*]] = 0 to 2 vthread {
// CHECK-NEXT:          %[[I:.*]] = loop.apply %[[BX]] * 64 + %[[TX]]
// CHECK-NEXT:          %[[S:.*]] = loop.alloc "As" in "shared" : memref<64xf32>
// CHECK-NEXT:          %[[C:.*]] = arith.cmpi slt, %[[I]], %[[I]] : index
// CHECK-NEXT:          loop.if %[[C]] {
// CHECK-NEXT:            loop.barrier
// CHECK-NEXT:          } else {
// CHECK-NEXT:            %[[E:.*]] = loop.load %A[%[[I]]] : memref<256xf32>
// CHECK-NEXT:            loop.store %[[E]], %[[S]][%[[TX]]] : memref<64xf32>
// CHECK-NEXT:          }
// CHECK-NEXT:          loop.if %[[C]] {
// CHECK-NEXT:          }
// CHECK-NEXT:          loop.barrier
loop.func @gpu(%A: memref<256xf32>) attributes {target = "cuda"} {
  loop.for %bx = 0 to 4 thread("blockIdx.x") {
    loop.for %tx = 0 to 64 thread("threadIdx.x") {
      loop.for %v = 0 to 2 vthread {
        %i = loop.apply %bx * 64 + %tx
        %s = loop.alloc "As" in "shared" : memref<64xf32>
        %c = arith.cmpi slt, %i, %i : index
        loop.if %c {
          loop.barrier
        } else {
          %e = loop.load %A[%i] : memref<256xf32>
          loop.store %e, %s[%tx] : memref<64xf32>
        }
        loop.if %c {
        }
        loop.barrier
      }
    }
  }
}

// Affine expressions print with MLIR's precedence and read back as the same map.
// CHECK-LABEL: loop.func @affine(%A: memref<4xf32>) {
// CHECK:         %{{.*}} = loop.apply %[[I:[^ ]*]] - %[[J:[^ ]*]] * 2 + 3
// CHECK-NEXT:    %{{.*}} = loop.apply (%[[I]] + %[[J]]) floordiv 4 mod 2
// CHECK-NEXT:    %{{.*}} = loop.apply %[[J]] ceildiv 3 - 1
// CHECK-NEXT:    %{{.*}} = loop.apply %[[I]] * -1
// CHECK-NEXT:    %{{.*}} = loop.apply 7
// CHECK-NEXT:    %{{.*}} = loop.apply %[[J]] * 8 + %[[I]]
loop.func @affine(%A: memref<4xf32>) {
  loop.for %i = 0 to 4 {
    loop.for %j = 0 to 4 {
      %0 = loop.apply %i - %j * 2 + 3
      %1 = loop.apply (%i + %j) floordiv 4 mod 2
      %2 = loop.apply %j ceildiv 3 - 1
      %3 = loop.apply -%i
      %4 = loop.apply 2 * 3 + 1
      %5 = loop.apply 8 * %j + %i
    }
  }
}

// Accelerator side: an intrinsic's reference body, on-chip buffers, DMA and the intrinsic call.
// CHECK-LABEL: loop.func intrinsic @vdla.fused_gemm8x8_add(%a: memref<8x8xf32>, %b: memref<8x8xf32>, %c: memref<8x8xf32>) {
// CHECK-NEXT:  }
loop.func intrinsic @vdla.fused_gemm8x8_add(%a: memref<8x8xf32>, %b: memref<8x8xf32>, %c: memref<8x8xf32>) {
}

// CHECK-LABEL: loop.func @offload(%A: memref<64x64xf32>, %C: memref<64x64xf32>) {
// CHECK-NEXT:    %[[C0:.*]] = arith.constant 0 : index
// CHECK-NEXT:    loop.for %[[Y:.*]] = 0 to 64 step 8 {
// CHECK-NEXT:      %[[AL:.*]] = loop.alloc "AL" in "inp_buffer" : memref<8x8xf32>
// CHECK-NEXT:      %[[BL:.*]] = loop.alloc "BL" in "wgt_buffer" : memref<8x8xf32>
// CHECK-NEXT:      loop.dma_copy %A[%[[Y]], %[[C0]]] -> %[[AL]][%[[C0]], %[[C0]]] size [8, 8] : memref<64x64xf32> -> memref<8x8xf32>
// CHECK-NEXT:      loop.call @vdla.fused_gemm8x8_add(%[[AL]][%[[C0]], %[[C0]]], %[[BL]][%[[C0]], %[[C0]]], %C[%[[Y]], %[[C0]]]) : memref<8x8xf32>, memref<8x8xf32>, memref<64x64xf32>
// CHECK-NEXT:      loop.call @vdla.sync()
// CHECK-NEXT:    }
loop.func @offload(%A: memref<64x64xf32>, %C: memref<64x64xf32>) {
  %c0 = arith.constant 0 : index
  loop.for %y = 0 to 64 step 8 {
    %AL = loop.alloc "AL" in "inp_buffer" : memref<8x8xf32>
    %BL = loop.alloc "BL" in "wgt_buffer" : memref<8x8xf32>
    loop.dma_copy %A[%y, %c0] -> %AL[%c0, %c0] size [8, 8] : memref<64x64xf32> -> memref<8x8xf32>
    loop.call @vdla.fused_gemm8x8_add(%AL[%c0, %c0], %BL[%c0, %c0], %C[%y, %c0]) : memref<8x8xf32>, memref<8x8xf32>, memref<64x64xf32>
    loop.call @vdla.sync()
  }
}

// A loop.apply the custom form cannot spell (d1 first mentioned before d0) prints generic.
// CHECK-LABEL: loop.func @permuted
// CHECK:         "loop.apply"(%{{.*}}, %{{.*}}) <{map = affine_map<(d0, d1) -> (((d1 * 8) + d0))>}> : (index, index) -> index
loop.func @permuted() {
  loop.for %i = 0 to 4 {
    loop.for %j = 0 to 4 {
      %t = "loop.apply"(%i, %j) <{map = affine_map<(d0, d1) -> (((d1 * 8) + d0))>}> : (index, index) -> index
    }
  }
}
