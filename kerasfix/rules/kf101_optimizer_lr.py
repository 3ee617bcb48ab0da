from __future__ import annotations

from collections.abc import Iterator

from kerasfix import knowledge as kb
from kerasfix.context import Context, fix
from kerasfix.diagnostic import Applicability, Diagnostic
from kerasfix.quick import QuickFacts
from kerasfix.rules._migration import keras_calls
from kerasfix.rules._text import calls, keyword_argument
from kerasfix.rules.base import Rule
from kerasfix.syntax import keyword_arg


class OptimizerLr(Rule):
    """KF101 optimizer-lr: `lr=` on a Keras optimizer; the argument is `learning_rate=`.

    What it does
        Finds Keras optimizers (`keras.optimizers.Adam(lr=0.01)`, every import
        spelling) given the old `lr=` argument.

    Why is this bad?
        Keras 3 rejects it (`ValueError: Argument(s) not recognized: {'lr': 0.01}`).
        Before that it was a silent bug: since TensorFlow 2.11, and in tf-keras
        (the Keras 2 package for current TensorFlow), the optimizers drop `lr`
        with only a log line, so the model trains at the default learning rate
        (`tf_keras.optimizers.SGD(lr=0.05)` trains at 0.01).

    Example
        model.compile(optimizer=Adam(lr=0.001), loss="mse")

    Use instead
        model.compile(optimizer=Adam(learning_rate=0.001), loss="mse")

    Fix safety
        Safe: the fix restores the rate the author wrote. Only Keras optimizers
        are touched, never other libraries' (`torch.optim.SGD(params, lr=...)`,
        optax) or unknown callables.
    """

    code = "KF101"
    name = "optimizer-lr"
    summary = "`lr=` on a Keras optimizer: use `learning_rate=`"
    triggers = (
        ("lr",),
        kb.KERAS_MARKERS,
        tuple(kb.OPTIMIZERS),
        (keyword_argument("lr"),),
        (calls(kb.OPTIMIZERS),),
    )

    @classmethod
    def may_fire(cls, facts: QuickFacts) -> bool:
        return "lr" in facts.keywords and facts.may_call_keras(kb.OPTIMIZERS)

    @classmethod
    def check(cls, ctx: Context) -> Iterator[Diagnostic]:
        for call, path in keras_calls(ctx, kb.OPTIMIZERS):
            namespace, _, leaf = path.rpartition(".")
            if namespace not in ("optimizers", "optimizers.legacy") or leaf not in kb.OPTIMIZERS:
                continue
            lr = keyword_arg(call, "lr")
            if lr is None:
                continue
            message = (
                f"`{leaf}(lr=…)`: Keras 3 rejects `lr`, and TF 2.11+/tf-keras silently "
                "ignore it (the model trains at the default rate): use `learning_rate=`"
            )
            if keyword_arg(call, "learning_rate") is not None:
                yield ctx.diagnostic(cls, lr, message)
                continue
            edit = ctx.rename(lr, "learning_rate")
            yield ctx.diagnostic(
                cls, lr, message, fix(Applicability.SAFE, "Rename `lr` to `learning_rate`", edit)
            )
