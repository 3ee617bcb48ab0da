"""The project's other modules: where an import leads, read on demand.

A name imported from the project (``from shop.nets import build_classifier``,
``import shop.nets as nets``, ``from .nets import …``, ``from models import
build_model`` beside a script) is found as a file the way Python would find
it — the importing file's own folder first (a script's ``sys.path[0]``), then
the project root and its ``src/`` — and parsed once per content. Imports that
leave the project (keras, numpy, the standard library…) are never looked up.
Nothing here executes code: a module is only read and parsed, and one that
cannot be read or parsed contributes nothing.
"""

from __future__ import annotations

import ast
import os
import posixpath
from functools import lru_cache

from kerasfix import knowledge as kb
from kerasfix.analysis import reads
from kerasfix.analysis.walk import all_nodes
from kerasfix.project import project_root
from kerasfix.source import SourceError, decode

# A module larger than this is not read for another file's sake.
MAX_MODULE_BYTES = 2_000_000


class ProjectModules:
    """The modules one file can import from its project."""

    def __init__(self, path: str) -> None:
        self.path = os.path.abspath(path)
        self.root = project_root(self.path)
        folder = os.path.dirname(self.path)
        roots = [folder]
        if self.root is not None:
            roots += [self.root, os.path.join(self.root, "src")]
        self.search = [r for i, r in enumerate(roots) if r not in roots[:i]]
        self.package = self._package()

    def _package(self) -> str | None:
        """The dotted package of the file, from its path under the root (or
        ``src/``), for relative imports; None outside a project."""
        if self.root is None:
            return None
        relative = os.path.relpath(self.path, self.root)
        parts = relative.replace(os.sep, "/").split("/")
        if parts[0] == "src" and len(parts) > 1:
            parts = parts[1:]
        if any(not p.isidentifier() for p in parts[:-1]) or parts[0] == "..":
            return None
        return ".".join(parts[:-1])

    def absolute(self, node: ast.ImportFrom, name: str) -> str | None:
        """The qualified name ``from .x import name`` binds, or None."""
        if self.package is None:
            return None
        base = self.package.split(".") if self.package else []
        if node.level - 1 > len(base):
            return None
        if node.level > 1:
            base = base[: len(base) - (node.level - 1)]
        parts = [*base, *(node.module.split(".") if node.module else []), name]
        return ".".join(p for p in parts if p)

    def find(self, qualname: str) -> tuple[str, list[str]] | None:
        """The project file a qualified name leads into, and the names after
        the module's (``shop.nets.build`` → (``…/shop/nets.py``, [build]))."""
        parts = qualname.split(".")
        if kb.is_external(parts[0]) or not all(p.isidentifier() for p in parts):
            return None
        for count in range(len(parts), 0, -1):
            for folder in self.search:
                found = _module_file(folder, tuple(parts[:count]))
                if found is not None and found != self.path:
                    return found, parts[count:]
        return None


@lru_cache(maxsize=4096)
def _module_file(folder: str, parts: tuple[str, ...]) -> str | None:
    base = os.path.join(folder, *parts)
    for candidate in (base + ".py", os.path.join(base, "__init__.py")):
        if os.path.isfile(candidate):
            return candidate
    return None


_parsed: dict[str, tuple[tuple[int, int], ast.Module | None]] = {}


def parsed(path: str) -> ast.Module | None:
    """The parsed module at ``path`` (once per content: size and mtime), or
    None when it cannot be read, decoded or parsed."""
    try:
        status = os.stat(path)
    except OSError:
        return None
    stamp = (status.st_size, status.st_mtime_ns)
    cached = _parsed.get(path)
    if cached is not None and cached[0] == stamp:
        reads.read(path)
        return cached[1]
    module: ast.Module | None = None
    if status.st_size <= MAX_MODULE_BYTES:
        try:
            with open(path, "rb") as handle:
                text = decode(handle.read()).text
            module = ast.parse(text, path)
        except (OSError, SourceError, SyntaxError, ValueError, RecursionError, MemoryError):
            module = None
    _parsed[path] = (stamp, module)
    reads.read(path)
    return module


# A package larger than this is not searched for another file's sake.
MAX_PACKAGE_FILES = 2000


@lru_cache(maxsize=64)
def _package_listing(top: str) -> tuple[str, ...]:
    found: list[str] = []
    for folder, dirs, files in os.walk(top):
        dirs[:] = sorted(
            d
            for d in dirs
            if not d.startswith((".", "__"))
            and os.path.isfile(os.path.join(folder, d, "__init__.py"))
        )
        found.extend(os.path.join(folder, f) for f in sorted(files) if f.endswith(".py"))
        if len(found) > MAX_PACKAGE_FILES:
            return ()
    return tuple(found)


