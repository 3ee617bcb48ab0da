"""The documentation comes from the rules: README's table is generated from
their metadata, and every rule's docstring has the sections users read."""

from __future__ import annotations

from pathlib import Path

import pytest

from kerasfix.frontends.docs import SECTIONS, all_docs, rules_table, sections, with_table

README = Path(__file__).resolve().parent.parent / "README.md"


def test_readme_rule_table_is_generated_from_the_rules() -> None:
    text = README.read_text(encoding="utf-8")
    assert rules_table() in text
    assert with_table(text) == text, "run `python -m kerasfix.frontends.docs README.md`"


@pytest.mark.parametrize(("code", "doc"), all_docs(), ids=[code for code, _ in all_docs()])
def test_rule_documentation_has_every_section(code: str, doc: str) -> None:
    assert doc.startswith(f"{code} "), "the first line names the rule"
    found = sections(doc)
    assert [heading for heading, _ in found] == list(SECTIONS)
    for heading, body in found:
        assert body, f"{code}: section {heading!r} is empty"


def test_sections_reads_text_outside_a_section() -> None:
    doc = "KF999 x: y\n\n    What it does\n        a\n\n    stray line\n"
    assert sections(doc) == [("What it does", "a"), ("stray line", "")]
