"""Output formats: full, concise, json (Ruff's shape), github, sarif."""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import IO, Any

from kerasfix._version import __version__
from kerasfix.diagnostic import Applicability, Diagnostic

FORMATS = ("full", "concise", "json", "github", "sarif")


def rule_url(code: str) -> str | None:
    """Rule documentation is shipped with the tool (`kerasfix rule CODE`), not hosted."""
    return None


def _location(row: int, column: int) -> dict[str, int]:
    return {"row": row, "column": column}


def _display_path(diagnostic: Diagnostic) -> str:
    if diagnostic.cell is not None:
        return f"{diagnostic.path}:cell {diagnostic.cell}"
    return diagnostic.path


def to_json_object(d: Diagnostic) -> dict[str, Any]:
    fix = None
    if d.fix is not None:
        fix = {
            "applicability": d.fix.applicability.value,
            "message": d.fix.message,
            "edits": [
                {
                    "content": edit.content,
                    "location": _location(*start),
                    "end_location": _location(*end),
                }
                for edit, (start, end) in zip(d.fix.edits, d.edit_positions)
            ],
        }
    return {
        "cell": d.cell,
        "code": d.code,
        "end_location": _location(d.end_row, d.end_column),
        "filename": os.path.abspath(d.path) if not d.path.startswith("<") else d.path,
        "fix": fix,
        "location": _location(d.row, d.column),
        "message": d.message,
        "name": d.name,
        "noqa_row": d.noqa_row,
        "severity": "error",
        "url": rule_url(d.code),
    }


def fix_marker(d: Diagnostic, unsafe: bool) -> str:
    if d.fix is None:
        return ""
    if d.fix.applicability is Applicability.SAFE:
        return "[*] "
    if d.fix.applicability is Applicability.UNSAFE and unsafe:
        return "[*] "
    return ""


def write_concise(out: IO[str], diagnostics: Sequence[Diagnostic], unsafe: bool) -> None:
    for d in diagnostics:
        out.write(
            f"{_display_path(d)}:{d.row}:{d.column}: {d.code} {fix_marker(d, unsafe)}{d.message}\n"
        )


_FIX_LABELS = {
    Applicability.SAFE: ("fix", "green"),
    Applicability.UNSAFE: ("unsafe fix", "yellow"),
    Applicability.DISPLAY_ONLY: ("suggestion", "blue"),
}


def _full_lines(
    d: Diagnostic, unsafe: bool, paint: Callable[[str, str], str], bar: str
) -> Iterator[str]:
    """One finding in the full format; ``paint(text, style)`` adds the colour."""
    yield (
        f"{paint(_display_path(d), 'bold')}:{d.row}:{d.column}: {paint(d.code, 'bold red')} "
        f"{paint(fix_marker(d, unsafe), 'cyan')}{paint(d.message, '')}"
    )
    if d.source_line:
        gutter = f"{d.row} {bar} "
        yield f"  {paint(gutter, 'blue')}{paint(d.source_line, '')}"
        if d.end_row == d.row:
            width = d.end_column - d.column
        else:  # the whole first line of what spans several
            width = len(d.source_line.rstrip()) - (d.column - 1)
        width = max(1, width)
        yield f"  {' ' * (len(gutter) + d.column - 1)}{paint('^' * width, 'bold red')}"
    if d.fix is not None:
        label, colour = _FIX_LABELS[d.fix.applicability]
        yield f"  = {paint(label, colour)}: {paint(d.fix.message, '')}"
    yield ""


def write_full(out: IO[str], diagnostics: Sequence[Diagnostic], unsafe: bool, color: bool) -> None:
    if not color:
        for d in diagnostics:
            for line in _full_lines(d, unsafe, lambda text, style: text, "|"):
                out.write(line + "\n")
        return
    from rich.console import Console
    from rich.markup import escape

    def paint(text: str, style: str) -> str:
        return f"[{style}]{escape(text)}[/]" if style and text else escape(text)

    console = Console(
        file=out, highlight=False, soft_wrap=True, force_terminal=True, no_color=False
    )
    for d in diagnostics:
        for line in _full_lines(d, unsafe, paint, "│"):
            console.print(line)


