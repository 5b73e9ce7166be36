"""compile-llvm: the named pipeline from loop IR to an llvm-dialect module ready for `convert_module`.

    compile-llvm  ==  convert-loop-to-llvm, dce

Its output is what `xdsl.backend.llvm.convert.convert_module` (or `llvm_lowering.to_llvmlite`) takes.
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import builtin
from xdsl.passes import ModulePass
from xdsl.transforms.dead_code_elimination import DeadCodeElimination

from tessel.passes.convert_loop_to_llvm import ConvertLoopToLLVM


@dataclass(frozen=True)
class CompileLLVM(ModulePass):
    """Loop IR lowered to the llvm dialect, ops left unused removed."""

    name = "compile-llvm"

    def apply(self, ctx: Context, op: builtin.ModuleOp) -> None:
        for pass_ in (ConvertLoopToLLVM(), DeadCodeElimination()):
            pass_.apply(ctx, op)
