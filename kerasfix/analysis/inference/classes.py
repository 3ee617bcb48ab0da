"""The classes of a module as the evaluator reads them: their methods, and what each method
does with ``self.<attr>`` (assigns it, ``.add()``s layers to it, hands it to a call)."""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from kerasfix import knowledge as kb
from kerasfix.analysis.inference.bindings import Bindings
from kerasfix.analysis.walk import child_nodes

# Calls that may receive a value without changing it.
HARMLESS_CONSUMERS = frozenset({"print", "len", "id", "type", "repr", "str", "isinstance"})


@dataclass
class ClassInfo:
    node: ast.ClassDef
    methods: dict[str, ast.FunctionDef | ast.AsyncFunctionDef] = field(default_factory=dict)
    # self.<attr> = value, in the method that assigns it
    attr_assigns: dict[str, list[tuple[ast.expr, ast.FunctionDef, ast.AST]]] = field(
        default_factory=dict
    )
    # self.<attr>.add(layer) calls, with their method
    attr_adds: dict[str, list[tuple[ast.Call, ast.FunctionDef]]] = field(default_factory=dict)
    # self.<attr> passed to a call or otherwise mutated (pop)
    attr_tainted: set[str] = field(default_factory=set)


_UNKNOWN_VALUE = ast.Name("__unknown__", ast.Load())  # an expression no binding reaches


def collect_self_attributes(
    bindings: Bindings,
    info: ClassInfo,
    method: ast.FunctionDef | ast.AsyncFunctionDef,
) -> None:
    """Record ``self.x = …``, ``self.x.add(…)`` and ``f(self.x)`` in one
    method of a class (not in classes nested in it)."""

    def self_attr(node: ast.AST) -> str | None:
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and bindings.is_self(node.value)
        ):
            return node.attr
        return None

    stack: list[ast.AST] = [method]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.ClassDef):
            continue
        if isinstance(node, ast.Assign):
            for target in node.targets:
                attr = self_attr(target)
                if attr is not None:
                    info.attr_assigns.setdefault(attr, []).append((node.value, method, node))
                elif isinstance(target, (ast.Tuple, ast.List)):
                    for element in target.elts:
                        attr = self_attr(element)
                        if attr is not None:
                            info.attr_tainted.add(attr)
                            info.attr_assigns.setdefault(attr, []).append(
                                (_UNKNOWN_VALUE, method, node)
                            )
        elif isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Attribute):
                attr = self_attr(func.value)
                if attr is not None:
                    if func.attr == kb.ADD_LAYER:
                        info.attr_adds.setdefault(attr, []).append((node, method))
                    elif func.attr == kb.REMOVE_LAYER:
                        info.attr_tainted.add(attr)
            values = [a.value if type(a) is ast.Starred else a for a in node.args]
            values.extend(k.value for k in node.keywords)
            for value in values:
                attr = self_attr(value)
                if attr is not None and not (
                    isinstance(func, ast.Name) and func.id in HARMLESS_CONSUMERS
                ):
                    info.attr_tainted.add(attr)
        children = child_nodes(node)
        children.reverse()
        stack.extend(children)


def weight_shape_rank(bindings: Bindings, value: ast.expr) -> int | None:
    """How many dimensions the weight ``value`` makes has: ``self.add_weight(shape=(d, u))``
    (Keras 3 takes the shape first, Keras 2 the name then the shape), or None."""
    if not made_by_add_weight(bindings, value):
        return None
    assert isinstance(value, ast.Call)
    shape = next((k.value for k in value.keywords if k.arg == "shape"), None)
    if shape is None and value.args:
        named = isinstance(value.args[0], ast.Constant) and isinstance(value.args[0].value, str)
        shape = value.args[1] if named and len(value.args) > 1 else value.args[0]
    if not isinstance(shape, (ast.Tuple, ast.List)):
        return None
    if any(isinstance(e, ast.Starred) for e in shape.elts):
        return None
    return len(shape.elts)


def made_by_add_weight(bindings: Bindings, value: ast.expr) -> bool:
    """``self.add_weight(…)`` (or Keras 2's ``add_variable``): a layer's weight."""
    if not (isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute)):
        return False
    receiver = value.func.value
    if value.func.attr not in ("add_weight", "add_variable"):
        return False
    return isinstance(receiver, ast.Name) and bindings.is_self(receiver)
