// RUN: tessel-opt %s -p convert-loop-to-llvm --split-input-file | filecheck %s

// A public loop.func takes one noalias pointer per buffer; loops become blocks with an i64 induction
// variable (rotated: the test is at the bottom); an element's address is a `getelementptr inbounds`
// over the element type with the row-major linear index.
// CHECK:       "llvm.mlir.global"() <{global_type = i32, sym_name = "tessel_num_threads", linkage = #llvm.linkage<"weak">
// CHECK-LABEL: "llvm.func"() <{sym_name = "copy", function_type = !llvm.func<void (!llvm.ptr, !llvm.ptr)>
// CHECK-SAME:    linkage = #llvm.linkage<"external">
// CHECK-SAME:    arg_attrs = [{llvm.noalias}, {llvm.noalias}]
// CHECK:       ^bb0(%A: !llvm.ptr, %B: !llvm.ptr):
// CHECK-DAG:     %[[C8:.*]] = "llvm.mlir.constant"() <{value = 8 : i64}> : () -> i64
// CHECK-DAG:     %[[C0:.*]] = "llvm.mlir.constant"() <{value = 0 : i64}> : () -> i64
// CHECK:         "llvm.br"(%[[C0]]) [^[[I_LOOP:bb[0-9]+]]]
// CHECK:       ^[[I_LOOP]](%i: i64):
// CHECK:       ^[[J_LOOP:bb[0-9]+]](%j: i64):
// CHECK-NEXT:    %[[ROW:.*]] = "llvm.mul"(%i, %[[C8]]) <{overflowFlags = 1 : i32}>
// CHECK-NEXT:    %[[LINEAR:.*]] = "llvm.add"(%[[ROW]], %j)
// CHECK-NEXT:    %[[P:.*]] = "llvm.getelementptr"(%A, %[[LINEAR]]) <{{.*}}elem_type = f32{{.*}}inbounds}>
// CHECK-NEXT:    %[[V:.*]] = "llvm.load"(%[[P]]) <{ordering = 0 : i64, alignment = 4 : i64}> : (!llvm.ptr) -> f32
// CHECK:         "llvm.store"(%[[V]], %{{.*}}) <{ordering = 0 : i64, alignment = 4 : i64}> : (f32, !llvm.ptr) -> ()
// CHECK:         %[[NEXT:.*]] = "llvm.add"(%j, %{{.*}})
// CHECK-NEXT:    %[[MORE:.*]] = "llvm.icmp"(%[[NEXT]], %[[C8]]) <{predicate = 2 : i64}>
// CHECK-NEXT:    "llvm.cond_br"(%[[MORE]], %[[NEXT]]) [^[[J_LOOP]], ^{{bb[0-9]+}}]
// CHECK-NOT:     llvm.ptrtoint
// CHECK:         "llvm.return"() : () -> ()
loop.func @copy(%A: memref<4x8xf32>, %B: memref<4x8xf32>) {
  loop.for %i = 0 to 4 {
    loop.for %j = 0 to 8 {
      %v = loop.load %A[%i, %j] : memref<4x8xf32>
      loop.store %v, %B[%i, %j] : memref<4x8xf32>
    }
  }
}

// -----

// Vector loads and stores carry the element's alignment (numpy buffers guarantee no more).
// CHECK-LABEL: "llvm.func"() <{sym_name = "vectors"
// CHECK:         %[[P:.*]] = "llvm.getelementptr"(%A, %{{.*}}) <{{.*}}elem_type = f32{{.*}}inbounds}>
// CHECK-NEXT:    %[[V:.*]] = "llvm.load"(%[[P]]) <{ordering = 0 : i64, alignment = 4 : i64}> : (!llvm.ptr) -> vector<16xf32>
// CHECK-NEXT:    %[[W:.*]] = "llvm.fadd"(%[[V]], %[[V]]) {{.*}} : (vector<16xf32>, vector<16xf32>) -> vector<16xf32>
// CHECK:         "llvm.store"(%[[W]], %{{.*}}) <{ordering = 0 : i64, alignment = 4 : i64}> : (vector<16xf32>, !llvm.ptr) -> ()
loop.func @vectors(%A: memref<4x16xf32>, %B: memref<4x16xf32>) {
  %c0 = arith.constant 0 : index
  loop.for %i = 0 to 4 {
    %v = "vector.load"(%A, %i, %c0) : (memref<4x16xf32>, index, index) -> vector<16xf32>
    %w = arith.addf %v, %v : vector<16xf32>
    "vector.store"(%w, %B, %i, %c0) : (vector<16xf32>, memref<4x16xf32>, index, index) -> ()
  }
}

