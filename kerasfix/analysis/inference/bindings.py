"""Bindings: what a name is bound to where it is read.

The first layer of the inference, on :mod:`kerasfix.analysis.scopes` and the tree
index: the qualified name an import binds (one function, used everywhere),
the one assignment that reaches a use (or none, when a branch or a loop makes
it uncertain), the reads that may see a binding, and the statements, classes
and functions around a node. It knows nothing of Keras.

A name bound by an import resolves to a qualified name (``keras.layers.Dense``);
resolving that name further, into another module of the project, is the job of
whoever asks (the evaluation layer), so that this layer stays per-module.
"""

from __future__ import annotations

import ast
from bisect import bisect_right
from collections.abc import Iterator

from kerasfix.analysis.inference.imports import import_qualname, imported
from kerasfix.analysis.scopes import Access, Binding, Scope
from kerasfix.analysis.syntax import BRANCHES, COMPOUND, FUNCTIONS, LOOPS, SCOPE_NODES, WITHS
from kerasfix.analysis.tree import TreeIndex

# builtins that only read a collection they are given
_READ_ONLY_BUILTINS = frozenset(
    {"len", "print", "enumerate", "range", "sorted", "list", "tuple", "set", "zip", "dict"}
)

# How deep a chain of names, calls and assignments is followed (every layer).
MAX_DEPTH = 40


