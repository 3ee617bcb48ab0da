from __future__ import annotations

import ast
from collections.abc import Iterator

from kerasfix import knowledge as kb
from kerasfix.diagnostic import Applicability, Diagnostic
from kerasfix.rules.base import (
    KERAS,
    OUTSIDE_KERAS,
    ApiCall,
    Context,
    Rule,
    fix,
    keyword_arg,
)


class CellDropoutMask(Rule):
    """KF115 cell-dropout-mask: a recurrent cell with dropout called by hand in `call()`.

    What it does
        Finds a `SimpleRNNCell`, `LSTMCell` or `GRUCell` made with `dropout=` or
        `recurrent_dropout=` that a layer's or a model's `call()` steps through the sequence by
        hand (`out, state = self.cell(word, state, training=training)` in a loop), and resets
        the cell's dropout masks at the start of `call()`. Which cells keep a mask, and how it
        is reset: generated from the installed packages.

    Why is this bad?
        A cell makes its dropout mask on its first step and keeps it until it is reset. Keras 3
        keeps it on the cell, across calls, until its `RNN` layer resets it; tf-keras kept one
        for each traced graph. A cell called by hand is never reset, so Keras 3 reuses the mask
        of the graph it was first traced in (the model's build) inside the training graph:
        `InaccessibleTensorError` when `fit` starts, where tf-keras trained.

    Example
        def call(self, inputs, training=None):
            state = self.state0
            for word in tf.unstack(self.embedding(inputs), axis=1):
                out, state = self.rnn_cell(word, state, training=training)

    Use instead
        def call(self, inputs, training=None):
            self.rnn_cell.reset_dropout_mask()
            state = self.state0
            for word in tf.unstack(self.embedding(inputs), axis=1):
                out, state = self.rnn_cell(word, state, training=training)

    Fix safety
        Safe: each call then makes one mask, shared by all of its steps, as tf-keras did for
        each step of training and as Keras 3's own `RNN` layer does; the reset methods exist
        in tf-keras too, so the fixed code still runs there.
    """

    code = "KF115"
    name = "cell-dropout-mask"
    summary = "a recurrent cell with dropout called by hand in `call()` (Keras 3 raises)"
    finds = "`self.cell(word, state)` in `call()` for a `SimpleRNNCell(…, dropout=0.5)`"
    fix_summary = "safe: reset the cell's dropout masks at the start of `call()`"
    looks_at = (OUTSIDE_KERAS, KERAS, ApiCall(kb.DROPOUT_CELLS))

    @classmethod
    def check(cls, ctx: Context) -> Iterator[Diagnostic]:
        if kb.inside_keras_or_tensorflow(ctx.path):
            return
        for node in ctx.tree.classes:
            if ctx.inference.keras3_base(node) is None:
                continue
            method = next(
                (f for f in node.body if isinstance(f, ast.FunctionDef) and f.name == "call"),
                None,
            )
            if method is not None:
                yield from cls._cells_in(ctx, method)

    @classmethod
    def _cells_in(cls, ctx: Context, method: ast.FunctionDef) -> Iterator[Diagnostic]:
        """One finding for each cell the method calls that needs its masks reset, all fixed
        by one statement list at the start of the method."""
        text = ctx.code(method)
        found: dict[str, tuple[ast.Call, str, list[str]]] = {}
        for call in (n for n in ast.walk(method) if isinstance(n, ast.Call)):
            func = call.func
            if not (
                isinstance(func, ast.Attribute)
                and ctx.inference.self_class(func.value) is not None
                and ctx.code(func) not in found
            ):
                continue
            cell = ctx.inference.layer_class(func)
            made = ctx.inference.layer_made(func)
            if cell is None or made is None:
                continue
            holder = ctx.code(func)
            resets = [
                reset
                for keyword, reset in kb.api.dropout_resets(cell).items()
                if _given(keyword_arg(made, keyword)) and f"{holder}.{reset}" not in text
            ]
            if resets:
                found[holder] = (call, cell, resets)
        if not found:
            return
        body = method.body
        first = body[1] if len(body) > 1 and _docstring(body[0]) else body[0]
        indent = ctx.indent(first) if not _docstring(first) else None
        lines = "".join(
            f"{holder}.{reset}()\n{indent}"
            for holder, (_, _, resets) in found.items()
            for reset in resets
        )
        edit = ctx.insert_before(first, lines) if indent is not None else None
        for holder, (call, cell, resets) in found.items():
            message = (
                f"`{holder}` (a `{cell}` with dropout) is called by hand: Keras 3 keeps its "
                "dropout mask from call to call until it is reset, and raises when a traced "
                f"graph reuses it: reset it at the start of `call()` (`{holder}.{resets[0]}()`)"
            )
            if edit is None:
                yield ctx.diagnostic(cls, call, message)
            else:
                yield ctx.diagnostic(
                    cls, call, message, fix(Applicability.SAFE, "Reset the dropout masks", edit)
                )


def _docstring(statement: ast.stmt) -> bool:
    return (
        isinstance(statement, ast.Expr)
        and isinstance(statement.value, ast.Constant)
        and isinstance(statement.value.value, str)
    )


def _given(keyword: ast.keyword | None) -> bool:
    """A dropout rate given, and not written as 0."""
    if keyword is None:
        return False
    value = keyword.value
    return not (isinstance(value, ast.Constant) and not value.value)
