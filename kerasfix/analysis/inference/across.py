"""Across modules: a name imported from the project is what its module says.

The fourth layer of the inference. :class:`ProjectModels` is the Keras
evaluator of one module that also knows the project's other modules
(:mod:`~kerasfix.analysis.inference.modules` finds and parses them): ``from
models import build_model`` is that module's function, called with the
constants this module passes; ``from .nets import Net`` is that class, a
Keras model class or not by its bases there; a package ``__init__`` that
re-exports a name leads on to the module that defines it. Only what a value
*is* crosses (a model's head widths and activations, a function, a class):
never the calls that build it, which rules would read or edit in the wrong
file. Where a name cannot be followed the answer is what it was before: the
import itself.
"""

from __future__ import annotations

import ast

from kerasfix.analysis.inference.bindings import Bindings
from kerasfix.analysis.inference.evaluation import Env
from kerasfix.analysis.inference.imports import import_qualname
from kerasfix.analysis.inference.keras_models import KerasModels
from kerasfix.analysis.inference.modules import ProjectModules, mentions, parsed, project_files
from kerasfix.analysis.inference.values import (
    UNKNOWN,
    ClassRef,
    Const,
    Function,
    Model,
    Ref,
    Value,
    merge,
)
from kerasfix.analysis.syntax import has_star
from kerasfix.analysis.tree import TreeIndex

# a parameter bound to something another module cannot say
_UNKNOWABLE = ast.Name(id="<unknown>", ctx=ast.Load())


def _as_expr(value: Value) -> ast.expr:
    if isinstance(value, Const) and isinstance(value.value, (int, float, str, bool, type(None))):
        return ast.Constant(value.value)
    return _UNKNOWABLE


# How many project modules a chain of imports may pass through.
MAX_HOPS = 4
# How far the imports are searched for a class with a method of its own
# (the modules a file imports, and the modules they import).
SEARCH_HOPS = 2
# Models of other modules, kept for the run: path -> (the parsed module, its models).
_MODELS: dict[str, tuple[ast.Module, ProjectModels]] = {}
_MAX_MODELS = 256


