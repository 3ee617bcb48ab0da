from __future__ import annotations

import ast
from collections.abc import Iterator

from kerasfix import knowledge as kb
from kerasfix.diagnostic import Diagnostic
from kerasfix.rules.base import KERAS, OUTSIDE_KERAS, Context, Mention, Rule

# the methods that make a layer's state (a metric made here is the layer's own)
_MAKERS = ("__init__", "build")


class MetricStateInCall(Rule):
    """KF206 metric-state-in-call: a metric updated inside a layer's `call()`.

    What it does
        Finds a `keras.layers.Layer` (or `keras.Model`) subclass that makes a metric
        (`keras.metrics.Mean`, `BinaryAccuracy` …) in `__init__`/`build` and updates it in
        `call()`, with `update_state(…)` or by calling it — the "endpoint layer" pattern, and
        what KF114 writes for Keras 2's `add_metric(tensor)`. Report only. Opt-in
        (backend-neutral Keras, `--extend-select KF2`).

    Why is this bad?
        On JAX, Keras's training step is a pure function of the state it passes in, and a
        metric's variables updated inside a layer's `call()` are not among them: `fit` stops
        with `TypeError: 'NoneType' object is not callable` on the metric's variable
        (keras-team/keras#21639). TensorFlow and PyTorch run it.

    Example
        class LogisticEndpoint(keras.layers.Layer):
            def __init__(self):
                super().__init__()
                self.accuracy = keras.metrics.BinaryAccuracy()

            def call(self, logits, targets):
                self.accuracy.update_state(targets, logits)
                return keras.ops.sigmoid(logits)

    Use instead
        Update the metric where the model computes its loss (a `keras.Model`'s
        `compute_loss`, or `compile(metrics=…)` where it is a function of targets and
        predictions), or keep this model on TensorFlow (`KERAS_BACKEND=tensorflow`), as the
        Keras team's own example of the pattern does.

    Fix safety
        No fix: where the metric belongs depends on the model around the layer.
    """

    code = "KF206"
    name = "metric-state-in-call"
    summary = "a metric updated in a layer's `call()` (not on JAX)"
    finds = "`self.accuracy.update_state(y, p)` in a `keras.layers.Layer`'s `call()`"
    fix_summary = "— (report only: update it in `compute_loss`, or stay on TensorFlow)"
    looks_at = (OUTSIDE_KERAS, KERAS, Mention(("metrics",)))

    @classmethod
    def check(cls, ctx: Context) -> Iterator[Diagnostic]:
        if kb.inside_keras_or_tensorflow(ctx.path):
            return
        for node in ctx.tree.classes:
            if ctx.inference.keras3_base(node) is None:
                continue
            methods = {m.name: m for m in node.body if isinstance(m, ast.FunctionDef)}
            call = methods.get("call")
            if call is None:
                continue
            metrics = {
                name
                for maker in _MAKERS
                if maker in methods
                for name in _metrics_made(ctx, methods[maker])
            }
            for found in ast.walk(call):
                attr = _metric_update(found, metrics)
                if attr is not None:
                    yield ctx.diagnostic(
                        cls,
                        found,
                        f"metric `self.{attr}` updated in `call()`: on JAX, `fit` cannot carry "
                        "its state and stops (keras-team/keras#21639); update it in the "
                        "model's `compute_loss`, or keep this model on TensorFlow",
                    )


def _metrics_made(ctx: Context, method: ast.FunctionDef) -> Iterator[str]:
    """The ``self.<attr>`` a method assigns a new Keras metric to."""
    for node in ast.walk(method):
        if not (isinstance(node, ast.Assign) and isinstance(node.value, ast.Call)):
            continue
        path = ctx.inference.api_path(node.value.func) or ""
        if not path.startswith("metrics.") or not path[len("metrics.") :][:1].isupper():
            continue
        for target in node.targets:
            if (
                isinstance(target, ast.Attribute)
                and isinstance(target.value, ast.Name)
                and target.value.id == "self"
            ):
                yield target.attr


def _metric_update(node: ast.AST, metrics: set[str]) -> str | None:
    """``self.m.update_state(…)`` or ``self.m(…)`` for a metric ``m``: its name."""
    if not isinstance(node, ast.Call):
        return None
    func = node.func
    if isinstance(func, ast.Attribute) and func.attr == "update_state":
        func = func.value
    if (
        isinstance(func, ast.Attribute)
        and isinstance(func.value, ast.Name)
        and func.value.id == "self"
        and func.attr in metrics
    ):
        return func.attr
    return None
