"""The shape of the code: no import cycles (counting imports inside
functions), the inference in layers that each import only those below, and
rules that ask the inference only through its facade."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "kerasfix"


def _modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


MODULES = _modules()


def _imports(path: Path) -> set[str]:
    """The kerasfix modules a module imports, anywhere in it."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("kerasfix"):
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                found.add(full if full in MODULES else node.module)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("kerasfix"))
    return found


GRAPH = {name: _imports(path) - {name} for name, path in MODULES.items()}


def test_no_import_cycle() -> None:
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(name: str) -> None:
        state[name] = 1
        path.append(name)
        for target in sorted(GRAPH.get(name, ())):
            if state.get(target) == 1:
                cycle = path[path.index(target) :] + [target]
                raise AssertionError("import cycle: " + " -> ".join(cycle))
            if target not in state:
                visit(target)
        path.pop()
        state[name] = 2

    for name in sorted(GRAPH):
        if name not in state:
            visit(name)


# each layer of the inference imports only the layers listed for it
LAYERS = {
    "kerasfix.inference.values": set(),
    "kerasfix.inference.imports": set(),
    "kerasfix.inference.bindings": {"imports"},
    "kerasfix.inference.classes": {"bindings"},
    "kerasfix.inference.evaluation": {"values", "bindings", "classes"},
    "kerasfix.inference.keras_models": {"values", "classes", "evaluation"},
    "kerasfix.inference.compile": {"values", "bindings", "keras_models"},
    "kerasfix.inference.modules": set(),
    "kerasfix.inference.across": {
        "values",
        "imports",
        "bindings",
        "evaluation",
        "keras_models",
        "modules",
    },
}


def test_inference_layers_import_only_below() -> None:
    for module, allowed in LAYERS.items():
        inner = {
            name.rsplit(".", 1)[1]
            for name in GRAPH[module]
            if name.startswith("kerasfix.inference")
        }
        assert inner <= allowed, f"{module} imports {sorted(inner - allowed)}"
        assert "kerasfix.rules" not in {n[:14] for n in GRAPH[module]}


# all that a rule module may import: the facade, the knowledge, the
# diagnostics and the rules' base (which holds the sites and edit helpers)
RULE_IMPORTS = {
    "kerasfix.inference",
    "kerasfix.knowledge",
    "kerasfix.diagnostic",
    "kerasfix.rules.base",
}


def test_rules_import_only_the_facade_knowledge_diagnostics_and_base() -> None:
    rules = [n for n in GRAPH if n.startswith("kerasfix.rules.kf")]
    assert len(rules) >= 14
    for name in rules:
        extra = sorted(GRAPH[name] - RULE_IMPORTS - {"kerasfix"})
        assert not extra, f"{name} imports {extra}: ask kerasfix.inference or the rules' base"


def test_rules_declare_what_they_look_at_and_nothing_filters_by_hand() -> None:
    """One declaration per rule: no text triggers or tree filters of its own."""
    from kerasfix.rules import ALL_RULES
    from kerasfix.sites import AnyOf, Site

    for rule in ALL_RULES:
        assert not hasattr(rule, "triggers") and not hasattr(rule, "may_fire"), rule.code
        for requirement in rule.looks_at:
            assert isinstance(requirement, (Site, AnyOf)), (rule.code, requirement)
        assert rule.meta or rule.looks_at, rule.code


def test_modules_stay_small() -> None:
    for name, path in MODULES.items():
        lines = path.read_text(encoding="utf-8").count("\n")
        assert lines <= 500, f"{name}: {lines} lines"
