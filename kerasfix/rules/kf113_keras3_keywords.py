from __future__ import annotations

import ast
import difflib
from collections.abc import Iterator

from kerasfix import knowledge as kb
from kerasfix.diagnostic import Applicability, Diagnostic
from kerasfix.rules.base import (
    KERAS,
    OUTSIDE_KERAS,
    AnyOf,
    ApiCall,
    Context,
    Keyword,
    LayerKeyword,
    MethodCall,
    Rule,
    argument_removal,
    fix,
    has_star,
)


class Keras3Keywords(Rule):
    """KF113 keras3-keywords: a keyword Keras 2's class took that Keras 3's rejects.

    What it does
        Compares each call of a Keras callback or layer, of a known model's `compile`,
        `fit`, `evaluate` and `predict`, and of a custom layer's own `self.add_loss` and
        `self.add_weight`, with the keywords both take (generated from tf-keras
        and Keras 3, following `**kwargs` up the bases, and reading what each does with what
        it is given):
        - a keyword Keras 2 only warned about and ignored
          (`TensorBoard(write_grads=True, batch_size=32)`) is removed;
        - a keyword Keras 2's constructor swallowed without a word — a misspelt one, as
          `ModelCheckpoint(path, save_best_ony=True)`, which saved every epoch — is removed,
          and the message names the keyword it was probably meant to be;
        - a keyword Keras 2 acted on (`ModelCheckpoint(period=5)`, `Dense(weights=[w, b])`,
          `dynamic=True`) is reported with what Keras 3 takes instead — but for
          `fit(workers=4, use_multiprocessing=True)`, which only set how the data was loaded
          (removed: the results are the same), and `compile(experimental_run_tf_function=…)`,
          which Keras 2 took and dropped;
        - `self.add_loss(loss, inputs=inputs)` and `add_weight(…, partitioner=…)`: taken and
          dropped by tf-keras, removed.
        Keras 1 keywords and `batch_input_shape` are left to KF104 and KF108.

    Why is this bad?
        `TypeError: ModelCheckpoint.__init__() got an unexpected keyword argument` and
        `ValueError: Unrecognized keyword arguments passed to Dense: {'weights': …}` when the
        line runs under Keras 3.

    Example
        checkpoint = ModelCheckpoint("best.keras", monitor="val_loss", save_best_ony=True)
        board = TensorBoard(log_dir="logs", write_grads=True)

    Use instead
        checkpoint = ModelCheckpoint("best.keras", monitor="val_loss")  # as Keras 2 ran it
        checkpoint = ModelCheckpoint("best.keras", monitor="val_loss", save_best_only=True)
        board = TensorBoard(log_dir="logs")

    Fix safety
        Safe: removing a keyword Keras 2 ignored keeps what the program did (the misspelt
        `save_best_ony` never took effect: writing `save_best_only=True` instead changes which
        checkpoints are kept, so that is left to the author, whom the message tells). Unsafe
        on a model method whose receiver is not known to be a Keras model (a model passed in).
        A keyword Keras 2 acted on has no fix.
    """

    code = "KF113"
    name = "keras3-keywords"
    summary = (
        "a keyword Keras 2's callback or layer took (or silently ignored) that Keras 3 rejects"
    )
    finds = (
        "`ModelCheckpoint(save_best_ony=True)`, `TensorBoard(write_grads=True)`, "
        "`fit(workers=4)`, `ModelCheckpoint(period=5)`, `Dense(weights=[w, b])`"
    )
    fix_summary = "safe: remove what Keras 2 ignored; reported otherwise"
    looks_at = (
        OUTSIDE_KERAS,
        KERAS,
        AnyOf(
            LayerKeyword(tuple(kb.KEYWORDS_GONE), gone=True),
            ApiCall(kb.SWALLOWING_CLASSES),
            Keyword(kb.METHOD_KEYWORDS_GONE),
            MethodCall(("add_loss",)),  # add_loss(loss, inputs=…), a keyword all models spell
        ),
    )

    @classmethod
    def check(cls, ctx: Context) -> Iterator[Diagnostic]:
        if kb.inside_keras_or_tensorflow(ctx.path):
            return  # Keras's own code, of whichever version
        names = frozenset(kb.SWALLOWING_CLASSES) | ctx.class_call_names
        for call, path in ctx.inference.keras_calls(names, skip_keras2=True):
            spec = kb.api.keywords_gone(path)
            if spec is None or has_star(call):
                continue
            for keyword in call.keywords:
                if keyword.arg is None or keyword.arg in kb.KEYWORDS_OWNED_ELSEWHERE:
                    continue
                diagnostic = cls._keyword(ctx, call, path, keyword, spec)
                if diagnostic is not None:
                    yield diagnostic
        for call in ctx.method_calls(*kb.MODEL_KEYWORD_METHODS, *kb.LAYER_KEYWORD_METHODS):
            assert isinstance(call.func, ast.Attribute)
            method = call.func.attr
            if method in kb.LAYER_KEYWORD_METHODS:
                # a custom layer's (or model's) own: `self.add_loss(loss, inputs=inputs)`
                owner = ctx.inference.self_class(call.func.value)
                if owner is None or ctx.inference.keras3_base(owner) is None:
                    continue
                if ctx.inference.defines_method(call.func.value, method):
                    continue
                path, kind = f"layers.Layer.{method}", "keras"
            else:
                path, kind = f"models.Model.{method}", ""
            spec = kb.api.keywords_gone(path)
            gone = [k for k in call.keywords if spec is not None and k.arg in spec["gone"]]
            if not gone or has_star(call):
                continue
            kind = kind or ctx.inference.receiver(call.func.value, method).kind
            if kind == "other":
                continue
            for keyword in gone:
                label = path.split(".", 1)[1]
                diagnostic = cls._keyword(ctx, call, label, keyword, spec, kind)  # type: ignore[arg-type]
                if diagnostic is not None:
                    yield diagnostic

    @classmethod
    def _keyword(
        cls,
        ctx: Context,
        call: ast.Call,
        path: str,
        keyword: ast.keyword,
        spec: dict,
        kind: str = "keras",
    ) -> Diagnostic | None:
        name = keyword.arg
        assert name is not None
        leaf = path.rsplit(".", 1)[-1]
        how = spec["gone"].get(name)
        if how == "used" and _is_literal(keyword.value, spec["defaults"], name):
            message = (
                f"`{leaf}({name}=…)`: Keras 3's `{leaf}` takes no `{name}`; this is Keras 2's "
                "default, which asks for nothing"
            )
        elif how == "used" and name in kb.GENERATOR_DROPPED:
            message = (
                f"`{leaf}({name}=…)`: Keras 3's `{leaf}` takes no `{name}`; it only set how "
                "Keras 2 loaded the data, the results are the same without it"
            )
        elif how == "used":
            message = f"`{leaf}({name}=…)`: Keras 3's `{leaf}` takes no `{name}`"
            advice = kb.KEYWORD_GONE_ADVICE.get(name)
            return ctx.diagnostic(cls, keyword, f"{message}: {advice}" if advice else message)
        elif how == "ignored":
            message = f"`{leaf}({name}=…)`: Keras 2 ignored it, Keras 3 rejects it"
        elif spec["swallowed"] and name not in spec["accepted"]:
            message = (
                f"`{leaf}({name}=…)`: `{leaf}` has no `{name}`; Keras 2 silently ignored it, "
                "Keras 3 rejects it"
            )
            close = difflib.get_close_matches(name, spec["accepted"], n=1, cutoff=0.75)
            if close:
                message += (
                    f" — did you mean `{close[0]}`? (Keras 2 never applied it; removing it "
                    "keeps what the program did)"
                )
        else:
            return None
        arguments = ctx.arguments(call)
        if arguments is None:
            return ctx.diagnostic(cls, keyword, message)
        edits = argument_removal(ctx, arguments, keyword)
        # on a receiver not known to be a Keras model (a model passed in), the fix is unsafe
        applicability = Applicability.SAFE if kind == "keras" else Applicability.UNSAFE
        return ctx.diagnostic(
            cls, keyword, message, fix(applicability, f"Remove `{name}=`", *edits)
        )


def _is_literal(node: ast.expr, defaults: dict, name: str) -> bool:
    """Whether ``node`` is a literal equal to Keras 2's default for ``name``."""
    if name not in defaults:
        return False
    try:
        value = ast.literal_eval(node)
    except ValueError:
        return False
    default = defaults[name]
    return type(value) is type(default) and value == default
