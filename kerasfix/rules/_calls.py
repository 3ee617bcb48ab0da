"""Shared pieces for rules that rewrite ``receiver.method(…)`` calls."""

from __future__ import annotations

import ast

from kerasfix.context import Context


def receiver_of(call: ast.Call) -> ast.expr:
    assert isinstance(call.func, ast.Attribute)
    return call.func.value


def renamed_call_text(ctx: Context, call: ast.Call, new_method: str, short: bool) -> str:
    """The call's source with its method renamed, for messages.

    With ``short``, long or multi-line argument lists are shown as ``...``.
    """
    assert isinstance(call.func, ast.Attribute)
    receiver = ctx.code(call.func.value)
    _, func_end = ctx.span(call.func)
    _, end = ctx.span(call)
    args = ctx.text[func_end:end]
    if short and ("\n" in args or "\r" in args or len(args) > 40):
        args = "(...)"
    if short and ("\n" in receiver or len(receiver) > 40):
        receiver = "model"
    return f"{receiver}.{new_method}{args}"
