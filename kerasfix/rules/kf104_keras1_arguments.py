from __future__ import annotations

import ast
from collections.abc import Iterator

from kerasfix import knowledge as kb
from kerasfix.diagnostic import Applicability, Diagnostic, Edit
from kerasfix.rules.base import (
    CONV_KERNEL_POSITIONALS,
    KERAS,
    KERAS0_UNITS_POSITIONALS,
    AnyOf,
    Context,
    Keyword,
    LayerKeyword,
    Rule,
    arg,
    argument_removal,
    fix,
    has_star,
    keyword_arg,
    string,
)

_LAYER_KEYWORDS = frozenset(
    {
        *kb.LEGACY_KEYWORD_CLASSES,
        "input_dim",
        *(k for keywords in kb.KERAS1_DROPPED_LAYER_KEYWORDS.values() for k in keywords),
    }
)
_FIT_KEYWORDS = frozenset({*kb.KERAS1_FIT_KEYWORDS, *kb.KERAS1_FIT_DROPPED, "samples_per_epoch"})


class Keras1Arguments(Rule):
    """KF104 keras1-arguments: Keras 1 argument names that Keras 2 renamed and Keras 3 rejects.

    What it does
        Renames the Keras 1 arguments that Keras 2 converted for each class
        (read from Keras 2's own `legacy/interfaces.py`, kept where Keras 3's
        constructor takes the new name): `nb_epoch`→`epochs`,
        `output_dim`→`units`, `init`→`kernel_initializer` (`embeddings_initializer`
        on `Embedding`), `border_mode`→`padding`, `subsample`→`strides`,
        `W_regularizer`→`kernel_regularizer`, `Dropout(p=)`→`rate=`,
        `LSTM(dropout_W=, dropout_U=)`→`dropout=, recurrent_dropout=`,
        `Model(input=, output=)`→`Model(inputs=, outputs=)`,
        `dim_ordering='th'|'tf'`→`data_format='channels_first'|'channels_last'`,
        and `Convolution2D(32, 3, 3)`→`Convolution2D(32, (3, 3))`. Keras 0's
        `Dense(784, 512)` / `LSTM(64, 128)` (input and output widths by position)
        become `Dense(512, input_dim=784)`.

    Why is this bad?
        Keras 3 raises `TypeError` (unexpected keyword) or `ValueError` for
        them; `Convolution2D(32, 3, 3)` now reads the second 3 as `strides`, and
        `Dense(784, 512)` the 512 as an activation.

    Example
        model.add(Dense(output_dim=64, init="uniform", W_regularizer=l2(0.01)))
        model.fit(x, y, nb_epoch=10)

    Use instead
        model.add(Dense(units=64, kernel_initializer="uniform", kernel_regularizer=l2(0.01)))
        model.fit(x, y, epochs=10)

    Fix safety
        Safe on Keras layers (every import spelling) and on `fit`/`evaluate` of
        receivers shown to be Keras models; unsafe for `nb_epoch` on receivers
        of unknown type. `samples_per_epoch` (it needs the batch size to become
        `steps_per_epoch`) is reported with guidance and no fix.
    """

    code = "KF104"
    name = "keras1-arguments"
    summary = "Keras 1 argument names (nb_epoch, output_dim, init, border_mode, input= …)"
    finds = (
        "`nb_epoch`, `output_dim`, `init`, `border_mode`, `Dropout(p=)`, `Model(input=)`, "
        "`LSTM(input_dim=, input_length=)`, `dim_ordering`, `Convolution2D(32, 3, 3)`, "
        "`show_accuracy`, Keras 0's `Dense(784, 512)`"
    )
    fix_summary = "safe renames; `samples_per_epoch` reported only"
    looks_at = (
        KERAS,
        AnyOf(
            LayerKeyword(tuple(sorted(_LAYER_KEYWORDS))),
            Keyword(tuple(sorted(_FIT_KEYWORDS))),
            CONV_KERNEL_POSITIONALS,
            KERAS0_UNITS_POSITIONALS,
        ),
    )

    @classmethod
    def check(cls, ctx: Context) -> Iterator[Diagnostic]:
        layer_names = ctx.class_call_names
        for call, path in ctx.inference.keras_calls(layer_names):
            if path.startswith("layers.") or path == "models.Model":
                yield from cls._layer(ctx, call, path.split(".", 1)[1])
        for call in ctx.method_calls(*kb.TRAINING_LOOP_METHODS):
            assert isinstance(call.func, ast.Attribute)
            method = call.func.attr
            old = [k for k in call.keywords if k.arg in ("nb_epoch", "samples_per_epoch")]
            dropped = [k for k in call.keywords if k.arg in kb.KERAS1_FIT_DROPPED]
            if not old and not dropped:
                continue
            kind = ctx.inference.receiver(call.func.value, method).kind
            if kind == "other":
                continue
            for a in dropped:
                yield cls._dropped(ctx, call, a, method, kind)
            for a in old:
                if a.arg == "samples_per_epoch":
                    yield ctx.diagnostic(
                        cls,
                        a,
                        "`samples_per_epoch` is Keras 1: use `steps_per_epoch` = samples "
                        "// batch size (kerasfix cannot know the batch size)",
                    )
                    continue
                message = "`nb_epoch` is Keras 1 (TypeError in Keras 3): use `epochs`"
                if keyword_arg(call, "epochs") is not None:
                    yield ctx.diagnostic(cls, a, message)
                    continue
                applicability = Applicability.SAFE if kind == "keras" else Applicability.UNSAFE
                edit = ctx.rename(a, "epochs")
                yield ctx.diagnostic(
                    cls, a, message, fix(applicability, "Rename `nb_epoch` to `epochs`", edit)
                )

    @classmethod
    def _dropped(
        cls, ctx: Context, call: ast.Call, keyword: ast.keyword, method: str, kind: str
    ) -> Diagnostic:
        """``fit(…, show_accuracy=True)``: a Keras 1 logging flag, gone since Keras 2;
        removing it changes nothing the model computes."""
        message = (
            f"`{method}({keyword.arg}=…)` is Keras 1 (TypeError in Keras 3): it only chose what "
            "the progress bar printed; use `metrics=['accuracy']` in `compile` to see accuracy"
        )
        arguments = ctx.arguments(call)
        if arguments is None:
            return ctx.diagnostic(cls, keyword, message)
        edits = argument_removal(ctx, arguments, keyword)
        applicability = Applicability.SAFE if kind == "keras" else Applicability.UNSAFE
        return ctx.diagnostic(
            cls, keyword, message, fix(applicability, f"Remove `{keyword.arg}=`", *edits)
        )

    @classmethod
    def _sequence_input(cls, ctx: Context, call: ast.Call, layer: str) -> Iterator[Diagnostic]:
        """``LSTM(32, input_dim=8, input_length=10)``: Keras 2 read it as
        ``input_shape=(10, 8)``; Keras 3 rejects ``input_length`` and takes ``input_dim`` as a
        one-dimensional shape."""
        dim = keyword_arg(call, "input_dim")
        length = keyword_arg(call, "input_length")
        assert dim is not None
        message = (
            f"`{layer}(input_dim=…{', input_length=…' if length else ''})` is Keras 1: "
            "a sequence layer's input is `input_shape=(timesteps, features)`"
        )
        arguments = ctx.arguments(call)
        if keyword_arg(call, "input_shape") is not None or arguments is None:
            yield ctx.diagnostic(cls, dim, message)
            return
        steps = ctx.code(length.value) if length is not None else "None"
        edits = [ctx.replace(dim, f"input_shape=({steps}, {ctx.code(dim.value)})")]
        if length is not None:
            edits += argument_removal(ctx, arguments, length)
        yield ctx.diagnostic(
            cls,
            dim,
            message,
            fix(Applicability.SAFE, f"Use input_shape=({steps}, …)", *edits),
        )

    @classmethod
    def _dropped_layer_keyword(
        cls, ctx: Context, call: ast.Call, keyword: ast.keyword, layer: str
    ) -> Diagnostic:
        """``BatchNormalization(mode=0)``: an argument Keras 2 dropped; removed where the value
        given is the one Keras 2 kept (mode 0 is what every BatchNormalization does)."""
        kept_value = kb.KERAS1_DROPPED_LAYER_KEYWORDS[layer][keyword.arg or ""]
        message = f"`{layer}({keyword.arg}=…)` is Keras 1 and gone since Keras 2"
        value = keyword.value
        same = (
            isinstance(value, ast.Constant) and kept_value is not None and value.value == kept_value
        )
        arguments = ctx.arguments(call)
        if not same or arguments is None:
            return ctx.diagnostic(
                cls, keyword, message + ": Keras 3 has no such option (rewrite by hand)"
            )
        edits = argument_removal(ctx, arguments, keyword)
        return ctx.diagnostic(
            cls,
            keyword,
            message + f": {keyword.arg}={kept_value!r} is what it always does now",
            fix(Applicability.SAFE, f"Remove `{keyword.arg}=`", *edits),
        )

    @classmethod
    def _layer(cls, ctx: Context, call: ast.Call, layer: str) -> Iterator[Diagnostic]:
        if layer in kb.KERAS0_UNITS_LAYERS:
            keras0 = cls._keras0_units(ctx, call, layer)
            if keras0 is not None:
                yield keras0
        renames = kb.api.legacy_keywords(layer)
        present = {k.arg for k in call.keywords if k.arg is not None}
        if layer in kb.KERAS1_SEQUENCE_LAYERS and "input_dim" in present:
            yield from cls._sequence_input(ctx, call, layer)
        for a in call.keywords:
            if a.arg in kb.KERAS1_DROPPED_LAYER_KEYWORDS.get(layer, {}):
                yield cls._dropped_layer_keyword(ctx, call, a, layer)
        for a in call.keywords:
            old = a.arg
            if old is None or old not in renames:
                continue
            new = renames[old]
            values = kb.api.legacy_values(layer, old)
            message = f"`{layer}({old}=…)` is Keras 1: use `{new}=`"
            if new in present:
                yield ctx.diagnostic(cls, a, message)
                continue
            if values:
                text = string(a.value)
                if text not in values:
                    yield ctx.diagnostic(cls, a, message)
                    continue
                converted = values[text]
                literal = "None" if converted is None else ctx.string_literal(converted)
                edit = ctx.replace(a, f"{new}={literal}")
                yield ctx.diagnostic(
                    cls, a, message, fix(Applicability.SAFE, f"Use {new}={literal}", edit)
                )
                continue
            edit = ctx.rename(a, new)
            yield ctx.diagnostic(
                cls, a, message, fix(Applicability.SAFE, f"Rename `{old}` to `{new}`", edit)
            )
        dims = kb.KERAS1_CONV_KERNEL_POSITIONALS.get(layer)
        if dims is None or has_star(call):
            return
        positional = call.args
        if len(positional) != 1 + dims or arg(call, None, "kernel_size") is not None:
            return
        kernel = positional[1 : 1 + dims]
        if not all(
            isinstance(a, ast.Name) or (isinstance(a, ast.Constant) and type(a.value) is int)
            for a in kernel
        ):
            return
        arguments = ctx.arguments(call)
        if arguments is None:
            return
        extents = [arguments.extent(a) for a in kernel]
        start, end = extents[0][0], extents[-1][1]
        inner = ", ".join(ctx.text[a:b] for a, b in extents)
        edit_text = f"({inner})"
        message = (
            f"`{layer}(filters, {inner})` is Keras 1: the kernel size is one tuple "
            f"now, or the extra numbers become strides: use `{layer}(…, {edit_text})`"
        )
        # parentheses around the numbers as written (comments between them stay)
        yield ctx.diagnostic(
            cls,
            call,
            message,
            fix(
                Applicability.SAFE,
                "Pass the kernel size as a tuple",
                Edit(start, start, "("),
                Edit(end, end, ")"),
            ),
        )

    @classmethod
    def _keras0_units(cls, ctx: Context, call: ast.Call, layer: str) -> Diagnostic | None:
        """``Dense(784, 128)``: Keras 0's (input_dim, output_dim); Keras 3 reads the second as the
        activation (a number never is one): ``Dense(128, input_dim=784)``."""
        if len(call.args) < 2 or has_star(call):
            return None
        second = call.args[1]
        if not (isinstance(second, ast.Constant) and type(second.value) is int):
            return None
        first = ctx.code(call.args[0])
        message = (
            f"`{layer}({first}, {second.value})` is Keras 0's (input_dim, output_dim): Keras 3 "
            f"reads {second.value} as the activation: use `{layer}({second.value}, "
            f"input_dim={first})`"
        )
        arguments = ctx.arguments(call)
        if (
            arguments is None
            or len(call.args) > 2
            or keyword_arg(call, "input_dim") is not None
            or keyword_arg(call, "units") is not None
            or keyword_arg(call, "output_dim") is not None
        ):
            return ctx.diagnostic(cls, call, message)
        (_, a_start, a_end), (_, b_start, b_end) = arguments.items[:2]
        edits = [
            Edit(a_start, a_end, str(second.value)),
            Edit(b_start, b_end, f"input_dim={first}"),
        ]
        return ctx.diagnostic(
            cls, call, message, fix(Applicability.SAFE, "Pass the width first", *edits)
        )
