"""Where a checked file's project begins.

The project root is the nearest folder at or above a file that holds
``pyproject.toml``, ``setup.py``, ``setup.cfg`` or ``.git``. The cache lives
there, one per project, whatever folder kerasfix is run from.
"""

from __future__ import annotations

import os
from functools import lru_cache

ROOT_MARKERS = ("pyproject.toml", "setup.py", "setup.cfg", ".git")


@lru_cache(maxsize=4096)
def project_root_of_dir(directory: str) -> str | None:
    """The project root for files in ``directory`` (an absolute path), or None."""
    current = directory
    while True:
        if any(os.path.exists(os.path.join(current, marker)) for marker in ROOT_MARKERS):
            return current
        parent = os.path.dirname(current)
        if parent == current:
            return None
        current = parent


def project_root(path: str) -> str | None:
    """The project root of the file ``path``, or None outside any project."""
    return project_root_of_dir(os.path.dirname(os.path.abspath(path)))


# Folders Python puts on the import path besides a project's root.
IMPORT_PATH_FOLDERS = ("site-packages", "dist-packages", "src")


@lru_cache(maxsize=4096)
def _package_of_dir(directory: str) -> tuple[str, ...] | None:
    """The dotted package Python imports ``directory`` as: the chain of folders with
    ``__init__.py`` above it, when the folder above that chain is on the import path
    (a project root, ``src/``, ``site-packages``). None when it is not a package."""
    parts: list[str] = []
    current = directory
    while os.path.isfile(os.path.join(current, "__init__.py")):
        parts.append(os.path.basename(current))
        parent = os.path.dirname(current)
        if parent == current:
            return None
        current = parent
    if not parts:
        return None
    if os.path.basename(current) in IMPORT_PATH_FOLDERS or project_root_of_dir(current) == current:
        return tuple(reversed(parts))
    return None


def importable_package(path: str) -> tuple[str, ...] | None:
    """The package (as its dotted parts) that the file ``path`` belongs to when Python imports
    it from a folder on the import path, or None (a script, a loose folder, a text on stdin)."""
    return _package_of_dir(os.path.dirname(os.path.abspath(path)))
