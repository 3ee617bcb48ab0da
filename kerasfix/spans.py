"""Where each node is in the text, as string offsets.

The same contract as LibCST's ``PositionProvider`` (a node's syntactic
extent, without the whitespace it owns), computed in one code generation
pass that counts characters instead of tracking lines and columns, and
without the metadata framework's visitor: several times cheaper, and the
offsets are what edits need anyway.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import libcst as cst
from libcst._nodes.internal import CodegenState


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

    @contextmanager
    def record_syntactic_position(
        self,
        node: cst.CSTNode,
        *,
        start_node: cst.CSTNode | None = None,
        end_node: cst.CSTNode | None = None,
    ) -> Iterator[None]:
        start = self.offset
        try:
            yield
        finally:
            end = self.offset
            if start_node is not None:
                start = self.spans[start_node][0]
            if end_node is not None:
                end = self.spans[end_node][1]
            self.spans[node] = (start, end)


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
