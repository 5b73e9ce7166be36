"""ResNet-50 3x3 conv2d (1x64x56x56 input, 64x64x3x3 weights, stride 1, pad 1), fp32, NCHW.

Run: python benchmarks/conv2d.py [--repeat R]

tessel: padding stage + a register-blocked direct convolution (cache_write accumulator over a block of
output channels x output columns, vectorized along the columns, kw unrolled, outer loops parallel),
at 1 thread and at all threads. Two blockings by default: 16 channels x 8 columns 8 wide (AVX2 width)
and 4 channels x 56 columns (a whole row) vectorized 16 wide (--configs picks others).
References, in the same run: numpy im2col + matmul (OpenBLAS, in subprocesses at OPENBLAS_NUM_THREADS=1 /
unset, with and without the environment's OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE; the faster is used), and
onnxruntime's Conv when onnxruntime is installed.
Peak: 265 GFLOP/s per core.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
from timing import numpy_child_seconds

import tessel
from tessel import te

PEAK_PER_CORE = 265.0
N, CI, H, W, CO, KH, KW, PAD = 1, 64, 56, 56, 64, 3, 3, 1
FLOPS = 2.0 * N * CO * H * W * CI * KH * KW

NUMPY_CHILD = r"""
import json, sys, time
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
repeat = int(sys.argv[1])
rng = np.random.default_rng(0)
x = rng.random((1, 64, 56, 56), dtype=np.float32); w = rng.random((64, 64, 3, 3), dtype=np.float32)
w2 = w.reshape(64, -1)
def conv():
    xp = np.pad(x[0], ((0, 0), (1, 1), (1, 1)))
    cols = sliding_window_view(xp, (3, 3), axis=(1, 2))          # ci, h, w, kh, kw
    cols = np.ascontiguousarray(cols.transpose(0, 3, 4, 1, 2)).reshape(64 * 9, 56 * 56)
    return (w2 @ cols).reshape(1, 64, 56, 56)
conv()
start = time.perf_counter(); conv(); one = time.perf_counter() - start
number = max(1, int(0.1 / max(one, 1e-6)))
best = float("inf")
for _ in range(repeat):
    start = time.perf_counter()
    for _ in range(number):
        conv()
    best = min(best, (time.perf_counter() - start) / number)
