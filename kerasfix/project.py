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
