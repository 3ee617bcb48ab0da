"""The fixes compute exactly what the removed methods computed, under real TensorFlow.

For every fixture marked `# semantic-test: run` that has a fixed version: run
the original with the removed methods' exact bodies attached to keras.Model,
run the fixed file with nothing attached, and require the same arrays
(values, shape and dtype) from both.
"""

from __future__ import annotations

import numpy as np
import pytest
from fixture_cases import Case, cases, run_scripts

pytestmark = pytest.mark.tensorflow


def _runnable() -> list[Case]:
    return [c for c in cases() if c.runnable and c.fixed.exists()]


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, dict]:
    pytest.importorskip("tensorflow")
    tmp = tmp_path_factory.mktemp("semantic")
    selected = _runnable()
    original = run_scripts("removed", [c.source for c in selected], tmp / "original.pkl")
    fixed = run_scripts("plain", [c.fixed for c in selected], tmp / "fixed.pkl")
    return original, fixed


def _same(a: object, b: object) -> bool:
    if isinstance(a, tuple):
        return isinstance(b, tuple) and len(a) == len(b) and all(map(_same, a, b))
    assert isinstance(a, np.ndarray) and isinstance(b, np.ndarray)
    return a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a, b)


def test_there_are_semantic_cases() -> None:
    kinds = {c.id for c in _runnable()}
    # multi-class, one sigmoid unit, logits head and a 3-D output are all covered
    assert {
        "KF001/mnist_mlp_sequential_add",
        "KF001/imdb_binary_sentiment",
        "KF001/logits_head",
        "KF001/sequence_tagging_3d",
    } <= kinds


@pytest.mark.parametrize("case", _runnable(), ids=lambda c: c.id)
def test_fixed_computes_what_removed_method_did(case: Case, runs: tuple[dict, dict]) -> None:
    original, fixed = runs
    status, before = original[case.source.name]
    assert status == "ok", f"original failed under the removed methods:\n{before}"
    status, after = fixed[case.fixed.name]
    assert status == "ok", f"fixed file failed under Keras 3:\n{after}"
    assert before.keys() == after.keys()
    different = [name for name in before if not _same(before[name], after[name])]
    assert not different, f"arrays differ after the fix: {different}"
