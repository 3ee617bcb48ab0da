"""The one walk over CPython's syntax tree that every layer shares.

``ast.walk`` and ``ast.iter_child_nodes`` visit every field through generic
generators, markers (``Load``, ``Add``…) included; these visit only the
fields that can hold a node, from a table built once per node type.
"""

from __future__ import annotations

import ast
from typing import Any

_LEAF_FIELDS = frozenset(
    {"ctx", "op", "ops", "id", "attr", "arg", "name", "names", "module", "level"}
    | {"type_comment", "kind", "conversion", "is_async", "simple", "rest", "kwd_attrs"}
)
CHILD_FIELDS: dict[type, tuple[str, ...]] = {}


def child_fields(cls: type) -> tuple[str, ...]:
    """The fields of a node type that may hold nodes (recorded in the table)."""
    fields = tuple(
        f
        for f in cls._fields
        if f not in _LEAF_FIELDS
        and not (f == "value" and cls in (ast.Constant, ast.MatchSingleton))
    )
    CHILD_FIELDS[cls] = fields
    return fields


def all_nodes(tree: ast.AST) -> list[Any]:
    """Every node of the tree but the markers and operators (ast.walk's
    generators and generic field loop cost three times this)."""
    found: list[Any] = []
    stack: list[Any] = [tree]
    table = CHILD_FIELDS
    while stack:
        node = stack.pop()
        if node is None:
            continue  # an absent optional node, or a None in Dict.keys
        found.append(node)
        cls = type(node)
        fields = table.get(cls)
        if fields is None:
            fields = child_fields(cls)
        for name in fields:
            value = getattr(node, name)
            if type(value) is list:
                stack.extend(value)
            elif value is not None:
                stack.append(value)
    return found


def child_nodes(node: ast.AST) -> list[Any]:
    """A node's children, in field order, markers and absent nodes left out."""
    fields = CHILD_FIELDS.get(type(node))
    if fields is None:
        fields = child_fields(type(node))
    children: list[Any] = []
    for name in fields:
        value = getattr(node, name)
        if type(value) is list:
            children.extend(v for v in value if v is not None)
        elif value is not None:
            children.append(value)
    return children
