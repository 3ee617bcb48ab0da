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
    "kerasfix.inference.bindings": set(),
    "kerasfix.inference.evaluation": {"values", "bindings"},
    "kerasfix.inference.keras_models": {"values", "evaluation"},
    "kerasfix.inference.compile": {"values", "bindings", "keras_models"},
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


def test_rules_ask_the_inference_through_its_facade() -> None:
    for name, targets in GRAPH.items():
        if not name.startswith("kerasfix.rules"):
            continue
        inner = sorted(t for t in targets if t.startswith("kerasfix.inference."))
        assert not inner, f"{name} imports {inner}: ask kerasfix.inference"
        assert "kerasfix.scopes" not in targets, f"{name} walks scopes itself"


def test_modules_stay_small() -> None:
    for name, path in MODULES.items():
        lines = path.read_text(encoding="utf-8").count("\n")
        assert lines <= 500, f"{name}: {lines} lines"
