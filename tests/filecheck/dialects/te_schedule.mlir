// RUN: tessel-opt %s | filecheck %s
// RUN: tessel-opt %s --generic | tessel-opt | filecheck %s
// RUN: tessel-opt %s --generic | filecheck %s --check-prefix=GENERIC

// The matmul of the syntax sketch with its schedule, tensorized with @gemm8x8.
// CHECK-LABEL: te.intrin @gemm8x8 {
// CHECK:         te.intrin_lower %{{.*}} compute @vdla.gemm8x8
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

// CHECK-LABEL: func.func @matmul(%A: tensor<1024x1024xf32>, %B: tensor<1024x1024xf32>) -> tensor<1024x1024xf32> {
// CHECK:         %[[C:.*]] = te.compute "C"
// CHECK:         te.schedule {
// CHECK-NEXT:      %[[Y:.*]], %[[X:.*]], %[[K:.*]] = te.axes %[[C]]
// CHECK-NEXT:      %[[YO:.*]], %[[XO:.*]], %[[YI:.*]], %[[XI:.*]] = te.tile %[[C]] [%[[Y]], %[[X]]] by [8, 8]
// CHECK-NEXT:      %[[KO:.*]], %[[KI:.*]] = te.split %[[C]] %[[K]] by 8
// CHECK-NEXT:      te.reorder %[[C]] [%[[YO]], %[[XO]], %[[KO]], %[[YI]], %[[XI]], %[[KI]]]
// CHECK-NEXT:      %[[AL:.*]] = te.cache_read %A "inp_buffer" for [%[[C]]]
// CHECK-NEXT:      te.compute_at %[[AL]] at %[[C]] %[[KO]]
// CHECK-NEXT:      te.pragma %[[AL]] "dma_copy"
// CHECK-NEXT:      te.tensorize %[[C]] %[[YI]] using @gemm8x8
// CHECK-NEXT:    }
// CHECK-NEXT:    func.return %[[C]] : tensor<1024x1024xf32>

// Stage operands keep the type of their definition: a tensor, or a !te.stage of cache_read.
// GENERIC-LABEL: "func.func"() <{sym_name = "matmul"
// GENERIC:         "te.schedule"() ({
// GENERIC-NEXT:      %{{.*}}, %{{.*}}, %{{.*}} = "te.axes"(%C) : (tensor<1024x1024xf32>) -> (!te.axis, !te.axis, !te.axis)
// GENERIC-NEXT:      "te.tile"({{.*}}) <{factors = [8 : i64, 8 : i64]}> : (tensor<1024x1024xf32>, !te.axis, !te.axis) -> (!te.axis, !te.axis, !te.axis, !te.axis)
// GENERIC-NEXT:      "te.split"({{.*}}) <{factor = 8 : i64}> : (tensor<1024x1024xf32>, !te.axis) -> (!te.axis, !te.axis)
// GENERIC:           %[[AL:.*]] = "te.cache_read"(%A, %C) <{scope = "inp_buffer"}> : (tensor<1024x1024xf32>, tensor<1024x1024xf32>) -> !te.stage
// GENERIC-NEXT:      "te.compute_at"(%[[AL]], %C, %{{.*}}) : (!te.stage, tensor<1024x1024xf32>, !te.axis) -> ()
// GENERIC-NEXT:      "te.pragma"(%[[AL]]) <{pragma = "dma_copy"}> : (!te.stage) -> ()
// GENERIC-NEXT:      "te.tensorize"(%C, %{{.*}}) <{intrin = @gemm8x8}> : (tensor<1024x1024xf32>, !te.axis) -> ()
func.func @matmul(%A: tensor<1024x1024xf32>, %B: tensor<1024x1024xf32>) -> tensor<1024x1024xf32> {
  %C = te.compute "C" (%y, %x) < (1024, 1024) reduce (%k) < (1024) {
    %a = te.read %A[%k, %y] : tensor<1024x1024xf32>
    %b = te.read %B[%k, %x] : tensor<1024x1024xf32>
    %p = arith.mulf %a, %b : f32
    te.yield sum %p : f32
  } : tensor<1024x1024xf32>
  te.schedule {
    %cy, %cx, %ck = te.axes %C
    %yo, %xo, %yi, %xi = te.tile %C [%cy, %cx] by [8, 8]
    %ko, %ki = te.split %C %ck by 8
    te.reorder %C [%yo, %xo, %ko, %yi, %xi, %ki]
    %Al = te.cache_read %A "inp_buffer" for [%C]
    te.compute_at %Al at %C %ko
    te.pragma %Al "dma_copy"
    te.tensorize %C %yi using @gemm8x8
  }
  func.return %C : tensor<1024x1024xf32>
}

