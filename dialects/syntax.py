"""How a dialect brings its custom syntax: a grammar fragment, its build callbacks, its ops.

A fragment's rules become alternatives of the core grammar's `custom_op`. Each root
rule's callback returns `(operation, first_token)`; it builds operands with the
parser's services (`use`, `read_type`, `fail`, ...) defined in dialects/parser.py.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from xdsl.ir import Operation
from xdsl.printer import Printer


def _never(op: Operation) -> bool:
    return False


@dataclass(frozen=True)
class SyntaxFragment:
    """One dialect's custom operation forms."""

    name: str
    grammar: str
    roots: tuple[str, ...]
    callbacks: type
    """A mixin class whose methods, named after the fragment's rules, build IR."""
    custom_format_ops: frozenset[type[Operation]]
    """Ops the printer prints in custom form; the grammar reads exactly that form."""
    needs_generic: Callable[[Operation], bool] = _never
    """Whether an op's custom form would lose something, so it must print generic."""


def install_printers(printers: Mapping[type[Operation], Callable[[Any, Printer], None]]) -> None:
    """Make each printer its op's `print` method, the hook xDSL's Printer calls for an op's custom form."""
    for op_type, print_op in printers.items():
        op_type.print = print_op  # pyright: ignore[reportAttributeAccessIssue]


def keyword_terminal(name: str) -> str:
    """The terminal name of an op keyword: `arith.addf` -> `KW_ARITH_ADDF`."""
    return "KW_" + name.upper().replace(".", "_")


def keywords(names: list[str]) -> tuple[str, str]:
    """Terminal definitions for op keywords, and a grammar alternative matching any of them.

    Each keyword is its own string terminal so Lark's lexer tells it apart from an
    unknown op name (same pattern, same priority) and retypes it.
    """
    definitions = "\n".join(f'{keyword_terminal(n)}: "{n}"' for n in sorted(names))
    alternative = "(" + " | ".join(keyword_terminal(n) for n in sorted(names)) + ")"
    return definitions, alternative
