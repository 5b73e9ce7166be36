// RUN: tessel-opt %s -p loop-vectorize,compile-llvm --split-input-file | filecheck %s

// A `vectorized` loop becomes an llvm loop over vector<8xf32>: each access is a
// `getelementptr inbounds` over f32 at lane 0's row-major index, then one vector load or
// store of element alignment; the invariant scalar is splatted once, before the loop. Float add, sub
// and mul may be contracted into fma.
// CHECK-LABEL: "llvm.func"() <{sym_name = "axpy"
// CHECK:       ^bb0(%X: !llvm.ptr, %Y: !llvm.ptr, %alpha: !llvm.ptr):
// CHECK-DAG:     %[[C16:.*]] = "llvm.mlir.constant"() <{value = 16 : i64}> : () -> i64
// CHECK-DAG:     %[[C8:.*]] = "llvm.mlir.constant"() <{value = 8 : i64}> : () -> i64
// CHECK:       ^bb1(%r: i64):
// CHECK:         %a = "llvm.load"(%alpha) <{{.*}}alignment = 4 : i64}> : (!llvm.ptr) -> f32
// CHECK:         %[[INS:.*]] = "llvm.insertelement"(%{{.*}}, %a, %{{.*}}) : (vector<8xf32>, f32, i32) -> vector<8xf32>
// CHECK-NEXT:    %[[SPLAT:.*]] = "llvm.shufflevector"(%[[INS]], %[[INS]]) <{mask = array<i32: 0, 0, 0, 0, 0, 0, 0, 0>}>
// CHECK:       ^[[LOOP:bb[0-9]+]](%i: i64):
// CHECK:         %[[PX:.*]] = "llvm.getelementptr"(%X, %{{.*}}) <{{.*}}elem_type = f32{{.*}}inbounds}>
// CHECK-NEXT:    %x = "llvm.load"(%[[PX]]) <{ordering = 0 : i64, alignment = 4 : i64}> : (!llvm.ptr) -> vector<8xf32>
// CHECK:         %[[PY:.*]] = "llvm.getelementptr"(%Y, %{{.*}}) <{{.*}}elem_type = f32{{.*}}inbounds}>
// CHECK-NEXT:    %y = "llvm.load"(%[[PY]]) <{ordering = 0 : i64, alignment = 4 : i64}> : (!llvm.ptr) -> vector<8xf32>
// CHECK-NEXT:    %m = "llvm.fmul"(%[[SPLAT]], %x) <{fastmathFlags = #llvm.fastmath<contract>}> : (vector<8xf32>, vector<8xf32>) -> vector<8xf32>
// CHECK-NEXT:    %s = "llvm.fadd"(%m, %y) <{fastmathFlags = #llvm.fastmath<contract>}> : (vector<8xf32>, vector<8xf32>) -> vector<8xf32>
// CHECK:         "llvm.getelementptr"(%Y, %{{.*}}) <{{.*}}elem_type = f32{{.*}}inbounds}>
// CHECK:         "llvm.store"(%s, %{{.*}}) <{ordering = 0 : i64, alignment = 4 : i64}> : (vector<8xf32>, !llvm.ptr) -> ()
// CHECK-NEXT:    %[[NEXT:.*]] = "llvm.add"(%i, %[[C8]])
// CHECK-NEXT:    %[[MORE:.*]] = "llvm.icmp"(%[[NEXT]], %[[C16]]) <{predicate = 2 : i64}>
// CHECK-NEXT:    "llvm.cond_br"(%[[MORE]], %[[NEXT]]) [^[[LOOP]], ^{{bb[0-9]+}}]
// CHECK-NOT:     -> f32
// CHECK:         "llvm.return"() : () -> ()
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