def write_json(out: IO[str], diagnostics: Sequence[Diagnostic]) -> None:
    json.dump([to_json_object(d) for d in diagnostics], out, indent=2, ensure_ascii=False)
    out.write("\n")


def _github_escape(value: str, property_: bool = False) -> str:
    value = value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if property_:
        value = value.replace(":", "%3A").replace(",", "%2C")
    return value


def write_github(out: IO[str], diagnostics: Sequence[Diagnostic]) -> None:
    for d in diagnostics:
        props = ",".join(
            [
                f"file={_github_escape(d.path, True)}",
                f"line={d.row}",
                f"col={d.column}",
                f"endLine={d.end_row}",
                f"endColumn={d.end_column}",
                f"title={d.code}",
            ]
        )
        message = _github_escape(f"{_display_path(d)}:{d.row}:{d.column}: {d.code} {d.message}")
        out.write(f"::error {props}::{message}\n")


def write_sarif(out: IO[str], diagnostics: Sequence[Diagnostic]) -> None:
    from kerasfix.rules import ALL_RULES, PARSE_ERROR_CODE, PARSE_ERROR_DOC, PARSE_ERROR_NAME

    rules = [
        {
            "id": PARSE_ERROR_CODE,
            "name": PARSE_ERROR_NAME,
            "shortDescription": {"text": "File could not be read or parsed"},
            "fullDescription": {"text": PARSE_ERROR_DOC},
            "help": {"text": PARSE_ERROR_DOC},
            "defaultConfiguration": {"level": "error"},
        }
    ]
    for rule in ALL_RULES:
        doc = rule_doc(rule)
        entry: dict[str, Any] = {
            "id": rule.code,
            "name": rule.name,
            "shortDescription": {"text": rule.summary},
            "fullDescription": {"text": doc},
            "help": {"text": doc},
            "defaultConfiguration": {"level": "error"},
        }
        url = rule_url(rule.code)
        if url:
            entry["helpUri"] = url
        rules.append(entry)
    index = {rule["id"]: i for i, rule in enumerate(rules)}
    base = sarif_base()
    results = []
    for d in diagnostics:
        artifact = _artifact(d.path, base)
        region = {
            "startLine": d.row,
            "startColumn": d.column,
            "endLine": d.end_row,
            "endColumn": max(d.end_column, d.column),
        }
        result: dict[str, Any] = {
            "ruleId": d.code,
            "ruleIndex": index.get(d.code, 0),
            "level": "error",
            "message": {"text": d.message},
            "locations": [{"physicalLocation": {"artifactLocation": artifact, "region": region}}],
        }
        if d.cell is not None:
            # the region counts lines within the cell
            result["properties"] = {"cell": d.cell}
            result["locations"][0]["logicalLocations"] = [
                {
                    "name": f"cell {d.cell}",
                    "fullyQualifiedName": f"{artifact['uri']}:cell {d.cell}",
                    "kind": "module",
                }
            ]
        if (
            d.fix is not None
            and d.fix.edits
            and d.fix.applicability is not Applicability.DISPLAY_ONLY
        ):
            replacements = []
            for edit, (start, end) in zip(d.fix.edits, d.edit_positions):
                replacements.append(
                    {
                        "deletedRegion": {
                            "startLine": start[0],
                            "startColumn": start[1],
                            "endLine": end[0],
                            "endColumn": end[1],
                        },
                        "insertedContent": {"text": edit.content},
                    }
                )
            result["fixes"] = [
                {
                    "description": {"text": d.fix.message},
                    "artifactChanges": [
                        {"artifactLocation": dict(artifact), "replacements": replacements}
                    ],
                }
            ]
        results.append(result)
    document = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "kerasfix",
                        "version": __version__,
                        "rules": rules,
                    }
                },
                "results": results,
                "originalUriBaseIds": {SRCROOT: {"uri": _file_uri(base, directory=True)}},
            }
        ],
    }
    json.dump(document, out, indent=2, ensure_ascii=False)
    out.write("\n")


