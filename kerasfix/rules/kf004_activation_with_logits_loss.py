from __future__ import annotations

from collections.abc import Iterator

from kerasfix import knowledge as kb
from kerasfix.diagnostic import Applicability, Diagnostic
from kerasfix.rules.base import (
    BUILDS_MODELS,
    FROM_LOGITS_TRUE,
    KERAS,
    PROBABILITY_LOSS_COMPILE,
    Context,
    Mention,
    Rule,
    describe,
    fix,
)


class ActivationWithLogitsLoss(Rule):
    """KF004 activation-with-logits-loss: probabilities passed to a loss that expects logits.

    What it does
        Finds models whose last layer applies softmax or sigmoid (in the
        `Dense` itself or as a following `Activation`/`Softmax` layer) and that
        are compiled with a loss given `from_logits=True`.

    Why is this bad?
        With `from_logits=True` the loss applies softmax (or sigmoid) itself.
        The model's outputs are already probabilities, so they are squashed
        twice: gradients shrink, training stalls, and the loss reported is not
        the loss of the model's predictions.

    Example
        model.add(Dense(10, activation="softmax"))
        model.compile(loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))

    Use instead
        model.compile(loss=keras.losses.SparseCategoricalCrossentropy(from_logits=False))

    Fix safety
        Unsafe: it changes the loss the model is trained with (to the one its
        author meant). The finding is placed on the `from_logits` argument.
    """

    code = "KF004"
    name = "activation-with-logits-loss"
    summary = "probabilities passed to a loss that expects logits (from_logits=True)"
    finds = "softmax/sigmoid output with `from_logits=True`"
    fix_summary = "unsafe: `from_logits=False`"
    looks_at = (
        KERAS,
        FROM_LOGITS_TRUE,
        PROBABILITY_LOSS_COMPILE,
        BUILDS_MODELS,
        Mention((*kb.PROBABILITY_ACTIVATIONS, *kb.ACTIVATION_LAYERS)),
    )

    @classmethod
    def check(cls, ctx: Context) -> Iterator[Diagnostic]:
        for head, loss in ctx.inference.compiled_heads():
            if head.probability_kind is None or not loss.info.expects_probabilities:
                continue
            if not loss.from_logits or loss.from_logits_arg is None:
                continue
            layer = describe(ctx, head) if head.layer is not None else repr(head.activation)
            message = (
                f"{layer} already outputs probabilities, but {loss.label} expects "
                "logits: the outputs are squashed twice; use from_logits=False"
            )
            edit = ctx.replace(loss.from_logits_arg.value, "False")
            yield ctx.diagnostic(
                cls,
                loss.from_logits_arg,
                message,
                fix(Applicability.UNSAFE, "Set from_logits=False", edit),
            )
