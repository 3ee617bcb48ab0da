"""One fast pass over a LibCST tree: parents, source order, scopes and name
bindings, and the calls, classes and imports the rules look up.

LibCST's visitor machinery (and the metadata providers built on it) costs
about ten times a plain walk over the nodes' dataclass fields, so the facts
every file needs are collected here in a single such walk. Source order is
the pre-order index: a node precedes another if its index is smaller, and
contains it if the other's index lies within its subtree's range. The same
walk records every binding and read of a name in its scope
(:mod:`kerasfix.scopes`).
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Iterator

import libcst as cst

from kerasfix.scopes import Scope, ScopeIndex

# How a Name met by the walk is used.
LOAD, STORE, NONE = 0, 1, 2

_FIELDS: dict[type, tuple[str, ...]] = {}
# Fields in source order where LibCST declares them in another order
# (decorators come first wherever they are).
_SOURCE_ORDER: dict[type, tuple[str, ...]] = {
    cst.FunctionDef: ("name", "type_parameters", "params", "returns", "body"),
    cst.ClassDef: ("name", "type_parameters", "bases", "keywords", "body"),
    cst.ExceptHandler: ("type", "name", "body"),
    cst.ExceptStarHandler: ("type", "name", "body"),
    cst.Arg: ("keyword", "equal", "value", "comma"),
    cst.Parameters: (
        "posonly_params",
        "posonly_ind",
        "params",
        "star_arg",
        "kwonly_params",
        "star_kwarg",
    ),
    cst.ImportFrom: ("relative", "module", "names", "semicolon"),
    cst.IfExp: ("body", "test", "orelse"),
    cst.MatchCase: ("pattern", "guard", "body"),
    cst.TypeAlias: ("name", "type_parameters", "value", "semicolon"),
}


# Fields that hold only whitespace, comments and punctuation: nothing the
# rules ask about lives there, so the walk does not descend into them (a
# third of a typical tree). Their offsets still come from kerasfix.spans.
_TOKEN_FIELDS = frozenset(
    {
        "lpar",
        "rpar",
        "lbracket",
        "rbracket",
        "lbrace",
        "rbrace",
        "comma",
        "semicolon",
        "colon",
        "dot",
        "equal",
        "header",
        "footer",
        "leading_lines",
        "lines_after_decorators",
        "trailing_whitespace",
        "newline",
    }
)


def _fields(cls: type) -> tuple[str, ...]:
    names = _FIELDS.get(cls)
    if names is None:
        declared = [
            f.name
            for f in dataclasses.fields(cls)
            if f.name not in _TOKEN_FIELDS and not f.name.startswith("whitespace")
        ]
        preferred = ("decorators", *_SOURCE_ORDER.get(cls, ()))
        names = tuple(
            [n for n in preferred if n in declared] + [n for n in declared if n not in preferred]
        )
        _FIELDS[cls] = names
    return names


# Fields whose Name is neither a read nor a binding of a variable.
# (Attribute names and global/nonlocal items are handled by their own
# handlers below.)
_NOT_NAMES: dict[type, frozenset[str]] = {
    cst.Arg: frozenset({"keyword"}),
    cst.MatchKeywordElement: frozenset({"key"}),
}
_STORE_CONTAINERS = (cst.Tuple, cst.List, cst.StarredElement, cst.Element)
_COMPREHENSIONS = (cst.ListComp, cst.SetComp, cst.GeneratorExp, cst.DictComp)


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
        self.returns: list[cst.Return] = []
        self.scopes = ScopeIndex(module)
        self._walk(module)

    def _walk(self, root: cst.CSTNode) -> None:
        parents, order, last = self.parents, self.order, self.last
        scopes = self.scopes
        scope_of = scopes.scope_of
        kinds = _KINDS
        name_type = cst.Name
        call_type = cst.Call
        return_type = cst.Return
        counter = 0
        # (node, scope, mode) to enter, or (node, None, -1) to leave: a
        # node's "last" is set when its subtree is done
        stack: list[tuple[cst.CSTNode, Scope | None, int]] = [(root, scopes.root, LOAD)]
        while stack:
            node, scope, mode = stack.pop()
            if scope is None:
                last[node] = counter - 1
                continue
            index = counter
            order[node] = index
            counter += 1
            scope_of[node] = scope
            cls = type(node)
            if cls is name_type:
                if mode == LOAD:
                    scopes.access(scope, node)  # type: ignore[arg-type]
                elif mode == STORE:
                    scopes.bind(scope, node.value, node, "name", index)  # type: ignore[attr-defined]
                last[node] = index
                continue
            stack.append((node, None, -1))
            special = _SPECIAL.get(cls)
            if special is not None:
                children = special(self, node, scope, mode, index)
            else:
                skip = _NOT_NAMES.get(cls)
                child_mode = NONE if mode == NONE else LOAD
                if mode == STORE and isinstance(node, _STORE_CONTAINERS):
                    child_mode = STORE
                if cls is call_type:
                    self._note(node)
                elif cls is return_type:
                    self.returns.append(node)  # type: ignore[arg-type]
                children = []
                for name in _fields(cls):
                    value = getattr(node, name)
                    this_mode = NONE if skip is not None and name in skip else child_mode
                    kind = kinds.get(type(value))
                    if kind is None:
                        kind = _kind(type(value))
                    if kind == _NODE:
                        children.append((value, scope, this_mode))
                    elif kind == _SEQUENCE:
                        children.extend((v, scope, this_mode) for v in value if _is_node(v))
            for child in reversed(children):
                parents[child[0]] = node
                stack.append(child)

    def _note(self, node: cst.CSTNode) -> None:
        if isinstance(node, cst.Call):
            func = node.func
            if isinstance(func, cst.Attribute):
                self.calls_by_attr[func.attr.value].append(node)
            elif isinstance(func, cst.Name):
                self.calls_by_name[func.value].append(node)
        elif isinstance(node, cst.Subscript):
            self.subscripts.append(node)

    def ancestors(self, node: cst.CSTNode) -> Iterator[cst.CSTNode]:
        parents = self.parents
        while node in parents:
            node = parents[node]
            yield node

    def scope_of(self, node: cst.CSTNode) -> Scope | None:
        return self.scopes.scope_of.get(node)


_Child = tuple[cst.CSTNode, Scope, int]


def _children(
    node: cst.CSTNode, scope: Scope, modes: dict[str, tuple[Scope, int]], default: int = LOAD
) -> list[_Child]:
    """The node's children in source order, each with its scope and mode
    (``modes`` maps a field to them; other fields get ``scope``/``default``)."""
    result: list[_Child] = []
    for name in _fields(type(node)):
        value = getattr(node, name)
        child_scope, mode = modes.get(name, (scope, default))
        kind = _KINDS.get(type(value))
        if kind is None:
            kind = _kind(type(value))
        if kind == _NODE:
            result.append((value, child_scope, mode))
        elif kind == _SEQUENCE:
            result.extend((v, child_scope, mode) for v in value if _is_node(v))
    return result


# What a field's value is, by its exact type. LibCST's node classes have an
# ABC metaclass, so isinstance() on them goes through Python-level code; a
# walk asks it of every field of every node.
_OTHER, _NODE, _SEQUENCE = 0, 1, 2
_KINDS: dict[type, int] = {}


def _kind(cls: type) -> int:
    if issubclass(cls, cst.CSTNode):
        kind = _NODE
    elif issubclass(cls, (list, tuple)):
        kind = _SEQUENCE
    else:
        kind = _OTHER
    _KINDS[cls] = kind
    return kind


def _is_node(value: object) -> bool:
    kind = _KINDS.get(type(value))
    return (kind if kind is not None else _kind(type(value))) == _NODE


def _attribute(tree: TreeIndex, node: cst.CSTNode, scope: Scope, mode: int, index: int) -> list:
    # ``a.b = 1`` reads ``a``; the attribute's own name is never a variable
    tree._note(node)
    inner = NONE if mode == NONE else LOAD
    return _children(node, scope, {"attr": (scope, NONE)}, inner)


def _subscript(tree: TreeIndex, node: cst.CSTNode, scope: Scope, mode: int, index: int) -> list:
    tree._note(node)
    return _children(node, scope, {}, NONE if mode == NONE else LOAD)


def _target(field: str):  # noqa: ANN202
    """Statements whose ``field`` is bound (assignment, loops, ``del`` …)."""

    def handle(tree: TreeIndex, node: cst.CSTNode, scope: Scope, mode: int, index: int) -> list:
        return _children(node, scope, {field: (scope, STORE)})

    return handle


def _with_item(tree: TreeIndex, node: cst.CSTNode, scope: Scope, mode: int, index: int) -> list:
    return _children(node, scope, {"asname": (scope, STORE)})


def _as_name(tree: TreeIndex, node: cst.CSTNode, scope: Scope, mode: int, index: int) -> list:
    # ``with x as (a, b)`` / ``except E as e``; inside imports the names are
    # bound by the import statement itself
    return _children(node, scope, {"name": (scope, mode)}, NONE)


def _import(tree: TreeIndex, node: cst.CSTNode, scope: Scope, mode: int, index: int) -> list:
    tree.imports.append(node)  # type: ignore[arg-type]
    names = node.names  # type: ignore[attr-defined]
    if not isinstance(names, cst.ImportStar):
        for alias in names:
            if alias.asname is not None:
                bound = alias.evaluated_alias
            else:
                bound = alias.evaluated_name.split(".", 1)[0]
            if bound:
                tree.scopes.bind(scope, bound, node, "import", index)
    return _children(node, scope, {}, NONE)


def _function(tree: TreeIndex, node: cst.CSTNode, scope: Scope, mode: int, index: int) -> list:
    assert isinstance(node, (cst.FunctionDef, cst.ClassDef))
    kind = "def" if isinstance(node, cst.FunctionDef) else "class"
    if kind == "class":
        tree.classes.append(node)  # type: ignore[arg-type]
    tree.scopes.bind(scope, node.name.value, node, kind, index)
    inner = tree.scopes.new_scope("function" if kind == "def" else "class", node, scope)
    return _children(
        node,
        scope,
        {"name": (scope, NONE), "params": (inner, LOAD), "body": (inner, LOAD)},
    )


def _own_scope(kind: str):  # noqa: ANN202
    """Nodes whose children all live in a new scope (lambda, comprehension)."""

    def handle(tree: TreeIndex, node: cst.CSTNode, scope: Scope, mode: int, index: int) -> list:
        return _children(node, tree.scopes.new_scope(kind, node, scope), {})

    return handle


def _param(tree: TreeIndex, node: cst.CSTNode, scope: Scope, mode: int, index: int) -> list:
    # the parameter's name is bound in the function; its default and
    # annotation are evaluated where the function is defined
    assert isinstance(node, cst.Param)
    tree.scopes.bind(scope, node.name.value, node, "param", index)
    outer = scope.parent or scope
    return _children(
        node,
        scope,
        {"name": (scope, NONE), "default": (outer, LOAD), "annotation": (outer, LOAD)},
    )


def _comp_for(tree: TreeIndex, node: cst.CSTNode, scope: Scope, mode: int, index: int) -> list:
    # the first ``for``'s iterable is evaluated in the enclosing scope
    parent = tree.parents.get(node)
    iter_scope = scope
    if isinstance(parent, _COMPREHENSIONS) and scope.parent is not None:
        iter_scope = scope.parent
    return _children(node, scope, {"target": (scope, STORE), "iter": (iter_scope, LOAD)})


def _named_expr(tree: TreeIndex, node: cst.CSTNode, scope: Scope, mode: int, index: int) -> list:
    assert isinstance(node, cst.NamedExpr)
    owner = scope
    while owner.kind == "comprehension" and owner.parent is not None:
        owner = owner.parent
    if isinstance(node.target, cst.Name):
        tree.scopes.bind(owner, node.target.value, node.target, "name", index)
    return _children(node, scope, {"target": (scope, NONE)})


def _declaration(tree: TreeIndex, node: cst.CSTNode, scope: Scope, mode: int, index: int) -> list:
    names = {item.name.value for item in node.names}  # type: ignore[attr-defined]
    if isinstance(node, cst.Global):
        scope.globals.update(names)
    else:
        scope.nonlocals.update(names)
    return _children(node, scope, {}, NONE)


_COMPREHENSION = _own_scope("comprehension")
_SPECIAL = {
    cst.Attribute: _attribute,
    cst.Subscript: _subscript,
    cst.AssignTarget: _target("target"),
    cst.AnnAssign: _target("target"),
    cst.AugAssign: _target("target"),
    cst.For: _target("target"),
    cst.Del: _target("target"),
    cst.WithItem: _with_item,
    cst.AsName: _as_name,
    cst.ExceptHandler: _target("name"),
    cst.ExceptStarHandler: _target("name"),
    cst.MatchAs: _target("name"),
    cst.MatchStar: _target("name"),
    cst.MatchMapping: _target("rest"),
    cst.Import: _import,
    cst.ImportFrom: _import,
    cst.FunctionDef: _function,
    cst.ClassDef: _function,
    cst.Lambda: _own_scope("lambda"),
    cst.Param: _param,
    cst.ListComp: _COMPREHENSION,
    cst.SetComp: _COMPREHENSION,
    cst.GeneratorExp: _COMPREHENSION,
    cst.DictComp: _COMPREHENSION,
    cst.CompFor: _comp_for,
    cst.NamedExpr: _named_expr,
    cst.Global: _declaration,
    cst.Nonlocal: _declaration,
}
