// RUN: tessel-opt %s | filecheck %s
// RUN: tessel-opt %s --generic | tessel-opt | filecheck %s

// Binary ops: `op %lhs, %rhs : type`, integer and float, scalar and shaped.
// CHECK-LABEL: func.func @binary(%a: i32, %b: i32, %x: f32, %y: f32, %t: tensor<4xf32>) {
// CHECK-NEXT:    %[[ADDI:.*]] = arith.addi %a, %b : i32
// CHECK-NEXT:    %[[SUBI:.*]] = arith.subi %[[ADDI]], %b : i32
// CHECK-NEXT:    %[[MULI:.*]] = arith.muli %[[SUBI]], %a : i32
// CHECK-NEXT:    %{{.*}} = arith.divsi %[[MULI]], %b : i32
// CHECK-NEXT:    %{{.*}} = arith.divui %a, %b : i32
// CHECK-NEXT:    %{{.*}} = arith.remsi %a, %b : i32
// CHECK-NEXT:    %{{.*}} = arith.remui %a, %b : i32
// CHECK-NEXT:    %{{.*}} = arith.floordivsi %a, %b : i32
// CHECK-NEXT:    %{{.*}} = arith.ceildivsi %a, %b : i32
// CHECK-NEXT:    %{{.*}} = arith.ceildivui %a, %b : i32
// CHECK-NEXT:    %{{.*}} = arith.andi %a, %b : i32
// CHECK-NEXT:    %{{.*}} = arith.ori %a, %b : i32
// CHECK-NEXT:    %{{.*}} = arith.xori %a, %b : i32
// CHECK-NEXT:    %{{.*}} = arith.shli %a, %b : i32
// CHECK-NEXT:    %{{.*}} = arith.shrsi %a, %b : i32
// CHECK-NEXT:    %{{.*}} = arith.shrui %a, %b : i32
// CHECK-NEXT:    %{{.*}} = arith.maxsi %a, %b : i32
// CHECK-NEXT:    %{{.*}} = arith.minui %a, %b : i32
// CHECK-NEXT:    %[[ADDF:.*]] = arith.addf %x, %y : f32
// CHECK-NEXT:    %[[SUBF:.*]] = arith.subf %[[ADDF]], %y : f32
// CHECK-NEXT:    %[[MULF:.*]] = arith.mulf %[[SUBF]], %x : f32
// CHECK-NEXT:    %{{.*}} = arith.divf %[[MULF]], %y : f32
// CHECK-NEXT:    %{{.*}} = arith.maximumf %x, %y : f32
// CHECK-NEXT:    %{{.*}} = arith.minnumf %x, %y : f32
// CHECK-NEXT:    %{{.*}} = arith.addf %t, %t : tensor<4xf32>
// CHECK-NEXT:    func.return
func.func @binary(%a: i32, %b: i32, %x: f32, %y: f32, %t: tensor<4xf32>) {
  %addi = arith.addi %a, %b : i32
  %subi = arith.subi %addi, %b : i32
  %muli = arith.muli %subi, %a : i32
  %divsi = arith.divsi %muli, %b : i32
  %divui = arith.divui %a, %b : i32
  %remsi = arith.remsi %a, %b : i32
  %remui = arith.remui %a, %b : i32
  %floordivsi = arith.floordivsi %a, %b : i32
  %ceildivsi = arith.ceildivsi %a, %b : i32
  %ceildivui = arith.ceildivui %a, %b : i32
  %andi = arith.andi %a, %b : i32
  %ori = arith.ori %a, %b : i32
  %xori = arith.xori %a, %b : i32
  %shli = arith.shli %a, %b : i32
  %shrsi = arith.shrsi %a, %b : i32
  %shrui = arith.shrui %a, %b : i32
  %maxsi = arith.maxsi %a, %b : i32
  %minui = arith.minui %a, %b : i32
  %addf = arith.addf %x, %y : f32
  %subf = arith.subf %addf, %y : f32
  %mulf = arith.mulf %subf, %x : f32
  %divf = arith.divf %mulf, %y : f32
  %maximumf = arith.maximumf %x, %y : f32
  %minnumf = arith.minnumf %x, %y : f32
  %tensor = arith.addf %t, %t : tensor<4xf32>
  func.return
}

