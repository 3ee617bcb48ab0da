"""``kerasfix server``: the language server (LSP over stdio), from the engine ``check`` runs.

Diagnostics are pushed on open, change and save, and given on request (pull); each finding's
fix is a quick fix (safe ones preferred, unsafe ones marked so), ``source.fixAll.kerasfix``
applies every safe fix (and the unsafe ones where the settings ask), and a finding can be
silenced on its line (``# noqa: KFnnn``). The text checked is the editor's, saved or not;
the settings are the CLI's for that file (the nearest ``[tool.kerasfix]``, read afresh on
each check, so an edited configuration applies at once), with the client's ``unsafeFixes``,
``select``, ``extendSelect`` and ``ignore`` on top. Another module of the project is read
from disk as the CLI reads it: saving one re-checks the open documents. A notebook's cells
are checked as one module, as ``check`` does, and each finding goes to its cell.

Nothing a document holds, no configuration and no internal error stops the server: a
problem becomes a log message (or a KF000 finding) and the server goes on.
"""

from __future__ import annotations

import json
import logging
import os
import traceback
from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import Any, TypeVar

from lsprotocol import types as lsp
from pygls import uris
from pygls.lsp.server import LanguageServer

from kerasfix import __version__
from kerasfix.diagnostic import Applicability, Diagnostic, Edit
from kerasfix.engine.config import ConfigError, Overrides, Resolver
from kerasfix.settings import Settings
from kerasfix.source import LineIndex

SOURCE = "kerasfix"
FIX_ALL = "source.fixAll.kerasfix"
_NOTEBOOK_SELECTOR = lsp.NotebookDocumentSyncOptions(
    notebook_selector=[
        lsp.NotebookDocumentFilterWithCells(
            cells=[lsp.NotebookCellLanguage(language="python")], notebook="*"
        )
    ],
)
_T = TypeVar("_T")
log = logging.getLogger("kerasfix.server")


class KerasfixServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("kerasfix", __version__, notebook_document_sync=_NOTEBOOK_SELECTOR)
        self.client_settings: dict[str, Any] = {}
        # what was last found in each document: its text and findings (for code actions)
        self.found: dict[str, tuple[str, list[Diagnostic]]] = {}

    # -- settings --------------------------------------------------------------------

    def settings_for(self, path: str) -> Settings:
        """The CLI's settings for ``path`` (read afresh), the client's on top."""
        given = self.client_settings

        def codes(key: str) -> tuple[str, ...] | None:
            value = given.get(key)
            if isinstance(value, str):
                value = [value]
            return tuple(c.strip().upper() for c in value) if isinstance(value, list) else None

        unsafe = given.get("unsafeFixes")
        overrides = Overrides(
            select=codes("select"),
            extend_select=codes("extendSelect") or (),
            ignore=codes("ignore") or (),
            unsafe_fixes=unsafe if isinstance(unsafe, bool) else None,
        )
        from kerasfix.rules import all_codes

        try:
            return Resolver(overrides, all_codes()).settings_for(path)
        except ConfigError as exc:
            self.log(f"configuration: {exc}; checking with the defaults", lsp.MessageType.Warning)
            return Resolver(Overrides(), all_codes(), isolated=True).settings_for(path)

    def log(self, message: str, kind: lsp.MessageType = lsp.MessageType.Log) -> None:
        try:
            self.window_log_message(lsp.LogMessageParams(type=kind, message=message))
        except Exception:  # noqa: BLE001 - a closed stream must not raise here
            log.warning(message)

    # -- checking --------------------------------------------------------------------

    def check_uri(self, uri: str) -> list[lsp.Diagnostic]:
        """Check a text document (not a notebook's cell) and remember what was found."""
        from kerasfix.analysis import reads
        from kerasfix.engine.pipeline import lint_text

        document = self.workspace.get_text_document(uri)
        path = _path(uri)
        try:
            text = document.source  # the editor's text; a document never opened: the file's
        except (OSError, UnicodeDecodeError) as exc:
            self.log(f"kerasfix: {uri}: not open and not readable ({exc})", lsp.MessageType.Info)
            return []
        reads.start_file()
        found, _ = lint_text(text, path, self.settings_for(path))
        self.found[uri] = (text, found)
        return [_lsp_diagnostic(d, text) for d in found]

    def check_notebook(self, notebook_uri: str) -> dict[str, list[lsp.Diagnostic]]:
        """Check a notebook's code cells as one module: the findings of each cell."""
        from kerasfix.engine.notebook import Notebook
        from kerasfix.engine.pipeline import lint_text

        notebook = self.workspace.get_notebook_document(notebook_uri=notebook_uri)
        if notebook is None:
            return {}
        cells = [c.document for c in notebook.cells if c.kind == lsp.NotebookCellKind.Code]
        texts = [self.workspace.get_text_document(u).source for u in cells]
        data = {
            "cells": [{"cell_type": "code", "source": t, "metadata": {}} for t in texts],
            "metadata": {},
            "nbformat": 4,
            "nbformat_minor": 5,
        }
        virtual = Notebook.parse(json.dumps(data))
        path = _path(notebook_uri)
        found, _ = lint_text(virtual.virtual, path, self.settings_for(path))
        by_cell: dict[str, list[Diagnostic]] = {u: [] for u in cells}
        for diagnostic in found:
            mapped = virtual.map_diagnostic(replace(diagnostic))
            if mapped.cell is not None and 0 < mapped.cell <= len(cells):
                # edits are offsets in the joined text: kept for the fix, rows for the cell
                by_cell[cells[mapped.cell - 1]].append(mapped)
        result = {}
        for uri, text in zip(cells, texts):
            self.found[uri] = (text, [_cell_local(d, text, virtual.virtual) for d in by_cell[uri]])
            result[uri] = [_lsp_diagnostic(d, text) for d in self.found[uri][1]]
        return result

    def publish(self, uri: str) -> None:
        notebook = self.workspace.get_notebook_document(cell_uri=uri)
        if notebook is not None:
            self.publish_notebook(notebook.uri)
            return
        diagnostics = self.guarded(lambda: self.check_uri(uri), [])
        self.text_document_publish_diagnostics(
            lsp.PublishDiagnosticsParams(uri=uri, diagnostics=diagnostics)
        )

    def publish_notebook(self, notebook_uri: str) -> None:
        for uri, diagnostics in self.guarded(lambda: self.check_notebook(notebook_uri), {}).items():
            self.text_document_publish_diagnostics(
                lsp.PublishDiagnosticsParams(uri=uri, diagnostics=diagnostics)
            )

    def guarded(self, work: Callable[[], _T], fallback: _T) -> _T:
        """``work()``, or ``fallback`` and a log message if it fails: never the server's end."""
        try:
            return work()
        except Exception as exc:  # noqa: BLE001
            self.log(
                f"kerasfix: internal error: {type(exc).__name__}: {exc}\n{traceback.format_exc()}",
                lsp.MessageType.Error,
            )
            return fallback

    def recheck_open(self) -> None:
        """Re-check every open document (another module of the project may have changed)."""
        for uri in list(self.workspace.text_documents):
            if self.workspace.get_notebook_document(cell_uri=uri) is None:
                self.publish(uri)
        for notebook_uri in list(self.workspace.notebook_documents):
            self.publish_notebook(notebook_uri)

    # -- code actions ----------------------------------------------------------------

    def code_actions(self, params: lsp.CodeActionParams) -> list[lsp.CodeAction]:
        uri = params.text_document.uri
        if uri not in self.found:
            return []
        text, found = self.found[uri]
        wanted = params.context.only
        actions: list[lsp.CodeAction] = []
        if not wanted or any(FIX_ALL.startswith(k) or k == "source" for k in wanted):
            action = self.fix_all(uri, text)
            if action is not None:
                actions.append(action)
        if wanted and not any(k.startswith("quickfix") for k in wanted):
            return actions
        for diagnostic in found:
            if diagnostic.internal or not _overlaps(diagnostic, params.range):
                continue
            if diagnostic.fix is not None and diagnostic.fix.edits:
                unsafe = diagnostic.fix.applicability is Applicability.UNSAFE
                title = f"{diagnostic.code}: {diagnostic.fix.message}"
                actions.append(
                    lsp.CodeAction(
                        title=f"{title} (unsafe)" if unsafe else title,
                        kind=lsp.CodeActionKind.QuickFix,
                        diagnostics=[_lsp_diagnostic(diagnostic, text)],
                        is_preferred=not unsafe,
                        edit=_workspace_edit(uri, text, list(diagnostic.fix.edits)),
                    )
                )
            if diagnostic.code != "KF000":
                noqa = _noqa_edits(text, diagnostic)
                if noqa:
                    actions.append(
                        lsp.CodeAction(
                            title=f"{diagnostic.code}: disable for this line",
                            kind=lsp.CodeActionKind.QuickFix,
                            diagnostics=[_lsp_diagnostic(diagnostic, text)],
                            edit=_workspace_edit(uri, text, noqa),
                        )
                    )
        return actions

    def fix_all(self, uri: str, text: str) -> lsp.CodeAction | None:
        """Every fix the settings allow, as one edit of the document (not of a notebook cell,
        whose fixes are offered one by one)."""
        from kerasfix.engine.pipeline import fix_text

        if self.workspace.get_notebook_document(cell_uri=uri) is not None:
            return None
        path = _path(uri)
        new, fixed, _, _ = fix_text(text, path, self.settings_for(path))
        if not fixed or new == text:
            return None
        return lsp.CodeAction(
            title=f"kerasfix: fix all ({len(fixed)})",
            kind=FIX_ALL,
            edit=_workspace_edit(uri, text, [Edit(0, len(text), new)]),
        )


