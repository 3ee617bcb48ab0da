"""The one walk (kerasfix.analysis.tree), its scopes (kerasfix.analysis.scopes) and offsets
(kerasfix.analysis.positions), checked against CPython's own answers: every read of
a name resolves to the scope Python's compiler (``symtable``) says it does,
every binding it sees is recorded, and every node's offsets cut out the text
``ast.get_source_segment`` gives; over every fixture, over the installed
Keras sources, and over generated programs."""

from __future__ import annotations

import ast
import importlib.util
import symtable
import warnings
from pathlib import Path

import hypothesmith
import pytest
from hypothesis import HealthCheck, given, settings

from kerasfix.analysis.positions import Positions
from kerasfix.analysis.scopes import Scope
from kerasfix.analysis.tree import TreeIndex
from kerasfix.source import LineIndex

ROOT = Path(__file__).resolve().parent.parent
_COMPREHENSION_NAMES = {
    ast.ListComp: "listcomp",
    ast.SetComp: "setcomp",
    ast.DictComp: "dictcomp",
    ast.GeneratorExp: "genexpr",
}


def _sources() -> list[Path]:
    files = sorted((ROOT / "fixtures").rglob("*.py"))
    spec = importlib.util.find_spec("keras")
    if spec is not None and spec.submodule_search_locations:
        models = Path(list(spec.submodule_search_locations)[0]) / "src" / "models"
        files += sorted(models.glob("*.py"))
    return files


def _parse(text: str) -> ast.Module | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def _key(scope: Scope) -> tuple[str, str]:
    node = scope.node
    if isinstance(node, ast.Module):
        return "module", "top"
    if isinstance(node, ast.ClassDef):
        return "class", node.name
    if isinstance(node, ast.Lambda):
        return "function", "lambda"
    if type(node) in _COMPREHENSION_NAMES:
        return "function", _COMPREHENSION_NAMES[type(node)]
    return "function", node.name  # type: ignore[attr-defined]


def _pairs(ours: Scope, theirs: symtable.SymbolTable) -> list[tuple[Scope, symtable.SymbolTable]]:
    """Our scopes matched with the compiler's, by kind, name and order."""
    found = [(ours, theirs)]
    waiting: dict[tuple[str, str], list[symtable.SymbolTable]] = {}
    for child in theirs.get_children():
        waiting.setdefault((child.get_type(), child.get_name()), []).append(child)
    for child in ours.children:
        candidates = waiting.get(_key(child))
        assert candidates, f"no compiler scope for {_key(child)}"
        found.extend(_pairs(child, candidates.pop(0)))
    assert not any(waiting.values()), f"scopes not found by the walk: {waiting}"
    return found


def check_scopes(text: str, module: ast.Module, tree: TreeIndex) -> None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # generated code: "perhaps you missed a comma?"
            table = symtable.symtable(text, "<case>", "exec")
    except (SyntaxError, ValueError, RecursionError):
        return
    declared: set[str] = set()  # names some scope declares global or nonlocal
    pairs = _pairs(tree.scopes.root, table)
    for scope, _ in pairs:
        declared |= scope.globals | scope.nonlocals
    for scope, theirs in pairs:
        symbols = {s.get_name(): s for s in theirs.get_symbols()}
        # the reads are recorded in the scope they are made in
        read = {s.get_name() for s in theirs.get_symbols() if s.is_referenced()}
        read.discard("__class__")  # super()'s implicit cell
        assert read == set(scope.accesses), (read ^ set(scope.accesses), _key(scope))
        # every read resolves where the compiler says
        for name, accesses in scope.accesses.items():
            symbol = symbols[name]
            owner = scope.resolve(name)
            if theirs.get_type() == "module" or symbol.is_global():
                assert owner is None or owner is tree.scopes.root, name
                if name in tree.scopes.root.bindings:
                    assert owner is tree.scopes.root, name
            elif symbol.is_local():
                assert owner is scope, name
            elif symbol.is_free():
                assert owner is not None and owner.kind in ("function", "lambda"), name
                assert owner is not scope, name
            assert accesses
        # every name the compiler binds here has our bindings, and ours are
        # the compiler's (or a global/nonlocal some inner scope declares)
        bound = {
            s.get_name()
            for s in theirs.get_symbols()
            if s.is_local()
            and (s.is_assigned() or s.is_imported() or s.is_parameter())
            and not s.get_name().startswith(".")
        }
        if theirs.get_type() == "module":
            bound = {
                s.get_name() for s in theirs.get_symbols() if s.is_assigned() or s.is_imported()
            }
        assert bound <= set(scope.bindings), bound - set(scope.bindings)
        extra = set(scope.bindings) - set(symbols)
        assert extra <= declared, extra


