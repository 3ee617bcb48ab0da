"""One fast pass over a LibCST tree: parents, source order, and the calls,
classes and imports the rules look up.

LibCST's visitor machinery (and the metadata providers built on it) costs
about ten times a plain walk over the nodes' dataclass fields, so the facts
every file needs are collected here in a single such walk. Source order is
the pre-order index: a node precedes another if its index is smaller, and
contains it if the other's index lies within its subtree's range.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict

import libcst as cst

_FIELDS: dict[type, tuple[str, ...]] = {}
# Fields that come first in the source although LibCST declares them later.
_FIRST = ("leading_lines", "decorators")


def _fields(cls: type) -> tuple[str, ...]:
    names = _FIELDS.get(cls)
    if names is None:
        declared = [f.name for f in dataclasses.fields(cls)]
        names = tuple(
            [n for n in _FIRST if n in declared] + [n for n in declared if n not in _FIRST]
        )
        _FIELDS[cls] = names
    return names


class TreeIndex:
    def __init__(self, module: cst.Module) -> None:
        self.parents: dict[cst.CSTNode, cst.CSTNode] = {}
        self.order: dict[cst.CSTNode, int] = {}
        self.last: dict[cst.CSTNode, int] = {}
        self.calls_by_attr: dict[str, list[cst.Call]] = defaultdict(list)
        self.calls_by_name: dict[str, list[cst.Call]] = defaultdict(list)
        self.classes: list[cst.ClassDef] = []
        self.imports: list[cst.Import | cst.ImportFrom] = []
        self.subscripts: list[cst.Subscript] = []
        self._walk(module)

    def _walk(self, root: cst.CSTNode) -> None:
        parents, order, last = self.parents, self.order, self.last
        node_type = cst.CSTNode
        counter = 0
        # (node, exiting?) pairs: a node's "last" is set when its subtree is done
        stack: list[tuple[cst.CSTNode, bool]] = [(root, False)]
        while stack:
            node, exiting = stack.pop()
            if exiting:
                last[node] = counter - 1
                continue
            order[node] = counter
            counter += 1
            self._note(node)
            stack.append((node, True))
            children: list[cst.CSTNode] = []
            for name in _fields(type(node)):
                value = getattr(node, name)
                if isinstance(value, node_type):
                    children.append(value)
                elif isinstance(value, (list, tuple)):
                    children.extend(v for v in value if isinstance(v, node_type))
            for child in reversed(children):
                parents[child] = node
                stack.append((child, False))

    def _note(self, node: cst.CSTNode) -> None:
        if isinstance(node, cst.Call):
            func = node.func
            if isinstance(func, cst.Attribute):
                self.calls_by_attr[func.attr.value].append(node)
            elif isinstance(func, cst.Name):
                self.calls_by_name[func.value].append(node)
        elif isinstance(node, cst.ClassDef):
            self.classes.append(node)
        elif isinstance(node, (cst.Import, cst.ImportFrom)):
            self.imports.append(node)
        elif isinstance(node, cst.Subscript):
            self.subscripts.append(node)

    def ancestors(self, node: cst.CSTNode):  # noqa: ANN201
        parents = self.parents
        while node in parents:
            node = parents[node]
            yield node
