"""Where each node is in the text, as string offsets.

The same contract as LibCST's ``PositionProvider`` (a node's syntactic
extent, without the whitespace it owns), computed in one code generation
pass that counts characters instead of tracking lines and columns, and
without the metadata framework's visitor: several times cheaper, and the
offsets are what edits need anyway.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from dataclasses import dataclass, field

import libcst as cst
from libcst._nodes.internal import CodegenState

from kerasfix.source import LineIndex


@dataclass
class _OffsetState(CodegenState):
    spans: dict[cst.CSTNode, tuple[int, int]] = field(default_factory=dict)
    offset: int = 0
    _stack: list[int] = field(default_factory=list)

    def add_indent_tokens(self) -> None:
        self.tokens.extend(self.indent_tokens)
        for token in self.indent_tokens:
            self.offset += len(token)

    def add_token(self, value: str) -> None:
        self.tokens.append(value)
        self.offset += len(value)

    def pop_trailing_newline(self) -> None:
        if self.tokens:
            self.offset -= len(self.tokens.pop())

    def before_codegen(self, node: cst.CSTNode) -> None:
        self._stack.append(self.offset)

    def after_codegen(self, node: cst.CSTNode) -> None:
        start = self._stack.pop()
        if node not in self.spans:  # a syntactic span recorded inside wins
            self.spans[node] = (start, self.offset)

    def record_syntactic_position(
        self,
        node: cst.CSTNode,
        *,
        start_node: cst.CSTNode | None = None,
        end_node: cst.CSTNode | None = None,
    ) -> _Recording:
        # a plain context manager: contextlib's generator-based one costs
        # three times as much, once for every node generated
        return _Recording(self, node, start_node, end_node)


class _Recording:
    """Records ``node``'s syntactic span: where the code generated inside
    the ``with`` starts and ends (or where ``start_node``/``end_node`` do)."""

    __slots__ = ("state", "node", "start_node", "end_node", "start")

    def __init__(
        self,
        state: _OffsetState,
        node: cst.CSTNode,
        start_node: cst.CSTNode | None,
        end_node: cst.CSTNode | None,
    ) -> None:
        self.state = state
        self.node = node
        self.start_node = start_node
        self.end_node = end_node
        self.start = 0

    def __enter__(self) -> None:
        self.start = self.state.offset

    def __exit__(self, *exc_info: object) -> None:
        spans = self.state.spans
        start, end = self.start, self.state.offset
        if self.start_node is not None:
            start = spans[self.start_node][0]
        if self.end_node is not None:
            end = spans[self.end_node][1]
        spans[self.node] = (start, end)


def node_spans(module: cst.Module, text: str) -> dict[cst.CSTNode, tuple[int, int]]:
    """Start and end offsets of every node of ``module`` in ``text``, the
    source it was parsed from.

    LibCST reproduces its input exactly except for rare whitespace at the
    very end of a file (``"x\n \n "`` comes back as ``"x\n "``); nodes
    that reach past where the two agree get no span, so nothing can report
    on or edit them.
    """
    state = _OffsetState(
        default_indent=module.default_indent, default_newline=module.default_newline
    )
    module._codegen(state)
    spans = state.spans
    total = state.offset
    if not module.has_trailing_newline:
        # the last line's newline was generated, then dropped: the nodes
        # that ended after it end at the end of the text
        for node, (start, end) in spans.items():
            if end > total:
                spans[node] = (min(start, total), total)
    code = "".join(state.tokens)
    if code != text:
        agreed = 0
        limit = min(len(code), len(text))
        while agreed < limit and code[agreed] == text[agreed]:
            agreed += 1
        for node in [n for n, (_, end) in spans.items() if end > agreed]:
            del spans[node]
    return spans


class Spans:
    """Offsets of nodes, generated one top-level statement at a time.

    Rules report on a few nodes of a file; generating the code of the whole
    module to place them costs as much as parsing it. Each top-level
    statement is placed instead by CPython's tree, which gives the line and
    column where it starts: only the statements that hold reported nodes are
    generated, and each is checked against the text (any doubt falls back to
    the whole module).
    """

    def __init__(
        self,
        module: cst.Module,
        text: str,
        parents: Mapping[cst.CSTNode, cst.CSTNode],
        lines: LineIndex,
        python_tree: ast.Module | None,
    ) -> None:
        self.module = module
        self.text = text
        self.parents = parents
        self.lines = lines
        self.python_tree = python_tree
        self._starts: dict[cst.CSTNode, tuple[int, int]] | None = None
        self._spans: dict[cst.CSTNode, tuple[int, int]] = {}
        self._done: set[int] = set()
        self._whole: dict[cst.CSTNode, tuple[int, int]] | None = None

    def __getitem__(self, node: cst.CSTNode) -> tuple[int, int]:
        found = self._spans.get(node)
        if found is not None:
            return found
        if self._whole is None:
            statement = self._top_level(node)
            if statement is not None and id(statement) not in self._done:
                self._done.add(id(statement))
                if self._place(statement):
                    found = self._spans.get(node)
                    if found is not None:
                        return found
            if self._whole is None:
                self._whole = node_spans(self.module, self.text)
        return self._whole[node]

    def _top_level(self, node: cst.CSTNode) -> cst.CSTNode | None:
        current = node
        while True:
            parent = self.parents.get(current)
            if parent is None:
                return None
            if parent is self.module:
                return current
            current = parent

    def _statement_starts(self) -> dict[cst.CSTNode, tuple[int, int]]:
        """Each top-level statement -> (line, UTF-8 column) where CPython
        says its first token is."""
        if self._starts is not None:
            return self._starts
        starts: dict[cst.CSTNode, tuple[int, int]] = {}
        python = self.python_tree.body if self.python_tree is not None else []
        index = 0
        for statement in self.module.body:
            if index >= len(python):
                starts.clear()
                break
            first = python[index]
            starts[statement] = (first.lineno, first.col_offset)
            index += len(statement.body) if isinstance(statement, cst.SimpleStatementLine) else 1
        if index != len(python):
            starts.clear()  # the two parsers disagree: place nothing this way
        self._starts = starts
        return starts

    def _place(self, statement: cst.CSTNode) -> bool:
        where = self._statement_starts().get(statement)
        if where is None:
            return False
        row, column = where
        if row > len(self.lines.starts):
            return False
        line = self.lines.line(row)
        offset = self.lines.offset(
            row, len(line.encode("utf-8")[:column].decode("utf-8", "ignore"))
        )
        state = _OffsetState(
            default_indent=self.module.default_indent,
            default_newline=self.module.default_newline,
        )
        statement._codegen(state)
        local = state.spans
        start = local.get(statement, (None, None))[0]
        if start is None:
            return False
        code = "".join(state.tokens)
        if not self.text.startswith(code[start:], offset):
            return False
        delta = offset - start
        for node, (begin, end) in local.items():
            self._spans[node] = (begin + delta, end + delta)
        return True