def check_positions(text: str, module: ast.Module, tree: TreeIndex) -> None:
    positions = Positions(text, LineIndex(text))
    inside_fstring: set[int] = set()
    for node in ast.walk(module):
        if isinstance(node, ast.JoinedStr):  # its parts' positions are CPython's own guess
            inside_fstring.update(id(n) for n in ast.walk(node) if n is not node)
        if id(node) in inside_fstring or getattr(node, "end_col_offset", None) is None:
            continue
        start, end = positions.span(node)
        assert text[start:end] == ast.get_source_segment(text, node), ast.dump(node)[:80]
    # source order: a node's children are visited in the order written
    children: dict[ast.AST, list[ast.AST]] = {}
    for child, parent in tree.parents.items():
        children.setdefault(parent, []).append(child)
    for parent, nodes in children.items():
        if id(parent) in inside_fstring or isinstance(parent, ast.JoinedStr):
            continue
        placed = [n for n in nodes if getattr(n, "end_col_offset", None) is not None]
        placed.sort(key=tree.order.__getitem__)
        for before, after in zip(placed, placed[1:]):
            assert positions.span(before)[1] <= positions.span(after)[0], (
                ast.dump(before)[:60],
                ast.dump(after)[:60],
            )


def check(text: str) -> None:
    module = _parse(text)
    if module is None:
        return
    tree = TreeIndex(module)
    # the subtree ranges nest: every node lies in its parent's range
    for child, parent in tree.parents.items():
        assert tree.contains(parent, child)
    check_positions(text, module, tree)
    check_scopes(text, module, tree)


@pytest.mark.parametrize("path", _sources(), ids=lambda p: str(p.relative_to(p.parents[1])))
def test_walk_matches_cpython(path: Path) -> None:
    check(path.read_text(encoding="utf-8"))


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(hypothesmith.from_grammar(auto_target=False))
def test_walk_matches_cpython_on_generated_programs(source: str) -> None:
    check(source)


# hypothesmith compiles what it generates: the compiler's hints about it are noise
@pytest.mark.filterwarnings("ignore::SyntaxWarning")
@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(hypothesmith.from_node(auto_target=False))
def test_walk_matches_cpython_on_generated_trees(source: str) -> None:
    check(source)


def test_positions_count_characters_not_bytes() -> None:
    text = 'café = "naïve"; x = f(\r  "日本", y)\rz = 1\n'
    check(text)
    module = ast.parse(text)
    positions = Positions(text, LineIndex(text))
    call = next(n for n in ast.walk(module) if isinstance(n, ast.Call))
    start, end = positions.span(call)
    assert text[start:end] == 'f(\r  "日本", y)'


SCOPE_CASES = {
    # name read last -> the kinds of binding it may see
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
    "try:\n    pass\nexcept E as e:\n    e\n": ("e", ["name"]),
    "a = 1\ndef f(a, b=a):\n    pass\na\n": ("a", ["name"]),
}


@pytest.mark.parametrize("source", SCOPE_CASES)
def test_scope_resolution(source: str) -> None:
    name, kinds = SCOPE_CASES[source]
    module = ast.parse(source)
    tree = TreeIndex(module)
    last = max(
        (n for n in tree.order if isinstance(n, ast.Name) and n.id == name),
        key=tree.order.__getitem__,
    )
    found = tree.scopes.referents(last)
    assert found is not None
    assert [b.kind for b in found[1]] == kinds
    check(source)
