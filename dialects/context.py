"""The xDSL context holding every dialect tessel IR may contain."""

from __future__ import annotations

from xdsl.context import Context
from xdsl.dialects.arith import Arith
from xdsl.dialects.builtin import Builtin
from xdsl.dialects.cf import Cf
from xdsl.dialects.func import Func
from xdsl.dialects.llvm import LLVM
from xdsl.dialects.math import Math
from xdsl.dialects.memref import MemRef
from xdsl.dialects.scf import Scf
from xdsl.dialects.test import Test
from xdsl.dialects.vector import Vector
from xdsl.ir import Dialect

from tessel.dialects.graph import Graph
from tessel.dialects.loop import Loop
from tessel.dialects.te import Te

# xDSL's dialects that tessel IR reuses; `test` is MLIR's structural test dialect.
XDSL_DIALECTS: tuple[Dialect, ...] = (Builtin, Func, Arith, Math, Scf, Cf, MemRef, Vector, LLVM, Test)


# tessel's own dialects.
TESSEL_DIALECTS: tuple[Dialect, ...] = (Graph, Te, Loop)


def make_context() -> Context:
    """A fresh context with every dialect tessel knows loaded."""
    ctx = Context()
    for dialect in (*XDSL_DIALECTS, *TESSEL_DIALECTS):
        ctx.load_dialect(dialect)
    return ctx
