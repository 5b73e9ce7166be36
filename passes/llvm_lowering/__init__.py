"""The pieces of convert-loop-to-llvm: loop structure (loops.py, parallel.py), arith/math/vector ops
(arith.py, math.py, vector.py), the llvm-op builder they share (emitter.py), external declarations
(symbols.py) and the llvmlite hand-off (llvmlite_module.py)."""

from tessel.passes.llvm_lowering.llvmlite_module import to_llvmlite
from tessel.passes.llvm_lowering.symbols import MAX_THREADS, NUM_THREADS_SYMBOL

__all__ = ["MAX_THREADS", "NUM_THREADS_SYMBOL", "to_llvmlite"]