// Flags sit between the operands and the attribute dictionary; `none` is not printed.
// CHECK-LABEL: func.func @flags(%a: i32, %b: i32, %x: f32, %y: f32) {
// CHECK-NEXT:    %{{.*}} = arith.addf %x, %y fastmath<fast> : f32
// CHECK-NEXT:    %{{.*}} = arith.mulf %x, %y fastmath<nnan,ninf> : f32
// CHECK-NEXT:    %{{.*}} = arith.subf %x, %y : f32
// CHECK-NEXT:    %{{.*}} = arith.negf %x fastmath<nsz> : f32
// CHECK-NEXT:    %{{.*}} = arith.addi %a, %b overflow<nsw> : i32
// CHECK-NEXT:    %{{.*}} = arith.muli %a, %b overflow<nsw,nuw> : i32
// CHECK-NEXT:    %{{.*}} = arith.shli %a, %b overflow<nuw> : i32
// CHECK-NEXT:    %{{.*}} = arith.subi %a, %b : i32
// CHECK-NEXT:    %{{.*}} = arith.addf %x, %y fastmath<fast> {tag = 1 : i32} : f32
// CHECK-NEXT:    func.return
func.func @flags(%a: i32, %b: i32, %x: f32, %y: f32) {
  %0 = arith.addf %x, %y fastmath<fast> : f32
  %1 = arith.mulf %x, %y fastmath<nnan,ninf> : f32
  %2 = arith.subf %x, %y fastmath<none> : f32
  %3 = arith.negf %x fastmath<nsz> : f32
  %4 = arith.addi %a, %b overflow<nsw> : i32
  %5 = arith.muli %a, %b overflow<nsw, nuw> : i32
  %6 = arith.shli %a, %b overflow<nuw> : i32
  %7 = arith.subi %a, %b overflow<none> : i32
  %8 = arith.addf %x, %y fastmath<fast> {tag = 1 : i32} : f32
  func.return
}

// CHECK-LABEL: func.func @unary(%x: f32, %v: vector<4xf32>) -> (f32, vector<4xf32>) {
// CHECK-NEXT:    %[[N:.*]] = arith.negf %x : f32
// CHECK-NEXT:    %[[NV:.*]] = arith.negf %v {note = "vec"} : vector<4xf32>
// CHECK-NEXT:    func.return %[[N]], %[[NV]] : f32, vector<4xf32>
func.func @unary(%x: f32, %v: vector<4xf32>) -> (f32, vector<4xf32>) {
  %neg = arith.negf %x : f32
  %negv = arith.negf %v {note = "vec"} : vector<4xf32>
  func.return %neg, %negv : f32, vector<4xf32>
}

// Ternary select (scalar values; see tests/test_parser.py for shaped values).
// CHECK-LABEL: func.func @select(%c: i1, %a: i32, %b: i32, %x: f32) -> (i32, f32) {
// CHECK-NEXT:    %[[S:.*]] = arith.select %c, %a, %b : i32
// CHECK-NEXT:    %[[SF:.*]] = arith.select %c, %x, %x {tag} : f32
// CHECK-NEXT:    func.return %[[S]], %[[SF]] : i32, f32
func.func @select(%c: i1, %a: i32, %b: i32, %x: f32) -> (i32, f32) {
  %s = arith.select %c, %a, %b : i32
  %sf = arith.select %c, %x, %x {tag} : f32
  func.return %s, %sf : i32, f32
}

// Casts: `op %x : from to to`.
// CHECK-LABEL: func.func @casts(%i: i32, %f: f32, %n: index) {
// CHECK-NEXT:    %{{.*}} = arith.index_cast %n : index to i32
// CHECK-NEXT:    %{{.*}} = arith.index_cast %i : i32 to index
// CHECK-NEXT:    %{{.*}} = arith.sitofp %i : i32 to f32
// CHECK-NEXT:    %{{.*}} = arith.uitofp %i : i32 to f64
// CHECK-NEXT:    %{{.*}} = arith.fptosi %f : f32 to i64
// CHECK-NEXT:    %{{.*}} = arith.fptoui %f : f32 to i8
// CHECK-NEXT:    %{{.*}} = arith.extf %f : f32 to f64
// CHECK-NEXT:    %{{.*}} = arith.truncf %f : f32 to f16
// CHECK-NEXT:    %{{.*}} = arith.extsi %i : i32 to i64
// CHECK-NEXT:    %{{.*}} = arith.extui %i : i32 to i64
// CHECK-NEXT:    %{{.*}} = arith.trunci %i : i32 to i1
// CHECK-NEXT:    %{{.*}} = arith.bitcast %f : f32 to i32
// CHECK-NEXT:    func.return
func.func @casts(%i: i32, %f: f32, %n: index) {
  %0 = arith.index_cast %n : index to i32
  %1 = arith.index_cast %i : i32 to index
  %2 = arith.sitofp %i : i32 to f32
  %3 = arith.uitofp %i : i32 to f64
  %4 = arith.fptosi %f : f32 to i64
  %5 = arith.fptoui %f : f32 to i8
  %6 = arith.extf %f : f32 to f64
  %7 = arith.truncf %f : f32 to f16
  %8 = arith.extsi %i : i32 to i64
  %9 = arith.extui %i : i32 to i64
  %10 = arith.trunci %i : i32 to i1
  %11 = arith.bitcast %f : f32 to i32
  func.return
}