class ProjectModels(KerasModels):
    """The evaluator of one module, seeing into the project's other modules."""

    def __init__(self, bindings: Bindings, project: ProjectModules | None, hops: int = 0) -> None:
        super().__init__(bindings)
        self.project = project
        self.hops = hops
        self._imports: dict[str, Value] = {}
        self._classes_define: dict[str, bool] = {}
        self.synthetic: list[ast.Call] = []

    def imported(self, qualname: str) -> Value:
        found = self._imports.get(qualname)
        if found is not None:
            return found
        ref = self._imports[qualname] = Ref(qualname)  # also an import chain leading back here
        if self.project is None or self.hops >= MAX_HOPS or ref.keras is not None:
            return ref
        found = self._imports[qualname] = self._follow(qualname) or ref
        return found

    def imported_relative(self, node: ast.AST, name: str) -> Value:
        if self.project is None or not isinstance(node, ast.ImportFrom):
            return UNKNOWN
        qualname = self.project.absolute(node, name)
        if qualname is None:
            return UNKNOWN
        value = self.imported(qualname)
        if isinstance(value, Ref) and value.keras is None and self.project.find(qualname) is None:
            return UNKNOWN  # not a module or name of the project: as before
        return value

    def _follow(self, qualname: str) -> Value | None:
        assert self.project is not None
        found = self.project.find(qualname)
        if found is None:
            return None
        path, rest = found
        if len(rest) != 1:
            return None  # the module itself (its attributes are followed as read), or deeper
        other = models_of(path, self.hops + 1)
        if other is None:
            return None
        value = other.top_level(rest[0])
        if isinstance(value, Model) and value.sequential:
            value = Model(value.node, None)  # layers may be added anywhere in that module
        value = other.exported(value)
        return None if value is UNKNOWN else value

    def call_foreign(
        self, func: Function | ClassRef, call: ast.Call, env: Env, depth: int
    ) -> Value:
        """A call of a function or class of another module of the project:
        the arguments are evaluated here, and only constants cross over."""
        owner = func.owner
        assert isinstance(owner, ProjectModels)
        if has_star(call):
            return (
                owner.exported(owner.instantiate(func.node))
                if isinstance(func, ClassRef)
                else UNKNOWN
            )
        args = [self._eval(a, env, depth) for a in call.args]
        keywords = {k.arg: self._eval(k.value, env, depth) for k in call.keywords}
        if isinstance(func, ClassRef):
            # `Classifier(num_classes=5)`: the constructor runs there on the constants given here
            made = ast.Call(
                ast.Name(func.node.name, ast.Load()),
                [_as_expr(v) for v in args],
                [ast.keyword(k, _as_expr(v)) for k, v in keywords.items()],
            )
            owner.synthetic.append(made)  # kept alive: the evaluator keys on ids
            return owner.exported(owner.instantiate_call(func.node, made, {}, depth))
        return owner.exported(owner.call_with_values(func, args, keywords, depth))  # type: ignore[arg-type]

    def call_with_values(
        self, func: Function, args: list[Value], keywords: dict[str, Value], depth: int
    ) -> Value:
        """Call one of this module's functions with argument values from
        another module: a constant is bound as itself, anything else is
        unknown (never the parameter's default)."""
        node = func.node
        new_env: Env = {(id(node), ""): (_UNKNOWABLE, {})}
        params = [*node.args.posonlyargs, *node.args.args]
        if func.bound_self is not None and params:
            params = params[1:]
        for param, value in zip(params, args):
            new_env[(id(node), param.arg)] = (_as_expr(value), {})
        for name, value in keywords.items():
            new_env[(id(node), name)] = (_as_expr(value), {})
        returns = self.bindings.returns(node)
        if not returns:
            return UNKNOWN
        return merge([self._eval(r, new_env, depth) for r in returns])

    def top_level(self, name: str) -> Value:
        """What the module-level name ``name`` holds once the module has run
        (one binding only: a name bound twice may hold either)."""
        bindings = self.bindings.scopes.root.bindings.get(name)
        if not bindings or len(bindings) != 1:
            return UNKNOWN
        binding = bindings[0]
        if binding.is_import:
            if isinstance(binding.node, ast.ImportFrom) and binding.node.level:
                return self.imported_relative(binding.node, name)
            qual = import_qualname(binding.node, name)
            return self.imported(qual) if qual is not None else UNKNOWN
        return self._eval_assignment(binding, self.bindings.module, {}, 0)

    def imported_classes_define(self, method: str) -> bool:
        """Whether a class (not a Keras model class) of a project module this
        module imports, directly or through the modules it imports, defines
        ``method``: a receiver of unknown kind here may be one of its.

        The modules are only parsed on the way; one is analysed only when one
        of its module-level classes defines the method."""
        if self.project is None:
            return False
        found = self._classes_define.get(method)
        if found is None:
            found = self._classes_define[method] = self._search_imported(method)
        return found

    def _search_imported(self, method: str) -> bool:
        assert self.project is not None
        seen = {self.project.path}
        pending = [(self.project, self.bindings.module, 0)]
        while pending:
            project, module, hops = pending.pop()
            for path in _imported_paths(project, module):
                if path in seen:
                    continue
                seen.add(path)
                other = parsed(path)
                if other is None:
                    continue
                if self._has_own_class_with(path, other, method):
                    return True
                if hops + 1 < SEARCH_HOPS:
                    pending.append((ProjectModules(path), other, hops + 1))
        return self._search_package(method, seen)

    def _search_package(self, method: str, seen: set[str]) -> bool:
        """A class of the project's importable modules (its own package's, the root's and
        ``src/``'s, imported here or not) that defines ``method``: a receiver the file gets
        from elsewhere may be one of its."""
        assert self.project is not None
        for path in project_files(self.project.path):
            if path in seen or not mentions(path, f"def {method}"):
                continue
            other = parsed(path)
            if other is not None and self._has_own_class_with(path, other, method):
                return True
        return False

    def _has_own_class_with(self, path: str, module: ast.Module, method: str) -> bool:
        """Whether a module-level class of ``module`` (not a Keras model class) defines
        ``method``; the module is analysed only when its tree shows such a class."""
        if not any(_defines(node, method) for node in module.body):
            return False
        models = models_of(path, self.hops + 1)
        return models is not None and any(
            method in models.class_info(node).methods and not models.class_is_keras_model(node)
            for node in models.bindings.tree.classes
        )


def _defines(node: ast.AST, method: str) -> bool:
    return isinstance(node, ast.ClassDef) and any(
        isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)) and stmt.name == method
        for stmt in node.body
    )


def _imported_paths(project: ProjectModules, module: ast.Module) -> list[str]:
    """The project files a module's top-level imports lead to (the module of
    ``from a.b import c``, or ``a.b.c`` itself when it is a module)."""
    found = []
    for stmt in module.body:
        if isinstance(stmt, ast.Import):
            names = [alias.name for alias in stmt.names]
        elif isinstance(stmt, ast.ImportFrom):
            if stmt.level:
                names = [project.absolute(stmt, alias.name) for alias in stmt.names]
            elif stmt.module is not None:
                names = [f"{stmt.module}.{alias.name}" for alias in stmt.names]
            else:
                continue
        else:
            continue
        for name in names:
            hit = project.find(name) if name is not None else None
            if hit is not None:
                found.append(hit[0])
    return found


def models_of(path: str, hops: int) -> ProjectModels | None:
    """The evaluator of the project module at ``path`` (None if it cannot be
    read or parsed), built once per content for the run."""
    module = parsed(path)
    if module is None:
        return None
    cached = _MODELS.get(path)
    if cached is not None and cached[0] is module:
        return cached[1]
    if len(_MODELS) >= _MAX_MODELS:
        _MODELS.clear()
    models = ProjectModels(Bindings(TreeIndex(module)), ProjectModules(path), hops)
    _MODELS[path] = (module, models)
    return models
