"""convert-loop-to-llvm: loop IR becomes llvm-dialect IR that xDSL's convert_module takes, and the native code
llvmlite makes of it computes what the loop interpreter computes (one MCJIT engine for the whole module)."""

from __future__ import annotations

import ctypes
import ctypes.util
import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import llvmlite.binding as llvm_binding
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from xdsl.backend.llvm.convert import convert_module
from xdsl.context import Context
from xdsl.dialects import llvm
from xdsl.dialects.builtin import ModuleOp, StringAttr
from xdsl.utils.exceptions import PassFailedException

import tessel
from tessel import te
from tessel.backends.llvm.thread_pool import ensure_thread_pool
from tessel.dialects import loop
from tessel.dialects.graph.dtypes import numpy_dtype
from tessel.dialects.loop.interpreter import run_loop_function
from tessel.passes.compile_llvm import CompileLLVM
from tessel.passes.convert_loop_to_llvm import ConvertLoopToLLVM
from tessel.passes.llvm_lowering import NUM_THREADS_SYMBOL, to_llvmlite
from tessel.passes.registry import default_registry
from tessel.tests.loop_strategies import LoopProgram, loop_programs, lowered_te_programs
from tessel.tests.test_te_frontend import conv2d_with_padding
from tessel.tests.test_te_lower_api import matmul


class Jit:
    """One MCJIT engine for the test module (host CPU, opt level 3); each program gets unique public names."""

    def __init__(self) -> None:
        llvm_binding.initialize_native_target()
        llvm_binding.initialize_native_asmprinter()
        # compiler-rt style helpers LLVM calls for f16 <-> f64 conversions (as the JIT backend loads them)
        gcc_s = ctypes.util.find_library("gcc_s")
        if gcc_s is not None:
            llvm_binding.load_library_permanently(gcc_s)
        ensure_thread_pool()  # parallel loops call tessel_parallel_launch
        target = llvm_binding.Target.from_default_triple()
        machine = target.create_target_machine(
            cpu=llvm_binding.get_host_cpu_name(), features=llvm_binding.get_host_cpu_features().flatten(), opt=3
        )
        self.machine = machine
        self.engine = llvm_binding.create_mcjit_compiler(llvm_binding.parse_assembly(""), machine)
        self.count = itertools.count()

    def load(self, lowered: ModuleOp) -> None:
        module = llvm_binding.parse_assembly(str(to_llvmlite(lowered)))
        module.verify()
        self.optimize(module)
        self.engine.add_module(module)
        self.engine.finalize_object()

    def optimize(self, module: llvm_binding.ModuleRef) -> None:
        """LLVM's O3 pipeline with loop and SLP vectorization (what the JIT backend runs)."""
        tuning = llvm_binding.PipelineTuningOptions(speed_level=3)
        tuning.loop_vectorization = True
        tuning.slp_vectorization = True
        builder = llvm_binding.create_pass_builder(self.machine, tuning)
        builder.getModulePassManager().run(module, builder)

    def set_threads(self, threads: int) -> None:
        ctypes.c_int32.from_address(self.engine.get_global_value_address(NUM_THREADS_SYMBOL)).value = threads

    def call(self, name: str, arrays: Sequence[np.ndarray]) -> None:
        address = self.engine.get_function_address(name)
        assert address, f"@{name} is not in the engine"
        function = ctypes.CFUNCTYPE(None, *[ctypes.c_void_p] * len(arrays))(address)
        function(*[a.ctypes.data for a in arrays])


@pytest.fixture(scope="module")
def jit() -> Jit:
    return Jit()


def lower(module: ModuleOp) -> ModuleOp:
    """The pass output, checked: it verifies, holds llvm ops only, and convert_module takes it."""
    lowered = module.clone()
    ConvertLoopToLLVM().apply(Context(), lowered)
    lowered.verify()
    assert not [op.name for op in lowered.walk() if op is not lowered and not op.name.startswith("llvm.")]
    assert not [op for op in lowered.walk() if isinstance(op, llvm.PtrToIntOp | llvm.IntToPtrOp)]
    convert_module(lowered, fallback_target_triple=None)
    return lowered


def random_buffer(t: object, rng: np.random.Generator) -> np.ndarray:
    shape = tuple(t.get_shape())  # type: ignore[attr-defined]
    dtype = numpy_dtype(t.element_type)  # type: ignore[attr-defined]
    if dtype.kind == "f":
        return rng.uniform(-2, 2, shape).astype(dtype)
    if dtype.kind == "b":
        return rng.random(shape) < 0.5
    info = np.iinfo(dtype)
    return rng.integers(max(info.min, -100), min(info.max, 100), shape, endpoint=True).astype(dtype)


def check(
    jit: Jit,
    module: ModuleOp,
    name: str,
    inputs: Sequence[np.ndarray] | None = None,
    threads: Sequence[int] = (1,),
    seed: int = 0,
    rtol: float = 2e-5,
    atol: float = 2e-6,
) -> Checked:
    """Run `name` natively (under each thread count) and on the loop interpreter on the same inputs; compare."""
    module = module.clone()
    unique = f"{name}_{next(jit.count)}"
    (function,) = [f for f in module.ops if isinstance(f, loop.FuncOp) and f.sym_name.data == name]
    function.sym_name = StringAttr(unique)
    if inputs is None:
        rng = np.random.default_rng(seed)
        inputs = [random_buffer(a.type, rng) for a in function.args]
    expected = [np.array(x, copy=True) for x in inputs]
    run_loop_function(module, unique, expected)
    lowered = lower(module)
    jit.load(lowered)
    got: list[np.ndarray] = []
    for count in threads:
        jit.set_threads(count)
        got = [np.array(x, copy=True) for x in inputs]
        jit.call(unique, got)
        for k, (g, e) in enumerate(zip(got, expected, strict=True)):
            if g.dtype.kind == "f":
                np.testing.assert_allclose(g, e, rtol=rtol, atol=atol, err_msg=f"buffer {k}, {count} threads")
            else:
                np.testing.assert_array_equal(g, e, err_msg=f"buffer {k}, {count} threads")
    return Checked(lowered, got)


