"""The shape of a rule.

A rule is a small class: its code (``KF001``), its name, the words that must
appear in a file for it to possibly fire (the engine skips files without
them, before parsing), a docstring that is its user documentation, and
``check``, which reads the shared :class:`~kerasfix.context.Context` and
yields diagnostics with their fixes.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

from kerasfix.context import Context
from kerasfix.diagnostic import Diagnostic
from kerasfix.quick import QuickFacts


class Rule:
    code: ClassVar[str]
    name: ClassVar[str]
    summary: ClassVar[str]
    # For the rule to possibly fire, the file's text must contain a word of
    # every group (AND of ORs). Checked before parsing; must never skip a
    # file the rule would flag.
    triggers: ClassVar[tuple[tuple[str, ...], ...]]

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
