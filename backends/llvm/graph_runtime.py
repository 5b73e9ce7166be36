"""The graph runtime (TVM's graph executor): runs a model's compiled kernels in order on planned memory.

    gm = GraphModule(kernels, plan, weights)     # kernels: name -> compiled tessel.backends.llvm.Module
    outputs = gm.run(x=image)                    # list of numpy arrays, in the function's result order
    gm.benchmark(number=10, repeat=3)            # ProfileResult (seconds per run)

Weights are copied once at load; every tensor a kernel writes lives at its planned offset in one arena
allocated once; inputs are copied into their own buffers. Each kernel call is prepared at load (its
buffer pointers fixed), so a run is one native call per kernel and nothing is allocated.
"""

from __future__ import annotations

import time
from collections.abc import Mapping

import numpy as np

from tessel.backends.llvm.graph_plan import ALIGNMENT, GraphPlan, TensorInfo
from tessel.backends.llvm.jit import checked_thread_count, default_num_threads
from tessel.backends.llvm.module import Module, ProfileResult


class GraphModule:
    """A compiled model: `run(**inputs)` returns its outputs; `benchmark()` times it."""

    def __init__(self, kernels: Mapping[str, Module], plan: GraphPlan, weights: Mapping[str, np.ndarray]):
        self.kernels = dict(kernels)
        self.plan = plan
        self._num_threads = default_num_threads()
        self._arena = _aligned_empty(plan.arena_bytes)
        self._buffers: list[np.ndarray] = []
        for info in plan.tensors:
            self._buffers.append(self._buffer(info, weights))
        self._calls = []
        for number, step in enumerate(plan.steps):
            args = [*step.inputs, *step.outputs]
            if step.kernel not in self.kernels:
                raise ValueError(f"graph runtime: step {number} calls kernel '{step.kernel}', which was not compiled")
            function = self.kernels[step.kernel].get_function(step.kernel)
            try:
                pointers = function.check_arguments([self._buffers[t] for t in args])
            except (TypeError, ValueError) as err:
                raise ValueError(f"graph runtime: step {number} ({step.kernel}) does not fit its kernel: {err}") from err
            self._calls.append((function._kernel, pointers))
        self.input_names = [plan.tensors[t].name for t in plan.inputs]

    def _buffer(self, info: TensorInfo, weights: Mapping[str, np.ndarray]) -> np.ndarray:
        dtype = np.dtype(info.dtype)
        if info.kind == "param":
            if info.name not in weights:
                raise ValueError(f"graph runtime: no weights for '{info.name}'")
            value = np.asarray(weights[info.name])
            if value.shape != info.shape or value.dtype != dtype:
                raise ValueError(
                    f"graph runtime: weights '{info.name}' are {value.dtype}{list(value.shape)}, "
                    f"expected {dtype}{list(info.shape)}"
                )
            buffer = _aligned_empty(info.nbytes).view(dtype).reshape(info.shape)
            buffer[...] = value
            return buffer
        if info.kind == "input":
            return _aligned_empty(info.nbytes).view(dtype).reshape(info.shape)
        return self._arena[info.offset : info.offset + info.nbytes].view(dtype).reshape(info.shape)

    @property
    def num_threads(self) -> int:
        """Threads each kernel's parallel loops use (TESSEL_NUM_THREADS or all cores by default)."""
        return self._num_threads

    @num_threads.setter
    def num_threads(self, value: int) -> None:
        self._num_threads = checked_thread_count(value, "graph runtime")

    @property
    def peak_bytes(self) -> int:
        """Bytes of planned memory for the tensors kernels write (weights and inputs not included)."""
        return self.plan.peak_bytes

    @property
    def weight_bytes(self) -> int:
        return sum(t.nbytes for t in self.plan.tensors if t.kind == "param")

    def set_input(self, name: str, value: object) -> None:
        """Copy `value` into the input `name` (shape and dtype checked; float64 is not silently narrowed)."""
        if name not in self.input_names:
            raise KeyError(f"graph runtime: @{self.plan.name} has no input '{name}'; inputs: {', '.join(self.input_names)}")
        buffer = self._buffers[self.plan.inputs[self.input_names.index(name)]]
        array = np.asarray(value)
        if array.shape != buffer.shape:
            raise ValueError(f"graph runtime: input '{name}' must have shape {buffer.shape}, got {array.shape}")
        if array.dtype != buffer.dtype and not np.can_cast(array.dtype, buffer.dtype, "same_kind"):
            raise TypeError(f"graph runtime: input '{name}' must be {buffer.dtype}, got {array.dtype}")
        np.copyto(buffer, array, casting="same_kind")

    def run(self, *args: object, **inputs: object) -> list[np.ndarray]:
        """Run the model on inputs given by position or by name; copies of its outputs, in result order."""
        if len(args) > len(self.input_names):
            raise TypeError(f"graph runtime: @{self.plan.name} takes {len(self.input_names)} inputs, got {len(args)}")
        given = dict(zip(self.input_names, args, strict=False))
        for name in inputs:
            if name in given:
                raise TypeError(f"graph runtime: input '{name}' given twice")
        given.update(inputs)
        for name in given:
            if name not in self.input_names:
                raise KeyError(f"graph runtime: @{self.plan.name} has no input '{name}'; inputs: {', '.join(self.input_names)}")
        missing = [n for n in self.input_names if n not in given]
        if missing:
            raise TypeError(f"graph runtime: missing input(s) {', '.join(missing)} of @{self.plan.name}")
        for name, value in given.items():
            self.set_input(name, value)
        self.execute()
        return [self._buffers[t].copy() for t in self.plan.outputs]

    def execute(self) -> None:
        """Run every kernel once on the current inputs."""
        for kernel in self.kernels.values():
            kernel.compiled.set_num_threads(self._num_threads)
        for kernel, pointers in self._calls:
            kernel(*pointers)

    def benchmark(self, number: int = 10, repeat: int = 3) -> ProfileResult:
        """Seconds per run of the whole model (after one warm-up), `repeat` measurements of `number` runs."""
        if number < 1 or repeat < 1:
            raise ValueError(f"benchmark: expected number >= 1 and repeat >= 1, got {number}, {repeat}")
        self.execute()
        results = []
        for _ in range(repeat):
            start = time.perf_counter()
            for _ in range(number):
                self.execute()
            results.append((time.perf_counter() - start) / number)
        return ProfileResult(tuple(results), number)

    def profile(self, number: int = 5) -> list[tuple[str, float]]:
        """Seconds per call of each kernel call, in order (best of `number` runs of the whole model): where
        the time goes (TVM's debug executor)."""
        self.execute()
        best = [float("inf")] * len(self._calls)
        for _ in range(number):
            for index, (kernel, pointers) in enumerate(self._calls):
                start = time.perf_counter()
                kernel(*pointers)
                best[index] = min(best[index], time.perf_counter() - start)
        return [(step.kernel, seconds) for step, seconds in zip(self.plan.steps, best, strict=True)]

    def __repr__(self) -> str:
        return (
            f"<tessel graph module @{self.plan.name}: {len(self.plan.steps)} kernel calls, "
            f"{len(self.kernels)} kernels, {self.peak_bytes} bytes planned>"
        )


def _aligned_empty(nbytes: int) -> np.ndarray:
    """`nbytes` (possibly 0) uninitialised bytes starting on an ALIGNMENT boundary."""
    raw = np.empty(nbytes + ALIGNMENT, np.uint8)
    start = -raw.ctypes.data % ALIGNMENT
    return raw[start : start + nbytes]


__all__ = ["GraphModule"]
