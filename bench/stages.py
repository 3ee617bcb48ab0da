"""Where a cold run's time goes, stage by stage, in one process.

    python bench/stages.py PATH… [--extend-select KF2]

Runs ``kerasfix check --no-cache -j 1`` on the paths inside this process with a timer around
each stage of the engine (reading notebooks, the text triage, CPython's parse, the quick
facts, the tree index, the rules with the inference they ask for, the syntax check of files
no rule reads) and prints the seconds and calls of each, beside the whole run's CPU time.
Stages nest: the rules include the tree index and the inference they build on first use.
For deciding what to make faster; ``bench/run.py`` is the measure.
"""

from __future__ import annotations

import contextlib
import io
import sys
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

SECONDS: Counter[str] = Counter()
CALLS: Counter[str] = Counter()


def timed(owner: Any, attribute: str, label: str) -> None:
    """Replace ``owner.attribute`` (a function or method) by one that adds its time to
    ``label``."""
    original: Callable[..., Any] = getattr(owner, attribute)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            SECONDS[label] += time.perf_counter() - start
            CALLS[label] += 1

    setattr(owner, attribute, wrapper)


def instrument() -> None:
    from kerasfix.analysis import quick, tree
    from kerasfix.engine import notebook, pipeline, triage
    from kerasfix.rules import ALL_RULES

    timed(pipeline, "lint_text", "lint (all below)")
    timed(notebook.Notebook, "parse", "notebook JSON and cells")
    timed(triage.Scanner, "candidates", "text triage")
    timed(pipeline, "parse_python", "parse (CPython)")
    timed(quick, "facts", "quick facts")
    timed(triage.Scanner, "confirmed", "sites asked of the facts")
    timed(tree.TreeIndex, "__init__", "tree index")
    timed(pipeline, "python_syntax_error", "syntax check (KF000 only)")
    for rule in ALL_RULES:
        check = rule.check.__func__  # type: ignore[attr-defined]

        def wrapped(cls: type, ctx: Any, check: Callable[..., Any] = check) -> Any:
            start = time.perf_counter()
            try:
                return list(check(cls, ctx))
            finally:
                SECONDS["rules (with the index and inference)"] += time.perf_counter() - start
                CALLS["rules (with the index and inference)"] += 1

        rule.check = classmethod(wrapped)  # type: ignore[assignment]


def main() -> None:
    instrument()
    from kerasfix.frontends.cli import main as cli

    sys.argv = ["kerasfix", "check", "--no-cache", "--exit-zero", "-q", "-j", "1", *sys.argv[1:]]
    wall, cpu = time.perf_counter(), time.process_time()
    with contextlib.suppress(SystemExit), contextlib.redirect_stdout(io.StringIO()):
        cli()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(f"{'stage':<40}{'seconds':>9}{'calls':>8}")
    for label, seconds in SECONDS.most_common():
        print(f"{label:<40}{seconds:>9.3f}{CALLS[label]:>8}")
    print(f"{'the run (after start-up)':<40}{wall:>9.3f}   CPU {cpu:.3f} s")


if __name__ == "__main__":
    main()
