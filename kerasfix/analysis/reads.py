"""Which of the project's other files the analysis of one file read.

A result that used another module of the project (a model built there, a function defined
there) holds only while that module is unchanged, so the cache keeps the list beside it.
Recorded here, apart from the inference that reads them, so that the engine can start and
end each file without loading the inference.
"""

from __future__ import annotations

_used: set[str] = set()


def start_file() -> None:
    """A new file's analysis begins: nothing read for it yet."""
    _used.clear()


def read(path: str) -> None:
    """The analysis of the current file read the project file ``path``."""
    _used.add(path)


def files_used() -> frozenset[str]:
    return frozenset(_used)
