"""A compiled module that runs on numpy arrays, like TVM's runtime.Module: `mod(a, b, c)`, `mod["f"](...)`.

Every call checks its arguments against the function's buffer types (count, shape, dtype, C-contiguity,
writeability, no overlap with a written buffer) and raises TypeError/ValueError before native code runs.
"""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import llvmlite.ir as ir
import numpy as np
from xdsl.dialects.builtin import MemRefType, ModuleOp, NoneAttr
from xdsl.ir import SSAValue

from tessel.backends.llvm.cache import CompileCache, default_cache
from tessel.backends.llvm.jit import CompiledModule, checked_thread_count, default_num_threads
from tessel.dialects import loop
from tessel.dialects.graph.dtypes import numpy_dtype

SOURCE_FORMATS = ("ll", "asm", "loop")


@dataclass(frozen=True)
class BufferParam:
    """One pointer argument: a C-contiguous buffer of `shape` and `dtype`; `written` if the function stores to it."""

    name: str
    shape: tuple[int, ...]
    dtype: np.dtype
    written: bool = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "shape", tuple(int(d) for d in self.shape))
        object.__setattr__(self, "dtype", np.dtype(self.dtype))

    def describe(self) -> str:
        return f"{self.dtype}{list(self.shape)}"


@dataclass(frozen=True)
class Signature:
    """The buffer parameters of one compiled function, in order."""

    name: str
    params: tuple[BufferParam, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "params", tuple(self.params))

    def describe(self) -> str:
        return f"@{self.name}(" + ", ".join(f"{p.name}: {p.describe()}" for p in self.params) + ")"


def loop_signatures(module: ModuleOp) -> tuple[Signature, ...]:
    """The signature of each non-intrinsic loop.func in `module` (what compile-llvm exports)."""
    signatures = []
    for op in module.ops:
        if not isinstance(op, loop.FuncOp) or op.intrinsic is not None:
            continue
        written = _written_buffers(op)
        params = []
        for index, arg in enumerate(op.args):
            name = arg.name_hint or f"arg{index}"
            params.append(_buffer_param(op.sym_name.data, index, name, arg.type, arg in written))
        signatures.append(Signature(op.sym_name.data, tuple(params)))
    return tuple(signatures)


def _buffer_param(function: str, index: int, name: str, buffer_type: object, written: bool) -> BufferParam:
    where = f"@{function}: argument {index} ({name})"
    if not isinstance(buffer_type, MemRefType):
        raise ValueError(f"{where}: expected a memref, got {buffer_type}")
    shape = tuple(buffer_type.get_shape())
    if any(d < 0 for d in shape):
        raise ValueError(f"{where}: the llvm backend needs a static shape, got {buffer_type}")
    if not isinstance(buffer_type.layout, NoneAttr):
        raise ValueError(f"{where}: the llvm backend needs a row-major buffer without layout, got {buffer_type}")
    return BufferParam(name, shape, numpy_dtype(buffer_type.element_type), written)


def _written_buffers(func: loop.FuncOp) -> set[SSAValue]:
    written: set[SSAValue] = set()
    for op in func.walk():
        if isinstance(op, loop.StoreOp):
            written.add(op.buffer)
        elif isinstance(op, loop.DmaCopyOp):
            written.add(op.dst)
        elif isinstance(op, loop.CallOp):
            written.update(op.buffers)  # a callee may write any buffer it gets
    return written


def _check_array(where: str, array: object, param: BufferParam) -> None:
    if not isinstance(array, np.ndarray):
        raise TypeError(f"{where}: expected a numpy array of {param.describe()}, got {type(array).__name__}")
    if array.dtype != param.dtype:
        raise TypeError(f"{where}: expected dtype {param.dtype}, got {array.dtype}")
    if array.shape != param.shape:
        raise ValueError(f"{where}: expected shape {param.shape}, got {array.shape}")
    if not array.flags.c_contiguous:
        raise ValueError(f"{where}: expected a C-contiguous array, got strides {array.strides} (use np.ascontiguousarray)")
    if not array.flags.aligned:
        raise ValueError(f"{where}: expected an array aligned to its element size")
    if param.written and not array.flags.writeable:
        raise ValueError(f"{where}: the function writes this buffer, but the array is read-only")


