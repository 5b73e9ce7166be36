"""Symbols the generated code refers to: external C functions and the thread-count global."""

from __future__ import annotations

from collections.abc import Sequence

from xdsl.dialects import llvm
from xdsl.dialects.builtin import IntegerAttr, i32
from xdsl.ir import Attribute, Region
from xdsl.utils.exceptions import PassFailedException

from tessel.passes.llvm_lowering.emitter import VOID

NUM_THREADS_SYMBOL = "tessel_num_threads"
"""`i32` global (weak linkage, initially 1) read by each threaded parallel loop: the JIT sets it to the number of threads."""

PARALLEL_LAUNCH_SYMBOL = "tessel_parallel_launch"
"""`void (ptr entry, ptr slots, i64 t)`: runs t chunks of a parallel loop on the process's thread pool
(backends/llvm/thread_pool.py defines it)."""

MAX_THREADS = 256
"""Parallel loops use at most this many threads (the thread slots live on the stack)."""


class Declarations:
    """External functions (libc, libm, pthreads) the module calls, declared once each."""

    def __init__(self) -> None:
        self._types: dict[str, llvm.LLVMFunctionType] = {}

    def declare(self, name: str, inputs: Sequence[Attribute], output: Attribute = VOID) -> str:
        """Declare `output name(inputs)` (checking earlier declarations agree); returns the name."""
        t = llvm.LLVMFunctionType(list(inputs), output)
        known = self._types.setdefault(name, t)
        if known != t:
            raise PassFailedException(f"convert-loop-to-llvm: @{name} declared as {known} and as {t}")
        return name

    def ops(self) -> list[llvm.FuncOp]:
        """The declarations, sorted by name."""
        return [llvm.FuncOp(name, self._types[name], linkage=llvm.LinkageAttr("external")) for name in sorted(self._types)]


def num_threads_global() -> llvm.GlobalOp:
    """`llvm.mlir.global weak @tessel_num_threads(1 : i32) : i32`: weak, so modules sharing one JIT engine share it."""
    return llvm.GlobalOp(i32, NUM_THREADS_SYMBOL, "weak", value=IntegerAttr(1, i32), alignment=4, body=Region())
