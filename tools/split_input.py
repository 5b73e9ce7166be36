"""Split an input file at `// -----` lines, keeping each chunk's true line numbers."""

from __future__ import annotations


def split_input(text: str, marker: str) -> list[str]:
    """The chunks between marker lines; each is padded with blank lines so its lines keep their numbers."""
    chunks: list[str] = []
    current: list[str] = []
    first_line = 0
    for number, line in enumerate(text.splitlines(keepends=True)):
        if line.strip() == marker or line.rstrip("\n").startswith(marker + " "):
            chunks.append("\n" * first_line + "".join(current))
            current, first_line = [], number + 1
        else:
            current.append(line)
    chunks.append("\n" * first_line + "".join(current))
    return chunks
