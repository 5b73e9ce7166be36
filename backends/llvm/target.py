"""The host as an LLVM target: llvmlite set up once, a TargetMachine for this CPU and an O3 pipeline."""

from __future__ import annotations

import ctypes.util
from dataclasses import dataclass, field
from functools import cache

import llvmlite
import llvmlite.binding as llvm

# Libraries generated code may call into (tanhf, erff, malloc, free, pthread_create, pthread_join).
# libm/libc/pthread for math, heap buffers and threads; libgcc_s for f16 conversions (__truncdfhf2).
_RUNTIME_LIBRARIES = ("m", "c", "pthread", "gcc_s")


@dataclass(frozen=True)
class HostTarget:
    """The native target (host CPU and features, opt level) and the optimization pipeline that goes with it."""

    triple: str
    cpu: str
    features: str
    opt_level: int
    machine: llvm.TargetMachine = field(compare=False, repr=False)
    """For optimizing and printing assembly; never hand it to an engine (see create_machine)."""

    def create_machine(self) -> llvm.TargetMachine:
        """A new TargetMachine for this target: an MCJIT engine takes ownership of its machine and frees it."""
        return _create_machine(self.triple, self.cpu, self.features, self.opt_level)

    @property
    def fingerprint(self) -> str:
        """What compiled code depends on besides its IR: target, CPU, features, opt level, LLVM version."""
        llvm_version = ".".join(str(v) for v in llvm.llvm_version_info)
        return f"{self.triple}|{self.cpu}|{self.features}|O{self.opt_level}|llvm {llvm_version}|llvmlite {llvmlite.__version__}"

    @property
    def vector_bits(self) -> int:
        """The width of the widest SIMD registers: 512 with AVX-512, 256 with AVX, else 128 (SSE/NEON)."""
        enabled = set(self.features.split(","))
        if "+avx512f" in enabled:
            return 512
        return 256 if "+avx" in enabled else 128

    def prepare(self, module: llvm.ModuleRef) -> None:
        """Give `module` this target's triple and data layout."""
        module.triple = self.triple
        module.data_layout = str(self.machine.target_data)

    def optimize(self, module: llvm.ModuleRef) -> None:
        """Run LLVM's O<opt_level> pipeline with loop and SLP vectorization over `module`, in place."""
        tuning = llvm.create_pipeline_tuning_options(speed_level=self.opt_level)
        tuning.loop_vectorization = self.opt_level > 1
        tuning.slp_vectorization = self.opt_level > 1
        builder = llvm.create_pass_builder(self.machine, tuning)
        builder.getModulePassManager().run(module, builder)

    def emit_assembly(self, optimized_ir: str) -> str:
        """The native assembly of optimized LLVM IR text."""
        module = llvm.parse_assembly(optimized_ir)
        self.prepare(module)
        return self.machine.emit_assembly(module)


@cache
def host_target(opt_level: int = 3) -> HostTarget:
    """The process's host target at `opt_level` (0-3), created once per level."""
    if opt_level not in (0, 1, 2, 3):
        raise ValueError(f"llvm target: opt level must be 0, 1, 2 or 3, got {opt_level}")
    _initialize()
    triple = llvm.get_process_triple()
    cpu = llvm.get_host_cpu_name()
    features = llvm.get_host_cpu_features().flatten()
    return HostTarget(triple, cpu, features, opt_level, _create_machine(triple, cpu, features, opt_level))


def _create_machine(triple: str, cpu: str, features: str, opt_level: int) -> llvm.TargetMachine:
    return llvm.Target.from_triple(triple).create_target_machine(
        cpu=cpu, features=features, opt=opt_level, codemodel="jitdefault", jit=True
    )


@cache
def _initialize() -> None:
    """Native code generation, and the C runtime's symbols visible to JIT-compiled code (once per process)."""
    llvm.initialize_native_target()
    llvm.initialize_native_asmprinter()
    for library in _RUNTIME_LIBRARIES:
        path = ctypes.util.find_library(library)
        if path is not None:
            llvm.load_library_permanently(path)
