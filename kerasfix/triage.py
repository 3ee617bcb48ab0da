"""Triage, the engine's second stage: which texts can hold a finding at all.

Before a file is parsed its text is tested against every enabled rule's
``triggers`` (substrings, regular expressions, small scanners): a text that
satisfies none of a rule's alternatives in some group cannot make that rule
fire. ``refers_to_keras`` says whether a text is Keras code, which must
parse or be reported (KF000) even when no rule can fire in it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

_TRIGGER_ORDER: dict[type, tuple[tuple[object, ...], ...]] = {}


def _ordered_triggers(rule: type) -> tuple[tuple[object, ...], ...]:
    """A rule's trigger groups, smallest first: one-word groups such as
    "keras" are shared by most rules (tested once per file) and rule out
    most files before the long lists are scanned."""
    ordered = _TRIGGER_ORDER.get(rule)
    if ordered is None:
        from kerasfix.rules import ALL_RULES

        groups = [g for r in ALL_RULES for g in r.triggers]

        def cost(group: tuple[object, ...]) -> tuple[int, int, int]:
            # substring tests first, then regular expressions, then scanners;
            # among equals, the groups most rules share, then the shortest
            kind = max(
                0 if isinstance(a, str) else 1 if isinstance(a, re.Pattern) else 2 for a in group
            )
            return (kind, -groups.count(group), len(group))

        ordered = tuple(sorted(rule.triggers, key=cost))  # type: ignore[attr-defined]
        _TRIGGER_ORDER[rule] = ordered
    return ordered


def alternative_holds(alternative: object, text: str, path: str) -> bool:
    """One trigger alternative (substring, regex or scanner) on a text."""
    if isinstance(alternative, str):
        return alternative in text
    if isinstance(alternative, re.Pattern):
        return alternative.search(text) is not None
    return bool(alternative(text, path))  # type: ignore[operator]


def could_match(text: str, rules: Sequence[type], path: str = "") -> bool:
    """The cheap test before parsing: can any rule fire in this text?

    Each alternative is tested at most once per text (rules share many)."""
    seen: dict[object, bool] = {}
    for rule in rules:
        for group in _ordered_triggers(rule):
            for alternative in group:
                found = seen.get(alternative)
                if found is None:
                    found = seen[alternative] = alternative_holds(alternative, text, path)
                if found:
                    break
            else:
                break  # no alternative of this group: the rule cannot fire
        else:
            return True
    return False


# An import of Keras or TensorFlow's public API (not a package's own
# internals, `keras.src…`, `tensorflow.python…`), or `tf.keras`: a file that
# refers to Keras, which must parse or be reported.
_REFERS_TO_KERAS = re.compile(
    r"^[ \t]*(?:import[ \t]+(?:tensorflow|keras|tf_keras)"
    r"(?:[ \t]+as\b|[ \t]*[,;#\\\r\n]|[ \t]*$|[ \t]*\.[ \t]*(?!src\b|python\b)\w+)"
    r"|from[ \t]+(?:tensorflow|keras|tf_keras)"
    r"(?:[ \t]*\.[ \t]*(?!src\b|python\b|core\b|compiler\b|lite\b|tools\b)\w+)*"
    r"[ \t]+import\b)|\btf[ \t]*\.[ \t]*keras\b",
    re.MULTILINE,
)


def refers_to_keras(text: str) -> bool:
    """Whether the text imports Keras or TensorFlow (or uses ``tf.keras``).

    Only the lines that hold one of the words are matched (a search of the
    whole text tried the pattern at every character)."""
    for word in ("keras", "tensorflow"):
        start = text.find(word)
        while start >= 0:
            line_start = max(text.rfind("\n", 0, start), text.rfind("\r", 0, start)) + 1
            line_end = text.find("\n", start)
            line_end = len(text) if line_end < 0 else line_end
            if _REFERS_TO_KERAS.search(text, line_start, line_end + 1) is not None:
                return True
            start = text.find(word, line_end)
    return False
