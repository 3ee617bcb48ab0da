"""kerasfix over thousands of real files: the installed scikit-learn, scikeras,
Keras, tf-keras and TensorFlow sources.

No traceback, no internal error, KF000 only where CPython itself refuses the
file, and none of the removed-method rules fire on these libraries' own code
(their predict_proba methods and callers are not Keras models).
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import warnings
from pathlib import Path

import pytest
from test_cli import KERASFIX

pytestmark = pytest.mark.tensorflow
PACKAGES = ["sklearn", "scikeras", "keras", "tf_keras", "tensorflow"]
NEVER_ON_LIBRARIES = {
    "KF001",
    "KF002",
    "KF101",
    "KF102",
    "KF103",
    "KF104",
    "KF105",
    "KF106",
    "KF107",
}


def _package_dirs() -> list[str]:
    dirs = []
    for name in PACKAGES:
        spec = importlib.util.find_spec(name)
        if spec is not None and spec.submodule_search_locations:
            dirs.append(list(spec.submodule_search_locations)[0])
    return dirs


@pytest.fixture(scope="module")
def corpus_run() -> tuple[list[dict], int]:
    dirs = _package_dirs()
    if len(dirs) < len(PACKAGES):
        pytest.skip("the corpus packages are not all installed")
    count = sum(1 for d in dirs for _ in Path(d).rglob("*.py"))
    proc = subprocess.run(
        [KERASFIX, "check", "--isolated", "--output-format", "json", "--exit-zero", *dirs],
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr
    return json.loads(proc.stdout), count


def test_corpus_is_large(corpus_run: tuple[list[dict], int]) -> None:
    _, count = corpus_run
    assert count > 2000


def test_no_internal_error(corpus_run: tuple[list[dict], int]) -> None:
    findings, _ = corpus_run
    errors = [f for f in findings if f["message"].startswith("internal error")]
    assert not errors, errors[:5]


def test_kf000_only_where_cpython_refuses(corpus_run: tuple[list[dict], int]) -> None:
    findings, _ = corpus_run
    for finding in findings:
        if finding["code"] != "KF000":
            continue
        source = Path(finding["filename"]).read_bytes()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with pytest.raises((SyntaxError, ValueError)):
                compile(source, finding["filename"], "exec")


def test_no_removed_method_findings_on_libraries(corpus_run: tuple[list[dict], int]) -> None:
    findings, _ = corpus_run
    wrong = [f for f in findings if f["code"] in NEVER_ON_LIBRARIES]
    assert not wrong, [(f["filename"], f["location"], f["message"]) for f in wrong[:5]]


def _keras_sample() -> list[Path]:
    """Every 4th library file under 60 kB that mentions Keras: the files the
    cheap tests before parsing are most likely to get wrong."""
    files = sorted(
        path
        for directory in _package_dirs()
        for path in Path(directory).rglob("*.py")
        if path.stat().st_size < 60_000
    )
    mentioning = [p for p in files if "keras" in p.read_text(encoding="utf-8", errors="replace")]
    return mentioning[::4]


def test_prefilter_hides_nothing_on_the_corpus() -> None:
    from kerasfix.engine.pipeline import lint_text
    from kerasfix.settings import Settings

    sample = _keras_sample()
    if len(sample) < 50:
        pytest.skip("the corpus packages are not all installed")
    for path in sample:
        text = path.read_text(encoding="utf-8", errors="replace")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            quick, _ = lint_text(text, str(path), Settings())
            full, _ = lint_text(text, str(path), Settings(prefilter=False))
        summary = [(d.code, d.row, d.column, d.message) for d in quick]
        assert summary == [(d.code, d.row, d.column, d.message) for d in full], path