class Bindings:
    """The bindings of one module. Build once per file; cheap queries."""

    def __init__(self, tree: TreeIndex) -> None:
        self.tree = tree
        self.module = tree.module
        self.scopes = tree.scopes
        self.parents = tree.parents
        self.ancestors = tree.ancestors
        self._orders: dict[int, list[int]] = {}
        self._nested: dict[tuple[int, str], list[Access]] = {}
        self._quals: dict[tuple[int, str], frozenset[str | None] | None] = {}
        self._imports_among: dict[int, bool] = {}
        self._return_orders: list[int] | None = None
        self._imports: list[tuple[str, str]] | None = None
        self._only_calls: dict[int, ast.Call | None] = {}
        self._attribute_stores: dict[tuple[str, str], list[ast.Attribute]] | None = None

    def referents(self, name: ast.Name) -> tuple[Access, list[Binding]] | None:
        """The read of ``name`` and the bindings it may see."""
        return self.scopes.referents(name)

    def binds_none(self, binding: Binding) -> bool:
        """``x = None``, or ``best, score = None, 0``: the binding gives ``None``."""
        node = binding.node
        parent = self.parents.get(node)
        if isinstance(parent, (ast.Tuple, ast.List)) and node in parent.elts:
            assign = self.parents.get(parent)
            if not (isinstance(assign, ast.Assign) and isinstance(assign.value, type(parent))):
                return False
            if len(assign.value.elts) != len(parent.elts):
                return False
            value: ast.expr = assign.value.elts[parent.elts.index(node)]
        elif isinstance(parent, ast.Assign):
            value = parent.value
        else:
            return False
        return isinstance(value, ast.Constant) and value.value is None

    def attribute_assignments(self, read: ast.Attribute) -> list[ast.expr] | None:
        """The values the module assigns to ``name.attr`` (``state.model = …``, in any function)
        where ``read`` reads ``name.attr`` of the same variable; None where there is no such
        assignment or one is not plain (augmented, unpacked, of another variable)."""
        if not isinstance(read.value, ast.Name):
            return None
        if self._attribute_stores is None:
            self._attribute_stores = {}
            for node in self.parents:
                if type(node) is ast.Attribute and type(node.ctx) is ast.Store:
                    if isinstance(node.value, ast.Name):
                        key = (node.value.id, node.attr)
                        self._attribute_stores.setdefault(key, []).append(node)
        targets = self._attribute_stores.get((read.value.id, read.attr))
        mine = self.referents(read.value)
        if not targets or mine is None or not mine[1]:
            return None
        variable = {id(binding.node) for binding in mine[1]}
        values = []
        for target in targets:
            found = self.referents(target.value)  # type: ignore[arg-type]
            assign = self.parents.get(target)
            if found is None or {id(binding.node) for binding in found[1]} != variable:
                return None
            if not (isinstance(assign, ast.Assign) and target in assign.targets):
                return None
            values.append(assign.value)
        return values

    def enclosing_class(self, node: ast.AST) -> ast.ClassDef | None:
        for ancestor in self.ancestors(node):
            if isinstance(ancestor, ast.ClassDef):
                return ancestor
        return None

    def enclosing_function(self, node: ast.AST) -> ast.FunctionDef | None:
        for ancestor in self.ancestors(node):
            if isinstance(ancestor, ast.FunctionDef):
                return ancestor
        return None

    def start(self, node: ast.AST) -> int:
        """Where ``node`` starts, as its rank in source order."""
        return self.tree.order[node]

    def end(self, node: ast.AST) -> int:
        """The rank of the last node inside ``node``."""
        return self.tree.last[node]

    def scope_of(self, node: ast.AST) -> Scope | None:
        return self.tree.scope_of(node)

    def name_is_free(self, node: ast.AST, name: str) -> bool:
        """True if ``name`` is bound nowhere that ``node`` can see."""
        scope = self.tree.scope_of(node)
        return scope is not None and not scope.bound_anywhere_visible(name)

    def resolves_to_import(self, node: ast.AST, name: str, qualname: str) -> bool:
        """True if ``name`` at ``node`` is only ever the import of ``qualname``."""
        scope = self.tree.scope_of(node)
        if scope is None:
            return False
        return self.import_quals(scope.visible(name), name) == {qualname}

    def top_level_imports(self) -> list[tuple[str, str]]:
        """(bound name, qualified name) of each distinct module-level import."""
        if self._imports is not None:
            return self._imports
        found: dict[tuple[str, str], None] = {}
        for stmt in self.module.body:
            if isinstance(stmt, (ast.Import, ast.ImportFrom)):
                for bound, qual in imported(stmt):
                    if qual is not None:
                        found[(bound, qual)] = None
        self._imports = list(found)
        return self._imports

    def import_quals(self, bindings: list[Binding], name: str) -> frozenset[str | None] | None:
        """The qualified names these bindings import as ``name``; None unless
        every one of them is an import."""
        key = (id(bindings), name)
        if key not in self._quals:
            quals = None
            if bindings and all(b.is_import for b in bindings):
                quals = frozenset(import_qualname(b.node, name) for b in bindings)
            self._quals[key] = quals
        return self._quals[key]

    def any_import(self, bindings: list[Binding]) -> bool:
        """Whether any of these bindings is an import (asked per use of a
        name, so answered once per binding list)."""
        key = id(bindings)
        found = self._imports_among.get(key)
        if found is None:
            found = self._imports_among[key] = any(b.is_import for b in bindings)
        return found

    def origin(self, expr: ast.expr, depth: int = 0) -> ast.expr | None:
        """The expression a name stands for, following the assignment that
        reaches it (``loss = "mse"; compile(loss=loss)`` → ``"mse"``). None
        when that cannot be known."""
        if depth > MAX_DEPTH:
            return None
        if not isinstance(expr, ast.Name):
            return expr
        found = self.scopes.referents(expr)
        if found is None:
            return None
        access, referents = found
        if referents and all(r.is_import for r in referents):
            return expr
        if not referents or self.any_import(referents):
            return None
        if referents[0].scope is not access.scope:
            if len(referents) != 1:
                return None
            assignment: Binding | None = referents[0]
        else:
            assignment = self.reaching(expr, referents)
        if assignment is None or assignment.kind != "name":
            return None
        assign = self.parents.get(assignment.node)
        if isinstance(assign, ast.Assign):
            return self.origin(assign.value, depth + 1)
        return None

    def reaching(self, use: ast.AST, bindings: list[Binding]) -> Binding | None:
        """The one binding (of ``bindings``, all in the use's scope, in source
        order) that reaches ``use``, or None if not certain."""
        if len(bindings) == 1 and not self.after(bindings[0].node, use):
            return bindings[0]
        orders = self.binding_orders(bindings)
        use_start = self.start(use)
        loops = [a for a in self.ancestors(use) if isinstance(a, LOOPS)]
        if loops:
            # a binding later in an enclosing loop may come from an earlier
            # iteration
            outermost = max(self.end(loop) for loop in loops)
            if bisect_right(orders, outermost) > bisect_right(orders, use_start):
                return None
        found: Binding | None = None
        for index in range(bisect_right(orders, use_start) - 1, -1, -1):
            binding = bindings[index]
            stmt = self.statement(binding.node)
            if stmt is None:
                return None
            if self.end(stmt) < use_start:
                found = binding
                break
            # the statement holds the use: ``x = f(x)`` reads an older
            # binding, but the body of ``for x in …``/``with … as x`` and a
            # parameter's function see this one
            if self.end(binding.node) < use_start and isinstance(stmt, COMPOUND):
                return None
            if loops and any(self.inside(stmt, loop) for loop in loops):
                return None
        if found is None:
            return None
        stmt = self.statement(found.node)
        blocks = self.tree.block
        block = blocks.get(stmt) if stmt is not None else None
        # the blocks (statement lists) the use sits in, at every depth
        use_blocks = {blocks[a] for a in self.ancestors(use) if a in blocks}
        # a `with` body always runs: look through it to the enclosing block
        while block is not None and block not in use_blocks:
            owner = block[0]
            if not isinstance(owner, WITHS):
                break
            block = blocks.get(owner)
        if block is None or block not in use_blocks:
            return None  # assigned in a branch that may not have run
        return found

    def may_reach(self, use: ast.AST, bindings: list[Binding]) -> list[Binding]:
        """Every binding (of ``bindings``, in the use's scope) that may reach ``use``: those
        before it, and those later in a loop around it (an earlier iteration's)."""
        use_start = self.start(use)
        loops = [a for a in self.ancestors(use) if isinstance(a, LOOPS)]
        found = []
        for binding in bindings:
            stmt = self.statement(binding.node)
            if any(self.inside(binding.node, loop) for loop in loops):
                found.append(binding)
            elif stmt is None:
                return []
            elif self.end(binding.node) >= use_start:
                continue
            elif self.end(stmt) < use_start or isinstance(stmt, (*COMPOUND, *FUNCTIONS)):
                found.append(binding)  # (not `x = f(x)`, whose read sees an older binding)
        return found

    def after(self, node: ast.AST, use: ast.AST) -> bool:
        if isinstance(node, ast.arg):
            return False  # bound before the body runs
        stmt = self.statement(node)
        if stmt is None:
            return True
        if any(a is stmt for a in self.ancestors(use)):
            return True  # x = f(x): the use reads an older binding
        return self.start(stmt) > self.start(use)

    def statement(self, node: ast.AST) -> ast.stmt | None:
        """The innermost statement that contains ``node`` (or is it)."""
        current: ast.AST | None = node
        while current is not None:
            if isinstance(current, ast.stmt):
                return current
            current = self.parents.get(current)
        return None

    def inside(self, node: ast.AST, container: ast.AST) -> bool:
        """True if ``node`` lies within ``container``'s subtree (by source order)."""
        return node is not container and self.tree.contains(container, node)

    def is_self(self, name: ast.Name) -> bool:
        """True if ``name`` is the first parameter of an enclosing method."""
        found = self.scopes.referents(name)
        if found is None:
            return False
        referents = found[1]
        if len(referents) != 1 or referents[0].kind != "param":
            return False
        param = referents[0].node
        if not isinstance(param, ast.arg):
            return False
        function = self.parents.get(param)
        if not isinstance(function, FUNCTIONS):
            return False
        params = function.args.posonlyargs or function.args.args
        if not params or params[0] is not param:
            return False
        if any(isinstance(d, ast.Name) and d.id == "staticmethod" for d in function.decorator_list):
            return False
        return isinstance(self.parents.get(function), ast.ClassDef)

    def returns(self, function: ast.FunctionDef | ast.AsyncFunctionDef) -> list[ast.expr]:
        """The values of the function's own return statements (not those of
        functions or classes nested in it)."""
        if self._return_orders is None:
            self._return_orders = [self.start(r) for r in self.tree.returns]
        orders = self._return_orders
        # the module's returns are in source order: the function's own lie in
        # one slice of them
        first = bisect_right(orders, self.start(function))
        last = bisect_right(orders, self.end(function))
        found = []
        for statement in self.tree.returns[first:last]:
            if statement.value is None:
                continue
            owner = next((a for a in self.ancestors(statement) if isinstance(a, SCOPE_NODES)), None)
            if owner is function:
                found.append(statement.value)
        return found

    def references(self, binding: Binding) -> Iterator[Access]:
        """The reads that may see ``binding``: those of its scope from the
        binding up to the next unconditional rebinding (all of them when it
        sits in a loop), and every read from a nested scope."""
        owner = binding.scope
        own = owner.accesses.get(binding.name, [])
        first, stop = 0, len(own)
        stmt = self.statement(binding.node)
        in_loop = stmt is None or any(
            isinstance(a, LOOPS) for a in self.ancestors_within(stmt, owner.node)
        )
        if not in_loop and stmt is not None:
            orders = self.access_orders(own)
            first = bisect_right(orders, binding.order)
            # the statement lists the binding's statement sits in, up to its scope
            blocks = {
                self.tree.block.get(a)
                for a in (stmt, *self.ancestors_within(stmt, owner.node))
                if isinstance(a, ast.stmt)
            }
            blocks.discard(None)
            bindings = owner.bindings[binding.name]
            later = bisect_right(self.binding_orders(bindings), binding.order)
            for rebinding in bindings[later:]:
                if rebinding.kind == "param":
                    continue
                other = self.statement(rebinding.node)
                if other is not None and self.tree.block.get(other) in blocks:
                    # ``model = wrap(model)`` still reads this binding
                    if not isinstance(other, COMPOUND):
                        end = self.end(other)
                    else:
                        end = self.end(rebinding.node)
                    stop = bisect_right(orders, end)
                    break
        yield from own[first:stop]
        yield from self.nested_accesses(owner, binding.name)

    def binding_orders(self, bindings: list[Binding]) -> list[int]:
        orders = self._orders.get(id(bindings))
        if orders is None:
            orders = self._orders[id(bindings)] = [b.order for b in bindings]
        return orders

    def access_orders(self, accesses: list[Access]) -> list[int]:
        orders = self._orders.get(id(accesses))
        if orders is None:
            orders = self._orders[id(accesses)] = [self.start(a.node) for a in accesses]
        return orders

    def nested_accesses(self, owner: Scope, name: str) -> list[Access]:
        key = (id(owner), name)
        found = self._nested.get(key)
        if found is None:
            found = [a for a in self.scopes.accesses_of(owner, name) if a.scope is not owner]
            self._nested[key] = found
        return found

    def ancestors_within(self, node: ast.AST, owner: ast.AST) -> Iterator[ast.AST]:
        for ancestor in self.ancestors(node):
            if ancestor is owner:
                return
            yield ancestor

    def conditional(self, node: ast.AST, scope_owner: object) -> bool:
        """True if ``node`` sits in a branch, loop or try inside its scope."""
        for ancestor in self.ancestors(node):
            if isinstance(ancestor, BRANCHES):
                return True
            if isinstance(ancestor, (*SCOPE_NODES, ast.Module)):
                return False
        return False

    def call_receiving(self, node: ast.AST) -> ast.Call | None:
        """The call ``node`` is an argument of (``f(node)``, ``f(x=node)``,
        ``f(*node)``), or None."""
        parent = self.parents.get(node)
        if isinstance(parent, (ast.keyword, ast.Starred)):
            node, parent = parent, self.parents.get(parent)
        if isinstance(parent, ast.Call) and parent.func is not node:
            return parent
        return None

    def _import_reads(self, node: ast.AST, bound: str) -> list[ast.AST] | None:
        """The reads of the name ``bound`` that ``node`` (an import) binds; None if rebound."""
        scope = self.tree.scope_of(node)
        if scope is None:
            return None
        owner = scope.binding_scope(bound)
        if any(not binding.is_import for binding in owner.bindings.get(bound, ())):
            return None  # rebound by something other than an import
        return [access.node for access in self.scopes.accesses_of(owner, bound)]

    def attributes_used(self, node: ast.AST, bound: str) -> set[str] | None:
        """The attributes read from the name ``bound`` by ``node`` (an import), or None if
        the name is used any other way (passed around, or assigned elsewhere)."""
        reads = self._import_reads(node, bound)
        parents = [self.parents.get(read) for read in reads or ()]
        if reads is None or not all(isinstance(p, ast.Attribute) for p in parents):
            return None
        return {p.attr for p in parents}  # type: ignore[union-attr]

    def chains_used(self, node: ast.AST, bound: str) -> list[ast.Attribute] | None:
        """Every attribute chain read, whole, from the name ``bound`` by ``node`` (an import):
        ``keras.layers.Dense``; None if the name is used any other way (bare, or rebound)."""
        reads = self._import_reads(node, bound)
        if reads is None:
            return None
        chains = []
        for read in reads:
            chain: ast.AST = read
            while isinstance(parent := self.parents.get(chain), ast.Attribute):
                chain = parent
            if chain is read:
                return None
            chains.append(chain)
        return chains  # type: ignore[return-value]

    def calls_of(self, node: ast.AST, bound: str) -> list[ast.Call] | None:
        """The calls of the name ``bound`` that ``node`` (an import) binds, or None if the
        name is used any other way (read, passed around, or assigned elsewhere)."""
        scope = self.tree.scope_of(node)
        if scope is None:
            return None
        owner = scope.binding_scope(bound)
        if any(not binding.is_import for binding in owner.bindings.get(bound, ())):
            return None
        calls: list[ast.Call] = []
        for access in self.scopes.accesses_of(owner, bound):
            parent = self.parents.get(access.node)
            if not (isinstance(parent, ast.Call) and parent.func is access.node):
                return None
            calls.append(parent)
        return calls

    def only_call(self, function: ast.AST) -> ast.Call | None:
        """The one call of a plain function (not a method, not decorated)
        that nothing else in the module reads, or None."""
        key = id(function)
        if key in self._only_calls:
            return self._only_calls[key]
        found: ast.Call | None = None
        scope = self.scope_of(function)
        if (
            isinstance(function, FUNCTIONS)
            and not function.decorator_list
            and scope is not None
            and scope.kind != "class"
        ):
            bindings = scope.bindings.get(function.name, [])
            if len(bindings) == 1 and bindings[0].node is function:
                reads = list(self.references(bindings[0]))
                if len(reads) == 1:
                    call = self.parents.get(reads[0].node)
                    if isinstance(call, ast.Call) and call.func is reads[0].node:
                        if not self.inside(call, function):
                            found = call
        self._only_calls[key] = found
        return found

    def mutated(self, binding: Binding) -> bool:
        """Whether a read of ``binding`` may change its value in place (a
        method called on it, an item assigned, handed to a function)."""
        for access in self.references(binding):
            parent = self.parents.get(access.node)
            if isinstance(parent, ast.Attribute) or isinstance(parent, ast.AugAssign):
                return True
            if isinstance(parent, ast.Subscript) and not isinstance(parent.ctx, ast.Load):
                return True
            if isinstance(parent, ast.Call) and parent.func is not access.node:
                reader = parent.func
                if not (isinstance(reader, ast.Name) and reader.id in _READ_ONLY_BUILTINS):
                    return True  # handed to code that may change it
        return False
