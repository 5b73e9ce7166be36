// RUN: tessel-opt %s | filecheck %s
// RUN: tessel-opt %s --generic | tessel-opt | filecheck %s

// Unary float ops: `op %x [fastmath<...>] : type`.
// CHECK-LABEL: func.func @unary_float(%x: f32, %v: vector<4xf64>) -> f32 {
// CHECK-NEXT:    %[[EXP:.*]] = math.exp %x : f32
// CHECK-NEXT:    %[[LOG:.*]] = math.log %[[EXP]] : f32
// CHECK-NEXT:    %[[SQRT:.*]] = math.sqrt %[[LOG]] fastmath<fast> : f32
// CHECK-NEXT:    %{{.*}} = math.absf %x : f32
// CHECK-NEXT:    %{{.*}} = math.ceil %x : f32
// CHECK-NEXT:    %{{.*}} = math.floor %x : f32
// CHECK-NEXT:    %{{.*}} = math.tanh %x fastmath<nnan,ninf> : f32
// CHECK-NEXT:    %{{.*}} = math.rsqrt %x : f32
// CHECK-NEXT:    %{{.*}} = math.erf %x : f32
// CHECK-NEXT:    %{{.*}} = math.sin %v : vector<4xf64>
// CHECK-NEXT:    %{{.*}} = math.cos %v {tag} : vector<4xf64>
// CHECK-NEXT:    func.return %[[SQRT]] : f32
func.func @unary_float(%x: f32, %v: vector<4xf64>) -> f32 {
  %exp = math.exp %x : f32
  %log = math.log %exp : f32
  %sqrt = math.sqrt %log fastmath<fast> : f32
  %absf = math.absf %x : f32
  %ceil = math.ceil %x : f32
  %floor = math.floor %x : f32
  %tanh = math.tanh %x fastmath<nnan, ninf> : f32
  %rsqrt = math.rsqrt %x : f32
  %erf = math.erf %x : f32
  %sin = math.sin %v : vector<4xf64>
  %cos = math.cos %v {tag} : vector<4xf64>
  func.return %sqrt : f32
}

// Unary integer ops have no fastmath flag.
// CHECK-LABEL: func.func @unary_int(%i: i32) -> i32 {
// CHECK-NEXT:    %[[ABS:.*]] = math.absi %i : i32
// CHECK-NEXT:    %[[CTLZ:.*]] = math.ctlz %[[ABS]] : i32
// CHECK-NEXT:    %[[CTTZ:.*]] = math.cttz %[[CTLZ]] : i32
// CHECK-NEXT:    %[[POP:.*]] = math.ctpop %[[CTTZ]] : i32
// CHECK-NEXT:    func.return %[[POP]] : i32
func.func @unary_int(%i: i32) -> i32 {
  %abs = math.absi %i : i32
  %ctlz = math.ctlz %abs : i32
  %cttz = math.cttz %ctlz : i32
  %pop = math.ctpop %cttz : i32
  func.return %pop : i32
}

// CHECK-LABEL: func.func @binary(%x: f32, %y: f32, %i: i64, %j: i64) {
// CHECK-NEXT:    %{{.*}} = math.powf %x, %y : f32
// CHECK-NEXT:    %{{.*}} = math.atan2 %x, %y fastmath<afn> : f32
// CHECK-NEXT:    %{{.*}} = math.copysign %x, %y : f32
// CHECK-NEXT:    %{{.*}} = math.ipowi %i, %j : i64
// CHECK-NEXT:    func.return
func.func @binary(%x: f32, %y: f32, %i: i64, %j: i64) {
  %powf = math.powf %x, %y : f32
  %atan2 = math.atan2 %x, %y fastmath<afn> : f32
  %copysign = math.copysign %x, %y : f32
  %ipowi = math.ipowi %i, %j : i64
  func.return
}

// Ternary fma: three operands of one type.
// CHECK-LABEL: func.func @fma(%a: f32, %b: f32, %c: f32, %v: vector<8xf16>) -> (f32, vector<8xf16>) {
// CHECK-NEXT:    %[[FMA:.*]] = math.fma %a, %b, %c : f32
// CHECK-NEXT:    %[[FMAV:.*]] = math.fma %v, %v, %v fastmath<contract> : vector<8xf16>
// CHECK-NEXT:    func.return %[[FMA]], %[[FMAV]] : f32, vector<8xf16>
func.func @fma(%a: f32, %b: f32, %c: f32, %v: vector<8xf16>) -> (f32, vector<8xf16>) {
  %fma = math.fma %a, %b, %c : f32
  %fmav = math.fma %v, %v, %v fastmath<contract> : vector<8xf16>
  func.return %fma, %fmav : f32, vector<8xf16>
}

// fpowi: a float base and an integer exponent, both types printed.
// CHECK-LABEL: func.func @fpowi(%x: f32, %n: i32, %v: vector<2xf64>, %vn: vector<2xi64>) {
// CHECK-NEXT:    %[[P:.*]] = math.fpowi %x, %n : f32, i32
// CHECK-NEXT:    %{{.*}} = math.fpowi %[[P]], %n fastmath<fast> : f32, i32
// CHECK-NEXT:    %{{.*}} = math.fpowi %v, %vn : vector<2xf64>, vector<2xi64>
// CHECK-NEXT:    func.return
func.func @fpowi(%x: f32, %n: i32, %v: vector<2xf64>, %vn: vector<2xi64>) {
  %p = math.fpowi %x, %n : f32, i32
  %q = math.fpowi %p, %n fastmath<fast> : f32, i32
  %r = math.fpowi %v, %vn : vector<2xf64>, vector<2xi64>
  func.return
}
