"""Configuration follows the checked files, as in Ruff: the nearest
pyproject.toml / kerasfix.toml above each file, its patterns relative to
its own folder. Each case drives the real CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_cli import BAD, run

PROBA = BAD + "probabilities = model.predict_proba(np.zeros((2, 4)))\n"


def _codes(stdout: str) -> list[tuple[str, str]]:
    """(path, code) of each finding in concise output."""
    found = []
    for line in stdout.splitlines():
        if ": KF" in line:
            path, rest = line.split(":", 1)
            found.append((path, rest.split(": ", 1)[1].split()[0]))
    return found


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """top.py, sub/a.py and sub/legacy/old.py, with sub/pyproject.toml."""
    (tmp_path / "sub" / "legacy").mkdir(parents=True)
    for path in ("top.py", "sub/a.py", "sub/legacy/old.py"):
        (tmp_path / path).write_text(PROBA)
    (tmp_path / "sub" / "pyproject.toml").write_text(
        "[tool.kerasfix]\n"
        'ignore = ["KF001"]\n'
        'extend-exclude = ["legacy/*.py"]\n'
        'per-file-ignores = { "a.py" = ["KF002"] }\n'
    )
    return tmp_path


def test_each_file_uses_the_configuration_nearest_to_it(tree: Path) -> None:
    proc = run("check", "--output-format", "concise", ".", cwd=tree)
    assert _codes(proc.stdout) == [("top.py", "KF001"), ("top.py", "KF002")]
    # the same from outside: `check sub/` from the parent reads sub/pyproject.toml
    assert run("check", "sub", cwd=tree).returncode == 0
    assert run("check", "sub/a.py", cwd=tree).returncode == 0


def test_patterns_are_relative_to_the_configuration(tree: Path) -> None:
    inside = tree / "sub" / "legacy"
    assert run("check", ".", cwd=inside).returncode == 0  # legacy/*.py excludes old.py
    # a file named on the command line is checked (KF001 still ignored)...
    named = run("check", "--output-format", "concise", "old.py", cwd=inside)
    assert _codes(named.stdout) == [("old.py", "KF002")]
    # ...unless --force-exclude, as pre-commit passes it
    assert run("check", "--force-exclude", "old.py", cwd=inside).returncode == 0


def test_config_flag_applies_one_file_everywhere(tree: Path) -> None:
    (tree / "other.toml").write_text('select = ["KF002"]\n')
    proc = run("check", "--config", "other.toml", "--output-format", "concise", ".", cwd=tree)
    assert {code for _, code in _codes(proc.stdout)} == {"KF002"}
    assert ("sub/legacy/old.py", "KF002") in _codes(proc.stdout)
    # a `key = value` setting laid over each configuration (it replaces that key)
    inline = run(
        "check", "--config", "ignore = ['KF002']", "--output-format", "concise", ".", cwd=tree
    )
    assert _codes(inline.stdout) == [("sub/a.py", "KF001"), ("top.py", "KF001")]
    missing = run("check", "--config", "nope.toml", ".", cwd=tree)
    assert missing.returncode == 2 and "nope.toml" in missing.stderr


def test_extend_select_exclude_and_output_format_keys(tmp_path: Path) -> None:
    (tmp_path / "build").mkdir()
    (tmp_path / "build" / "gen.py").write_text(PROBA)
    (tmp_path / "keep").mkdir()
    (tmp_path / "keep" / "x.py").write_text(PROBA)
    (tmp_path / "pyproject.toml").write_text(
        '[tool.kerasfix]\nselect = ["KF001"]\nextend-select = ["KF002"]\noutput-format = "json"\n'
    )
    items = json.loads(run("check", ".", cwd=tmp_path).stdout)
    assert sorted({(i["filename"].rsplit("/", 2)[-2], i["code"]) for i in items}) == [
        ("keep", "KF001"),
        ("keep", "KF002"),
    ]  # build/ is excluded by default
    # `exclude` replaces the default list: build/ is checked, keep/ is not
    (tmp_path / "pyproject.toml").write_text('[tool.kerasfix]\nexclude = ["keep/"]\n')
    proc = run("check", "--output-format", "concise", ".", cwd=tmp_path)
    assert {path for path, _ in _codes(proc.stdout)} == {"build/gen.py"}


def test_default_excludes_like_ruff(tmp_path: Path) -> None:
    for folder in ("dist", "build", "site-packages", "venv", ".tox", "node_modules", "src"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "m.py").write_text(BAD)
    proc = run("check", "--output-format", "concise", ".", cwd=tmp_path)
    assert {path for path, _ in _codes(proc.stdout)} == {"src/m.py"}
    listed = run("check", "--show-files", ".", cwd=tmp_path)
    assert listed.returncode == 0 and listed.stdout.split() == ["src/m.py"]


def test_extend_exclude_flag(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "m.py").write_text(BAD)
    (tmp_path / "b.py").write_text(BAD)
    proc = run("check", "--extend-exclude", "a/", "--output-format", "concise", ".", cwd=tmp_path)
    assert {path for path, _ in _codes(proc.stdout)} == {"b.py"}


def test_show_settings(tree: Path) -> None:
    proc = run("check", "--show-settings", "sub/a.py", cwd=tree)
    assert proc.returncode == 0
    assert "Resolved settings for: sub/a.py" in proc.stdout
    assert f"Settings path: {tree / 'sub' / 'pyproject.toml'}" in proc.stdout
    assert 'ignore = ["KF001"]' in proc.stdout
    top = run("check", "--show-settings", "top.py", cwd=tree)
    assert "(none: defaults)" in top.stdout and "ignore = []" in top.stdout


def test_a_bad_nested_configuration_is_an_error(tree: Path) -> None:
    (tree / "sub" / "pyproject.toml").write_text('[tool.kerasfix]\nselekt = ["KF001"]\n')
    proc = run("check", ".", cwd=tree)
    assert proc.returncode == 2 and "unknown key 'selekt'" in proc.stderr