print(json.dumps(best))
"""


def numpy_time(repeat: int, threads: int | None, clean_env: bool) -> float:
    """Best seconds of the numpy reference in a fresh process (timing.numpy_child_seconds)."""
    return numpy_child_seconds(NUMPY_CHILD, [str(repeat)], threads, clean_env)


def onnxruntime_time(x: np.ndarray, w: np.ndarray, repeat: int, threads: int) -> tuple[float, np.ndarray] | None:
    try:
        import onnxruntime as ort
        from onnx import TensorProto, helper
    except ImportError:
        return None
    node = helper.make_node("Conv", ["x", "w"], ["y"], pads=[PAD] * 4, kernel_shape=[KH, KW])
    graph = helper.make_graph(
        [node],
        "conv",
        [
            helper.make_tensor_value_info("x", TensorProto.FLOAT, list(x.shape)),
            helper.make_tensor_value_info("w", TensorProto.FLOAT, list(w.shape)),
        ],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [N, CO, H, W])],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    sess = ort.InferenceSession(model.SerializeToString(), opts, providers=["CPUExecutionProvider"])
    feed = {"x": x, "w": w}
    y = sess.run(None, feed)[0]
    start = time.perf_counter()
    sess.run(None, feed)
    number = max(1, int(0.1 / max(time.perf_counter() - start, 1e-6)))
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            sess.run(None, feed)
        best = min(best, (time.perf_counter() - start) / number)
    return best, y


def schedule(co_block: int, w_block: int):
    data = te.placeholder((N, CI, H, W), name="data")
    kernel = te.placeholder((CO, CI, KH, KW), name="kernel")
    padded = te.compute(
        (N, CI, H + 2 * PAD, W + 2 * PAD),
        lambda n, c, h, w: te.if_then_else(
            te.all(h >= PAD, h < H + PAD, w >= PAD, w < W + PAD), data[n, c, h - PAD, w - PAD], 0.0
        ),
        name="padded",
    )
    rc = te.reduce_axis((0, CI), name="rc")
    ry = te.reduce_axis((0, KH), name="ry")
    rx = te.reduce_axis((0, KW), name="rx")
    out = te.compute(
        (N, CO, H, W),
        lambda n, f, y, x: te.sum(padded[n, rc, y + ry, x + rx] * kernel[f, rc, ry, rx], axis=[rc, ry, rx]),
        name="conv",
    )
    s = te.create_schedule(out.op)
    # padding: parallel over channels, rows vectorizable
    pn, pc, ph, pw = s[padded].op.axis
    s[padded].parallel(pc)
    # output: blocks of co_block channels x w_block columns, accumulated in a cache_write buffer
    cc = s.cache_write(out, "global")
    n, f, y, x = s[out].op.axis
    fo, fi = s[out].split(f, factor=co_block)
    xo, xi = s[out].split(x, factor=w_block)
    s[out].reorder(n, fo, y, xo, fi, xi)
    s[out].vectorize(xi)
    s[out].parallel(s[out].fuse(fo, y))
    s[cc].compute_at(s[out], xo)
    cn, cf, cy, cx = s[cc].op.axis
    crc, cry, crx = s[cc].op.reduce_axis
    s[cc].reorder(crc, cry, crx, cn, cy, cf, cx)
    s[cc].unroll(crx)
    s[cc].vectorize(cx)
    return s, [data, kernel, out]


def time_module(mod, arrays, repeat: int) -> float:
    start = time.perf_counter()
    mod(*arrays)
    number = max(1, int(0.1 / max(time.perf_counter() - start, 1e-6)))
    return mod.time_evaluator(number=number, repeat=repeat)(*arrays).min


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--co-block", type=int, default=16)
    parser.add_argument("--w-block", type=int, default=8)
    parser.add_argument(
        "--configs", help="comma-separated COxWxV blocks (output channels x columns x vector width), e.g. 4x56x16"
    )
    args = parser.parse_args()
    from tessel.backends.llvm import CompileCache, default_num_threads

    all_threads = default_num_threads()
    print(f"loadavg {os.getloadavg()}  cpus {os.cpu_count()}  tessel default threads {all_threads}")
    print(f"conv2d NCHW {N}x{CI}x{H}x{W} * {CO}x{CI}x{KH}x{KW} pad {PAD}: {FLOPS / 1e9:.3f} GFLOP, best of {args.repeat}")

    rng = np.random.default_rng(0)
    x = rng.random((N, CI, H, W), dtype=np.float32)
    w = rng.random((CO, CI, KH, KW), dtype=np.float32)

    results: dict[str, dict[int, float]] = {}
    ref: dict[int, float] = {}
    for threads, nt in ((1, 1), (None, all_threads)):
        t_env = numpy_time(args.repeat, threads, clean_env=False)
        t_clean = numpy_time(args.repeat, threads, clean_env=True)
        ref[nt] = min(t_env, t_clean)
        print(f"numpy im2col+matmul threads={nt}: env {t_env * 1e3:.3f} ms, CORETYPE/L2 unset {t_clean * 1e3:.3f} ms")
    results["numpy im2col+mm"] = ref

    expected = None
    ort_res: dict[int, float] = {}
    for nt in (1, all_threads):
        r = onnxruntime_time(x, w, args.repeat, nt)
        if r is None:
            print("onnxruntime: not installed, skipped")
            break
        ort_res[nt], expected = r
    if ort_res:
        results["onnxruntime"] = ort_res
    if expected is None:  # float64 reference
        xp = np.pad(x[0].astype(np.float64), ((0, 0), (1, 1), (1, 1)))
        expected = np.zeros((CO, H, W))
        for ky in range(KH):
            for kx in range(KW):
                expected += np.einsum("fc,chw->fhw", w[:, :, ky, kx].astype(np.float64), xp[:, ky : ky + H, kx : kx + W])
        expected = expected[None].astype(np.float32)

    configs = (
        [(args.co_block, args.w_block, 8), (4, 56, 16)]
        if args.configs is None
        else [tuple(int(v) for v in c.split("x")) for c in args.configs.split(",")]
    )
    for co_block, w_block, width in configs:
        s, tensors = schedule(co_block, w_block)
        t0 = time.perf_counter()
        lowered = tessel.lower(s, tensors)
        # vectorize at `width` lanes (tessel.build's own loop-vectorize then leaves these loops alone)
        tessel.run_pipeline(lowered.module, f"loop-simplify,loop-unroll{{max-trip-count=1024}},loop-vectorize{{width={width}}}")
        t_lower = time.perf_counter() - t0
        t0 = time.perf_counter()
        mod = tessel.build(lowered.module, name="main", cache=CompileCache())
        t_build = time.perf_counter() - t0
        y = np.zeros((N, CO, H, W), np.float32)
        tessel_res: dict[int, float] = {}
        for nt in (1, all_threads):
            mod.num_threads = nt
            y[:] = 0
            mod(x, w, y)
            np.testing.assert_allclose(y, expected, rtol=1e-3)
            tessel_res[nt] = time_module(mod, (x, w, y), args.repeat)
        label = f"tessel co{co_block}xw{w_block} v{width}"
        results[label] = tessel_res
        print(f"{label} compile (fresh cache): te -> vectorized loop IR {t_lower:.2f} s, loop IR -> callable {t_build:.2f} s")

    print()
    cols = f"{'GFLOP/s':>8s} {'%peak':>6s} {'x numpy':>8s}"
    head = f"{'impl':22s} | {'1 thr: ms':>10s} {cols} | {all_threads} thr: ms {cols}"
    print(head)
    print("-" * len(head))
    for name, res in results.items():
        t1, tn = res[1], res[all_threads]
        g1, gn = FLOPS / t1 / 1e9, FLOPS / tn / 1e9
        print(
            f"{name:22s} | {t1 * 1e3:10.3f} {g1:8.1f} {100 * g1 / PEAK_PER_CORE:5.1f}% {ref[1] / t1:8.3f} |"
            f" {tn * 1e3:10.3f} {gn:8.1f} {100 * gn / (PEAK_PER_CORE * all_threads):5.1f}% {ref[all_threads] / tn:8.3f}"
        )
    print("x numpy = numpy time / time (>1: faster than numpy)")


if __name__ == "__main__":
    main()
