"""The command line: ``kerasfix check PATH…`` and ``kerasfix rule CODE``.

Start-up stays light: the rules are imported only when a file has to be
checked, rich only when writing to a terminal, TensorFlow and Keras never.
Output follows Ruff: findings and the summary on stdout (or
``--output-file``), progress on stderr, exit 0 clean, 1 findings, 2 error.
"""

from __future__ import annotations

import difflib
import os
import sys
from collections import Counter
from collections.abc import Sequence
from typing import IO, Optional

import click

from kerasfix._version import __version__
from kerasfix.config import (
    KF003_FIX_CHOICES,
    ConfigError,
    Overrides,
    Resolver,
    inline_config,
)
from kerasfix.diagnostic import Diagnostic
from kerasfix.engine import FileResult
from kerasfix.output import FORMATS
from kerasfix.settings import Settings

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


def _codes(values: Sequence[str] | str | None) -> list[str]:
    if not values:
        return []
    if isinstance(values, str):
        values = [values]
    return [c for value in values for c in value.replace(" ", ",").split(",") if c]


def _known_codes() -> list[str]:
    from kerasfix.rules import all_codes

    return all_codes()


def make_resolver(
    configs: Sequence[str],
    isolated: bool,
    select: Sequence[str],
    ignore: Sequence[str],
    extend_select: Sequence[str],
    unsafe_fixes: Optional[bool],
    argmax_axis: Optional[int],
    kf003_fix: Optional[str],
    extend_exclude: Sequence[str] = (),
    prefilter: bool = True,
) -> Resolver:
    """Settings per file: the nearest configuration, overridden by flags.
    ``--config`` takes a file (used for every checked file) or a
    ``key = value`` setting laid over whatever configuration applies."""
    config_path = None
    inline: dict[str, object] = {}
    for option in configs:
        if os.path.isfile(option):
            if config_path is not None:
                raise ConfigError("--config: only one configuration file can be given")
            config_path = option
        elif "=" in option:
            inline.update(inline_config(option))
        else:
            raise ConfigError(f"--config {option}: no such file")
    overrides = Overrides(
        select=tuple(_codes(select)) if select else None,
        extend_select=tuple(_codes(extend_select)),
        ignore=tuple(_codes(ignore)),
        unsafe_fixes=unsafe_fixes,
        argmax_axis=argmax_axis,
        kf003_fix=kf003_fix,
        extend_exclude=tuple(p for value in extend_exclude for p in value.split(",") if p),
        prefilter=prefilter,
    )
    return Resolver(
        overrides, _known_codes(), config_path=config_path, isolated=isolated, inline=inline
    )


def build_settings(
    config_path: Optional[str],
    isolated: bool,
    select: Optional[str],
    ignore: Optional[str],
    extend_select: Optional[str],
    unsafe_fixes: Optional[bool],
    argmax_axis: Optional[int],
    kf003_fix: Optional[str],
    prefilter: bool,
) -> Settings:
    """The settings for the working directory (one set for everything)."""
    resolver = make_resolver(
        [config_path] if config_path else [],
        isolated,
        [select] if select else [],
        [ignore] if ignore else [],
        [extend_select] if extend_select else [],
        unsafe_fixes,
        argmax_axis,
        kf003_fix,
        prefilter=prefilter,
    )
    return resolver.settings_for_dir(os.getcwd())


def _terminate_as_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", "-V", prog_name="kerasfix")
def main() -> None:
    """kerasfix: find and fix removed and misused Keras APIs."""
    import signal

    # SIGTERM unwinds like Ctrl-C, so a write in progress removes its temp file.
    signal.signal(signal.SIGTERM, _terminate_as_interrupt)


