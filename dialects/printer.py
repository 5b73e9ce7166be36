"""The IR printer: xDSL's Printer, printing custom forms only where tessel's grammar reads them."""

from __future__ import annotations

from dataclasses import dataclass, field
from io import StringIO

from xdsl.ir import Operation
from xdsl.printer import Printer

from tessel.dialects.syntax import SyntaxFragment


@dataclass(eq=False, repr=False)
class IRPrinter(Printer):
    """Prints ops with a tessel custom form in that form and every other op generically."""

    fragments: tuple[SyntaxFragment, ...] = field(default=())
    generic: bool = False

    def print_op(self, op: Operation) -> None:
        # print_generic_format is read once per op, before its regions print
        self.print_generic_format = self.generic or not self._has_custom_form(op)
        super().print_op(op)

    def _has_custom_form(self, op: Operation) -> bool:
        from xdsl.dialects.builtin import ModuleOp

        if isinstance(op, ModuleOp):
            return True
        for fragment in self.fragments:
            if type(op) in fragment.custom_format_ops:
                return not fragment.needs_generic(op)
        return False


def print_ir(op: Operation, fragments: tuple[SyntaxFragment, ...], *, generic: bool = False) -> str:
    """The text of an op (usually a module), custom or generic form."""
    stream = StringIO()
    printer = IRPrinter(stream=stream, fragments=fragments, generic=generic)
    printer.print_op(op)
    stream.write("\n")
    return stream.getvalue()
