"""Suppression comments, read as Python reads comments.

``# noqa`` and ``# noqa: KF001, KF002`` on a line suppress findings there;
``# kerasfix: noqa`` on a line of its own skips the file, and
``# kerasfix: noqa: KF001`` suppresses one code in the whole file. Only real
comments count: the tokenizer says which ``#`` starts one, so a ``# noqa``
inside a string or a docstring suppresses nothing.

A finding's noqa goes where Ruff puts it: on its first row, carried to the
last row of a multi-line string or a backslash continuation that row lies
in (a comment cannot go anywhere earlier). The end of the logical line the
finding starts on is accepted too, and so are its first and last rows.
"""

from __future__ import annotations

import io
import re
import tokenize
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from kerasfix.diagnostic import Diagnostic, Edit
from kerasfix.source import LineIndex

# a noqa directive and an optional code list, anywhere in a comment
NOQA = re.compile(
    r"#\s*noqa(?::[ \t]*(?P<codes>[A-Z]+[0-9]+(?:(?:[ \t]*,[ \t]*|[ \t]+)[A-Z]+[0-9]+)*))?",
    re.IGNORECASE,
)
# a whole comment that is a file-level directive
FILE_NOQA = re.compile(
    r"#\s*kerasfix\s*:\s*noqa(?:\s*:\s*(?P<codes>[A-Z]+[0-9]+(?:[\s,]+[A-Z]+[0-9]+)*))?\s*",
    re.IGNORECASE,
)
_CODE = re.compile(r"[A-Za-z]+[0-9]+")


@dataclass(eq=False)
class Directive:
    """One ``# noqa`` in a comment: where it is, and the codes it lists
    (None: a bare ``# noqa``, which suppresses every code)."""

    row: int
    start: int  # offset of the directive's `#`
    end: int  # offset after its last code (or after `noqa`)
    comment_start: int  # offset of the comment's own `#`
    comment_end: int
    codes: tuple[str, ...] | None
    code_spans: tuple[tuple[int, int], ...] = ()
    used: set[str] = field(default_factory=set)  # codes that suppressed something
    used_bare: bool = False


@dataclass
class Suppressions:
    by_row: dict[int, Directive] = field(default_factory=dict)
    skip_file: bool = False  # a bare `# kerasfix: noqa`
    file_codes: frozenset[str] = frozenset()  # `# kerasfix: noqa: KF001`

    @property
    def directives(self) -> list[Directive]:
        return sorted(self.by_row.values(), key=lambda d: d.start)

    def suppresses(self, diagnostic: Diagnostic) -> bool:
        """Whether a directive suppresses ``diagnostic`` (and mark it used)."""
        if diagnostic.code in self.file_codes:
            return True
        rows = {diagnostic.row, diagnostic.end_row, *diagnostic.noqa_rows}
        hit = False
        for row in sorted(rows):
            directive = self.by_row.get(row)
            if directive is None:
                continue
            if directive.codes is None:
                directive.used_bare = True
                hit = True
            elif diagnostic.code in directive.codes:
                directive.used.add(diagnostic.code)
                hit = True
        return hit


def may_have_directives(text: str) -> bool:
    """Whether ``noqa`` is in the text in any case (a superset of where a directive can be:
    ``casefold`` and a substring search cost a quarter of a case-insensitive regex's)."""
    return "noqa" in text or "noqa" in text.casefold()


_CANDIDATE = re.compile(r"#[^\r\n]*noqa", re.IGNORECASE)


def comments(text: str) -> Iterator[tokenize.TokenInfo]:
    """The comment tokens of a text that may hold a directive; none if it
    does not tokenize. Tokenizing stops after the last line where a ``#``
    is followed by ``noqa``."""
    starts = [match.start() for match in _CANDIDATE.finditer(text)]
    if not starts:
        return
    last_row = text.count("\n", 0, starts[-1]) + 1
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type == tokenize.COMMENT:
                yield token
            elif token.start[0] > last_row:
                return
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return


