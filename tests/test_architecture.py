"""The shape of the code: the folders are the stages (front ends, engine, rules, analysis,
knowledge), each importing only those after it and the shared modules at the package's top
level; no import cycles (counting imports inside functions), the inference in layers that
each import only those below, and rules that ask the inference only through its facade."""

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


# the stages, first to last: a module imports only from its own stage and those after it
STAGES = ["frontends", "engine", "rules", "analysis", "knowledge"]
# what every stage shares: values and plain helpers that import no stage
SHARED = {"diagnostic", "settings", "source", "noqa", "project", "_version"}
# the package itself (its public functions) and `python -m kerasfix` are front ends
FRONT = {"kerasfix", "kerasfix.__main__"}


def _stage(module: str) -> int:
    """The stage's place in STAGES; the shared modules after them all."""
    if module in FRONT:
        return 0
    part = module.split(".")[1]
    if part in SHARED:
        return len(STAGES)
    assert part in STAGES, f"{module} sits outside the stages' folders and the shared modules"
    return STAGES.index(part)


def test_folders_are_the_stages_and_import_one_way() -> None:
    assert {p.name for p in PACKAGE.iterdir() if p.is_dir() and p.name != "__pycache__"} == set(
        STAGES
    )
    for module, imported in GRAPH.items():
        for target in imported:
            if target == "kerasfix":
                continue  # the package's version, imported through it
            assert _stage(target) >= _stage(module), f"{module} imports {target}: a later stage"


# each layer of the inference imports only the layers listed for it
LAYERS = {
    "kerasfix.analysis.inference.values": set(),
    "kerasfix.analysis.inference.imports": set(),
    "kerasfix.analysis.inference.bindings": {"imports"},
    "kerasfix.analysis.inference.classes": {"bindings"},
    "kerasfix.analysis.inference.evaluation": {"values", "bindings", "classes"},
    "kerasfix.analysis.inference.keras_models": {"values", "classes", "evaluation"},
    "kerasfix.analysis.inference.compile": {"values", "bindings", "keras_models"},
    "kerasfix.analysis.inference.modules": set(),
    "kerasfix.analysis.inference.across": {
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
            if name.startswith("kerasfix.analysis.inference")
        }
        assert inner <= allowed, f"{module} imports {sorted(inner - allowed)}"
        assert "kerasfix.rules" not in {n[:14] for n in GRAPH[module]}


# all that a rule module may import: the facade, the knowledge, the
# diagnostics and the rules' base (which holds the sites and edit helpers)
RULE_IMPORTS = {
    "kerasfix.analysis.inference",
    "kerasfix.knowledge",
    "kerasfix.diagnostic",
    "kerasfix.rules.base",
}


def test_rules_import_only_the_facade_knowledge_diagnostics_and_base() -> None:
    rules = [n for n in GRAPH if n.startswith("kerasfix.rules.kf")]
    assert len(rules) >= 14
    for name in rules:
        extra = sorted(GRAPH[name] - RULE_IMPORTS - {"kerasfix"})
        assert not extra, (
            f"{name} imports {extra}: ask kerasfix.analysis.inference or the rules' base"
        )


def test_rules_declare_what_they_look_at_and_nothing_filters_by_hand() -> None:
    """One declaration per rule: no text triggers or tree filters of its own."""
    from kerasfix.analysis.sites import AnyOf, Site
    from kerasfix.rules import ALL_RULES

    for rule in ALL_RULES:
        assert not hasattr(rule, "triggers") and not hasattr(rule, "may_fire"), rule.code
        for requirement in rule.looks_at:
            assert isinstance(requirement, (Site, AnyOf)), (rule.code, requirement)
        assert rule.meta or rule.looks_at, rule.code


def test_modules_stay_small() -> None:
    for name, path in MODULES.items():
        lines = path.read_text(encoding="utf-8").count("\n")
        assert lines <= 500, f"{name}: {lines} lines"
