"""What a rule reports: diagnostics, fixes and text edits (Ruff's shape)."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


class Applicability(str, enum.Enum):
    """How safe a fix is, in Ruff's terms."""

    SAFE = "safe"  # keeps behaviour: applied by --fix
    UNSAFE = "unsafe"  # changes behaviour: applied only with --unsafe-fixes
    DISPLAY_ONLY = "display-only"  # shown, never applied


@dataclass(frozen=True, order=True)
class Edit:
    """Replace ``text[start:end]`` by ``content`` (offsets into the decoded text)."""

    start: int
    end: int
    content: str


def splice(
    text: str, edits: list[Edit], start: int = 0, end: int | None = None
) -> tuple[str, list[tuple[int, int]]]:
    """``text[start:end]`` with ``edits`` (sorted, not overlapping, inside that
    range) applied, and where each edit's content lies in the result. The
    one place an edit is applied: the engine's fixes and a rule's preview of
    a rewritten call both go through it."""
    stop = len(text) if end is None else end
    pieces: list[str] = []
    spans: list[tuple[int, int]] = []
    cursor = start
    length = 0
    for item in edits:
        piece = text[cursor : item.start]
        pieces.append(piece)
        length += len(piece)
        pieces.append(item.content)
        spans.append((length, length + len(item.content)))
        length += len(item.content)
        cursor = item.end
    pieces.append(text[cursor:stop])
    return "".join(pieces), spans


@dataclass(frozen=True)
class Fix:
    applicability: Applicability
    message: str
    edits: tuple[Edit, ...] = ()


@dataclass
class Diagnostic:
    code: str
    name: str
    message: str
    path: str
    row: int
    column: int  # 1-based
    end_row: int
    end_column: int
    fix: Fix | None = None
    cell: int | None = None  # notebook cell, 1-based
    source_line: str = ""
    # The rows where a noqa comment suppresses this finding; the first is
    # where Ruff puts it (`noqa_row` in JSON, where --add-noqa writes): the
    # start row, carried to the end of a multi-line string or a backslash
    # continuation it lies in. Empty: the finding's own rows.
    noqa_rows: tuple[int, ...] = ()
    # An internal error of kerasfix on this file (never cached, never
    # suppressed), not a finding about the code.
    internal: bool = False
    # Filled by the engine once the rule has run, for output.
    edit_positions: list[tuple[tuple[int, int], tuple[int, int]]] = field(default_factory=list)

    @property
    def noqa_row(self) -> int:
        return self.noqa_rows[0] if self.noqa_rows else self.row

    @property
    def sort_key(self) -> tuple[str, int, int, int, str]:
        return (self.path, self.cell or 0, self.row, self.column, self.code)
