from __future__ import annotations

from collections.abc import Iterator

import libcst as cst

from kerasfix import knowledge as kb
from kerasfix.context import Context, fix
from kerasfix.diagnostic import Applicability, Diagnostic
from kerasfix.inference import Model, arg
from kerasfix.quick import QuickFacts
from kerasfix.rules.base import Rule


class HistoryAccKey(Rule):
    """KF106 history-acc-key: `history.history['acc']` after `metrics=['accuracy']`.

    What it does
        Finds reads of the `'acc'` / `'val_acc'` keys of a training history
        whose model was compiled, in the same module, with
        `metrics=['accuracy']`, and renames them `'accuracy'` / `'val_accuracy'`.

    Why is this bad?
        Since Keras 2.3 the history names a metric as it was given: with
        `metrics=['accuracy']` the key is `'accuracy'`, so
        `history.history['acc']` raises `KeyError` (the classic plotting cell
        of every tutorial).

    Example
        model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
        history = model.fit(x, y, validation_split=0.2)
        plt.plot(history.history["acc"])

    Use instead
        plt.plot(history.history["accuracy"])

    Fix safety
        Safe, and only where the `fit` call, its model and that model's single
        `compile` call are all resolved in the module; otherwise nothing is
        said (a dictionary named `history` may be anything).
    """

    code = "KF106"
    name = "history-acc-key"
    summary = "`history['acc']` after `metrics=['accuracy']`: the key is 'accuracy'"
    triggers = (
        tuple(f"{quote}{key}{quote}" for key in kb.HISTORY_KEYS for quote in "'\""),
        ("fit",),
        kb.KERAS_MARKERS,
    )

    @classmethod
    def may_fire(cls, facts: QuickFacts) -> bool:
        keys = any(k in facts.strings for k in kb.HISTORY_KEYS)
        return keys and bool(kb.FIT_METHODS & facts.called_methods) and facts.builds_models

    @classmethod
    def check(cls, ctx: Context) -> Iterator[Diagnostic]:
        for subscript in ctx.tree.subscripts:
            if len(subscript.slice) != 1:
                continue
            index = subscript.slice[0].slice
            if not isinstance(index, cst.Index) or not isinstance(index.value, cst.SimpleString):
                continue
            key_node = index.value
            key = key_node.evaluated_value
            if key not in kb.HISTORY_KEYS:
                continue
            model = cls._trained_model(ctx, subscript.value)
            if model is None or not cls._compiled_with_accuracy(ctx, model):
                continue
            new = kb.HISTORY_KEYS[key]
            quote = key_node.quote
            literal = f"{key_node.prefix}{quote}{new}{quote}"
            message = (
                f"the model was compiled with metrics=['accuracy'], so its history has "
                f"'{new}', not '{key}' (KeyError since Keras 2.3)"
            )
            yield ctx.diagnostic(
                cls,
                key_node,
                message,
                fix(Applicability.SAFE, f"Use '{new}'", ctx.replace(key_node, literal)),
            )

    @staticmethod
    def _trained_model(ctx: Context, base: cst.BaseExpression) -> Model | None:
        """The model whose fit() produced ``base`` (a History or its dict)."""
        inference = ctx.inference
        node = inference.origin(base)
        if isinstance(node, cst.Attribute) and node.attr.value == "history":
            node = inference.origin(node.value)
        if not (
            isinstance(node, cst.Call)
            and isinstance(node.func, cst.Attribute)
            and node.func.attr.value in kb.FIT_METHODS
        ):
            return None
        model = inference.model_of(node.func.value)
        return model if isinstance(model, Model) else None

    @staticmethod
    def _compiled_with_accuracy(ctx: Context, model: Model) -> bool:
        metrics_seen = []
        for call in ctx.method_calls("compile"):
            assert isinstance(call.func, cst.Attribute)
            other = ctx.inference.model_of(call.func.value)
            if not isinstance(other, Model) or other.node is not model.node:
                continue
            metrics = arg(call, None, "metrics")
            if not isinstance(metrics, (cst.List, cst.Tuple)):
                return False
            names = []
            for element in metrics.elements:
                if not isinstance(element.value, cst.SimpleString):
                    return False
                names.append(element.value.evaluated_value)
            metrics_seen.append(names)
        return (
            len(metrics_seen) == 1
            and "accuracy" in metrics_seen[0]
            and "acc" not in metrics_seen[0]
        )
