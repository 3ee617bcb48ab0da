"""What KF003-KF006 claim, measured on the fixtures' own models under real Keras.

Each flagged fixture is executed, and so is its fixed form (`.unsafe.py`: the
fixes of these rules are unsafe), with the original weights copied in.
"""

from __future__ import annotations

import pickle
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from fixture_cases import FIXTURES

pytestmark = pytest.mark.tensorflow
RUNNER = Path(__file__).with_name("head_runner.py")


def measure(tmp_path: Path, case: str, fixed: bool = True) -> dict:
    pytest.importorskip("tensorflow")
    source = FIXTURES / f"{case}.py"
    args = [sys.executable, str(RUNNER), str(tmp_path / "out.pkl"), str(source)]
    if fixed:
        args.append(str(source.with_name(source.stem + ".unsafe.py")))
    proc = subprocess.run(args, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    with open(tmp_path / "out.pkl", "rb") as handle:
        return pickle.load(handle)


def is_distribution(pred: np.ndarray) -> bool:
    return bool(
        (pred >= 0).all() and (pred <= 1).all() and np.allclose(pred.sum(-1), 1.0, atol=1e-5)
    )


def in_unit_interval(pred: np.ndarray) -> bool:
    return bool((pred >= 0).all() and (pred <= 1).all())


@pytest.mark.parametrize(
    "case",
    [
        "KF003/mnist_logits_string_loss",
        "KF003/functional_sparse_function_loss",
        "KF003/binary_explicit_from_logits_false",
    ],
)
def test_kf003_logits_head_is_not_probabilities_and_fix_restores_intended_loss(
    tmp_path: Path, case: str
) -> None:
    result = measure(tmp_path, case)
    [(name, before)] = result["original"].items()
    after = result["fixed"][name]
    categorical = before["loss_family"] == "categorical"
    # the flagged model's predict() does not return probabilities
    if categorical:
        assert not is_distribution(before["pred"])
    else:
        assert not in_unit_interval(before["pred"])
    # the loss as compiled is not the loss of the intended (logits) formulation
    assert not np.isclose(before["loss_compiled"], before["loss_from_logits"], rtol=1e-3)
    # after the fix: probabilities, and the loss equals the intended one
    assert is_distribution(after["pred"]) if categorical else in_unit_interval(after["pred"])
    assert np.isclose(after["loss_compiled"], before["loss_from_logits"], rtol=1e-4)


@pytest.mark.parametrize(
    "case", ["KF004/softmax_with_from_logits_true", "KF004/sigmoid_layer_binary_logits"]
)
def test_kf004_probabilities_squashed_twice(tmp_path: Path, case: str) -> None:
    result = measure(tmp_path, case)
    [(name, before)] = result["original"].items()
    after = result["fixed"][name]
    assert in_unit_interval(before["pred"])  # the model outputs probabilities
    # from_logits=True squashes them again: not the loss of the predictions
    assert not np.isclose(before["loss_compiled"], before["loss_from_probs"], rtol=1e-3)
    np.testing.assert_array_equal(after["pred"], before["pred"])
    assert np.isclose(after["loss_compiled"], before["loss_from_probs"], rtol=1e-5)


@pytest.mark.parametrize(
    "case", ["KF005/binary_single_unit_softmax", "KF005/functional_softmax_layer"]
)
def test_kf005_single_unit_softmax_is_always_one(tmp_path: Path, case: str) -> None:
    result = measure(tmp_path, case)
    [(name, before)] = result["original"].items()
    after = result["fixed"][name]
    # 1.0 for every input (Keras 3 computes it as 1 - 2**-24 in float32)
    assert len(np.unique(before["pred"])) == 1
    assert np.allclose(before["pred"], 1.0, rtol=0, atol=1e-6)
    assert in_unit_interval(after["pred"])
    assert len(np.unique(after["pred"])) > 1


def test_kf006_sigmoid_rows_are_not_distributions(tmp_path: Path) -> None:
    result = measure(tmp_path, "KF006/sigmoid_with_categorical", fixed=False)
    [before] = result["original"].values()
    assert in_unit_interval(before["pred"]) and not is_distribution(before["pred"])


def test_kf006_softmax_with_binary_loss_reports_inflated_accuracy(tmp_path: Path) -> None:
    result = measure(tmp_path, "KF006/softmax_with_binary", fixed=False)
    [before] = result["original"].values()
    assert is_distribution(before["pred"])
    # an untrained 5-class model "scores" ~80% binary accuracy, ~20% categorical
    assert before["binary_accuracy"] >= 0.6
    assert before["categorical_accuracy"] < before["binary_accuracy"] - 0.3
