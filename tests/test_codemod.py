"""LibCST's own runner, in a subprocess, gives exactly kerasfix's fixes."""

from __future__ import annotations

import codecs
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from fixture_cases import cases
from test_cli import run


def _tree(root: Path) -> None:
    for case in cases():
        if not case.notebook:
            target = root / case.source.parent.name / case.source.name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(case.source, target)
    line = "y = model.predict_classes(np.zeros((1, 3)))  # café\n"
    head = (
        "import numpy as np\nfrom tensorflow import keras\n"
        'model = keras.Sequential([keras.layers.Dense(4, activation="softmax")])\n'
    )
    (root / "encodings").mkdir()
    (root / "encodings" / "bom.py").write_bytes(codecs.BOM_UTF8 + (head + line).encode())
    (root / "encodings" / "crlf.py").write_bytes((head + line).replace("\n", "\r\n").encode())
    (root / "encodings" / "latin.py").write_bytes(
        ("# -*- coding: latin-1 -*-\n" + head + line).encode("latin-1")
    )


def _codemod(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "libcst.tool",
            "codemod",
            "-x",
            "kerasfix.frontends.codemod.KerasFix",
            "--no-format",
            "--hide-progress",
            "-j",
            "1",
            str(root),
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*.py"))}


@pytest.mark.parametrize("extra", [(), ("--unsafe-fixes", "--select", "KF0,KF102")])
def test_libcst_tool_gives_kerasfix_fixes(tmp_path: Path, extra: tuple[str, ...]) -> None:
    by_libcst, by_kerasfix = tmp_path / "libcst", tmp_path / "kerasfix"
    _tree(by_libcst)
    _tree(by_kerasfix)
    before = _files(by_libcst)
    proc = _codemod(by_libcst, *extra)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "Failed to codemod 0 files" in proc.stderr
    run("check", "--fix", "--no-cache", "--exit-zero", *extra, str(by_kerasfix))
    after = _files(by_libcst)
    assert after == _files(by_kerasfix)
    assert sum(after[k] != before[k] for k in after) >= 10  # it did fix things
