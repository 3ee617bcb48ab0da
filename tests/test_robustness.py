"""Never crash, never lose a byte: bad input, hostile paths, interrupted runs."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from test_cli import KERASFIX

import kerasfix.engine.pipeline as engine
from kerasfix.engine.discovery import find_files
from kerasfix.engine.fixing import AppliedFixes, FixVerificationError, verify
from kerasfix.engine.pipeline import process_text
from kerasfix.engine.runner import run
from kerasfix.settings import Settings

TEMPLATE = """import numpy as np
from tensorflow import keras

# file {i}
model = keras.Sequential([keras.layers.Dense({units}, activation="softmax")])
model.compile(loss="categorical_crossentropy")
{padding}
labels = model.predict_classes(np.zeros((2, 4)))
probs = model.predict_proba(np.zeros((2, 4)))
"""


def _tree(root: Path, count: int) -> dict[Path, tuple[str, str]]:
    files = {}
    for i in range(count):
        padding = "\n".join(f"value_{j} = {j} * {i}" for j in range(i % 40))
        text = TEMPLATE.format(i=i, units=2 + i % 7, padding=padding)
        path = root / f"pkg{i % 10}" / f"train_{i}.py"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        files[path] = (text, engine.fix_source(text))
    return files


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT, signal.SIGKILL])
def test_interrupted_fix_leaves_every_file_old_or_new(tmp_path: Path, sig: int) -> None:
    files = _tree(tmp_path, 300)
    proc = subprocess.Popen(
        [KERASFIX, "check", "--fix", "--exit-zero", str(tmp_path)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    time.sleep(2.0)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    changed = 0
    for path, (original, fixed) in files.items():
        text = path.read_text()
        compile(text, str(path), "exec")
        assert text in (original, fixed), path
        changed += text == fixed
    leftovers = [p for p in tmp_path.rglob("*") if p.name.startswith(".kerasfix-")]
    if sig != signal.SIGKILL:
        assert not leftovers, leftovers
        assert b"Traceback" not in err
    assert all(original != fixed for original, fixed in files.values())


def test_fix_that_changes_untouched_code_is_refused() -> None:
    old = "a = 1\nb = 2\n"
    bad = AppliedFixes("a = 10\nb = 3\n", ["KF999"], [(4, 5)], [(4, 6)])
    with pytest.raises(FixVerificationError):
        verify(old, bad)
    good = AppliedFixes("a = 10\nb = 2\n", ["KF999"], [(4, 5)], [(4, 6)])
    verify(old, good)
    broken = AppliedFixes("a = (\nb = 2\n", ["KF999"], [(4, 5)], [(4, 5)])
    with pytest.raises(FixVerificationError):
        verify(old, broken)


def test_unwritable_file_is_reported_and_others_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = _tree(tmp_path, 3)
    paths = sorted(files)
    real = engine.write_atomic

    def flaky(path: str, data: bytes) -> None:
        if path == str(paths[1]):
            raise PermissionError(13, "Permission denied")
        real(path, data)

    monkeypatch.setattr(engine, "write_atomic", flaky)
    results = run([str(p) for p in paths], Settings(), fix=True, write=True, jobs=1)
    assert paths[0].read_text() == files[paths[0]][1]
    assert paths[1].read_text() == files[paths[1]][0]
    assert paths[2].read_text() == files[paths[2]][1]
    [error] = [d for d in results[1].diagnostics if d.code == "KF000"]
    assert "cannot write file: Permission denied" in error.message


def test_internal_error_is_kf000_and_the_run_goes_on(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from kerasfix.rules.kf002_predict_proba import PredictProba

    def boom(ctx: object) -> None:
        raise ZeroDivisionError("division by zero\nsecond line")

    monkeypatch.setattr(PredictProba, "check", classmethod(lambda cls, ctx: boom(ctx)))
    text = TEMPLATE.format(i=0, units=3, padding="")
    diagnostics = process_text(text, "m.py", Settings(), fix=False).diagnostics
    codes = sorted(d.code for d in diagnostics)
    assert codes == ["KF000", "KF001"]
    [error] = [d for d in diagnostics if d.code == "KF000"]
    assert error.message == "internal error: ZeroDivisionError: division by zero"
    monkeypatch.setenv("KERASFIX_TRACEBACK", "1")
    process_text(text, "m.py", Settings(), fix=False)
    assert "Traceback" in capsys.readouterr().err


def test_hostile_paths(tmp_path: Path) -> None:
    bad = TEMPLATE.format(i=0, units=3, padding="")
    (tmp_path / "loop").mkdir()
    os.symlink(tmp_path, tmp_path / "loop" / "back")  # a symlink loop
    (tmp_path / "dir.py").mkdir()  # a folder named like a module
    (tmp_path / "dir.py" / "inner.py").write_text(bad)
    (tmp_path / "with space.py").write_text(bad)
    (tmp_path / "naïve_模型.py").write_text(bad)
    os.mkfifo(tmp_path / "pipe.py")  # reading it would block forever
    files = list(find_files([str(tmp_path)]))
    names = sorted(Path(f).name for f in files)
    assert names == ["inner.py", "naïve_模型.py", "with space.py"]
    proc = subprocess.run(
        [
            KERASFIX,
            "check",
            "--output-format",
            "concise",
            str(tmp_path),
            str(tmp_path / "pipe.py"),
            str(tmp_path / "dir.py"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    assert "pipe.py:1:1: KF000 not a regular file" in proc.stdout
    assert proc.stdout.count("KF001") == 3


def test_file_deleted_while_walking(tmp_path: Path) -> None:
    for i in range(3):
        (tmp_path / f"f{i}.py").write_text(TEMPLATE.format(i=i, units=3, padding=""))
    walk = find_files([str(tmp_path)])
    first = next(walk)
    os.unlink(tmp_path / "f2.py")  # listed already, gone before it is read
    results = run([first, *walk], Settings(), fix=True, write=True, jobs=1)
    assert [r.fixed for r in results[:2]] == [2, 2]
    [gone] = results[2].diagnostics
    assert gone.code == "KF000" and gone.message.startswith("cannot read file")


@pytest.mark.parametrize(
    "source",
    [
        "predict_classes = " + "(" * 3000 + "1" + ")" * 3000,
        "predict_classes = " + "-" * 20000 + "1",
        "predict_classes = " + "a." * 30000 + "b",
        "predict_classes = " + "lambda: " * 5000 + "1",
        "predict_classes = " + "+".join(["a"] * 100000),
    ],
    ids=["parens", "unary", "attributes", "lambdas", "binary-ops"],
)
def test_nesting_deeper_than_the_parser_takes(tmp_path: Path, source: str) -> None:
    path = tmp_path / "deep.py"
    # a site KF001 looks at, so the file must be parsed (or reported)
    path.write_text("y = model.predict_classes(x)\n" + source + "\n")
    proc = subprocess.run(
        [KERASFIX, "check", "--output-format", "concise", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 1, (proc.returncode, proc.stderr[-500:])
    assert ": KF000 " in proc.stdout


def test_python2_and_junk(tmp_path: Path) -> None:
    (tmp_path / "py2.py").write_text("print 'hello'\nmodel.predict_classes(x)\n")
    (tmp_path / "junk.py").write_bytes(os.urandom(2000) + b"predict_classes")
    (tmp_path / "latin.py").write_bytes(b"x = '\xe9'\nmodel.predict_classes(x)\n")
    (tmp_path / "good.py").write_text(TEMPLATE.format(i=0, units=3, padding=""))
    proc = subprocess.run(
        [KERASFIX, "check", "--fix", "--output-format", "concise", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    lines = proc.stdout.splitlines()
    assert any(
        line.startswith(str(tmp_path / "py2.py") + ":1:1: KF000 syntax error") for line in lines
    )
    assert any("junk.py" in line and "KF000" in line for line in lines)
    assert any("latin.py:1:6: KF000" in line for line in lines)
    assert "np.argmax(model.predict(" in (tmp_path / "good.py").read_text()


def test_verbose_flag_sets_traceback_env(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("x = 1\n")
    code = (
        "import os, sys\nfrom kerasfix.frontends.cli import main\n"
        f"sys.argv = ['kerasfix', 'check', '--verbose', {str(tmp_path)!r}]\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "assert os.environ.get('KERASFIX_TRACEBACK') == '1'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)
