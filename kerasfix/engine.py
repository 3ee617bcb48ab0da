"""The engine: read → skip what cannot match → parse once → every rule reads
the same facts → diagnostics and fixes → verify → write atomically.

Files are parsed once, by CPython's own parser (``ast``): it is the
definition of what Python accepts, ten times faster than LibCST, and its
nodes carry the exact positions every report and text edit needs. Nothing
here imports TensorFlow or Keras.
"""

from __future__ import annotations

import gc
import os
import re
import stat
import traceback
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from kerasfix import noqa
from kerasfix.diagnostic import Applicability, Diagnostic, Edit, Fix, splice
from kerasfix.noqa import Suppressions
from kerasfix.settings import Settings
from kerasfix.source import DecodedSource, LineIndex, SourceError, decode, write_atomic

MAX_FIX_PASSES = 8


class FixVerificationError(Exception):
    """A fix produced code that does not parse: it is never written."""


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

    @property
    def changed(self) -> bool:
        return self.new_text is not None and self.new_text != self.original


def _rules(settings: Settings) -> list[type]:
    from kerasfix.rules import ALL_RULES

    return [rule for rule in ALL_RULES if settings.enabled(rule.code)]


_TRIGGER_ORDER: dict[type, tuple[tuple[object, ...], ...]] = {}


def _ordered_triggers(rule: type) -> tuple[tuple[object, ...], ...]:
    """A rule's trigger groups, smallest first: one-word groups such as
    "keras" are shared by most rules (tested once per file) and rule out
    most files before the long lists are scanned."""
    ordered = _TRIGGER_ORDER.get(rule)
    if ordered is None:
        from kerasfix.rules import ALL_RULES

        groups = [g for r in ALL_RULES for g in r.triggers]

        def cost(group: tuple[object, ...]) -> tuple[int, int, int]:
            # substring tests first, then regular expressions, then scanners;
            # among equals, the groups most rules share, then the shortest
            kind = max(
                0 if isinstance(a, str) else 1 if isinstance(a, re.Pattern) else 2 for a in group
            )
            return (kind, -groups.count(group), len(group))

        ordered = tuple(sorted(rule.triggers, key=cost))  # type: ignore[attr-defined]
        _TRIGGER_ORDER[rule] = ordered
    return ordered


def alternative_holds(alternative: object, text: str, path: str) -> bool:
    """One trigger alternative (substring, regex or scanner) on a text."""
    if isinstance(alternative, str):
        return alternative in text
    if isinstance(alternative, re.Pattern):
        return alternative.search(text) is not None
    return bool(alternative(text, path))  # type: ignore[operator]


def could_match(text: str, rules: Sequence[type], path: str = "") -> bool:
    """The cheap test before parsing: can any rule fire in this text?

    Each alternative is tested at most once per text (rules share many)."""
    seen: dict[object, bool] = {}
    for rule in rules:
        for group in _ordered_triggers(rule):
            for alternative in group:
                found = seen.get(alternative)
                if found is None:
                    found = seen[alternative] = alternative_holds(alternative, text, path)
                if found:
                    break
            else:
                break  # no alternative of this group: the rule cannot fire
        else:
            return True
    return False


def error_diagnostic(
    path: str, message: str, row: int = 1, column: int = 1, internal: bool = False
) -> Diagnostic:
    from kerasfix.rules import PARSE_ERROR_CODE, PARSE_ERROR_NAME

    return Diagnostic(
        code=PARSE_ERROR_CODE,
        name=PARSE_ERROR_NAME,
        message=message,
        path=path,
        row=row,
        column=column,
        end_row=row,
        end_column=column,
        internal=internal,
    )


def _internal_error(path: str, exc: BaseException) -> Diagnostic:
    cause = f"{type(exc).__name__}: {exc}".splitlines()[0][:200]
    if os.environ.get("KERASFIX_TRACEBACK"):
        traceback.print_exception(type(exc), exc, exc.__traceback__)
    return error_diagnostic(path, f"internal error: {cause}", internal=True)


# An import of Keras or TensorFlow's public API (not a package's own
# internals, `keras.src…`, `tensorflow.python…`), or `tf.keras`: a file that
# refers to Keras, which must parse or be reported.
_REFERS_TO_KERAS = re.compile(
    r"^[ \t]*(?:import[ \t]+(?:tensorflow|keras|tf_keras)"
    r"(?:[ \t]+as\b|[ \t]*[,;#\\\r\n]|[ \t]*$|[ \t]*\.[ \t]*(?!src\b|python\b)\w+)"
    r"|from[ \t]+(?:tensorflow|keras|tf_keras)"
    r"(?:[ \t]*\.[ \t]*(?!src\b|python\b|core\b|compiler\b|lite\b|tools\b)\w+)*"
    r"[ \t]+import\b)|\btf[ \t]*\.[ \t]*keras\b",
    re.MULTILINE,
)


