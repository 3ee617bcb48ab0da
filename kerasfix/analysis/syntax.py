"""Small questions about the shape of CPython's syntax tree: a call's
arguments, literal values, kinds of statements."""

from __future__ import annotations

import ast
from dataclasses import dataclass

FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
LOOPS = (ast.For, ast.AsyncFor, ast.While)
WITHS = (ast.With, ast.AsyncWith)
# Statements that hold other statements.
COMPOUND = (
    ast.If,
    *LOOPS,
    *WITHS,
    ast.Try,
    *((ast.TryStar,) if hasattr(ast, "TryStar") else ()),
    ast.Match,
    *FUNCTIONS,
    ast.ClassDef,
)
# Statements that may or may not run their body.
BRANCHES = (
    ast.If,
    *LOOPS,
    ast.Try,
    *((ast.TryStar,) if hasattr(ast, "TryStar") else ()),
    ast.Match,
)
# Nodes that open a scope of their own.
SCOPE_NODES = (*FUNCTIONS, ast.ClassDef, ast.Lambda)


@dataclass(frozen=True, eq=False)
class Arg:
    """One argument of a call, as written: ``value`` given by position
    (``keyword`` None) or as ``keyword=value``. ``node`` is what a report on
    the argument spans: the keyword node (``name=value``) or the value."""

    keyword: str | None
    value: ast.expr
    node: ast.AST


def receiver_of(call: ast.Call) -> ast.expr:
    """``model`` in ``model.fit(…)``."""
    assert isinstance(call.func, ast.Attribute)
    return call.func.value


def has_star(call: ast.Call) -> bool:
    """``*args`` or ``**kwargs`` among the arguments."""
    return any(type(a) is ast.Starred for a in call.args) or any(
        k.arg is None for k in call.keywords
    )


def arg(call: ast.Call, position: int | None, *keywords: str) -> ast.expr | None:
    """The expression passed to a parameter, by position or keyword."""
    found = arg_node(call, position, *keywords)
    return found.value if found is not None else None


def arg_node(call: ast.Call, position: int | None, *keywords: str) -> Arg | None:
    for keyword in call.keywords:
        if keyword.arg is not None and keyword.arg in keywords:
            return Arg(keyword.arg, keyword.value, keyword)
    if position is None:
        return None
    for index, value in enumerate(call.args):
        if type(value) is ast.Starred:
            return None  # *args: positions are unknowable past it
        if index == position:
            return Arg(None, value, value)
    return None


def keyword_arg(call: ast.Call, name: str) -> ast.keyword | None:
    for keyword in call.keywords:
        if keyword.arg == name:
            return keyword
    return None


def literal(node: ast.AST | None) -> tuple[bool, object]:
    """(True, value) for an int, bool, string, bytes or None literal."""
    if type(node) is ast.Constant and type(node.value) in _LITERAL_TYPES:
        return True, node.value
    return False, None


_LITERAL_TYPES = (int, bool, str, bytes, type(None))


def integer(node: ast.AST | None) -> int | None:
    """The value of an integer literal, a negative one (``-1``) included, else None."""
    sign = 1
    if type(node) is ast.UnaryOp and type(node.op) is ast.USub:
        node, sign = node.operand, -1
    if type(node) is ast.Constant and type(node.value) is int:
        return sign * node.value
    return None


def string(node: ast.AST | None) -> str | None:
    """The value of a string literal, else None."""
    if type(node) is ast.Constant and type(node.value) is str:
        return node.value
    return None


def parameter_default(args: ast.arguments, param: ast.arg) -> ast.expr | None:
    """The default value of ``param`` (one of ``args``' parameters), or None."""
    positional = [*args.posonlyargs, *args.args]
    first = len(positional) - len(args.defaults)
    for index, candidate in enumerate(positional):
        if candidate is param:
            return args.defaults[index - first] if index >= first else None
    for candidate, default in zip(args.kwonlyargs, args.kw_defaults):
        if candidate is param:
            return default
    return None


def literal_argument(function: ast.AST, param: ast.arg, call: ast.Call) -> ast.Constant | None:
    """What ``call`` passes to the function's ``param``: a literal constant,
    or the literal default when it passes nothing there; None otherwise."""
    assert isinstance(function, FUNCTIONS)
    if has_star(call):
        return None
    params = [*function.args.posonlyargs, *function.args.args]
    given: ast.expr | None = None
    if param in params and params.index(param) < len(call.args):
        given = call.args[params.index(param)]
    for keyword in call.keywords:
        if keyword.arg == param.arg:
            given = keyword.value
    if given is None:
        given = parameter_default(function.args, param)
    if isinstance(given, ast.Constant) and type(given.value) in (int, str, bool, float):
        return given
    return None