# -- conversions ----------------------------------------------------------------------------


def _path(uri: str) -> str:
    return uris.to_fs_path(uri) or uri


def _utf16(line: str, column0: int) -> int:
    """The UTF-16 column (LSP's default) of a code point column in ``line``."""
    prefix = line[:column0]
    return column0 + sum(1 for ch in prefix if ord(ch) > 0xFFFF)


def _position(lines: LineIndex, offset: int) -> lsp.Position:
    row, column = lines.position(min(max(offset, 0), len(lines.text)))
    return lsp.Position(line=row - 1, character=_utf16(lines.line(row), column - 1))


def _lsp_diagnostic(diagnostic: Diagnostic, text: str) -> lsp.Diagnostic:
    lines = LineIndex(text)

    def at(row: int, column: int) -> lsp.Position:
        row = min(max(row, 1), len(lines.starts))
        return lsp.Position(line=row - 1, character=_utf16(lines.line(row), max(column - 1, 0)))

    severity = lsp.DiagnosticSeverity.Error if diagnostic.code == "KF000" else None
    return lsp.Diagnostic(
        range=lsp.Range(
            start=at(diagnostic.row, diagnostic.column),
            end=at(diagnostic.end_row, diagnostic.end_column),
        ),
        message=diagnostic.message,
        severity=severity or lsp.DiagnosticSeverity.Warning,
        code=diagnostic.code,
        source=SOURCE,
        data={"name": diagnostic.name, "documentation": _documentation(diagnostic.code)},
    )


def _documentation(code: str) -> str:
    """The rule's documentation (what ``kerasfix rule KFnnn`` prints)."""
    from kerasfix.frontends.output import rule_doc
    from kerasfix.rules import PARSE_ERROR_DOC, rule_by_code

    found = rule_by_code(code)
    return rule_doc(found) if found is not None else PARSE_ERROR_DOC


def _workspace_edit(uri: str, text: str, edits: Iterable[Edit]) -> lsp.WorkspaceEdit:
    lines = LineIndex(text)
    return lsp.WorkspaceEdit(
        changes={
            uri: [
                lsp.TextEdit(
                    range=lsp.Range(start=_position(lines, e.start), end=_position(lines, e.end)),
                    new_text=e.content,
                )
                for e in sorted(edits)
            ]
        }
    )


def _overlaps(diagnostic: Diagnostic, wanted: lsp.Range) -> bool:
    first, last = diagnostic.row - 1, diagnostic.end_row - 1
    return not (last < wanted.start.line or first > wanted.end.line)


def _noqa_edits(text: str, diagnostic: Diagnostic) -> list[Edit]:
    from kerasfix import noqa

    lines = LineIndex(text)
    return noqa.add_edits(
        text, lines, noqa.read(text, lines), {diagnostic.noqa_row: {diagnostic.code}}
    )


