"""The engine: a short pipeline of named stages over one file at a time.

1. read — bytes to text, keeping encoding, BOM and line endings
   (:mod:`kerasfix.source`; notebooks: :mod:`kerasfix.engine.notebook`);
2. triage — which rules can fire, from the text alone (:mod:`kerasfix.engine.triage`);
3. parse — CPython's own parser, once (:mod:`kerasfix.engine.parsing`);
4. analyse — every rule reads the same facts (:mod:`kerasfix.analysis.context`);
5. fix — the non-conflicting fixes, pass after pass (:mod:`kerasfix.engine.fixing`);
6. verify — the result parses and nothing untouched changed (:mod:`kerasfix.engine.fixing`);
7. write — atomically, or not at all (:mod:`kerasfix.source`).

CPython's parser is the definition of what Python accepts, ten times faster
than LibCST, and its nodes carry the exact positions every report and text
edit needs. Nothing here imports TensorFlow or Keras.
"""

from __future__ import annotations

import gc
import os
import stat
import traceback
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from kerasfix import knowledge as kb
from kerasfix import noqa
from kerasfix.analysis import reads
from kerasfix.diagnostic import Applicability, Diagnostic, Fix, splice
from kerasfix.engine.fixing import FixVerificationError, applicable, apply_fixes, verify
from kerasfix.engine.parsing import error_diagnostic, parse_python, python_syntax_error
from kerasfix.noqa import Suppressions
from kerasfix.settings import Settings
from kerasfix.source import DecodedSource, LineIndex, SourceError, decode, write_atomic

if TYPE_CHECKING:
    from kerasfix.engine.triage import Scanner

MAX_FIX_PASSES = 8


@dataclass
class FileResult:
    path: str
    diagnostics: list[Diagnostic] = field(default_factory=list)
    fixed: int = 0  # fixes applied
    fixed_codes: dict[str, int] = field(default_factory=dict)
    original: str | None = None
    new_text: str | None = None  # set when fixes changed the text
    decoded: DecodedSource | None = None
    parsed: bool = False
    digest: str | None = None  # content hash of the bytes read, when asked for
    # notebooks: cell index -> (old source, new source) of the cells fixes changed
    cells: dict[int, tuple[str, str]] | None = None
    # the other project modules the analysis read: the result holds only
    # while they are unchanged (so it is not cached by this file's content)
    depends: frozenset[str] = frozenset()

    @property
    def changed(self) -> bool:
        return self.new_text is not None and self.new_text != self.original


def _rules(settings: Settings) -> list[type]:
    from kerasfix.rules import ALL_RULES

    return [rule for rule in ALL_RULES if settings.enabled(rule.code)]


def _internal_error(path: str, exc: BaseException) -> Diagnostic:
    cause = f"{type(exc).__name__}: {exc}".splitlines()[0][:200]
    if os.environ.get("KERASFIX_TRACEBACK"):
        traceback.print_exception(type(exc), exc, exc.__traceback__)
    return error_diagnostic(path, f"internal error: {cause}", internal=True)


def lint_text(text: str, path: str, settings: Settings) -> tuple[list[Diagnostic], bool]:
    """All diagnostics for one text (suppressions applied), and whether it was parsed."""
    suppressions: Suppressions | None = None
    if noqa.may_have_directives(text):
        suppressions = noqa.read(text)
        if suppressions.skip_file:
            return [], False
    diagnostics, parsed = _lint(text, path, settings)
    if not diagnostics and suppressions is None:
        return diagnostics, parsed
    lines = LineIndex(text)
    if suppressions is not None:
        diagnostics = [d for d in diagnostics if d.internal or not suppressions.suppresses(d)]
        diagnostics.extend(_unused_noqa(text, path, settings, suppressions, lines, parsed))
        diagnostics.sort(key=lambda d: d.sort_key)
    for diagnostic in diagnostics:
        _fill_edit_positions(diagnostic, lines)
    return diagnostics, parsed


