"""What every rule reads: the parsed module, its metadata and model inference,
computed once per file by the engine, plus helpers to report and edit."""

from __future__ import annotations

import ast
from functools import cached_property

import libcst as cst

from kerasfix.diagnostic import Applicability, Diagnostic, Edit, Fix
from kerasfix.inference import Head, Model, ModelInference, Value
from kerasfix.settings import Settings
from kerasfix.source import LineIndex
from kerasfix.spans import Spans
from kerasfix.tree import TreeIndex

# Methods whose receiver is a model: where to look for the models a module uses.
MODEL_METHODS = (
    "compile",
    "fit",
    "predict",
    "evaluate",
    "summary",
    "fit_generator",
    "train_on_batch",
    "predict_classes",
    "predict_proba",
    "save",
)


class Context:
    """One file, parsed once; every rule reads the same facts."""

    def __init__(
        self,
        path: str,
        text: str,
        module: cst.Module,
        settings: Settings,
        python_tree: ast.Module | None = None,
    ) -> None:
        self.python_tree = python_tree
        self.path = path
        self.text = text
        self.module = module
        self.settings = settings
        self.lines = LineIndex(text)
        self._numpy_import: Edit | None | bool = False

    @cached_property
    def tree(self) -> TreeIndex:
        return TreeIndex(self.module)

    @cached_property
    def inference(self) -> ModelInference:
        return ModelInference(self.module, self.tree)

    @cached_property
    def spans(self) -> Spans:
        # Only needed to report and edit: computed for the statements that
        # hold findings.
        return Spans(self.module, self.text, self.tree.parents, self.lines, self.python_tree)

    def method_calls(self, *names: str) -> list[cst.Call]:
        """Calls of the form ``receiver.<name>(…)``, in source order."""
        found = [call for name in names for call in self.tree.calls_by_attr.get(name, ())]
        if len(names) > 1:
            found.sort(key=lambda c: self.tree.order[c])
        return found

    def model_heads(self) -> list[Head]:
        """The output heads of the Keras models this module builds and uses,
        each once, in source order."""
        seen: dict[int, Head] = {}
        candidates: list[Value] = []
        for method in MODEL_METHODS:
            for call in self.tree.calls_by_attr.get(method, ()):
                assert isinstance(call.func, cst.Attribute)
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

    def span(self, node: cst.CSTNode) -> tuple[int, int]:
        """Offsets of ``node`` in the text."""
        return self.spans[node]

    def code(self, node: cst.CSTNode) -> str:
        start, end = self.span(node)
        return self.text[start:end]

    def replace(self, node: cst.CSTNode, content: str) -> Edit:
        start, end = self.span(node)
        return Edit(start, end, content)

    def insert_before(self, node: cst.CSTNode, content: str) -> Edit:
        start, _ = self.span(node)
        return Edit(start, start, content)

    def insert_after(self, node: cst.CSTNode, content: str) -> Edit:
        _, end = self.span(node)
        return Edit(end, end, content)

    def diagnostic(
        self,
        rule: type,
        node: cst.CSTNode,
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
        )

    # -- numpy for fixes ----------------------------------------------------------

    def numpy_name(self, at: cst.CSTNode) -> tuple[str, tuple[Edit, ...]] | None:
        """A name that means numpy at ``at``, and the edits that import it.

        Uses whatever name the module already binds numpy to; otherwise adds
        ``import numpy as np`` (with LibCST's import helpers) if ``np`` is
        free. None when neither is possible (``np`` bound to something else).
        """
        inference = self.inference
        for node in self.tree.imports:
            if not isinstance(node, cst.Import):
                continue
            for alias in node.names:
                if alias.evaluated_name != "numpy":
                    continue
                bound = alias.evaluated_alias or "numpy"
                if inference.resolves_to_import(at, bound, "numpy"):
                    return bound, ()
        if not inference.name_is_free(at, "np"):
            return None
        edit = self._numpy_import_edit()
        if edit is None or edit.start > self.span(at)[0]:
            return None
        return "np", (edit,)

    def _numpy_import_edit(self) -> Edit | None:
        if self._numpy_import is not False:
            return self._numpy_import  # type: ignore[return-value]
        from libcst.codemod import CodemodContext
        from libcst.codemod.visitors import AddImportsVisitor

        context = CodemodContext()
        AddImportsVisitor.add_needed_import(context, "numpy", asname="np")
        new = AddImportsVisitor(context).transform_module(self.module).code
        self._numpy_import = _insertion(self.text, new)
        return self._numpy_import


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
