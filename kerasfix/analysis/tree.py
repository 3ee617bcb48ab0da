"""One walk over CPython's syntax tree: parents, source order, the block
each statement sits in, scopes and name bindings, and the calls, classes and
imports the rules look up.

Source order is the pre-order index: a node precedes another if its index is
smaller, and contains it if the other's index lies within its subtree's
range (``order[node] <= order[other] <= last[node]``). Children are visited
in the order they are written, which is not always the order of their
fields (decorators come first, a dict interleaves keys and values, a
parameter's default follows it). The same walk records every binding and
read of a name in its scope (:mod:`kerasfix.analysis.scopes`).
"""

from __future__ import annotations

import ast
from collections import defaultdict
from collections.abc import Callable, Iterator
from typing import Any

from kerasfix.analysis.scopes import Scope, ScopeIndex
from kerasfix.analysis.walk import CHILD_FIELDS, child_fields

# The lists of statements a compound statement holds.
BLOCK_FIELDS = ("body", "orelse", "finalbody", "handlers", "cases")

_Child = tuple[Any, Scope]
_Handler = Callable[["TreeIndex", Any, Scope, int], list[_Child]]


class TreeIndex:
    def __init__(self, module: ast.Module) -> None:
        self.module = module
        self.parents: dict[ast.AST, ast.AST] = {}
        self.order: dict[ast.AST, int] = {}
        self.last: dict[ast.AST, int] = {}
        # each statement -> (the node that holds it, the field of the list)
        self.block: dict[ast.AST, tuple[ast.AST, str]] = {}
        self.calls_by_attr: dict[str, list[ast.Call]] = defaultdict(list)
        self.calls_by_name: dict[str, list[ast.Call]] = defaultdict(list)
        self.classes: list[ast.ClassDef] = []
        self.imports: list[ast.Import | ast.ImportFrom] = []
        self.subscripts: list[ast.Subscript] = []
        self.returns: list[ast.Return] = []
        self.scopes = ScopeIndex(module)
        self._walk(module)

    def _walk(self, root: ast.AST) -> None:
        parents, order, last, block = self.parents, self.order, self.last, self.block
        scopes = self.scopes
        scope_of = scopes.scope_of
        table = CHILD_FIELDS
        special = _SPECIAL
        name_type, load = ast.Name, ast.Load
        counter = 0
        # (node, scope) to enter, or (node, None) to leave: a node's "last"
        # is set when its subtree is done
        stack: list[tuple[Any, Scope | None]] = [(root, scopes.root)]
        while stack:
            node, scope = stack.pop()
            if scope is None:
                last[node] = counter - 1
                continue
            index = counter
            order[node] = index
            counter += 1
            scope_of[node] = scope
            cls = type(node)
            if cls is name_type:
                if type(node.ctx) is load:
                    scopes.access(scope, node)
                else:  # Store and Del both make the name local
                    scopes.bind(scope, node.id, node, "name", index)
                last[node] = index
                continue
            stack.append((node, None))
            handler = special.get(cls)
            if handler is not None:
                children = handler(self, node, scope, index)
            else:
                # _children, inlined: this is the walk's hot loop
                children = []
                fields = table.get(cls)
                if fields is None:
                    fields = child_fields(cls)
                for name in fields:
                    value = getattr(node, name)
                    if type(value) is list:
                        if name in BLOCK_FIELDS:
                            for statement in value:
                                block[statement] = (node, name)
                        children.extend((v, scope) for v in value if v is not None)
                    elif value is not None:
                        children.append((value, scope))
            for child in reversed(children):
                parents[child[0]] = node
                stack.append(child)

    def release(self) -> None:
        """Let reference counting free the index once its file is done (see
        :meth:`ScopeIndex.release`); it answers nothing after."""
        self.scopes.release()

    def ancestors(self, node: ast.AST) -> Iterator[ast.AST]:
        parents = self.parents
        while node in parents:
            node = parents[node]
            yield node

    def scope_of(self, node: ast.AST) -> Scope | None:
        return self.scopes.scope_of.get(node)

    def previous_statement(self, statement: ast.AST) -> ast.AST | None:
        """The statement just before ``statement`` in its block, or None (the first)."""
        place = self.block.get(statement)
        if place is None:
            return None
        siblings = getattr(*place)
        index = siblings.index(statement)
        return siblings[index - 1] if index else None

    def contains(self, container: ast.AST, node: ast.AST) -> bool:
        """Whether ``node`` lies in ``container``'s subtree (or is it)."""
        return self.order[container] <= self.order[node] <= self.last[container]