@dataclass(frozen=True)
class ProfileResult:
    """Seconds per run, one mean per repeat (like TVM's ProfileResult)."""

    results: tuple[float, ...]
    number: int = field(default=1)
    """Runs per repeat that the last repeat made (grown to reach min_repeat_ms)."""

    @property
    def mean(self) -> float:
        return statistics.fmean(self.results)

    @property
    def median(self) -> float:
        return statistics.median(self.results)

    @property
    def min(self) -> float:
        return min(self.results)

    @property
    def max(self) -> float:
        return max(self.results)

    @property
    def std(self) -> float:
        return statistics.pstdev(self.results)

    def __str__(self) -> str:
        return f"mean {self.mean * 1e3:.4f} ms, median {self.median * 1e3:.4f} ms over {len(self.results)} repeats"


class Function:
    """One compiled function: call it on numpy arrays; arguments are checked first."""

    def __init__(self, module: Module, signature: Signature):
        self.module = module
        self.signature = signature
        self.name = signature.name
        self._kernel = module.compiled.kernel(signature.name, len(signature.params))

    def __repr__(self) -> str:
        return f"<tessel llvm function {self.signature.describe()}>"

    def __call__(self, *arrays: np.ndarray) -> None:
        pointers = self.check_arguments(arrays)
        self.module.compiled.set_num_threads(self.module.num_threads)
        self._kernel(*pointers)

    def check_arguments(self, arrays: Sequence[object]) -> tuple[int, ...]:
        """The arrays' data pointers, after checking them against the signature (TypeError/ValueError if wrong)."""
        params = self.signature.params
        where = f"@{self.name}"
        if len(arrays) != len(params):
            expected = ", ".join(f"{p.name}: {p.describe()}" for p in params)
            raise TypeError(f"{where}: expected {len(params)} arguments ({expected}), got {len(arrays)}")
        for index, (array, param) in enumerate(zip(arrays, params, strict=True)):
            _check_array(f"{where}: argument {index} ({param.name})", array, param)
        checked: Sequence[np.ndarray] = arrays  # type: ignore[assignment]
        for i in range(len(params)):
            for j in range(i + 1, len(params)):
                if (params[i].written or params[j].written) and np.shares_memory(checked[i], checked[j]):
                    raise ValueError(
                        f"{where}: arguments {i} ({params[i].name}) and {j} ({params[j].name}) overlap in memory; "
                        "a buffer the function writes must not overlap any other argument"
                    )
        return tuple(a.ctypes.data for a in checked)

    def time_evaluator(self, number: int = 10, repeat: int = 3, min_repeat_ms: float = 0) -> Callable[..., ProfileResult]:
        """A function that runs this one on its arguments (`repeat` x `number` times, after one warm-up run)
        and returns seconds per run; `number` grows until a repeat lasts `min_repeat_ms`."""
        if number < 1 or repeat < 1 or min_repeat_ms < 0:
            raise ValueError(
                f"time_evaluator: expected number >= 1, repeat >= 1, min_repeat_ms >= 0, got {number}, {repeat}, {min_repeat_ms}"
            )

        def evaluate(*arrays: np.ndarray) -> ProfileResult:
            pointers = self.check_arguments(arrays)
            self.module.compiled.set_num_threads(self.module.num_threads)
            kernel = self._kernel
            kernel(*pointers)
            runs, results = number, []
            for _ in range(repeat):
                while True:
                    start = time.perf_counter()
                    for _ in range(runs):
                        kernel(*pointers)
                    elapsed = time.perf_counter() - start
                    if elapsed * 1e3 >= min_repeat_ms:
                        break
                    # Like TVM: aim past the minimum so the next try usually suffices.
                    runs = max(runs + 1, math.ceil(runs * min_repeat_ms / max(elapsed * 1e3, 1e-6) * 1.618))
                results.append(elapsed / runs)
            return ProfileResult(tuple(results), runs)

        return evaluate


