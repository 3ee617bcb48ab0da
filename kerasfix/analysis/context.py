"""What every rule reads: the parsed module, its tree index and model
inference, computed once per file by the engine, plus helpers to report and
edit."""

from __future__ import annotations

import ast
import functools
import io
import re
import tokenize
from dataclasses import dataclass
from functools import cached_property

from kerasfix import knowledge as kb
from kerasfix.analysis.inference import Head, Model, ModelInference, Value
from kerasfix.analysis.positions import Positions
from kerasfix.analysis.syntax import Arg, string
from kerasfix.analysis.tree import TreeIndex
from kerasfix.diagnostic import Applicability, Diagnostic, Edit, Fix
from kerasfix.noqa import noqa_rows
from kerasfix.settings import Settings
from kerasfix.source import LineIndex


class Context:
    """One file, parsed once; every rule reads the same facts."""

    def __init__(self, path: str, text: str, module: ast.Module, settings: Settings) -> None:
        self.path = path
        self.text = text
        self.module = module
        self.settings = settings
        self.lines = LineIndex(text)
        self._imports_added: dict[tuple[str, str | None], Edit | None] = {}
        self._arguments: dict[ast.Call, CallArguments | None] = {}

    def release(self) -> None:
        """Once every rule has run: let the file's tree and index be freed at once."""
        tree = self.__dict__.get("tree")
        if tree is not None:
            tree.release()

    @cached_property
    def tree(self) -> TreeIndex:
        return TreeIndex(self.module)

    @cached_property
    def inference(self) -> ModelInference:
        path = self.path if self.path not in ("-", "<string>") else None
        return ModelInference(self.module, self.tree, path)

    @cached_property
    def positions(self) -> Positions:
        return Positions(self.text, self.lines)

    @cached_property
    def quote(self) -> str:
        """The quote the file writes strings with (its first plain string
        literal's, as Ruff's stylist reads it); fixes write theirs alike."""
        first: tuple[int, int, str] | None = None
        for node in ast.walk(self.module):
            if type(node) is ast.Constant and type(node.value) is str:
                start, _ = self.span(node)
                written = self.text[start : start + 4].lstrip("rRuUbB")
                if not written or written[0] not in "'\"" or written[:3] in ('"""', "'''"):
                    continue
                key = (node.lineno, node.col_offset, written[0])
                if first is None or key < first:
                    first = key
        return first[2] if first is not None else '"'

    def string_literal(self, value: str) -> str:
        """``value`` as a string literal in the file's quote style."""
        quote = self.quote
        if quote in value or "\\" in value:
            return repr(value) if quote == "'" else '"' + value.replace('"', '\\"') + '"'
        return f"{quote}{value}{quote}"

    def method_calls(self, *names: str) -> list[ast.Call]:
        """Calls of the form ``receiver.<name>(…)``, in source order."""
        found = [call for name in names for call in self.tree.calls_by_attr.get(name, ())]
        if len(names) > 1:
            found.sort(key=lambda c: self.tree.order[c])
        return found

    @functools.cached_property
    def class_call_names(self) -> frozenset[str]:
        """The capitalised names the module calls (``Dense(…)``, ``layers.Dense(…)``): the
        ones that may be classes, for ``inference.keras_calls``."""
        return frozenset(
            name
            for calls in (self.tree.calls_by_name, self.tree.calls_by_attr)
            for name, found in calls.items()
            if found and name[:1].isupper()
        )

    def model_heads(self) -> list[Head]:
        """The output heads of the Keras models this module builds and uses,
        each once, in source order."""
        seen: dict[int, Head] = {}
        candidates: list[Value] = []
        for method in kb.MODEL_METHODS:
            for call in self.tree.calls_by_attr.get(method, ()):
                assert isinstance(call.func, ast.Attribute)
                candidates.append(self.inference.model_of(call.func.value))
        for name in ("Sequential", "Model"):
            calls = (*self.tree.calls_by_name.get(name, ()), *self.tree.calls_by_attr.get(name, ()))
            for call in calls:
                candidates.append(self.inference.value_of(call))
        for value in candidates:
            if isinstance(value, Model) and value.heads is not None:
                for head in value.heads:
                    if head is not None and head.layer is not None:
                        seen.setdefault(id(head.layer), head)
        return sorted(seen.values(), key=lambda h: self.tree.order[h.layer])  # type: ignore[index]

    # -- positions and edits ----------------------------------------------------

    def span(self, node: ast.AST | Arg) -> tuple[int, int]:
        """Offsets of ``node`` in the text (an expression's without the
        parentheses around it)."""
        if isinstance(node, Arg):
            node = node.node
        return self.positions.span(node)

    def name_span(self, node: ast.Attribute | ast.keyword) -> tuple[int, int]:
        """Offsets of the name in ``a.name`` or ``name=value``."""
        start, end = self.span(node)
        if isinstance(node, ast.Attribute):
            return end - len(node.attr), end  # the name is the attribute's last token
        assert node.arg is not None
        return start, start + len(node.arg)

    def rename(self, node: ast.Attribute | ast.keyword, new: str) -> Edit:
        start, end = self.name_span(node)
        return Edit(start, end, new)

    def arguments(self, call: ast.Call) -> CallArguments | None:
        """Where each argument of ``call`` is written, with any parentheses
        of its own; None where the text does not read as expected."""
        found = self._arguments.get(call)
        if found is None and call not in self._arguments:
            found = self._arguments[call] = CallArguments.read(self, call)
        return found

    def code(self, node: ast.AST | Arg) -> str:
        start, end = self.span(node)
        return self.text[start:end]

    def replace(self, node: ast.AST | Arg, content: str) -> Edit:
        start, end = self.span(node)
        return Edit(start, end, content)

    def indent(self, statement: ast.stmt) -> str | None:
        """The whitespace before ``statement`` on its line, for a statement inserted before it;
        None when other code precedes it there (``if x: f()``, ``a = 1; f()``)."""
        start, _ = self.span(statement)
        before = self.text[self.text.rfind("\n", 0, start) + 1 : start]
        return None if before.strip() else before

    def insert_before(self, node: ast.AST, content: str) -> Edit:
        start, _ = self.span(node)
        return Edit(start, start, content)

    def insert_after(self, node: ast.AST, content: str) -> Edit:
        _, end = self.span(node)
        return Edit(end, end, content)

    def diagnostic(
        self,
        rule: type,
        node: ast.AST | Arg,
        message: str,
        fix: Fix | None = None,
    ) -> Diagnostic:
        start, end = self.span(node)
        row, column = self.lines.position(start)
        end_row, end_column = self.lines.position(end)
        return Diagnostic(
            code=rule.code,  # type: ignore[attr-defined]
            name=rule.name,  # type: ignore[attr-defined]
            message=message,
            path=self.path,
            row=row,
            column=column,
            end_row=end_row,
            end_column=end_column,
            fix=fix,
            source_line=self.lines.line(row),
            noqa_rows=self._noqa_rows(node.node if isinstance(node, Arg) else node, row),
        )

    def _noqa_rows(self, node: ast.AST, row: int) -> tuple[int, ...]:
        """Where a ``# noqa`` for a finding on ``node`` may go
        (:func:`kerasfix.noqa.noqa_rows`); only a statement on several
        lines needs its tokens read."""
        statement: ast.AST | None = node
        parents = self.tree.parents
        while statement is not None and not isinstance(statement, ast.stmt):
            statement = parents.get(statement)
        if statement is None:
            return ()
        first = statement.lineno
        for decorator in getattr(statement, "decorator_list", ()):
            first = min(first, decorator.lineno)
        if first == statement.end_lineno:
            return ()
        return noqa_rows(self.lines, first, row)

    # -- numpy for fixes ----------------------------------------------------------

    def numpy_name(self, at: ast.AST) -> tuple[str, tuple[Edit, ...]] | None:
        """A name that means numpy at ``at``, and the edits that import it.

        Uses whatever name the module already binds numpy to; otherwise adds
        ``import numpy as np`` (with LibCST's import helpers) if ``np`` is
        free. None when neither is possible (``np`` bound to something else).
        """
        inference = self.inference
        for node in self.tree.imports:
            if not isinstance(node, ast.Import):
                continue
            for alias in node.names:
                if alias.name != "numpy":
                    continue
                bound = alias.asname or "numpy"
                if inference.resolves_to_import(at, bound, "numpy"):
                    return bound, ()
        if not inference.name_is_free(at, "np"):
            return None
        edit = self.import_edit("numpy", "np")
        if edit is None or edit.start > self.span(at)[0]:
            return None
        return "np", (edit,)

    def import_edit(self, module: str, asname: str | None = None) -> Edit | None:
        """The edit that adds ``import module`` (``as asname``) where the module's imports go,
        or None where it cannot be placed (built once per module and name)."""
        key = (module, asname)
        if key in self._imports_added:
            return self._imports_added[key]
        # LibCST's import codemod knows where an import goes (after the
        # docstring, __future__ imports and the other imports) and how to
        # write it; it parses, only for a fix that needs it, the module up to
        # the first statement after those (all the codemod reads or changes).
        import libcst as cst
        from libcst.codemod import CodemodContext
        from libcst.codemod.visitors import AddImportsVisitor

        try:
            tree = cst.parse_module(self._import_prefix())
        except cst.ParserSyntaxError:
            self._imports_added[key] = None
            return None
        context = CodemodContext()
        AddImportsVisitor.add_needed_import(context, module, asname=asname)
        new = AddImportsVisitor(context).transform_module(tree).code
        edit = _insertion(tree.code, new)
        if edit is not None and self.path.endswith(".ipynb"):
            # a cell keeps its own layout: no blank line after the import
            # (it would end a cell with a stray newline)
            content = edit.content
            while content.endswith(("\n\n", "\r\n\r\n")):
                content = content[:-2] if content.endswith("\r\n\r\n") else content[:-1]
            edit = Edit(edit.start, edit.end, content)
        self._imports_added[key] = edit
        return edit

    def _import_prefix(self) -> str:
        """The module up to its first statement that is not its docstring or an import, that
        statement replaced by ``pass`` (the codemod reads only where it begins); the whole
        text when there is none, or when it shares a line with an import."""
        for index, statement in enumerate(self.module.body):
            docstring = (
                index == 0
                and isinstance(statement, ast.Expr)
                and string(statement.value) is not None
            )
            if docstring or isinstance(statement, (ast.Import, ast.ImportFrom)):
                continue
            first = min([statement, *getattr(statement, "decorator_list", [])], key=_line)
            start = self.text.rfind("\n", 0, self.span(first)[0]) + 1
            if self.text[start : self.span(first)[0]].strip(" \t@"):
                return self.text  # `import os; x = 1`: not a line of its own
            ending = _NEWLINE.search(self.text)
            return self.text[:start] + "pass" + (ending.group(0) if ending else "\n")
        return self.text