def _lint(text: str, path: str, settings: Settings) -> tuple[list[Diagnostic], bool]:
    if settings.prefilter:
        from kerasfix.rules import ANCHORS

        if not any(anchor in text for anchor in ANCHORS):
            return _unchecked(text, path)  # no rule can fire: not even the rules are loaded
    rules = _rules(settings)
    rules = [r for r in rules if not r.meta and not _ignored_for_path(r.code, path, settings)]
    from kerasfix.engine.triage import scanner

    scan = scanner(rules) if settings.prefilter else None
    if scan is not None:
        rules = scan.candidates(text, path)
    if not rules:
        return _unchecked(text, path)
    if not gc.isenabled():
        return _analyse(text, path, settings, rules, scan)
    # Parsing builds hundreds of thousands of objects that live until the
    # file is done; the cyclic collector would walk them again and again
    # (a fifth of the time) to free none. It runs once, after the file.
    gc.disable()
    try:
        return _analyse(text, path, settings, rules, scan)
    finally:
        gc.enable()


def _unchecked(text: str, path: str) -> tuple[list[Diagnostic], bool]:
    """A text no rule can fire in: nothing to say, unless it is Keras code
    that does not parse (which must never pass silently). Keras's and TensorFlow's
    own modules are not code to migrate (the rules leave their old APIs alone): one
    no rule looks at is not syntax-checked either, as a file that does not refer to
    Keras is not (the check cost two thirds of a cold run over their sources)."""
    from kerasfix.engine.triage import refers_to_keras

    if not kb.inside_keras_or_tensorflow(path) and refers_to_keras(text):
        problem = python_syntax_error(text, path)
        if problem is not None:
            return [problem], False
    return [], False


def _unused_noqa(
    text: str,
    path: str,
    settings: Settings,
    suppressions: Suppressions,
    lines: LineIndex,
    parsed: bool,
) -> list[Diagnostic]:
    """KF900: the kerasfix codes of ``# noqa`` comments that suppressed
    nothing, and codes that name no rule."""
    from kerasfix.rules import PARSE_ERROR_CODE, all_codes, rule_by_code

    code = "KF900"
    if not settings.enabled(code) or _ignored_for_path(code, path, settings):
        return []
    if code in suppressions.file_codes:
        return []
    known = set(all_codes())
    checked = False
    found = []
    for directive in suppressions.directives:
        if directive.codes is None or code in directive.codes:
            continue
        unused, unknown = [], []
        for listed in directive.codes:
            if not listed.startswith("KF") or listed == PARSE_ERROR_CODE:
                continue
            if listed not in known:
                unknown.append(listed)
            elif (
                settings.enabled(listed)
                and not _ignored_for_path(listed, path, settings)
                and listed not in directive.used
            ):
                unused.append(listed)
        if not unused and not unknown:
            continue
        if not parsed and not checked:
            # the rules did not run: the codes are unused only if the file
            # is Python at all
            if python_syntax_error(text, path) is not None:
                return []
            checked = True
        parts = []
        if unused:
            parts.append("unused: " + ", ".join(f"`{c}`" for c in unused))
        if unknown:
            parts.append("unknown: " + ", ".join(f"`{c}`" for c in unknown))
        row, column = lines.position(directive.start)
        end_row, end_column = lines.position(directive.end)
        rule = rule_by_code(code)
        assert rule is not None
        edit = noqa.removal_edit(text, directive, unused + unknown)
        found.append(
            Diagnostic(
                code=code,
                name=rule.name,
                message=f"Unused `noqa` directive ({'; '.join(parts)})",
                path=path,
                row=row,
                column=column,
                end_row=end_row,
                end_column=end_column,
                fix=Fix(Applicability.SAFE, "Remove the unused `noqa` codes", (edit,)),
                source_line=lines.line(row),
            )
        )
    return found