class Module:
    """Native functions compiled from one module, callable on numpy arrays (TVM's runtime.Module)."""

    def __init__(
        self,
        compiled: CompiledModule,
        signatures: Iterable[Signature],
        entry: str | None = None,
        loop_source: str | None = None,
        num_threads: int | None = None,
    ):
        self.compiled = compiled
        self.loop_source = loop_source
        self.functions: dict[str, Function] = {}
        for signature in signatures:
            self.functions[signature.name] = Function(self, signature)
        if entry is None and len(self.functions) == 1:
            entry = next(iter(self.functions))
        if entry is not None and entry not in self.functions:
            raise ValueError(f"llvm module: no function '{entry}' to call by default; it has {self._names_text()}")
        self.entry_name = entry
        self.num_threads = num_threads if num_threads is not None else default_num_threads()

    @classmethod
    def from_llvm_ir(
        cls,
        llvm_ir: str | ir.Module,
        signatures: Iterable[Signature],
        entry: str | None = None,
        cache: CompileCache | None = None,
    ) -> Module:
        """Compile LLVM IR whose functions follow the buffer ABI (one pointer per buffer) through `cache`."""
        return cls((cache if cache is not None else default_cache()).compile(llvm_ir), signatures, entry)

    @property
    def num_threads(self) -> int:
        """Threads a parallel loop uses (TESSEL_NUM_THREADS or all cores by default)."""
        return self._num_threads

    @num_threads.setter
    def num_threads(self, value: int) -> None:
        self._num_threads = checked_thread_count(value, "llvm module")

    @property
    def function_names(self) -> tuple[str, ...]:
        return tuple(self.functions)

    def __repr__(self) -> str:
        return f"<tessel llvm module: {', '.join(s.signature.describe() for s in self.functions.values())}>"

    def __contains__(self, name: object) -> bool:
        return name in self.functions

    def __getitem__(self, name: str) -> Function:
        return self.get_function(name)

    def get_function(self, name: str) -> Function:
        """The function `name`; KeyError naming the ones there are."""
        if name not in self.functions:
            raise KeyError(f"llvm module: no function '{name}'; it has {self._names_text()}")
        return self.functions[name]

    def __call__(self, *arrays: np.ndarray) -> None:
        """Run the entry function on `arrays` (inputs and outputs, in the function's order)."""
        self._entry()(*arrays)

    def time_evaluator(
        self, name: str | None = None, number: int = 10, repeat: int = 3, min_repeat_ms: float = 0
    ) -> Callable[..., ProfileResult]:
        """A timer of function `name` (the entry by default): call it with the arguments, get a ProfileResult."""
        function = self._entry() if name is None else self.get_function(name)
        return function.time_evaluator(number, repeat, min_repeat_ms)

    def get_source(self, fmt: str = "ll") -> str:
        """The source in `fmt`: "ll" optimized LLVM IR, "asm" native assembly, "loop" the loop IR it was built from."""
        if fmt == "ll":
            return self.compiled.optimized_ir
        if fmt == "asm":
            return self.compiled.assembly
        if fmt == "loop":
            if self.loop_source is None:
                raise ValueError("llvm module: built from LLVM IR, so it has no loop IR source")
            return self.loop_source
        raise ValueError(f"llvm module: unknown source format '{fmt}'; expected one of {', '.join(SOURCE_FORMATS)}")

    def _entry(self) -> Function:
        if self.entry_name is None:
            raise TypeError(f"llvm module: no entry function to call; call one by name: {self._names_text()}")
        return self.functions[self.entry_name]

    def _names_text(self) -> str:
        return ", ".join(f"'{n}'" for n in self.functions) or "no functions"
