"""The one plain walk (kerasfix.tree), its scopes (kerasfix.scopes) and
offsets (kerasfix.spans), checked against LibCST's own metadata providers,
which they replace for speed: over every fixture, over the installed Keras
sources, and over generated programs."""

from __future__ import annotations

import ast
import importlib.util
import warnings
from pathlib import Path

import hypothesmith
import libcst as cst
import pytest
from hypothesis import HealthCheck, given, settings
from libcst.metadata import (
    BuiltinAssignment,
    MetadataWrapper,
    PositionProvider,
    ScopeProvider,
    WhitespaceInclusivePositionProvider,
)

from kerasfix.source import LineIndex
from kerasfix.spans import Spans, node_spans
from kerasfix.tree import TreeIndex

ROOT = Path(__file__).resolve().parent.parent
_MEANINGFUL = (
    cst.BaseExpression,
    cst.BaseSmallStatement,
    cst.BaseCompoundStatement,
    cst.SimpleStatementLine,
    cst.Param,
    cst.Arg,
    cst.AsName,
    cst.ImportAlias,
    cst.Decorator,
    cst.CompFor,
    cst.AssignTarget,
    cst.WithItem,
    cst.ExceptHandler,
    cst.BaseElement,
)


def _sources() -> list[Path]:
    files = sorted((ROOT / "fixtures").rglob("*.py"))
    spec = importlib.util.find_spec("keras")
    if spec is not None and spec.submodule_search_locations:
        models = Path(list(spec.submodule_search_locations)[0]) / "src" / "models"
        files += sorted(models.glob("*.py"))
    return files


def _python_tree(text: str) -> ast.Module | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def check_against_libcst(text: str) -> None:
    try:
        module = cst.parse_module(text)
    except Exception:  # noqa: BLE001 - only what LibCST parses is compared
        return
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    positions = wrapper.resolve(PositionProvider)
    inclusive = wrapper.resolve(WhitespaceInclusivePositionProvider)
    scopes = wrapper.resolve(ScopeProvider)
    text = module.code  # LibCST's positions are in the code it reproduces
    lines = LineIndex(text)
    tree = TreeIndex(module)

    def offset(position: object) -> int:
        # LibCST places the end of a file without a final newline one line
        # past it (it generates that newline, then drops it)
        if position.line > len(lines.starts):  # type: ignore[attr-defined]
            return len(text)
        return min(lines.offset(position.line, position.column), len(text))  # type: ignore[attr-defined]

    # offsets: the same spans as LibCST's PositionProvider, for every node
    spans = node_spans(module, text)
    for node, where in positions.items():
        assert spans[node] == (offset(where.start), offset(where.end)), module.code_for_node(node)
    # placed one statement at a time, the same offsets
    placed = Spans(module, text, tree.parents, lines, _python_tree(text))
    for node in positions:
        assert placed[node] == spans[node], module.code_for_node(node)
    # source order: the walk's pre-order index follows the text (for the
    # nodes that carry meaning; whitespace and punctuation fields are not
    # ordered)
    ordered = sorted(
        (n for n in tree.order if isinstance(n, _MEANINGFUL)), key=tree.order.__getitem__
    )
    starts = [offset(inclusive[node].start) for node in ordered]
    assert starts == sorted(starts)
    # scopes: every binding LibCST links a read to, ours links it to as
    # well (ours may see more: all of the scope's bindings, and ``del``)
    for scope in {s for s in scopes.values() if s is not None}:
        for access in scope.accesses:
            node = access.node
            if not isinstance(node, cst.Name) or isinstance(tree.parents.get(node), cst.Del):
                continue
            theirs = {id(r.node) for r in access.referents if not isinstance(r, BuiltinAssignment)}
            found = tree.scopes.referents(node)
            assert found is not None, node.value
            mine = {id(binding.node) for binding in found[1]}
            assert theirs <= mine, (node.value, tree.order[node])


@pytest.mark.parametrize("path", _sources(), ids=lambda p: str(p.relative_to(p.parents[1])))
def test_walk_matches_libcst(path: Path) -> None:
    check_against_libcst(path.read_text(encoding="utf-8"))


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(hypothesmith.from_grammar(auto_target=False))
def test_walk_matches_libcst_on_generated_programs(source: str) -> None:
    check_against_libcst(source)


SCOPE_CASES = {
    # name read at the marked line -> the kinds of binding it may see
    "def f(x):\n    return x\n": ("x", ["param"]),
    "x = 1\nclass C:\n    x = 2\n    def m(self):\n        return x\n": ("x", ["name"]),
    "x = 1\ndef f():\n    global x\n    x = 2\ndef g():\n    return x\n": ("x", ["name", "name"]),
    "def f():\n    x = 1\n    def g():\n        nonlocal x\n        x = 2\n    return x\n": (
        "x",
        ["name", "name"],
    ),
    "y = [x for x in range(3)]\nx = 0\nprint(x)\n": ("x", ["name"]),
    "import numpy as np\nfrom a import b as np\nnp\n": ("np", ["import", "import"]),
    "with open(f) as h:\n    pass\nfor h in []:\n    pass\nh\n": ("h", ["name", "name"]),
    "if (n := 3):\n    pass\nn\n": ("n", ["name"]),
    "[(m := i) for i in range(3)]\nm\n": ("m", ["name"]),
}


@pytest.mark.parametrize("source", SCOPE_CASES)
def test_scope_resolution(source: str) -> None:
    name, kinds = SCOPE_CASES[source]
    module = cst.parse_module(source)
    tree = TreeIndex(module)
    last = max(
        (n for n in tree.order if isinstance(n, cst.Name) and n.value == name),
        key=tree.order.__getitem__,
    )
    found = tree.scopes.referents(last)
    assert found is not None
    assert [b.kind for b in found[1]] == kinds