@main.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--fix", is_flag=True, help="Apply safe fixes and write the files.")
@click.option(
    "--unsafe-fixes/--no-unsafe-fixes",
    default=None,
    help="Also apply (and show as fixable) fixes that change behaviour.",
)
@click.option("--fix-only", is_flag=True, help="Apply fixes; report only what was fixed.")
@click.option("--show-fixes", is_flag=True, help="List the fixes applied, per file.")
@click.option("--diff", is_flag=True, help="Print the fixes as a unified diff; write nothing.")
@click.option("--select", multiple=True, help="Rule codes or prefixes to enable (comma-separated).")
@click.option(
    "--extend-select", multiple=True, help="Rule codes to enable on top of the selection."
)
@click.option("--ignore", multiple=True, help="Rule codes or prefixes to disable.")
@click.option(
    "--extend-exclude",
    multiple=True,
    help="Patterns (relative to the working directory) to exclude on top of the configuration.",
)
@click.option(
    "--output-format",
    type=click.Choice(FORMATS),
    default=None,
    help="How to print findings (default: full; KERASFIX_OUTPUT_FORMAT, output-format).",
)
@click.option(
    "--output-file",
    "-o",
    type=click.Path(dir_okay=False, writable=True),
    help="Write the report to this file instead of stdout.",
)
@click.option(
    "--color",
    type=click.Choice(["auto", "always", "never"]),
    default="auto",
    help="Colour the full output (auto: on a terminal, unless NO_COLOR).",
)
@click.option("--statistics", is_flag=True, help="Print a count per rule instead of findings.")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when findings remain.")
@click.option(
    "--exit-non-zero-on-fix",
    is_flag=True,
    help="Exit 1 when a fix was applied, even if no finding remains.",
)
@click.option("--stdin-filename", help="The path of the source read from stdin (`-`).")
@click.option(
    "--config",
    "configs",
    multiple=True,
    help="A configuration file for every checked file, or a `key = value` setting.",
)
@click.option("--isolated", is_flag=True, help="Ignore all configuration files.")
@click.option(
    "--argmax-axis",
    type=click.Choice(["-1", "1"]),
    default=None,
    help="Axis for the KF001 np.argmax fix (default -1, what the removed method used).",
)
@click.option(
    "--kf003-fix",
    type=click.Choice(KF003_FIX_CHOICES),
    default=None,
    help="Which KF003 fix to apply: add the activation, or set from_logits=True.",
)
@click.option("--jobs", "-j", type=int, default=0, help="Worker processes (default: all cores).")
@click.option(
    "--force-exclude",
    is_flag=True,
    help="Apply exclude patterns to files named on the command line too (for pre-commit).",
)
@click.option("--add-noqa", is_flag=True, help="Add `# noqa: CODE` for every finding.")
@click.option("--no-cache", is_flag=True, help="Neither read nor write .kerasfix_cache/.")
@click.option(
    "--show-settings", is_flag=True, help="Print the settings each path gets; check nothing."
)
@click.option(
    "--show-files", is_flag=True, help="Print the files that would be checked; check nothing."
)
@click.option("--no-prefilter", is_flag=True, hidden=True)
@click.option("--verbose", "-v", is_flag=True, help="Show tracebacks of internal errors.")
@click.option("--quiet", "-q", is_flag=True, help="Print findings only, no summary.")
def check(
    paths: Sequence[str],
    fix: bool,
    unsafe_fixes: Optional[bool],
    fix_only: bool,
    show_fixes: bool,
    diff: bool,
    select: Sequence[str],
    extend_select: Sequence[str],
    ignore: Sequence[str],
    extend_exclude: Sequence[str],
    output_format: Optional[str],
    output_file: Optional[str],
    color: str,
    statistics: bool,
    exit_zero: bool,
    exit_non_zero_on_fix: bool,
    stdin_filename: Optional[str],
    configs: Sequence[str],
    isolated: bool,
    argmax_axis: Optional[str],
    kf003_fix: Optional[str],
    jobs: int,
    force_exclude: bool,
    add_noqa: bool,
    no_cache: bool,
    show_settings: bool,
    show_files: bool,
    no_prefilter: bool,
    verbose: bool,
    quiet: bool,
) -> None:
    """Check PATHS (files or folders; `-` reads stdin) for Keras problems."""
    if verbose:
        os.environ["KERASFIX_TRACEBACK"] = "1"
    try:
        resolver = make_resolver(
            configs,
            isolated,
            select,
            ignore,
            extend_select,
            unsafe_fixes,
            int(argmax_axis) if argmax_axis is not None else None,
            kf003_fix,
            extend_exclude,
            prefilter=not no_prefilter,
        )
        output_format = (
            output_format
            or os.environ.get("KERASFIX_OUTPUT_FORMAT")
            or resolver.output_format()
            or "full"
        )
        if output_format not in FORMATS:
            raise click.UsageError(f"unknown output format {output_format!r}")
        resolver.settings_for_dir(os.getcwd())  # a bad configuration fails now
    except ConfigError as exc:
        click.echo(f"kerasfix: error: {exc}", err=True)
        sys.exit(EXIT_ERROR)
    fix = fix or fix_only
    if not paths:
        paths = (".",)
    out = _open_output(output_file)
    paint = _colour_wanted(color, out)
    if "-" in paths:
        if len(paths) != 1:
            raise click.UsageError("`-` (stdin) cannot be combined with other paths")
        filename = stdin_filename or "-"
        try:
            settings = resolver.settings_for(filename if stdin_filename else "-")
        except ConfigError as exc:
            click.echo(f"kerasfix: error: {exc}", err=True)
            sys.exit(EXIT_ERROR)
        sys.exit(_check_stdin(filename, settings, fix, diff, output_format, exit_zero, out, paint))
    for path in paths:
        if not os.path.exists(path) and not os.path.islink(path):
            click.echo(f"kerasfix: error: {path}: no such file or directory", err=True)
            sys.exit(EXIT_ERROR)
    from kerasfix.discovery import find_files
    from kerasfix.runner import run

    try:
        files = list(find_files(paths, resolver, force_exclude=force_exclude))
        per_file = {path: resolver.settings_for(path) for path in files}
    except ConfigError as exc:
        click.echo(f"kerasfix: error: {exc}", err=True)
        sys.exit(EXIT_ERROR)
    if show_files:
        for path in files:
            out.write(f"{path}\n")
        sys.exit(EXIT_CLEAN)
    if show_settings:
        _show_settings(out, files or [os.path.join(p, "") for p in paths], resolver)
        sys.exit(EXIT_CLEAN)
    try:
        if add_noqa:
            sys.exit(_add_noqa(files, per_file, jobs, out))
        progress = _progress(not quiet and sys.stderr.isatty() and not os.environ.get("CI"))
        with progress.bar(len(files), output_format, statistics) as advance:
            results = run(
                files,
                per_file.__getitem__,
                fix=fix or diff,
                write=fix and not diff,
                jobs=jobs,
                keep_original=diff,
                on_result=advance,
                use_cache=not no_cache and not os.environ.get("KERASFIX_NO_CACHE"),
            )
    except KeyboardInterrupt:
        click.echo("kerasfix: interrupted; files already written are complete", err=True)
        sys.exit(130)
    diagnostics = [d for r in results for d in r.diagnostics]
    diagnostics.sort(key=lambda d: d.sort_key)
    fixed: Counter[str] = Counter()
    for r in results:
        fixed.update(r.fixed_codes)
    unsafe_shown = any(s.unsafe_fixes for s in per_file.values())
    if diff:
        for r in results:
            if r.cells:
                for index, (old, new) in sorted(r.cells.items()):
                    label = f"{r.path}:cell {index + 1}"
                    out.write(_unified_diff(label, old + "\n", new + "\n"))
            elif r.changed and r.original is not None and r.new_text is not None:
                out.write(_unified_diff(r.path, r.original, r.new_text))
    human = output_format in ("full", "concise")
    if (diff or fix_only) and not statistics:
        # what could not be checked is never silent, whatever else is shown
        from kerasfix.output import write_concise

        write_concise(sys.stderr, [d for d in diagnostics if d.code == "KF000"], unsafe_shown)
    if statistics:
        from kerasfix.output import write_statistics, write_statistics_json

        if output_format == "json":
            write_statistics_json(out, diagnostics, fixed, unsafe_shown)
        else:
            write_statistics(out, diagnostics, fixed, unsafe_shown)
    elif fix_only:
        pass
    elif not diff:
        _write(out, diagnostics, output_format, unsafe_shown, paint)
    if show_fixes and fix and not diff and human:
        _write_fixes(out, results)
    if not quiet and human and not statistics:
        if fix_only:
            count = sum(fixed.values())
            out.write(f"Fixed {count} finding{'s' * (count != 1)}.\n")
        else:
            _summary(out, diagnostics, results, fix, diff, unsafe_shown)
        if _is_terminal(out) and len(files) > 1 and not diff:
            _closing_table(out, results, diagnostics, fixed, unsafe_shown)
    out.flush()
    code = _exit_code(
        [d for d in diagnostics if d.code == "KF000"] if fix_only else diagnostics,
        exit_zero,
        diff and any(r.changed for r in results),
    )
    if exit_non_zero_on_fix and sum(fixed.values()) and not exit_zero:
        code = EXIT_FINDINGS
    sys.exit(code)


