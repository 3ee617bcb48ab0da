"""Suppressions read comments, not text; unused ones are reported (KF900).
Through the real CLI."""

from __future__ import annotations

import ast
from pathlib import Path

from test_cli import run

HEAD = (
    "import numpy as np\n"
    "from tensorflow import keras\n\n"
    'model = keras.Sequential([keras.layers.Dense(10, activation="softmax")])\n'
)


def _rows(stdout: str, code: str = "KF001") -> list[int]:
    return [int(line.split(":")[1]) for line in stdout.splitlines() if f": {code}" in line]


def test_strings_and_docstrings_never_suppress(tmp_path: Path) -> None:
    (tmp_path / "m.py").write_text(
        HEAD
        + 'a = model.predict_classes("# noqa")\n'
        + 'b = model.predict_classes("x  # noqa: KF001")\n'
        + 'def f():\n    """\n    # kerasfix: noqa\n    """\n'
    )
    proc = run("check", "--output-format", "concise", "m.py", cwd=tmp_path)
    assert _rows(proc.stdout) == [5, 6]


def test_file_level_directive_with_a_code(tmp_path: Path) -> None:
    (tmp_path / "m.py").write_text(
        "# kerasfix: noqa: KF002\n"
        + HEAD
        + "a = model.predict_classes(np.zeros((1, 4)))\n"
        + "b = model.predict_proba(np.zeros((1, 4)))\n"
    )
    proc = run("check", "--output-format", "concise", "m.py", cwd=tmp_path)
    assert _rows(proc.stdout) == [6] and _rows(proc.stdout, "KF002") == []
    (tmp_path / "m.py").write_text("# kerasfix: noqa\n" + HEAD + "a = model.predict_classes(x)\n")
    assert run("check", "m.py", cwd=tmp_path).returncode == 0


def test_add_noqa_goes_where_ruff_puts_it(tmp_path: Path) -> None:
    source = (
        HEAD
        + 'docs = model.predict_classes("""\n'
        + 'rows""")\n'
        + "continued = model.predict_classes(np.zeros((1, 4)), \\\n"
        + "    batch_size=2)\n"
        + "spread = model.predict_classes(\n"
        + "    np.zeros((1, 4)),\n"
        + ")\n"
    )
    path = tmp_path / "m.py"
    path.write_text(source)
    proc = run("check", "--add-noqa", "m.py", cwd=tmp_path)
    assert proc.returncode == 0 and "Added 3 noqa directives" in proc.stdout
    text = path.read_text()
    assert ast.dump(ast.parse(text)) == ast.dump(ast.parse(source))  # nothing inside a string
    lines = text.splitlines()
    assert lines[5] == 'rows""")  # noqa: KF001'
    assert lines[7] == "    batch_size=2)  # noqa: KF001"
    assert lines[8] == "spread = model.predict_classes(  # noqa: KF001"
    assert run("check", "m.py", cwd=tmp_path).returncode == 0
    # the end of the statement's last line suppresses it too
    path.write_text(source.replace("    batch_size=2)\n", "    batch_size=2)  # noqa: KF001\n"))
    assert _rows(run("check", "--output-format", "concise", "m.py", cwd=tmp_path).stdout) == [5, 9]


def test_unused_and_unknown_codes_are_reported_and_removed(tmp_path: Path) -> None:
    path = tmp_path / "m.py"
    path.write_text(
        HEAD
        + "a = model.predict(np.zeros((1, 4)))  # noqa: KF001\n"
        + "b = model.predict(np.zeros((1, 4)))  # noqa: KF002, E501\n"
        + "c = model.predict(np.zeros((1, 4)))  # noqa: KF999\n"
        + "d = model.predict(np.zeros((1, 4)))  # noqa\n"
        + "e = model.predict(np.zeros((1, 4)))  # noqa: E501\n"
    )
    proc = run("check", "--output-format", "concise", "m.py", cwd=tmp_path)
    assert _rows(proc.stdout, "KF900") == [5, 6, 7]
    assert "unknown: `KF999`" in proc.stdout and "unused: `KF002`" in proc.stdout
    assert run("check", "--ignore", "KF900", "m.py", cwd=tmp_path).returncode == 0
    assert run("check", "--fix", "m.py", cwd=tmp_path).returncode == 0
    lines = path.read_text().splitlines()
    assert lines[4:] == [
        "a = model.predict(np.zeros((1, 4)))",
        "b = model.predict(np.zeros((1, 4)))  # noqa: E501",
        "c = model.predict(np.zeros((1, 4)))",
        "d = model.predict(np.zeros((1, 4)))  # noqa",
        "e = model.predict(np.zeros((1, 4)))  # noqa: E501",
    ]


def test_a_suppression_in_a_file_no_rule_reads_is_still_unused(tmp_path: Path) -> None:
    (tmp_path / "m.py").write_text("x = 1  # noqa: KF001\n")
    proc = run("check", "--output-format", "concise", "m.py", cwd=tmp_path)
    assert _rows(proc.stdout, "KF900") == [1]
