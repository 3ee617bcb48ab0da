from __future__ import annotations

import ast
from collections.abc import Iterator

from kerasfix import knowledge as kb
from kerasfix.analysis.inference import Model
from kerasfix.diagnostic import Diagnostic
from kerasfix.rules.base import (
    KERAS,
    OUTSIDE_KERAS,
    AnyOf,
    Context,
    Mention,
    MethodCall,
    Rule,
)

_STEPS = ("train_step", "test_step", "predict_step")


class TensorflowTrainStep(Rule):
    """KF205 tensorflow-train-step: a model's `train_step` written with `tf.GradientTape`.

    What it does
        Finds a `keras.Model` subclass whose `train_step` (or `test_step`) takes gradients
        with TensorFlow's `tf.GradientTape`, and a training loop of the script's own that takes
        the gradients of a Keras model's weights with it (`tape.gradient(loss,
        model.trainable_variables)`), and says what Keras 3 offers instead; also gradients
        taken through a Keras model called in the tape's block (a Grad-CAM heat map, a
        saliency map, an adversarial input), which stay TensorFlow's. Report only: there
        is no backend-neutral rewrite of a gradient step. Opt-in (backend-neutral Keras,
        `--extend-select KF2`).

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
        For a loop of your own, `model.fit` (or `train_on_batch`) with the loss given to
        `compile`; where only the loss is custom, override `compute_loss(self, x, y, y_pred,
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
    looks_at = (
        OUTSIDE_KERAS,
        KERAS,
        Mention(("GradientTape",)),
        AnyOf(Mention(_STEPS, parsed=False), MethodCall(("gradient",))),
    )

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
        yield from cls._loops(ctx)

    @classmethod
    def _loops(cls, ctx: Context) -> Iterator[Diagnostic]:
        """``tape.gradient(loss, model.trainable_variables)`` outside a model's own step."""
        for call in ctx.method_calls("gradient"):
            if len(call.args) < 2 or _in_step(ctx, call):
                continue
            tape = call.func.value if isinstance(call.func, ast.Attribute) else None
            blocks = _tape_blocks(ctx, tape)
            if not blocks:
                continue
            weights = _weights_of_a_model(ctx, call.args[1])
            if not weights and not _calls_a_model(ctx, _reaching_block(ctx, call, blocks)):
                continue
            if weights or _read_as_weights(call.args[1]):
                message = (
                    "a training loop taking a Keras model's gradients with `tf.GradientTape` runs "
                    "only on TensorFlow: train with `model.fit`/`train_on_batch` and the loss "
                    "given to `compile`, or write the loop per backend"
                )
            else:
                message = (
                    "gradients through a Keras model with `tf.GradientTape` (a Grad-CAM map, a "
                    "saliency map, an adversarial input) are TensorFlow's: the model's outputs "
                    "are another backend's arrays on JAX or PyTorch; keep this on TensorFlow, or "
                    "take them with the backend's own (`jax.grad`)"
                )
            yield ctx.diagnostic(cls, call, message)


# what a model's weights are read as
_WEIGHTS = frozenset({"trainable_variables", "trainable_weights", "variables", "weights"})


def _items(sources: ast.expr) -> list[ast.expr]:
    """What a gradient's sources join: a list's or tuple's items, a sum's two sides."""
    if isinstance(sources, ast.BinOp) and isinstance(sources.op, ast.Add):
        return [sources.left, sources.right]
    return sources.elts if isinstance(sources, (ast.List, ast.Tuple)) else [sources]


def _weights_of_a_model(ctx: Context, sources: ast.expr) -> bool:
    """``model.trainable_variables`` (or a list joining such) of what is surely a Keras model."""
    items = _items(sources)
    return bool(items) and all(
        isinstance(item, ast.Attribute)
        and item.attr in _WEIGHTS
        and ctx.inference.receiver(item.value, item.attr).kind == "keras"
        for item in items
    )


def _read_as_weights(sources: ast.expr) -> bool:
    """``layers.trainable_variables`` (of anything): a training step's sources."""
    items = sources.elts if isinstance(sources, (ast.List, ast.Tuple)) else [sources]
    return any(isinstance(i, ast.Attribute) and i.attr in _WEIGHTS for i in items)


def _tape_blocks(ctx: Context, tape: ast.expr | None) -> list[ast.With]:
    """The ``with tf.GradientTape() as tape:`` blocks that bind the name ``tape``."""
    if not isinstance(tape, ast.Name):
        return []
    found = []
    for node in ctx.tree.calls_by_attr.get("GradientTape", ()):
        if not _gradient_tape(ctx, node):
            continue
        holder = ctx.tree.parents.get(node)
        block = ctx.tree.parents.get(holder) if holder is not None else None
        if (
            isinstance(holder, ast.withitem)
            and isinstance(holder.optional_vars, ast.Name)
            and holder.optional_vars.id == tape.id
            and isinstance(block, ast.With)
        ):
            found.append(block)
    return found


def _reaching_block(ctx: Context, call: ast.Call, blocks: list[ast.With]) -> ast.With | None:
    """Of the blocks binding the tape, the last one before ``call`` in its scope (the one whose
    tape it reads, in code that runs top to bottom, as a notebook's cells do)."""
    scope = ctx.tree.scope_of(call)
    order = ctx.tree.order
    before = [b for b in blocks if order[b] < order[call] and ctx.tree.scope_of(b) is scope]
    return max(before, key=lambda b: order[b]) if before else None


def _calls_a_model(ctx: Context, block: ast.With | None) -> bool:
    """Whether the block calls what is surely a Keras model (``grad_model(image)``)."""
    return block is not None and any(
        isinstance(node, ast.Call) and isinstance(ctx.inference.model_of(node.func), Model)
        for statement in block.body
        for node in ast.walk(statement)
    )


def _in_step(ctx: Context, node: ast.AST) -> bool:
    return any(
        isinstance(a, ast.FunctionDef) and a.name in _STEPS for a in ctx.tree.ancestors(node)
    )


def _gradient_tape(ctx: Context, node: ast.AST) -> bool:
    return isinstance(node, ast.Call) and (
        ctx.inference.qualified_name(node.func) == "tensorflow.GradientTape"
    )