def _statements(tree: TreeIndex, owner: ast.AST, name: str, scope: Scope) -> list[_Child]:
    statements = getattr(owner, name)
    for statement in statements:
        tree.block[statement] = (owner, name)
    return [(s, scope) for s in statements]


def _call(tree: TreeIndex, node: ast.Call, scope: Scope, index: int) -> list[_Child]:
    func = node.func
    if type(func) is ast.Attribute:
        tree.calls_by_attr[func.attr].append(node)
    elif type(func) is ast.Name:
        tree.calls_by_name[func.id].append(node)
    children: list[_Child] = [(func, scope)]
    children.extend((a, scope) for a in node.args)
    children.extend((k, scope) for k in node.keywords)
    return children


def _subscript(tree: TreeIndex, node: ast.Subscript, scope: Scope, index: int) -> list[_Child]:
    tree.subscripts.append(node)
    return [(node.value, scope), (node.slice, scope)]


def _return(tree: TreeIndex, node: ast.Return, scope: Scope, index: int) -> list[_Child]:
    tree.returns.append(node)
    return [(node.value, scope)] if node.value is not None else []


def _import(tree: TreeIndex, node: ast.Import | ast.ImportFrom, scope: Scope, index: int) -> list:
    tree.imports.append(node)
    for alias in node.names:
        if alias.name == "*":
            continue
        bound = alias.asname if alias.asname is not None else alias.name.split(".", 1)[0]
        tree.scopes.bind(scope, bound, node, "import", index)
    return []


def _arguments(args: ast.arguments, inner: Scope, outer: Scope) -> list[_Child]:
    """Parameters in the order written: each with its annotation and default
    (evaluated where the function is defined); the parameter itself is bound
    in the function."""
    children: list[_Child] = []
    positional = [*args.posonlyargs, *args.args]
    defaults: list[ast.expr | None] = [None] * (len(positional) - len(args.defaults))
    defaults.extend(args.defaults)
    pairs = list(zip(positional, defaults))
    if args.vararg is not None:
        pairs.append((args.vararg, None))
    pairs.extend(zip(args.kwonlyargs, args.kw_defaults))
    if args.kwarg is not None:
        pairs.append((args.kwarg, None))
    for param, default in pairs:
        children.append((param, inner))
        if default is not None:
            children.append((default, outer))
    return children


def _param(tree: TreeIndex, node: ast.arg, scope: Scope, index: int) -> list[_Child]:
    tree.scopes.bind(scope, node.arg, node, "param", index)
    if node.annotation is None:
        return []
    return [(node.annotation, scope.parent or scope)]


def _function(tree: TreeIndex, node: Any, scope: Scope, index: int) -> list[_Child]:
    is_class = type(node) is ast.ClassDef
    if is_class:
        tree.classes.append(node)
    tree.scopes.bind(scope, node.name, node, "class" if is_class else "def", index)
    inner = tree.scopes.new_scope("class" if is_class else "function", node, scope)
    children: list[_Child] = [(d, scope) for d in node.decorator_list]
    if is_class:
        children.extend((b, scope) for b in node.bases)
        children.extend((k, scope) for k in node.keywords)
    else:
        children.extend(_arguments(node.args, inner, scope))
        if node.returns is not None:
            children.append((node.returns, scope))
    return children + _statements(tree, node, "body", inner)


