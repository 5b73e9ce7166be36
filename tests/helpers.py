"""Shared test helpers: the IR text adapters and a readable structural-equality assert."""

from __future__ import annotations

import io

from xdsl.dialects.builtin import ModuleOp
from xdsl.parser import Parser
from xdsl.printer import Printer

import tessel
from tessel.dialects.context import make_context


def parse_text(text: str, filename: str = "<string>") -> ModuleOp:
    """IR text -> module, with the parser under test."""
    return tessel.parse(text, filename)


def print_text(module: ModuleOp, generic: bool = False) -> str:
    """Module -> IR text, with the printer under test."""
    return tessel.print_ir(module, generic)


def xdsl_parse(text: str) -> ModuleOp:
    """IR text -> module with xDSL's own parser: the interoperability reference."""
    return Parser(make_context(), text).parse_module()


def xdsl_print(module: ModuleOp, generic: bool = False) -> str:
    """Module -> IR text with xDSL's own printer."""
    stream = io.StringIO()
    Printer(stream=stream, print_generic_format=generic).print_op(module)
    return stream.getvalue()


def _result_type_mismatch(expected: ModuleOp, actual: ModuleOp) -> str | None:
    """`is_structurally_equivalent` ignores result types; find the first op whose differ (same op count)."""
    for expected_op, actual_op in zip(expected.walk(), actual.walk(), strict=True):
        if expected_op.result_types != actual_op.result_types:
            return f"{expected_op.name}: result types {expected_op.result_types} != {actual_op.result_types}"
    return None


def assert_structurally_equal(expected: ModuleOp, actual: ModuleOp) -> None:
    """Same ops, attributes, properties, types, regions and use-def edges; shows both texts if not."""
    mismatch = None if expected.is_structurally_equivalent(actual) else "not structurally equivalent"
    mismatch = mismatch or _result_type_mismatch(expected, actual)
    if mismatch is not None:
        raise AssertionError(
            f"{mismatch}\n--- expected (generic)\n{xdsl_print(expected, generic=True)}"
            f"\n--- actual (generic)\n{xdsl_print(actual, generic=True)}"
        )
