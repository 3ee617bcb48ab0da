"""Whole projects: names imported across modules, checked through the real CLI.

Each folder under ``fixtures/projects/`` is a small project (a pyproject.toml
at its root). Its expected diagnostics and fixes are walked by
``tests/test_fixtures.py`` with the other fixtures; here the CLI must give a
file named alone (as pre-commit names only the changed files) the same
findings as checking the whole tree, and, under real TensorFlow, the scripts
marked ``# semantic-test: project`` must compute after ``kerasfix check
--fix`` what the removed methods computed before it.
"""

from __future__ import annotations

import json
import os
import pickle
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from fixture_cases import DERIVED, PROJECT_MARKER, PROJECTS

RUNNER = Path(__file__).with_name("semantic_runner.py")
PROJECT_DIRS = sorted(p for p in PROJECTS.iterdir() if (p / "pyproject.toml").exists())


def _check(*args: str, cwd: Path) -> list[dict]:
    proc = subprocess.run(
        [sys.executable, "-m", "kerasfix", "check", "--no-cache", "--output-format", "json", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=300,
    )
    assert proc.returncode in (0, 1), proc.stderr
    return json.loads(proc.stdout)


def _modules(root: Path) -> list[Path]:
    return sorted(
        p
        for p in [*root.rglob("*.py"), *root.rglob("*.ipynb")]
        if not p.name.endswith(DERIVED) and ".git" not in p.parts
    )


def _key(finding: dict) -> tuple:
    fix = finding.get("fix") or {}
    return (
        finding["code"],
        finding["location"]["row"],
        finding["location"]["column"],
        finding["message"],
        json.dumps(fix, sort_keys=True),
    )


def test_there_are_fixture_projects() -> None:
    assert PROJECT_DIRS


@pytest.mark.parametrize("project", PROJECT_DIRS, ids=lambda p: p.name)
def test_a_file_named_alone_gets_what_the_whole_tree_gives_it(project: Path) -> None:
    whole: dict[str, list[tuple]] = {}
    for finding in _check(".", cwd=project):
        name = Path(finding["filename"]).resolve().relative_to(project).as_posix()
        whole.setdefault(name, []).append(_key(finding))
    expects_findings = any(
        m.with_suffix(".expected").exists() and m.with_suffix(".expected").read_text().strip()
        for m in _modules(project)
    )
    # a project of Keras's own code (keras_fork) expects none, named alone or not
    assert whole or not expects_findings, "the project has no findings to compare"
    for module in _modules(project):
        name = module.relative_to(project).as_posix()
        # from another folder, as a hook or an editor may run it
        alone = [_key(f) for f in _check(str(module), cwd=PROJECTS.parent)]
        assert alone == whole.get(name, []), name


# the projects with scripts to run before and after the fix
SEMANTIC_PROJECTS = [
    p
    for p in PROJECT_DIRS
    if any(
        m.suffix == ".py" and m.read_text(encoding="utf-8").startswith(PROJECT_MARKER)
        for m in _modules(p)
    )
]


def _run(mode: str, root: Path, scripts: list[Path], out: Path) -> dict:
    env = dict(os.environ)
    if (root / "src").is_dir():
        # an src/ layout's package is importable once installed (pip install -e .)
        env["PYTHONPATH"] = os.pathsep.join(
            filter(None, [str(root / "src"), env.get("PYTHONPATH")])
        )
    proc = subprocess.run(
        [sys.executable, str(RUNNER), mode, str(out), *map(str, scripts)],
        capture_output=True,
        text=True,
        timeout=900,
        env=env,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    with open(out, "rb") as handle:
        return pickle.load(handle)


def _same(a: object, b: object) -> bool:
    assert isinstance(a, np.ndarray) and isinstance(b, np.ndarray)
    return a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a, b)


@pytest.mark.tensorflow
@pytest.mark.parametrize("project", SEMANTIC_PROJECTS, ids=lambda p: p.name)
def test_fixed_project_computes_what_the_removed_methods_did(project: Path, tmp_path: Path) -> None:
    pytest.importorskip("tensorflow")
    ignore = shutil.ignore_patterns("*.fixed.py", "*.unsafe.py", "*.expected", "__pycache__")
    original = shutil.copytree(project, tmp_path / "original", ignore=ignore)
    fixed = shutil.copytree(project, tmp_path / "fixed", ignore=ignore)
    proc = subprocess.run(
        [sys.executable, "-m", "kerasfix", "check", "--no-cache", "--fix", "--exit-zero", "."],
        cwd=fixed,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    scripts = [
        p.relative_to(original)
        for p in _modules(original)
        if p.read_text(encoding="utf-8").startswith(PROJECT_MARKER)
    ]
    assert scripts
    before = _run("removed", original, [original / s for s in scripts], tmp_path / "before.pkl")
    after = _run("plain", fixed, [fixed / s for s in scripts], tmp_path / "after.pkl")
    for script in scripts:
        status, old = before[script.name]
        assert status == "ok", f"{script} failed with the removed methods:\n{old}"
        status, new = after[script.name]
        assert status == "ok", f"{script} failed after the fix:\n{new}"
        assert old.keys() == new.keys()
        assert [n for n in old if not _same(old[n], new[n])] == [], script


def test_a_cached_result_goes_stale_with_the_module_it_read(tmp_path: Path) -> None:
    """train.py's fix depends on the head built in shop/nets.py: changing
    only nets.py must change train.py's result on the next (cached) run."""
    project = shutil.copytree(PROJECTS / "shop", tmp_path / "shop")

    def train_messages() -> list[str]:
        proc = subprocess.run(
            [sys.executable, "-m", "kerasfix", "check", "--output-format", "json", "train.py"],
            capture_output=True,
            text=True,
            cwd=project,
            timeout=300,
        )
        assert proc.returncode in (0, 1), proc.stderr
        return [f["message"] for f in json.loads(proc.stdout)]

    first = train_messages()
    assert any("ends in 3 units" in m for m in first)
    assert train_messages() == first  # from the cache
    nets = project / "shop" / "nets.py"
    nets.write_text(
        nets.read_text(encoding="utf-8").replace(
            'layers.Dense(n_classes, activation="softmax")', 'layers.Dense(1, activation="sigmoid")'
        ),
        encoding="utf-8",
    )
    assert any("ends in one unit" in m for m in train_messages())
