"""The Keras 3 migration keeps what it promises, under real TensorFlow.

Fixtures marked `# semantic-test: keras2` run as written under Keras 2
(tf-keras, TF_USE_LEGACY_KERAS=1) and, fixed, under Keras 3; predictions from
the same explicitly set weights, the fit steps and epochs run and the history
keys must agree, and the learning rate read back from the fixed model's
optimizer must be the one written in the source. (Trained weights are not
compared: the same training code gives different losses under Keras 2 and 3.)
Fixtures marked `# semantic-test: keras3` must import and run once fixed. A case whose fix is
unsafe is run as `--fix --unsafe-fixes` leaves it (its .unsafe.py): an unsafe fix under such a
marker promises Keras 2's numbers too.
"""

from __future__ import annotations

import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
from fixture_cases import KERAS2_MARKER, KERAS3_MARKER, Case, cases, run_scripts

pytestmark = pytest.mark.tensorflow
FIXED_ONLY = ("lr_",)  # values that the fix is meant to change


def _cases(marker: str) -> list[Case]:
    return [c for c in cases() if c.marker == marker and c.fixed.exists()]


def _migrated(case: Case) -> Path:
    """What the migration leaves of a case: with its unsafe fixes where it has any."""
    return case.unsafe if case.unsafe.exists() else case.fixed


def _fully_fixed() -> list[Path]:
    """The fixed (or unsafe-fixed) outputs of the migration fixtures that
    kerasfix leaves with no finding at all: each must run under Keras 3."""
    from kerasfix.engine.pipeline import lint_text
    from kerasfix.settings import Settings

    outputs = []
    for case in cases():
        if not case.source.parent.name.startswith(("KF1", "tutorials")) or case.notebook:
            continue
        output = case.unsafe if case.unsafe.exists() else case.fixed
        if not output.exists():
            continue
        diagnostics, _ = lint_text(output.read_text(), str(output), Settings(unsafe_fixes=True))
        if not diagnostics:
            outputs.append(output)
    return outputs


FULLY_FIXED = _fully_fixed()


@pytest.fixture(scope="module")
def fully_fixed_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[Path, tuple]:
    """Every fully fixed output run under Keras 3: in batches of one process each (TensorFlow
    is imported once a batch, not once a script; the runner gives each script its own folder,
    seeds and session), two at a time on two cores. A batch holds one file of each name."""
    pytest.importorskip("scikeras")
    tmp = tmp_path_factory.mktemp("fully-fixed")
    batches: list[list[Path]] = [[], []]
    for index, output in enumerate(FULLY_FIXED):
        preferred = batches[index % 2]
        batch = next(
            (b for b in [preferred, *batches] if output.name not in {p.name for p in b}), None
        )
        if batch is None:
            batch = []
            batches.append(batch)
        batch.append(output)
    with ThreadPoolExecutor(max_workers=2) as pool:
        done = list(
            pool.map(
                lambda n: (batches[n], run_scripts("plain", batches[n], tmp / f"{n}.pkl")),
                [n for n, b in enumerate(batches) if b],
            )
        )
    return {output: result[output.name] for batch, result in done for output in batch}


@pytest.mark.parametrize("output", FULLY_FIXED, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_fully_fixed_migration_fixture_runs_under_keras3(
    output: Path, fully_fixed_runs: dict[Path, tuple]
) -> None:
    status, detail = fully_fixed_runs[output]
    assert status == "ok", f"{output.name} fails under Keras 3:\n{detail}"


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, dict, dict]:
    pytest.importorskip("tf_keras")
    tmp = tmp_path_factory.mktemp("migration")
    keras2 = _cases(KERAS2_MARKER)
    keras3 = _cases(KERAS3_MARKER)
    before = run_scripts("keras2", [c.source for c in keras2], tmp / "before.pkl")
    after = run_scripts("plain", [_migrated(c) for c in keras2 + keras3], tmp / "after.pkl")
    return before, after, {_migrated(c).name: c for c in keras2 + keras3}


def _close(a: np.ndarray | tuple, b: np.ndarray | tuple) -> bool:
    if isinstance(a, tuple) or isinstance(b, tuple):
        same = isinstance(a, tuple) and isinstance(b, tuple) and len(a) == len(b)
        return same and all(_close(x, y) for x, y in zip(a, b))
    if a.shape != b.shape:
        return False
    if np.issubdtype(a.dtype, np.floating):
        return bool(np.allclose(a, b, rtol=1e-5, atol=1e-6))
    return bool(np.array_equal(a, b))


def test_there_are_migration_cases() -> None:
    assert len(_cases(KERAS2_MARKER)) >= 2 and _cases(KERAS3_MARKER)


@pytest.mark.parametrize("case", _cases(KERAS2_MARKER), ids=lambda c: c.id)
def test_fixed_under_keras3_keeps_what_keras2_computed(
    case: Case, runs: tuple[dict, dict, dict]
) -> None:
    before, after, _ = runs
    status, original = before[case.source.name]
    assert status == "ok", f"the original failed under Keras 2:\n{original}"
    status, fixed = after[_migrated(case).name]
    assert status == "ok", f"the fixed file failed under Keras 3:\n{fixed}"
    compared = [n for n in original if not n.startswith(FIXED_ONLY)]
    assert compared
    assert set(compared) <= set(fixed)
    different = [n for n in compared if not _close(original[n], fixed[n])]
    assert not different, {n: (original[n], fixed[n]) for n in different}


def test_learning_rate_is_the_one_in_the_source(runs: tuple[dict, dict, dict]) -> None:
    before, after, _ = runs
    status, original = before["adam_lr_training.py"]
    _, fixed = after["adam_lr_training.fixed.py"]
    # the fixture writes LEARNING_RATE = 0.005
    assert np.isclose(fixed["lr_read_back"], 0.005)
    # ... which tf-keras silently ignored (Adam's default is 0.001)
    assert np.isclose(original["lr_read_back"], 0.001)


@pytest.mark.parametrize("case", _cases(KERAS3_MARKER), ids=lambda c: c.id)
def test_fixed_runs_under_keras3(case: Case, runs: tuple[dict, dict, dict]) -> None:
    _, after, _ = runs
    status, detail = after[_migrated(case).name]
    assert status == "ok", f"the fixed file failed under Keras 3:\n{detail}"


_DECAYED_RATES = """
import os, sys
steps = (0, 1, 7, 100, 5000)
if sys.argv[1] == "keras2":
    os.environ["TF_USE_LEGACY_KERAS"] = "1"
    import tf_keras
    opt = tf_keras.optimizers.legacy.SGD(learning_rate=0.05, decay=0.003)
    rates = []
    for step in steps:
        opt.iterations.assign(step)
        rates.append(float(opt._decayed_lr("float32")))
else:
    import keras
    schedule = keras.optimizers.schedules.InverseTimeDecay(0.05, decay_steps=1, decay_rate=0.003)
    rates = [float(schedule(step)) for step in steps]
print(rates)
"""


def test_decay_fix_computes_the_old_optimizers_rates() -> None:
    """KF101's `decay=` fix: the rate Keras 2's optimizers used at each step
    (rate / (1 + decay * iterations)) is what the InverseTimeDecay gives."""
    pytest.importorskip("tf_keras")
    rates = []
    for mode in ("keras2", "keras3"):
        proc = subprocess.run(
            [sys.executable, "-c", _DECAYED_RATES, mode],
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert proc.returncode == 0, proc.stderr[-2000:]
        rates.append(json.loads(proc.stdout.strip().splitlines()[-1]))
    assert np.allclose(rates[0], rates[1], rtol=1e-6)
