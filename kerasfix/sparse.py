"""Leave out of LibCST's parse the functions no rule can care about.

Large modules that reach LibCST (test suites, model zoos) are mostly
functions that are never referred to and hold nothing a rule looks for:
`def test_dtype(self): ...` beside the one test that compiles a model.
Their bodies are replaced by a string literal of spaces (or ``0`` and
spaces), so every offset in the text stays where it was and LibCST parses
a fraction of the file.

A function is left out only when nothing the rules do can see it, read from
CPython's tree and the text:

* it is a module-level function or a method of a module-level class, and
  its name is never read, as a name, an attribute or a string (nothing
  calls it, so its returns and side effects are never evaluated);
* its text fails, for every rule still in play, one of the rule's trigger
  groups other than "the file mentions Keras" (so no site of that rule is
  in it);
* it declares no ``global``/``nonlocal``, reads no module-level variable
  (only imports, functions and classes), and uses ``self`` only to call
  its methods (so it changes no binding, model or attribute that other
  code is analysed with).

Rules whose findings depend on every use of an imported name (KF103,
KF105) turn this off. Results are the same with and without it; the
fixture, property and corpus tests compare them.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Sequence

from kerasfix import knowledge as kb
from kerasfix.quick import all_nodes

# Rules that read every use of an imported name.
_WHOLE_MODULE_RULES = frozenset({"KF103", "KF105"})
_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
_MIN_LINES = 4  # shorter bodies are not worth it
_MIN_TEXT = 8_000  # nor are small files


_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")


def _context_alternatives() -> set[object]:
    """Trigger alternatives that say "this file is about Keras", not "a
    site of the rule is here"."""
    from kerasfix.rules._migration import imports_keras3, mentions_keras3

    return {*kb.KERAS_MARKERS, mentions_keras3, imports_keras3}


def sparse_text(text: str, tree: ast.Module, rules: Sequence[type], referenced: set[str]) -> str:
    """``text`` with the bodies of the functions no rule can care about
    blanked out (same length, same lines), or ``text`` itself.
    ``referenced``: every identifier the module reads or writes as a name
    or an attribute, and every short string (``getattr(self, "f")``)."""
    if len(text) < _MIN_TEXT or any(
        rule.code in _WHOLE_MODULE_RULES  # type: ignore[attr-defined]
        for rule in rules
    ):
        return text
    # functions referred to somewhere may be evaluated: never candidates
    candidates = [f for f in _candidates(tree) if f.name not in referenced]
    if not candidates:
        return text
    lines = _LINE.findall(text)  # CPython's line breaks only
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))
    module_variables: set[str] | None = None  # computed for the first function that needs it
    # imports travel with each function's text: a site may name what they bind
    imports = "".join(
        text[starts[n.lineno - 1] : starts[n.end_lineno or n.lineno]]
        for n in tree.body
        if isinstance(n, (ast.Import, ast.ImportFrom))
    )
    context = _context_alternatives()
    blanked: list[tuple[int, int, int]] = []  # (first body line, last line, indent)
    for function in candidates:
        body = function.body
        first = min([body[0].lineno] + [d.lineno for d in getattr(body[0], "decorator_list", ())])
        last = function.end_lineno or function.lineno
        if first <= function.lineno or last - first + 1 < _MIN_LINES:
            continue  # one-liners and short bodies
        head = function.decorator_list[0].lineno if function.decorator_list else function.lineno
        own = text[starts[head - 1] : starts[last]] + imports
        if not all(_fails_a_site_group(rule, own, context) for rule in rules):
            continue
        if module_variables is None:
            module_variables = _module_variables(tree)
        if not _self_contained(function, module_variables):
            continue
        blanked.append((first, last, body[0].col_offset))
    if not blanked:
        return text
    out = list(lines)
    for first, last, indent in blanked:
        out[first - 1 : last] = _blank_body(lines[first - 1 : last], indent)
    return "".join(out)


def _candidates(tree: ast.Module) -> list[ast.FunctionDef | ast.AsyncFunctionDef]:
    found: list[ast.FunctionDef | ast.AsyncFunctionDef] = []
    for node in tree.body:
        if isinstance(node, _FUNCTIONS):
            found.append(node)
        elif isinstance(node, ast.ClassDef):
            found.extend(n for n in node.body if isinstance(n, _FUNCTIONS))
    return found


def _fails_a_site_group(rule: type, text: str, context: set[object]) -> bool:
    from kerasfix.engine import alternative_holds

    for group in rule.triggers:  # type: ignore[attr-defined]
        if all(alternative in context for alternative in group):
            continue
        if not any(alternative_holds(alternative, text, "") for alternative in group):
            return True
    return False


def _module_variables(tree: ast.Module) -> set[str]:
    """Names the module binds other than by import, def or class."""
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, (ast.Import, ast.ImportFrom, *_FUNCTIONS, ast.ClassDef)):
            continue
        for inner in all_nodes(node):
            if isinstance(inner, ast.Name) and not isinstance(inner.ctx, ast.Load):
                names.add(inner.id)
            elif isinstance(inner, (ast.Global, ast.Nonlocal)):
                names.update(inner.names)
            elif isinstance(inner, (ast.Import, ast.ImportFrom, *_FUNCTIONS, ast.ClassDef)):
                # bound in a branch or a block: may hold anything
                if isinstance(inner, (ast.Import, ast.ImportFrom)):
                    names.update((a.asname or a.name).split(".")[0] for a in inner.names)
                else:
                    names.add(inner.name)
    return names


def _self_contained(function: ast.FunctionDef | ast.AsyncFunctionDef, module: set[str]) -> bool:
    args = function.args
    params = [*args.posonlyargs, *args.args]
    self_name = params[0].arg if params else None
    nodes = all_nodes(function)
    calls = {id(n.func) for n in nodes if isinstance(n, ast.Call)}
    for node in nodes:
        if isinstance(node, (ast.Global, ast.Nonlocal)):
            return False
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and node.id in module:
            return False
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id == self_name
            and self_name is not None
            and id(node) not in calls
        ):
            return False  # self.x read, assigned or passed on
    return True


def _blank_body(lines: list[str], indent: int) -> list[str]:
    """A function body's lines as one string literal of spaces, line endings
    kept: `\"\"\"   …   \"\"\"`. LibCST reads it as a single token, where
    lines of spaces would each become a node. Where the first or last line
    is too short to hold the quotes, every line is spaces and the first
    holds ``0`` instead."""
    blank = [_blank(line, None) for line in lines]
    head, tail = blank[0], blank[-1]
    head_width = len(head.rstrip("\r\n")) - indent
    tail_width = len(tail.rstrip("\r\n"))
    if head_width < 3 or tail_width < 3:
        blank[0] = _blank(lines[0], indent)
        return blank
    blank[0] = lines[0][:indent] + '"""' + head[indent + 3 :]
    blank[-1] = tail[: tail_width - 3] + '"""' + tail[tail_width:]
    return blank


def _blank(line: str, indent: int | None) -> str:
    """The line as spaces (its line ending kept); with ``indent``, the line
    keeps its indentation and becomes ``0``."""
    content = line.rstrip("\r\n")
    ending = line[len(content) :]
    if indent is None:
        return " " * len(content) + ending
    return content[:indent] + "0" + " " * (len(content) - indent - 1) + ending