@dataclass(frozen=True)
class CallArguments:
    """The written extent of each argument of a call, in the order written:
    ``(node, start, end)`` with ``node`` the positional value or the
    ``ast.keyword``, ``start``/``end`` covering parentheses that wrap only
    that argument (``f((x))``) and a keyword's ``name=``; and the offsets of
    the call's own opening and closing parentheses."""

    items: tuple[tuple[ast.AST, int, int], ...]
    open_paren: int
    close_paren: int

    @classmethod
    def read(cls, ctx: Context, call: ast.Call) -> CallArguments | None:
        start, end = ctx.span(call)
        _, func_end = ctx.span(call.func)
        segment = ctx.text[start:end]
        lines = LineIndex(segment)
        depth = 0
        open_paren = -1
        pieces: list[list[int]] = []  # [first, last] offsets of each argument
        piece: list[int] | None = None
        try:
            tokens = list(tokenize.generate_tokens(io.StringIO(segment).readline))
        except (tokenize.TokenError, SyntaxError):
            return None
        for token in tokens:
            if token.type in _TRIVIA:
                continue
            begin = start + lines.offset(token.start[0], token.start[1])
            finish = start + lines.offset(token.end[0], token.end[1])
            if open_paren < 0:
                if begin >= func_end and token.string == "(":
                    open_paren = begin
                    depth = 1
                continue
            if depth == 1 and token.string in (",", ")"):
                if piece is not None:
                    pieces.append(piece)
                piece = None
                if token.string == ")":
                    depth = 0
                    if finish != end:
                        return None
                    break
                continue
            if token.string in _OPENING:
                depth += 1
            elif token.string in _CLOSING:
                depth -= 1
            if piece is None:
                piece = [begin, finish]
            else:
                piece[1] = finish
        if open_paren < 0 or depth != 0:
            return None
        written = sorted([*call.args, *call.keywords], key=lambda n: (n.lineno, n.col_offset))
        if len(written) != len(pieces):
            return None
        items = []
        for node, (first, last) in zip(written, pieces):
            value_start, value_end = ctx.span(node)
            if not first <= value_start <= value_end <= last:
                return None
            items.append((node, first, last))
        return cls(tuple(items), open_paren, end - 1)

    def extent(self, node: ast.AST) -> tuple[int, int]:
        for candidate, start, end in self.items:
            if candidate is node:
                return start, end
        raise KeyError(node)


