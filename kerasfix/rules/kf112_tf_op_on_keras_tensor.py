from __future__ import annotations

import ast
from collections.abc import Iterator

from kerasfix import knowledge as kb
from kerasfix.diagnostic import Applicability, Diagnostic
from kerasfix.rules.base import (
    KERAS,
    OUTSIDE_KERAS,
    AnyOf,
    ApiCall,
    Context,
    Mention,
    Pattern,
    Rule,
    fix,
    ops_rewrite,
)


class TfOpOnKerasTensor(Rule):
    """KF112 tf-op-on-keras-tensor: a TensorFlow function applied to a functional model's tensor.

    What it does
        Finds `tf.concat([a, b], axis=-1)`, `tf.reduce_mean(x, axis=1)`, `tf.nn.relu(h)` …
        applied to the tensors of a functional model while it is built (what `keras.Input`
        and the layers called on it return), and rewrites them to the `keras.ops` function
        that computes the same (`keras.ops.concatenate`, `keras.ops.mean`, `keras.ops.relu`).
        Which TensorFlow functions have such an op, and how their arguments are named there:
        generated from the installed packages, signatures compared argument by argument.

        The same in a layer's `compute_mask(inputs, mask)`, which Keras 3 calls with those
        tensors too (`tf.math.not_equal(inputs, 0)`, Deep Learning with Python's embeddings).

    Why is this bad?
        Keras 2 silently wrapped each such call in a layer (`TFOpLambda`). Keras 3 does not:
        `ValueError: A KerasTensor cannot be used as input to a TensorFlow function`, when
        the model is built.

    Example
        inputs = keras.Input(shape=(32,))
        a = layers.Dense(16)(inputs)
        b = layers.Dense(16)(inputs)
        merged = tf.concat([a, b], axis=-1)

    Use instead
        merged = keras.ops.concatenate([a, b], axis=-1)

    Fix safety
        Safe: the op computes what the TensorFlow function did, on the same arguments (their
        keywords renamed). A function with no such op (`tf.shape`, `tf.split`, `tf.image.*`),
        or a call passing an argument the op lacks (`name=`), is reported: wrap it in a
        `keras.layers.Lambda`, or write the computation in a layer's `call()`.
    """

    code = "KF112"
    name = "tf-op-on-keras-tensor"
    summary = "a TensorFlow function applied to a functional model's tensor (Keras 3 raises)"
    finds = (
        "`tf.concat([a, b], -1)`, `tf.reduce_mean(x, 1)`, `tf.nn.relu(h)` on the tensors of a "
        "`keras.Input`, or on a layer's inputs in its `compute_mask`"
    )
    fix_summary = "safe: the `keras.ops` function with the same meaning"
    looks_at = (
        OUTSIDE_KERAS,
        KERAS,
        AnyOf(ApiCall(("Input",)), Mention(("compute_mask",), parsed=False)),
        # a TensorFlow function called (`tf.concat(`), or imported (`from tensorflow import …`)
        Pattern(
            r"(?m)\btf[\s\\]*\.[\s\\]*(?!keras\b)\w[\w.\s\\]*\("
            r"|^[ \t]*from[ \t]+tensorflow[ \t]+import[ \t]+(?!keras\b)",
            ("tf.", "tensorflow"),
            words=("tensorflow", "tf"),
        ),
    )

    @classmethod
    def check(cls, ctx: Context) -> Iterator[Diagnostic]:
        if kb.inside_keras_or_tensorflow(ctx.path):
            return  # Keras's own code, of whichever version
        roots = _tensorflow_names(ctx)  # only chains from what an import of TensorFlow binds
        for by_name in (ctx.tree.calls_by_attr, ctx.tree.calls_by_name):
            for calls in by_name.values():
                for call in calls:
                    root = call.func
                    while isinstance(root, ast.Attribute):
                        root = root.value
                    if not isinstance(root, ast.Name) or root.id not in roots:
                        continue
                    path = ctx.inference.tf_path(call.func)
                    if path is None:
                        continue
                    if path.split(".", 1)[0] == "keras":
                        continue
                    if ctx.inference.given_keras_tensor(call):
                        in_class = ctx.inference.enclosing_method(call) is not None
                        yield cls._diagnostic(ctx, call, path, _MASK if in_class else "")

    @classmethod
    def _diagnostic(cls, ctx: Context, call: ast.Call, path: str, where: str = "") -> Diagnostic:
        message = (
            f"`tf.{path}` applied to a model's tensor{where}: Keras 3 takes no TensorFlow "
            "function while a functional model is built"
        )
        op, spelled, edits = ops_rewrite(ctx, call, kb.api.tf_op(path), add_import=False)
        if not op:
            return ctx.diagnostic(
                cls,
                call,
                message
                + ": wrap it in a `keras.layers.Lambda` or compute it in a layer's `call()`",
            )
        message += f": use `keras.ops.{op}`"
        if not edits:
            return ctx.diagnostic(cls, call, message)
        return ctx.diagnostic(
            cls, call, message, fix(Applicability.SAFE, f"Use `{spelled}`", *edits)
        )


_MASK = " in `compute_mask`, which Keras 3 calls with the symbolic tensors a layer is given"


def _tensorflow_names(ctx: Context) -> set[str]:
    """The names the module's imports bind to TensorFlow or its functions (``tf``, ``concat``),
    not to its Keras (``from tensorflow import keras``)."""
    found: set[str] = set()
    for node in ctx.tree.imports:
        pairs = (
            [(a.name, (a.asname or a.name).split(".")[0]) for a in node.names]
            if isinstance(node, ast.Import)
            else [(f"{node.module}.{a.name}", a.asname or a.name) for a in node.names]
            if node.module and node.level == 0
            else []
        )
        for imported, bound in pairs:
            if imported.split(".")[0] == "tensorflow" and not imported.startswith(_TF_KERAS):
                found.add(bound)
    return found


_TF_KERAS = "tensorflow.keras"