def _analyse(
    text: str, path: str, settings: Settings, rules: list[type], scan: Scanner | None
) -> tuple[list[Diagnostic], bool]:
    """Parse and check a text that passed the text tests."""
    tree, problem = parse_python(text, path)
    if problem is not None:
        return [problem], False
    assert tree is not None
    if scan is not None and scan.needs_facts(rules):
        from kerasfix.analysis.quick import facts

        known = facts(tree)
        known.path = path.replace("\\", "/")
        rules = scan.confirmed(known, rules)
        if not rules:
            return [], True
    from kerasfix.analysis.context import Context

    ctx = Context(path, text, tree, settings)  # type: ignore[arg-type]
    diagnostics: list[Diagnostic] = []
    try:
        for rule in rules:
            try:
                diagnostics.extend(rule.check(ctx))
            except RecursionError as exc:
                diagnostics.append(_internal_error(path, exc))
            except Exception as exc:  # noqa: BLE001 - one rule's bug must not stop the run
                diagnostics.append(_internal_error(path, exc))
    finally:
        ctx.release()
    diagnostics = _dedupe(diagnostics)
    diagnostics.sort(key=lambda d: d.sort_key)
    return diagnostics, True


def _ignored_for_path(code: str, path: str, settings: Settings) -> bool:
    return settings.ignored_for(code, path)