def read(text: str, lines: LineIndex | None = None) -> Suppressions:
    """Every suppression directive in the text's real comments."""
    found = Suppressions()
    if not may_have_directives(text):
        return found
    lines = lines or LineIndex(text)
    for token in comments(text):
        row, column = token.start
        comment = token.string
        offset = lines.offset(row, column)
        whole = FILE_NOQA.fullmatch(comment)
        if whole is not None:
            if lines.line(row)[:column].strip():
                continue  # file-level directives stand on their own line
            if whole.group("codes") is None:
                found.skip_file = True
            else:
                codes = {c.upper() for c in _CODE.findall(whole.group("codes"))}
                found.file_codes = found.file_codes | codes
            continue
        match = NOQA.search(comment)
        if match is None:
            continue
        codes_text = match.group("codes")
        codes: tuple[str, ...] | None = None
        spans: tuple[tuple[int, int], ...] = ()
        if codes_text is not None:
            base = offset + match.start("codes")
            pieces = list(_CODE.finditer(codes_text))
            codes = tuple(p.group(0).upper() for p in pieces)
            spans = tuple((base + p.start(), base + p.end()) for p in pieces)
        found.by_row[row] = Directive(
            row,
            offset + match.start(),
            offset + match.end(),
            offset,
            offset + len(comment),
            codes,
            spans,
        )
    return found


def noqa_rows(text_lines: LineIndex, first_row: int, row: int) -> tuple[int, ...]:
    """(Ruff's noqa row, end of the logical line) for a finding on ``row``
    of a statement whose first line is ``first_row``."""
    if first_row > row:
        return (row,)

    def readline() -> Iterator[str]:
        for r in range(first_row, len(text_lines.starts) + 1):
            start = text_lines.starts[r - 1]
            end = text_lines.starts[r] if r < len(text_lines.starts) else len(text_lines.text)
            yield text_lines.text[start:end]

    source = readline()
    # rows joined by multi-line tokens and backslash continuations
    joined: dict[int, int] = {}
    last_row = first_row
    previous_type = tokenize.NEWLINE
    try:
        for token in tokenize.generate_tokens(lambda: next(source, "")):
            start_row = token.start[0] + first_row - 1
            end_row = token.end[0] + first_row - 1
            if (
                start_row > last_row
                and previous_type not in (tokenize.NL, tokenize.NEWLINE, tokenize.COMMENT)
                and token.type not in (tokenize.DEDENT, tokenize.ENDMARKER)
            ):
                for r in range(last_row, start_row):
                    joined[r] = start_row  # a backslash continuation
            if end_row > start_row:
                for r in range(start_row, end_row):
                    joined[r] = end_row  # a multi-line string
            if token.type == tokenize.NEWLINE and end_row >= row:
                logical_end = start_row
                break
            if token.type not in (tokenize.INDENT, tokenize.DEDENT):
                previous_type = token.type
            last_row = end_row
        else:
            return (row,)
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return (row,)
    target = row
    while target in joined:
        target = joined[target]
    return (target, logical_end) if logical_end != target else (target,)


def add_edits(
    text: str, lines: LineIndex, suppressions: Suppressions, wanted: dict[int, set[str]]
) -> list[Edit]:
    """Edits that add ``# noqa: CODES`` for each row in ``wanted`` (merged
    into a directive already on the row)."""
    edits: list[Edit] = []
    for row, codes in sorted(wanted.items()):
        directive = suppressions.by_row.get(row)
        if directive is not None:
            if directive.codes is None:
                continue
            missing = sorted(codes - set(directive.codes))
            if missing:
                edits.append(Edit(directive.end, directive.end, ", " + ", ".join(missing)))
            continue
        line = lines.line(row)
        end = lines.offset(row, len(line.rstrip(" \t\f")))
        edits.append(Edit(end, end, f"  # noqa: {', '.join(sorted(codes))}"))
    return edits


def removal_edit(text: str, directive: Directive, remove: Iterable[str]) -> Edit:
    """The edit that drops ``remove`` from a directive's codes, or the
    directive itself when no code is left (the comment with it, when the
    directive was all of it)."""
    drop = set(remove)
    assert directive.codes is not None
    kept = [c for c in directive.codes if c not in drop]
    if kept:
        first, last = directive.code_spans[0][0], directive.code_spans[-1][1]
        return Edit(first, last, ", ".join(kept))
    start, end = directive.start, directive.end
    rest_after = text[end : directive.comment_end]
    if start == directive.comment_start and not rest_after.strip():
        # the comment is only the directive: take the blanks before it too
        while start > 0 and text[start - 1] in " \t":
            start -= 1
        return Edit(start, directive.comment_end, "")
    if rest_after.strip():
        return Edit(start, end, "#" if start == directive.comment_start else "")
    # a reason, then the directive: drop the directive and the blanks before it
    while start > directive.comment_start and text[start - 1] in " \t":
        start -= 1
    return Edit(start, end, "")
