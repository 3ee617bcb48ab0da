"""The command line: ``kerasfix check PATH…`` and ``kerasfix rule CODE``.

Start-up stays light: the rules are imported only when a file has to be
checked, rich only when writing to a terminal, TensorFlow and Keras never.
Output follows Ruff: findings and the summary on stdout (or
``--output-file``), progress on stderr, exit 0 clean, 1 findings, 2 error.
"""

from __future__ import annotations

import os
import sys
from collections import Counter
from collections.abc import Sequence
from typing import IO, Optional

import click

from kerasfix._version import __version__
from kerasfix.engine.config import (
    KF003_FIX_CHOICES,
    ConfigError,
    Overrides,
    Resolver,
    inline_config,
)
from kerasfix.frontends import console
from kerasfix.frontends.console import EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS
from kerasfix.frontends.output import FORMATS
from kerasfix.settings import Settings


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
    out = console.open_output(output_file)
    paint = console.colour_wanted(color, out)
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
    from kerasfix.engine.discovery import find_files
    from kerasfix.engine.runner import run

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
        console.show_settings(out, files or [os.path.join(p, "") for p in paths], resolver)
        sys.exit(EXIT_CLEAN)
    try:
        if add_noqa:
            sys.exit(_add_noqa(files, per_file, jobs, out))
        progress = console.Progress(not quiet and sys.stderr.isatty() and not os.environ.get("CI"))
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
                    out.write(console.unified_diff(label, old + "\n", new + "\n"))
            elif r.changed and r.original is not None and r.new_text is not None:
                out.write(console.unified_diff(r.path, r.original, r.new_text))
    human = output_format in ("full", "concise")
    if (diff or fix_only) and not statistics:
        # what could not be checked is never silent, whatever else is shown
        from kerasfix.frontends.output import write_concise

        write_concise(sys.stderr, [d for d in diagnostics if d.code == "KF000"], unsafe_shown)
    if statistics:
        from kerasfix.frontends.output import write_statistics, write_statistics_json

        if output_format == "json":
            write_statistics_json(out, diagnostics, fixed, unsafe_shown)
        else:
            write_statistics(out, diagnostics, fixed, unsafe_shown)
    elif fix_only:
        pass
    elif not diff:
        console.write(out, diagnostics, output_format, unsafe_shown, paint)
    if show_fixes and fix and not diff and human:
        console.write_fixes(out, results)
    if not quiet and human and not statistics:
        if fix_only:
            count = sum(fixed.values())
            out.write(f"Fixed {count} finding{'s' * (count != 1)}.\n")
        else:
            console.summary(out, diagnostics, results, fix, diff, unsafe_shown)
        if console.is_terminal(out) and len(files) > 1 and not diff:
            console.closing_table(out, results, diagnostics, fixed, unsafe_shown)
    out.flush()
    code = console.exit_code(
        [d for d in diagnostics if d.code == "KF000"] if fix_only else diagnostics,
        exit_zero,
        diff and any(r.changed for r in results),
    )
    if exit_non_zero_on_fix and sum(fixed.values()) and not exit_zero:
        code = EXIT_FINDINGS
    sys.exit(code)


def _add_noqa(files: Sequence[str], per_file: dict[str, Settings], jobs: int, out: IO[str]) -> int:
    from kerasfix.engine.pipeline import add_noqa, add_noqa_notebook, write_result
    from kerasfix.engine.runner import run
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
    from kerasfix.engine.pipeline import process_notebook, process_text
    from kerasfix.source import SourceError, decode

    data = sys.stdin.buffer.read()
    try:
        decoded = decode(data)
    except SourceError as exc:
        from kerasfix.engine.pipeline import error_diagnostic

        console.write(
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
            out.write(console.unified_diff(filename, result.original, result.new_text))
        return console.exit_code(result.diagnostics, exit_zero, result.changed)
    if fix:
        text = result.new_text if result.new_text is not None else decoded.text
        sys.stdout.flush()
        sys.stdout.buffer.write(decoded.encode(text))
        sys.stdout.flush()
        if result.diagnostics:
            from kerasfix.frontends import output

            output.write_concise(sys.stderr, result.diagnostics, settings.unsafe_fixes)
        return console.exit_code(result.diagnostics, exit_zero, False)
    console.write(out, result.diagnostics, output_format, settings.unsafe_fixes, color)
    return console.exit_code(result.diagnostics, exit_zero, False)


@main.command()
@click.argument("code", required=False)
@click.option("--all", "show_all", is_flag=True, help="List every rule.")
def rule(code: Optional[str], show_all: bool) -> None:
    """Explain a rule (`kerasfix rule KF001`), or list them all."""
    from kerasfix.frontends.output import rule_doc
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


@main.command()
def server() -> None:
    """Run the language server: LSP over stdio, for editors (see README)."""
    from kerasfix.frontends.server import main as serve

    serve()
