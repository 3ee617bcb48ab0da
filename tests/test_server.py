"""`kerasfix server`: the real server process, driven over stdio by a real LSP client
(pytest-lsp, on pygls's client), as an editor drives it."""

from __future__ import annotations

import asyncio
import os
import sys
import time
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

SCRIPT = """\
import numpy as np
from tensorflow import keras

model = keras.Sequential([
    keras.layers.Dense(32, activation="relu", input_shape=(8,)),
    keras.layers.Dense(10, activation="softmax"),
])
model.compile(optimizer="adam", loss="categorical_crossentropy")
labels = model.predict_classes(np.zeros((2, 8)))
"""
SERVER = [sys.executable, "-m", "kerasfix", "server"]
ENV = {**os.environ, "KERASFIX_NO_CACHE": "1"}


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER, server_env=ENV))
async def client(lsp_client: LanguageClient, tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("project")
    (root / "pyproject.toml").write_text("[project]\nname = 'demo'\n")
    lsp_client.root = root  # type: ignore[attr-defined]
    await lsp_client.initialize_session(
        types.InitializeParams(
            capabilities=types.ClientCapabilities(),
            root_uri=root.as_uri(),
            workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name="demo")],
        )
    )
    yield
    await lsp_client.shutdown_session()


def _open(client: LanguageClient, path: Path, text: str, version: int = 1) -> str:
    path.write_text(text, encoding="utf-8")
    uri = path.as_uri()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=uri, language_id="python", version=version, text=text
            )
        )
    )
    return uri


async def _diagnostics(client: LanguageClient, uri: str) -> list[types.Diagnostic]:
    await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    return client.diagnostics.get(uri, [])


def _apply(text: str, edits: list[types.TextEdit]) -> str:
    lines = text.splitlines(keepends=True)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))
    for edit in sorted(
        edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True
    ):
        start = starts[edit.range.start.line] + edit.range.start.character
        end = starts[edit.range.end.line] + edit.range.end.character
        text = text[:start] + edit.new_text + text[end:]
    return text


@pytest.mark.asyncio
async def test_diagnostic_quick_fix_and_shutdown(client: LanguageClient) -> None:
    path = client.root / "train.py"  # type: ignore[attr-defined]
    uri = _open(client, path, SCRIPT)
    found = await _diagnostics(client, uri)
    [kf001] = [d for d in found if d.code == "KF001"]
    assert kf001.source == "kerasfix" and kf001.range.start.line == 8
    assert kf001.data["name"] == "predict-classes" and "Fix safety" in kf001.data["documentation"]
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=kf001.range,
            context=types.CodeActionContext(diagnostics=[kf001]),
        )
    )
    quick = [a for a in actions if a.kind == types.CodeActionKind.QuickFix and a.is_preferred]
    assert quick and "KF001" in quick[0].title
    fixed = _apply(SCRIPT, quick[0].edit.changes[uri])
    assert "np.argmax(model.predict(np.zeros((2, 8))), axis=-1)" in fixed
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=fixed)],
        )
    )
    found = await _diagnostics(client, uri)
    assert not [d for d in found if d.code == "KF001"]
    # the disable action and fix-all are offered too
    noqa = [a for a in actions if "disable for this line" in a.title]
    assert noqa and "# noqa: KF001" in _apply(SCRIPT, noqa[0].edit.changes[uri])
    assert any(a.kind == "source.fixAll.kerasfix" for a in actions)


@pytest.mark.asyncio
async def test_unknown_document_and_bad_text_do_not_kill_it(client: LanguageClient) -> None:
    ghost = (client.root / "never_opened.py").as_uri()  # type: ignore[attr-defined]
    report = await client.text_document_diagnostic_async(
        types.DocumentDiagnosticParams(text_document=types.TextDocumentIdentifier(uri=ghost))
    )
    assert list(report.items) == []
    uri = _open(client, client.root / "broken.py", "import keras\ndef f(:\n")  # type: ignore[attr-defined]
    found = await _diagnostics(client, uri)
    assert [d.code for d in found] == ["KF000"]
    # still answering
    uri = _open(client, client.root / "ok.py", SCRIPT)  # type: ignore[attr-defined]
    assert [d.code for d in await _diagnostics(client, uri)].count("KF001") == 1


