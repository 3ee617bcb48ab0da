from __future__ import annotations

import ast
from collections.abc import Iterator

from kerasfix import knowledge as kb
from kerasfix.diagnostic import Diagnostic
from kerasfix.rules.base import KERAS, OUTSIDE_KERAS, Context, Mention, Rule

_STEPS = ("train_step", "test_step", "predict_step")


class TensorflowTrainStep(Rule):
    """KF205 tensorflow-train-step: a model's `train_step` written with `tf.GradientTape`.

    What it does
        Finds a `keras.Model` subclass whose `train_step` (or `test_step`) takes gradients
        with TensorFlow's `tf.GradientTape`, and says what Keras 3 offers instead. Report
        only: there is no backend-neutral rewrite of a gradient step. Opt-in (backend-neutral
        Keras, `--extend-select KF2`).

    Why is this bad?
        Each backend takes gradients its own way (`jax.value_and_grad`, `loss.backward()`):
        a `train_step` built on `tf.GradientTape` runs only on TensorFlow.

    Example
        class GAN(keras.Model):
            def train_step(self, data):
                with tf.GradientTape() as tape:
                    loss = self.compute_loss(y=data[1], y_pred=self(data[0]))
                ...

    Use instead
        Where only the loss is custom, override `compute_loss(self, x, y, y_pred,
        sample_weight)` and keep Keras's own `train_step`, which every backend has (the
        Keras migration guide's advice); otherwise write one `train_step` per backend, as the
        guides "customizing what happens in fit()" show for JAX and PyTorch.

    Fix safety
        No fix: what the step computes besides its loss decides the rewrite.
    """

    code = "KF205"
    name = "tensorflow-train-step"
    summary = "a `train_step` taking gradients with `tf.GradientTape` (TensorFlow only)"
    finds = "`with tf.GradientTape() as tape:` in a `keras.Model` subclass's `train_step`"
    fix_summary = "— (report only: `compute_loss`, or one step per backend)"
    looks_at = (OUTSIDE_KERAS, KERAS, Mention(("GradientTape",)), Mention(_STEPS, parsed=False))

    @classmethod
    def check(cls, ctx: Context) -> Iterator[Diagnostic]:
        if kb.inside_keras_or_tensorflow(ctx.path):
            return
        for node in ctx.tree.classes:
            if not (ctx.inference.keras3_base(node) or "").startswith("models."):
                continue
            for method in node.body:
                if not isinstance(method, ast.FunctionDef) or method.name not in _STEPS:
                    continue
                if any(_gradient_tape(ctx, call) for call in ast.walk(method)):
                    yield ctx.diagnostic(
                        cls,
                        method,
                        f"`{method.name}` takes gradients with `tf.GradientTape`, which only the "
                        "TensorFlow backend has: where only the loss is custom, override "
                        "`compute_loss` and keep Keras's own step; else write the step per backend",
                    )


def _gradient_tape(ctx: Context, node: ast.AST) -> bool:
    return isinstance(node, ast.Call) and (
        ctx.inference.qualified_name(node.func) == "tensorflow.GradientTape"
    )
