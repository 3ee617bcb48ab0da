"""The real console script, in a subprocess, as users and pre-commit run it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from fixture_cases import FIXTURES

KERASFIX = shutil.which("kerasfix") or str(Path(sys.executable).with_name("kerasfix"))

BAD = """import numpy as np
from tensorflow import keras

model = keras.Sequential([keras.layers.Dense(10, activation="softmax")])
labels = model.predict_classes(np.zeros((2, 4)))
"""


def run(
    *args: str,
    cwd: Path | None = None,
    stdin: str | None = None,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess:
    extra = env or {}
    env = {k: v for k, v in os.environ.items() if not k.startswith("KERASFIX_")}
    env.pop("FORCE_COLOR", None)
    env.update(extra)
    return subprocess.run(
        [KERASFIX, *args],
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "train.py").write_text(BAD)
    (tmp_path / "clean.py").write_text("import os\nprint(os.sep)\n")
    return tmp_path


def test_version() -> None:
    proc = run("--version")
    assert proc.returncode == 0
    assert "kerasfix" in proc.stdout


def test_check_reports_and_exits_1(project: Path) -> None:
    proc = run("check", ".", cwd=project)
    assert proc.returncode == 1, proc.stderr
    assert "train.py:5:10: KF001" in proc.stdout
    assert "model.predict_classes" in proc.stdout  # the source line
    assert "^" in proc.stdout  # a caret under it
    assert (
        "fixable with the `--fix` option" in proc.stdout
    )  # the summary goes to stdout, as in Ruff


def test_clean_tree_exits_0(tmp_path: Path) -> None:
    (tmp_path / "ok.py").write_text("x = 1\n")
    proc = run("check", str(tmp_path))
    assert proc.returncode == 0
    assert "All checks passed" in proc.stdout


def test_fix_rewrites_and_second_run_is_clean(project: Path) -> None:
    proc = run("check", "--fix", ".", cwd=project)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    text = (project / "train.py").read_text()
    assert "labels = np.argmax(model.predict(np.zeros((2, 4))), axis=-1)" in text
    assert run("check", "--fix", ".", cwd=project).returncode == 0
    assert (project / "train.py").read_text() == text


def test_fix_keeps_file_mode(project: Path) -> None:
    target = project / "train.py"
    os.chmod(target, 0o751)
    run("check", "--fix", str(target))
    assert (os.stat(target).st_mode & 0o777) == 0o751


def test_diff_writes_nothing(project: Path) -> None:
    before = (project / "train.py").read_text()
    proc = run("check", "--diff", ".", cwd=project)
    assert proc.returncode == 1
    assert "-labels = model.predict_classes(np.zeros((2, 4)))" in proc.stdout
    assert "+labels = np.argmax(model.predict(np.zeros((2, 4))), axis=-1)" in proc.stdout
    assert (project / "train.py").read_text() == before


def test_json_is_ruff_shaped(project: Path) -> None:
    proc = run("check", "--output-format", "json", ".", cwd=project)
    assert proc.returncode == 1
    [item] = json.loads(proc.stdout)
    assert item["code"] == "KF001"
    assert item["location"] == {"row": 5, "column": 10}
    assert item["end_location"] == {"row": 5, "column": 49}
    assert item["filename"] == str(project / "train.py")
    assert item["fix"]["applicability"] == "safe"
    edits = item["fix"]["edits"]
    assert {e["content"] for e in edits} == {"np.argmax(", "predict", ", axis=-1)"}
    assert all(set(e) == {"content", "location", "end_location"} for e in edits)
    assert "url" in item


def test_concise_and_github(project: Path) -> None:
    concise = run("check", "--output-format", "concise", ".", cwd=project)
    assert concise.stdout.splitlines()[0].startswith("train.py:5:10: KF001 [*] ")
    github = run("check", "--output-format", "github", ".", cwd=project)
    line = github.stdout.splitlines()[0]
    assert line.startswith("::error file=train.py,line=5,col=10,")
    assert "title=KF001::" in line


def test_select_and_ignore(project: Path) -> None:
    assert run("check", "--ignore", "KF001", ".", cwd=project).returncode == 0
    assert run("check", "--select", "KF002", ".", cwd=project).returncode == 0
    assert run("check", "--select", "KF001", ".", cwd=project).returncode == 1
    bad = run("check", "--select", "KF999", ".", cwd=project)
    assert bad.returncode == 2
    assert "unknown rule code" in bad.stderr


def test_exit_zero(project: Path) -> None:
    assert run("check", "--exit-zero", ".", cwd=project).returncode == 0


def test_missing_path_is_an_error(tmp_path: Path) -> None:
    proc = run("check", str(tmp_path / "nope.py"))
    assert proc.returncode == 2


def test_stdin(project: Path) -> None:
    proc = run("check", "-", "--stdin-filename", "nb.py", "--output-format", "concise", stdin=BAD)
    assert proc.returncode == 1
    assert proc.stdout.startswith("nb.py:5:10: KF001")
    fixed = run("check", "-", "--fix", "--stdin-filename", "nb.py", stdin=BAD)
    assert fixed.returncode == 0
    assert "np.argmax(model.predict(np.zeros((2, 4))), axis=-1)" in fixed.stdout


def test_rule_docs() -> None:
    proc = run("rule", "KF001")
    assert proc.returncode == 0
    assert "predict_classes" in proc.stdout and "Fix safety" in proc.stdout
    assert run("rule", "KF999").returncode == 2
    listing = run("rule", "--all")
    assert "KF001" in listing.stdout and "KF002" in listing.stdout


def test_gitignore_and_virtualenvs_are_skipped(project: Path) -> None:
    subprocess.run(["git", "init", "-q"], cwd=project, check=True)
    (project / ".gitignore").write_text("generated/\n")
    for folder in ("generated", "venv", "__pycache__"):
        (project / folder).mkdir()
        (project / folder / "bad.py").write_text(BAD)
    (project / "venv" / "pyvenv.cfg").write_text("home = /usr\n")
    proc = run("check", "--output-format", "concise", ".", cwd=project)
    reported = {line.split(":")[0] for line in proc.stdout.splitlines() if ": KF" in line}
    assert reported == {"train.py"}


def test_config_in_pyproject(project: Path) -> None:
    (project / "pyproject.toml").write_text('[tool.kerasfix]\nignore = ["KF001"]\n')
    assert run("check", ".", cwd=project).returncode == 0
    (project / "pyproject.toml").write_text('[tool.kerasfix]\nignor = ["KF001"]\n')
    proc = run("check", ".", cwd=project)
    assert proc.returncode == 2 and "unknown key" in proc.stderr
    # the command line wins over the file
    (project / "pyproject.toml").write_text('[tool.kerasfix]\nignore = ["KF002"]\n')
    assert run("check", "--select", "KF002", ".", cwd=project).returncode == 0


def test_shipped_fixtures_run() -> None:
    proc = run("check", "--output-format", "concise", str(FIXTURES))
    assert proc.returncode == 1
    assert "KF001" in proc.stdout and "KF002" in proc.stdout
    assert "Traceback" not in proc.stderr


def test_cli_does_not_import_tensorflow(project: Path) -> None:
    code = (
        "import sys; from kerasfix.frontends.cli import main\n"
        "sys.argv = ['kerasfix', 'check', '--exit-zero', '.']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in ('tensorflow', 'keras', 'tf_keras', 'torch') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=project, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


def test_process_pool_exits_cleanly(tmp_path: Path) -> None:
    for i in range(20):
        (tmp_path / f"m{i}.py").write_text(BAD)
    for _ in range(3):
        proc = run("check", "--no-cache", "--jobs", "2", str(tmp_path))
        assert proc.returncode == 1
        assert "Traceback" not in proc.stderr, proc.stderr


@pytest.mark.parametrize("count", [3, 12])  # in-process, and through the pool
def test_cache_is_keyed_by_content(tmp_path: Path, count: int) -> None:
    project = tmp_path / "project"
    project.mkdir()
    for i in range(count):
        (project / f"m{i}.py").write_text(BAD if i % 2 == 0 else "x = 1\n")
    first = run("check", "--output-format", "concise", ".", cwd=project)
    assert first.returncode == 1
    assert (project / ".kerasfix_cache").is_dir()
    cached = run("check", "--output-format", "concise", ".", cwd=project)
    assert cached.stdout == first.stdout
    # a changed file is checked again; the others keep their results
    (project / "m0.py").write_text("x = 2\n")
    changed = run("check", "--output-format", "concise", ".", cwd=project)
    assert "m0.py" not in changed.stdout
    assert changed.stdout.count("KF001") == first.stdout.count("KF001") - 1
    assert (
        changed.stdout
        == run("check", "--no-cache", "--output-format", "concise", ".", cwd=project).stdout
    )
    # a cached finding with a safe fix is still fixed by --fix
    fixed = run("check", "--fix", ".", cwd=project)
    assert "predict_classes" not in (project / "m2.py").read_text()
    assert fixed.returncode in (0, 1)


def test_cached_findings_name_the_file_as_given(tmp_path: Path) -> None:
    (tmp_path / "m.py").write_text(BAD)
    absolute = run("check", "--output-format", "concise", str(tmp_path / "m.py"), cwd=tmp_path)
    assert absolute.stdout.startswith(str(tmp_path / "m.py"))
    relative = run("check", "--output-format", "concise", "m.py", cwd=tmp_path)
    assert relative.stdout.startswith("m.py:"), relative.stdout
