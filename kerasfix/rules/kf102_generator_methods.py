from __future__ import annotations

from collections.abc import Iterator

import libcst as cst

from kerasfix import knowledge as kb
from kerasfix.context import Context, fix
from kerasfix.diagnostic import Applicability, Diagnostic
from kerasfix.quick import QuickFacts
from kerasfix.rules._migration import has_star, receiver_kind
from kerasfix.rules._text import calls
from kerasfix.rules.base import Rule


class GeneratorMethods(Rule):
    """KF102 generator-methods: `fit_generator` and its evaluate/predict siblings were removed.

    What it does
        Rewrites `model.fit_generator(gen, …)` to `model.fit(gen, …)` (and the
        evaluate/predict forms), mapping positional arguments by the old
        signature.

    Why is this bad?
        The methods are gone from Keras 3 (`AttributeError`); `fit` has taken
        generators and `tf.data` datasets since TF 2.1. A blind rename is a
        silent bug: the second positional of `fit_generator` is
        `steps_per_epoch`, of `fit` it is `y`.

    Example
        model.fit_generator(train_gen, 100, 10, workers=4, use_multiprocessing=True)

    Use instead
        model.fit(train_gen, steps_per_epoch=100, epochs=10)

    Fix safety
        Positional arguments after the first become keywords named by the old
        signature; `workers`, `use_multiprocessing` and `max_queue_size` are
        dropped (Keras 3's `fit` rejects them, and they never changed results:
        in Keras 3 they are arguments of `keras.utils.PyDataset`). Safe on
        receivers shown to be Keras models; unsafe on receivers of unknown type;
        never applied to classes in the scanned code that define the method.
        Keras 1 calls (`samples_per_epoch`, `nb_epoch` …) are reported without
        a fix: their positions mean other things.
    """

    code = "KF102"
    name = "generator-methods"
    summary = "`fit_generator`/`evaluate_generator`/`predict_generator` were removed"
    triggers = (tuple(kb.GENERATOR_METHODS), (calls(kb.GENERATOR_METHODS),))

    @classmethod
    def may_fire(cls, facts: QuickFacts) -> bool:
        return any(m in facts.called_methods for m in kb.GENERATOR_METHODS)

    @classmethod
    def check(cls, ctx: Context) -> Iterator[Diagnostic]:
        for call in ctx.method_calls(*kb.GENERATOR_METHODS):
            assert isinstance(call.func, cst.Attribute)
            method = call.func.attr.value
            kind = receiver_kind(ctx, call, method)
            if kind is None:
                continue
            new_method, positions = kb.GENERATOR_METHODS[method]
            keywords = {a.keyword.value for a in call.args if a.keyword is not None}
            dropped = sorted(keywords & kb.GENERATOR_DROPPED)
            message = f"`{method}()` was removed in Keras 3: use `{new_method}()`"
            if keywords & kb.KERAS1_GENERATOR_ARGS or has_star(call):
                message += " (a Keras 1 call: map its arguments by hand; samples are not steps)"
                yield ctx.diagnostic(cls, call, message)
                continue
            new_call, dropped_positional = cls._rewrite(call, new_method, positions)
            dropped = sorted(set(dropped) | set(dropped_positional))
            if dropped:
                message += (
                    f"; {', '.join(dropped)} dropped (in Keras 3 they are arguments of "
                    "keras.utils.PyDataset and never changed results)"
                )
            applicability = Applicability.SAFE if kind == "keras" else Applicability.UNSAFE
            if kind != "keras":
                message += "; the receiver is not shown to be a Keras model"
            edit = ctx.replace(call, ctx.module.code_for_node(new_call))
            yield ctx.diagnostic(
                cls, call, message, fix(applicability, f"Use `{new_method}()`", edit)
            )

    @staticmethod
    def _rewrite(
        call: cst.Call, new_method: str, positions: tuple[str, ...]
    ) -> tuple[cst.Call, list[str]]:
        args: list[cst.Arg] = []
        dropped: list[str] = []
        positional = 0
        for a in call.args:
            name = a.keyword.value if a.keyword is not None else None
            if name is None:
                if positional == 0:
                    args.append(a)
                    positional += 1
                    continue
                name = positions[positional - 1] if positional - 1 < len(positions) else None
                positional += 1
                if name is None:
                    args.append(a)
                    continue
                a = a.with_changes(
                    keyword=cst.Name(name),
                    equal=cst.AssignEqual(
                        whitespace_before=cst.SimpleWhitespace(""),
                        whitespace_after=cst.SimpleWhitespace(""),
                    ),
                )
            if name in kb.GENERATOR_DROPPED:
                dropped.append(name)
                continue
            args.append(a)
        if args and call.args and args[-1] is not call.args[-1]:
            # the old last argument was dropped: the new last one takes its comma
            args[-1] = args[-1].with_changes(comma=call.args[-1].comma)
        assert isinstance(call.func, cst.Attribute)
        func = call.func.with_changes(attr=cst.Name(new_method))
        return call.with_changes(func=func, args=args), dropped
