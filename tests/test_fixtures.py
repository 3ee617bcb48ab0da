"""One test walks every fixture: diagnostics, safe fix, unsafe fix, idempotence.

Set KERASFIX_UPDATE_FIXTURES=1 to (re)write the expected files, then review
them with `git diff` before committing.
"""

from __future__ import annotations

import os
from dataclasses import replace

import libcst as cst
import pytest
from fixture_cases import Case, cases

from kerasfix.engine.pipeline import process_notebook, process_text
from kerasfix.settings import Settings

UPDATE = bool(os.environ.get("KERASFIX_UPDATE_FIXTURES"))


def _process(text: str, path: str, settings: Settings, fix: bool):  # noqa: ANN202
    if path.endswith(".ipynb"):
        return process_notebook(text, path, settings, fix)
    return process_text(text, path, settings, fix)


def _settings(case: Case) -> Settings:
    """A case's settings: the default selection, with its own opt-in family (KF2xx) on."""
    if case.source.parent.name.startswith("KF2"):
        return Settings(select=frozenset({"KF", "KF2"}))
    return Settings()


def _describe(text: str, path: str, settings: Settings) -> str:
    diagnostics = _process(text, path, settings, fix=False).diagnostics
    lines = []
    for d in diagnostics:
        fix = d.fix.applicability.value if d.fix is not None else "none"
        cell = f"cell {d.cell}:" if d.cell is not None else ""
        lines.append(f"{cell}{d.row}:{d.column} {d.code} {fix}")
    return "\n".join(lines) + ("\n" if lines else "")


def _fixed(text: str, settings: Settings, unsafe: bool, path: str) -> str:
    result = _process(text, path, replace(settings, unsafe_fixes=unsafe), fix=True)
    assert not any(d.message.startswith("internal error") for d in result.diagnostics)
    return result.new_text if result.new_text is not None else text


def _compare(path, actual: str, default: str) -> None:  # noqa: ANN001
    if UPDATE:
        if actual != default:
            path.write_text(actual, encoding="utf-8", newline="")
        elif path.exists():
            path.unlink()
        return
    expected = path.read_text(encoding="utf-8") if path.exists() else default
    assert actual == expected


@pytest.mark.parametrize("case", cases(), ids=lambda c: c.id)
def test_fixture(case: Case, tmp_path) -> None:  # noqa: ANN001
    source = case.source.read_text(encoding="utf-8")
    # a project's module is checked where it is, so that its imports resolve; any other case
    # is a program of its own, checked alone in a folder of its own (the fixtures beside it,
    # and their expected outputs, are not its project)
    if case.project is not None:
        path = str(case.source)
    else:
        path = str(tmp_path / case.source.name)
        (tmp_path / case.source.name).write_text(source, encoding="utf-8")
    settings = _settings(case)
    described = _describe(source, path, settings)
    if UPDATE:
        case.expected.write_text(described, encoding="utf-8")
    else:
        assert case.expected.exists(), f"{case.expected} is missing"
        assert described == case.expected.read_text(encoding="utf-8")

    # the cheap text test before parsing never hides a finding
    assert _describe(source, path, replace(settings, prefilter=False)) == described

    fixed = _fixed(source, settings, unsafe=False, path=path)
    _compare(case.fixed, fixed, source)
    unsafe = _fixed(source, settings, unsafe=True, path=path)
    _compare(case.unsafe, unsafe, fixed)

    for output in {fixed, unsafe}:
        if not case.notebook:
            cst.parse_module(output)  # fixes always parse
        again = _fixed(output, settings, unsafe=output is unsafe, path=path)
        assert again == output, "a second run changed it"
    # after --fix, no finding with a safe fix is left
    diagnostics = _process(fixed, path, settings, fix=False).diagnostics
    assert not [d for d in diagnostics if d.fix is not None and d.fix.applicability.value == "safe"]