def _dedupe(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    seen: set[tuple[str, int, int, str]] = set()
    unique = []
    for d in diagnostics:
        key = (d.code, d.row, d.column, d.message)
        if key not in seen:
            seen.add(key)
            unique.append(d)
    return unique


def _fill_edit_positions(diagnostic: Diagnostic, lines: LineIndex) -> None:
    if diagnostic.fix is None:
        return
    diagnostic.edit_positions = [
        (lines.position(edit.start), lines.position(edit.end)) for edit in diagnostic.fix.edits
    ]


def fix_text(
    text: str, path: str, settings: Settings
) -> tuple[str, list[str], list[Diagnostic], bool]:
    """Fix until nothing more applies. Returns the new text, the codes of the
    fixes applied, the diagnostics left, and whether the text was parsed."""
    allowed = applicable(settings)
    fixed: list[str] = []
    diagnostics, parsed = lint_text(text, path, settings)
    for _ in range(MAX_FIX_PASSES):
        applied = apply_fixes(text, diagnostics, allowed)
        if not applied.codes:
            break
        verify(text, applied)
        text = applied.text
        fixed.extend(applied.codes)
        diagnostics, parsed = lint_text(text, path, settings)
    return text, fixed, diagnostics, parsed


def process_text(text: str, path: str, settings: Settings, fix: bool) -> FileResult:
    result = FileResult(path, original=text)
    try:
        if fix:
            new_text, fixed, diagnostics, parsed = fix_text(text, path, settings)
            result.new_text = new_text if fixed else None
            result.fixed = len(fixed)
            for code in fixed:
                result.fixed_codes[code] = result.fixed_codes.get(code, 0) + 1
        else:
            diagnostics, parsed = lint_text(text, path, settings)
        result.diagnostics = diagnostics
        result.parsed = parsed
    except FixVerificationError as exc:
        result.diagnostics = [error_diagnostic(path, f"internal error: {exc}", internal=True)]
        result.new_text = None
        result.fixed = 0
        result.fixed_codes = {}
    except RecursionError as exc:
        result.diagnostics = [_internal_error(path, exc)]
    except Exception as exc:  # noqa: BLE001 - never a traceback for one bad file
        result.diagnostics = [_internal_error(path, exc)]
    return result


def process_path(
    path: str, settings: Settings, fix: bool, write: bool, digest: bool = False
) -> FileResult:
    """Read, check (and fix) one file; write it back if asked and changed.
    With ``digest``, the result carries the hash of the bytes it read."""
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return FileResult(path, [error_diagnostic(path, "not a regular file")])
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        return FileResult(path, [error_diagnostic(path, f"cannot read file: {reason}")])
    if digest:
        from kerasfix.engine.cache import content_hash

        hashed = content_hash(data)
    try:
        decoded = decode(data)
    except SourceError as exc:
        failed = FileResult(path, [error_diagnostic(path, exc.message, exc.row, exc.column)])
        failed.digest = hashed if digest else None
        return failed
    reads.start_file()
    if path.endswith(".ipynb"):
        result = process_notebook(decoded.text, path, settings, fix)
    else:
        result = process_text(decoded.text, path, settings, fix)
    result.depends = reads.files_used()
    result.decoded = decoded
    result.digest = hashed if digest else None
    if write:
        write_result(result)
    return result


def process_notebook(raw: str, path: str, settings: Settings, fix: bool) -> FileResult:
    """A notebook: its code cells checked (and fixed) as one module."""
    from kerasfix.engine.notebook import Notebook, NotebookError

    try:
        notebook = Notebook.parse(raw)
    except NotebookError as exc:
        return FileResult(path, [error_diagnostic(path, str(exc))])
    if not notebook.python:
        return FileResult(path, original=raw)  # another language's kernel: not checked
    result = process_text(notebook.virtual, path, settings, fix)
    result.diagnostics = [
        notebook.map_diagnostic(d) if not d.internal else d for d in result.diagnostics
    ]
    virtual_new = result.new_text
    result.original = raw
    result.new_text = None
    if fix and virtual_new is not None and virtual_new != notebook.virtual:
        try:
            changed = notebook.changed_cells(virtual_new)
            result.new_text = notebook.render(changed) if changed else None
            result.cells = changed
        except NotebookError as exc:
            result.diagnostics.append(error_diagnostic(path, f"not rewritten: {exc}"))
            result.fixed = 0
            result.fixed_codes = {}
    return result


def write_result(result: FileResult) -> None:
    """Write a fixed file back atomically; report (not raise) a failure."""
    if not result.changed or result.new_text is None or result.decoded is None:
        return
    try:
        write_atomic(result.path, result.decoded.encode(result.new_text))
    except (OSError, UnicodeEncodeError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        result.diagnostics.append(error_diagnostic(result.path, f"cannot write file: {reason}"))
        result.new_text = None
        result.fixed = 0
        result.fixed_codes = {}


def add_noqa(result: FileResult) -> int:
    """Add ``# noqa: CODE`` for each of a file's findings where Ruff would
    put it (for adopting kerasfix on a legacy repository in one step).
    Returns the directives written."""
    import ast

    text = result.original if result.original is not None else None
    wanted: dict[int, set[str]] = {}
    for d in result.diagnostics:
        if d.code not in ("KF000", "KF900") and not d.internal and d.cell is None:
            wanted.setdefault(d.noqa_row, set()).add(d.code)
    if text is None or not wanted:
        return 0
    lines = LineIndex(text)
    edits = noqa.add_edits(text, lines, noqa.read(text, lines), wanted)
    new, _ = splice(text, sorted(edits))
    try:
        same = ast.dump(ast.parse(new)) == ast.dump(ast.parse(text))
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        same = False
    if not same:
        return 0  # never change what the program means: leave the file alone
    result.new_text = new
    return len(edits)


def add_noqa_notebook(result: FileResult, settings: Settings) -> int:
    """``add_noqa`` for a notebook: the suppressions go into the cells."""
    from kerasfix.engine.notebook import Notebook, NotebookError

    if result.original is None:
        return 0
    try:
        notebook = Notebook.parse(result.original)
        diagnostics, _ = lint_text(notebook.virtual, result.path, settings)
        virtual = FileResult(result.path, diagnostics, original=notebook.virtual)
        count = add_noqa(virtual)
        if not count or virtual.new_text is None:
            return 0
        changed = notebook.changed_cells(virtual.new_text)
        result.new_text = notebook.render(changed)
    except NotebookError:
        return 0
    return count


# -- the Python API -----------------------------------------------------------


def check_source(
    source: str, path: str = "<string>", settings: Settings | None = None
) -> list[Diagnostic]:
    """Diagnostics for a piece of source code."""
    return process_text(source, path, settings or Settings(), fix=False).diagnostics


def fix_source(source: str, path: str = "<string>", settings: Settings | None = None) -> str:
    """The source with every applicable fix applied."""
    result = process_text(source, path, settings or Settings(), fix=True)
    return result.new_text if result.new_text is not None else source