def _open_output(path: Optional[str]) -> IO[str]:
    if not path:
        return sys.stdout
    try:
        directory = os.path.dirname(os.path.abspath(path))
        os.makedirs(directory, exist_ok=True)
        return open(path, "w", encoding="utf-8")  # noqa: SIM115 - closed at exit
    except OSError as exc:
        click.echo(f"kerasfix: error: --output-file {path}: {exc.strerror or exc}", err=True)
        sys.exit(EXIT_ERROR)


def _is_terminal(stream: IO[str]) -> bool:
    return hasattr(stream, "isatty") and stream.isatty()


def _colour_wanted(choice: str, stream: IO[str]) -> bool:
    if choice == "always":
        return True
    if choice == "never":
        return False
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return _is_terminal(stream)


def _show_settings(out: IO[str], paths: Sequence[str], resolver: Resolver) -> None:
    import json

    for path in paths:
        settings = resolver.settings_for(path)
        out.write(f"Resolved settings for: {path}\n")
        out.write(f"Settings path: {settings.config_path or '(none: defaults)'}\n")
        for key, value in settings.as_data().items():
            if key != "config_path":
                out.write(f"{key} = {json.dumps(value)}\n")
        out.write("\n")


class _progress:
    """A rich progress bar on stderr while walking a large tree (terminals only)."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self._progress = None
        self._total = 0

    def bar(self, total: int, output_format: str, statistics: bool) -> _progress:
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


def _closing_table(
    out: IO[str],
    results: Sequence[FileResult],
    diagnostics: Sequence[Diagnostic],
    fixed: Counter,  # type: ignore[type-arg]
    unsafe: bool,
) -> None:
    from rich.console import Console
    from rich.table import Table

    from kerasfix.output import statistics_rows

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


def _write_fixes(out: IO[str], results: Sequence[FileResult]) -> None:
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


def _add_noqa(files: Sequence[str], per_file: dict[str, Settings], jobs: int, out: IO[str]) -> int:
    from kerasfix.engine import add_noqa, add_noqa_notebook, write_result
    from kerasfix.runner import run
    from kerasfix.source import SourceError, read_source

    results = run(files, per_file.__getitem__, fix=False, write=False, jobs=jobs)
    added = 0
    for result in results:
        if not result.diagnostics:
            continue
        try:
            result.decoded = read_source(result.path)
        except SourceError:
            continue
        result.original = result.decoded.text
        if result.path.endswith(".ipynb"):
            count = add_noqa_notebook(result, per_file[result.path])
        else:
            count = add_noqa(result)
        if count:
            write_result(result)
            added += count if result.changed else 0
    out.write(f"Added {added} noqa directive{'s' * (added != 1)}.\n")
    return EXIT_CLEAN


def _exit_code(diagnostics: Sequence[Diagnostic], exit_zero: bool, diff_changes: bool) -> int:
    if exit_zero:
        return EXIT_CLEAN
    return EXIT_FINDINGS if diagnostics or diff_changes else EXIT_CLEAN


def _write(
    out: IO[str],
    diagnostics: Sequence[Diagnostic],
    output_format: str,
    unsafe: bool,
    color: bool = False,
) -> None:
    from kerasfix import output

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


def _summary(
    out: IO[str],
    diagnostics: Sequence[Diagnostic],
    results: Sequence[FileResult],
    fix: bool,
    diff: bool,
    unsafe: bool,
) -> None:
    from kerasfix.output import fix_marker

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


def _unified_diff(path: str, old: str, new: str) -> str:
    lines = difflib.unified_diff(
        old.splitlines(keepends=True),
        new.splitlines(keepends=True),
        fromfile=path,
        tofile=path,
    )
    text = "".join(line if line.endswith(("\n", "\r")) else line + "\n" for line in lines)
    return text


def _check_stdin(
    filename: str,
    settings: Settings,
    fix: bool,
    diff: bool,
    output_format: str,
    exit_zero: bool,
    out: IO[str],
    color: bool,
) -> int:
    from kerasfix.engine import process_notebook, process_text
    from kerasfix.source import SourceError, decode

    data = sys.stdin.buffer.read()
    try:
        decoded = decode(data)
    except SourceError as exc:
        from kerasfix.engine import error_diagnostic

        _write(
            out,
            [error_diagnostic(filename, exc.message, exc.row, exc.column)],
            output_format,
            settings.unsafe_fixes,
        )
        return EXIT_FINDINGS if not exit_zero else EXIT_CLEAN
    process = process_notebook if filename.endswith(".ipynb") else process_text
    result = process(decoded.text, filename, settings, fix or diff)
    if diff:
        if result.changed and result.new_text is not None and result.original is not None:
            out.write(_unified_diff(filename, result.original, result.new_text))
        return _exit_code(result.diagnostics, exit_zero, result.changed)
    if fix:
        text = result.new_text if result.new_text is not None else decoded.text
        sys.stdout.flush()
        sys.stdout.buffer.write(decoded.encode(text))
        sys.stdout.flush()
        if result.diagnostics:
            from kerasfix import output

            output.write_concise(sys.stderr, result.diagnostics, settings.unsafe_fixes)
        return _exit_code(result.diagnostics, exit_zero, False)
    _write(out, result.diagnostics, output_format, settings.unsafe_fixes, color)
    return _exit_code(result.diagnostics, exit_zero, False)


@main.command()
@click.argument("code", required=False)
@click.option("--all", "show_all", is_flag=True, help="List every rule.")
def rule(code: Optional[str], show_all: bool) -> None:
    """Explain a rule (`kerasfix rule KF001`), or list them all."""
    from kerasfix.output import rule_doc
    from kerasfix.rules import ALL_RULES, PARSE_ERROR_CODE, PARSE_ERROR_DOC, rule_by_code

    if show_all or not code:
        click.echo(f"{PARSE_ERROR_CODE}  unreadable-file")
        for r in ALL_RULES:
            click.echo(f"{r.code}  {r.name}: {r.summary}")
        return
    if code.upper() == PARSE_ERROR_CODE:
        click.echo(PARSE_ERROR_DOC)
        return
    found = rule_by_code(code)
    if found is None:
        click.echo(f"kerasfix: error: unknown rule {code!r}", err=True)
        sys.exit(EXIT_ERROR)
    click.echo(rule_doc(found))
