"""The hand-off to llvmlite: xDSL's convert_module, plus the function linkages it drops."""

from __future__ import annotations

from llvmlite import ir
from xdsl.backend.llvm.convert import convert_module
from xdsl.dialects import llvm
from xdsl.dialects.builtin import ModuleOp

from tessel.dialects.graph.call import is_kernel_graph


def to_llvmlite(module: ModuleOp, target_triple: str | None = None) -> ir.Module:
    """An llvmlite module of an llvm-dialect module; internal llvm.funcs stay internal (xDSL 0.74's
    convert_module makes every function external). A graph function of kernel calls is left out: the graph
    runtime runs it."""
    if any(is_kernel_graph(op) for op in module.ops):
        module = ModuleOp([op.clone() for op in module.ops if not is_kernel_graph(op)])
    llvm_module = convert_module(module, fallback_target_triple=target_triple)
    for op in module.ops:
        if isinstance(op, llvm.FuncOp) and op.body.blocks and op.linkage.linkage.data != "external":
            llvm_module.get_global(op.sym_name.data).linkage = op.linkage.linkage.data
    return llvm_module
