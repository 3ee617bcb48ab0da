"""Evaluation: what an expression evaluates to at its place in the module.

The second layer of the inference, on the bindings: a small abstract
interpreter over literals, names (through the assignment that reaches each
use), attributes of imports and of ``self``, tuples, and calls of the
module's own functions and classes (parameters bound to the call's
arguments). Whenever a step is not certain the answer is ``UNKNOWN``.

It knows no Keras API: what a call of an imported API returns, what an
attribute of such a value is, and what happens to a value between its
assignment and a use are hooks (``call``, ``attribute``, ``refine_binding``…)
that the Keras layer (:mod:`kerasfix.analysis.inference.keras_models`) fills in. Of
Keras it only records, for each class, the ``self.x.add(…)`` and
``self.x.pop()`` calls that layer asks about (their names come from
:mod:`kerasfix.knowledge`).
"""

from __future__ import annotations

import ast

from kerasfix.analysis.inference.bindings import MAX_DEPTH, Bindings
from kerasfix.analysis.inference.classes import ClassInfo, collect_self_attributes
from kerasfix.analysis.inference.values import (
    UNKNOWN,
    ClassRef,
    Const,
    Function,
    NonKeras,
    Ref,
    Seq,
    Value,
    const,
    merge,
)
from kerasfix.analysis.scopes import BUILTIN_NAMES, Binding
from kerasfix.analysis.syntax import FUNCTIONS, has_star, literal_argument, parameter_default

Env = dict[tuple[int, str], tuple[ast.expr, "Env"]]
# A global read in a function must agree with every binding of the name;
# past this many, the answer is unknown (and the cost stays linear).
_MAX_FREE_BINDINGS = 16
_LEN = "builtins.len"


def owner_of(value: Function | ClassRef, here: Evaluator) -> Evaluator:
    """The evaluator of the module that defines ``value``."""
    return value.owner if isinstance(value.owner, Evaluator) else here


