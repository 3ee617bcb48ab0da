"""Fixing and verifying, the engine's fifth and sixth stages: apply the fixes
that do not conflict, then write nothing unless the result parses and every
statement no edit touched is unchanged.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from dataclasses import dataclass, field

from kerasfix.diagnostic import Applicability, Diagnostic, Edit, splice
from kerasfix.engine.parsing import python_syntax_error
from kerasfix.settings import Settings
from kerasfix.source import LineIndex


class FixVerificationError(Exception):
    """A fix produced code that does not parse: it is never written."""


def applicable(settings: Settings) -> frozenset[Applicability]:
    if settings.unsafe_fixes:
        return frozenset({Applicability.SAFE, Applicability.UNSAFE})
    return frozenset({Applicability.SAFE})


def _conflicts(edit: Edit, other: Edit) -> bool:
    if edit.start < other.end and other.start < edit.end:
        return True
    # two edits at the same point, one of them an insertion: order is ambiguous
    return edit.start == other.start and (edit.start == edit.end or other.start == other.end)


@dataclass
class AppliedFixes:
    text: str
    codes: list[str]
    # (start, end) in the old text and (start, end) in the new text, per edit
    old_spans: list[tuple[int, int]] = field(default_factory=list)
    new_spans: list[tuple[int, int]] = field(default_factory=list)


def apply_fixes(
    text: str, diagnostics: Iterable[Diagnostic], allowed: frozenset[Applicability]
) -> AppliedFixes:
    """Apply every non-conflicting allowed fix (conflicting ones wait for the
    next pass)."""
    accepted: list[Edit] = []
    accepted_set: set[Edit] = set()
    applied: list[str] = []
    for diagnostic in diagnostics:
        fix = diagnostic.fix
        if fix is None or fix.applicability not in allowed or not fix.edits:
            continue
        new = [e for e in fix.edits if e not in accepted_set]
        if any(_conflicts(e, a) for e in new for a in accepted):
            continue
        accepted.extend(new)
        accepted_set.update(new)
        applied.append(diagnostic.code)
    result = AppliedFixes(text, applied)
    if not applied:
        return result
    accepted.sort()
    result.text, result.new_spans = splice(text, accepted)
    result.old_spans = [(edit.start, edit.end) for edit in accepted]
    return result


def verify(old: str, applied: AppliedFixes) -> None:
    """A fix is written only if the new text parses and every statement that
    no edit touched is unchanged, in the same order."""
    new = applied.text
    if python_syntax_error(new, "<fixed>") is not None:
        raise FixVerificationError("a fix produced code that does not parse")
    before = _untouched_statements(old, applied.old_spans)
    after = _untouched_statements(new, applied.new_spans)
    if before != after:
        raise FixVerificationError("a fix changed code outside the nodes it meant to change")


def _untouched_statements(text: str, spans: list[tuple[int, int]]) -> list[str]:
    """ast dumps of the statements (at every depth) that no span overlaps."""
    lines = LineIndex(text)
    # rows each span covers; an insertion at the start of a line touches only
    # a statement that began on an earlier line
    rows: list[tuple[int, int, bool]] = []
    for a, b in spans:
        row, column = lines.position(a)
        if a == b:
            rows.append((row, row, column == 1))
        else:
            rows.append((row, lines.position(b - 1)[0], False))
    tree = ast.parse(text)
    kept: list[str] = []

    def touches(first: int, last: int, lo: int, hi: int, at_line_start: bool) -> bool:
        if at_line_start:
            return first < lo <= last
        return first <= hi and lo <= last

    def visit(body: list[ast.stmt]) -> None:
        for stmt in body:
            first, last = stmt.lineno, stmt.end_lineno or stmt.lineno
            for decorator in getattr(stmt, "decorator_list", ()):  # a def's lines start at them
                first = min(first, decorator.lineno)
            touched = any(touches(first, last, *span) for span in rows)
            if not touched:
                kept.append(ast.dump(stmt))
                continue
            for field_name in ("body", "orelse", "finalbody", "handlers"):
                child = getattr(stmt, field_name, None)
                if isinstance(child, list):
                    visit([c for c in child if isinstance(c, ast.stmt)])
                    for handler in child:
                        if isinstance(handler, ast.ExceptHandler):
                            visit(handler.body)

    visit(tree.body)
    return kept
