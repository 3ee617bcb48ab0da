from __future__ import annotations

import ast
from collections.abc import Iterator

from kerasfix import knowledge as kb
from kerasfix.analysis.inference import Model
from kerasfix.diagnostic import Applicability, Diagnostic
from kerasfix.rules.base import KERAS, OUTSIDE_KERAS, Context, Pattern, Rule, fix

_SAVE = "tensorflow.saved_model.save"


class TfSavedModelSave(Rule):
    """KF204 tf-saved-model-save: `tf.saved_model.save(model, dir)` of a Keras model.

    What it does
        Finds a Keras model saved with TensorFlow's `tf.saved_model.save(model, export_dir)`
        and rewrites it to `model.export(export_dir)`, Keras 3's way to write a SavedModel
        for serving. Opt-in (backend-neutral Keras, `--extend-select KF2`).

    Why is this bad?
        `tf.saved_model.save` traces the model as TensorFlow functions: a model running on
        JAX or PyTorch cannot be traced so and the call fails. `model.export` writes the
        SavedModel from any backend (it needs TensorFlow installed, not running the model).

    Example
        tf.saved_model.save(model, "exported/1")

    Use instead
        model.export("exported/1")

    Fix safety
        Unsafe: `model.export` writes an inference artifact whose serving signature is
        `serve` (TensorFlow wrote `serving_default` from the model's call); code or servers
        that load the directory by the old signature's name must follow. Calls with
        `signatures=` or `options=` are reported only.
    """

    code = "KF204"
    name = "tf-saved-model-save"
    summary = "`tf.saved_model.save(model, …)` of a Keras model (TensorFlow's tracing only)"
    finds = '`tf.saved_model.save(model, "exported/1")`'
    fix_summary = 'unsafe: `model.export("exported/1")`'
    looks_at = (OUTSIDE_KERAS, KERAS, Pattern(r"saved_model", ("saved_model",), words=("save",)))

    @classmethod
    def check(cls, ctx: Context) -> Iterator[Diagnostic]:
        if kb.inside_keras_or_tensorflow(ctx.path):
            return
        for call in ctx.method_calls("save"):
            if ctx.inference.qualified_name(call.func) != _SAVE:
                continue
            given = {k.arg: k.value for k in call.keywords}
            model = call.args[0] if call.args else given.pop("obj", None)
            folder = call.args[1] if len(call.args) > 1 else given.pop("export_dir", None)
            if model is None or not isinstance(ctx.inference.model_of(model), Model):
                continue
            message = (
                "`tf.saved_model.save` traces the model as TensorFlow functions, which only the "
                "TensorFlow backend can: use `model.export(…)`"
            )
            if (
                folder is None
                or given
                or len(call.args) > 2
                or any(k.arg is None for k in call.keywords)
            ):
                yield ctx.diagnostic(cls, call, message)
                continue
            receiver = ctx.code(model)
            if not isinstance(model, (ast.Name, ast.Attribute)):
                receiver = f"({receiver})"
            edit = ctx.replace(call, f"{receiver}.export({ctx.code(folder)})")
            yield ctx.diagnostic(
                cls, call, message, fix(Applicability.UNSAFE, "Use `model.export(…)`", edit)
            )
