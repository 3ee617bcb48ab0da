"""Output and flags as a Ruff user expects them. Real CLI."""

from __future__ import annotations

from pathlib import Path

from test_cli import BAD, run
from test_integrations import _run_in_terminal

MULTILINE = BAD.replace(
    "labels = model.predict_classes(np.zeros((2, 4)))\n",
    "labels = model.predict_classes(\n    np.zeros((2, 4)),\n)\n",
)


def test_keras_file_that_does_not_parse_is_kf000(tmp_path: Path) -> None:
    for name, text in (
        ("a.py", "import keras\ndef f(:\n    pass\n"),
        ("b.py", "import tensorflow as tf\nx = (\n"),
        ("c.py", "from tensorflow.keras import layers\nclass\n"),
    ):
        (tmp_path / name).write_text(text)
    (tmp_path / "plain.py").write_text("print 'not python 3, not keras'\n")
    proc = run("check", "--output-format", "concise", ".", cwd=tmp_path)
    assert proc.returncode == 1
    reported = {line.split(":")[0] for line in proc.stdout.splitlines() if ": KF000" in line}
    assert reported == {"a.py", "b.py", "c.py"}
    assert "All checks passed" not in proc.stdout


def test_summary_goes_to_stdout(tmp_path: Path) -> None:
    (tmp_path / "m.py").write_text(BAD)
    proc = run("check", "m.py", cwd=tmp_path)
    assert proc.stdout.rstrip().endswith("Found 1 finding.\n[*] 1 fixable with the `--fix` option.")
    assert proc.stderr == ""
    (tmp_path / "m.py").write_text("x = 1\n")
    assert run("check", "m.py", cwd=tmp_path).stdout == "All checks passed!\n"


def test_a_call_over_several_lines_is_underlined_on_its_first_line(tmp_path: Path) -> None:
    (tmp_path / "m.py").write_text(MULTILINE)
    lines = run("check", "m.py", cwd=tmp_path).stdout.splitlines()
    source = next(i for i, line in enumerate(lines) if "labels = model.predict_classes(" in line)
    caret = lines[source + 1]
    start = lines[source].index("model.predict_classes(")
    assert caret.index("^") == start
    assert caret.rstrip().endswith("^") and len(caret.strip()) == len("model.predict_classes(")


def test_fix_only_show_fixes_and_exit_non_zero_on_fix(tmp_path: Path) -> None:
    unfixable = "\nother = keras.models.load_model('m.h5').predict_classes(x)\n"
    (tmp_path / "m.py").write_text(BAD + unfixable)
    proc = run("check", "--fix-only", "m.py", cwd=tmp_path)
    assert proc.returncode == 0 and "Fixed 1 finding." in proc.stdout
    assert "load_model" not in proc.stdout  # what is left is not reported
    (tmp_path / "m.py").write_text(BAD)
    proc = run("check", "--fix", "--show-fixes", "--exit-non-zero-on-fix", "m.py", cwd=tmp_path)
    assert proc.returncode == 1
    assert "Fixed 1 finding:\n- m.py:\n    1 × KF001 (predict-classes)\n" in proc.stdout
    assert run("check", "--fix", "--exit-non-zero-on-fix", "m.py", cwd=tmp_path).returncode == 0


def test_output_file_and_color(tmp_path: Path) -> None:
    (tmp_path / "m.py").write_text(BAD)
    proc = run("check", "--output-file", "out/report.txt", "m.py", cwd=tmp_path)
    assert proc.returncode == 1 and proc.stdout == ""
    report = (tmp_path / "out" / "report.txt").read_text()
    assert "m.py:5:10: KF001" in report and "Found 1 finding." in report
    coloured = run("check", "--color", "always", "m.py", cwd=tmp_path).stdout
    assert "\x1b[" in coloured
    plain = run("check", "--color", "never", "m.py", cwd=tmp_path, env={"FORCE_COLOR": "1"}).stdout
    assert "\x1b[" not in plain


def test_closing_table_says_what_it_counts(tmp_path: Path) -> None:
    for i in range(3):
        (tmp_path / f"m{i}.py").write_text(
            BAD + "other = keras.models.load_model('m').predict_classes(x)\n"
        )
    shown = _run_in_terminal(["check", "--no-cache", "."], tmp_path)
    for column in ("found", "fixed", "left", "fixable"):
        assert column in shown
    assert "3 files scanned, 0 changed" in shown
    piped = run("check", ".", cwd=tmp_path)
    assert "files scanned" not in piped.stdout + piped.stderr


def test_diff_still_reports_what_could_not_be_checked(tmp_path: Path) -> None:
    (tmp_path / "m.py").write_text("import keras\ndef f(:\n")
    proc = run("check", "--diff", "m.py", cwd=tmp_path)
    assert "KF000" in proc.stderr
