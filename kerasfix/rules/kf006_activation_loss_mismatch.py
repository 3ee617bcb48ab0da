from __future__ import annotations

from collections.abc import Iterator

from kerasfix import knowledge as kb
from kerasfix.diagnostic import Diagnostic
from kerasfix.rules.base import (
    BUILDS_MODELS,
    KERAS,
    PROBABILITY_LOSS_COMPILE,
    Context,
    Mention,
    Rule,
    describe,
)


class ActivationLossMismatch(Rule):
    """KF006 activation-loss-mismatch: sigmoid with categorical loss, wide softmax with binary.

    What it does
        Finds a sigmoid output of several units compiled with a categorical
        crossentropy, and a softmax output of more than two units compiled
        with `binary_crossentropy`.

    Why is this bad?
        Categorical crossentropy assumes each row is one distribution over the
        classes; independent sigmoids do not sum to 1, so the loss rewards the
        wrong thing. Binary crossentropy over a softmax treats each class as an
        independent yes/no and reports an accuracy that means something else
        (the classic "binary_crossentropy gives 98% accuracy" trap).

    Example
        model.add(Dense(10, activation="sigmoid"))
        model.compile(loss="categorical_crossentropy", optimizer="adam")

    Use instead
        model.add(Dense(10, activation="softmax"))   # one class per sample

        or `binary_crossentropy` for a multi-label sigmoid output.

    Fix safety
        None: which end is wrong depends on whether the task is multi-class or
        multi-label, which the code does not say.
    """

    code = "KF006"
    name = "activation-loss-mismatch"
    summary = "output activation and loss disagree (sigmoid/categorical, softmax/binary)"
    finds = "sigmoid head with a categorical loss, or a >2-unit softmax with `binary_crossentropy`"
    fix_summary = "—"
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
            if head.layer is None or loss.from_logits:
                continue
            kind = head.probability_kind
            family = loss.info.family
            if kind == "binary" and family == "categorical" and (head.units or 0) > 1:
                message = (
                    f"{describe(ctx, head)} gives independent per-class probabilities, "
                    f"but {loss.label} expects one distribution per sample: use softmax "
                    "for one class per sample, or binary_crossentropy for multi-label"
                )
            elif kind == "categorical" and family == "binary" and (head.units or 0) > 2:
                message = (
                    f"{describe(ctx, head)} gives one distribution over "
                    f"{head.units} classes, but {loss.label} scores each unit as an "
                    "independent yes/no: use categorical_crossentropy (or "
                    "sparse_categorical_crossentropy for integer labels)"
                )
            else:
                continue
            yield ctx.diagnostic(cls, head.layer, message)