// math.fma in a vectorized loop is one llvm.intr.fma on vector<8xf32>.
// CHECK-LABEL: "llvm.func"() <{sym_name = "fma"
// CHECK:         %x = "llvm.load"(%{{.*}}) <{{.*}}alignment = 4 : i64}> : (!llvm.ptr) -> vector<8xf32>
// CHECK:         %y = "llvm.load"(%{{.*}}) <{{.*}}alignment = 4 : i64}> : (!llvm.ptr) -> vector<8xf32>
// CHECK:         %z = "llvm.load"(%{{.*}}) <{{.*}}alignment = 4 : i64}> : (!llvm.ptr) -> vector<8xf32>
// CHECK-NEXT:    %f = "llvm.intr.fma"(%x, %y, %z) {{.*}} : (vector<8xf32>, vector<8xf32>, vector<8xf32>) -> vector<8xf32>
// CHECK:         "llvm.store"(%f, %{{.*}}) <{{.*}}alignment = 4 : i64}> : (vector<8xf32>, !llvm.ptr) -> ()
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

// A `parallel` loop: its body is outlined to `scale.parallel(begin, end, buffers...)`; the public
// function reads the thread count from @tessel_num_threads, packs the buffers into a struct,
// writes one slot per chunk (scale.parallel.fill) and hands `scale.parallel.thread` and the slots to
// the process's thread pool (tessel_parallel_launch), which runs the first chunk on the calling thread.
// CHECK:       "llvm.mlir.global"() <{global_type = i32, sym_name = "tessel_num_threads", linkage = #llvm.linkage<"weak">
// CHECK:       "llvm.func"() <{sym_name = "tessel_parallel_launch", function_type = !llvm.func<void (!llvm.ptr, !llvm.ptr, i64)>
// CHECK-LABEL: "llvm.func"() <{sym_name = "scale.parallel", function_type = !llvm.func<void (i64, i64, !llvm.ptr, !llvm.ptr)>
// CHECK-SAME:    linkage = #llvm.linkage<"internal">
// CHECK:       ^bb0(%begin: i64, %end: i64, %X: !llvm.ptr, %Y: !llvm.ptr):
// CHECK:       ^{{bb[0-9]+}}(%i: i64):
// CHECK:         %[[P:.*]] = "llvm.getelementptr"(%X, %{{.*}}) <{{.*}}elem_type = f32{{.*}}inbounds}>
// CHECK-NEXT:    %x = "llvm.load"(%[[P]])
// CHECK:         "llvm.icmp"(%{{.*}}, %end) <{predicate = 2 : i64}>
// CHECK-LABEL: "llvm.func"() <{sym_name = "scale.parallel.thread", function_type = !llvm.func<!llvm.ptr (!llvm.ptr)>
// CHECK:         "llvm.call"({{.*}}) <{callee = @scale.parallel,
// CHECK-LABEL: "llvm.func"() <{sym_name = "scale.parallel.threads"
// CHECK:         %[[G:.*]] = "llvm.mlir.addressof"() <{global_name = @tessel_num_threads}>
// CHECK-NEXT:    "llvm.load"(%[[G]]) {{.*}} -> i32
// CHECK-LABEL: "llvm.func"() <{sym_name = "scale.parallel.fill", function_type = !llvm.func<void (i64, i64, !llvm.ptr, !llvm.ptr)>
// CHECK-LABEL: "llvm.func"() <{sym_name = "scale", function_type = !llvm.func<void (!llvm.ptr, !llvm.ptr)>
// CHECK-SAME:    linkage = #llvm.linkage<"external">
// CHECK:         %[[N:.*]] = "llvm.call"(%{{.*}}) <{callee = @scale.parallel.threads,
// CHECK-NEXT:    "llvm.call"(%{{.*}}, %[[N]], %[[CTX:.*]], %[[SLOTS:.*]]) <{callee = @scale.parallel.fill,
// CHECK-NEXT:    %[[THREAD:.*]] = "llvm.mlir.addressof"() <{global_name = @scale.parallel.thread}>
// CHECK-NEXT:    "llvm.call"(%[[THREAD]], %[[SLOTS]], %[[N]]) <{callee = @tessel_parallel_launch,
// CHECK-NEXT:    "llvm.return"() : () -> ()
loop.func @scale(%X: memref<64x8xf32>, %Y: memref<64x8xf32>) {
  loop.for %i = 0 to 64 parallel {
    loop.for %j = 0 to 8 {
      %x = loop.load %X[%i, %j] : memref<64x8xf32>
      %y = arith.mulf %x, %x : f32
      loop.store %y, %Y[%i, %j] : memref<64x8xf32>
    }
  }
}