@dataclass(frozen=True)
class Checked:
    lowered: ModuleOp
    outputs: list[np.ndarray]
    """The native run's buffers (of the last thread count)."""


# ------------------------------------------------------------------------------------------------
# Hand-written loop programs


INDEX_MATH = """
loop.func @index_math(%out: memref<24x10xi64>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c3 = arith.constant 3 : index
  %c4 = arith.constant 4 : index
  %c5 = arith.constant 5 : index
  %c6 = arith.constant 6 : index
  %c7 = arith.constant 7 : index
  %c8 = arith.constant 8 : index
  %c9 = arith.constant 9 : index
  %m5 = arith.constant -5 : index
  loop.for %i = 0 to 24 {
    %a = loop.apply %i - 12
    %q = loop.apply (%i - 12) floordiv 5
    %r = loop.apply (%i - 12) mod 5
    %c = loop.apply (%i - 12) ceildiv 4
    %u = loop.apply %i floordiv 4 + %i mod 3 * 7 - %i ceildiv 5
    %fd = arith.floordivsi %a, %m5 : index
    %cd = arith.ceildivsi %a, %m5 : index
    %rs = arith.remsi %a, %m5 : index
    %ds = arith.divsi %a, %m5 : index
    %mx = arith.maxsi %a, %m5 : index
    %values = arith.index_cast %a : index to i64
    loop.store %values, %out[%i, %c0] : memref<24x10xi64>
    %q64 = arith.index_cast %q : index to i64
    loop.store %q64, %out[%i, %c1] : memref<24x10xi64>
    %r64 = arith.index_cast %r : index to i64
    loop.store %r64, %out[%i, %c2] : memref<24x10xi64>
    %c64 = arith.index_cast %c : index to i64
    loop.store %c64, %out[%i, %c3] : memref<24x10xi64>
    %u64 = arith.index_cast %u : index to i64
    loop.store %u64, %out[%i, %c4] : memref<24x10xi64>
    %fd64 = arith.index_cast %fd : index to i64
    loop.store %fd64, %out[%i, %c5] : memref<24x10xi64>
    %cd64 = arith.index_cast %cd : index to i64
    loop.store %cd64, %out[%i, %c6] : memref<24x10xi64>
    %rs64 = arith.index_cast %rs : index to i64
    loop.store %rs64, %out[%i, %c7] : memref<24x10xi64>
    %ds64 = arith.index_cast %ds : index to i64
    loop.store %ds64, %out[%i, %c8] : memref<24x10xi64>
    %mx64 = arith.index_cast %mx : index to i64
    loop.store %mx64, %out[%i, %c9] : memref<24x10xi64>
  }
}
"""


