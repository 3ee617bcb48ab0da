"""Backend-neutral Keras (KF2xx) keeps what the code computed, on another backend.

Fixtures marked `# semantic-test: jax` run as written under Keras 3 on TensorFlow and, fixed
with the KF2 rules selected (their .unsafe.py where they have one), under Keras 3 on JAX
(`KERAS_BACKEND=jax`); every array they leave behind must agree within float tolerance (the
weights are set explicitly: each backend draws its own random numbers). The same fixed files
run on PyTorch where torch is installed (`pytest -m torch`; its wheel is several GB, so it is
not a requirement of the suite).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest
from fixture_cases import JAX_MARKER, Case, cases, run_scripts

pytestmark = pytest.mark.tensorflow


def _cases() -> list[Case]:
    return [c for c in cases() if c.marker == JAX_MARKER]


def _fixed(case: Case) -> Path:
    return case.unsafe if case.unsafe.exists() else case.fixed


def _close(a: np.ndarray, b: np.ndarray) -> bool:
    if isinstance(a, tuple) or isinstance(b, tuple):
        return len(a) == len(b) and all(_close(x, y) for x, y in zip(a, b))
    if a.shape != b.shape:
        return False
    if np.issubdtype(a.dtype, np.floating):
        return bool(np.allclose(a, b, rtol=1e-4, atol=1e-5))
    return bool(np.array_equal(a, b))


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, dict]:
    pytest.importorskip("jax")
    tmp = tmp_path_factory.mktemp("backend")
    before = run_scripts("plain", [c.source for c in _cases()], tmp / "tensorflow.pkl")
    after = run_scripts("jax", [_fixed(c) for c in _cases()], tmp / "jax.pkl")
    return before, after


def test_there_are_backend_cases() -> None:
    assert len(_cases()) >= 3
    assert all(_fixed(c).exists() for c in _cases())


@pytest.mark.parametrize("case", _cases(), ids=lambda c: c.id)
def test_fixed_on_jax_computes_what_tensorflow_did(case: Case, runs: tuple[dict, dict]) -> None:
    before, after = runs
    status, original = before[case.source.name]
    assert status == "ok", f"the original failed under Keras 3 on TensorFlow:\n{original}"
    status, fixed = after[_fixed(case).name]
    assert status == "ok", f"the fixed file failed on JAX:\n{fixed}"
    assert original and set(original) <= set(fixed)
    different = [n for n in original if not _close(original[n], fixed[n])]
    assert not different, {n: (original[n], fixed[n]) for n in different}


@pytest.mark.torch
@pytest.mark.skipif(importlib.util.find_spec("torch") is None, reason="torch is not installed")
@pytest.mark.parametrize("case", _cases(), ids=lambda c: c.id)
def test_fixed_runs_on_torch(case: Case, tmp_path: Path) -> None:
    results = run_scripts("torch", [_fixed(case)], tmp_path / "torch.pkl")
    status, detail = results[_fixed(case).name]
    assert status == "ok", f"the fixed file failed on PyTorch:\n{detail}"
