"""Which files to check: walk directories for Python files and notebooks,
skipping what git ignores, what the configuration excludes and, like Ruff,
version-control folders, virtualenvs, caches and build output.

Each folder is judged by the settings that apply in it (the nearest
configuration above it), with that configuration's patterns relative to its
own folder, so ``kerasfix check sub/`` and ``cd sub/legacy && kerasfix
check .`` exclude the same files.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from typing import Any

from kerasfix.engine.config import Resolver
from kerasfix.settings import Settings

SOURCE_SUFFIXES = (".py", ".ipynb")
# Never walked, whatever the configuration says.
ALWAYS_SKIPPED = frozenset({".git", ".hg", ".svn", "__pycache__", ".kerasfix_cache"})
# Ruff's default `exclude`; a configuration's `exclude` replaces it.
DEFAULT_EXCLUDE: tuple[str, ...] = (
    ".bzr",
    ".direnv",
    ".eggs",
    ".git",
    ".git-rewrite",
    ".hg",
    ".ipynb_checkpoints",
    ".mypy_cache",
    ".nox",
    ".pants.d",
    ".pyenv",
    ".pytest_cache",
    ".pytype",
    ".ruff_cache",
    ".svn",
    ".tox",
    ".venv",
    ".vscode",
    "__pypackages__",
    "_build",
    "buck-out",
    "build",
    "dist",
    "node_modules",
    "site-packages",
    "venv",
)


def _is_virtualenv(path: str) -> bool:
    return os.path.exists(os.path.join(path, "pyvenv.cfg")) or os.path.exists(
        os.path.join(path, "conda-meta")
    )


class _Specs:
    """Compiled exclusion patterns, once per settings."""

    def __init__(self) -> None:
        import pathspec

        self._pathspec = pathspec
        self._by_settings: dict[int, list[tuple[str, Any]]] = {}
        self._keep: list[Settings] = []

    def _compile(self, lines: Sequence[str]) -> Any:
        return self._pathspec.GitIgnoreSpec.from_lines(list(lines))

    def of(self, settings: Settings) -> list[tuple[str, Any]]:
        found = self._by_settings.get(id(settings))
        if found is None:
            root = settings.root or os.getcwd()
            excludes = settings.exclude if settings.exclude is not None else DEFAULT_EXCLUDE
            found = [(root, self._compile(excludes))] if excludes else []
            by_base: dict[str, list[str]] = {}
            for base, pattern in settings.extend_exclude:
                by_base.setdefault(base, []).append(pattern)
            found.extend((base, self._compile(lines)) for base, lines in by_base.items())
            self._by_settings[id(settings)] = found
            self._keep.append(settings)  # ids stay unique while kept
        return found

    def excluded(self, path: str, is_dir: bool, settings: Settings) -> bool:
        for base, spec in self.of(settings):
            rel = os.path.relpath(path, base)
            if rel == "." or rel.startswith(".." + os.sep) or rel == "..":
                # outside the patterns' folder: only names can match
                rel = os.path.basename(path)
            rel = rel.replace(os.sep, "/")
            if is_dir:
                rel += "/"
            if spec.match_file(rel):
                return True
        return False

    def gitignore(self, directory: str) -> Any | None:
        path = os.path.join(directory, ".gitignore")
        if not os.path.isfile(path):
            return None
        try:
            with open(path, encoding="utf-8", errors="replace") as handle:
                return self._compile(handle.read().splitlines())
        except OSError:
            return None


def _git_root(start: str) -> str | None:
    current = os.path.abspath(start)
    while True:
        if os.path.exists(os.path.join(current, ".git")):
            return current
        parent = os.path.dirname(current)
        if parent == current:
            return None
        current = parent


class _Walk:
    def __init__(self, resolver: Resolver, suffixes: Sequence[str]) -> None:
        self.resolver = resolver
        self.suffixes = tuple(suffixes)
        self.specs = _Specs()
        self.gitignores: list[tuple[str, Any]] = []
        self.seen: set[str] = set()

    def ignored_by_git(self, path: str, is_dir: bool) -> bool:
        for base, spec in self.gitignores:
            rel = os.path.relpath(path, base)
            if rel.startswith(".."):
                continue
            rel = rel.replace(os.sep, "/") + ("/" if is_dir else "")
            if spec.match_file(rel):
                return True
        return False

    def start(self, root: str) -> None:
        """The .gitignore files above ``root`` up to the repository's top."""
        self.gitignores = []
        git_root = _git_root(root)
        if git_root is None:
            return
        chain = []
        current = root
        while True:
            chain.append(current)
            if current == git_root:
                break
            current = os.path.dirname(current)
        for directory in reversed(chain[1:]):
            spec = self.specs.gitignore(directory)
            if spec is not None:
                self.gitignores.append((directory, spec))

    def walk(self, top: str) -> Iterator[str]:
        absolute_top = os.path.abspath(top)
        spec = self.specs.gitignore(absolute_top)
        if spec is not None:
            self.gitignores.append((absolute_top, spec))
        saved = len(self.gitignores)
        try:
            entries = sorted(os.scandir(top), key=lambda e: e.name)
        except OSError:
            return
        settings = self.resolver.settings_for_dir(absolute_top)
        dirs = []
        for entry in entries:
            try:
                is_dir = entry.is_dir(follow_symlinks=False)
                is_file = entry.is_file()
            except OSError:
                continue
            full = os.path.join(absolute_top, entry.name)
            if is_dir:
                if entry.name in ALWAYS_SKIPPED or _is_virtualenv(entry.path):
                    continue
                if self.specs.excluded(full, True, settings) or self.ignored_by_git(full, True):
                    continue
                dirs.append(entry.path)
            elif is_file and entry.name.endswith(self.suffixes):
                if self.specs.excluded(full, False, settings) or self.ignored_by_git(full, False):
                    continue
                path = os.path.normpath(entry.path)
                if path not in self.seen:
                    self.seen.add(path)
                    yield path
        for directory in dirs:
            yield from self.walk(directory)
            del self.gitignores[saved:]


def find_files(
    paths: Sequence[str],
    resolver: Resolver | None = None,
    suffixes: Sequence[str] = SOURCE_SUFFIXES,
    force_exclude: bool = False,
) -> Iterator[str]:
    """Files to check, in a stable order. Directories are walked; files named
    explicitly are always checked, unless ``force_exclude`` and an exclusion
    pattern matches them (or a folder they are in)."""
    if resolver is None:
        from kerasfix.engine.config import Overrides
        from kerasfix.rules import all_codes

        resolver = Resolver(Overrides(), all_codes())
    walk = _Walk(resolver, suffixes)
    for path in paths:
        if not os.path.isdir(path):
            path = os.path.normpath(path)
            if force_exclude and walk.specs.excluded(
                os.path.abspath(path), False, resolver.settings_for(path)
            ):
                continue
            if path not in walk.seen:
                walk.seen.add(path)
                yield path
            continue
        walk.start(os.path.abspath(path))
        yield from walk.walk(path)
