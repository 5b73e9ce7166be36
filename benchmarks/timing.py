"""Timing helpers the benchmarks share: best-of-repeats of a callable, and numpy in a fresh process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Sequence


def best_seconds(run: Callable[[], object], repeat: int, repeat_seconds: float = 0.2) -> float:
    """Best seconds per call of `run()`: after a warm-up, `repeat` measurements of as many calls as fill
    about `repeat_seconds`."""
    run()
    start = time.perf_counter()
    run()
    number = max(1, int(repeat_seconds / max(time.perf_counter() - start, 1e-6)))
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            run()
        best = min(best, (time.perf_counter() - start) / number)
    return best


def numpy_child_seconds(script: str, args: Sequence[str], threads: int | None, clean_env: bool) -> float:
    """Run `script` (which prints its best seconds as JSON last) in a fresh Python, so that OpenBLAS reads
    its thread count (`threads`, None: all) and core type; `clean_env` unsets OPENBLAS_CORETYPE and
    OPENBLAS_L2_SIZE, which can pin numpy to a slower kernel."""
    env = dict(os.environ)
    if clean_env:
        env.pop("OPENBLAS_CORETYPE", None)
        env.pop("OPENBLAS_L2_SIZE", None)
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"):
        env.pop(var, None)
        if threads is not None:
            env[var] = str(threads)
    out = subprocess.run([sys.executable, "-c", script, *args], env=env, capture_output=True, text=True, check=True)
    return float(json.loads(out.stdout.strip().splitlines()[-1]))
