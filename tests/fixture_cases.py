"""The fixture layout, shared by the data-driven tests.

fixtures/<RULE>/<case>.py          input (or <case>.ipynb, with .fixed.ipynb / .unsafe.ipynb)
fixtures/<RULE>/<case>.expected    one line a diagnostic: "row:col CODE fix", where
                                   fix is safe, unsafe, display-only or none
fixtures/<RULE>/<case>.fixed.py    expected output of `--fix` (absent: no change)
fixtures/<RULE>/<case>.unsafe.py   expected output of `--fix --unsafe-fixes`
                                   (absent: same as .fixed.py)
A first line `# semantic-test: run` makes the case run under real TensorFlow
(tests/test_semantics.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
DERIVED = (".fixed.py", ".unsafe.py", ".fixed.ipynb", ".unsafe.ipynb")
SEMANTIC_MARKER = "# semantic-test: run"
KERAS2_MARKER = "# semantic-test: keras2"  # original under tf-keras, fixed under Keras 3
KERAS3_MARKER = "# semantic-test: keras3"  # the fixed file runs under Keras 3


@dataclass(frozen=True)
class Case:
    source: Path

    @property
    def id(self) -> str:
        return f"{self.source.parent.name}/{self.source.stem}"

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
    for path in sorted([*FIXTURES.glob("KF*/*.py"), *FIXTURES.glob("KF*/*.ipynb")]):
        if path.name.endswith(DERIVED):
            continue
        found.append(Case(path))
    return found