def _lambda(tree: TreeIndex, node: ast.Lambda, scope: Scope, index: int) -> list[_Child]:
    inner = tree.scopes.new_scope("lambda", node, scope)
    return _arguments(node.args, inner, scope) + [(node.body, inner)]


def _comprehension(tree: TreeIndex, node: Any, scope: Scope, index: int) -> list[_Child]:
    # the first ``for``'s iterable is evaluated in the enclosing scope
    inner = tree.scopes.new_scope("comprehension", node, scope)
    if type(node) is ast.DictComp:
        children: list[_Child] = [(node.key, inner), (node.value, inner)]
    else:
        children = [(node.elt, inner)]
    for position, generator in enumerate(node.generators):
        children.append((generator.target, inner))
        children.append((generator.iter, scope if position == 0 else inner))
        children.extend((condition, inner) for condition in generator.ifs)
    return children


def _named_expr(tree: TreeIndex, node: ast.NamedExpr, scope: Scope, index: int) -> list[_Child]:
    # ``:=`` binds in the nearest scope that is not a comprehension
    owner = scope
    while owner.kind == "comprehension" and owner.parent is not None:
        owner = owner.parent
    return [(node.target, owner), (node.value, scope)]


def _children(tree: TreeIndex, node: Any, scope: Scope) -> list[_Child]:
    """The node's children by its fields, all in ``scope``; each statement
    list's statements are recorded with their block."""
    children: list[_Child] = []
    for field in CHILD_FIELDS.get(type(node)) or child_fields(type(node)):
        value = getattr(node, field)
        if type(value) is list:
            if field in BLOCK_FIELDS:
                for statement in value:
                    tree.block[statement] = (node, field)
            children.extend((v, scope) for v in value if v is not None)
        elif value is not None:
            children.append((value, scope))
    return children


def _bound_name(tree: TreeIndex, node: Any, scope: Scope, index: int) -> list[_Child]:
    """``except E as e``, match captures and ``**rest``: the name is a string
    of the node, which stands for the binding."""
    name = node.rest if type(node) is ast.MatchMapping else node.name
    if name is not None:
        tree.scopes.bind(scope, name, node, "name", index)
    return _children(tree, node, scope)


def _declaration(tree: TreeIndex, node: ast.Global | ast.Nonlocal, scope: Scope, index: int):  # noqa: ANN202
    if type(node) is ast.Global:
        scope.globals.update(node.names)
    else:
        scope.nonlocals.update(node.names)
    return []


def _dict(tree: TreeIndex, node: ast.Dict, scope: Scope, index: int) -> list[_Child]:
    children: list[_Child] = []
    for key, value in zip(node.keys, node.values):
        if key is not None:
            children.append((key, scope))
        children.append((value, scope))
    return children


def _if_exp(tree: TreeIndex, node: ast.IfExp, scope: Scope, index: int) -> list[_Child]:
    return [(node.body, scope), (node.test, scope), (node.orelse, scope)]


_SPECIAL: dict[type, _Handler] = {
    ast.Call: _call,
    ast.Subscript: _subscript,
    ast.Return: _return,
    ast.Import: _import,
    ast.ImportFrom: _import,
    ast.FunctionDef: _function,
    ast.AsyncFunctionDef: _function,
    ast.ClassDef: _function,
    ast.Lambda: _lambda,
    ast.arg: _param,
    ast.ListComp: _comprehension,
    ast.SetComp: _comprehension,
    ast.GeneratorExp: _comprehension,
    ast.DictComp: _comprehension,
    ast.NamedExpr: _named_expr,
    ast.ExceptHandler: _bound_name,
    ast.MatchAs: _bound_name,
    ast.MatchStar: _bound_name,
    ast.MatchMapping: _bound_name,
    ast.Global: _declaration,
    ast.Nonlocal: _declaration,
    ast.Dict: _dict,
    ast.IfExp: _if_exp,
}