@pytest.mark.asyncio
async def test_configuration_and_client_settings(client: LanguageClient) -> None:
    root = client.root  # type: ignore[attr-defined]
    (root / "pyproject.toml").write_text("[tool.kerasfix]\nignore = ['KF001']\n")
    uri = _open(client, root / "quiet.py", SCRIPT)
    assert not [d for d in await _diagnostics(client, uri) if d.code == "KF001"]
    (root / "pyproject.toml").write_text("[tool.kerasfix]\n")  # edited: applies at once
    client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings={"kerasfix": {"extendSelect": ["KF2"]}})
    )
    await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    report = await client.text_document_diagnostic_async(
        types.DocumentDiagnosticParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    codes = {d.code for d in report.items}
    assert "KF001" in codes and "KF201" in codes  # the opt-in family the client asked for


@pytest.mark.asyncio
async def test_model_from_another_module(client: LanguageClient) -> None:
    root = client.root  # type: ignore[attr-defined]
    (root / "nets.py").write_text(
        "from tensorflow import keras\n\n\ndef build():\n"
        "    return keras.Sequential([keras.layers.Dense(1, activation='sigmoid')])\n"
    )
    uri = _open(
        client,
        root / "main.py",
        "import numpy as np\nfrom nets import build\n\nm = build()\ny = m.predict_classes(np.zeros((1, 3)))\n",
    )
    [found] = [d for d in await _diagnostics(client, uri) if d.code == "KF001"]
    assert "one unit" in found.message  # the head written in nets.py is known here


@pytest.mark.asyncio
async def test_notebook_findings_on_their_cells(client: LanguageClient) -> None:
    root = client.root  # type: ignore[attr-defined]
    notebook = (root / "explore.ipynb").as_uri()
    cells = [
        "import numpy as np\nfrom tensorflow import keras",
        "model = keras.Sequential([keras.layers.Dense(3, activation='softmax', input_shape=(4,))])",
        "pred = model.predict_classes(np.zeros((2, 4)))",
    ]
    cell_uris = [f"{notebook}#cell{i}" for i in range(len(cells))]
    client.notebook_document_did_open(
        types.DidOpenNotebookDocumentParams(
            notebook_document=types.NotebookDocument(
                uri=notebook,
                notebook_type="jupyter-notebook",
                version=1,
                cells=[
                    types.NotebookCell(kind=types.NotebookCellKind.Code, document=u)
                    for u in cell_uris
                ],
            ),
            cell_text_documents=[
                types.TextDocumentItem(uri=u, language_id="python", version=1, text=t)
                for u, t in zip(cell_uris, cells)
            ],
        )
    )
    # one notification a cell, sent together: wait until each cell has had its own
    for _ in range(200):
        if all(u in client.diagnostics for u in cell_uris):
            break
        await asyncio.sleep(0.05)
    assert all(u in client.diagnostics for u in cell_uris), [m.message for m in client.log_messages]
    [found] = [d for d in client.diagnostics.get(cell_uris[2], []) if d.code == "KF001"]
    assert found.range.start.line == 0 and found.range.start.character == 7
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=cell_uris[2]),
            range=found.range,
            context=types.CodeActionContext(diagnostics=[found]),
        )
    )
    [fix] = [a for a in actions if a.is_preferred]
    assert _apply(cells[2], fix.edit.changes[cell_uris[2]]) == (
        "pred = np.argmax(model.predict(np.zeros((2, 4))), axis=-1)"
    )


@pytest.mark.asyncio
async def test_a_change_to_a_long_file_is_answered_quickly(client: LanguageClient) -> None:
    root = client.root  # type: ignore[attr-defined]
    body = "".join(
        f"h{i} = keras.layers.Dense({i % 50 + 2}, activation='relu')(h{i - 1})\n"
        for i in range(1, 1000)
    )
    text = (
        "import numpy as np\nfrom tensorflow import keras\n\nh0 = keras.Input(shape=(8,))\n"
        + body
        + "model = keras.Model(h0, keras.layers.Dense(10, activation='softmax')(h999))\n"
        + "y = model.predict_classes(np.zeros((1, 8)))\n"
    )
    assert len(text.splitlines()) >= 1000
    uri = _open(client, root / "long.py", text)
    await _diagnostics(client, uri)
    times = []
    width = 10
    for version in range(2, 7):
        new_width = width + 1
        text = text.replace(
            f"Dense({width}, activation='softmax')", f"Dense({new_width}, activation='softmax')"
        )
        width = new_width
        start = time.perf_counter()
        client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
                content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
            )
        )
        wanted = f"ends in {width} units"
        while not any(wanted in d.message for d in client.diagnostics.get(uri, [])):
            await asyncio.sleep(0.002)
            assert time.perf_counter() - start < 10
        times.append(time.perf_counter() - start)
    print("change answered in", [round(t * 1000) for t in times], "ms")
    assert min(times) < 0.3, times
