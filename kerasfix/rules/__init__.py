"""The rule registry: one module a rule, listed here in code order."""

from __future__ import annotations

from kerasfix.rules.base import Rule
from kerasfix.rules.kf001_predict_classes import PredictClasses
from kerasfix.rules.kf002_predict_proba import PredictProba
from kerasfix.rules.kf003_missing_output_activation import MissingOutputActivation
from kerasfix.rules.kf004_activation_with_logits_loss import ActivationWithLogitsLoss
from kerasfix.rules.kf005_single_unit_softmax import SingleUnitSoftmax
from kerasfix.rules.kf006_activation_loss_mismatch import ActivationLossMismatch
from kerasfix.rules.kf101_optimizer_lr import OptimizerLr
from kerasfix.rules.kf102_generator_methods import GeneratorMethods
from kerasfix.rules.kf103_removed_module import RemovedModule
from kerasfix.rules.kf104_keras1_arguments import Keras1Arguments
from kerasfix.rules.kf105_sklearn_wrapper import SklearnWrapper
from kerasfix.rules.kf106_history_acc_key import HistoryAccKey
from kerasfix.rules.kf107_removed_api import RemovedApi

ALL_RULES: tuple[type[Rule], ...] = (
    PredictClasses,
    PredictProba,
    MissingOutputActivation,
    ActivationWithLogitsLoss,
    SingleUnitSoftmax,
    ActivationLossMismatch,
    OptimizerLr,
    GeneratorMethods,
    RemovedModule,
    Keras1Arguments,
    SklearnWrapper,
    HistoryAccKey,
    RemovedApi,
)

# KF000 is the engine's own: a file that cannot be read, parsed or checked.
PARSE_ERROR_CODE = "KF000"
PARSE_ERROR_NAME = "unreadable-file"
PARSE_ERROR_DOC = """KF000 unreadable-file

What it does
    Reports a file that kerasfix could not read or parse: a syntax error,
    Python 2 code, bytes that are not in the file's declared encoding, binary
    content, or nesting deeper than the parser takes. Also reports an
    unexpected internal error on one file ("internal error" and its cause);
    the run goes on with the other files.

Why
    A file that cannot be parsed cannot be checked: saying so is better than
    silently passing it.

Fix
    None. Fix the file, or exclude it (extend-exclude in [tool.kerasfix]).
"""


def rule_by_code(code: str) -> type[Rule] | None:
    wanted = code.upper()
    for rule in ALL_RULES:
        if rule.code == wanted or rule.name == code:
            return rule
    return None


def all_codes() -> list[str]:
    return [PARSE_ERROR_CODE] + [rule.code for rule in ALL_RULES]
