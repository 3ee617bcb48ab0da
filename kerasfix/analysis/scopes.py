"""Python's name binding rules, over the one plain walk of the tree.

Linking every access of a name to every assignment of it (as LibCST's
ScopeProvider does) is quadratic in a file that reassigns a name many times.
Here the walk in :mod:`kerasfix.analysis.tree` records, for
each scope, its bindings of each name in source order and each access with
the scope it occurs in; which scope an access resolves to is decided lazily,
with Python's rules (function locals are the names bound anywhere in the
function, class bodies are skipped by nested scopes, ``global`` and
``nonlocal``, comprehensions have their own scope, ``:=`` binds in the
enclosing non-comprehension scope). Queries are then near constant time:
"which binding reaches this use" is a binary search in an ordered list.
"""

from __future__ import annotations

import ast
import builtins
from dataclasses import dataclass, field

BUILTIN_NAMES = frozenset(dir(builtins))


@dataclass(eq=False)
class Binding:
    """One place that binds ``name`` in ``scope``.

    ``kind`` is ``import`` (``node`` is the import statement), ``def`` and
    ``class`` (the definition), ``param`` (the :class:`ast.arg`) or
    ``name``: the bound :class:`ast.Name` of an assignment, loop, ``with``,
    ``:=`` or ``del``, or the handler or pattern that binds ``except … as e``
    and match captures.
    """

    name: str
    node: ast.AST
    scope: Scope
    kind: str
    order: int  # the rank of the binding node in source order

    @property
    def is_import(self) -> bool:
        return self.kind == "import"


@dataclass(eq=False)
class Access:
    """A read of a name."""

    node: ast.Name
    scope: Scope


@dataclass(eq=False)
class Scope:
    kind: str  # module, class, function, lambda, comprehension
    node: ast.AST
    parent: Scope | None
    bindings: dict[str, list[Binding]] = field(default_factory=dict)
    # accesses made in this scope, by name, in source order
    accesses: dict[str, list[Access]] = field(default_factory=dict)
    globals: set[str] = field(default_factory=set)
    nonlocals: set[str] = field(default_factory=set)
    children: list[Scope] = field(default_factory=list)
    _resolved: dict[str, Scope | None] = field(default_factory=dict)

    @property
    def module(self) -> Scope:
        scope = self
        while scope.parent is not None:
            scope = scope.parent
        return scope

    def binding_scope(self, name: str) -> Scope:
        """The scope a binding of ``name`` made here belongs to."""
        if name in self.globals:
            return self.module
        if name in self.nonlocals:
            found = self._enclosing_function_with(name)
            if found is not None:
                return found
        return self

    def _enclosing_function_with(self, name: str) -> Scope | None:
        scope = self.parent
        while scope is not None and scope.kind != "module":
            if scope.kind != "class" and name in scope.bindings and name not in scope.globals:
                return scope
            scope = scope.parent
        return None

    def resolve(self, name: str) -> Scope | None:
        """The scope whose bindings of ``name`` a read here sees, or None
        (a builtin or an undefined name)."""
        try:
            return self._resolved[name]
        except KeyError:
            pass
        result: Scope | None
        if name in self.globals:
            result = self.module if name in self.module.bindings else None
        elif name in self.nonlocals:
            result = self._enclosing_function_with(name)
        elif name in self.bindings:
            result = self
        else:
            result = None
            scope = self.parent
            while scope is not None:
                if name in scope.globals and scope.kind != "module":
                    result = self.module if name in self.module.bindings else None
                    break
                # enclosed scopes never see a class body's names
                if scope.kind != "class" and name in scope.bindings:
                    result = scope
                    break
                scope = scope.parent
        self._resolved[name] = result
        return result

    def visible(self, name: str) -> list[Binding]:
        """The bindings a read of ``name`` here may see (all of them, in the
        scope it resolves to)."""
        owner = self.resolve(name)
        return owner.bindings[name] if owner is not None else []

    def bound_anywhere_visible(self, name: str) -> bool:
        """True if ``name`` is bound in this scope or any enclosing one."""
        scope: Scope | None = self
        while scope is not None:
            if name in scope.bindings or name in scope.globals or name in scope.nonlocals:
                return True
            scope = scope.parent
        return False


class ScopeIndex:
    """Every scope of a module, and where each access and node belongs."""

    def __init__(self, module: ast.Module) -> None:
        self.root = Scope("module", module, None)
        self.scope_of: dict[ast.AST, Scope] = {}
        self.access_of: dict[ast.Name, Access] = {}

    def new_scope(self, kind: str, node: ast.AST, parent: Scope) -> Scope:
        scope = Scope(kind, node, parent)
        parent.children.append(scope)
        return scope

    def bind(self, scope: Scope, name: str, node: ast.AST, kind: str, order: int) -> None:
        owner = scope.binding_scope(name)
        owner.bindings.setdefault(name, []).append(Binding(name, node, owner, kind, order))

    def access(self, scope: Scope, node: ast.Name) -> None:
        access = Access(node, scope)
        self.access_of[node] = access
        scope.accesses.setdefault(node.id, []).append(access)

    def release(self) -> None:
        """Break the links between scopes, bindings and accesses (each refers to the others),
        so that reference counting frees a file's tree and index as soon as the file is done:
        left to the cyclic collector, they cost a tenth of a cold run."""
        stack = [self.root]
        while stack:
            scope = stack.pop()
            stack.extend(scope.children)
            scope.children = []
            scope.parent = None
            scope.bindings = {}
            scope.accesses = {}
            scope._resolved = {}
        self.scope_of = {}
        self.access_of = {}

    def referents(self, name: ast.Name) -> tuple[Access, list[Binding]] | None:
        """The access ``name`` is, with the bindings it may see; None if
        ``name`` is not a read."""
        access = self.access_of.get(name)
        if access is None:
            return None
        return access, access.scope.visible(name.id)

    def accesses_of(self, owner: Scope, name: str) -> list[Access]:
        """Every read anywhere that resolves to ``owner``'s ``name``, in
        source order of scopes (the owner's own reads first)."""
        found = list(owner.accesses.get(name, ()))
        stack = list(owner.children)
        while stack:
            scope = stack.pop()
            for access in scope.accesses.get(name, ()):
                if scope.resolve(name) is owner:
                    found.append(access)
            stack.extend(scope.children)
        return found
