from __future__ import annotations

from collections.abc import Iterator

from kerasfix.diagnostic import Applicability, Diagnostic
from kerasfix.rules.base import (
    BUILDS_MODELS,
    KERAS,
    ONE_UNIT_SOFTMAX,
    Context,
    Mention,
    Rule,
    activation_edit,
    describe,
    fix,
)


class SingleUnitSoftmax(Rule):
    """KF005 single-unit-softmax: a softmax over one unit is always 1.0.

    What it does
        Finds models whose output layer is `Dense(1, activation="softmax")`
        (or `Dense(1)` followed by a softmax `Activation` layer).

    Why is this bad?
        Softmax normalises over the last axis; over a single unit it returns
        exp(z) / exp(z) = 1.0 for every input. The model predicts the same
        value whatever it sees and its gradient is zero: it cannot learn. A
        binary classifier with one output unit needs a sigmoid.

    Example
        model.add(Dense(1, activation="softmax"))
        model.compile(loss="binary_crossentropy", optimizer="adam")

    Use instead
        model.add(Dense(1, activation="sigmoid"))

    Fix safety
        Unsafe: it changes what the model computes (that is the point).
    """

    code = "KF005"
    name = "single-unit-softmax"
    summary = "softmax over a single unit is always 1.0"
    finds = '`Dense(1, activation="softmax")` as the output (always 1.0)'
    fix_summary = "unsafe: `sigmoid`"
    looks_at = (KERAS, Mention(("softmax", "Softmax")), BUILDS_MODELS, ONE_UNIT_SOFTMAX)

    @classmethod
    def check(cls, ctx: Context) -> Iterator[Diagnostic]:
        for head in ctx.model_heads():
            if head.units != 1 or head.activation != "softmax" or head.layer is None:
                continue
            message = (
                f"{describe(ctx, head)}: softmax over one unit is always 1.0, so the "
                'model cannot learn; use activation="sigmoid" for a binary output'
            )
            edit = activation_edit(ctx, head, "sigmoid")
            yield ctx.diagnostic(
                cls,
                head.layer,
                message,
                fix(Applicability.UNSAFE, 'Use activation="sigmoid"', edit) if edit else None,
            )
