"""Jupyter notebooks: checked and fixed cell by cell, as one module.

Code cells are joined into one virtual module, so a model built in cell 3 is
known in cell 9. Each cell is introduced by a marker comment; IPython magics,
shell escapes and help lines are replaced by a placeholder statement that
keeps the line count and indentation, and restored afterwards. Fixes rewrite only
the changed cells' sources and keep the notebook's JSON layout, outputs,
metadata and nbformat version as they were.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from kerasfix.diagnostic import Diagnostic

_MARKER = "# kf-cell {index}"  # no "keras" in it: a notebook must not mention Keras by its markers
_MARKER_RE = re.compile(r"^# kf-cell (\d+)$")
# An import, so that fixes adding imports still place them after a cell's
# leading magics (%load_ext ...) and imports; it binds a name nothing reads.
_MAGIC_PLACEHOLDER = "import kerasfix_magic_{n}"
_MAGIC_RE = re.compile(r"^(\s*)import kerasfix_magic_(\d+)$")
# `files = !ls`, `t = %time f()`: the target is bound, the command is opaque
# (one way to match each target list: a nested optional separator made this
# regex backtrack exponentially on a long line with no `=`)
_ASSIGN_MAGIC = re.compile(
    r"^(\s*)([A-Za-z_]\w*(?:[ \t]*,[ \t]*[A-Za-z_]\w*)*[ \t]*,?)[ \t]*=[ \t]*[!%]"
)
_ASSIGN_PLACEHOLDER = "{indent}{target} = kerasfix_magic_{n}"
_ASSIGN_RE = re.compile(r"^[ \t]*[A-Za-z_][\w \t,]* = kerasfix_magic_(\d+)$")
# Cell magics whose body is Python (as Ruff reads them); the body of any
# other cell magic (%%bash, %%writefile, %%html …) is not analysed.
PYTHON_CELL_MAGICS = frozenset(
    {"time", "timeit", "capture", "prun", "debug", "python", "python3", "pypy"}
)


class NotebookError(Exception):
    pass


# every line of IPython syntax holds one of these (%magic, !shell, obj?)
_MAGIC_CHARS = frozenset("%!?")
_HELP = re.compile(r"^[\w.\[\]()]+\?{1,2}$")


def _is_magic(line: str) -> bool:
    """IPython syntax that is not Python: %magic, !shell, ?help and obj?."""
    stripped = line.strip()
    return stripped.startswith(("%", "!", "?")) or bool(_HELP.match(stripped))


def _python_kernel(metadata: Any) -> bool:
    """Whether the notebook's kernel runs Python (what its metadata says; a
    notebook that says nothing is taken to be Python)."""
    if not isinstance(metadata, dict):
        return True
    for key, field_name in (("kernelspec", "language"), ("language_info", "name")):
        section = metadata.get(key)
        if isinstance(section, dict):
            language = section.get(field_name)
            if isinstance(language, str) and language.strip():
                return language.strip().lower() in ("python", "python3", "ipython", "python2")
    return True


@dataclass
class Notebook:
    raw: str
    data: dict[str, Any]
    code_cells: list[int] = field(default_factory=list)  # indexes into data["cells"]
    magics: list[str] = field(default_factory=list)
    virtual: str = ""
    # virtual row (1-based) -> (cell number 1-based, row in cell 1-based)
    rows: dict[int, tuple[int, int]] = field(default_factory=dict)
    python: bool = True  # the kernel runs Python (else the notebook is not checked)

    @classmethod
    def parse(cls, raw: str) -> Notebook:
        try:
            data = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise NotebookError(f"not valid notebook JSON: {exc}") from None
        if not isinstance(data, dict) or not isinstance(data.get("cells"), list):
            raise NotebookError("not a notebook: no cells")
        notebook = cls(raw, data)
        notebook.python = _python_kernel(data.get("metadata"))
        if notebook.python:
            notebook._build()
        return notebook

    def _source(self, cell: dict[str, Any]) -> str:
        source = cell.get("source", "")
        return "".join(source) if isinstance(source, list) else str(source)

    def _build(self) -> None:
        lines: list[str] = []
        for index, cell in enumerate(self.data["cells"]):
            if not isinstance(cell, dict) or cell.get("cell_type") != "code":
                continue
            self.code_cells.append(index)
            lines.append(_MARKER.format(index=index))
            source = self._source(cell)
            cell_lines = source.split("\n")
            opaque = False  # a cell magic whose body is not Python
            python_body = False
            stripped = source.lstrip()
            if stripped.startswith("%%"):
                name = stripped[2:].split(None, 1)[0] if stripped[2:].strip() else ""
                python_body = name in PYTHON_CELL_MAGICS
                opaque = not python_body
            if not opaque and not python_body and not _MAGIC_CHARS.intersection(source):
                # no line can be IPython syntax: the cell is Python as it stands
                start = len(lines)
                lines.extend(cell_lines)
                number = index + 1
                self.rows.update(
                    (start + row, (number, row)) for row in range(1, len(cell_lines) + 1)
                )
                continue
            first = next((i for i, line in enumerate(cell_lines) if line.strip()), 0)
            continued: str | None = None  # the indent of a magic continued by `\`
            for row, line in enumerate(cell_lines, start=1):
                if continued is not None:
                    # `!cmd --a \` + `   --b`: IPython joins the lines of a magic
                    self.magics.append(line)
                    lines.append(continued + _MAGIC_PLACEHOLDER.format(n=len(self.magics) - 1))
                    self.rows[len(lines)] = (index + 1, row)
                    if not line.endswith("\\"):
                        continued = None
                    continue
                if opaque or (python_body and row - 1 == first) or _is_magic(line):
                    indent = "" if opaque else line[: len(line) - len(line.lstrip())]
                    if not opaque and line.endswith("\\"):
                        continued = indent
                    self.magics.append(line)
                    line = indent + _MAGIC_PLACEHOLDER.format(n=len(self.magics) - 1)
                else:
                    assigned = _ASSIGN_MAGIC.match(line)
                    if assigned is not None:
                        if line.endswith("\\"):
                            continued = assigned.group(1)
                        self.magics.append(line)
                        line = _ASSIGN_PLACEHOLDER.format(
                            indent=assigned.group(1),
                            target=assigned.group(2).strip(),
                            n=len(self.magics) - 1,
                        )
                lines.append(line)
                self.rows[len(lines)] = (index + 1, row)
        self.virtual = "\n".join(lines) + "\n"

    def map_diagnostic(self, diagnostic: Diagnostic) -> Diagnostic:
        cell, row = self.rows.get(diagnostic.row, (None, diagnostic.row))
        _, end_row = self.rows.get(diagnostic.end_row, (None, diagnostic.end_row))
        diagnostic.cell = cell
        diagnostic.row = row
        diagnostic.end_row = end_row
        diagnostic.noqa_rows = tuple(self.rows.get(r, (None, r))[1] for r in diagnostic.noqa_rows)
        diagnostic.edit_positions = [
            (
                (self.rows.get(start[0], (0, start[0]))[1], start[1]),
                (self.rows.get(end[0], (0, end[0]))[1], end[1]),
            )
            for start, end in diagnostic.edit_positions
        ]
        return diagnostic

    def cell_sources(self, virtual: str) -> dict[int, str]:
        """Split a (fixed) virtual module back into cell sources."""
        sources: dict[int, list[str]] = {}
        current: int | None = None
        expected = iter(self.code_cells)
        for line in virtual.split("\n"):
            match = _MARKER_RE.match(line)
            if match:
                index = int(match.group(1))
                if index != next(expected, None):
                    raise NotebookError("cell markers out of order after fixing")
                current = index
                sources[current] = []
                continue
            if current is None:
                if line:
                    raise NotebookError("code before the first cell after fixing")
                continue
            magic = _MAGIC_RE.match(line)
            if magic:
                line = self.magics[int(magic.group(2))]
            else:
                assigned = _ASSIGN_RE.match(line)
                if assigned:
                    line = self.magics[int(assigned.group(1))]
            sources[current].append(line)
        if len(sources) != len(self.code_cells):
            raise NotebookError("cells lost after fixing")
        result = {}
        for index, lines in sources.items():
            # the virtual module ends with one newline more than the last cell
            if index == self.code_cells[-1] and lines and lines[-1] == "":
                lines = lines[:-1]
            result[index] = "\n".join(lines)
        return result

    def changed_cells(self, virtual: str) -> dict[int, tuple[str, str]]:
        """Cell index -> (old source, new source) for the cells a fix changed."""
        new_sources = self.cell_sources(virtual)
        changed = {}
        for index, new in new_sources.items():
            old = self._source(self.data["cells"][index])
            if new != old:
                changed[index] = (old, new)
        return changed

    def render(self, changed: dict[int, tuple[str, str]]) -> str:
        """The notebook's JSON with the changed cells' sources replaced,
        serialised exactly as it was (indent, key order, final newline)."""
        style = self._json_style()
        if style is None:
            raise NotebookError("the notebook's JSON layout is not one kerasfix can reproduce")
        indent, sort_keys = style
        data = json.loads(self.raw)
        for index, (_, new) in changed.items():
            cell = data["cells"][index]
            if isinstance(cell.get("source"), list):
                cell["source"] = new.splitlines(keepends=True)
            else:
                cell["source"] = new
        return self._dump(data, indent, sort_keys)

    def _dump(self, data: Any, indent: int | None, sort_keys: bool) -> str:
        text = json.dumps(data, indent=indent, sort_keys=sort_keys, ensure_ascii=False)
        return text + ("\n" if self.raw.endswith("\n") else "")

    def _json_style(self) -> tuple[int | None, bool] | None:
        original = json.loads(self.raw)
        for indent in (1, 2, 4, None):
            for sort_keys in (True, False):
                if self._dump(original, indent, sort_keys) == self.raw:
                    return indent, sort_keys
        return None
