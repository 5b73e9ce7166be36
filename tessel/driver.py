"""Stringing the layers together for the Python API: te schedule -> te IR -> loop IR -> native code.

`tessel.lower(s, [A, B, C])` is TVM's `tvm.lower`: it builds the te function from the schedule,
applies it with lower-te-to-loop (and loop-simplify where registered), and returns the loop IR,
which prints and runs on the loop interpreter.
`tessel.build(s, [A, B, C], target="llvm")` is TVM's `tvm.build`: loop IR -> LLVM IR -> a callable module.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
from xdsl.dialects.builtin import ModuleOp

from tessel.passes import run_pipeline

if TYPE_CHECKING:
    import llvmlite.ir

    from tessel.backends.llvm import CompileCache, Module

SUPPORTED_TARGETS = ("llvm",)


def llvm_pipeline(vector_bits: int) -> str:
    """What tessel.build runs on loop IR: loop optimizations, then the loop -> llvm dialect pipeline.
    Loops the schedule marks `unroll` are unrolled as TVM does, up to 1024 iterations (beyond that: an
    error); buffers are flattened to 1-D, so that an index split into rows and columns (a fused loop) is one
    contiguous run again; vectorized loops fill one SIMD register of f32 lanes."""
    return (
        "loop-simplify,loop-unroll{max-trip-count=1024},loop-storage-flatten,loop-simplify,"
        f"loop-vectorize{{width={vector_bits // 32}}},compile-llvm"
    )


class LoweredModule:
    """Loop IR of one scheduled function: `print(m)` shows it, `m(a, b, c)` runs it on the loop interpreter in place."""

    def __init__(self, module: ModuleOp, name: str, te_module: ModuleOp):
        self.module = module
        self.name = name
        self.te_module = te_module
        """The te IR (computes + schedule) the loop IR was lowered from."""

    def __str__(self) -> str:
        from tessel import print_ir

        return print_ir(self.module)

    def __call__(self, *arrays: np.ndarray) -> None:
        from tessel.dialects.loop.interpreter import run_loop_function

        run_loop_function(self.module, self.name, arrays)


def lower(schedule: object, args: Sequence[object], name: str = "main", simplify: bool = True) -> LoweredModule:
    """Lower `schedule` for the tensors `args` (inputs then outputs, like tvm.lower) to loop IR."""
    from tessel.frontends import te

    te_module = te.build_module(schedule, args, name=name)  # type: ignore[arg-type]
    module = te_module.clone()
    run_pipeline(module, "lower-te-to-loop,loop-simplify" if simplify else "lower-te-to-loop")
    return LoweredModule(module, name, te_module)


def build(
    schedule_or_module: object,
    args: Sequence[object] | None = None,
    target: str = "llvm",
    name: str = "main",
    cache: CompileCache | None = None,
) -> Module:
    """Compile a te schedule for the tensors `args` (like tvm.build), or loop IR, to a callable module.

    `mod(a, b, c)` runs the function `name` on numpy arrays; compiled code is cached by its loop IR.
    """
    if target.strip() not in SUPPORTED_TARGETS:
        raise ValueError(f"build: unknown target '{target}'; supported targets: {', '.join(SUPPORTED_TARGETS)}")
    if isinstance(schedule_or_module, LoweredModule):
        loop_module, name = schedule_or_module.module, schedule_or_module.name
    elif isinstance(schedule_or_module, ModuleOp):
        loop_module = schedule_or_module
    else:
        if args is None:
            raise TypeError("build: a schedule needs `args`, the tensors it computes on (inputs, then outputs)")
        loop_module = lower(schedule_or_module, args, name).module
    return _build_llvm(loop_module, name, cache)


def _build_llvm(loop_module: ModuleOp, name: str, cache: CompileCache | None) -> Module:
    from tessel import print_ir
    from tessel.backends.llvm import Module, default_cache, host_target, loop_signatures
    from tessel.passes.llvm_lowering import to_llvmlite

    host = host_target()
    pipeline = llvm_pipeline(host.vector_bits)
    loop_text = print_ir(loop_module)
    signatures = loop_signatures(loop_module)

    def llvm_ir() -> llvmlite.ir.Module:
        module = loop_module.clone()
        run_pipeline(module, pipeline)
        return to_llvmlite(module, host.triple)

    key = f"{pipeline}\n{loop_text}"
    compiled = (cache if cache is not None else default_cache()).get_or_compile(key, llvm_ir, host)
    entry = name if any(s.name == name for s in signatures) else None
    return Module(compiled, signatures, entry, loop_source=loop_text)
