from __future__ import annotations

import ast
from collections.abc import Iterator

from kerasfix import knowledge as kb
from kerasfix.analysis.inference import Tensor
from kerasfix.diagnostic import Applicability, Diagnostic
from kerasfix.rules.base import KERAS, OUTSIDE_KERAS, Context, MethodCall, Rule, fix, keras_name


class NumpyOfTensor(Rule):
    """KF203 numpy-of-tensor: `.numpy()` on what a Keras model or layer returns.

    What it does
        Finds `.numpy()` called on the output of a Keras model or layer called directly
        (`model(x).numpy()`, `probs = model(x)` … `probs.numpy()`) and rewrites it to
        `keras.ops.convert_to_numpy(…)`. Opt-in (backend-neutral Keras, `--extend-select KF2`).

    Why is this bad?
        `.numpy()` is a method of TensorFlow's eager tensors. On JAX a model returns a
        `jax.Array` and on PyTorch a `torch.Tensor` (which may need `.cpu()` first): there is
        no `.numpy()` to call, or it fails on a GPU tensor.

    Example
        probs = model(x_batch, training=False).numpy()

    Use instead
        probs = keras.ops.convert_to_numpy(model(x_batch, training=False))

    Fix safety
        Safe: on TensorFlow `convert_to_numpy` returns what `.numpy()` did; `import keras` is
        added where needed.
    """

    code = "KF203"
    name = "numpy-of-tensor"
    summary = "`.numpy()` on a Keras model's or layer's output (TensorFlow's tensors only)"
    finds = "`model(x).numpy()`"
    fix_summary = "safe: `keras.ops.convert_to_numpy(model(x))`"
    looks_at = (OUTSIDE_KERAS, KERAS, MethodCall(("numpy",)))

    @classmethod
    def check(cls, ctx: Context) -> Iterator[Diagnostic]:
        if kb.inside_keras_or_tensorflow(ctx.path):
            return
        for call in ctx.method_calls("numpy"):
            assert isinstance(call.func, ast.Attribute)
            if call.args or call.keywords:
                continue
            receiver = call.func.value
            if not _model_output(ctx, receiver):
                continue
            message = (
                "`.numpy()` of a Keras model's output exists only on TensorFlow: use "
                "`keras.ops.convert_to_numpy(…)`, which every backend has"
            )
            named = keras_name(ctx, "ops.convert_to_numpy", call)
            if named is None:
                yield ctx.diagnostic(cls, call, message)
                continue
            spelled, edits = named
            edits.append(ctx.replace(call, f"{spelled}({ctx.code(receiver)})"))
            yield ctx.diagnostic(
                cls, call, message, fix(Applicability.SAFE, f"Use `{spelled}(…)`", *edits)
            )


def _model_output(ctx: Context, receiver: ast.expr) -> bool:
    """Whether ``receiver`` is what calling a Keras model or layer returned (eagerly)."""
    made = receiver
    if isinstance(receiver, ast.Name):
        origin = ctx.inference.origin(receiver)
        made = origin if origin is not None else receiver
    if not isinstance(made, ast.Call):
        return False
    value = ctx.inference.value_of(made)
    return isinstance(value, Tensor) and not ctx.inference.keras_tensor(made)