// CHECK-LABEL: func.func @cmpi(%a: i32, %b: i32, %v: vector<2xi8>) {
// CHECK-NEXT:    %{{.*}} = arith.cmpi eq, %a, %b : i32
// CHECK-NEXT:    %{{.*}} = arith.cmpi ne, %a, %b : i32
// CHECK-NEXT:    %{{.*}} = arith.cmpi slt, %a, %b : i32
// CHECK-NEXT:    %{{.*}} = arith.cmpi sle, %a, %b : i32
// CHECK-NEXT:    %{{.*}} = arith.cmpi sgt, %a, %b : i32
// CHECK-NEXT:    %{{.*}} = arith.cmpi sge, %a, %b : i32
// CHECK-NEXT:    %{{.*}} = arith.cmpi ult, %a, %b : i32
// CHECK-NEXT:    %{{.*}} = arith.cmpi ule, %a, %b : i32
// CHECK-NEXT:    %{{.*}} = arith.cmpi ugt, %a, %b : i32
// CHECK-NEXT:    %{{.*}} = arith.cmpi uge, %a, %b : i32
// CHECK-NEXT:    %{{.*}} = arith.cmpi slt, %v, %v : vector<2xi8>
// CHECK-NEXT:    func.return
func.func @cmpi(%a: i32, %b: i32, %v: vector<2xi8>) {
  %0 = arith.cmpi eq, %a, %b : i32
  %1 = arith.cmpi ne, %a, %b : i32
  %2 = arith.cmpi slt, %a, %b : i32
  %3 = arith.cmpi sle, %a, %b : i32
  %4 = arith.cmpi sgt, %a, %b : i32
  %5 = arith.cmpi sge, %a, %b : i32
  %6 = arith.cmpi ult, %a, %b : i32
  %7 = arith.cmpi ule, %a, %b : i32
  %8 = arith.cmpi ugt, %a, %b : i32
  %9 = arith.cmpi uge, %a, %b : i32
  %10 = arith.cmpi slt, %v, %v : vector<2xi8>
  func.return
}

// CHECK-LABEL: func.func @cmpf(%x: f32, %y: f32) -> i1 {
// CHECK-NEXT:    %{{.*}} = arith.cmpf false, %x, %y : f32
// CHECK-NEXT:    %{{.*}} = arith.cmpf oeq, %x, %y : f32
// CHECK-NEXT:    %{{.*}} = arith.cmpf olt, %x, %y : f32
// CHECK-NEXT:    %{{.*}} = arith.cmpf ord, %x, %y : f32
// CHECK-NEXT:    %{{.*}} = arith.cmpf une, %x, %y : f32
// CHECK-NEXT:    %{{.*}} = arith.cmpf uno, %x, %y : f32
// CHECK-NEXT:    %[[FAST:.*]] = arith.cmpf ogt, %x, %y fastmath<fast> : f32
// CHECK-NEXT:    func.return %[[FAST]] : i1
func.func @cmpf(%x: f32, %y: f32) -> i1 {
  %0 = arith.cmpf false, %x, %y : f32
  %1 = arith.cmpf oeq, %x, %y : f32
  %2 = arith.cmpf olt, %x, %y : f32
  %3 = arith.cmpf ord, %x, %y : f32
  %4 = arith.cmpf une, %x, %y : f32
  %5 = arith.cmpf uno, %x, %y : f32
  %fast = arith.cmpf ogt, %x, %y fastmath<fast> : f32
  func.return %fast : i1
}

