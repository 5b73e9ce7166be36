"""convert-loop-to-llvm: a module of loop.funcs becomes llvm.funcs holding llvm-dialect ops only, which
xDSL's `convert_module` (or `tessel.passes.llvm_lowering.to_llvmlite`) turns into an llvmlite module.

    loop.func @f(%A: memref<4x8xf32>, %B: memref<8xf32>)  ==>  llvm.func @f(%A: !llvm.ptr {llvm.noalias},
                                                                            %B: !llvm.ptr {llvm.noalias})

ABI of the generated code:
  * Each non-intrinsic `loop.func @f` becomes an external `void f(ptr, ...)`: one pointer per buffer
    argument, in order, pointing at element [0, ..., 0] of a C-contiguous row-major buffer of exactly
    the argument's static shape and element type (i1 buffers: one byte per element). The pointers carry
    `noalias`: buffers passed to one call must not overlap. Pointers need only element alignment.
  * Everything else is internal and named after its public function: `f.parallel`, `f.parallel.thread`,
    `f.parallel.{threads,spawn,join}`, `f.<intrinsic>.view` (a `loop.call`ed function specialized per
    layout of the caller's buffers, the caller's strides baked in as constants). convert_module drops
    linkages (everything comes out external); `to_llvmlite` keeps them.
  * `@tessel_num_threads`: a weak `i32` global, initially 1, read each time a parallel loop starts;
    the JIT sets it (e.g. from os.cpu_count() or TESSEL_NUM_THREADS). Modules in one engine share it.
  * External symbols the JIT resolves from the process: `aligned_alloc`, `free` (buffers over 64 KiB),
    `pthread_create`, `pthread_join` (parallel loops), libm functions (`tanhf`, `erff`, ...; and those
    LLVM's own intrinsics call, e.g. `expf`, `fmodf`).

Loops: serial/unrolled/vectorized/thread/vthread loops run serially (an unrolled loop left over is not
unrolled here: xDSL 0.74 has no loop metadata); the outermost parallel loop of a public function runs on
`tessel_num_threads` threads (parallel.py), nested ones serially. loop.barrier lowers to nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import builtin, llvm
from xdsl.dialects.builtin import FloatAttr
from xdsl.ir import Attribute, SSAValue
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import GreedyRewritePatternApplier, PatternRewriteWalker
from xdsl.rewriter import Rewriter
from xdsl.transforms.reconcile_unrealized_casts import reconcile_unrealized_casts
from xdsl.utils.exceptions import PassFailedException

from tessel.dialects.graph.call import is_kernel_graph
from tessel.passes.llvm_lowering.arith import ConvertArithToLLVM
from tessel.passes.llvm_lowering.math import ConvertMathToLLVM
from tessel.passes.llvm_lowering.symbols import NUM_THREADS_SYMBOL, Declarations, num_threads_global
from tessel.passes.llvm_lowering.units import lower_loop_functions
from tessel.passes.llvm_lowering.vector import ConvertVectorToLLVM


@dataclass(frozen=True)
class ConvertLoopToLLVM(ModulePass):
    """loop.funcs (with arith, math and vector ops) lowered to the llvm dialect."""

    name = "convert-loop-to-llvm"

    def apply(self, ctx: Context, op: builtin.ModuleOp) -> None:
        declarations = Declarations()
        lower_loop_functions(op, declarations)
        patterns = [ConvertArithToLLVM(), ConvertMathToLLVM(declarations), ConvertVectorToLLVM()]
        PatternRewriteWalker(GreedyRewritePatternApplier(patterns), apply_recursively=False).rewrite_module(op)
        first = op.body.block.first_op
        symbols = {o.sym_name.data for o in op.ops if isinstance(o, llvm.FuncOp | llvm.GlobalOp)}
        prelude = [] if NUM_THREADS_SYMBOL in symbols else [num_threads_global()]
        prelude += [d for d in declarations.ops() if d.sym_name.data not in symbols]
        if first is None:
            op.body.block.add_ops(prelude)
        else:
            op.body.block.insert_ops_before(prelude, first)
        reconcile_unrealized_casts(op, warn_on_failure=False)
        check_llvm_only(op)
        for function in op.ops:
            if isinstance(function, llvm.FuncOp) and function.body.blocks:
                hoist_constants(function)


def hoist_constants(function: llvm.FuncOp) -> None:
    """One llvm.mlir.constant per value and type, at the start of the entry block (xDSL's cse and
    canonicalize leave llvm constants alone; fewer ops convert and compile faster)."""
    entry = function.body.blocks[0]
    first = entry.first_op
    seen: dict[tuple[object, Attribute], SSAValue] = {}
    for constant in [o for o in function.walk() if isinstance(o, llvm.ConstantOp)]:
        value = constant.value
        # floats by their bits: -0.0 == 0.0 as attributes, but not as constants
        key = (value.value.data.hex() if isinstance(value, FloatAttr) else value, constant.result.type)
        known = seen.get(key)
        if known is not None:
            constant.result.replace_all_uses_with(known)
            Rewriter.erase_op(constant)
            continue
        seen[key] = constant.result
        if constant is not first:
            constant.detach()
            if first is None:
                entry.add_op(constant)
            else:
                entry.insert_op_before(constant, first)


def check_llvm_only(module: builtin.ModuleOp) -> None:
    """PassFailedException naming the first op that is not in the llvm dialect."""
    graphs = [op for op in module.ops if is_kernel_graph(op)]
    for inner in module.walk():
        if inner is module or isinstance(inner, llvm.FuncOp | llvm.GlobalOp) or inner.name.startswith("llvm."):
            continue
        if any(graph.is_ancestor(inner) for graph in graphs):
            continue
        where = inner.parent_op()
        while where is not None and not isinstance(where, llvm.FuncOp):
            where = where.parent_op()
        function = f" in @{where.sym_name.data}" if isinstance(where, llvm.FuncOp) else ""
        raise PassFailedException(f"convert-loop-to-llvm: {inner.name}{function} has no LLVM lowering")
