from __future__ import annotations

import ast
from collections.abc import Iterator

from kerasfix import knowledge as kb
from kerasfix.diagnostic import Applicability, Diagnostic
from kerasfix.rules.base import (
    KERAS,
    ApiCall,
    Context,
    Keyword,
    Rule,
    argument_removal,
    fix,
    has_star,
    keyword_arg,
)


class OptimizerLr(Rule):
    """KF101 optimizer-lr: `lr=` on a Keras optimizer; the argument is `learning_rate=`.

    What it does
        Finds Keras optimizers (`keras.optimizers.Adam(lr=0.01)`, every import
        spelling) given the old `lr=` argument, or the old `decay=` argument.

    Why is this bad?
        Keras 3 rejects `lr` (`ValueError: Argument(s) not recognized: {'lr': 0.01}`).
        Before that it was a silent bug: since TensorFlow 2.11, and in tf-keras
        (the Keras 2 package for current TensorFlow), the optimizers drop `lr`
        with only a log line, so the model trains at the default learning rate
        (`tf_keras.optimizers.SGD(lr=0.05)` trains at 0.01). Keras 3 optimizers
        (and Keras 2's since TF 2.11) reject `decay=` too (`ValueError`); the old
        optimizers divided the rate by `1 + decay * iterations`, which is exactly
        `keras.optimizers.schedules.InverseTimeDecay(rate, decay_steps=1, decay_rate=decay)`.

    Example
        model.compile(optimizer=Adam(lr=0.001, decay=1e-6), loss="mse")

    Use instead
        schedule = keras.optimizers.schedules.InverseTimeDecay(
            0.001, decay_steps=1, decay_rate=1e-6
        )
        model.compile(optimizer=Adam(learning_rate=schedule), loss="mse")

    Fix safety
        Safe: the fix restores the rate the author wrote. Only Keras optimizers
        are touched, never other libraries' (`torch.optim.SGD(params, lr=...)`,
        optax) or unknown callables. `decay=0` is dropped (safe: no decay);
        another `decay` becomes an `InverseTimeDecay` schedule, which computes
        the old rates (safe), except where the module reads or sets the rate
        elsewhere (`ReduceLROnPlateau`, `LearningRateScheduler`, `K.set_value`,
        `.lr`, `.learning_rate`, a `Callback` class of its own): those do not
        work with a schedule, and the fix is unsafe there.
    """

    code = "KF101"
    name = "optimizer-lr"
    summary = "`lr=` (use `learning_rate=`) or `decay=` on a Keras optimizer"
    finds = (
        "`Adam(lr=…)` on Keras optimizers (ValueError in Keras 3; silently ignored since TF "
        "2.11), `Adam(decay=…)` (ValueError in Keras 3)"
    )
    fix_summary = (
        "safe: `learning_rate=`; `decay=0` removed; other `decay=d`: "
        "`learning_rate=InverseTimeDecay(rate, decay_steps=1, decay_rate=d)`, unsafe where "
        "the module reads or sets the rate elsewhere"
    )
    looks_at = (
        KERAS,
        Keyword(("decay", "lr")),
        ApiCall((*sorted(kb.OPTIMIZERS), *kb.OPTIMIZER_ALIASES)),
    )

    @classmethod
    def check(cls, ctx: Context) -> Iterator[Diagnostic]:
        # the classes, under their names or Keras 1/2's (`sgd` imported as `SGD as sgd`)
        for call, path in ctx.inference.keras_calls(kb.OPTIMIZERS | set(kb.OPTIMIZER_ALIASES)):
            namespace, _, leaf = path.rpartition(".")
            if leaf not in kb.OPTIMIZERS or namespace not in (
                kb.OPTIMIZER_NAMESPACE,
                kb.LEGACY_OPTIMIZER_NAMESPACE,
            ):
                continue
            if namespace == kb.OPTIMIZER_NAMESPACE:
                yield from cls._decay(ctx, call, leaf)
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

    @staticmethod
    def _schedule_safety(ctx: Context, call: ast.Call) -> Applicability:
        """A schedule computes the old rates; it breaks only code that reads or sets the
        optimizer's rate later. Safe when the module, outside the optimizer's call, never
        names the rate or what changes it (a callback class, ``set_value`` …)."""
        start, end = ctx.span(call)
        outside = ctx.text[:start] + ctx.text[end:]
        if any(word in outside for word in kb.LEARNING_RATE_READERS):
            return Applicability.UNSAFE
        return Applicability.SAFE

    @classmethod
    def _decay(cls, ctx: Context, call: ast.Call, leaf: str) -> Iterator[Diagnostic]:
        decay = keyword_arg(call, "decay")
        if decay is None:
            return
        rate = keyword_arg(call, "learning_rate") or keyword_arg(call, "lr")
        rate_text = ctx.code(rate.value) if rate is not None else "<rate>"
        schedule = (
            f"keras.optimizers.schedules.InverseTimeDecay({rate_text}, decay_steps=1, "
            f"decay_rate={ctx.code(decay.value)})"
        )
        message = (
            f"`{leaf}(decay=…)`: Keras 3 optimizers reject `decay` (ValueError), as do "
            "Keras 2's since TF 2.11; the old optimizers used rate / (1 + decay * step): "
            f"use `learning_rate={schedule}`"
        )
        literal = decay.value
        arguments = ctx.arguments(call)
        drop = None
        if arguments is not None:
            drop = argument_removal(ctx, arguments, decay)
        if (
            isinstance(literal, ast.Constant)
            and type(literal.value) in (int, float)
            and literal.value == 0
        ):
            fixed = fix(Applicability.SAFE, "Remove `decay=0`", *drop) if drop else None
            yield ctx.diagnostic(cls, decay, message, fixed)
            return
        spelled = ctx.inference.keras_spelling("optimizers.schedules.InverseTimeDecay", call)
        if rate is None or drop is None or spelled is None or has_star(call):
            yield ctx.diagnostic(cls, decay, message)
            return
        new_rate = (
            f"{spelled}({ctx.code(rate.value)}, decay_steps=1, decay_rate={ctx.code(decay.value)})"
        )
        yield ctx.diagnostic(
            cls,
            decay,
            message,
            fix(
                cls._schedule_safety(ctx, call),
                "Use an `InverseTimeDecay` schedule as the learning rate",
                ctx.replace(rate.value, new_rate),
                *drop,
            ),
        )