SRCROOT = "%SRCROOT%"


def sarif_base() -> str:
    """The folder SARIF paths are relative to: the repository's top (what
    GitHub code scanning expects), else the project root, else the working
    directory."""
    from kerasfix.project import project_root_of_dir

    current = os.getcwd()
    probe = current
    while True:
        if os.path.exists(os.path.join(probe, ".git")):
            return probe
        parent = os.path.dirname(probe)
        if parent == probe:
            break
        probe = parent
    return project_root_of_dir(current) or current


def _file_uri(path: str, directory: bool = False) -> str:
    from urllib.parse import quote

    absolute = os.path.abspath(path).replace(os.sep, "/")
    if not absolute.startswith("/"):
        absolute = "/" + absolute  # a Windows drive
    return "file://" + quote(absolute) + ("/" if directory and not absolute.endswith("/") else "")


def _artifact(path: str, base: str) -> dict[str, str]:
    """A repository-relative URI with its base id, or an absolute one for a
    file outside the repository (or stdin)."""
    from urllib.parse import quote

    if path.startswith("<") or path == "-":
        return {"uri": quote(path)}
    relative = os.path.relpath(os.path.abspath(path), base)
    if relative == ".." or relative.startswith(".." + os.sep):
        return {"uri": _file_uri(path)}
    return {"uri": quote(relative.replace(os.sep, "/")), "uriBaseId": SRCROOT}


def rule_doc(rule: type) -> str:
    import inspect

    return inspect.cleandoc(rule.__doc__ or "")


@dataclass(frozen=True)
class StatisticsRow:
    code: str
    name: str
    found: int  # fixed + left
    fixed: int  # fixes applied in this run
    left: int  # findings not fixed (what is reported)
    fixable: int  # of those left, how many the options given would fix


def statistics_rows(
    diagnostics: Sequence[Diagnostic], fixed: Counter[str], unsafe: bool
) -> list[StatisticsRow]:
    """One row per rule: the same counts for --statistics and the closing table."""
    from kerasfix.rules import PARSE_ERROR_NAME, rule_by_code

    counts = Counter(d.code for d in diagnostics)
    fixable = Counter(d.code for d in diagnostics if fix_marker(d, unsafe))
    rows = []
    for code in sorted(set(counts) | set(fixed)):
        rule = rule_by_code(code)
        name = rule.name if rule is not None else PARSE_ERROR_NAME
        rows.append(
            StatisticsRow(
                code, name, counts[code] + fixed[code], fixed[code], counts[code], fixable[code]
            )
        )
    return rows


def write_statistics(
    out: IO[str], diagnostics: Sequence[Diagnostic], fixed: Counter[str], unsafe: bool
) -> None:
    rows = statistics_rows(diagnostics, fixed, unsafe)
    width = max([len(str(r.found)) for r in rows] + [5])
    out.write(f"{'found':>{width}}  {'fixed':>5}  {'left':>5}  {'fixable':>7}  code   rule\n")
    for r in rows:
        out.write(
            f"{r.found:>{width}}  {r.fixed:>5}  {r.left:>5}  {r.fixable:>7}  {r.code}  {r.name}\n"
        )


def write_statistics_json(
    out: IO[str], diagnostics: Sequence[Diagnostic], fixed: Counter[str], unsafe: bool
) -> None:
    """Ruff's shape (code, name, count, fixable, fixable_count), with the
    fixes applied in this run as ``fixed``."""
    document = [
        {
            "code": r.code,
            "name": r.name,
            "count": r.left,
            "fixable": r.fixable > 0,
            "fixable_count": r.fixable,
            "fixed": r.fixed,
        }
        for r in statistics_rows(diagnostics, fixed, unsafe)
    ]
    json.dump(document, out, indent=2)
    out.write("\n")
