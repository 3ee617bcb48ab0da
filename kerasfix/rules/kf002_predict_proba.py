from __future__ import annotations

from collections.abc import Iterator

from kerasfix.diagnostic import Applicability, Diagnostic
from kerasfix.rules.base import (
    BUILDS_MODELS,
    KERAS,
    Context,
    MethodCall,
    Rule,
    fix,
    receiver_of,
    renamed_call_text,
)


class PredictProba(Rule):
    """KF002 predict-proba: `model.predict_proba()` was removed from Keras models in TensorFlow 2.6.

    What it does
        Finds `predict_proba()` called on a Keras model and rewrites it to
        `predict()`.

    Why is this bad?
        The method no longer exists on Keras models: the call raises
        `AttributeError`. It only ever returned `predict()`'s output (after a
        warning when that output was not in [0, 1]).

    Example
        probabilities = model.predict_proba(x_test)

    Use instead
        probabilities = model.predict(x_test)

    Fix safety
        Safe: the removed method returned `predict()`'s output unchanged, and
        every argument is kept. Only receivers shown to be Keras models (built,
        loaded or returned in the same file) are reported: scikit-learn
        estimators and pipelines, xgboost/lightgbm models, the
        `KerasClassifier`/`KerasRegressor` scikit-learn wrappers and anything
        of unknown type keep their own, working `predict_proba()`.
    """

    code = "KF002"
    name = "predict-proba"
    summary = "`predict_proba()` was removed from Keras models in TensorFlow 2.6"
    finds = "`model.predict_proba(x, …)` on a Keras model"
    fix_summary = (
        "safe: `model.predict(x, …)`; never on scikit-learn, xgboost/lightgbm, "
        "`KerasClassifier` or unknown receivers"
    )
    looks_at = (KERAS, MethodCall(("predict_proba",)), BUILDS_MODELS)

    @classmethod
    def check(cls, ctx: Context) -> Iterator[Diagnostic]:
        for call in ctx.method_calls("predict_proba"):
            if ctx.inference.receiver(receiver_of(call), "predict_proba").kind != "keras":
                continue
            predict = renamed_call_text(ctx, call, "predict", short=True)
            message = (
                "`predict_proba()` was removed from Keras models in TensorFlow 2.6; "
                f"it returned `predict()`'s output: use `{predict}`"
            )
            edit = ctx.rename(call.func, "predict")  # type: ignore[arg-type]
            yield ctx.diagnostic(
                cls, call, message, fix(Applicability.SAFE, "Replace with `.predict(…)`", edit)
            )
