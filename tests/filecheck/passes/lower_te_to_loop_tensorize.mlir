// RUN: tessel-opt %s -p lower-te-to-loop,cse | filecheck %s

// The matmul of the TVM stack overview: C[y, x] = sum_k A[k, y] * B[k, x] at 1024^3, tiled 8x8,
// A and B tiles DMA-copied into accelerator buffers, the 8x8 block tensorized with a declared GEMM.
// It lowers to the vdla.fill_zero / dma_copy2d / fused_gemm8x8_add program.

te.intrin @gemm8x8 {
  %w = te.placeholder "w" : tensor<8x8xf32>
  %x = te.placeholder "x" : tensor<8x8xf32>
  %y = te.compute "y" (%i, %j) < (8, 8) reduce (%k) < (8) {
    %a = te.read %w[%k, %i] : tensor<8x8xf32>
    %b = te.read %x[%k, %j] : tensor<8x8xf32>
    %p = arith.mulf %a, %b : f32
    te.yield sum %p : f32
  } : tensor<8x8xf32>
  te.intrin_lower %y compute @vdla.gemm8x8(%w, %x, %y) reset @vdla.fill_zero(%y) update @vdla.fused_gemm8x8_add(%w, %x, %y)
}

func.func @matmul(%A: tensor<1024x1024xf32>, %B: tensor<1024x1024xf32>) -> tensor<1024x1024xf32> {
  %C = te.compute "C" (%y, %x) < (1024, 1024) reduce (%k) < (1024) {
    %a = te.read %A[%k, %y] : tensor<1024x1024xf32>
    %b = te.read %B[%k, %x] : tensor<1024x1024xf32>
    %p = arith.mulf %a, %b : f32
    te.yield sum %p : f32
  } : tensor<1024x1024xf32>
  te.schedule {
    %CL = te.cache_write %C "acc_buffer"
    %y, %x = te.axes %C
    %yo, %xo, %yi, %xi = te.tile %C [%y, %x] by [8, 8]
    te.compute_at %CL at %C %xo
    te.pragma %C %yi "dma_copy"
    %cy, %cx, %k = te.axes %CL
    %ko, %ki = te.split %CL %k by 8
    te.reorder %CL [%ko, %cy, %cx, %ki]
    %AL = te.cache_read %A "inp_buffer" for [%CL]
    %BL = te.cache_read %B "wgt_buffer" for [%CL]
    te.compute_at %AL at %CL %ko
    te.compute_at %BL at %CL %ko
    te.pragma %AL "dma_copy"
    te.pragma %BL "dma_copy"
    te.tensorize %CL %cy using @gemm8x8
  }
  func.return %C : tensor<1024x1024xf32>
}

// CHECK-LABEL: loop.func @matmul(%A: memref<1024x1024xf32>, %B: memref<1024x1024xf32>, %C: memref<1024x1024xf32>) {
// CHECK-NEXT:    loop.for %yo = 0 to 128 {
// CHECK-NEXT:      loop.for %xo = 0 to 128 {
// CHECK-NEXT:        %[[ACC:.*]] = loop.alloc "C.acc_buffer" in "acc_buffer" : memref<8x8xf32>
// CHECK-NEXT:        %[[ZERO:.*]] = arith.constant 0 : index
// CHECK-NEXT:        loop.call @vdla.fill_zero(%[[ACC]][%[[ZERO]], %[[ZERO]]]) : memref<8x8xf32>
// CHECK-NEXT:        loop.for %ko = 0 to 128 {
// CHECK-NEXT:          %[[AL:.*]] = loop.alloc "A.inp_buffer" in "inp_buffer" : memref<8x8xf32>
// CHECK-NEXT:          %[[K8:.*]] = loop.apply %ko * 8
// CHECK-NEXT:          %[[Y8:.*]] = loop.apply %yo * 8
// CHECK-NEXT:          loop.dma_copy %A[%[[K8]], %[[Y8]]] -> %[[AL]][%[[ZERO]], %[[ZERO]]] size [8, 8] : memref<1024x1024xf32> -> memref<8x8xf32>
// CHECK-NEXT:          %[[BL:.*]] = loop.alloc "B.wgt_buffer" in "wgt_buffer" : memref<8x8xf32>
// CHECK-NEXT:          %[[X8:.*]] = loop.apply %xo * 8
// CHECK-NEXT:          loop.dma_copy %B[%[[K8]], %[[X8]]] -> %[[BL]][%[[ZERO]], %[[ZERO]]] size [8, 8] : memref<1024x1024xf32> -> memref<8x8xf32>
// CHECK-NEXT:          loop.call @vdla.fused_gemm8x8_add(%[[AL]][%[[ZERO]], %[[ZERO]]], %[[BL]][%[[ZERO]], %[[ZERO]]], %[[ACC]][%[[ZERO]], %[[ZERO]]])
// CHECK-NEXT:        }
// CHECK:             loop.dma_copy %[[ACC]][%[[ZERO]], %[[ZERO]]] -> %C[{{.*}}, {{.*}}] size [8, 8] : memref<8x8xf32> -> memref<1024x1024xf32>
// CHECK-NEXT:      }
// CHECK-NEXT:    }
// CHECK-NEXT:  }

// The intrinsic's calls get reference bodies (what the interpreter and CPU backends run).
// CHECK-LABEL: loop.func intrinsic @vdla.fill_zero(%y: memref<8x8xf32>)
// CHECK:         loop.store %{{.*}}, %y[%{{.*}}, %{{.*}}] : memref<8x8xf32>
// CHECK-LABEL: loop.func intrinsic @vdla.fused_gemm8x8_add(%w: memref<8x8xf32>, %x: memref<8x8xf32>, %y: memref<8x8xf32>)
// CHECK:         arith.mulf
// CHECK:         arith.addf
// CHECK-NOT:   te.intrin
