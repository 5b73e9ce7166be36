"""The IR printer: xDSL's Printer, printing custom forms only where tessel's grammar reads them."""

from __future__ import annotations

from dataclasses import dataclass, field
from io import StringIO

from xdsl.dialects.builtin import DenseIntOrFPElementsAttr, ModuleOp
from xdsl.ir import Attribute, Operation
from xdsl.printer import Printer

from tessel.dialects.resources import DEFAULT_INLINE_LIMIT, encode_blob
from tessel.dialects.syntax import SyntaxFragment


@dataclass(eq=False, repr=False)
class IRPrinter(Printer):
    """Prints ops with a tessel custom form in that form and every other op generically."""

    fragments: tuple[SyntaxFragment, ...] = field(default=())
    generic: bool = False
    inline_limit: int = DEFAULT_INLINE_LIMIT
    """Weights of more bytes print as `dense_resource<name>` with a blob section (custom form only)."""
    blobs: dict[str, str] = field(default_factory=dict[str, str])
    """Resource name -> blob text, collected while printing."""

    def print_weights(self, value: Attribute, name_hint: str | None) -> None:
        """A weights value: inline when small (or generic), else a named resource."""
        if self.generic or not isinstance(value, DenseIntOrFPElementsAttr) or len(value.data.data) <= self.inline_limit:
            self.print_attribute(value)
            return
        base = name_hint or "weights"
        name = base
        while name in self.blobs:
            name = f"{base}_{len(self.blobs)}"
        element = value.get_element_type()
        self.blobs[name] = encode_blob(value.data.data, element.compile_time_size)  # pyright: ignore[reportAttributeAccessIssue]
        self.print_string(f"dense_resource<{name}> : ")
        self.print_attribute(value.get_type())

    def print_resource_section(self) -> None:
        """The `{-# dialect_resources #-}` section holding the blobs printed so far."""
        if not self.blobs:
            return
        entries = ",\n".join(f"      {name}: {blob}" for name, blob in self.blobs.items())
        self.print_string(f"\n{{-#\n  dialect_resources: {{\n    builtin: {{\n{entries}\n    }}\n  }}\n#-}}")

    def print_op(self, op: Operation) -> None:
        # print_generic_format is read once per op, before its regions print
        self.print_generic_format = self.generic or not self._has_custom_form(op)
        super().print_op(op)

    def print_attribute(self, attribute: Attribute) -> None:
        if isinstance(attribute, DenseIntOrFPElementsAttr) and _splat_hides_bytes(attribute):
            # xDSL would print one value for e.g. [0.0, -0.0]; the hex form keeps every bit
            self.print_string(f'dense<"0x{attribute.data.data.hex().upper()}"> : ')
            self.print_attribute(attribute.get_type())
            return
        super().print_attribute(attribute)

    def _has_custom_form(self, op: Operation) -> bool:
        if isinstance(op, ModuleOp):
            return True
        for fragment in self.fragments:
            if type(op) in fragment.custom_format_ops:
                return not fragment.needs_generic(op)
        return False


def _splat_hides_bytes(attribute: DenseIntOrFPElementsAttr) -> bool:
    """Values that compare equal (so xDSL prints a splat) but differ in their bits."""
    data = attribute.data.data
    count = len(attribute)
    if count < 2:
        return False
    size = len(data) // count
    return data != data[:size] * count and attribute.is_splat()


def print_ir(op: Operation, fragments: tuple[SyntaxFragment, ...], *, generic: bool = False) -> str:
    """The text of an op (usually a module), custom or generic form."""
    stream = StringIO()
    printer = IRPrinter(stream=stream, fragments=fragments, generic=generic)
    printer.print_op(op)
    printer.print_resource_section()
    stream.write("\n")
    return stream.getvalue()
