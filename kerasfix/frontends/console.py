"""The CLI's terminal side: where output goes, colour, progress, the summary
and closing table, fixes shown, diffs and the exit code."""

from __future__ import annotations

import difflib
import os
import sys
from collections import Counter
from collections.abc import Sequence
from typing import IO, Optional

import click

from kerasfix.diagnostic import Diagnostic
from kerasfix.engine.config import Resolver
from kerasfix.engine.pipeline import FileResult

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


def open_output(path: Optional[str]) -> IO[str]:
    if not path:
        return sys.stdout
    try:
        directory = os.path.dirname(os.path.abspath(path))
        os.makedirs(directory, exist_ok=True)
        return open(path, "w", encoding="utf-8")  # noqa: SIM115 - closed at exit
    except OSError as exc:
        click.echo(f"kerasfix: error: --output-file {path}: {exc.strerror or exc}", err=True)
        sys.exit(EXIT_ERROR)


def is_terminal(stream: IO[str]) -> bool:
    return hasattr(stream, "isatty") and stream.isatty()


def colour_wanted(choice: str, stream: IO[str]) -> bool:
    if choice == "always":
        return True
    if choice == "never":
        return False
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return is_terminal(stream)


def show_settings(out: IO[str], paths: Sequence[str], resolver: Resolver) -> None:
    import json

    for path in paths:
        settings = resolver.settings_for(path)
        out.write(f"Resolved settings for: {path}\n")
        out.write(f"Settings path: {settings.config_path or '(none: defaults)'}\n")
        for key, value in settings.as_data().items():
            if key != "config_path":
                out.write(f"{key} = {json.dumps(value)}\n")
        out.write("\n")


class Progress:
    """A rich progress bar on stderr while walking a large tree (terminals only)."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self._progress = None
        self._total = 0

    def bar(self, total: int, output_format: str, statistics: bool) -> Progress:
        self.enabled = self.enabled and total > 20 and output_format in ("full", "concise")
        self._total = total
        return self

    def __enter__(self):  # noqa: ANN204
        if not self.enabled:
            return None
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

        self._progress = Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=Console(stderr=True),
            transient=True,
        )
        self._progress.start()
        task = self._progress.add_task("checking", total=self._total)

        def advance(_: FileResult) -> None:
            self._progress.advance(task)  # type: ignore[union-attr]

        return advance

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.stop()


def closing_table(
    out: IO[str],
    results: Sequence[FileResult],
    diagnostics: Sequence[Diagnostic],
    fixed: Counter,  # type: ignore[type-arg]
    unsafe: bool,
) -> None:
    from rich.console import Console
    from rich.table import Table

    from kerasfix.frontends.output import statistics_rows

    table = Table(title="kerasfix", title_justify="left")
    table.add_column("code")
    table.add_column("rule")
    for column in ("found", "fixed", "left", "fixable"):
        table.add_column(column, justify="right")
    for row in statistics_rows(diagnostics, fixed, unsafe):
        table.add_row(
            row.code, row.name, str(row.found), str(row.fixed), str(row.left), str(row.fixable)
        )
    changed = sum(1 for r in results if r.changed)
    table.caption = (
        f"{len(results)} files scanned, {changed} changed; left: findings not fixed, "
        "fixable: of those, how many `--fix` would fix"
    )
    Console(file=out).print(table)


def write_fixes(out: IO[str], results: Sequence[FileResult]) -> None:
    from kerasfix.rules import rule_by_code

    changed = [r for r in results if r.fixed_codes]
    total = sum(sum(r.fixed_codes.values()) for r in changed)
    if not changed:
        out.write("No findings were fixed.\n")
        return
    out.write(f"Fixed {total} finding{'s' * (total != 1)}:\n")
    for r in changed:
        out.write(f"- {r.path}:\n")
        for code, count in sorted(r.fixed_codes.items()):
            rule = rule_by_code(code)
            name = rule.name if rule is not None else code
            out.write(f"    {count} × {code} ({name})\n")
    out.write("\n")


def exit_code(diagnostics: Sequence[Diagnostic], exit_zero: bool, diff_changes: bool) -> int:
    if exit_zero:
        return EXIT_CLEAN
    return EXIT_FINDINGS if diagnostics or diff_changes else EXIT_CLEAN


def write(
    out: IO[str],
    diagnostics: Sequence[Diagnostic],
    output_format: str,
    unsafe: bool,
    color: bool = False,
) -> None:
    from kerasfix.frontends import output

    if output_format == "json":
        output.write_json(out, diagnostics)
    elif output_format == "concise":
        output.write_concise(out, diagnostics, unsafe)
    elif output_format == "github":
        output.write_github(out, diagnostics)
    elif output_format == "sarif":
        output.write_sarif(out, diagnostics)
    else:
        output.write_full(out, diagnostics, unsafe, color=color)


def summary(
    out: IO[str],
    diagnostics: Sequence[Diagnostic],
    results: Sequence[FileResult],
    fix: bool,
    diff: bool,
    unsafe: bool,
) -> None:
    from kerasfix.frontends.output import fix_marker

    fixed = sum(r.fixed for r in results)
    remaining = len(diagnostics)
    fixable = sum(1 for d in diagnostics if fix_marker(d, unsafe))
    hidden = sum(
        1
        for d in diagnostics
        if d.fix is not None and d.fix.applicability.value == "unsafe" and not unsafe
    )
    if diff:
        changed = sum(1 for r in results if r.changed)
        findings = f"{fixed} finding{'s' * (fixed != 1)}"
        out.write(f"Would fix {findings} in {changed} file{'s' * (changed != 1)}.\n")
        return
    if fix and fixed:
        out.write(
            f"Found {fixed + remaining} finding{'s' * (fixed + remaining != 1)} "
            f"({fixed} fixed, {remaining} remaining).\n"
        )
    elif remaining:
        out.write(f"Found {remaining} finding{'s' * (remaining != 1)}.\n")
    else:
        out.write("All checks passed!\n")
    if fixable and not fix:
        out.write(f"[*] {fixable} fixable with the `--fix` option.\n")
    if hidden:
        out.write(
            f"{hidden} hidden fix{'es' * (hidden != 1)} can be enabled with the "
            "`--unsafe-fixes` option.\n"
        )


def unified_diff(path: str, old: str, new: str) -> str:
    lines = difflib.unified_diff(
        old.splitlines(keepends=True),
        new.splitlines(keepends=True),
        fromfile=path,
        tofile=path,
    )
    text = "".join(line if line.endswith(("\n", "\r")) else line + "\n" for line in lines)
    return text
