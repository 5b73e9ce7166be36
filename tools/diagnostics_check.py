"""--verify-diagnostics: match errors against `// expected-error@+1 {{...}}` comments, as mlir-opt does."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from tessel.dialects.diagnostics import IRError

_EXPECTATION = re.compile(r"expected-(error|warning|note|remark)\s*(?:@([+-]\d+|above|below))?\s*\{\{(.*?)\}\}")


@dataclass
class Expectation:
    line: int
    """The line the diagnostic must be reported on."""
    comment_line: int
    message: str
    matched: bool = False


def expectations(text: str) -> list[Expectation]:
    """Every expected-error comment in the text, with the line it targets."""
    found: list[Expectation] = []
    for number, line in enumerate(text.splitlines(), start=1):
        for match in _EXPECTATION.finditer(line):
            offset = match.group(2)
            target = number
            if offset in ("above", "below"):
                target = number - 1 if offset == "above" else number + 1
            elif offset:
                target = number + int(offset)
            found.append(Expectation(target, number, match.group(3)))
    return found


def check_diagnostics(text: str, filename: str, errors: Sequence[IRError]) -> list[str]:
    """Problems: errors nobody expected, and expectations no error met. Empty means all matched."""
    expected = expectations(text)
    problems: list[str] = []
    for error in errors:
        line = error.location.line if error.location else 0
        match = next((e for e in expected if not e.matched and e.line == line and e.message in error.message), None)
        if match is None:
            problems.append(f"unexpected error: {error.render()}")
        else:
            match.matched = True
    for expectation in expected:
        if not expectation.matched:
            problems.append(
                f'{filename}:{expectation.comment_line}: error: expected error "{expectation.message}" '
                f"on line {expectation.line} was not produced"
            )
    return problems
