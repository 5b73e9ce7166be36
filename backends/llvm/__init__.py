"""The LLVM backend: LLVM IR -> native code in this process (MCJIT), cached, callable on numpy arrays."""

from tessel.backends.llvm.cache import CACHE_DIR_ENV, CacheStats, CompileCache, default_cache
from tessel.backends.llvm.jit import (
    NUM_THREADS_ENV,
    NUM_THREADS_GLOBAL,
    CompiledModule,
    JITError,
    compile_ir,
    default_num_threads,
    load_object,
)
from tessel.backends.llvm.module import BufferParam, Function, Module, ProfileResult, Signature, loop_signatures
from tessel.backends.llvm.target import HostTarget, host_target

__all__ = [
    "CACHE_DIR_ENV",
    "NUM_THREADS_ENV",
    "NUM_THREADS_GLOBAL",
    "BufferParam",
    "CacheStats",
    "CompileCache",
    "CompiledModule",
    "Function",
    "HostTarget",
    "JITError",
    "Module",
    "ProfileResult",
    "Signature",
    "compile_ir",
    "default_cache",
    "default_num_threads",
    "host_target",
    "load_object",
    "loop_signatures",
]
