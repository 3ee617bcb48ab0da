"""Shared pieces for rules that rewrite ``receiver.method(…)`` calls."""

from __future__ import annotations

import ast
import io
import tokenize

from kerasfix.context import CallArguments, Context
from kerasfix.diagnostic import Edit
from kerasfix.source import LineIndex


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


def argument_deletions(text: str, arguments: CallArguments, kept: list[int]) -> list[Edit]:
    """Edits that remove the arguments not ``kept``, with their commas. An
    argument on lines of its own goes with those lines; one among others on
    a line goes up to the next argument, or, after the last one kept, the
    last one kept takes over the old last comma. A comment in what is
    removed stays (``workers=4,  # parallel`` leaves ``# parallel``)."""
    items = arguments.items
    last_kept = kept[-1] if kept else -1
    after = [a[1] for a in items[1:]] + [arguments.close_paren]  # where the next one starts

    def own_lines(index: int) -> bool:
        start, end = items[index][1], items[index][2]
        before = text[text.rfind("\n", 0, start) + 1 : start]
        return not before.strip() and "\n" in text[end : after[index]]

    def line_start(offset: int) -> int:
        return text.rfind("\n", 0, offset) + 1

    edits = []
    trailing = range(last_kept + 1, len(items))
    whole_lines = bool(trailing) and all(own_lines(i) for i in trailing)
    for index, (_, start, _) in enumerate(items):
        if index in kept:
            continue
        if index < last_kept or whole_lines:
            if own_lines(index):
                edits.append(
                    _keeping_comments(text, line_start(start), line_start(after[index]), True)
                )
            else:
                edits.append(_keeping_comments(text, start, after[index], False))
        elif index == last_kept + 1:
            begin = items[last_kept][2] if kept else arguments.open_paren + 1
            finish = items[-1][2] if kept else arguments.close_paren
            edits.append(_keeping_comments(text, begin, finish, False))
    return edits


def _keeping_comments(text: str, start: int, end: int, whole_lines: bool) -> Edit:
    """Delete ``text[start:end]`` but for the comments in it."""
    segment = text[start:end]
    if "#" not in segment:
        return Edit(start, end, "")
    found: list[tuple[int, int]] = []  # (start, end) of each comment in the segment
    lines = LineIndex(segment)
    try:
        for token in tokenize.generate_tokens(io.StringIO(segment).readline):
            if token.type == tokenize.COMMENT:
                offset = lines.offset(*token.start)
                found.append((offset, offset + len(token.string)))
    except (tokenize.TokenError, SyntaxError):
        found = []
    if not found:
        return Edit(start, end, "")
    pieces = []
    for offset, finish in found:
        rest = segment[finish:]
        newline = (
            "\r\n" if rest.startswith("\r\n") else rest[:1] if rest[:1] in ("\n", "\r") else ""
        )
        before = segment[:offset]
        line = before[max(before.rfind("\n"), before.rfind("\r")) + 1 :]
        indent = line[: len(line) - len(line.lstrip(" \t"))]
        starts_line = whole_lines or (pieces and pieces[-1].endswith(("\n", "\r")))
        if starts_line:
            pieces.append(f"{indent}{segment[offset:finish]}{newline or chr(10)}")
        else:
            blank = len(before) - len(before.rstrip(" \t"))
            pieces.append(f"{segment[offset - blank : finish]}{newline}")
    if not whole_lines:
        # the blanks that begin the next argument's line stay too
        tail = segment[found[-1][1] :]
        cut = max(tail.rfind("\n"), tail.rfind("\r"))
        if cut >= 0 and not tail[cut + 1 :].strip():
            pieces.append(tail[cut + 1 :])
    return Edit(start, end, "".join(pieces))
