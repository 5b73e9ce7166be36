"""Whole models, tessel vs onnxruntime: ResNet-50, MobileNetV2 and a BERT-base encoder layer (fp32, batch 1).

Run: python benchmarks/models.py [--models resnet50,mobilenet_v2,bert_layer] [--repeat R]

Each model is built with onnx.helper (tessel.tests.onnx_models; random weights), compiled with
tessel.compile, checked against onnxruntime on the same random input, then timed: latency at 1 thread and at
all threads (tessel's num_threads; onnxruntime's intra_op_num_threads, sequential execution), best of R runs
of `number` calls. Also: compile time, tessel's planned memory (peak bytes of the tensors kernels write,
without reuse in brackets) and weights. Ratio = tessel latency / onnxruntime latency (<= 1 is as fast or faster).
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
from timing import best_seconds

import tessel
from tessel.tests import onnx_models

MODELS = ("resnet50", "mobilenet_v2", "bert_layer")


def ort_session(model, threads: int):
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return ort.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", default=",".join(MODELS))
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    try:
        import onnxruntime  # noqa: F401
    except ImportError:
        onnxruntime = None
    from tessel.backends.llvm import default_num_threads

    threads = default_num_threads()
    print(f"loadavg {os.getloadavg()}  cpus {os.cpu_count()}  all threads = {threads}  repeat {args.repeat}")
    rows = []
    for name in args.models.split(","):
        model = getattr(onnx_models, name)()
        inputs = onnx_models.random_inputs(model)
        start = time.perf_counter()
        compiled = tessel.compile(model)
        compile_s = time.perf_counter() - start
        outputs = compiled.run(**inputs)
        row = {"name": name, "compile": compile_s, "kernels": len(compiled.kernels), "calls": len(compiled.plan.steps)}
        row["peak"], row["unplanned"], row["weights"] = compiled.peak_bytes, compiled.plan.unplanned_bytes, compiled.weight_bytes
        for n in sorted({1, threads}):
            compiled.num_threads = n
            for key, value in inputs.items():
                compiled.set_input(key, value)
            row[f"tessel{n}"] = best_seconds(compiled.execute, args.repeat)
            if onnxruntime is not None:
                session = ort_session(model, n)
                expected = session.run(None, inputs)
                if n == 1:
                    for got, want in zip(outputs, expected, strict=True):
                        scale = float(np.max(np.abs(want))) or 1.0
                        row["max_rel_diff"] = max(row.get("max_rel_diff", 0.0), float(np.max(np.abs(got - want))) / scale)
                row[f"ort{n}"] = best_seconds(lambda s=session, feed=inputs: s.run(None, feed), args.repeat)
        rows.append(row)
        print(f"  {name}: compiled in {compile_s:.1f} s ({row['kernels']} kernels, {row['calls']} calls)", flush=True)

    print()
    head = f"{'model':13s} | {'compile s':>9s} | {'peak MiB':>17s} | {'weights MiB':>11s} |"
    for n in sorted({1, threads}):
        head += f" {n} thr: tessel ms {'ort ms':>8s} {'ratio':>6s} |"
    print(head)
    print("-" * len(head))
    for row in rows:
        line = f"{row['name']:13s} | {row['compile']:9.1f} | {row['peak'] / 2**20:7.1f} ({row['unplanned'] / 2**20:7.1f}) |"
        line += f" {row['weights'] / 2**20:11.1f} |"
        for n in sorted({1, threads}):
            t = row[f"tessel{n}"] * 1e3
            o = row.get(f"ort{n}")
            line += f" {t:15.2f} {o * 1e3 if o else float('nan'):8.2f} {t / (o * 1e3) if o else float('nan'):6.2f} |"
        print(line)
    if onnxruntime is None:
        print("onnxruntime is not installed: no reference timings")
    else:
        print(
            "outputs vs onnxruntime, max |diff| / max |ref|: " + ", ".join(f"{r['name']} {r['max_rel_diff']:.1e}" for r in rows)
        )
    print("ratio = tessel latency / onnxruntime latency; peak = planned bytes of the tensors kernels write (without reuse)")


if __name__ == "__main__":
    main()
