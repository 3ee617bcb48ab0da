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


class Rule:
    code: ClassVar[str]
    name: ClassVar[str]
    summary: ClassVar[str]
    # For the rule to possibly fire, the file's text must satisfy an
    # alternative of every group (AND of ORs, cheapest and rarest first).
    # Checked before parsing; must never skip a file the rule would flag.
    triggers: ClassVar[tuple[tuple[Trigger, ...], ...]]
    # ``may_fire`` costs more than the rule's check in a file that is analysed
    # anyway: asked only when no other rule may fire.
    costly_filter: ClassVar[bool] = False
    # Reported by the engine from the other rules' results (KF900), not by
    # ``check``: it has no triggers and is left out of the rule passes.
    meta: ClassVar[bool] = False

    @classmethod
    def check(cls, ctx: Context) -> Iterator[Diagnostic]:
        """Yield this rule's diagnostics for one file (each rule overrides it)."""
        return iter(())

    @classmethod
    def may_fire(cls, facts: QuickFacts) -> bool:
        """A necessary condition for the rule to fire, from the quick facts
        of CPython's tree (checked before the tree is indexed and analysed).
        Must never be False for a file the rule would flag."""
        return True
