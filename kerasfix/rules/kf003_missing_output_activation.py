from __future__ import annotations

from collections.abc import Iterator

from kerasfix import knowledge as kb
from kerasfix.analysis.inference import Head, LossSpec
from kerasfix.diagnostic import Applicability, Diagnostic, Fix
from kerasfix.rules.base import (
    BUILDS_MODELS,
    KERAS,
    PROBABILITY_LOSS_COMPILE,
    Context,
    Mention,
    Rule,
    activation_edit,
    describe,
    fix,
    from_logits_edit,
)


class MissingOutputActivation(Rule):
    """KF003 missing-output-activation: a logits head with a loss that expects probabilities.

    What it does
        Finds models whose last layer is a `Dense(n)` with no activation
        (`activation=None` or `"linear"`) compiled with a loss that expects
        probabilities: `categorical_crossentropy`,
        `sparse_categorical_crossentropy`, `binary_crossentropy` or their focal
        forms, as strings, functions or classes with `from_logits` absent or
        False.

    Why is this bad?
        With `from_logits=False` the loss treats the layer's output as
        probabilities: it clips it into [1e-7, 1 - 1e-7] (and, for the
        categorical losses, divides by its sum), so the model trains on a
        distorted objective. And `model.predict()` returns unbounded scores
        that readers take for probabilities.

    Example
        model = Sequential([Dense(64, activation="relu"), Dense(10)])
        model.compile(loss="categorical_crossentropy", optimizer="adam")

    Use instead
        model = Sequential([Dense(64, activation="relu"), Dense(10, activation="softmax")])

        or keep the logits and tell the loss:

        model.compile(loss=keras.losses.CategoricalCrossentropy(from_logits=True), ...)

    Fix safety
        Unsafe: both fixes change what the model computes. The applied fix adds
        `activation="softmax"` (categorical losses) or `activation="sigmoid"`
        (binary losses) to the last layer, so that `predict()` returns
        probabilities. With `kf003-fix = "from-logits"` (or `--kf003-fix
        from-logits`) it sets `from_logits=True` on the loss instead, turning a
        string or function loss into its class; predict() then keeps returning
        logits.
    """

    code = "KF003"
    name = "missing-output-activation"
    summary = "the last layer emits logits, but the loss expects probabilities"
    finds = "a logits head (`Dense(n)`, no activation) with a loss that expects probabilities"
    fix_summary = 'unsafe: add `activation="softmax"`/`"sigmoid"`, or (setting) `from_logits=True`'
    looks_at = (
        KERAS,
        PROBABILITY_LOSS_COMPILE,
        Mention(kb.PROBABILITY_LOSS_MARKERS),
        BUILDS_MODELS,
        Mention(tuple(kb.UNITS_LAYERS)),
    )

    @classmethod
    def check(cls, ctx: Context) -> Iterator[Diagnostic]:
        for head, loss in ctx.inference.compiled_heads():
            if head.layer is None or head.activation_layer is not None:
                continue
            if not head.is_logits or not loss.info.expects_probabilities:
                continue
            if loss.from_logits:
                continue
            yield cls._diagnose(ctx, head, loss)

    @classmethod
    def _diagnose(cls, ctx: Context, head: Head, loss: LossSpec) -> Diagnostic:
        assert head.layer is not None
        categorical = loss.info.family == "categorical"
        activation = "softmax" if categorical else "sigmoid"
        default = "" if loss.form == "class" else " (from_logits=False)"
        message = (
            f"{describe(ctx, head)} has no activation, but {loss.label} expects "
            f"probabilities{default}: add activation={activation!r} to the "
            "layer, or pass from_logits=True to the loss"
        )
        one_unit_softmax = categorical and head.units == 1
        fixes: dict[str, Fix | None] = {"activation": None, "from-logits": None}
        if not one_unit_softmax:
            edit = activation_edit(ctx, head, activation)
            if edit is not None:
                fixes["activation"] = fix(
                    Applicability.UNSAFE, f"Add activation={activation!r} to the last layer", edit
                )
            logits_edit = from_logits_edit(ctx, loss, True, loss.node)
            if logits_edit is not None:
                fixes["from-logits"] = fix(
                    Applicability.UNSAFE, "Pass from_logits=True to the loss", logits_edit
                )
        return ctx.diagnostic(cls, head.layer, message, fixes[ctx.settings.kf003_fix])
