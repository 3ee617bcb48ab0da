"""The fixture layout, shared by the data-driven tests.

fixtures/<RULE>/<case>.py          input (or <case>.ipynb, with .fixed.ipynb / .unsafe.ipynb)
fixtures/<RULE>/<case>.expected    one line a diagnostic: "row:col CODE fix", where
                                   fix is safe, unsafe, display-only or none
fixtures/<RULE>/<case>.fixed.py    expected output of `--fix` (absent: no change)
fixtures/<RULE>/<case>.unsafe.py   expected output of `--fix --unsafe-fixes`
                                   (absent: same as .fixed.py)
A first line `# semantic-test: run` makes the case run under real TensorFlow
(tests/test_semantics.py).

fixtures/tutorials/<case>.py       whole tutorial-style scripts, laid out as a rule's cases

fixtures/projects/<name>/…         a whole project (a pyproject.toml at its root): each
                                   module with a .expected beside it is a case, checked
                                   with its real path so that its imports resolve into
                                   the project. `# semantic-test: project` runs the
                                   script in a copy of the project before and after
                                   `kerasfix check --fix` (tests/test_projects.py).
"""

from __future__ import annotations

import pickle
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
DERIVED = (".fixed.py", ".unsafe.py", ".fixed.ipynb", ".unsafe.ipynb")
SEMANTIC_MARKER = "# semantic-test: run"
KERAS2_MARKER = "# semantic-test: keras2"  # original under tf-keras, fixed under Keras 3
KERAS3_MARKER = "# semantic-test: keras3"  # the fixed file runs under Keras 3
PROJECT_MARKER = "# semantic-test: project"  # run in a copy of its project
# the original under Keras 3 on TensorFlow, the fixed file (KF2 selected) on JAX
JAX_MARKER = "# semantic-test: jax"
PROJECTS = FIXTURES / "projects"
# Whole training scripts in the style of public Keras 1/2 tutorials and courses, laid out as a
# rule's cases (all rules apply): the migration corpus that must run once fixed.
TUTORIALS = FIXTURES / "tutorials"


@dataclass(frozen=True)
class Case:
    source: Path

    @property
    def id(self) -> str:
        if self.project is not None:
            relative = self.source.relative_to(PROJECTS).with_suffix("")
            return f"projects/{relative.as_posix()}"
        return f"{self.source.parent.name}/{self.source.stem}"

    @property
    def project(self) -> Path | None:
        """The root of the fixture project the case belongs to, if any."""
        if PROJECTS not in self.source.parents:
            return None
        return PROJECTS / self.source.relative_to(PROJECTS).parts[0]

    @property
    def expected(self) -> Path:
        return self.source.with_suffix(".expected")

    @property
    def notebook(self) -> bool:
        return self.source.suffix == ".ipynb"

    @property
    def fixed(self) -> Path:
        return self.source.with_name(self.source.stem + ".fixed" + self.source.suffix)

    @property
    def unsafe(self) -> Path:
        return self.source.with_name(self.source.stem + ".unsafe" + self.source.suffix)

    @property
    def marker(self) -> str:
        if self.notebook:
            return ""
        with open(self.source, encoding="utf-8") as handle:
            return handle.readline().strip()

    @property
    def runnable(self) -> bool:
        return self.marker == SEMANTIC_MARKER


def cases() -> list[Case]:
    found = []
    for path in sorted(
        [*FIXTURES.glob("KF*/*.py"), *FIXTURES.glob("KF*/*.ipynb"), *TUTORIALS.glob("*.py")]
    ):
        if path.name.endswith(DERIVED):
            continue
        found.append(Case(path))
    for path in sorted([*PROJECTS.glob("*/**/*.py"), *PROJECTS.glob("*/**/*.ipynb")]):
        if not path.name.endswith(DERIVED) and path.with_suffix(".expected").exists():
            found.append(Case(path))
    return found


RUNNER = Path(__file__).with_name("semantic_runner.py")


def run_scripts(mode: str, scripts: list[Path], out: Path) -> dict:
    """Run ``scripts`` under real Keras in one process (``semantic_runner.py MODE``): each
    script's name -> ("ok", the arrays it left) or ("error", its traceback)."""
    proc = subprocess.run(
        [sys.executable, str(RUNNER), mode, str(out), *map(str, scripts)],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    with open(out, "rb") as handle:
        return pickle.load(handle)
