"""From the IR tools read to the LLVM backend: graph ops -> te functions -> loop IR -> llvm dialect -> LLVM IR / assembly.

Shared by `tessel-opt --emit=llvm-ir|asm` and `tessel-run`. Problems with the input raise EmitError,
which names the op at fault (the tools turn it into a located `file:line:col: error:`).
"""

from __future__ import annotations

from xdsl.dialects import func
from xdsl.dialects.builtin import ModuleOp
from xdsl.ir import Operation
from xdsl.utils.exceptions import DiagnosticException

from tessel.dialects.graph.call import is_kernel_graph
from tessel.passes import run_pipeline

EMIT_FORMATS = ("mlir", "llvm-ir", "asm")
TE_TO_LOOP_PIPELINE = "lower-te-to-loop,loop-simplify"

# Dialects whose ops the chain graph -> te -> loop -> llvm can take; anything else (scf, memref, ...) cannot be emitted.
_LOWERABLE_DIALECTS = frozenset({"builtin", "func", "graph", "te", "loop", "arith", "math", "vector", "llvm"})


class EmitError(Exception):
    """IR that cannot be compiled to LLVM IR; `op` is the op at fault, when there is one."""

    def __init__(self, message: str, op: Operation | None = None):
        super().__init__(message)
        self.message = message
        self.op = op


def _dialect(op: Operation) -> str:
    return op.name.split(".", 1)[0]


def has_te(module: ModuleOp) -> bool:
    """Whether `module` still holds te ops (te functions to lower to loop IR)."""
    return any(_dialect(op) == "te" for op in module.walk())


def has_loop(module: ModuleOp) -> bool:
    return any(_dialect(op) == "loop" for op in module.walk())


def check_lowerable(module: ModuleOp) -> None:
    """EmitError at the first op no lowering to LLVM handles (scf or memref ops, for example)."""
    for op in module.walk():
        dialect = _dialect(op)
        if dialect not in _LOWERABLE_DIALECTS:
            raise EmitError(
                f"'{op.name}' cannot be compiled to LLVM IR; only graph IR, te functions, loop IR and the llvm dialect can",
                op,
            )


def has_graph_ops(module: ModuleOp) -> bool:
    """Whether `module` holds graph ops still to lower (not only a graph function of kernel calls)."""
    return any(isinstance(op, func.FuncOp) and not is_kernel_graph(op) and _has_dialect(op, "graph") for op in module.ops)


def lower_te(module: ModuleOp) -> None:
    """graph ops -> te functions (lower-graph-to-te), te functions -> loop IR (lower-te-to-loop,loop-simplify),
    in place, for what the module holds."""
    check_lowerable(module)
    if has_graph_ops(module):
        _run(module, "lower-graph-to-te")
    if has_te(module):
        _run(module, TE_TO_LOOP_PIPELINE)


def lower_to_llvm_dialect(module: ModuleOp) -> None:
    """te functions and loop IR -> llvm dialect, in place; EmitError for ops that cannot get there."""
    lower_te(module)
    if has_loop(module):
        _run(module, "compile-llvm")
    graphs = [op for op in module.ops if is_kernel_graph(op)]
    for op in module.walk():
        if op is module or _dialect(op) == "llvm" or any(g.is_ancestor(op) for g in graphs):
            continue
        if op.name == "func.func" and not has_te_body(op):
            raise EmitError(
                f"'{op.name}' cannot be compiled to LLVM IR: only te functions (func.func with te.compute), "
                "loop.func and llvm.func can",
                op,
            )
        raise EmitError(f"'{op.name}' is left after lowering to the llvm dialect and cannot be emitted", op)


def has_te_body(op: Operation) -> bool:
    return _has_dialect(op, "te")


def _has_dialect(op: Operation, dialect: str) -> bool:
    return any(_dialect(inner) == dialect for inner in op.walk())


def _run(module: ModuleOp, pipeline: str) -> None:
    try:
        run_pipeline(module, pipeline)
    except DiagnosticException as err:
        raise EmitError(f"{pipeline} failed: {err}", getattr(err, "op", None)) from err


def emit(module: ModuleOp, fmt: str) -> str:
    """The optimized LLVM IR ("llvm-ir") or host assembly ("asm") of `module` (te, loop or llvm dialect),
    as `tessel.build` compiles it (host target, O3). Lowers `module` in place."""
    from tessel.backends.llvm import host_target
    from tessel.backends.llvm.jit import JITError, optimized_module
    from tessel.passes.llvm_lowering import to_llvmlite

    if fmt not in ("llvm-ir", "asm"):
        raise ValueError(f"emit: unknown format '{fmt}'; expected llvm-ir or asm")
    lower_to_llvm_dialect(module)
    host = host_target()
    try:
        optimized = str(optimized_module(to_llvmlite(module, host.triple), host))
    except JITError as err:
        raise EmitError(f"the module does not translate to valid LLVM IR: {err}") from err
    return optimized if fmt == "llvm-ir" else host.emit_assembly(optimized)
