"""The parse floor: what CPython's own parser costs on the files a kerasfix run must parse.

Every ``.py`` file, and every notebook's code cells joined, whose text mentions Keras or
TensorFlow is read and given to ``ast.parse`` (a file that refers to Keras must parse, or be
reported, so no design of kerasfix can skip it); other files are only read. One process, as
the other tools in the bench; ``bench/run.py`` times it beside them.
"""

from __future__ import annotations

import ast
import json
import os
import sys
import warnings

SKIPPED = {".git", ".venv", "venv", "__pycache__", "build", "dist", "node_modules"}


def code_of(path: str) -> str:
    with open(path, encoding="utf-8", errors="replace") as handle:
        text = handle.read()
    if not path.endswith(".ipynb"):
        return text
    try:
        cells = json.loads(text).get("cells", [])
    except (ValueError, AttributeError):
        return ""
    sources = []
    for cell in cells:
        if isinstance(cell, dict) and cell.get("cell_type") == "code":
            source = cell.get("source", "")
            lines = "".join(source) if isinstance(source, list) else str(source)
            # IPython syntax is left out, as kerasfix leaves it out of the parse
            sources.append(
                "\n".join(
                    "pass" if line.lstrip().startswith(("%", "!", "?")) else line
                    for line in lines.split("\n")
                )
            )
    return "\n".join(sources)


def main() -> None:
    parsed = 0
    warnings.simplefilter("ignore")
    for root in sys.argv[1:]:
        for folder, dirs, files in os.walk(root):
            dirs[:] = [d for d in dirs if d not in SKIPPED]
            for name in files:
                if not name.endswith((".py", ".ipynb")):
                    continue
                text = code_of(os.path.join(folder, name))
                if "keras" in text or "tensorflow" in text:
                    try:
                        ast.parse(text)
                    except (SyntaxError, ValueError, RecursionError, MemoryError):
                        pass
                    parsed += 1
    print(parsed, file=sys.stderr)


if __name__ == "__main__":
    main()
