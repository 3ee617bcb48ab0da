from __future__ import annotations

import re
from collections.abc import Iterator

from kerasfix import knowledge as kb
from kerasfix.context import Context, fix
from kerasfix.diagnostic import Applicability, Diagnostic
from kerasfix.quick import QuickFacts
from kerasfix.rules._heads import activation_edit, describe
from kerasfix.rules._text import used_not_called
from kerasfix.rules.base import Rule


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
    costly_filter = True  # follows widths through function parameters
    name = "single-unit-softmax"
    summary = "softmax over a single unit is always 1.0"
    finds = '`Dense(1, activation="softmax")` as the output (always 1.0)'
    fix_summary = "unsafe: `sigmoid`"
    triggers = (
        ("softmax", "Softmax"),
        kb.KERAS_MARKERS,
        # a units layer whose first argument is 1 or not a number literal, or
        # one used as a value (an alias the analysis follows)
        tuple(
            re.compile(re.escape(name) + r"[\s\\]*\([\s\\]*(?:1\b|[^0-9\s\\])")
            for name in kb.UNITS_LAYERS
        )
        + (used_not_called(kb.UNITS_LAYERS),),
    )

    @classmethod
    def may_fire(cls, facts: QuickFacts) -> bool:
        # a one-unit layer given softmax (or something that may be), or one
        # that an Activation/Softmax layer may follow
        return (
            facts.builds_models
            and facts.mentions(("softmax", "Softmax"))
            and (
                facts.units_layer_aliased
                or facts.units_maybe_one("softmax")
                or (
                    any(layer in facts.called_names for layer in kb.ACTIVATION_LAYERS)
                    and facts.units_maybe_one("followed")
                )
            )
        )

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
