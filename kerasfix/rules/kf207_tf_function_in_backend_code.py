from __future__ import annotations

import ast
from collections.abc import Iterator

from kerasfix import knowledge as kb
from kerasfix.diagnostic import Applicability, Diagnostic, Edit
from kerasfix.rules.base import KERAS, OUTSIDE_KERAS, Context, Pattern, Rule, fix

_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
# what autograph converts when `tf.function` traces a function
_CONTROL_FLOW = (ast.For, ast.While, ast.If, ast.IfExp, ast.AsyncFor)


class TfFunctionInBackendCode(Rule):
    """KF207 tf-function-in-backend-code: `@tf.function` on code Keras runs on its backend.

    What it does
        Finds TensorFlow's `@tf.function` (or `@tf.function(…)`) on a function Keras runs on
        its backend — a custom loss or metric given to `compile`, a `Lambda`'s function, a
        layer's activation, a layer's or model's `call()`, and the helpers only such code
        calls (a `dice_loss` that calls a decorated `dice_coef`) — and removes the decorator.
        Opt-in (backend-neutral Keras, `--extend-select KF2`).

    Why is this bad?
        `tf.function` traces its function into a TensorFlow graph, and its inputs into
        TensorFlow tensors. On JAX Keras compiles the training step with `jax.jit` and hands
        the loss JAX's traced arrays, which TensorFlow cannot take: `fit` stops
        (`TracerArrayConversionError`). Keras compiles the step on every backend itself, the
        TensorFlow one included, so the decorator adds nothing there.

    Example
        @tf.function
        def dice_loss(y_true, y_pred):
            overlap = keras.ops.sum(y_true * y_pred)
            return 1 - 2 * overlap / (keras.ops.sum(y_true) + keras.ops.sum(y_pred) + 1)

        model.compile(optimizer="adam", loss=dice_loss)

    Use instead
        def dice_loss(y_true, y_pred):
            overlap = keras.ops.sum(y_true * y_pred)
            return 1 - 2 * overlap / (keras.ops.sum(y_true) + keras.ops.sum(y_pred) + 1)

        model.compile(optimizer="adam", loss=dice_loss)

    Fix safety
        Unsafe: the function computes what it did, but it is no longer traced on its own
        where the program calls it outside Keras (Python in it — a `print`, a list it appends
        to — runs at every call rather than once a trace, and `jit_compile=True` no longer
        asks XLA). The decorator's lines are removed when they hold only the decorator;
        a decorator sharing its line with a comment or other code is reported, and so is one
        on a function with loops or conditions (`for step in tf.range(n)`): `tf.function`'s
        autograph made TensorFlow loops of them, which plain Python cannot be.
        The TensorFlow ops in the function are KF202's.
    """

    code = "KF207"
    name = "tf-function-in-backend-code"
    summary = "`@tf.function` on a loss, metric or layer `call()` Keras runs (TensorFlow only)"
    finds = "`@tf.function` on a custom loss given to `compile(loss=…)`"
    fix_summary = "unsafe: the decorator removed"
    looks_at = (
        OUTSIDE_KERAS,
        KERAS,
        Pattern(r"@\s*(?:\w+\s*\.\s*)*function\b", ("function",), words=("function",)),
    )

    @classmethod
    def check(cls, ctx: Context) -> Iterator[Diagnostic]:
        if kb.inside_keras_or_tensorflow(ctx.path):
            return
        for function in ctx.inference.backend_code:
            if not isinstance(function, _FUNCTIONS):
                continue
            for decorator in function.decorator_list:
                target = decorator.func if isinstance(decorator, ast.Call) else decorator
                if ctx.inference.tf_path(target) != "function":
                    continue
                yield cls._report(ctx, function, decorator)

    @classmethod
    def _report(
        cls, ctx: Context, function: ast.FunctionDef | ast.AsyncFunctionDef, decorator: ast.expr
    ) -> Diagnostic:
        kind = "method" if _is_method(ctx, function) else "function"
        message = (
            f"`@tf.function` on `{function.name}`, a {kind} Keras runs on its backend: "
            "TensorFlow's tracing takes no JAX or PyTorch arrays (Keras compiles the step itself)"
        )
        if _autograph_converts(function):
            return ctx.diagnostic(
                cls,
                decorator,
                message + "; its loops and conditions are TensorFlow's autograph, which only "
                "`tf.function` converts: write them with `keras.ops` first",
            )
        edit = _decorator_removal(ctx, decorator)
        if edit is None:
            return ctx.diagnostic(cls, decorator, message)
        return ctx.diagnostic(
            cls,
            decorator,
            message,
            fix(Applicability.UNSAFE, "Remove `@tf.function`", edit),
        )


def _autograph_converts(function: ast.AST) -> bool:
    """Whether the function has Python control flow that ``tf.function``'s autograph turns into
    TensorFlow's (``for i in tf.range(n)``, ``if tensor:``): without the decorator it runs as
    Python, which a traced tensor cannot drive."""
    return any(isinstance(node, _CONTROL_FLOW) for node in ast.walk(function))


def _is_method(ctx: Context, function: ast.AST) -> bool:
    return isinstance(ctx.tree.parents.get(function), ast.ClassDef)


def _decorator_removal(ctx: Context, decorator: ast.expr) -> Edit | None:
    """The edit that removes ``@decorator``: from its ``@`` to what follows it on the next line
    (the next decorator, or the ``def``), so the line it stood on goes; None when its line holds
    anything else, or a comment follows it."""
    text = ctx.text
    start, end = ctx.span(decorator)
    line_start = text.rfind("\n", 0, start) + 1
    at = text.rfind("@", line_start, start)
    if at == -1 or text[line_start:at].strip() or text[at + 1 : start].strip():
        return None
    line_end = text.find("\n", end)
    if line_end == -1 or text[end:line_end].strip():
        return None  # a comment, or a statement after a semicolon
    following = line_end + 1
    while following < len(text) and text[following] in " \t\r\n\f":
        following += 1
    if following >= len(text) or text[following] == "#":
        return None
    # the first character of what follows is written again: the edit then reaches into the
    # statement the decorator belonged to, as the fix's verification reads the lines it touched
    return Edit(at, following + 1, text[following])
