"""The loop dialect: loop nests over buffers with loop kinds, memory scopes, intrinsic calls and DMA copies."""

from xdsl.ir import Dialect

from tessel.dialects.loop import syntax
from tessel.dialects.loop.ops import (
    LOOP_KINDS,
    LOOP_OPS,
    MEMORY_SCOPES,
    AllocOp,
    ApplyOp,
    BarrierOp,
    CallOp,
    DmaCopyOp,
    ForOp,
    FuncOp,
    IfOp,
    LoadOp,
    StoreOp,
)

Loop = Dialect("loop", list(LOOP_OPS), [])

# Custom syntax fragments (dialects/loop/syntax.py); ops without one print in generic form.
FRAGMENTS: tuple = (syntax.FRAGMENT,)

__all__ = [
    "FRAGMENTS",
    "LOOP_KINDS",
    "LOOP_OPS",
    "MEMORY_SCOPES",
    "AllocOp",
    "ApplyOp",
    "BarrierOp",
    "CallOp",
    "DmaCopyOp",
    "ForOp",
    "FuncOp",
    "IfOp",
    "LoadOp",
    "Loop",
    "StoreOp",
]
