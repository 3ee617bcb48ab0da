from __future__ import annotations

import ast
from collections.abc import Iterator

from kerasfix.analysis.inference import Head
from kerasfix.diagnostic import Applicability, Diagnostic
from kerasfix.rules.base import Context, MethodCall, Rule, fix, receiver_of, renamed_call_text


class PredictClasses(Rule):
    """KF001 predict-classes: `model.predict_classes()` was removed in TensorFlow 2.6.

    What it does
        Finds calls to `predict_classes()` on Keras models and rewrites them to
        what the removed method computed.

    Why is this bad?
        `Sequential.predict_classes()` no longer exists: the call raises
        `AttributeError: 'Sequential' object has no attribute 'predict_classes'`.
        The removed method ran `predict()` and then, depending on the width of
        the output, took the arg-max over the last axis (several units) or
        thresholded at 0.5 (one unit). Choosing the wrong replacement is a
        silent bug: `np.argmax` over a one-unit sigmoid output returns all zeros.

    Example
        model = Sequential([Dense(64, activation="relu"), Dense(10, activation="softmax")])
        classes = model.predict_classes(x_test, batch_size=128)

    Use instead
        classes = np.argmax(model.predict(x_test, batch_size=128), axis=-1)

        and for a model that ends in one unit (`Dense(1, activation="sigmoid")`):

        classes = (model.predict(x_test) > 0.5).astype("int32")

    Fix safety
        Safe when the model is built in the same file and its last layer's
        number of units is known: the fix computes exactly what the removed
        method did (same values, shape and dtype; every argument is kept, since
        `batch_size` and `verbose` map one to one onto `predict()`). numpy is
        used under the name the module already binds it to, or imported as
        `np`. When the model's output cannot be known (loaded from a file,
        passed in, built elsewhere) the finding names both forms and offers no
        fix. With `argmax-axis = 1` the fix is safe only where the output is
        known to be two-dimensional; axis -1 is what the removed method used and
        is right for every output rank.
    """

    code = "KF001"
    name = "predict-classes"
    summary = "`predict_classes()` was removed in TensorFlow 2.6"
    finds = "`model.predict_classes(x, …)` (removed in TF 2.6)"
    fix_summary = (
        "safe when the last layer's width is known: `np.argmax(model.predict(x, …), "
        'axis=-1)` (several units) or `(model.predict(x, …) > 0.5).astype("int32")` '
        "(one); none when the model cannot be known"
    )
    looks_at = (MethodCall(("predict_classes",)),)

    @classmethod
    def check(cls, ctx: Context) -> Iterator[Diagnostic]:
        for call in ctx.method_calls("predict_classes"):
            receiver = ctx.inference.receiver(receiver_of(call), "predict_classes")
            if receiver.kind != "other":
                yield cls._diagnose(ctx, call, receiver.head)

    @classmethod
    def _diagnose(cls, ctx: Context, call: ast.Call, head: Head | None) -> Diagnostic:
        axis = ctx.settings.argmax_axis
        predict = renamed_call_text(ctx, call, "predict", short=True)
        argmax_form = f"np.argmax({predict}, axis={axis})"
        threshold_form = f'({predict} > 0.5).astype("int32")'
        removed = "`predict_classes()` was removed in TensorFlow 2.6"
        units = head.units if head is not None else None
        if units is not None and units > 1:
            safe = axis == -1 or head is not None and head.rank2
            message = (
                f"{removed}; the model ends in {units} units, so it returned the "
                f"arg-max of `predict()`: use `{argmax_form}`"
            )
            applicability = Applicability.SAFE if safe else Applicability.UNSAFE
            return ctx.diagnostic(cls, call, message, cls._argmax_fix(ctx, call, applicability))
        if units == 1:
            message = (
                f"{removed}; the model ends in one unit, so it returned "
                f"`predict() > 0.5` as int32: use `{threshold_form}`"
            )
            return ctx.diagnostic(cls, call, message, cls._threshold_fix(ctx, call))
        if head is not None and head.activation == "softmax":
            message = (
                f"{removed}; the model ends in a softmax of unknown width: use "
                f"`{argmax_form}` (or `{threshold_form}` if it has one unit)"
            )
            return ctx.diagnostic(
                cls, call, message, cls._argmax_fix(ctx, call, Applicability.UNSAFE)
            )
        message = (
            f"{removed}; the model's output is not known here: use `{argmax_form}` "
            f"if it ends in several units, or `{threshold_form}` if it ends in one"
        )
        return ctx.diagnostic(cls, call, message)

    @classmethod
    def _argmax_fix(cls, ctx: Context, call: ast.Call, applicability: Applicability):
        assert isinstance(call.func, ast.Attribute)
        axis = ctx.settings.argmax_axis
        rename = ctx.rename(call.func, "predict")
        numpy = ctx.numpy_name(call)
        if numpy is None:
            # numpy's usual names are taken here: the method form needs no import
            return fix(
                applicability,
                f"Replace with `.predict(…).argmax(axis={axis})`",
                rename,
                ctx.insert_after(call, f".argmax(axis={axis})"),
            )
        name, imports = numpy
        return fix(
            applicability,
            f"Replace with `{name}.argmax(….predict(…), axis={axis})`",
            rename,
            ctx.insert_before(call, f"{name}.argmax("),
            ctx.insert_after(call, f", axis={axis})"),
            *imports,
        )

    @classmethod
    def _threshold_fix(cls, ctx: Context, call: ast.Call):
        assert isinstance(call.func, ast.Attribute)
        return fix(
            Applicability.SAFE,
            'Replace with `(….predict(…) > 0.5).astype("int32")`',
            ctx.rename(call.func, "predict"),
            ctx.insert_before(call, "("),
            ctx.insert_after(call, f" > 0.5).astype({ctx.string_literal('int32')})"),
        )
