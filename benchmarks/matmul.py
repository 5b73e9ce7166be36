"""fp32 GEMM C = A @ B through TVM's "How to optimize GEMM on CPU" schedule sequence, vs numpy (OpenBLAS).

Run: python benchmarks/matmul.py [--size N] [--repeat R]

Each row adds one step of the tutorial: default, blocking, vectorize, loop permutation, array packing,
cache_write (write cache + unroll), parallel. Every row is timed at 1 thread and at all threads
(`mod.num_threads`). A last row, register_tile, is the schedule TVM's x86 dense uses beyond the tutorial:
an 8x32 block of C accumulated in registers over the whole k loop (LLVM keeps the unrolled write cache in
16 zmm registers), B packed into 32-column panels, row blocks inside column panels. numpy is timed in
subprocesses (OPENBLAS_NUM_THREADS=1 / unset), both with the environment's OPENBLAS_CORETYPE /
OPENBLAS_L2_SIZE and with them unset; the faster numpy at each thread count is the
reference. Times are the best of R repeats. Peak: 265 GFLOP/s per core.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
from timing import numpy_child_seconds

import tessel
from tessel import te

PEAK_PER_CORE = 265.0  # GFLOP/s, fp32 FMA at the machine's clock
BN = 32
KFACTOR = 4

NUMPY_CHILD = r"""
import json, sys, time
import numpy as np
n, repeat = int(sys.argv[1]), int(sys.argv[2])
rng = np.random.default_rng(0)
a = rng.random((n, n), dtype=np.float32); b = rng.random((n, n), dtype=np.float32)
c = np.empty((n, n), np.float32)
np.matmul(a, b, out=c)
start = time.perf_counter(); np.matmul(a, b, out=c); one = time.perf_counter() - start
number = max(1, int(0.1 / max(one, 1e-6)))
best = float("inf")
for _ in range(repeat):
    start = time.perf_counter()
    for _ in range(number):
        np.matmul(a, b, out=c)
    best = min(best, (time.perf_counter() - start) / number)
