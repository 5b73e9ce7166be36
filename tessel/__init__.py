"""tessel: a deep-learning compiler built as MLIR-style dialects on xDSL.

The Python API: `parse` IR text, `print_ir` it back, `run_pipeline` passes over it.
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
    "default_parser",
    "parse",
    "print_ir",
    "run_pipeline",
]


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