// -----

// A parallel loop is outlined into an internal body over [begin, end) and started on threads:
// the fill helper writes a slot per chunk and the thread pool runs the trampoline on each.
// CHECK:       "llvm.func"() <{sym_name = "tessel_parallel_launch", function_type = !llvm.func<void (!llvm.ptr, !llvm.ptr, i64)>
// CHECK-LABEL: "llvm.func"() <{sym_name = "scale.parallel", function_type = !llvm.func<void (i64, i64, !llvm.ptr, !llvm.ptr)>
// CHECK-SAME:    linkage = #llvm.linkage<"internal">
// CHECK-SAME:    arg_attrs = [{}, {}, {llvm.noalias}, {llvm.noalias}]
// CHECK:       ^bb0(%begin: i64, %end: i64, %A: !llvm.ptr, %B: !llvm.ptr):
// CHECK:         "llvm.cond_br"(%{{.*}}, %begin) [^[[LOOP:bb[0-9]+]], ^{{bb[0-9]+}}]
// CHECK:       ^[[LOOP]](%i: i64):
// CHECK-LABEL: "llvm.func"() <{sym_name = "scale.parallel.thread"
// CHECK:         "llvm.call"({{.*}}) <{callee = @scale.parallel
// CHECK-LABEL: "llvm.func"() <{sym_name = "scale.parallel.threads"
// CHECK:         "llvm.mlir.addressof"() <{global_name = @tessel_num_threads}>
// CHECK-LABEL: "llvm.func"() <{sym_name = "scale.parallel.fill"
// CHECK-LABEL: "llvm.func"() <{sym_name = "scale", function_type = !llvm.func<void (!llvm.ptr, !llvm.ptr)>
// CHECK:         %[[T:.*]] = "llvm.call"(%{{.*}}) <{callee = @scale.parallel.threads
// CHECK-NEXT:    "llvm.call"(%{{.*}}, %[[T]], %{{.*}}, %[[SLOTS:.*]]) <{callee = @scale.parallel.fill
// CHECK-NEXT:    %[[ENTRY:.*]] = "llvm.mlir.addressof"() <{global_name = @scale.parallel.thread}>
// CHECK-NEXT:    "llvm.call"(%[[ENTRY]], %[[SLOTS]], %[[T]]) <{callee = @tessel_parallel_launch
loop.func @scale(%A: memref<64x16xf32>, %B: memref<64x16xf32>) {
  loop.for %i = 0 to 64 parallel {
    loop.for %j = 0 to 16 {
      %v = loop.load %A[%i, %j] : memref<64x16xf32>
      %w = arith.mulf %v, %v : f32
      loop.store %w, %B[%i, %j] : memref<64x16xf32>
    }
  }
}

// -----

// loop.apply floors: unsigned division where the operand is known non-negative, sdiv/srem with a
// correction where it may be negative. Small loop.allocs are allocas in the entry block.
// CHECK-LABEL: "llvm.func"() <{sym_name = "apply"
// CHECK:         %[[BUF:.*]] = "llvm.alloca"(%{{.*}}) <{alignment = 64 : i64, elem_type = !llvm.array<4 x i64>}>
// CHECK:       ^{{bb[0-9]+}}(%i: i64):
// CHECK:         "llvm.udiv"(%i, %{{.*}})
// CHECK:         "llvm.sdiv"
// CHECK:         "llvm.srem"
loop.func @apply(%out: memref<12x2xi64>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %tmp = loop.alloc "T" in "local" : memref<4xi64>
  loop.for %i = 0 to 12 {
    %q = loop.apply %i floordiv 4
    %n = loop.apply (%i - 6) floordiv 4
    %q64 = arith.index_cast %q : index to i64
    %n64 = arith.index_cast %n : index to i64
    loop.store %q64, %tmp[%c0] : memref<4xi64>
    %t = loop.load %tmp[%c0] : memref<4xi64>
    loop.store %t, %out[%i, %c0] : memref<12x2xi64>
    loop.store %n64, %out[%i, %c1] : memref<12x2xi64>
  }
}
