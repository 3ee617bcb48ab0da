"""The shape of a rule.

A rule is a small class: its code (``KF001``), its name, the words that must
appear in a file for it to possibly fire (the engine skips files without
them, before parsing), a docstring that is its user documentation, and
``check``, which reads the shared :class:`~kerasfix.context.Context` and
yields diagnostics with their fixes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import ClassVar, Union

from kerasfix.context import Context
from kerasfix.diagnostic import Diagnostic
from kerasfix.quick import QuickFacts

# One alternative of a trigger group: a substring, a regular expression, or
# a function of the text and the file's path. Regular expressions should start with a literal
# (not ``\b``) so that the search skips ahead to it at C speed.
Trigger = Union[str, "re.Pattern[str]", Callable[[str, str], bool]]


def keyword_pattern(name: str) -> re.Pattern[str]:
    """``name=`` as a keyword argument, across line continuations."""
    return re.compile(re.escape(name) + r"[\s\\]*=(?!=)")


def _string_end(text: str, index: int) -> int:
    """The offset after the string literal starting at ``index``, or -1."""
    quote = text[index]
    if text.startswith(quote * 3, index):
        end = text.find(quote * 3, index + 3)
        while end > 0 and text[end - 1] == "\\":
            end = text.find(quote * 3, end + 1)
        return end + 3 if end >= 0 else -1
    index += 1
    while index < len(text):
        char = text[index]
        if char == "\\":
            index += 2
            continue
        if char == quote:
            return index + 1
        if char == "\n":
            return -1
        index += 1
    return -1


def has_call_with_positionals(text: str, name: str, more_than: int) -> bool:
    """True unless no ``name(…)`` in ``text`` can have more than
    ``more_than`` positional arguments (arguments at the call's own bracket
    depth with no ``=`` of their own). Anything it cannot read simply (a
    string, a comment, a star) counts as a possible match."""
    start = text.find(name)
    while start != -1:
        index = start + len(name)
        while index < len(text) and text[index] in " \t\\\r\n":
            index += 1
        if index < len(text) and text[index] == "(":
            depth, positionals, keyword, empty = 0, 0, False, True
            index += 1
            while index < len(text):
                char = text[index]
                if char in "\"'":
                    index = _string_end(text, index)
                    if index < 0:
                        return True  # unterminated: cannot tell
                    empty = False
                    continue
                if char == "#":
                    index = text.find("\n", index)
                    if index < 0:
                        return True
                    continue
                if char == "*" and empty:
                    return True  # *args: any number of positionals
                if char in "([{":
                    depth += 1
                elif char in ")]}" and depth > 0:
                    depth -= 1
                elif depth == 0 and char in ",)":
                    if not keyword and not empty:
                        positionals += 1
                    if positionals > more_than:
                        return True
                    if char == ")":
                        break
                    keyword, empty = False, True
                    index += 1
                    continue
                elif depth == 0 and char == "=":
                    previous, following = text[index - 1], text[index + 1 : index + 2]
                    if previous not in "=<>!:" and following != "=":
                        keyword = True
                if not char.isspace() and char != "\\":
                    empty = False
                index += 1
        start = text.find(name, start + 1)
    return False


class Rule:
    code: ClassVar[str]
    name: ClassVar[str]
    summary: ClassVar[str]
    # For the rule to possibly fire, the file's text must satisfy an
    # alternative of every group (AND of ORs, cheapest and rarest first).
    # Checked before parsing; must never skip a file the rule would flag.
    triggers: ClassVar[tuple[tuple[Trigger, ...], ...]]

    @classmethod
    def check(cls, ctx: Context) -> Iterator[Diagnostic]:
        """Yield this rule's diagnostics for one file (each rule overrides it)."""
        return iter(())

    @classmethod
    def may_fire(cls, facts: QuickFacts) -> bool:
        """A necessary condition for the rule to fire, from CPython's tree
        (checked before LibCST parses the file). Must never be False for a
        file the rule would flag."""
        return True
