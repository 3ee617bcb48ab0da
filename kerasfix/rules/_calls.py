"""Shared pieces for rules that rewrite ``receiver.method(…)`` calls."""

from __future__ import annotations

import libcst as cst

from kerasfix.context import Context


def receiver_of(call: cst.Call) -> cst.BaseExpression:
    assert isinstance(call.func, cst.Attribute)
    return call.func.value


def renamed_call_text(ctx: Context, call: cst.Call, new_method: str, short: bool) -> str:
    """The call's source with its method renamed, for messages.

    With ``short``, long or multi-line argument lists are shown as ``...``.
    """
    assert isinstance(call.func, cst.Attribute)
    receiver = ctx.code(call.func.value)
    args = ctx.code(call)[len(ctx.code(call.func)) :]
    if short and ("\n" in args or "\r" in args or len(args) > 40):
        args = "(...)"
    if short and ("\n" in receiver or len(receiver) > 40):
        receiver = "model"
    return f"{receiver}.{new_method}{args}"