// Every other primitive, in its one spelling.
// CHECK-LABEL: func.func @primitives
// CHECK:         te.schedule {
// CHECK-NEXT:      %[[I:.*]] = te.axes %[[D:.*]]
// CHECK-NEXT:      %[[O:.*]], %[[N:.*]] = te.split %[[D]] %[[I]] nparts 4
// CHECK-NEXT:      %[[F:.*]] = te.fuse %[[D]] [%[[O]], %[[N]]]
// CHECK-NEXT:      te.parallel %[[D]] %[[F]]
// CHECK-NEXT:      te.vectorize %[[D]] %[[F]]
// CHECK-NEXT:      te.unroll %[[D]] %[[F]]
// CHECK-NEXT:      te.bind %[[D]] %[[F]] "threadIdx.x"
// CHECK-NEXT:      te.compute_inline %[[B:.*]]
// CHECK-NEXT:      te.compute_root %[[B]]
// CHECK-NEXT:      %[[AS:.*]] = te.cache_read %A "shared" for [%[[B]], %[[D]]]
// CHECK-NEXT:      %[[DL:.*]] = te.cache_write %[[D]] "local"
// CHECK-NEXT:      %[[J:.*]] = te.axes %[[AS]]
// CHECK-NEXT:      te.storage_align %[[AS]] %[[J]] factor 32 offset 1
// CHECK-NEXT:      te.double_buffer %[[AS]]
// CHECK-NEXT:      te.compute_at %[[AS]] at %[[DL]] %[[F]]
// CHECK-NEXT:      te.pragma %[[D]] %[[F]] "unroll"
// CHECK-NEXT:      te.pragma %[[DL]] "dma_copy"
// CHECK-NEXT:    }
// An empty schedule keeps its block.
// CHECK-NEXT:    te.schedule {
// CHECK-NEXT:    }

// GENERIC-LABEL: "func.func"() <{sym_name = "primitives"
// GENERIC:         "te.split"({{.*}}) <{nparts = 4 : i64}>
// GENERIC:         "te.bind"({{.*}}) <{thread = "threadIdx.x"}>
// GENERIC:         "te.cache_write"(%D) <{scope = "local"}> : (tensor<8xf32>) -> !te.stage
// GENERIC:         "te.storage_align"({{.*}}) <{factor = 32 : i64, offset = 1 : i64}> : (!te.stage, !te.axis) -> ()
// GENERIC:         "te.pragma"({{.*}}) <{pragma = "unroll"}> : (tensor<8xf32>, !te.axis) -> ()
// GENERIC-NEXT:    "te.pragma"({{.*}}) <{pragma = "dma_copy"}> : (!te.stage) -> ()
func.func @primitives(%A: tensor<8xf32>) -> tensor<8xf32> {
  %B = te.compute "B" (%i) < (8) {
    %a = te.read %A[%i] : tensor<8xf32>
    te.yield %a : f32
  } : tensor<8xf32>
  %D = te.compute "D" (%i) < (8) {
    %b = te.read %B[%i] : tensor<8xf32>
    te.yield %b : f32
  } : tensor<8xf32>
  te.schedule {
    %d = te.axes %D
    %o, %n = te.split %D %d nparts 4
    %f = te.fuse %D [%o, %n]
    te.parallel %D %f
    te.vectorize %D %f
    te.unroll %D %f
    te.bind %D %f "threadIdx.x"
    te.compute_inline %B
    te.compute_root %B
    %AS = te.cache_read %A "shared" for [%B, %D]
    %DL = te.cache_write %D "local"
    %j = te.axes %AS
    te.storage_align %AS %j factor 32 offset 1
    te.double_buffer %AS
    te.compute_at %AS at %DL %f
    te.pragma %D %f "unroll"
    te.pragma %DL "dma_copy"
  }
  te.schedule {
  }
  func.return %D : tensor<8xf32>
}