def _cell_local(diagnostic: Diagnostic, cell_text: str, virtual: str) -> Diagnostic:
    """A notebook finding as its cell sees it: its fix's edits moved from the joined text to
    the cell's (dropped where an edit falls outside the cell)."""
    if diagnostic.fix is None:
        return diagnostic
    lines = LineIndex(cell_text)
    edits = []
    for (start, end), edit in zip(diagnostic.edit_positions, diagnostic.fix.edits):
        try:
            first = lines.offset(start[0], start[1] - 1)
            last = lines.offset(end[0], end[1] - 1)
        except IndexError:
            return replace(diagnostic, fix=None)
        if virtual[edit.start : edit.end] != cell_text[first:last]:
            return replace(diagnostic, fix=None)  # an edit outside this cell (an import)
        edits.append(Edit(first, last, edit.content))
    return replace(diagnostic, fix=replace(diagnostic.fix, edits=tuple(edits)))


# -- the protocol ---------------------------------------------------------------------------


def make_server() -> KerasfixServer:
    server = KerasfixServer()

    @server.feature(lsp.INITIALIZE)
    def initialize(ls: KerasfixServer, params: lsp.InitializeParams) -> None:
        options = params.initialization_options
        settings = options.get("settings", options) if isinstance(options, dict) else None
        if isinstance(settings, dict):
            ls.client_settings = dict(settings)

    @server.feature(lsp.WORKSPACE_DID_CHANGE_CONFIGURATION)
    def configuration(ls: KerasfixServer, params: lsp.DidChangeConfigurationParams) -> None:
        settings = params.settings
        if isinstance(settings, dict):
            settings = settings.get("kerasfix", settings)
            ls.client_settings = dict(settings) if isinstance(settings, dict) else {}
        ls.recheck_open()

    @server.feature(lsp.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: KerasfixServer, params: lsp.DidOpenTextDocumentParams) -> None:
        ls.publish(params.text_document.uri)

    @server.feature(lsp.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: KerasfixServer, params: lsp.DidChangeTextDocumentParams) -> None:
        ls.publish(params.text_document.uri)

    @server.feature(lsp.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: KerasfixServer, params: lsp.DidSaveTextDocumentParams) -> None:
        ls.recheck_open()  # the saved module may be one another open document imports

    @server.feature(lsp.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: KerasfixServer, params: lsp.DidCloseTextDocumentParams) -> None:
        ls.found.pop(params.text_document.uri, None)
        ls.text_document_publish_diagnostics(
            lsp.PublishDiagnosticsParams(uri=params.text_document.uri, diagnostics=[])
        )

    @server.feature(lsp.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def watched(ls: KerasfixServer, params: lsp.DidChangeWatchedFilesParams) -> None:
        ls.recheck_open()  # a configuration file or a module changed on disk

    @server.feature(lsp.NOTEBOOK_DOCUMENT_DID_OPEN)
    def notebook_open(ls: KerasfixServer, params: lsp.DidOpenNotebookDocumentParams) -> None:
        ls.publish_notebook(params.notebook_document.uri)

    @server.feature(lsp.NOTEBOOK_DOCUMENT_DID_CHANGE)
    def notebook_change(ls: KerasfixServer, params: lsp.DidChangeNotebookDocumentParams) -> None:
        ls.publish_notebook(params.notebook_document.uri)

    @server.feature(lsp.NOTEBOOK_DOCUMENT_DID_SAVE)
    def notebook_save(ls: KerasfixServer, params: lsp.DidSaveNotebookDocumentParams) -> None:
        ls.recheck_open()

    @server.feature(
        lsp.TEXT_DOCUMENT_DIAGNOSTIC,
        lsp.DiagnosticOptions(inter_file_dependencies=True, workspace_diagnostics=False),
    )
    def pull(
        ls: KerasfixServer, params: lsp.DocumentDiagnosticParams
    ) -> lsp.DocumentDiagnosticReport:
        uri = params.text_document.uri
        notebook = ls.workspace.get_notebook_document(cell_uri=uri)
        if notebook is not None:
            found = ls.guarded(lambda: ls.check_notebook(notebook.uri), {}).get(uri, [])
        else:
            found = ls.guarded(lambda: ls.check_uri(uri), [])
        return lsp.RelatedFullDocumentDiagnosticReport(items=found)

    @server.feature(
        lsp.TEXT_DOCUMENT_CODE_ACTION,
        lsp.CodeActionOptions(code_action_kinds=[lsp.CodeActionKind.QuickFix, FIX_ALL]),
    )
    def code_action(ls: KerasfixServer, params: lsp.CodeActionParams) -> list[lsp.CodeAction]:
        return ls.guarded(lambda: ls.code_actions(params), [])

    return server


def main() -> None:
    """Serve LSP over stdio until the client says exit."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    make_server().start_io()
