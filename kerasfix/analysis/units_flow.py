"""Can a layer's width be 1? Read from CPython's tree, before the analysis.

KF005 needs a one-unit layer: the analysis must evaluate its width to the
integer 1. A width that is a function's parameter has a value only where
the analysis evaluates a call of that function, with that call's arguments
or the parameter's default. So a parameter of a function that is never
referred to, or whose every call passes a width other than 1 (a literal,
or another such parameter), cannot be 1: ``def VGG16(classes=1000):
... Dense(classes, activation="softmax")`` is no candidate. Anything this
cannot read simply (an attribute, a call, a method, a decorated function,
``*args``) may be 1.
"""

from __future__ import annotations

import ast
import builtins
from collections import Counter

from kerasfix.analysis.syntax import parameter_default
from kerasfix.analysis.walk import child_nodes

_BUILTINS = frozenset(dir(builtins))
_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)


class UnitsFlow:
    """One walk of the module: where each node is (which function), how
    often each name is read, and every call by the name it calls. ``bound``:
    the names the module binds other than as parameters (from the facts)."""

    def __init__(self, tree: ast.Module, bound: set[str]) -> None:
        # the innermost function around each node that matters, or None
        self.enclosing: dict[int, ast.AST | None] = {}
        self.in_class: set[int] = set()  # methods
        self.calls: dict[str, list[ast.Call]] = {}  # by the name they call
        self.references: Counter[str] = Counter()  # loads of a name or .name
        self.bound = bound  # names bound other than as parameters
        self._memo: dict[tuple[int, str], bool] = {}
        self._to_builtins: list[tuple[str, str]] = []
        stack: list[tuple[ast.AST, ast.AST | None, bool]] = [(tree, None, False)]
        while stack:
            node, function, class_body = stack.pop()
            self.enclosing[id(node)] = function
            inner, in_class = function, False
            if isinstance(node, _FUNCTIONS):
                inner = node
                if class_body:
                    self.in_class.add(id(node))
            elif isinstance(node, ast.ClassDef):
                in_class = True
            self._note(node)
            stack.extend((child, inner, in_class) for child in child_nodes(node))
        for builtin, name in self._to_builtins:
            if builtin not in self.bound:
                self.references[name] -= 1

    def _note(self, node: ast.AST) -> None:
        if isinstance(node, ast.Name):
            if isinstance(node.ctx, ast.Load):
                self.references[node.id] += 1
        elif isinstance(node, ast.Attribute):
            self.references[node.attr] += 1
            if isinstance(node.value, ast.Name) and node.attr != "__call__":
                # `f.__doc__ = …` reads f without passing it on
                self.references[node.value.id] -= 1
        elif isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            if name is not None:
                self.calls.setdefault(name, []).append(node)
            if isinstance(func, ast.Name) and func.id in _BUILTINS:
                # setattr(f, "__doc__", …): a builtin's body is never analysed
                for a in node.args:
                    if isinstance(a, ast.Name):
                        self._to_builtins.append((func.id, a.id))

    def may_be_one(self, expr: ast.expr | None, where: ast.AST) -> bool:
        """Can ``expr``, found inside ``where`` (a node walked), be 1?"""
        if expr is None:
            return True
        if isinstance(expr, ast.Constant):
            return type(expr.value) in (int, bool) and expr.value == 1
        if not isinstance(expr, ast.Name):
            return True
        name = expr.id
        if name in self.bound:
            return True
        function = self.enclosing.get(id(where))
        while function is not None:
            if name in _parameters(function):
                return self._parameter_may_be_one(function, name)
            function = self.enclosing.get(id(function))
        return False  # bound nowhere: a builtin or an undefined name

    def _parameter_may_be_one(self, function: ast.AST, name: str) -> bool:
        key = (id(function), name)
        if key in self._memo:
            return self._memo[key]
        self._memo[key] = True  # a cycle of calls: assume it may
        self._memo[key] = found = self._parameter_flow(function, name)
        return found

    def _parameter_flow(self, function: ast.AST, name: str) -> bool:
        if isinstance(function, ast.Lambda) or id(function) in self.in_class:
            return True  # called in ways not read here (self.f(…), Class(…))
        assert isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef))
        if self.references[function.name] == 0:
            return False  # never referred to: the analysis never calls it
        args = function.args
        if function.decorator_list or name in {
            a.arg for a in (args.vararg, args.kwarg) if a is not None
        }:
            return True
        calls = self.calls.get(function.name, [])
        if self.references[function.name] > len(calls):
            return True  # passed around as a value
        default = _default(args, name)
        if default is not None and self.may_be_one(default, function):
            return True
        positional = [a.arg for a in (*args.posonlyargs, *args.args)]
        index = positional.index(name) if name in positional else None
        for call in calls:
            if any(isinstance(a, ast.Starred) for a in call.args) or any(
                k.arg is None for k in call.keywords
            ):
                return True
            for keyword in call.keywords:
                if keyword.arg == name and self.may_be_one(keyword.value, call):
                    return True
            if index is not None and index < len(call.args):
                if self.may_be_one(call.args[index], call):
                    return True
        return False


def _parameters(function: ast.AST) -> set[str]:
    args = function.args  # type: ignore[attr-defined]
    found = {a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs)}
    found.update(a.arg for a in (args.vararg, args.kwarg) if a is not None)
    return found


def _default(args: ast.arguments, name: str) -> ast.expr | None:
    for param in (*args.posonlyargs, *args.args, *args.kwonlyargs):
        if param.arg == name:
            return parameter_default(args, param)
    return None
