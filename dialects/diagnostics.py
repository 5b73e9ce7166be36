"""Source locations and located errors: `file:line:col: error: ...`, the line, a caret."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SourceLocation:
    """A 1-based line and column in a named source text."""

    filename: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.filename}:{self.line}:{self.column}"


class IRError(Exception):
    """An error in IR text or IR, optionally located in its source."""

    def __init__(self, message: str, location: SourceLocation | None = None, source: str | None = None):
        super().__init__(message)
        self.message = message
        self.location = location
        self.source = source

    def render(self) -> str:
        """The error as a compiler prints it: location, message, source line and caret."""
        if self.location is None:
            return f"error: {self.message}"
        text = f"{self.location}: error: {self.message}"
        if self.source is not None:
            lines = self.source.splitlines()
            if 0 < self.location.line <= len(lines):
                line = lines[self.location.line - 1]
                # keep the line's tabs so the caret lines up however tabs are shown
                indent = "".join(c if c == "\t" else " " for c in line[: self.location.column - 1])
                caret = indent + "^"
                text += f"\n{line}\n{caret}"
        return text

    def __str__(self) -> str:
        return self.render()


class ParseError(IRError):
    """Malformed IR text: a syntax error or a semantic error found while reading it."""


class VerifyError(IRError):
    """IR that parsed but does not verify."""