def project_files(path: str) -> tuple[str, ...]:
    """The project's importable modules for ``path``: the modules and packages at its root and
    in ``src/`` (a folder without ``__init__.py`` there, such as ``scripts/`` or
    ``examples/``, is not importable and not searched), and the outermost package ``path``
    itself belongs to; () past the size bound."""
    found = list(package_files(path))
    root = project_root(os.path.abspath(path))
    if root is not None:
        for top in (root, os.path.join(root, "src")):
            found.extend(_top_level(top))
    if len(found) > MAX_PACKAGE_FILES:
        return ()
    return tuple(dict.fromkeys(found))


@lru_cache(maxsize=64)
def _top_level(top: str) -> tuple[str, ...]:
    try:
        entries = sorted(os.scandir(top), key=lambda e: e.name)
    except OSError:
        return ()
    found: list[str] = []
    for entry in entries:
        if entry.name.startswith((".", "__")):
            continue
        if entry.is_file() and entry.name.endswith(".py"):
            found.append(entry.path)
        elif entry.is_dir() and os.path.isfile(os.path.join(entry.path, "__init__.py")):
            found.extend(_package_listing(entry.path))
    return tuple(found)


def package_files(path: str) -> tuple[str, ...]:
    """The modules of the outermost package ``path`` belongs to (folders with an
    ``__init__.py``, as Python imports them), or () for a file outside a package (a script,
    a folder of examples) or one too large to search."""
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isfile(os.path.join(folder, "__init__.py")):
        return ()
    while os.path.isfile(os.path.join(os.path.dirname(folder), "__init__.py")):
        folder = os.path.dirname(folder)
    return _package_listing(folder)


def mentions(path: str, word: str) -> bool:
    """Whether the file's bytes hold ``word`` (read, not parsed; noted as used, so that a
    result which relied on its absence goes stale with it)."""
    try:
        if os.path.getsize(path) > MAX_MODULE_BYTES:
            return False
        with open(path, "rb") as handle:
            found = word.encode() in handle.read()
    except OSError:
        return False
    reads.read(path)
    return found


def files_naming(path: str, name: str) -> tuple[str, ...]:
    """The other files of ``path``'s project that hold the file name ``name`` (its last part):
    the scripts and notebooks in its own folder, and the project's importable modules. A file
    a program writes under one name and another reads is renamed on both sides or neither."""
    leaf = name.replace("\\", "/").rsplit("/", 1)[-1]
    own = os.path.abspath(path)
    folder = os.path.dirname(own)
    try:
        siblings = [
            e.path for e in os.scandir(folder) if e.is_file() and e.name.endswith((".py", ".ipynb"))
        ]
    except OSError:
        siblings = []
    candidates = dict.fromkeys([*sorted(siblings), *project_files(path)])
    return tuple(
        p
        for p in candidates
        if os.path.abspath(p) != own and leaf and mentions(p, leaf) and _may_name(p, name, leaf)
    )


# Calls whose first argument (or ``filepath=``) is the file a model or its weights is written
# to or read from; and calls whose strings are messages, not paths.
_FILE_CALLS = frozenset({"save", "save_weights", "load_weights", "save_model", "load_model"})
_MESSAGE_CALLS = frozenset({"print", "info", "debug", "warning", "warn"})


def _may_name(path: str, name: str, leaf: str) -> bool:
    """Whether the file at ``path``, which holds ``leaf``, may name the file ``name`` too.
    Not when every string there holding it is a message (``print``, a log call, a docstring)
    or, whole, the file a model or its weights is saved to or loaded from under another path
    (``save_weights("weights.ckpt")`` beside ``save_weights("ckpt/weights.ckpt")``: one
    folder's scripts, run from one directory, write two files). A path built in pieces, a
    notebook, a file that does not parse: may."""
    module = parsed(path) if path.endswith(".py") else None
    if module is None:
        return True
    target = posixpath.normpath(name.replace("\\", "/"))
    skipped: set[int] = set()  # strings that are messages
    direct: set[int] = set()  # strings that are a saved or loaded file, whole
    holding: list[ast.Constant] = []  # strings that hold the name
    for node in all_nodes(module):
        if isinstance(node, ast.Constant):
            if isinstance(node.value, str) and leaf in node.value:
                holding.append(node)
        elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            skipped.add(id(node.value))  # a docstring
        elif isinstance(node, ast.Call):
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            if called in _MESSAGE_CALLS:
                skipped.update(id(n) for a in node.args for n in all_nodes(a))
            elif called in _FILE_CALLS:
                by_name = [k.value for k in node.keywords if k.arg == "filepath"]
                direct.update(id(a) for a in node.args[:1] + by_name)
    return any(
        id(node) not in skipped
        and (id(node) not in direct or posixpath.normpath(node.value.replace("\\", "/")) == target)
        for node in holding
    )
