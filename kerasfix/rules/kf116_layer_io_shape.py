from __future__ import annotations

import ast
from collections.abc import Iterator

from kerasfix import knowledge as kb
from kerasfix.diagnostic import Applicability, Diagnostic
from kerasfix.rules.base import KERAS, OUTSIDE_KERAS, Context, Mention, Rule, fix

# the attribute -> the tensor whose shape it was
_SHAPES = {"output_shape": "output", "input_shape": "input"}


class LayerIoShape(Rule):
    """KF116 layer-io-shape: `layer.output_shape`/`input_shape`, which Keras 3's layers lack.

    What it does
        Finds the shape of a layer's output or input read as `layer.output_shape` or
        `layer.input_shape` — on a layer the module made, on `model.layers[i]`,
        `model.get_layer(…)`, or the variable of `for layer in model.layers` — and reads it
        from the tensor instead: `layer.output.shape`, `layer.input.shape`.

    Why is this bad?
        Keras 3's `Layer` has neither attribute (its models kept them): `AttributeError:
        'Dense' object has no attribute 'output_shape'`, typically in the loop that prints a
        model's layers, or where a layer's width is read to size the next one.

    Example
        for layer in model.layers:
            print(layer.name, layer.output_shape)

    Use instead
        for layer in model.layers:
            print(layer.name, layer.output.shape)

    Fix safety
        Safe on a layer the module made (`Dense`, `Conv2D` …): the tensor's shape is the tuple
        Keras 2 gave. Unsafe on a model's layer whose class is not seen: Keras 2 gave an
        `InputLayer`'s shape as a list of one tuple (`[(None, 784)]`), Keras 3 the tuple.
        A layer called on several inputs had no single shape in Keras 2 either.
    """

    code = "KF116"
    name = "layer-io-shape"
    summary = "`layer.output_shape`/`input_shape`, which Keras 3's layers lack"
    finds = "`layer.output_shape` on `model.layers[i]`, `model.get_layer(…)`, a layer made here"
    fix_summary = "`layer.output.shape` (safe on a known layer, unsafe on a model's layer)"
    looks_at = (OUTSIDE_KERAS, KERAS, Mention(tuple(_SHAPES)))

    @classmethod
    def check(cls, ctx: Context) -> Iterator[Diagnostic]:
        if kb.inside_keras_or_tensorflow(ctx.path):
            return
        for attr, tensor in _SHAPES.items():
            for node in ctx.inference.attributes_named(attr):
                if not isinstance(node.ctx, ast.Load):
                    continue
                layer = ctx.inference.model_layer(node.value)
                if layer is None:
                    continue  # not certainly a layer (Keras 3's models kept the attribute)
                message = (
                    f"`{attr}`: Keras 3's layers have no `{attr}`; read the shape of the "
                    f"layer's {tensor} tensor, `.{tensor}.shape`"
                )
                # Keras 2 gave an InputLayer's shape as a list of one tuple
                known = layer and layer != "InputLayer"
                applicability = Applicability.SAFE if known else Applicability.UNSAFE
                edit = ctx.rename(node, f"{tensor}.shape")
                yield ctx.diagnostic(
                    cls, node, message, fix(applicability, f"Use `.{tensor}.shape`", edit)
                )
