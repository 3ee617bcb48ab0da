from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from kerasfix import knowledge as kb
from kerasfix.analysis.inference import Model
from kerasfix.diagnostic import Applicability, Diagnostic
from kerasfix.rules.base import (
    BUILDS_MODELS,
    KERAS,
    Context,
    MethodCall,
    Rule,
    StringLiteral,
    arg,
    fix,
    string,
)

# one plain string literal: its prefix and quote are kept when it is renamed
_LITERAL = re.compile(r"([rRuU]?)('|\")(\w*)\2")


class HistoryAccKey(Rule):
    """KF106 history-acc-key: `history.history['acc']` after `metrics=['accuracy']`.

    What it does
        Finds reads (`h['acc']`, `h.get('acc')`) of the `'acc'` / `'val_acc'`
        keys of a training history whose model was compiled, in the same
        module, with
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
    finds = (
        "`history.history['acc']` (or `.get('acc')`) where the model was compiled with "
        "`metrics=['accuracy']` (KeyError since Keras 2.3)"
    )
    fix_summary = (
        "safe: `'accuracy'` / `'val_accuracy'`, only when fit, model and compile are all resolved"
    )
    looks_at = (
        KERAS,
        StringLiteral(tuple(kb.HISTORY_KEYS)),
        MethodCall(tuple(sorted(kb.FIT_METHODS))),
        BUILDS_MODELS,
    )

    @classmethod
    def check(cls, ctx: Context) -> Iterator[Diagnostic]:
        reads: list[tuple[ast.expr, ast.expr]] = [(s.slice, s.value) for s in ctx.tree.subscripts]
        for call in ctx.method_calls("get"):  # history.history.get("acc")
            if call.args and not isinstance(call.args[0], ast.Starred):
                reads.append((call.args[0], call.func.value))  # type: ignore[attr-defined]
        reads.sort(key=lambda read: ctx.tree.order[read[0]])
        for key_node, base in reads:
            key = string(key_node)
            if key not in kb.HISTORY_KEYS:
                continue
            written = _LITERAL.fullmatch(ctx.code(key_node))
            if written is None:
                continue
            model = ctx.inference.trained_model(base)
            if model is None or not cls._compiled_with_accuracy(ctx, model):
                continue
            new = kb.HISTORY_KEYS[key]
            prefix, quote = written.group(1), written.group(2)
            literal = f"{prefix}{quote}{new}{quote}"
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
    def _compiled_with_accuracy(ctx: Context, model: Model) -> bool:
        metrics_seen = []
        for call in ctx.inference.compile_calls(model):
            metrics = arg(call, None, "metrics")
            if not isinstance(metrics, (ast.List, ast.Tuple)):
                return False
            names = []
            for element in metrics.elts:
                name = string(element)
                if name is None:
                    return False
                names.append(name)
            metrics_seen.append(names)
        return (
            len(metrics_seen) == 1
            and "accuracy" in metrics_seen[0]
            and "acc" not in metrics_seen[0]
        )
