"""Triage, the engine's second stage: which texts can hold a finding at all.

Before a file is parsed its text is searched for the sites every enabled
rule declares it looks at (``looks_at``, :mod:`kerasfix.analysis.sites`): a text that
cannot hold one of a rule's sites cannot make that rule fire. After the parse
the same sites are asked of the tree's quick facts. ``refers_to_keras`` says
whether a text is Keras code, which must parse or be reported (KF000) even
when no rule can fire in it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from kerasfix.analysis.scanning import lines_spelling
from kerasfix.analysis.sites import AnyOf, Requirement, Site

if TYPE_CHECKING:
    from kerasfix.analysis.quick import QuickFacts


class Scanner:
    """Every enabled rule's declared sites (:mod:`kerasfix.analysis.sites`), compiled
    into one test over a file: each distinct site is looked for at most
    once, the cheap ones and those most rules share first."""

    def __init__(self, rules: Sequence[type]) -> None:
        shared: dict[Requirement, int] = {}
        for rule in rules:
            for requirement in rule.looks_at:  # type: ignore[attr-defined]
                shared[requirement] = shared.get(requirement, 0) + 1

        def order(requirement: Requirement) -> tuple[int, int]:
            return (requirement.cost, -shared[requirement])

        self._plan = [
            (rule, tuple(sorted(rule.looks_at, key=order)))  # type: ignore[attr-defined]
            for rule in rules
        ]
        # what the text must answer even once the file is to be parsed
        self._asked_of_text = {
            requirement
            for requirement in shared
            if requirement.costly or all(site.final for site in _sites(requirement))
        }

    def candidates(self, text: str, path: str) -> list[type]:
        """The rules whose every site the raw text may hold.

        Once one rule may fire the file is parsed, and the tree's quick facts ask every site
        again, more exactly (each site's tree test answers a subset of its text test): from
        then on only the sites the tree cannot answer (``final``) and the costly ones are
        asked of the text, the others are left to :meth:`confirmed`, which keeps the same
        rules as asking both would."""
        seen: dict[Requirement, bool] = {}
        found = []
        deferring = False
        for rule, requirements in self._plan:
            for requirement in requirements:
                if deferring and requirement not in self._asked_of_text:
                    continue
                held = seen.get(requirement)
                if held is None:
                    held = seen[requirement] = holds_in_text(requirement, text, path)
                if not held:
                    break
            else:
                found.append(rule)
                deferring = True
        return found

    def needs_facts(self, rules: Sequence[type]) -> bool:
        """Whether the tree's quick facts could drop one of ``rules``: not when each reads
        only sites the text test fully answers."""
        plan = dict(self._plan)
        return not all(all(getattr(r, "final", False) for r in plan[rule]) for rule in rules)

    def confirmed(self, facts: QuickFacts, rules: Sequence[type]) -> list[type]:
        """Of ``rules``, those whose every site the parsed tree may hold.
        A costly site (one that costs more than the rule's check, once the
        file is analysed anyway) is asked only when no other rule is left."""
        seen: dict[Requirement, bool] = {}

        def holds(requirement: Requirement) -> bool:
            held = seen.get(requirement)
            if held is None:
                held = seen[requirement] = holds_in_facts(requirement, facts)
            return held

        plan = dict(self._plan)
        cheap: list[type] = []
        deferred: list[type] = []
        for rule in rules:
            requirements = plan[rule]
            if not all(holds(r) for r in requirements if not r.costly):
                continue
            (deferred if any(r.costly for r in requirements) else cheap).append(rule)
        kept = set(cheap)
        for rule in deferred:
            if cheap or all(holds(r) for r in plan[rule] if r.costly):
                kept.add(rule)
        return [rule for rule in rules if rule in kept]


def holds_in_text(requirement: Requirement, text: str, path: str) -> bool:
    if isinstance(requirement, AnyOf):
        return any(s.in_text(text, path) for s in requirement.sites)
    return requirement.in_text(text, path)


def holds_in_facts(requirement: Requirement, facts: QuickFacts) -> bool:
    if isinstance(requirement, AnyOf):
        return any(s.in_facts(facts) for s in requirement.sites)
    return requirement.in_facts(facts)


def _sites(requirement: Requirement) -> tuple[Site, ...]:
    return requirement.sites if isinstance(requirement, AnyOf) else (requirement,)


_SCANNERS: dict[tuple[type, ...], Scanner] = {}


def scanner(rules: Sequence[type]) -> Scanner:
    """The scanner for this set of rules (built once per set)."""
    key = tuple(rules)
    found = _SCANNERS.get(key)
    if found is None:
        found = _SCANNERS[key] = Scanner(key)
    return found


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
    return any(
        _REFERS_TO_KERAS.search(text, start, end + 1) is not None
        for start, end in lines_spelling(text, ("keras", "tensorflow"))
    )
