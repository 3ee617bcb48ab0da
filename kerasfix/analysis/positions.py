"""Where a node of CPython's tree is in the text, as string offsets.

CPython gives each node its first and last line and, on those lines, the
column in UTF-8 bytes. A line of ASCII (almost every line of code) has the
same columns in bytes and characters; the others are decoded once.
"""

from __future__ import annotations

import ast

from kerasfix.source import LineIndex


class Positions:
    def __init__(self, text: str, lines: LineIndex) -> None:
        self.text = text
        self.lines = lines
        self._wide: dict[int, bytes] = {}  # rows that are not ASCII, encoded

    def offset(self, row: int, byte_column: int) -> int:
        """The offset of a 1-based row and a 0-based UTF-8 byte column."""
        lines = self.lines
        start = lines.starts[row - 1]
        encoded = self._wide.get(row)
        if encoded is None:
            end = lines.starts[row] if row < len(lines.starts) else len(self.text)
            line = self.text[start:end]
            if line.isascii():
                return start + byte_column
            encoded = self._wide[row] = line.encode("utf-8", "surrogatepass")
        return start + len(encoded[:byte_column].decode("utf-8", "surrogatepass"))

    def span(self, node: ast.AST) -> tuple[int, int]:
        """Start and end offsets of ``node`` (without enclosing parentheses)."""
        return (
            self.offset(node.lineno, node.col_offset),  # type: ignore[attr-defined]
            self.offset(node.end_lineno, node.end_col_offset),  # type: ignore[attr-defined]
        )