def test_index_arithmetic_floors_on_negative_values(jit: Jit) -> None:
    (out,) = check(jit, tessel.parse(INDEX_MATH), "index_math", [np.zeros((24, 10), np.int64)]).outputs
    a = np.arange(24) - 12
    np.testing.assert_array_equal(out[:, :4], np.stack([a, a // 5, a % 5, -(-a // 4)], axis=1))
    np.testing.assert_array_equal(out[:, 5:8], np.stack([a // -5, -(a // 5), np.fmod(a, -5)], axis=1))


BRANCHES = """
loop.func @branches(%x: memref<4x16xf32>, %y: memref<4x16xf32>, %z: memref<4x16xf32>) {
  %zero = arith.constant 0.0 : f32
  loop.for %r = 0 to 4 {
    loop.for %i = 0 to 16 {
      %v = loop.load %x[%r, %i] : memref<4x16xf32>
      %pos = arith.cmpf ogt, %v, %zero : f32
      loop.if %pos {
        %s = math.sqrt %v : f32
        loop.store %s, %y[%r, %i] : memref<4x16xf32>
      } else {
        %e = math.exp %v : f32
        loop.store %e, %y[%r, %i] : memref<4x16xf32>
      }
      %t = math.tanh %v : f32
      %m = arith.maximumf %v, %t : f32
      %sel = arith.select %pos, %m, %t : f32
      loop.store %sel, %z[%r, %i] : memref<4x16xf32>
      loop.barrier
    }
  }
}
"""


def test_if_else_select_and_math(jit: Jit) -> None:
    lowered = check(jit, tessel.parse(BRANCHES), "branches").lowered
    names = {op.callee.string_value() for op in lowered.walk() if isinstance(op, llvm.CallOp)}
    intrinsics = {op.intrin.data for op in lowered.walk() if isinstance(op, llvm.CallIntrinsicOp)}
    assert "tanhf" in names and {"llvm.sqrt.f32", "llvm.exp.f32", "llvm.maximum.f32"} <= intrinsics


def elementwise_program(name: str, dtype: str, inputs: int, ops: Sequence[str], out_dtype: str | None = None) -> str:
    """`out[i, k] = op_k(in0[i], in1[i], ...)` for each op text (operands %a, %b, %c; result %r)."""
    out_dtype = out_dtype or dtype
    params = ", ".join(f"%in{j}: memref<8x{dtype}>" for j in range(inputs))
    loads = "\n".join(f"    %{'abc'[j]} = loop.load %in{j}[%i] : memref<8x{dtype}>" for j in range(inputs))
    out_type = f"memref<8x{len(ops)}x{out_dtype}>"
    bodies = []
    for k, op in enumerate(ops):
        text = op.replace("%r", f"%r{k}")
        bodies.append(f"    {text}\n    %k{k} = arith.constant {k} : index\n    loop.store %r{k}, %out[%i, %k{k}] : {out_type}")
    return (
        f"loop.func @{name}({params}, %out: memref<8x{len(ops)}x{out_dtype}>) {{\n  loop.for %i = 0 to 8 {{\n"
        + loads
        + "\n"
        + "\n".join(bodies)
        + "\n  }\n}\n"
    )


FLOAT_UNARY = [
    "exp", "exp2", "log", "log2", "log10", "sqrt", "absf", "floor", "ceil", "round", "roundeven", "trunc", "sin", "cos",
    "tanh", "erf", "atan", "asin", "acos", "asinh", "acosh", "atanh", "sinh", "cosh", "tan", "cbrt", "expm1", "log1p", "rsqrt",
]  # fmt: skip


@pytest.mark.parametrize("dtype", ["f32", "f64", "f16"])
def test_math_functions(jit: Jit, dtype: str) -> None:
    ops = [f"%r = math.{name} %a : {dtype}" for name in FLOAT_UNARY]
    ops += [
        f"%r = math.powf %a, %b : {dtype}",
        f"%r = math.atan2 %a, %b : {dtype}",
        f"%r = math.copysign %a, %b : {dtype}",
        f"%r = math.fma %a, %b, %a : {dtype}",
        f"%r = arith.negf %a : {dtype}",
        f"%r = arith.divf %a, %b : {dtype}",
        f"%r = arith.subf %a, %b : {dtype}",
        f"%r = arith.maximumf %a, %b : {dtype}",
        f"%r = arith.minimumf %a, %b : {dtype}",
        f"%r = arith.maxnumf %a, %b : {dtype}",
        f"%r = arith.minnumf %a, %b : {dtype}",
    ]
    module = tessel.parse(elementwise_program("math_" + dtype, dtype, 2, ops))
    rng = np.random.default_rng(3)
    np_type = {"f32": np.float32, "f64": np.float64, "f16": np.float16}[dtype]
    a = rng.uniform(-2, 2, 8).astype(np_type)
    a[:3] = [0.0, np.nan, 0.5]
    b = rng.uniform(-2, 2, 8).astype(np_type)
    b[:3] = [-0.0, 1.0, np.nan]
    out = np.zeros((8, len(ops)), np_type)
    # f16 math runs in f32 (libm) and rounds once; the interpreter computes in f64
    tolerance = {"rtol": 2e-3, "atol": 2e-3} if dtype == "f16" else {"rtol": 2e-5, "atol": 2e-6}
    check(jit, module, "math_" + dtype, [a, b, out], **tolerance)


INT_BINARY = [
    "addi", "subi", "muli", "divsi", "divui", "remsi", "remui", "floordivsi", "ceildivsi", "ceildivui",
    "andi", "ori", "xori", "shli", "shrsi", "shrui", "maxsi", "minsi", "maxui", "minui",
]  # fmt: skip


def test_integer_arithmetic(jit: Jit) -> None:
    ops = [f"%r = arith.{name} %a, %b : i32" for name in INT_BINARY]
    ops += [
        "%r = math.absi %a : i32",
        "%r = math.ctlz %a : i32",
        "%r = math.cttz %a : i32",
        "%r = math.ctpop %a : i32",
        "%r = math.ipowi %a, %c : i32",
    ]
    module = tessel.parse(elementwise_program("ints", "i32", 3, ops))
    a = np.array([7, -7, 100, -100, 0, 1 << 30, -(1 << 31), 3], np.int32)
    b = np.array([2, 2, -3, -3, 5, 33, 7, -1], np.int32)  # no zero divisor; shift amounts past the width
    c = np.array([3, 0, 2, -1, 5, 1, 1, 31], np.int32)  # exponents
    check(jit, module, "ints", [a, b, c, np.zeros((8, len(ops)), np.int32)])


def test_comparisons(jit: Jit) -> None:
    predicates_i = ["eq", "ne", "slt", "sle", "sgt", "sge", "ult", "ule", "ugt", "uge"]
    predicates_f = [
        "false",
        "oeq",
        "ogt",
        "oge",
        "olt",
        "ole",
        "one",
        "ord",
        "ueq",
        "ugt",
        "uge",
        "ult",
        "ule",
        "une",
        "uno",
        "true",
    ]
    ints = elementwise_program("cmpi", "i32", 2, [f"%r = arith.cmpi {p}, %a, %b : i32" for p in predicates_i], "i1")
    floats = elementwise_program("cmpf", "f32", 2, [f"%r = arith.cmpf {p}, %a, %b : f32" for p in predicates_f], "i1")
    a = np.array([1, -1, 5, 0, -3, 7, 2, -8], np.int32)
    b = np.array([1, 1, -5, 0, -3, 8, -2, 8], np.int32)
    check(jit, tessel.parse(ints), "cmpi", [a, b, np.zeros((8, 10), bool)])
    x = np.array([1.0, np.nan, 2.0, -0.0, np.inf, 3.0, np.nan, -1.0], np.float32)
    y = np.array([1.0, 1.0, np.nan, 0.0, np.inf, -3.0, np.nan, 1.0], np.float32)
    check(jit, tessel.parse(floats), "cmpf", [x, y, np.zeros((8, 16), bool)])


def test_conversions(jit: Jit) -> None:
    text = """
loop.func @casts(%f: memref<8xf32>, %i: memref<8xi32>, %u: memref<8xui8>, %w: memref<8xi64>,
                 %oi: memref<8x4xi32>, %of: memref<8x4xf32>, %od: memref<8x2xf64>, %ob: memref<8x2xi8>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c3 = arith.constant 3 : index
  loop.for %k = 0 to 8 {
    %x = loop.load %f[%k] : memref<8xf32>
    %n = loop.load %i[%k] : memref<8xi32>
    %b = loop.load %u[%k] : memref<8xui8>
    %l = loop.load %w[%k] : memref<8xi64>
    %big = arith.constant 3221225472.0 : f32
    %scaled = arith.mulf %x, %big : f32
    %s = arith.fptosi %scaled : f32 to i32
    loop.store %s, %oi[%k, %c0] : memref<8x4xi32>
    %t = arith.fptoui %scaled : f32 to i32
    loop.store %t, %oi[%k, %c1] : memref<8x4xi32>
    %e = arith.extui %b : ui8 to i32
    loop.store %e, %oi[%k, %c2] : memref<8x4xi32>
    %tr = arith.trunci %l : i64 to i32
    loop.store %tr, %oi[%k, %c3] : memref<8x4xi32>
    %sf = arith.sitofp %n : i32 to f32
    loop.store %sf, %of[%k, %c0] : memref<8x4xf32>
    %uf = arith.uitofp %b : ui8 to f32
    loop.store %uf, %of[%k, %c1] : memref<8x4xf32>
    %lf = arith.uitofp %l : i64 to f32
    loop.store %lf, %of[%k, %c2] : memref<8x4xf32>
    %h = arith.truncf %x : f32 to f16
    %back = arith.extf %h : f16 to f32
    loop.store %back, %of[%k, %c3] : memref<8x4xf32>
    %xd = arith.extf %x : f32 to f64
    loop.store %xd, %od[%k, %c0] : memref<8x2xf64>
    %nd = arith.extsi %n : i32 to i64
    %ndf = arith.sitofp %nd : i64 to f64
    loop.store %ndf, %od[%k, %c1] : memref<8x2xf64>
    %nb = arith.trunci %n : i32 to i8
    loop.store %nb, %ob[%k, %c0] : memref<8x2xi8>
    %ix = arith.index_cast %n : i32 to index
    %ix8 = arith.index_cast %ix : index to i8
    loop.store %ix8, %ob[%k, %c1] : memref<8x2xi8>
  }
}
"""
    f = np.array([0.5, -0.5, 1.0, -1.0, np.nan, 0.125, -2.0, 0.875], np.float32)  # products exact in f32
    i = np.array([1, -2, 300, -300, 1 << 24, 0, 7, -(1 << 31)], np.int32)
    u = np.array([0, 1, 127, 128, 200, 255, 3, 9], np.uint8)
    w = np.array([-1, 1 << 63 - 1, 5, -(1 << 40), 0, 12345678901, 3, (1 << 62) + 1], np.int64)
    outputs = [np.zeros((8, 4), np.int32), np.zeros((8, 4), np.float32), np.zeros((8, 2), np.float64), np.zeros((8, 2), np.int8)]
    check(jit, tessel.parse(text), "casts", [f, i, u, w, *outputs])


VECTORS = """
loop.func @vectors(%a: memref<4x8xf32>, %b: memref<8xf32>, %s: memref<4xf32>, %out: memref<4x8xf32>,
                   %red: memref<4x4xf32>, %ints: memref<4x8xi32>, %ired: memref<4x2xi32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c3 = arith.constant 3 : index
  %vb = "vector.load"(%b, %c0) : (memref<8xf32>, index) -> vector<8xf32>
  loop.for %i = 0 to 4 {
    %va = "vector.load"(%a, %i, %c0) : (memref<4x8xf32>, index, index) -> vector<8xf32>
    %x = loop.load %s[%i] : memref<4xf32>
    %vx = "vector.broadcast"(%x) : (f32) -> vector<8xf32>
    %f = "vector.fma"(%va, %vb, %vx) : (vector<8xf32>, vector<8xf32>, vector<8xf32>) -> vector<8xf32>
    %e = math.exp %f : vector<8xf32>
    %t = math.tanh %e : vector<8xf32>
    %m = arith.mulf %t, %va : vector<8xf32>
    %lane = "vector.extract"(%m) <{static_position = array<i64: 3>}> : (vector<8xf32>) -> f32
    %dyn = "vector.extract"(%m, %i) <{static_position = array<i64: -9223372036854775808>}> : (vector<8xf32>, index) -> f32
    %ins = "vector.insert"(%dyn, %m) <{static_position = array<i64: 0>}> : (f32, vector<8xf32>) -> vector<8xf32>
    "vector.store"(%ins, %out, %i, %c0) : (vector<8xf32>, memref<4x8xf32>, index, index) -> ()
    %sum = "vector.reduction"(%m, %lane) <{kind = #vector.kind<add>}> : (vector<8xf32>, f32) -> f32
    loop.store %sum, %red[%i, %c0] : memref<4x4xf32>
    %max = "vector.reduction"(%m) <{kind = #vector.kind<maximumf>}> : (vector<8xf32>) -> f32
    loop.store %max, %red[%i, %c1] : memref<4x4xf32>
    %prod = "vector.reduction"(%va) <{kind = #vector.kind<mul>}> : (vector<8xf32>) -> f32
    loop.store %prod, %red[%i, %c2] : memref<4x4xf32>
    %min = "vector.reduction"(%va, %x) <{kind = #vector.kind<minnumf>}> : (vector<8xf32>, f32) -> f32
    loop.store %min, %red[%i, %c3] : memref<4x4xf32>
    %vi = "vector.load"(%ints, %i, %c0) : (memref<4x8xi32>, index, index) -> vector<8xi32>
    %isum = "vector.reduction"(%vi) <{kind = #vector.kind<add>}> : (vector<8xi32>) -> i32
    loop.store %isum, %ired[%i, %c0] : memref<4x2xi32>
    %seed = arith.constant 0 : i32
    %imax = "vector.reduction"(%vi, %seed) <{kind = #vector.kind<maxsi>}> : (vector<8xi32>, i32) -> i32
    loop.store %imax, %ired[%i, %c1] : memref<4x2xi32>
  }
}
"""


def test_vector_ops(jit: Jit) -> None:
    lowered = check(jit, tessel.parse(VECTORS), "vectors").lowered
    vector_loads = [op for op in lowered.walk() if isinstance(op, llvm.LoadOp) and op.dereferenced_value.type.name == "vector"]
    assert vector_loads and all(op.alignment is not None and op.alignment.value.data == 4 for op in vector_loads)


HEAP_AND_DMA = """
loop.func @heap(%A: memref<96x256xf32>, %B: memref<96x256xf32>, %S: memref<4x6xi16>, %T: memref<6x4xi16>) {
  %c0 = arith.constant 0 : index
  %big = loop.alloc "big" in "global" : memref<96x256xf32>
  loop.dma_copy %A[%c0, %c0] -> %big[%c0, %c0] size [96, 256] : memref<96x256xf32> -> memref<96x256xf32>
  loop.for %i = 0 to 96 {
    %small = loop.alloc "row" in "local" : memref<2x256xf32>
    loop.dma_copy %big[%i, %c0] -> %small[%c0, %c0] size [1, 256] : memref<96x256xf32> -> memref<2x256xf32>
    loop.for %j = 0 to 128 {
      %x = loop.load %small[%c0, %j] : memref<2x256xf32>
      %two = arith.constant 2.0 : f32
      %y = arith.mulf %x, %two : f32
      loop.store %y, %B[%i, %j] : memref<96x256xf32>
    }
  }
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  loop.dma_copy %S[%c1, %c2] -> %T[%c2, %c1] size [3, 3] : memref<4x6xi16> -> memref<6x4xi16>
  loop.dma_copy %A[%c1, %c2] -> %A[%c0, %c0] size [2, 3] : memref<96x256xf32> -> memref<96x256xf32>
}
"""


def test_heap_buffers_and_dma_copies(jit: Jit) -> None:
    lowered = check(jit, tessel.parse(HEAP_AND_DMA), "heap").lowered
    calls = [op.callee.string_value() for op in lowered.walk() if isinstance(op, llvm.CallOp)]
    assert calls.count("aligned_alloc") == 1 and calls.count("free") == 1
    intrinsics = [op.intrin.data for op in lowered.walk() if isinstance(op, llvm.CallIntrinsicOp)]
    assert "llvm.memcpy.p0.p0.i64" in intrinsics and "llvm.memmove.p0.p0.i64" in intrinsics


VIEWS = """
loop.func intrinsic @acc.scale(%x: memref<2x3xf32>, %y: memref<2x3xf32>) {
  loop.for %i = 0 to 2 {
    loop.for %j = 0 to 3 {
      %v = loop.load %x[%i, %j] : memref<2x3xf32>
      %w = loop.load %y[%i, %j] : memref<2x3xf32>
      %s = arith.addf %v, %w : f32
      loop.store %s, %y[%i, %j] : memref<2x3xf32>
    }
  }
  %c0 = arith.constant 0 : index
  loop.call @acc.first(%y[%c0, %c0]) : memref<2x3xf32>
}
loop.func intrinsic @acc.first(%z: memref<1x1xf32>) {
  %c0 = arith.constant 0 : index
  %v = loop.load %z[%c0, %c0] : memref<1x1xf32>
  %n = arith.negf %v : f32
  loop.store %n, %z[%c0, %c0] : memref<1x1xf32>
}
loop.func @views(%A: memref<6x9xf32>, %B: memref<6x9xf32>) {
  %c0 = arith.constant 0 : index
  %local = loop.alloc "L" in "local" : memref<2x3xf32>
  loop.for %i = 0 to 3 {
    loop.for %j = 0 to 3 {
      %y = loop.apply %i * 2
      %x = loop.apply %j * 3
      loop.call @acc.scale(%A[%y, %x], %B[%y, %x]) : memref<6x9xf32>, memref<6x9xf32>
      loop.dma_copy %B[%y, %x] -> %local[%c0, %c0] size [2, 3] : memref<6x9xf32> -> memref<2x3xf32>
      loop.call @acc.scale(%local[%c0, %c0], %A[%y, %x]) : memref<2x3xf32>, memref<6x9xf32>
    }
  }
}
"""


def test_intrinsic_calls_on_views_are_specialized_per_layout(jit: Jit) -> None:
    lowered = check(jit, tessel.parse(VIEWS), "views").lowered
    functions = {op.sym_name.data: op for op in lowered.ops if isinstance(op, llvm.FuncOp)}
    views = sorted(name for name in functions if ".acc." in name)
    # @acc.scale under two layouts; @acc.first sees a (9, 1)-strided view from both
    assert [name.split(".", 1)[1] for name in views] == ["acc.first.view", "acc.scale.view", "acc.scale.view.1"]
    assert all(functions[name].linkage.linkage.data == "internal" for name in views)


# ------------------------------------------------------------------------------------------------
# te programs


def test_tiled_parallel_matmul(jit: Jit) -> None:
    A, B = te.placeholder((24, 20), name="A"), te.placeholder((24, 36), name="B")
    k = te.reduce_axis((0, 24), name="k")
    C = te.compute((20, 36), lambda y, x: te.sum(A[k, y] * B[k, x], axis=k), name="C")
    s = te.create_schedule(C.op)
    yo, xo, yi, xi = s[C].tile(C.op.axis[0], C.op.axis[1], 8, 8)
    s[C].reorder(yo, xo, k, yi, xi)
    s[C].parallel(yo)
    s[C].vectorize(xi)
    module = tessel.lower(s, [A, B, C], name="matmul").module
    lowered = check(jit, module, "matmul", threads=[1, 2, 3, 8]).lowered
    assert any(op.callee.string_value() == "tessel_parallel_launch" for op in lowered.walk() if isinstance(op, llvm.CallOp))


def test_vectorized_matmul(jit: Jit) -> None:
    A, B = te.placeholder((16, 16), name="A"), te.placeholder((16, 20), name="B")
    k = te.reduce_axis((0, 16), name="k")
    C = te.compute((16, 20), lambda y, x: te.sum(A[k, y] * B[k, x], axis=k), name="C")
    s = te.create_schedule(C.op)
    y, x = C.op.axis
    s[C].reorder(y, k, x)
    s[C].vectorize(x)
    module = tessel.lower(s, [A, B, C], name="vmatmul").module
    tessel.run_pipeline(module, "loop-vectorize{width=8}")
    lowered = check(jit, module, "vmatmul").lowered
    assert any(isinstance(op, llvm.LoadOp) and op.dereferenced_value.type.name == "vector" for op in lowered.walk())


def test_reductions_max_min_sum(jit: Jit) -> None:
    A = te.placeholder((6, 10), name="A")
    k = te.reduce_axis((0, 10), name="k")
    S = te.compute((6,), lambda i: te.sum(A[i, k], axis=k), name="S")
    k2 = te.reduce_axis((0, 10), name="k2")
    M = te.compute((6,), lambda i: te.max(A[i, k2], axis=k2), name="M")
    k3 = te.reduce_axis((0, 10), name="k3")
    N = te.compute((6,), lambda i: te.min(A[i, k3] * 2.0, axis=k3), name="N")
    s = te.create_schedule([S.op, M.op, N.op])
    s[S].parallel(S.op.axis[0])
    module = tessel.lower(s, [A, S, M, N], name="reduce").module
    check(jit, module, "reduce", threads=[1, 4])


def test_compute_at_with_local_accumulator(jit: Jit) -> None:
    A, B = te.placeholder((16, 16), name="A"), te.placeholder((16, 16), name="B")
    k = te.reduce_axis((0, 16), name="k")
    C = te.compute((16, 16), lambda y, x: te.sum(A[k, y] * B[k, x], axis=k), name="C")
    s = te.create_schedule(C.op)
    CL = s.cache_write(C, "local")
    yo, xo, yi, xi = s[C].tile(C.op.axis[0], C.op.axis[1], 4, 4)
    s[CL].compute_at(s[C], xo)
    s[C].parallel(yo)
    s[CL].unroll(s[CL].op.axis[1])
    module = tessel.lower(s, [A, B, C], name="local").module
    lowered = check(jit, module, "local", threads=[1, 3]).lowered
    assert any(isinstance(op, llvm.AllocaOp) for op in lowered.walk())


def test_non_dividing_split_predicates(jit: Jit) -> None:
    A = te.placeholder((10, 7), name="A")
    B = te.compute((10, 7), lambda i, j: te.exp(A[i, j]) + i * 0.5, name="B")
    s = te.create_schedule(B.op)
    io, ii = s[B].split(B.op.axis[0], factor=4)
    jo, ji = s[B].split(B.op.axis[1], factor=3)
    s[B].reorder(io, jo, ii, ji)
    s[B].parallel(io)
    module = tessel.lower(s, [A, B], name="predicated").module
    check(jit, module, "predicated", threads=[1, 2, 5])


def test_conv2d_with_padding(jit: Jit) -> None:
    X, W, _, Y = conv2d_with_padding()
    s = te.create_schedule(Y.op)
    s[Y].parallel(Y.op.axis[1])
    module = tessel.lower(s, [X, W, Y], name="conv2d").module
    check(jit, module, "conv2d", threads=[1, 2])


def test_tensorized_matmul_with_intrinsics_and_dma(jit: Jit) -> None:
    s, args = matmul(32, accelerator=True)
    module = tessel.lower(s, args, name="tensorized").module
    lowered = check(jit, module, "tensorized").lowered
    names = [op.sym_name.data.split(".", 1)[-1] for op in lowered.ops if isinstance(op, llvm.FuncOp) and op.body.blocks]
    assert sorted(names)[1:] == ["vdla.fill_zero.view", "vdla.fused_gemm8x8_add.view"]


def test_bool_uint8_and_integer_power(jit: Jit) -> None:
    U = te.placeholder((8,), "uint8", name="U")
    V = te.placeholder((8,), "int32", name="V")
    A = te.placeholder((8,), name="A")
    C = te.compute((8,), lambda i: te.if_then_else(U[i] > 128, te.abs(V[i]), te.power(V[i], 2)), name="C")
    Mask = te.compute((8,), lambda i: te.any(A[i] > 0.5, te.all(A[i] < 0, i != 3)) & ~(i == 7), name="Mask")
    Sel = te.compute((8,), lambda i: te.if_then_else(Mask[i], te.erf(A[i]), -A[i]), name="Sel")
    s = te.create_schedule([C.op, Sel.op])
    module = tessel.lower(s, [U, V, A, C, Sel], name="mixed").module
    check(jit, module, "mixed")


# ------------------------------------------------------------------------------------------------
# Parallel loops


NESTED_PARALLEL = """
loop.func @nested(%A: memref<5x6xf32>, %B: memref<3x5x6xf32>, %s: memref<1xf32>) {
  %c0 = arith.constant 0 : index
  %scale = loop.load %s[%c0] : memref<1xf32>
  loop.for %r = 0 to 3 {
    %f = arith.index_cast %r : index to i32
    %ff = arith.sitofp %f : i32 to f32
    loop.for %i = 0 to 5 parallel {
      %tmp = loop.alloc "T" in "local" : memref<6xf32>
      loop.for %j = 0 to 6 parallel {
        %v = loop.load %A[%i, %j] : memref<5x6xf32>
        %w = arith.mulf %v, %scale : f32
        %x = arith.addf %w, %ff : f32
        loop.store %x, %tmp[%j] : memref<6xf32>
      }
      loop.for %j = 0 to 6 {
        %v = loop.load %tmp[%j] : memref<6xf32>
        loop.store %v, %B[%r, %i, %j] : memref<3x5x6xf32>
      }
    }
  }
}
"""


def test_parallel_loop_inside_a_serial_loop_with_live_ins(jit: Jit) -> None:
    lowered = check(jit, tessel.parse(NESTED_PARALLEL), "nested", threads=[1, 2, 4, 5, 64, 0, -3]).lowered
    calls = [op for op in lowered.walk() if isinstance(op, llvm.CallOp)]
    assert len([op for op in calls if op.callee.string_value() == "tessel_parallel_launch"]) == 1  # only the outer loop


VECTOR_LIVE_IN = """
loop.func @vector_live_in(%A: memref<8x16xf32>, %s: memref<1xf32>, %B: memref<8x16xf32>) {
  %c0 = arith.constant 0 : index
  %x = loop.load %s[%c0] : memref<1xf32>
  %v = "vector.broadcast"(%x) : (f32) -> vector<16xf32>
  loop.for %i = 0 to 8 parallel {
    %y = arith.addf %x, %x : f32
    %w = "vector.broadcast"(%y) : (f32) -> vector<16xf32>
    %a = "vector.load"(%A, %i, %c0) : (memref<8x16xf32>, index, index) -> vector<16xf32>
    %m = arith.mulf %a, %v : vector<16xf32>
    %r = arith.addf %m, %w : vector<16xf32>
    "vector.store"(%r, %B, %i, %c0) : (vector<16xf32>, memref<8x16xf32>, index, index) -> ()
  }
}
"""


def test_vector_live_ins_of_a_parallel_loop(jit: Jit) -> None:
    """Vectors after a scalar in the live-in struct (their fields need the struct's alignment)."""
    check(jit, tessel.parse(VECTOR_LIVE_IN), "vector_live_in", threads=[1, 3])
    wide = VECTOR_LIVE_IN.replace("16xf32", "32xf32").replace("8x16", "8x32").replace("@vector_live_in", "@wide_live_in")
    check(jit, tessel.parse(wide), "wide_live_in", threads=[1, 3])


def test_parallel_loop_runs_on_several_threads(jit: Jit) -> None:
    """Each iteration records the pthread_self() of the thread that ran it."""
    name = f"who_{next(jit.count)}"
    text = f"""
loop.func @{name}(%out: memref<8xi64>) {{
  loop.for %i = 0 to 8 parallel {{
    %c = arith.constant 1 : i64
    loop.store %c, %out[%i] : memref<8xi64>
  }}
}}
"""
    lowered = lower(tessel.parse(text))
    (body,) = [op for op in lowered.ops if isinstance(op, llvm.FuncOp) and op.sym_name.data == f"{name}.parallel"]
    (store,) = [op for op in body.walk() if isinstance(op, llvm.StoreOp)]
    call = llvm.CallOp("pthread_self", return_type=store.value.type)
    block = store.parent_block()
    assert block is not None
    block.insert_op_before(call, store)
    store.operands = [call.results[0], store.ptr]
    self_type = llvm.LLVMFunctionType([], store.value.type)
    lowered.body.block.add_op(llvm.FuncOp("pthread_self", self_type, linkage=llvm.LinkageAttr("external")))
    lowered.verify()
    jit.load(lowered)
    for threads, distinct in ((1, 1), (3, 3), (8, 8), (100, 8)):
        jit.set_threads(threads)
        out = np.zeros(8, np.int64)
        jit.call(name, [out])
        assert len(set(out.tolist())) == distinct, (threads, out)


# ------------------------------------------------------------------------------------------------
# Random programs (each example is a JIT compile at O3: fewer examples than the profile's default)

LOOP_PIPELINES = ("", "loop-unroll", "loop-vectorize", "loop-simplify,loop-unroll{all-below=4},loop-vectorize{width=4}")


class Drawn:
    """A drawn program that hypothesis reports as its IR (its dataclass form prints every op's neighbours)."""

    def __init__(self, program: LoopProgram):
        self.program = program

    def __repr__(self) -> str:
        return tessel.print_ir(self.program.module)


@settings(max_examples=30, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(drawn=loop_programs().map(Drawn), pipeline=st.sampled_from(LOOP_PIPELINES), seed=st.integers(0, 2**32 - 1))
def test_random_loop_programs(jit: Jit, drawn: Drawn, pipeline: str, seed: int) -> None:
    # one thread: these programs give loops random kinds, so a parallel loop may carry a dependence
    program = drawn.program
    if pipeline:
        tessel.run_pipeline(program.module, pipeline)
    check(jit, program.module, program.name, threads=[1], seed=seed)


@settings(max_examples=20, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(drawn=lowered_te_programs().map(Drawn), seed=st.integers(0, 2**32 - 1))
def test_random_scheduled_te_programs(jit: Jit, drawn: Drawn, seed: int) -> None:
    check(jit, drawn.program.module, drawn.program.name, threads=[1, 3], seed=seed)


# ------------------------------------------------------------------------------------------------
# Structure, ABI, pipeline, errors


def test_public_functions_take_noalias_pointers_and_the_rest_is_internal() -> None:
    module = tessel.parse(NESTED_PARALLEL)
    lowered = lower(module)
    functions = {op.sym_name.data: op for op in lowered.ops if isinstance(op, llvm.FuncOp)}
    public = functions["nested"]
    assert public.linkage.linkage.data == "external"
    assert [str(t) for t in public.function_type.inputs] == ["!llvm.ptr"] * 3
    assert isinstance(public.function_type.output, llvm.LLVMVoidType)
    assert public.arg_attrs is not None and all("llvm.noalias" in a.data for a in public.arg_attrs)
    internal = {name for name, f in functions.items() if f.body.blocks and name != "nested"}
    assert internal == {
        "nested.parallel",
        "nested.parallel.thread",
        "nested.parallel.threads",
        "nested.parallel.fill",
    }
    assert all(functions[name].linkage.linkage.data == "internal" for name in internal)
    (threads,) = [op for op in lowered.ops if isinstance(op, llvm.GlobalOp)]
    assert (threads.sym_name.data, threads.linkage.linkage.data, str(threads.global_type)) == (NUM_THREADS_SYMBOL, "weak", "i32")
    text = str(to_llvmlite(lowered))
    assert 'define internal void @"nested.parallel"' in text and 'define void @"nested"(ptr noalias' in text


def test_addresses_are_inbounds_geps() -> None:
    lowered = lower(tessel.parse(BRANCHES))
    geps = [op for op in lowered.walk() if isinstance(op, llvm.GEPOp)]
    assert geps and all(op.inbounds is not None for op in geps)


def test_passes_are_registered_and_compile_llvm_runs(jit: Jit) -> None:
    names = default_registry().names()
    assert "convert-loop-to-llvm" in names and "compile-llvm" in names
    module = tessel.parse(BRANCHES)
    tessel.run_pipeline(module, "compile-llvm")
    assert module.is_structurally_equivalent(lower(tessel.parse(BRANCHES)))
    other = tessel.parse(BRANCHES)
    CompileLLVM().apply(Context(), other)
    assert other.is_structurally_equivalent(module)


def test_constants_are_hoisted_once_per_function(jit: Jit) -> None:
    lowered = lower(tessel.parse(INDEX_MATH))
    (function,) = [op for op in lowered.ops if isinstance(op, llvm.FuncOp)]
    constants = [op for op in function.walk() if isinstance(op, llvm.ConstantOp)]
    assert len({(op.value, op.result.type) for op in constants}) == len(constants)
    assert all(op.parent_block() is function.body.blocks[0] for op in constants)
    zeros = """
loop.func @zeros(%A: memref<2xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %p = arith.constant 0.0 : f32
  %n = arith.constant -0.0 : f32
  loop.store %p, %A[%c0] : memref<2xf32>
  loop.store %n, %A[%c1] : memref<2xf32>
}
"""
    (out,) = check(jit, tessel.parse(zeros), "zeros", [np.ones(2, np.float32)]).outputs
    assert np.signbit(out).tolist() == [False, True]  # equal as attributes, distinct as constants


def test_an_op_without_lowering_is_named() -> None:
    text = """
loop.func @bad(%A: memref<4xi32>) {
  loop.for %i = 0 to 4 {
    %v = loop.load %A[%i] : memref<4xi32>
    %lo, %hi = "arith.mulsi_extended"(%v, %v) : (i32, i32) -> (i32, i32)
    loop.store %lo, %A[%i] : memref<4xi32>
  }
}
"""
    with pytest.raises(PassFailedException, match=r"arith.mulsi_extended in @bad has no LLVM lowering"):
        ConvertLoopToLLVM().apply(Context(), tessel.parse(text))


def test_loops_that_never_run_vanish_and_single_trips_are_straight_line() -> None:
    text = """
loop.func @trips(%A: memref<4xf32>) {
  loop.for %i = 0 to 0 {
    %c = arith.constant 1.0 : f32
    loop.store %c, %A[%i] : memref<4xf32>
  }
  loop.for %j = 2 to 3 {
    %c = arith.constant 2.0 : f32
    loop.store %c, %A[%j] : memref<4xf32>
  }
}
"""
    lowered = lower(tessel.parse(text))
    (function,) = [op for op in lowered.ops if isinstance(op, llvm.FuncOp)]
    assert len(function.body.blocks) == 1
    assert len([op for op in function.walk() if isinstance(op, llvm.StoreOp)]) == 1
