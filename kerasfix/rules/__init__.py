"""The rule registry: one module a rule, listed here in code order."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kerasfix.rules.base import Rule

# The rules' modules, in code order. They import the analysis, so they are
# loaded only when a file needs checking (or a rule's documentation is asked for):
# a run that only reads its cache never pays for it.
_MODULES: tuple[tuple[str, str], ...] = (
    ("KF001", "kf001_predict_classes"),
    ("KF002", "kf002_predict_proba"),
    ("KF003", "kf003_missing_output_activation"),
    ("KF004", "kf004_activation_with_logits_loss"),
    ("KF005", "kf005_single_unit_softmax"),
    ("KF006", "kf006_activation_loss_mismatch"),
    ("KF101", "kf101_optimizer_lr"),
    ("KF102", "kf102_generator_methods"),
    ("KF103", "kf103_removed_module"),
    ("KF104", "kf104_keras1_arguments"),
    ("KF105", "kf105_sklearn_wrapper"),
    ("KF106", "kf106_history_acc_key"),
    ("KF107", "kf107_removed_api"),
    ("KF108", "kf108_keras3_arguments"),
    ("KF109", "kf109_keras1_api"),
    ("KF110", "kf110_tf_keras_namespace"),
    ("KF111", "kf111_keras3_layer_api"),
    ("KF112", "kf112_tf_op_on_keras_tensor"),
    ("KF113", "kf113_keras3_keywords"),
    ("KF114", "kf114_model_tensor_loss"),
    ("KF115", "kf115_cell_dropout_mask"),
    ("KF116", "kf116_layer_io_shape"),
    ("KF117", "kf117_call_control_flow"),
    ("KF201", "kf201_keras_through_tensorflow"),
    ("KF202", "kf202_tf_op_in_backend_code"),
    ("KF203", "kf203_numpy_of_tensor"),
    ("KF204", "kf204_tf_saved_model_save"),
    ("KF205", "kf205_tensorflow_train_step"),
    ("KF206", "kf206_metric_state_in_call"),
    ("KF207", "kf207_tf_function_in_backend_code"),
    ("KF900", "kf900_unused_noqa"),
)


# Every rule has a trigger group all of whose words contain one of these
# (tests/test_knowledge.py checks it): a text with none of them cannot make
# any rule fire, and is passed over without loading a rule.
ANCHORS: tuple[str, ...] = ("keras", "predict_classes", "_generator")


def _load() -> tuple[type[Rule], ...]:
    import importlib

    from kerasfix.rules.base import Rule

    found = []
    for code, module_name in _MODULES:
        module = importlib.import_module(f"kerasfix.rules.{module_name}")
        [rule] = [
            v
            for v in vars(module).values()
            if isinstance(v, type) and issubclass(v, Rule) and v.__module__ == module.__name__
        ]
        assert rule.code == code, (rule.code, code)
        found.append(rule)
    return tuple(found)


def __getattr__(name: str) -> object:
    if name == "ALL_RULES":
        rules = _load()
        globals()["ALL_RULES"] = rules
        return rules
    raise AttributeError(name)


# KF000 is the engine's own: a file that cannot be read, parsed or checked.
PARSE_ERROR_CODE = "KF000"
PARSE_ERROR_NAME = "unreadable-file"
PARSE_ERROR_FINDS = "a file that cannot be decoded or parsed, or an internal error on one file"
PARSE_ERROR_FIX = "—"
PARSE_ERROR_DOC = """KF000 unreadable-file

What it does
    Reports a file that kerasfix could not read or parse: a syntax error,
    Python 2 code, bytes that are not in the file's declared encoding, binary
    content, or nesting deeper than the parser takes — when the file refers
    to Keras or TensorFlow, or it holds a site a rule looks at (Keras's and
    TensorFlow's own modules, which no rule migrates: only the latter). Also reports an
    unexpected internal error on one file ("internal error" and its cause);
    the run goes on with the other files.

Why is this bad?
    A file that cannot be parsed cannot be checked: saying so is better than
    silently passing it.

Example
    import keras
    print "accuracy:", score

Use instead
    import keras
    print("accuracy:", score)

Fix safety
    None. Fix the file, or exclude it (`extend-exclude` in `[tool.kerasfix]`).
"""


def rule_by_code(code: str) -> type[Rule] | None:
    from kerasfix.rules import ALL_RULES

    wanted = code.upper()
    for rule in ALL_RULES:
        if rule.code == wanted or rule.name == code:
            return rule
    return None


def all_codes() -> list[str]:
    return [PARSE_ERROR_CODE] + [code for code, _ in _MODULES]