class Evaluator:
    """Evaluates the expressions of one module. Build once per file."""

    def __init__(self, bindings: Bindings) -> None:
        self.bindings = bindings
        self._classes: dict[int, ClassInfo] = {}
        self._memo: dict[tuple[int, int], Value] = {}
        self._active: set[tuple[int, int]] = set()

    def value_of(self, expr: ast.expr) -> Value:
        """What ``expr`` evaluates to at its place in the module."""
        return self._eval(expr, {}, 0)

    def _eval(self, expr: ast.expr, env: Env, depth: int) -> Value:
        if depth > MAX_DEPTH:
            return UNKNOWN
        key = (id(expr), id(env) if env else 0)
        if key in self._memo:
            return self._memo[key]
        if key in self._active:
            return UNKNOWN
        self._active.add(key)
        try:
            value = self._eval_uncached(expr, env, depth + 1)
        finally:
            self._active.discard(key)
        if not env:
            self._memo[key] = value
        return value

    def _eval_uncached(self, expr: ast.expr, env: Env, depth: int) -> Value:
        cls = type(expr)
        if cls is ast.Constant:
            return const(expr)
        if cls is ast.Name:
            return self._eval_name(expr, env, depth)
        if isinstance(expr, ast.Attribute):
            return self._eval_attribute(expr, env, depth)
        if cls is ast.List or cls is ast.Tuple:
            items: list[Value] = []
            for element in expr.elts:
                if type(element) is ast.Starred:
                    return UNKNOWN
                items.append(self._eval(element, env, depth))
            return Seq(tuple(items))
        if cls is ast.Call:
            return self._eval_call(expr, env, depth)
        if cls is ast.UnaryOp and type(expr.op) is ast.USub:
            inner = self._eval(expr.operand, env, depth)
            if isinstance(inner, Const) and type(inner.value) is int:
                return Const(-inner.value)
        return UNKNOWN

    # names ------------------------------------------------------------------

    def _eval_name(self, name: ast.Name, env: Env, depth: int) -> Value:
        found = self.bindings.scopes.referents(name)
        if found is None:
            return UNKNOWN
        access, referents = found
        if not referents:
            return Ref(f"builtins.{name.id}") if name.id in BUILTIN_NAMES else UNKNOWN
        quals = self.bindings.import_quals(referents, name.id)
        if quals is not None:
            if len(quals) == 1 and None not in quals:
                return self.imported(next(iter(quals)))  # type: ignore[arg-type]
            if len(referents) == 1 and quals == {None}:
                return self.imported_relative(referents[0].node, name.id)
            return UNKNOWN
        if self.bindings.any_import(referents):
            return UNKNOWN
        if self.bindings.is_self(name):
            cls = self.bindings.enclosing_class(name)
            return self.instantiate(cls) if cls is not None else UNKNOWN
        if referents[0].scope is not access.scope:
            # a free variable (a global read in a function): it may be read at
            # any time, so every assignment must give the same answer
            if len(referents) > _MAX_FREE_BINDINGS:
                return UNKNOWN
            values = [self._eval_assignment(r, name, env, depth) for r in referents]
            return merge(values)
        assignment = self.bindings.reaching(name, referents)
        if assignment is None and isinstance(self.bindings.parents.get(name), ast.Attribute):
            # `best = None` before a loop that may bind `best = model`: an attribute of
            # None raises anyway, so only the other bindings can be what is read here
            others = [r for r in referents if not self.bindings.binds_none(r)]
            if others and len(others) < len(referents):
                assignment = self.bindings.reaching(name, others)
        if assignment is None:
            return self._eval_branches(name, referents, env, depth)
        return self._eval_assignment(assignment, name, env, depth)

    def _eval_branches(
        self, name: ast.Name, referents: list[Binding], env: Env, depth: int
    ) -> Value:
        """A name bound in several branches (or loop iterations) before ``name``: what every
        binding that may reach it gives, where that is surely what it holds (a hook: a Keras
        model, whose heads must then agree); None bindings left out where it is read as
        ``name.attr``."""
        possible = self.bindings.may_reach(name, referents)
        if isinstance(self.bindings.parents.get(name), ast.Attribute):
            possible = [b for b in possible if not self.bindings.binds_none(b)] or possible
        if not 1 < len(possible) <= _MAX_BRANCHES:
            return UNKNOWN
        value = merge([self._eval_assignment(b, name, env, depth) for b in possible])
        return value if self.surely_held(value) else UNKNOWN

    def _eval_assignment(self, assignment: Binding, use: ast.AST, env: Env, depth: int) -> Value:
        node = assignment.node
        if isinstance(node, FUNCTIONS):
            return Function(node)
        if isinstance(node, ast.ClassDef):
            return ClassRef(node)
        if isinstance(node, ast.arg):
            return self._eval_param(node, env, depth)
        if not isinstance(node, ast.Name):
            return UNKNOWN
        parent = self.bindings.parents.get(node)
        if isinstance(parent, (ast.Tuple, ast.List)):
            return self._eval_unpacked(node, parent, env, depth)
        if isinstance(parent, ast.Assign):
            value = self._eval(parent.value, env, depth)
        elif isinstance(parent, ast.AnnAssign) and parent.value is not None:
            value = self._eval(parent.value, env, depth)
        else:
            return UNKNOWN  # for-loop targets, unpacking, augmented ...
        return self.refine_binding(value, assignment, use, env, depth)

    def _eval_unpacked(
        self, node: ast.Name, target: ast.Tuple | ast.List, env: Env, depth: int
    ) -> Value:
        """``a, b = 1, 2``: the value at the same index of a literal tuple."""
        assign = self.bindings.parents.get(target)
        if not (isinstance(assign, ast.Assign) and isinstance(assign.value, (ast.Tuple, ast.List))):
            return UNKNOWN
        targets = target.elts
        values = assign.value.elts
        if len(targets) != len(values) or any(type(e) is ast.Starred for e in (*targets, *values)):
            return UNKNOWN
        index = next(i for i, e in enumerate(targets) if e is node)
        return self._eval(values[index], env, depth)

    def _eval_param(self, param: ast.arg, env: Env, depth: int) -> Value:
        function = self.bindings.parents.get(param)
        if not isinstance(function, (*FUNCTIONS, ast.Lambda)):
            return UNKNOWN
        bound = env.get((id(function), param.arg))
        if bound is not None:
            expr, outer = bound
            return self._eval(expr, outer, depth)
        default = parameter_default(function.args, param)
        if env and default is not None and (id(function), "") in env:
            return self._eval(default, env, depth)
        if not env:
            only = self.bindings.only_call(function)
            if only is not None:
                given = literal_argument(function, param, only)
                if given is not None:
                    return const(given)
        if param.annotation is not None and not env:
            return self.annotated(param, self._eval(param.annotation, {}, depth))
        return UNKNOWN

    # attributes -------------------------------------------------------------

    def _eval_attribute(self, expr: ast.Attribute, env: Env, depth: int) -> Value:
        attr = expr.attr
        if isinstance(expr.value, ast.Name) and self.bindings.is_self(expr.value):
            return self._eval_self_attribute(expr, env, depth)
        assigned = self.bindings.attribute_assignments(expr)
        if assigned:  # `state.model = load_model(…)`: a model kept as an attribute
            value = self._merge_read(expr, [self._eval(v, env, depth) for v in assigned])
            if self.surely_held(value):
                return value
        base = self._eval(expr.value, env, depth)
        if isinstance(base, Ref):
            return self.imported(f"{base.qualname}.{attr}")
        return self.attribute(base, attr)

    def class_info(self, cls: ast.ClassDef) -> ClassInfo:
        info = self._classes.get(id(cls))
        if info is not None:
            return info
        info = ClassInfo(cls)
        self._classes[id(cls)] = info
        for stmt in cls.body:
            if isinstance(stmt, FUNCTIONS):
                info.methods[stmt.name] = stmt
        for method in info.methods.values():
            collect_self_attributes(self.bindings, info, method)
        return info

    def class_defines(self, cls: ast.ClassDef, method: str, deep: bool) -> bool:
        if method in self.class_info(cls).methods:
            return True
        if not deep:
            return False
        for base in cls.bases:
            value = self._eval(base, {}, 0)
            if isinstance(value, ClassRef) and value.node is not cls:
                if owner_of(value, self).class_defines(value.node, method, deep=True):
                    return True
        return False

    def _eval_self_attribute(self, expr: ast.Attribute, env: Env, depth: int) -> Value:
        cls = self.bindings.enclosing_class(expr)
        if cls is None:
            return UNKNOWN
        info = self.class_info(cls)
        attr = expr.attr
        if attr in info.methods and attr not in info.attr_assigns:
            return Function(info.methods[attr], bound_self=Const(None))
        assigns = info.attr_assigns.get(attr, [])
        if not assigns:
            return self.unassigned_self_attribute(cls, attr)
        values = []
        use_method = self.bindings.enclosing_function(expr)
        for value_expr, method, stmt in assigns:
            if method is use_method and self.bindings.start(stmt) > self.bindings.start(expr):
                continue  # assigned after this use in the same method
            value = self._eval(value_expr, env, depth)
            values.append(
                self.refine_self_attribute(value, info, attr, method, stmt, expr, env, depth)
            )
        return self._merge_read(expr, values)

    def _merge_read(self, expr: ast.expr, values: list[Value]) -> Value:
        """The values an attribute may hold, read at ``expr``: ``self.model = None`` in
        ``__init__`` and a model in ``load()`` is the model where an attribute of it is read
        (one of None raises)."""
        if isinstance(self.bindings.parents.get(expr), ast.Attribute):
            values = [v for v in values if v != _NONE] or values
        return merge(values)

    # calls -----------------------------------------------------------------

    def _eval_call(self, call: ast.Call, env: Env, depth: int) -> Value:
        func = self._eval(call.func, env, depth)
        if isinstance(func, Ref) and func.qualname == _LEN and len(call.args) == 1:
            return self._len(call.args[0], env, depth)
        if isinstance(func, (Function, ClassRef)) and func.owner not in (None, self):
            return self.call_foreign(func, call, env, depth)
        if isinstance(func, Function):
            return self._call_function(func, call, env, depth)
        if isinstance(func, ClassRef):
            return self.instantiate_call(func.node, call, env, depth)
        return self.call(func, call, env, depth)

    def _len(self, expr: ast.expr, env: Env, depth: int) -> Value:
        """``len([...])`` of a literal collection, or of a name bound to one
        that nothing changes in place (no ``append``, item assignment …)."""
        if isinstance(expr, ast.Name):
            found = self.bindings.referents(expr)
            if found is None or any(self.bindings.mutated(b) for b in found[1]):
                return UNKNOWN
        value = self._eval(expr, env, depth)
        if isinstance(value, Seq):
            return Const(len(value.items))
        if isinstance(value, Const) and isinstance(value.value, str):
            return Const(len(value.value))
        return UNKNOWN

    def exported(self, value: Value) -> Value:
        """``value`` as another module may hold it: nothing that points into
        this module's text crosses (a rule would read or edit the wrong
        file), only what it is."""
        if isinstance(value, (Const, Ref, NonKeras)) or value is UNKNOWN:
            return value
        if isinstance(value, Function) and value.owner is None:
            return Function(value.node, value.bound_self, owner=self)
        if isinstance(value, ClassRef) and value.owner is None:
            return ClassRef(value.node, owner=self)
        if isinstance(value, (Function, ClassRef)):
            return value
        return UNKNOWN

    def _call_function(self, func: Function, call: ast.Call, env: Env, depth: int) -> Value:
        node = func.node
        if has_star(call):
            return UNKNOWN
        new_env = _bound(node, call, env, skip_self=func.bound_self is not None)
        returns = self.bindings.returns(node)
        if not returns:
            return UNKNOWN
        values = [self._eval(r, new_env, depth) for r in returns]
        return merge(values)

    # -- what the layer above decides (here: nothing is known) ----------------

    def imported(self, qualname: str) -> Value:
        """What an imported name holds: the import itself here; a name of
        another module of the project above."""
        return Ref(qualname)

    def call_foreign(
        self, func: Function | ClassRef, call: ast.Call, env: Env, depth: int
    ) -> Value:
        """A call of a function or class of another module of the project."""
        return UNKNOWN

    def imported_relative(self, node: ast.AST, name: str) -> Value:
        """What a relative import (``from .nets import name``) binds."""
        return UNKNOWN

    def annotated(self, param: ast.arg, annotation: Value) -> Value:
        """A parameter nothing binds here, by its annotation."""
        return UNKNOWN

    def instantiate(self, cls: ast.ClassDef) -> Value:
        """The instance a call of a class of this module makes."""
        return UNKNOWN

    def instantiate_call(self, cls: ast.ClassDef, call: ast.Call, env: Env, depth: int) -> Value:
        """The instance ``call`` makes of a class of this module."""
        return self.instantiate(cls)

    def constructor_env(self, cls: ast.ClassDef, call: ast.Call, env: Env) -> Env | None:
        """The environment ``__init__`` runs in for ``call`` (its parameters
        bound to the call's arguments), or None if that cannot be said."""
        init = self.class_info(cls).methods.get("__init__")
        if init is None or has_star(call):
            return None
        return _bound(init, call, env, skip_self=True)

    def call(self, func: Value, call: ast.Call, env: Env, depth: int) -> Value:
        """The result of calling ``func`` (not a function or class of this module)."""
        return UNKNOWN

    def attribute(self, base: Value, attr: str) -> Value:
        """``base.attr`` for a value that is not an import."""
        return UNKNOWN

    def unassigned_self_attribute(self, cls: ast.ClassDef, attr: str) -> Value:
        """``self.attr`` that no method of ``cls`` assigns."""
        return UNKNOWN

    def refine_binding(
        self, value: Value, assignment: Binding, use: ast.AST, env: Env, depth: int
    ) -> Value:
        """The value of ``assignment`` as seen at ``use`` (what ran between)."""
        return value

    def surely_held(self, value: Value) -> bool:
        """Whether ``value``, merged from several assignments (``state.model = …``, bindings
        in several branches), is surely what a read sees (a hook: a Keras model is)."""
        return False

    def refine_self_attribute(
        self,
        value: Value,
        info: ClassInfo,
        attr: str,
        method: ast.FunctionDef | ast.AsyncFunctionDef,
        assign_stmt: ast.AST,
        use: ast.AST,
        env: Env,
        depth: int,
    ) -> Value:
        """The value of ``self.attr = value`` as seen at ``use``."""
        return value


_NONE = Const(None)


def _bound(
    node: ast.FunctionDef | ast.AsyncFunctionDef, call: ast.Call, env: Env, skip_self: bool
) -> Env:
    """The environment ``node`` runs in when ``call`` calls it: its parameters bound to the
    call's arguments (``self`` skipped for a method)."""
    new_env: Env = {(id(node), ""): (call, env)}
    params = [*node.args.posonlyargs, *node.args.args][1 if skip_self else 0 :]
    for param, value in zip(params, call.args):
        new_env[(id(node), param.arg)] = (value, env)
    for keyword in call.keywords:
        new_env[(id(node), keyword.arg)] = (keyword.value, env)  # type: ignore[index]
    return new_env


_MAX_BRANCHES = 6  # bindings a name may see, each evaluated
