"""Compile LLVM IR to native code in this process (MCJIT) and call it through ctypes.

The ABI of a kernel: `void f(ptr, ...)`, one pointer per buffer (element [0, ..., 0] of a C-contiguous
buffer). Parallel code reads its thread count from the i32 global `tessel_num_threads`, when it has one.
"""

from __future__ import annotations

import ctypes
import os
from collections.abc import Sequence
from functools import cached_property

import llvmlite.binding as llvm
import llvmlite.ir as ir

from tessel.backends.llvm.target import HostTarget, host_target
from tessel.backends.llvm.thread_pool import PARALLEL_LAUNCH_SYMBOL, ensure_thread_pool

NUM_THREADS_GLOBAL = "tessel_num_threads"
NUM_THREADS_ENV = "TESSEL_NUM_THREADS"

# Linkages after which LLVM may fold or drop the global: the thread count must stay writable from outside.
_LOCAL_LINKAGES = (llvm.Linkage.internal, llvm.Linkage.private)


class JITError(RuntimeError):
    """LLVM IR that cannot be compiled or loaded: invalid IR, an unresolvable symbol, a missing function."""


class CompiledModule:
    """Native code of one LLVM module inside a live MCJIT engine; keeps the engine alive as long as it lives."""

    def __init__(
        self,
        engine: llvm.ExecutionEngine,
        optimized_ir: str,
        object_code: bytes,
        external_symbols: Sequence[str],
        target: HostTarget,
    ):
        self.engine = engine
        self.optimized_ir = optimized_ir
        """The LLVM IR text after optimization."""
        self.object_code = object_code
        """The relocatable object MCJIT linked (what the disk cache stores)."""
        self.external_symbols = tuple(external_symbols)
        """The symbols the code takes from the process (libm, libc, pthread)."""
        self.target = target

    @cached_property
    def assembly(self) -> str:
        """The native assembly of the optimized IR (generated on first use)."""
        return self.target.emit_assembly(self.optimized_ir)

    def function_address(self, name: str) -> int:
        """The address of the function `name`; JITError if the module defines none."""
        address = self.engine.get_function_address(name)
        if not address:
            raise JITError(f"llvm jit: the compiled module defines no function '{name}'")
        return address

    def kernel(self, name: str, num_args: int) -> ctypes._CFuncPtr:  # type: ignore[name-defined]
        """The function `name` as `void f(void *, ...)` with `num_args` pointers; calling it releases the GIL."""
        prototype = ctypes.CFUNCTYPE(None, *([ctypes.c_void_p] * num_args))
        return prototype(self.function_address(name))

    @cached_property
    def num_threads_address(self) -> int | None:
        """The address of the i32 `tessel_num_threads` (compile-llvm emits it in every module), or None if absent."""
        return self.engine.get_global_value_address(NUM_THREADS_GLOBAL) or None

    def set_num_threads(self, num_threads: int) -> None:
        """Set the thread count parallel loops use (no effect on code without parallel loops)."""
        if num_threads < 1:
            raise ValueError(f"llvm jit: the thread count must be at least 1, got {num_threads}")
        if self.num_threads_address is not None:
            ctypes.c_int32.from_address(self.num_threads_address).value = num_threads


def checked_thread_count(value: object, where: str) -> int:
    """`value` if it is a positive int (a thread count), else ValueError naming `where`."""
    if not isinstance(value, int) or value < 1:
        raise ValueError(f"{where}: num_threads must be a positive integer, got {value!r}")
    return value


def default_num_threads() -> int:
    """TESSEL_NUM_THREADS if set, else the cores this process may run on."""
    text = os.environ.get(NUM_THREADS_ENV, "").strip()
    if text:
        try:
            value = int(text)
        except ValueError:
            value = 0
        if value < 1:
            raise ValueError(f"{NUM_THREADS_ENV}: expected a positive integer, got '{text}'")
        return value
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def optimized_module(source: str | ir.Module, target: HostTarget) -> llvm.ModuleRef:
    """`source` parsed, verified (JITError if invalid), given `target`'s triple and optimized for it."""
    try:
        module = llvm.parse_assembly(llvm_ir_text(source))
        module.verify()
    except RuntimeError as err:
        raise JITError(f"llvm jit: invalid LLVM IR: {err}") from err
    target.prepare(module)
    _keep_num_threads_writable(module)
    target.optimize(module)
    return module


def compile_ir(source: str | ir.Module, target: HostTarget | None = None) -> CompiledModule:
    """Optimize LLVM IR (text or an llvmlite module) for `target` (the host at O3) and JIT-compile it."""
    target = target or host_target()
    module = optimized_module(source, target)
    optimized_ir = str(module)
    external = _external_symbols(module)
    _check_resolvable(external)

    captured: list[bytes] = []
    engine = llvm.create_mcjit_compiler(module, target.create_machine())
    engine.set_object_cache(notify_func=lambda _module, object_code: captured.append(object_code))
    engine.finalize_object()
    return CompiledModule(engine, optimized_ir, b"".join(captured), external, target)


def load_object(
    object_code: bytes, optimized_ir: str, external_symbols: Sequence[str], target: HostTarget | None = None
) -> CompiledModule:
    """Link an object that `compile_ir` produced (for the same target) into a new engine, without recompiling."""
    target = target or host_target()
    _check_resolvable(external_symbols)
    empty = llvm.parse_assembly("")
    target.prepare(empty)
    engine = llvm.create_mcjit_compiler(empty, target.create_machine())
    engine.add_object_file(llvm.ObjectFileRef.from_data(object_code))
    engine.finalize_object()
    return CompiledModule(engine, optimized_ir, object_code, external_symbols, target)


def llvm_ir_text(source: str | ir.Module) -> str:
    """LLVM IR text of `source` (text as is; an llvmlite module printed, with xDSL's linkage slip fixed)."""
    if isinstance(source, str):
        return source
    for value in source.global_values:
        # xDSL 0.74 converts `external` linkage to llvmlite's `external` keyword, which LLVM only reads on
        # declarations; a global with an initializer is a definition and gets the default (external) linkage.
        if isinstance(value, ir.GlobalVariable) and value.linkage == "external" and value.initializer is not None:
            value.linkage = ""
    return str(source)


def _keep_num_threads_writable(module: llvm.ModuleRef) -> None:
    for variable in module.global_variables:
        if variable.name == NUM_THREADS_GLOBAL and variable.linkage in _LOCAL_LINKAGES:
            variable.linkage = llvm.Linkage.external


def _external_symbols(module: llvm.ModuleRef) -> tuple[str, ...]:
    declared = [f.name for f in module.functions if f.is_declaration and not f.name.startswith("llvm.")]
    declared += [g.name for g in module.global_variables if g.is_declaration]
    return tuple(sorted(declared))


def _check_resolvable(symbols: Sequence[str]) -> None:
    if PARALLEL_LAUNCH_SYMBOL in symbols:
        ensure_thread_pool()
    # MCJIT aborts the process on a symbol it cannot resolve; find out first.
    missing = [name for name in symbols if not llvm.address_of_symbol(name)]
    if missing:
        raise JITError(f"llvm jit: the code calls {', '.join(missing)}, which this process does not define")
