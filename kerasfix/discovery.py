"""Which files to check: walk directories for Python files, skipping what git
ignores, version-control folders, virtualenvs and caches."""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence

SOURCE_SUFFIXES = (".py", ".ipynb")
SKIP_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        "__pycache__",
        ".tox",
        ".nox",
        ".venv",
        ".mypy_cache",
        ".ruff_cache",
        ".pytest_cache",
        ".kerasfix_cache",
        ".ipynb_checkpoints",
        "node_modules",
        "__pypackages__",
    }
)


def _is_virtualenv(path: str) -> bool:
    return os.path.exists(os.path.join(path, "pyvenv.cfg")) or os.path.exists(
        os.path.join(path, "conda-meta")
    )


class _Ignores:
    """The .gitignore files that apply to a walk, each relative to its folder."""

    def __init__(self, extra_patterns: Sequence[str], root: str) -> None:
        import pathspec

        self._pathspec = pathspec
        self.specs: list[tuple[str, object]] = []
        if extra_patterns:
            self.specs.append((root, pathspec.GitIgnoreSpec.from_lines(list(extra_patterns))))

    def add_dir(self, directory: str) -> None:
        path = os.path.join(directory, ".gitignore")
        if os.path.isfile(path):
            try:
                with open(path, encoding="utf-8", errors="replace") as handle:
                    spec = self._pathspec.GitIgnoreSpec.from_lines(handle.read().splitlines())
            except OSError:
                return
            self.specs.append((directory, spec))

    def ignored(self, path: str, is_dir: bool) -> bool:
        for base, spec in self.specs:
            rel = os.path.relpath(path, base)
            if rel.startswith(".."):
                continue
            rel = rel.replace(os.sep, "/")
            if is_dir:
                rel += "/"
            if spec.match_file(rel):  # type: ignore[attr-defined]
                return True
        return False


def _git_root(start: str) -> str | None:
    current = os.path.abspath(start)
    while True:
        if os.path.exists(os.path.join(current, ".git")):
            return current
        parent = os.path.dirname(current)
        if parent == current:
            return None
        current = parent


def find_files(
    paths: Sequence[str],
    extend_exclude: Sequence[str] = (),
    suffixes: Sequence[str] = SOURCE_SUFFIXES,
    force_exclude: bool = False,
) -> Iterator[str]:
    """Files to check, in a stable order. Directories are walked; files named
    explicitly are always checked, unless ``force_exclude`` and an
    extend-exclude pattern matches them."""
    seen: set[str] = set()
    explicit = _Ignores(extend_exclude, os.getcwd()) if force_exclude else None
    for path in paths:
        if not os.path.isdir(path):
            path = os.path.normpath(path)
            if explicit is not None and explicit.ignored(os.path.abspath(path), False):
                continue
            if path not in seen:
                seen.add(path)
                yield path
            continue
        root = os.path.abspath(path)
        ignores = _Ignores(extend_exclude, root)
        git_root = _git_root(root)
        if git_root is not None:
            chain = []
            current = root
            while True:
                chain.append(current)
                if current == git_root:
                    break
                current = os.path.dirname(current)
            for directory in reversed(chain[1:]):
                ignores.add_dir(directory)
        yield from _walk(path, ignores, suffixes, seen)


def _walk(top: str, ignores: _Ignores, suffixes: Sequence[str], seen: set[str]) -> Iterator[str]:
    ignores.add_dir(os.path.abspath(top))
    try:
        entries = sorted(os.scandir(top), key=lambda e: e.name)
    except OSError:
        return
    dirs = []
    for entry in entries:
        try:
            is_dir = entry.is_dir(follow_symlinks=False)
            is_file = entry.is_file()
        except OSError:
            continue
        full = os.path.abspath(entry.path)
        if is_dir:
            if entry.name in SKIP_DIRS or _is_virtualenv(entry.path):
                continue
            if ignores.ignored(full, True):
                continue
            dirs.append(entry.path)
        elif is_file and entry.name.endswith(tuple(suffixes)):
            if ignores.ignored(full, False):
                continue
            path = os.path.normpath(entry.path)
            if path not in seen:
                seen.add(path)
                yield path
    for directory in dirs:
        saved = len(ignores.specs)
        yield from _walk(directory, ignores, suffixes, seen)
        del ignores.specs[saved:]
