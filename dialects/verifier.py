"""Verify a module op by op, so a failure names the op and where it was written."""

from __future__ import annotations

from collections.abc import Mapping

from xdsl.ir import Operation
from xdsl.utils.exceptions import DiagnosticException

from tessel.dialects.diagnostics import SourceLocation, VerifyError


def nearest_location(op: Operation, locations: Mapping[Operation, SourceLocation]) -> SourceLocation | None:
    """Where `op` was written, or else its closest ancestor (ops made by passes have no text)."""
    current: Operation | None = op
    while current is not None:
        if current in locations:
            return locations[current]
        current = current.parent_op()
    return None


def verify_located(
    root: Operation,
    locations: Mapping[Operation, SourceLocation] | None = None,
    source: str | None = None,
    context: str = "",
) -> None:
    """Verify every op, innermost first; raise VerifyError naming the op and its location."""
    locations = locations or {}
    for op in root.walk(region_first=True):
        try:
            op.verify(verify_nested_ops=False)
        except (DiagnosticException, ValueError) as err:
            detail = str(err).strip().splitlines()[-1] if str(err).strip() else type(err).__name__
            detail = detail.removeprefix("Operation does not verify: ").removeprefix(f"{op.name}: ")
            message = f"'{op.name}' op {detail}{context}"
            raise VerifyError(message, nearest_location(op, locations), source) from err