// A compare with an attribute dictionary has no lossless custom form: it prints generic.
// CHECK-LABEL: func.func @cmpi_with_attributes(%a: i32) {
// CHECK-NEXT:    %{{.*}} = "arith.cmpi"(%a, %a) <{predicate = 0 : i64}> {tag} : (i32, i32) -> i1
func.func @cmpi_with_attributes(%a: i32) {
  %0 = "arith.cmpi"(%a, %a) <{predicate = 0 : i64}> {tag} : (i32, i32) -> i1
  func.return
}

// CHECK-LABEL: func.func @constants() {
// CHECK-NEXT:    %{{.*}} = arith.constant 42 : i32
// CHECK-NEXT:    %{{.*}} = arith.constant -7 : i8
// CHECK-NEXT:    %{{.*}} = arith.constant 3 : index
// CHECK-NEXT:    %{{.*}} = arith.constant true
// CHECK-NEXT:    %{{.*}} = arith.constant false
// CHECK-NEXT:    %{{.*}} = arith.constant 1.500000e+00 : f32
// CHECK-NEXT:    %{{.*}} = arith.constant -2.500000e-01 : f64
// CHECK-NEXT:    %{{.*}} = arith.constant 1.000000e+00 : f16
// CHECK-NEXT:    %{{.*}} = arith.constant 2.000000e+00 : bf16
// CHECK-NEXT:    %{{.*}} = arith.constant 1.000000e+00 : f32
// CHECK-NEXT:    %{{.*}} = arith.constant 0x7fc00000 : f32
// CHECK-NEXT:    %{{.*}} = arith.constant dense<0.000000e+00> : tensor<2x3xf32>
// CHECK-NEXT:    %{{.*}} = arith.constant dense<{{\[\[}}1, 2], [3, 4]]> : tensor<2x2xi32>
// CHECK-NEXT:    %{{.*}} = arith.constant dense<[true, false]> : vector<2xi1>
// CHECK-NEXT:    %{{.*}} = arith.constant dense<[1.000000e+00, -2.000000e+00]> : vector<2xf64>
// CHECK-NEXT:    %{{.*}} = arith.constant {tag = "kept"} 5 : i64
// CHECK-NEXT:    func.return
func.func @constants() {
  %int = arith.constant 42 : i32
  %neg = arith.constant -7 : i8
  %index = arith.constant 3 : index
  %true = arith.constant true
  %false = arith.constant false
  %f32 = arith.constant 1.5 : f32
  %f64 = arith.constant -0.25 : f64
  %f16 = arith.constant 1.0 : f16
  %bf16 = arith.constant 2.0 : bf16
  %hex = arith.constant 0x3F800000 : f32
  %nan = arith.constant 0x7FC00000 : f32
  %splat = arith.constant dense<0.0> : tensor<2x3xf32>
  %nested = arith.constant dense<[[1, 2], [3, 4]]> : tensor<2x2xi32>
  %bools = arith.constant dense<[true, false]> : vector<2xi1>
  %floats = arith.constant dense<[1.0, -2.0]> : vector<2xf64>
  %attrs = arith.constant {tag = "kept"} 5 : i64
  func.return
}

// Two-result ops: `%sum, %overflow = ... : sum-type, overflow-type` and `... : type`.
// CHECK-LABEL: func.func @pairs(%a: i32, %b: i32) -> (i32, i1, i32, i32) {
// CHECK-NEXT:    %[[SUM:.*]], %[[CARRY:.*]] = arith.addui_extended %a, %b : i32, i1
// CHECK-NEXT:    %[[LOW:.*]], %[[HIGH:.*]] = arith.mulsi_extended %a, %b : i32
// CHECK-NEXT:    %{{.*}}, %{{.*}} = arith.mului_extended %[[SUM]], %[[HIGH]] : i32
// CHECK-NEXT:    func.return %[[SUM]], %[[CARRY]], %[[LOW]], %[[HIGH]] : i32, i1, i32, i32
func.func @pairs(%a: i32, %b: i32) -> (i32, i1, i32, i32) {
  %sum, %carry = arith.addui_extended %a, %b : i32, i1
  %mul:2 = arith.mulsi_extended %a, %b : i32
  %umul:2 = arith.mului_extended %sum, %mul#1 : i32
  func.return %sum, %carry, %mul#0, %mul#1 : i32, i1, i32, i32
}
