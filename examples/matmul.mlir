// C[y, x] = sum_k A[k, y] * B[k, x] (the TVM stack overview's matmul) with a CPU schedule:
// 32x32 tiles, the k loop split by 4 and moved out, the 32-wide x loop vectorized, outer rows in parallel.
// Try: tessel-run examples/matmul.mlir --target llvm --bench 10
//      tessel-opt examples/matmul.mlir -p lower-te-to-loop,loop-simplify
func.func @matmul(%A: tensor<256x256xf32>, %B: tensor<256x256xf32>) -> tensor<256x256xf32> {
  %C = te.compute "C" (%y, %x) < (256, 256) reduce (%k) < (256) {
    %a = te.read %A[%k, %y] : tensor<256x256xf32>
    %b = te.read %B[%k, %x] : tensor<256x256xf32>
    %p = arith.mulf %a, %b : f32
    te.yield sum %p : f32
  } : tensor<256x256xf32>
  te.schedule {
    %CL = te.cache_write %C "local"
    %y, %x = te.axes %C
    %yo, %xo, %yi, %xi = te.tile %C [%y, %x] by [8, 32]
    te.parallel %C %yo
    te.compute_at %CL at %C %xo
    te.vectorize %C %xi
    %cy, %cx, %k = te.axes %CL
    %ko, %ki = te.split %CL %k by 4
    te.reorder %CL [%ko, %ki, %cy, %cx]
    te.unroll %CL %ki
    te.vectorize %CL %cx
  }
  func.return %C : tensor<256x256xf32>
}