_TRIVIA = frozenset(
    {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT}
    | {tokenize.ENDMARKER}
)
_OPENING = frozenset("([{")
_CLOSING = frozenset(")]}")


_NEWLINE = re.compile(r"\r\n|\n|\r")


def _line(node: ast.AST) -> int:
    return getattr(node, "lineno", 0)


def _insertion(old: str, new: str) -> Edit | None:
    """The single insertion that turns ``old`` into ``new``, at a line start."""
    if len(new) <= len(old):
        return None
    prefix = 0
    limit = len(old)
    while prefix < limit and old[prefix] == new[prefix]:
        prefix += 1
    suffix = 0
    while suffix < limit - prefix and old[-1 - suffix] == new[-1 - suffix]:
        suffix += 1
    if prefix + suffix != len(old):
        return None  # not a pure insertion
    content = new[prefix : len(new) - suffix]
    # Slide the insertion back to the start of its line when that is the same text.
    while prefix > 0 and old[prefix - 1] not in "\r\n" and content[-1:] == old[prefix - 1]:
        content = old[prefix - 1] + content[:-1]
        prefix -= 1
    return Edit(prefix, prefix, content)


def fix(applicability: Applicability, message: str, *edits: Edit) -> Fix:
    return Fix(applicability, message, tuple(sorted(edits)))
