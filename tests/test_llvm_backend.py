"""The LLVM backend: JIT of LLVM IR with the buffer ABI, argument checks, compile cache, sources, timing, threads;
and `tessel.build` end to end once the compile-llvm pipeline is registered."""

from __future__ import annotations

import dataclasses
import os
import re
from pathlib import Path

import numpy as np
import pytest
from xdsl.backend.llvm.convert import convert_module
from xdsl.context import Context
from xdsl.dialects import builtin, llvm
from xdsl.parser import Parser

import tessel
from tessel import te
from tessel.backends.llvm import (
    NUM_THREADS_ENV,
    BufferParam,
    CompileCache,
    JITError,
    Module,
    Signature,
    compile_ir,
    default_num_threads,
    host_target,
    loop_signatures,
)

N = 1024

# c[i] = tanhf(a[i] + b[i]): a loop LLVM vectorizes, and a libm call.
TANH_ADD_IR = f"""
declare float @tanhf(float)

define void @tanh_add(ptr noalias %a, ptr noalias %b, ptr noalias %c) {{
entry:
  br label %loop
loop:
  %i = phi i64 [0, %entry], [%next, %loop]
  %pa = getelementptr inbounds float, ptr %a, i64 %i
  %pb = getelementptr inbounds float, ptr %b, i64 %i
  %pc = getelementptr inbounds float, ptr %c, i64 %i
  %x = load float, ptr %pa
  %y = load float, ptr %pb
  %s = fadd float %x, %y
  %t = call float @tanhf(float %s)
  store float %t, ptr %pc
  %next = add i64 %i, 1
  %done = icmp eq i64 %next, {N}
  br i1 %done, label %exit, label %loop
exit:
  ret void
}}
"""

TANH_ADD = Signature(
    "tanh_add",
    (
        BufferParam("a", (N,), np.float32, written=False),
        BufferParam("b", (N,), np.float32, written=False),
        BufferParam("c", (N,), np.float32),
    ),
)


def threads_ir(linkage: str) -> str:
    """A kernel that stores the thread count it reads from `tessel_num_threads` into out[0]."""
    return f"""
@tessel_num_threads = {linkage} global i32 1

define void @threads(ptr noalias %out) {{
  %n = load i32, ptr @tessel_num_threads
  store i32 %n, ptr %out
  ret void
}}
"""


THREADS = Signature("threads", (BufferParam("out", (1,), np.int32),))


@pytest.fixture(scope="module")
def tanh_add() -> Module:
    return Module.from_llvm_ir(TANH_ADD_IR, [TANH_ADD], cache=CompileCache())


