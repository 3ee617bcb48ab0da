"""The command line: ``kerasfix check PATH…`` and ``kerasfix rule CODE``.

Start-up stays light: the rules are imported only when a file has to be
checked, rich only when writing to a terminal, TensorFlow and Keras never.
"""

from __future__ import annotations

import difflib
import os
import sys
from collections import Counter
from collections.abc import Sequence
from typing import Optional

import click

from kerasfix import __version__
from kerasfix.config import (
    KF003_FIX_CHOICES,
    ConfigError,
    check_keys,
    find_config,
    load_config,
    validate_codes,
)
from kerasfix.diagnostic import Diagnostic
from kerasfix.engine import FileResult
from kerasfix.output import FORMATS
from kerasfix.settings import Settings

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


def _codes(value: Optional[str]) -> list[str]:
    if not value:
        return []
    return [c for c in value.replace(" ", ",").split(",") if c]


def _known_codes() -> list[str]:
    from kerasfix.rules import all_codes

    return all_codes()


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
    """Settings from the config file, overridden by command-line flags."""
    known = _known_codes()
    if isolated:
        config = None
    elif config_path:
        config = load_config(config_path)
    else:
        config = find_config(os.getcwd())
    values = {}
    where = "[tool.kerasfix]"
    if config is not None:
        check_keys(config)
        values = config.values
        where = f"{config.path}"

    def codes_from(key: str) -> Optional[list[str]]:
        raw = values.get(key)
        if raw is None:
            return None
        if not isinstance(raw, list) or not all(isinstance(c, str) for c in raw):
            raise ConfigError(f"{where}: {key} must be a list of rule codes")
        return raw

    file_select = codes_from("select")
    file_ignore = codes_from("ignore") or []
    selected = None
    if select is not None:
        selected = validate_codes(_codes(select), "--select", known)
    elif file_select is not None:
        selected = validate_codes(file_select, where, known)
    if extend_select:
        extra = validate_codes(_codes(extend_select), "--extend-select", known)
        selected = (selected or frozenset({"KF"})) | extra
    ignored = validate_codes(file_ignore, where, known) | validate_codes(
        _codes(ignore), "--ignore", known
    )
    per_file = []
    raw_pfi = values.get("per-file-ignores", {})
    if not isinstance(raw_pfi, dict):
        raise ConfigError(f"{where}: per-file-ignores must be a table of pattern = [codes]")
    for pattern, codes in raw_pfi.items():
        if not isinstance(codes, list):
            raise ConfigError(f"{where}: per-file-ignores.{pattern} must be a list of codes")
        per_file.append((pattern, validate_codes(codes, where, known)))
    extend_exclude = values.get("extend-exclude", [])
    if not isinstance(extend_exclude, list):
        raise ConfigError(f"{where}: extend-exclude must be a list of patterns")
    file_unsafe = values.get("unsafe-fixes", False)
    if not isinstance(file_unsafe, bool):
        raise ConfigError(f"{where}: unsafe-fixes must be true or false")
    axis = argmax_axis if argmax_axis is not None else values.get("argmax-axis", -1)
    if axis not in (-1, 1):
        raise ConfigError(f"{where}: argmax-axis must be -1 or 1")
    choice = kf003_fix or values.get("kf003-fix", "activation")
    if choice not in KF003_FIX_CHOICES:
        raise ConfigError(f"{where}: kf003-fix must be one of {', '.join(KF003_FIX_CHOICES)}")
    return Settings(
        select=selected,
        ignore=ignored,
        unsafe_fixes=unsafe_fixes if unsafe_fixes is not None else file_unsafe,
        argmax_axis=axis,
        kf003_fix=choice,
        per_file_ignores=tuple(per_file),
        extend_exclude=tuple(extend_exclude),
        prefilter=prefilter,
    )


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
@click.option("--diff", is_flag=True, help="Print the fixes as a unified diff; write nothing.")
@click.option("--select", help="Comma-separated rule codes or prefixes to enable.")
@click.option("--extend-select", help="Rule codes to enable on top of the selection.")
@click.option("--ignore", help="Comma-separated rule codes or prefixes to disable.")
@click.option(
    "--output-format",
    type=click.Choice(FORMATS),
    default=None,
    help="How to print findings (default: full; KERASFIX_OUTPUT_FORMAT).",
)
@click.option("--statistics", is_flag=True, help="Print a count per rule instead of findings.")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when findings remain.")
@click.option("--stdin-filename", help="The path of the source read from stdin (`-`).")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help="Config file.")
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
    help="Apply extend-exclude to files named on the command line too (for pre-commit).",
)
@click.option("--add-noqa", is_flag=True, help="Add `# noqa: CODE` to every line with a finding.")
@click.option("--no-cache", is_flag=True, help="Neither read nor write .kerasfix_cache/.")
@click.option("--no-prefilter", is_flag=True, hidden=True)
@click.option("--verbose", "-v", is_flag=True, help="Show tracebacks of internal errors.")
@click.option("--quiet", "-q", is_flag=True, help="Print findings only, no summary.")
def check(
    paths: Sequence[str],
    fix: bool,
    unsafe_fixes: Optional[bool],
    diff: bool,
    select: Optional[str],
    extend_select: Optional[str],
    ignore: Optional[str],
    output_format: Optional[str],
    statistics: bool,
    exit_zero: bool,
    stdin_filename: Optional[str],
    config_path: Optional[str],
    isolated: bool,
    argmax_axis: Optional[str],
    kf003_fix: Optional[str],
    jobs: int,
    force_exclude: bool,
    add_noqa: bool,
    no_cache: bool,
    no_prefilter: bool,
    verbose: bool,
    quiet: bool,
) -> None:
    """Check PATHS (files or folders; `-` reads stdin) for Keras problems."""
    if verbose:
        os.environ["KERASFIX_TRACEBACK"] = "1"
    output_format = output_format or os.environ.get("KERASFIX_OUTPUT_FORMAT") or "full"
    if output_format not in FORMATS:
        raise click.UsageError(f"unknown output format {output_format!r}")
    try:
        settings = build_settings(
            config_path,
            isolated,
            select,
            ignore,
            extend_select,
            unsafe_fixes,
            int(argmax_axis) if argmax_axis is not None else None,
            kf003_fix,
            prefilter=not no_prefilter,
        )
    except ConfigError as exc:
        click.echo(f"kerasfix: error: {exc}", err=True)
        sys.exit(EXIT_ERROR)
    if not paths:
        paths = (".",)
    if "-" in paths:
        if len(paths) != 1:
            raise click.UsageError("`-` (stdin) cannot be combined with other paths")
        sys.exit(_check_stdin(stdin_filename or "-", settings, fix, diff, output_format, exit_zero))
    for path in paths:
        if not os.path.exists(path) and not os.path.islink(path):
            click.echo(f"kerasfix: error: {path}: no such file or directory", err=True)
            sys.exit(EXIT_ERROR)
    from kerasfix.discovery import find_files
    from kerasfix.runner import run

    files = list(find_files(paths, settings.extend_exclude, force_exclude=force_exclude))
    interactive = _interactive(output_format, quiet or statistics)
    try:
        if add_noqa:
            sys.exit(_add_noqa(files, settings, jobs))
        with _progress(interactive, len(files)) as advance:
            results = run(
                files,
                settings,
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
    fixed = Counter()  # type: Counter[str]
    for r in results:
        fixed.update(r.fixed_codes)
    out = sys.stdout
    if diff:
        for r in results:
            if r.cells:
                for index, (old, new) in sorted(r.cells.items()):
                    label = f"{r.path}:cell {index + 1}"
                    out.write(_unified_diff(label, old + "\n", new + "\n"))
            elif r.changed and r.original is not None and r.new_text is not None:
                out.write(_unified_diff(r.path, r.original, r.new_text))
    if statistics:
        from kerasfix.output import write_statistics

        write_statistics(out, diagnostics, fixed, settings.unsafe_fixes)
    elif not diff:
        _write(out, diagnostics, output_format, settings.unsafe_fixes)
    if not quiet and output_format in ("full", "concise") and not statistics:
        _summary(diagnostics, results, fix, diff, settings)
        if interactive and len(files) > 1:
            _closing_table(results, diagnostics, fixed, settings)
    sys.exit(_exit_code(diagnostics, exit_zero, diff and any(r.changed for r in results)))


def _interactive(output_format: str, quiet: bool) -> bool:
    """Progress and the closing table: only for people at a terminal."""
    return (
        not quiet
        and output_format in ("full", "concise")
        and sys.stderr.isatty()
        and not os.environ.get("CI")
    )


class _progress:
    """A rich progress bar on stderr while walking a large tree (terminals only)."""

    def __init__(self, enabled: bool, total: int) -> None:
        self.enabled = enabled and total > 20
        self.total = total
        self._progress = None

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
        task = self._progress.add_task("checking", total=self.total)

        def advance(_: FileResult) -> None:
            self._progress.advance(task)  # type: ignore[union-attr]

        return advance

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.stop()


def _closing_table(
    results: Sequence[FileResult],
    diagnostics: Sequence[Diagnostic],
    fixed: Counter,  # type: ignore[type-arg]
    settings: Settings,
) -> None:
    from rich.console import Console
    from rich.table import Table

    from kerasfix.output import fix_marker
    from kerasfix.rules import PARSE_ERROR_NAME, rule_by_code

    left = Counter(d.code for d in diagnostics)
    fixable = Counter(d.code for d in diagnostics if fix_marker(d, settings.unsafe_fixes))
    table = Table(title="kerasfix", title_justify="left")
    table.add_column("rule")
    table.add_column("name")
    table.add_column("found", justify="right")
    table.add_column("fixed", justify="right")
    table.add_column("left for review", justify="right")
    for code in sorted(set(left) | set(fixed)):
        rule = rule_by_code(code)
        name = rule.name if rule is not None else PARSE_ERROR_NAME
        review = left[code] - fixable[code]
        table.add_row(code, name, str(left[code] + fixed[code]), str(fixed[code]), str(review))
    changed = sum(1 for r in results if r.changed)
    table.caption = f"{len(results)} files scanned, {changed} changed"
    Console(stderr=True).print(table)


def _add_noqa(files: Sequence[str], settings: Settings, jobs: int) -> int:
    from kerasfix.engine import add_noqa, add_noqa_notebook, write_result
    from kerasfix.runner import run
    from kerasfix.source import SourceError, read_source

    results = run(files, settings, fix=False, write=False, jobs=jobs)
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
            count = add_noqa_notebook(result, settings)
        else:
            count = add_noqa(result)
        if count:
            write_result(result)
            added += count if result.changed else 0
    click.echo(f"Added {added} noqa directive{'s' * (added != 1)}.", err=True)
    return EXIT_CLEAN


def _exit_code(diagnostics: Sequence[Diagnostic], exit_zero: bool, diff_changes: bool) -> int:
    if exit_zero:
        return EXIT_CLEAN
    return EXIT_FINDINGS if diagnostics or diff_changes else EXIT_CLEAN


def _write(out, diagnostics: Sequence[Diagnostic], output_format: str, unsafe: bool) -> None:  # noqa: ANN001
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
        output.write_full(out, diagnostics, unsafe, color=_color(out))


def _color(stream) -> bool:  # noqa: ANN001
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return hasattr(stream, "isatty") and stream.isatty()


def _summary(
    diagnostics: Sequence[Diagnostic],
    results: Sequence[FileResult],
    fix: bool,
    diff: bool,
    settings: Settings,
) -> None:
    from kerasfix.output import fix_marker

    err = sys.stderr
    fixed = sum(r.fixed for r in results)
    remaining = len(diagnostics)
    fixable = sum(1 for d in diagnostics if fix_marker(d, settings.unsafe_fixes))
    hidden = sum(
        1
        for d in diagnostics
        if d.fix is not None and d.fix.applicability.value == "unsafe" and not settings.unsafe_fixes
    )
    if diff:
        changed = sum(1 for r in results if r.changed)
        findings = f"{fixed} finding{'s' * (fixed != 1)}"
        err.write(f"Would fix {findings} in {changed} file{'s' * (changed != 1)}.\n")
        return
    if fix and fixed:
        err.write(
            f"Found {fixed + remaining} finding{'s' * (fixed + remaining != 1)} "
            f"({fixed} fixed, {remaining} remaining).\n"
        )
    elif remaining:
        err.write(f"Found {remaining} finding{'s' * (remaining != 1)}.\n")
    else:
        err.write("All checks passed!\n")
    if fixable and not fix:
        err.write(f"[*] {fixable} fixable with the `--fix` option.\n")
    if hidden:
        err.write(
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
    filename: str, settings: Settings, fix: bool, diff: bool, output_format: str, exit_zero: bool
) -> int:
    from kerasfix.engine import process_text
    from kerasfix.source import SourceError, decode

    data = sys.stdin.buffer.read()
    try:
        decoded = decode(data)
    except SourceError as exc:
        from kerasfix.engine import error_diagnostic

        _write(
            sys.stdout,
            [error_diagnostic(filename, exc.message, exc.row, exc.column)],
            output_format,
            settings.unsafe_fixes,
        )
        return EXIT_FINDINGS if not exit_zero else EXIT_CLEAN
    result = process_text(decoded.text, filename, settings, fix=fix or diff)
    if diff:
        if result.changed and result.new_text is not None:
            sys.stdout.write(_unified_diff(filename, decoded.text, result.new_text))
        return _exit_code(result.diagnostics, exit_zero, result.changed)
    if fix:
        text = result.new_text if result.new_text is not None else decoded.text
        sys.stdout.buffer.write(decoded.encode(text))
        sys.stdout.flush()
        if result.diagnostics:
            from kerasfix import output

            output.write_concise(sys.stderr, result.diagnostics, settings.unsafe_fixes)
        return _exit_code(result.diagnostics, exit_zero, False)
    _write(sys.stdout, result.diagnostics, output_format, settings.unsafe_fixes)
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
