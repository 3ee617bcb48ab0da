"""Record everything kerasfix says and does to a set of files, to compare two versions.

A redesign that must not change behaviour is proven by running this script under
the old and the new code over the same files and comparing the two records::

    python tools/equivalence.py --out new.jsonl fixtures/ ../shared/corpus/keras-repos
    PYTHONPATH=/path/to/old python tools/equivalence.py --out old.jsonl fixtures/ …
    cmp old.jsonl new.jsonl

Each line is one file: its diagnostics (code, message, positions, fix and its
edits) with the pre-parse filters on and off and with the opt-in KF2 family selected too,
and its text after the safe fixes and after the unsafe ones. A notebook is read as the
engine reads it (its code cells as one module, findings mapped back to cells).
``--generate N DIR`` first writes N Keras scripts drawn from the property tests' generator
into DIR (drawn once, then read by both runs).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import replace
from pathlib import Path

SUFFIXES = (".py", ".pyi", ".ipynb")


def files_under(paths: list[str]) -> list[Path]:
    found: list[Path] = []
    for name in paths:
        path = Path(name)
        if path.is_file():
            found.append(path)
            continue
        for folder, dirs, files in os.walk(path):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            found.extend(Path(folder, f) for f in sorted(files) if f.endswith(SUFFIXES))
    return found


def generate(count: int, target: Path) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from tests.test_properties import keras_scripts  # the property tests' generator

    target.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        (target / f"generated_{i:05d}.py").write_text(keras_scripts().example(), encoding="utf-8")


def record(path: Path) -> dict[str, object]:
    try:
        from kerasfix.analysis import reads
    except ImportError:  # a tree from before 2026-12-08 kept the record in the inference
        from kerasfix.analysis.inference import modules as reads  # type: ignore[no-redef]
    from kerasfix.engine.pipeline import process_notebook, process_text
    from kerasfix.settings import Settings

    text = path.read_text(encoding="utf-8", errors="surrogateescape")
    name = str(path)
    process = process_notebook if name.endswith(".ipynb") else process_text
    entry: dict[str, object] = {"path": name}
    reads.start_file()
    backend = frozenset({"KF0", "KF1", "KF2", "KF9"})
    for label, settings in (
        ("filtered", Settings()),
        ("unfiltered", Settings(prefilter=False)),
        ("kf2", Settings(select=backend)),
        ("kf2 unfiltered", Settings(select=backend, prefilter=False)),
    ):
        diagnostics = process(text, name, settings, False).diagnostics
        entry[label] = [
            [
                d.code,
                d.message,
                d.row,
                d.column,
                d.end_row,
                d.end_column,
                d.cell,
                None
                if d.fix is None
                else [
                    str(d.fix.applicability),
                    d.fix.message,
                    [[e.start, e.end, e.content] for e in d.fix.edits],
                ],
            ]
            for d in diagnostics
        ]
    for label, settings in (  # type: ignore[assignment]
        ("safe", Settings()),
        ("unsafe", replace(Settings(), unsafe_fixes=True)),
        ("kf2 unsafe", Settings(select=backend, unsafe_fixes=True)),
    ):
        result = process(text, name, settings, True)
        entry[label] = result.new_text
    return entry


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*")
    parser.add_argument("--out", required=True)
    parser.add_argument("--generate", nargs=2, metavar=("N", "DIR"))
    args = parser.parse_args()
    paths = list(args.paths)
    if args.generate:
        count, folder = int(args.generate[0]), Path(args.generate[1])
        if not folder.exists():
            generate(count, folder)
        paths.append(str(folder))
    with open(args.out, "w", encoding="utf-8") as out:
        for path in files_under(paths):
            out.write(json.dumps(record(path), ensure_ascii=False, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