def inputs(seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.random(N, dtype=np.float32), rng.random(N, dtype=np.float32), np.zeros(N, np.float32)


def test_jit_of_llvm_ir_text_matches_numpy(tanh_add: Module) -> None:
    a, b, c = inputs()
    tanh_add(a, b, c)
    np.testing.assert_allclose(c, np.tanh(a + b), rtol=1e-6, atol=1e-6)
    assert tanh_add.entry_name == "tanh_add" and tanh_add.function_names == ("tanh_add",)
    c[:] = 0
    tanh_add["tanh_add"](a, b, c)
    np.testing.assert_allclose(c, np.tanh(a + b), rtol=1e-6, atol=1e-6)


# The same ABI written in xDSL's llvm dialect, converted by xDSL: b[0] = 2 * a[1], and the thread count.
XDSL_LLVM_MODULE = """
builtin.module {
  llvm.mlir.global external @tessel_num_threads(1 : i32) {addr_space = 0 : i32} : i32
  llvm.func @scale(%a: !llvm.ptr, %b: !llvm.ptr, %n: !llvm.ptr) {
    %two = llvm.mlir.constant(2.0 : f32) : f32
    %one = llvm.mlir.constant(1 : i64) : i64
    %p = llvm.getelementptr inbounds %a[%one] : (!llvm.ptr, i64) -> !llvm.ptr, f32
    %x = llvm.load %p : !llvm.ptr -> f32
    %y = llvm.fmul %x, %two : f32
    llvm.store %y, %b : f32, !llvm.ptr
    %g = llvm.mlir.addressof @tessel_num_threads : !llvm.ptr
    %t = llvm.load %g : !llvm.ptr -> i32
    llvm.store %t, %n : i32, !llvm.ptr
    llvm.return
  }
}
"""


def test_jit_of_an_xdsl_llvm_dialect_module() -> None:
    ctx = Context()
    ctx.load_dialect(builtin.Builtin)
    ctx.load_dialect(llvm.LLVM)
    module = Parser(ctx, XDSL_LLVM_MODULE).parse_module()
    signature = Signature(
        "scale",
        (BufferParam("a", (2,), np.float32, False), BufferParam("b", (1,), np.float32), BufferParam("n", (1,), np.int32)),
    )
    mod = Module.from_llvm_ir(convert_module(module, fallback_target_triple=None), [signature], cache=CompileCache())
    mod.num_threads = 3
    a, b, n = np.array([5.0, 7.0], np.float32), np.zeros(1, np.float32), np.zeros(1, np.int32)
    mod(a, b, n)
    assert b[0] == 14.0 and n[0] == 3


def wrong_arguments() -> list[tuple[str, type[Exception], str]]:
    return [
        ("count", TypeError, "@tanh_add: expected 3 arguments"),
        ("shape", ValueError, "argument 2 (c): expected shape (1024,), got (1023,)"),
        ("dtype", TypeError, "argument 0 (a): expected dtype float32, got float64"),
        ("strided", ValueError, "argument 1 (b): expected a C-contiguous array"),
        ("read-only", ValueError, "argument 2 (c): the function writes this buffer, but the array is read-only"),
        ("overlap", ValueError, "arguments 0 (a) and 2 (c) overlap in memory"),
        ("list", TypeError, "argument 0 (a): expected a numpy array of float32[1024], got list"),
    ]


@pytest.mark.parametrize(("problem", "error", "message"), wrong_arguments(), ids=[w[0] for w in wrong_arguments()])
def test_wrong_arguments_raise_before_native_code_runs(
    tanh_add: Module, problem: str, error: type[Exception], message: str
) -> None:
    a, b, c = inputs()
    args: list[object] = {
        "count": [a, b],
        "shape": [a, b, c[:-1]],
        "dtype": [a.astype(np.float64), b, c],
        "strided": [a, np.zeros(2 * N, np.float32)[::2], c],
        "read-only": [a, b, np.zeros(N, np.float32)],
        "overlap": [a, b, a],
        "list": [a.tolist(), b, c],
    }[problem]
    if problem == "read-only":
        args[2].flags.writeable = False  # type: ignore[union-attr]
    with pytest.raises(error, match=message.replace("(", r"\(").replace(")", r"\)").replace("[", r"\[").replace("]", r"\]")):
        tanh_add(*args)
    # The process goes on, and a right call still works.
    tanh_add(a, b, c)
    np.testing.assert_allclose(c, np.tanh(a + b), rtol=1e-6, atol=1e-6)


def test_inputs_may_be_read_only_and_shared(tanh_add: Module) -> None:
    a, _, c = inputs()
    a.flags.writeable = False
    tanh_add(a, a, c)
    np.testing.assert_allclose(c, np.tanh(a + a), rtol=1e-6, atol=1e-6)


def test_unknown_function_and_missing_entry() -> None:
    cache = CompileCache()
    mod = Module.from_llvm_ir(TANH_ADD_IR + threads_ir("dso_local"), [TANH_ADD, THREADS], cache=cache)
    assert mod.entry_name is None
    with pytest.raises(TypeError, match="no entry function to call; call one by name: 'tanh_add', 'threads'"):
        mod(*inputs())
    with pytest.raises(KeyError, match="no function 'nope'"):
        mod["nope"]
    with pytest.raises(JITError, match="defines no function 'missing'"):
        Module.from_llvm_ir(TANH_ADD_IR, [Signature("missing", ())], cache=cache)


def test_same_ir_compiles_once() -> None:
    cache = CompileCache()
    first = cache.compile(TANH_ADD_IR)
    second = cache.compile(TANH_ADD_IR)
    assert second is first
    assert (cache.stats.compilations, cache.stats.memory_hits) == (1, 1)
    cache.compile(threads_ir("dso_local"))
    assert cache.stats.compilations == 2 and cache.size == 2


def test_memory_cache_is_bounded() -> None:
    cache = CompileCache(max_entries=1)
    cache.compile(TANH_ADD_IR)
    cache.compile(threads_ir("dso_local"))
    assert cache.size == 1
    cache.compile(TANH_ADD_IR)
    assert cache.stats.compilations == 3


def test_disk_cache_round_trip(tmp_path: Path) -> None:
    writer = CompileCache(tmp_path)
    compiled = writer.compile(TANH_ADD_IR)
    assert (writer.stats.compilations, writer.stats.disk_writes) == (1, 1)
    assert sorted(p.suffix for p in tmp_path.iterdir()) == [".json", ".o"]

    reader = CompileCache(tmp_path)  # another process, in effect
    loaded = reader.compile(TANH_ADD_IR)
    assert (reader.stats.compilations, reader.stats.disk_hits) == (0, 1)
    assert loaded.optimized_ir == compiled.optimized_ir and loaded.object_code == compiled.object_code
    mod = Module(loaded, [TANH_ADD])
    a, b, c = inputs(3)
    mod(a, b, c)
    np.testing.assert_allclose(c, np.tanh(a + b), rtol=1e-6, atol=1e-6)
    assert "tanh_add:" in mod.get_source("asm")


def test_damaged_disk_entry_is_recompiled(tmp_path: Path) -> None:
    CompileCache(tmp_path).compile(TANH_ADD_IR)
    (object_file,) = tmp_path.glob("*.o")
    object_file.write_bytes(object_file.read_bytes()[:100])
    cache = CompileCache(tmp_path)
    cache.compile(TANH_ADD_IR)
    assert (cache.stats.compilations, cache.stats.disk_hits) == (1, 0)


def test_get_source(tanh_add: Module) -> None:
    ll = tanh_add.get_source("ll")
    assert "define void @tanh_add(" in ll and f'target triple = "{host_target().triple}"' in ll
    asm = tanh_add.get_source("asm")
    assert "tanh_add:" in asm and "ret" in asm
    with pytest.raises(ValueError, match="built from LLVM IR, so it has no loop IR source"):
        tanh_add.get_source("loop")
    with pytest.raises(ValueError, match="unknown source format 'c'; expected one of ll, asm, loop"):
        tanh_add.get_source("c")


def test_loops_are_vectorized_for_the_host_cpu() -> None:
    # Without tanhf the loop is plain float adds, which the O3 pipeline vectorizes for the host's vector width.
    add_ir = TANH_ADD_IR.replace("call float @tanhf(float %s)", "fadd float %s, 1.0").replace("declare float @tanhf(float)", "")
    ll = compile_ir(add_ir).optimized_ir
    assert re.search(r"fadd <(4|8|16) x float>", ll), ll


def test_time_evaluator(tanh_add: Module) -> None:
    timer = tanh_add.time_evaluator(number=5, repeat=4)
    result = timer(*inputs())
    assert len(result.results) == 4 and all(0 < t < 1 for t in result.results)
    assert result.min <= result.mean <= result.max and result.number == 5
    grown = tanh_add.time_evaluator("tanh_add", number=1, repeat=1, min_repeat_ms=5)(*inputs())
    assert grown.number > 1
    with pytest.raises(ValueError, match="expected number >= 1"):
        tanh_add.time_evaluator(number=0)
    with pytest.raises(ValueError, match="argument 2"):
        timer(*inputs()[:2], np.zeros(3, np.float32))


@pytest.mark.parametrize("linkage", ["dso_local", "internal", "weak"])
def test_thread_count_reaches_the_code(linkage: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(NUM_THREADS_ENV, "3")
    mod = Module.from_llvm_ir(threads_ir(linkage), [THREADS], cache=CompileCache())
    out = np.zeros(1, np.int32)
    mod(out)
    assert mod.num_threads == 3 and out[0] == 3  # an internal global is kept writable, not folded
    mod.num_threads = 5
    mod(out)
    assert out[0] == 5


def test_num_threads_environment_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(NUM_THREADS_ENV, raising=False)
    assert default_num_threads() == len(os.sched_getaffinity(0))
    monkeypatch.setenv(NUM_THREADS_ENV, "7")
    assert default_num_threads() == 7
    for bad in ("0", "two", "-1"):
        monkeypatch.setenv(NUM_THREADS_ENV, bad)
        with pytest.raises(ValueError, match=f"TESSEL_NUM_THREADS: expected a positive integer, got '{bad}'"):
            default_num_threads()


def test_bad_ir_raises_instead_of_aborting() -> None:
    with pytest.raises(JITError, match="invalid LLVM IR"):
        compile_ir("define void @f( {")
    calls_nothing = (
        "declare void @tessel_no_such_symbol()\ndefine void @f() {\n  call void @tessel_no_such_symbol()\n  ret void\n}\n"
    )
    with pytest.raises(JITError, match="the code calls tessel_no_such_symbol, which this process does not define"):
        compile_ir(calls_nothing)


def matmul_schedule(n: int):
    """The TVM overview's matmul C[y, x] = sum_k A[k, y] * B[k, x], tiled 8x8 with k split by 8."""
    A = te.placeholder((n, n), name="A")
    B = te.placeholder((n, n), name="B")
    k = te.reduce_axis((0, n), name="k")
    C = te.compute((n, n), lambda y, x: te.sum(A[k, y] * B[k, x], axis=k), name="C")
    s = te.create_schedule(C.op)
    yo, xo, yi, xi = s[C].tile(C.op.axis[0], C.op.axis[1], 8, 8)
    ko, ki = s[C].split(k, factor=8)
    s[C].reorder(yo, xo, ko, yi, xi, ki)
    return s, [A, B, C]


def test_loop_signatures_know_which_buffers_are_written() -> None:
    s, args = matmul_schedule(16)
    (signature,) = loop_signatures(tessel.lower(s, args, name="matmul").module)
    assert signature.name == "matmul"
    assert [(p.name, p.shape, p.dtype, p.written) for p in signature.params] == [
        ("A", (16, 16), np.float32, False),
        ("B", (16, 16), np.float32, False),
        ("C", (16, 16), np.float32, True),
    ]


def test_build_rejects_unknown_targets() -> None:
    s, args = matmul_schedule(16)
    with pytest.raises(ValueError, match="unknown target 'cuda -arch=sm_80'; supported targets: llvm"):
        tessel.build(s, args, target="cuda -arch=sm_80")


def test_build_matmul_matches_numpy() -> None:
    s, args = matmul_schedule(32)
    cache = CompileCache()
    mod = tessel.build(s, args, target="llvm", cache=cache)
    rng = np.random.default_rng(1)
    a, b = rng.random((32, 32), dtype=np.float32), rng.random((32, 32), dtype=np.float32)
    c = np.zeros((32, 32), np.float32)
    mod(a, b, c)
    np.testing.assert_allclose(c, a.T @ b, rtol=1e-5)
    assert "loop.func @main" in mod.get_source("loop") and "define void @main(" in mod.get_source("ll")
    with pytest.raises(ValueError, match=r"@main: argument 1 \(B\): expected shape \(32, 32\), got \(16, 32\)"):
        mod(a, b[:16], c)

    again = tessel.build(s, args, cache=cache)
    assert again.compiled is mod.compiled and cache.stats.compilations == 1


def test_build_vectorizes_one_register_wide_and_contracts_to_fma() -> None:
    # y = a * x + y with a vectorized loop: tessel.build picks the host's register width (16 f32 lanes with
    # AVX-512, 8 with AVX) and the multiply-add becomes a fused multiply-add instruction where the CPU has one.
    n = 64
    x = te.placeholder((n,), name="x")
    y = te.placeholder((n,), name="y")
    out = te.compute((n,), lambda i: x[i] * 3.0 + y[i], name="out")
    s = te.create_schedule(out.op)
    s[out].vectorize(out.op.axis[0])
    mod = tessel.build(s, [x, y, out], cache=CompileCache())
    lanes = host_target().vector_bits // 32
    ll = mod.get_source("ll")
    assert f"fmul contract <{lanes} x float>" in ll and f"fadd contract <{lanes} x float>" in ll, ll
    if "+fma" in host_target().features.split(","):
        assert re.search(r"vfmadd\d+ps", mod.get_source("asm"))
    rng = np.random.default_rng(3)
    a, b = rng.random(n, dtype=np.float32), rng.random(n, dtype=np.float32)
    result = np.zeros(n, np.float32)
    mod(a, b, result)
    np.testing.assert_allclose(result, a * 3.0 + b, rtol=1e-6)


@pytest.mark.parametrize(
    ("features", "bits"),
    [("+avx512f,+avx2,+avx,+sse2", 512), ("-avx512f,+avx2,+avx,+sse2", 256), ("-avx512f,-avx,+sse4.2", 128), ("+neon", 128)],
)
def test_vector_width_follows_cpu_features(features: str, bits: int) -> None:
    assert dataclasses.replace(host_target(), features=features).vector_bits == bits


def test_build_accepts_loop_ir() -> None:
    s, args = matmul_schedule(16)
    lowered = tessel.lower(s, args, name="mm")
    mod = tessel.build(lowered.module, cache=CompileCache())
    assert mod.entry_name == "mm"
    rng = np.random.default_rng(2)
    a, b = rng.random((16, 16), dtype=np.float32), rng.random((16, 16), dtype=np.float32)
    c = np.zeros((16, 16), np.float32)
    mod["mm"](a, b, c)
    np.testing.assert_allclose(c, a.T @ b, rtol=1e-5)


def test_build_parallel_schedule_with_any_thread_count(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(NUM_THREADS_ENV, "3")
    n = 64
    A = te.placeholder((n, n), name="A")
    B = te.placeholder((n, n), name="B")
    k = te.reduce_axis((0, n), name="k")
    C = te.compute((n, n), lambda y, x: te.sum(A[k, y] * B[k, x], axis=k), name="C")
    s = te.create_schedule(C.op)
    yo, xo, yi, xi = s[C].tile(C.op.axis[0], C.op.axis[1], 8, 8)
    s[C].parallel(yo)
    mod = tessel.build(s, [A, B, C], cache=CompileCache())
    assert mod.compiled.num_threads_address is not None and mod.num_threads == 3
    rng = np.random.default_rng(4)
    a, b = rng.random((n, n), dtype=np.float32), rng.random((n, n), dtype=np.float32)
    for threads in (1, 2, 3, 64):
        mod.num_threads = threads
        c = np.zeros((n, n), np.float32)
        mod(a, b, c)
        np.testing.assert_allclose(c, a.T @ b, rtol=1e-5, err_msg=f"{threads} threads")


def test_parallel_loops_from_several_python_threads_share_one_thread_pool() -> None:
    # One process-wide pool: a launch made while another runs (four Python threads calling at once)
    # runs its chunks serially on its own thread; every result stays right.
    import threading

    from tessel.backends.llvm.thread_pool import PARALLEL_LAUNCH_SYMBOL, ensure_thread_pool
    from tessel.passes.llvm_lowering.symbols import PARALLEL_LAUNCH_SYMBOL as LOWERED_SYMBOL

    assert PARALLEL_LAUNCH_SYMBOL == LOWERED_SYMBOL and ensure_thread_pool() == ensure_thread_pool()
    n = 4096
    A = te.placeholder((64, n // 64), name="A")
    B = te.compute((64, n // 64), lambda i, j: A[i, j] * 2.0 + 1.0, name="B")
    s = te.create_schedule(B.op)
    s[B].parallel(B.op.axis[0])
    mod = tessel.build(s, [A, B], cache=CompileCache())
    mod.num_threads = 2
    a = np.random.default_rng(0).random((64, n // 64), dtype=np.float32)
    results = [np.zeros_like(a) for _ in range(4)]

    def run(out: np.ndarray) -> None:
        for _ in range(200):
            mod(a, out)

    workers = [threading.Thread(target=run, args=(out,)) for out in results]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    for out in results:
        np.testing.assert_allclose(out, a * 2.0 + 1.0)


def test_parallel_loops_run_in_a_forked_child() -> None:
    # The pool's workers do not survive fork(); the child starts its own instead of waiting for them.
    import multiprocessing

    if "fork" not in multiprocessing.get_all_start_methods():
        pytest.skip("no fork on this platform")
    A = te.placeholder((64, 64), name="A")
    B = te.compute((64, 64), lambda i, j: A[i, j] + 1.0, name="B")
    s = te.create_schedule(B.op)
    s[B].parallel(B.op.axis[0])
    mod = tessel.build(s, [A, B], cache=CompileCache())
    mod.num_threads = 2
    a = np.zeros((64, 64), np.float32)
    out = np.zeros_like(a)
    mod(a, out)  # the parent's workers exist now
    context = multiprocessing.get_context("fork")
    child = context.Process(target=_run_in_child, args=(mod,))
    child.start()
    child.join(timeout=60)
    assert child.exitcode == 0


def _run_in_child(mod: Module) -> None:
    a = np.ones((64, 64), np.float32)
    out = np.zeros_like(a)
    mod(a, out)
    if not np.all(out == 2.0):
        raise SystemExit(1)
