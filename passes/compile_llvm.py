"""compile-llvm: the named pipeline from graph, te or loop IR to an llvm-dialect module.

    compile-llvm  ==  lower-graph-to-te, lower-te-to-loop, convert-loop-to-llvm, dce

Each stage leaves IR it does not handle alone, so the pipeline starts wherever the input is: fused graph
groups become te kernels called with graph.call, te functions become loop nests, loop nests become llvm
functions. The llvm functions are what `xdsl.backend.llvm.convert.convert_module` (or
`llvm_lowering.to_llvmlite`) takes; a graph function of graph.calls stays for the graph runtime.
Loop optimizations (loop-simplify, loop-unroll, loop-vectorize) are not part of it: tessel.build and
tessel.compile run them before, as a pipeline may too.
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import builtin
from xdsl.passes import ModulePass
from xdsl.transforms.dead_code_elimination import DeadCodeElimination

from tessel.passes.convert_loop_to_llvm import ConvertLoopToLLVM
from tessel.passes.lower_graph_to_te import LowerGraphToTe
from tessel.passes.lower_te_to_loop import LowerTeToLoop


@dataclass(frozen=True)
class CompileLLVM(ModulePass):
    """Graph, te and loop IR lowered to the llvm dialect, ops left unused removed."""

    name = "compile-llvm"

    def apply(self, ctx: Context, op: builtin.ModuleOp) -> None:
        for pass_ in (LowerGraphToTe(), LowerTeToLoop(), ConvertLoopToLLVM(), DeadCodeElimination()):
            pass_.apply(ctx, op)