def refers_to_keras(text: str) -> bool:
    """Whether the text imports Keras or TensorFlow (or uses ``tf.keras``).

    Only the lines that hold one of the words are matched (a search of the
    whole text tried the pattern at every character)."""
    for word in ("keras", "tensorflow"):
        start = text.find(word)
        while start >= 0:
            line_start = max(text.rfind("\n", 0, start), text.rfind("\r", 0, start)) + 1
            line_end = text.find("\n", start)
            line_end = len(text) if line_end < 0 else line_end
            if _REFERS_TO_KERAS.search(text, line_start, line_end + 1) is not None:
                return True
            start = text.find(word, line_end)
    return False


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
    if not rules or (settings.prefilter and not could_match(text, rules, path)):
        return _unchecked(text, path)
    if not gc.isenabled():
        return _analyse(text, path, settings, rules)
    # Parsing builds hundreds of thousands of objects that live until the
    # file is done; the cyclic collector would walk them again and again
    # (a fifth of the time) to free none. It runs once, after the file.
    gc.disable()
    try:
        return _analyse(text, path, settings, rules)
    finally:
        gc.enable()


def _unchecked(text: str, path: str) -> tuple[list[Diagnostic], bool]:
    """A text no rule can fire in: nothing to say, unless it is Keras code
    that does not parse (which must never pass silently)."""
    if refers_to_keras(text):
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
    text: str, path: str, settings: Settings, rules: list[type]
) -> tuple[list[Diagnostic], bool]:
    """Parse and check a text that passed the text tests."""
    tree, problem = parse_python(text, path)
    if problem is not None:
        return [problem], False
    assert tree is not None
    if settings.prefilter:
        from kerasfix.quick import facts

        known = facts(tree)
        known.path = path.replace("\\", "/")
        cheap = {rule for rule in rules if not rule.costly_filter and rule.may_fire(known)}
        # once the file is analysed, a costly filter saves less than it costs
        rules = [
            rule
            for rule in rules
            if rule in cheap or (rule.costly_filter and (cheap or rule.may_fire(known)))
        ]
        if not rules:
            return [], True
    from kerasfix.context import Context

    ctx = Context(path, text, tree, settings)  # type: ignore[arg-type]
    diagnostics: list[Diagnostic] = []
    for rule in rules:
        try:
            diagnostics.extend(rule.check(ctx))
        except RecursionError as exc:
            diagnostics.append(_internal_error(path, exc))
        except Exception as exc:  # noqa: BLE001 - one rule's bug must not stop the run
            diagnostics.append(_internal_error(path, exc))
    diagnostics = _dedupe(diagnostics)
    diagnostics.sort(key=lambda d: d.sort_key)
    return diagnostics, True


def python_syntax_error(text: str, path: str) -> Diagnostic | None:
    """KF000 if CPython's parser rejects the text, else None.

    Compiling to bytecode is cheaper than building the syntax tree's Python
    objects, and whatever compiles also parses; only a text that does not
    compile (which includes valid syntax such as a notebook's top-level
    ``await``) is parsed to decide and to say why.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(text, path, "exec", dont_inherit=True)
        return None
    except (SyntaxError, RecursionError, MemoryError, ValueError):
        pass
    return parse_python(text, path)[1]


def parse_python(text: str, path: str) -> tuple[object | None, Diagnostic | None]:
    """CPython's syntax tree, or the KF000 that says why it has none.

    Its messages and positions are precise, and it refuses nesting too deep
    to analyse with an exception, not a crash.
    """
    import ast
    import warnings

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = compile(text, path, "exec", flags=ast.PyCF_ONLY_AST, dont_inherit=True)
    except SyntaxError as error:
        row = error.lineno or 1
        column = max(error.offset or 1, 1)
        return None, error_diagnostic(path, f"syntax error: {error.msg}", row, column)
    except (RecursionError, MemoryError):
        return None, error_diagnostic(path, "cannot parse: nesting too deep for the parser")
    except ValueError as error:
        return None, error_diagnostic(path, f"cannot parse: {error}")
    return tree, None


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
    import ast

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
        from kerasfix.cache import content_hash

        hashed = content_hash(data)
    try:
        decoded = decode(data)
    except SourceError as exc:
        failed = FileResult(path, [error_diagnostic(path, exc.message, exc.row, exc.column)])
        failed.digest = hashed if digest else None
        return failed
    if path.endswith(".ipynb"):
        result = process_notebook(decoded.text, path, settings, fix)
    else:
        result = process_text(decoded.text, path, settings, fix)
    result.decoded = decoded
    result.digest = hashed if digest else None
    if write:
        write_result(result)
    return result


def process_notebook(raw: str, path: str, settings: Settings, fix: bool) -> FileResult:
    """A notebook: its code cells checked (and fixed) as one module."""
    from kerasfix.notebook import Notebook, NotebookError

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
    from kerasfix.notebook import Notebook, NotebookError

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