print(json.dumps(best))
"""


def numpy_time(n: int, repeat: int, threads: int | None, clean_env: bool) -> float:
    """Best seconds of the numpy reference in a fresh process (timing.numpy_child_seconds)."""
    return numpy_child_seconds(NUMPY_CHILD, [str(n), str(repeat)], threads, clean_env)


def schedule(step: str, n: int):
    """The tutorial's schedule up to `step` (one of STEPS)."""
    M = N = K = n
    A = te.placeholder((M, K), name="A")
    B = te.placeholder((K, N), name="B")
    k = te.reduce_axis((0, K), name="k")
    if step == "register_tile":
        return register_tile_schedule(n)
    packing = step in ("packing", "cache_write", "parallel")
    if packing:
        packedB = te.compute((N // BN, K, BN), lambda x, y, z: B[y, x * BN + z], name="packedB")
        C = te.compute((M, N), lambda x, y: te.sum(A[x, k] * packedB[y // BN, k, y % BN], axis=k), name="C")
    else:
        C = te.compute((M, N), lambda x, y: te.sum(A[x, k] * B[k, y], axis=k), name="C")
    s = te.create_schedule(C.op)
    if step == "default":
        return s, [A, B, C]
    if step in ("blocking", "vectorize", "permutation", "packing"):
        xo, yo, xi, yi = s[C].tile(C.op.axis[0], C.op.axis[1], BN, BN)
        (kk,) = s[C].op.reduce_axis
        ko, ki = s[C].split(kk, factor=KFACTOR)
        if step in ("blocking", "vectorize"):
            s[C].reorder(xo, yo, ko, ki, xi, yi)
        else:
            s[C].reorder(xo, yo, ko, xi, ki, yi)
        if step != "blocking":
            s[C].vectorize(yi)
    else:  # cache_write, parallel
        CC = s.cache_write(C, "global")
        xo, yo, xi, yi = s[C].tile(C.op.axis[0], C.op.axis[1], BN, BN)
        s[CC].compute_at(s[C], yo)
        xc, yc = s[CC].op.axis
        (kk,) = s[CC].op.reduce_axis
        ko, ki = s[CC].split(kk, factor=KFACTOR)
        s[CC].reorder(ko, xc, ki, yc)
        s[CC].unroll(ki)
        s[CC].vectorize(yc)
        if step == "parallel":
            s[C].parallel(xo)
    if packing:
        x, _y, z = s[packedB].op.axis
        s[packedB].vectorize(z)
        s[packedB].parallel(x)
    return s, [A, B, C]


def register_tile_schedule(n: int, rows: int = 8, cols: int = 32):
    """C in rows x cols blocks, each accumulated by a write cache whose k loop runs outside its fully
    unrolled rows and vectorized columns, so the block stays in registers; B packed into column panels."""
    A = te.placeholder((n, n), name="A")
    B = te.placeholder((n, n), name="B")
    k = te.reduce_axis((0, n), name="k")
    packedB = te.compute((n // cols, n, cols), lambda x, y, z: B[y, x * cols + z], name="packedB")
    C = te.compute((n, n), lambda x, y: te.sum(A[x, k] * packedB[y // cols, k, y % cols], axis=k), name="C")
    s = te.create_schedule(C.op)
    CC = s.cache_write(C, "global")
    xo, yo, xi, yi = s[C].tile(C.op.axis[0], C.op.axis[1], rows, cols)
    s[C].reorder(yo, xo, xi, yi)
    s[C].vectorize(yi)
    s[C].parallel(yo)
    s[CC].compute_at(s[C], xo)
    xc, yc = s[CC].op.axis
    (kk,) = s[CC].op.reduce_axis
    s[CC].reorder(kk, xc, yc)
    s[CC].unroll(xc)
    s[CC].vectorize(yc)
    x, _y, z = s[packedB].op.axis
    s[packedB].vectorize(z)
    s[packedB].parallel(x)
    return s, [A, B, C]


STEPS = ("default", "blocking", "vectorize", "permutation", "packing", "cache_write", "parallel", "register_tile")


def build(step: str, n: int, cache=None):
    """The compiled module of `step`, seconds te -> loop IR, seconds loop IR -> callable."""
    s, tensors = schedule(step, n)
    t0 = time.perf_counter()
    lowered = tessel.lower(s, tensors)
    t_lower = time.perf_counter() - t0
    t0 = time.perf_counter()
    mod = tessel.build(lowered.module, name="main", cache=cache)
    return mod, t_lower, time.perf_counter() - t0


def time_module(mod, arrays, repeat: int) -> float:
    """Best seconds per run: `number` chosen so one repeat takes ~0.1 s (1 for slow kernels)."""
    start = time.perf_counter()
    mod(*arrays)
    one = time.perf_counter() - start
    number = max(1, int(0.1 / max(one, 1e-6)))
    reps = repeat if one < 1.0 else min(repeat, 2)
    return mod.time_evaluator(number=number, repeat=reps)(*arrays).min


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=1024)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    n, repeat = args.size, args.repeat
    if n % BN:
        parser.error(f"--size must be a multiple of {BN}")
    cores = os.cpu_count() or 1
    from tessel.backends.llvm import default_num_threads

    all_threads = default_num_threads()
    flops = 2.0 * n * n * n
    print(f"loadavg {os.getloadavg()}  cpus {cores}  tessel default threads {all_threads}")
    print(f"env OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE')} OPENBLAS_L2_SIZE={os.environ.get('OPENBLAS_L2_SIZE')}")
    print(f"matmul {n}x{n}x{n} fp32, {flops / 1e9:.2f} GFLOP, best of {repeat}")

    # numpy references
    ref: dict[int, float] = {}
    for threads, label in ((1, "1"), (None, str(all_threads))):
        t_env = numpy_time(n, repeat, threads, clean_env=False)
        t_clean = numpy_time(n, repeat, threads, clean_env=True)
        nt = 1 if threads == 1 else all_threads
        ref[nt] = min(t_env, t_clean)
        print(
            f"numpy threads={label}: env {t_env * 1e3:.2f} ms ({flops / t_env / 1e9:.1f} GFLOP/s), "
            f"CORETYPE/L2 unset {t_clean * 1e3:.2f} ms ({flops / t_clean / 1e9:.1f} GFLOP/s)"
        )

    rng = np.random.default_rng(0)
    a = rng.random((n, n), dtype=np.float32)
    b = rng.random((n, n), dtype=np.float32)
    expected = a @ b
    rows = []
    for step in STEPS:
        mod, t_lower, t_build = build(step, n)
        build_s = t_lower + t_build
        c = np.zeros((n, n), np.float32)
        mod.num_threads = 1
        mod(a, b, c)
        np.testing.assert_allclose(c, expected, rtol=1e-3)
        t1 = time_module(mod, (a, b, c), repeat)
        # (mod.compiled.num_threads_address is set even for code without parallel loops; read the loop IR)
        parallel = " parallel" in mod.get_source("loop")
        if parallel and all_threads > 1:
            mod.num_threads = all_threads
            c[:] = 0
            mod(a, b, c)
            np.testing.assert_allclose(c, expected, rtol=1e-3)
            tn = time_module(mod, (a, b, c), repeat)
        else:
            tn = t1  # no parallel loop: the same code runs on one thread
        rows.append((step, t1, tn, parallel, build_s))
        print(f"  built {step:12s} in {build_s:.2f} s", flush=True)

    print()
    head = f"{'schedule':12s} | {'1 thread: ms':>12s} {'GFLOP/s':>8s} {'%peak':>6s} {'x numpy':>8s} |"
    head += f" {all_threads} threads: ms {'GFLOP/s':>8s} {'%peak':>6s} {'x numpy':>8s}"
    print(head)
    print("-" * len(head))
    for name, t1, tn, parallel, _ in [("numpy", ref[1], ref[all_threads], True, 0.0), *rows]:
        g1, gn = flops / t1 / 1e9, flops / tn / 1e9
        mark = "" if parallel else "*"
        print(
            f"{name:12s} | {t1 * 1e3:12.2f} {g1:8.1f} {100 * g1 / PEAK_PER_CORE:5.1f}% {ref[1] / t1:8.3f} |"
            f" {tn * 1e3:12.2f}{mark:1s} {gn:8.1f} {100 * gn / (PEAK_PER_CORE * all_threads):5.1f}% {ref[all_threads] / tn:8.3f}"
        )
    print("* no parallel loop: the 1-thread time is shown for all threads")
    print("x numpy = numpy time / tessel time (>1: tessel faster)")

    # compile time of the best schedule, without the cache
    from tessel.backends.llvm import CompileCache

    best = min(rows, key=lambda r: r[2])[0]
    _, t_lower, t_build = build(best, n, cache=CompileCache())
    print(f"\ncompile time ({best}, fresh cache): te -> loop IR {t_lower:.2f} s, loop IR -> callable {t_build:.2f} s")


if __name__ == "__main__":
    main()
