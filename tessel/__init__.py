"""tessel: a deep-learning compiler built as MLIR-style dialects on xDSL.

The Python API: `parse` IR text, `print_ir` it back, `run_pipeline` passes over it;
`tessel.te` builds tensor expressions and schedules like `tvm.te`, `tessel.lower` turns them into loop IR,
`tessel.build` into native code; `tessel.compile` compiles a whole model (ONNX or graph IR) and `tessel.load`
reads one saved with `save`.
"""

from __future__ import annotations

from functools import cache

from xdsl.dialects.builtin import ModuleOp
from xdsl.ir import Operation

from tessel.dialects.context import make_context
from tessel.dialects.diagnostics import IRError, ParseError, SourceLocation, VerifyError
from tessel.dialects.parser import IRParser
from tessel.dialects.printer import print_ir as _print_ir
from tessel.passes import PassTiming, run_pipeline

__all__ = [
    "IRError",
    "ParseError",
    "PassTiming",
    "SourceLocation",
    "VerifyError",
    "build",
    "compile",
    "default_parser",
    "load",
    "lower",
    "parse",
    "print_ir",
    "run_pipeline",
    "te",
]


def __getattr__(name: str) -> object:
    """`tessel.te`, `tessel.lower` and `tessel.build` load the frontend and driver on first use."""
    if name == "te":
        from tessel.frontends import te

        return te
    if name == "lower":
        from tessel.driver import lower

        return lower
    if name == "build":
        from tessel.driver import build

        return build
    if name in ("compile", "load"):
        from tessel import model_compiler

        return getattr(model_compiler, name)
    raise AttributeError(f"module 'tessel' has no attribute '{name}'")


@cache
def default_parser() -> IRParser:
    """The process's IR parser (building the LALR tables once takes a moment)."""
    return IRParser(make_context())


def parse(text: str, filename: str = "<string>") -> ModuleOp:
    """Parse IR text (custom or generic form) into a builtin.module; ParseError if malformed."""
    return default_parser().parse(text, filename)


def print_ir(op: Operation, generic: bool = False) -> str:
    """Print IR in tessel's custom form, or in MLIR's generic form that any MLIR parser reads."""
    return _print_ir(op, default_parser().fragments, generic=generic)
