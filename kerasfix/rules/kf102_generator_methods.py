from __future__ import annotations

import ast
from collections.abc import Iterator

from kerasfix import knowledge as kb
from kerasfix.diagnostic import Applicability, Diagnostic, Edit, splice
from kerasfix.rules.base import Context, MethodCall, Rule, argument_deletions, fix, has_star


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
    finds = "`fit_generator`/`evaluate_generator`/`predict_generator`"
    fix_summary = (
        "safe on Keras models (positionals mapped by the old signature, "
        "`workers`/`use_multiprocessing`/`max_queue_size` dropped); unsafe on unknown "
        "receivers"
    )
    looks_at = (MethodCall(tuple(sorted(kb.GENERATOR_METHODS))),)

    @classmethod
    def check(cls, ctx: Context) -> Iterator[Diagnostic]:
        for call in ctx.method_calls(*kb.GENERATOR_METHODS):
            assert isinstance(call.func, ast.Attribute)
            method = call.func.attr
            kind = ctx.inference.receiver(call.func.value, method).kind
            if kind == "other":
                continue
            new_method, positions = kb.GENERATOR_METHODS[method]
            keywords = {k.arg for k in call.keywords if k.arg is not None}
            dropped = sorted(keywords & kb.GENERATOR_DROPPED)
            message = f"`{method}()` was removed in Keras 3: use `{new_method}()`"
            if keywords & kb.KERAS1_GENERATOR_ARGS or has_star(call):
                message += " (a Keras 1 call: map its arguments by hand; samples are not steps)"
                yield ctx.diagnostic(cls, call, message)
                continue
            rewritten = cls._rewrite(ctx, call, new_method, positions)
            if rewritten is None:
                yield ctx.diagnostic(cls, call, message)
                continue
            new_call, dropped_positional = rewritten
            dropped = sorted(set(dropped) | set(dropped_positional))
            if dropped:
                message += (
                    f"; {', '.join(dropped)} dropped (in Keras 3 they are arguments of "
                    "keras.utils.PyDataset and never changed results)"
                )
            applicability = Applicability.SAFE if kind == "keras" else Applicability.UNSAFE
            if kind != "keras":
                message += "; the receiver is not shown to be a Keras model"
            edit = ctx.replace(call, new_call)
            yield ctx.diagnostic(
                cls, call, message, fix(applicability, f"Use `{new_method}()`", edit)
            )

    @staticmethod
    def _rewrite(
        ctx: Context, call: ast.Call, new_method: str, positions: tuple[str, ...]
    ) -> tuple[str, list[str]] | None:
        """The call's new text, and the arguments it drops; None where its
        arguments cannot be read exactly."""
        arguments = ctx.arguments(call)
        if arguments is None:
            return None
        edits = [ctx.rename(call.func, new_method)]  # type: ignore[arg-type]
        dropped: list[str] = []
        kept: list[int] = []  # indexes of the arguments kept
        positional = 0
        items = arguments.items
        for index, (node, start, _) in enumerate(items):
            name = node.arg if isinstance(node, ast.keyword) else None
            if name is None:
                positional += 1
                if positional == 1:
                    kept.append(index)
                    continue
                name = positions[positional - 2] if positional - 2 < len(positions) else None
                if name is None:
                    kept.append(index)
                    continue
                if name not in kb.GENERATOR_DROPPED:
                    edits.append(Edit(start, start, f"{name}="))
            if name in kb.GENERATOR_DROPPED:
                dropped.append(name)
                continue
            kept.append(index)
        edits.extend(argument_deletions(ctx.text, arguments, kept))
        call_start, call_end = ctx.span(call)
        new_text, _ = splice(ctx.text, sorted(edits), call_start, call_end)
        return new_text, dropped
