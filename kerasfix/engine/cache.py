"""Results cached per file content, kerasfix version and settings.

One cache per project, at its root (:mod:`kerasfix.project`):
``.kerasfix_cache/cache.json``. It is plain data, never code: JSON read with
the standard library and every entry checked field by field. A repository
can commit such a file, so an entry also carries a keyed hash (HMAC) made
with a secret that lives outside every checked tree, in the user's cache
folder (``$XDG_CACHE_HOME/kerasfix/secret``): an entry that does not verify
— planted, tampered, or from another machine — is ignored and its file
checked afresh. A cache can neither run code nor hide a finding.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
import os
import secrets
from dataclasses import dataclass, field
from typing import Any

from kerasfix._version import __version__
from kerasfix.diagnostic import Applicability, Diagnostic, Edit, Fix
from kerasfix.project import project_root

CACHE_DIR = ".kerasfix_cache"
CACHE_FILE = "cache.json"
FORMAT = 1


@functools.cache
def code_version() -> str:
    """The version the cache is kept for: kerasfix's, and the size and time of each of its
    files (a checkout edited in place, or an install upgraded without a new version number,
    never reads results an older kerasfix wrote)."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # the package
    stamps = []
    for folder, folders, files in os.walk(root):
        folders[:] = [f for f in folders if f != "__pycache__"]
        for name in sorted(files):
            if name.endswith((".py", ".json")):
                stat = os.stat(os.path.join(folder, name))
                stamps.append(f"{name}:{stat.st_size}:{stat.st_mtime_ns}")
    return f"{__version__}+{content_hash(chr(10).join(sorted(stamps)).encode())[:12]}"


def content_hash(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def _secret_path() -> str:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "kerasfix", "secret")


_HASHES: dict[tuple[str, int, int], str] = {}


def _file_hash(path: str) -> str | None:
    """The content hash of a file (once per size and mtime in a run), or None."""
    try:
        status = os.stat(path)
        stamp = (path, status.st_size, status.st_mtime_ns)
        found = _HASHES.get(stamp)
        if found is None:
            with open(path, "rb") as handle:
                found = _HASHES[stamp] = content_hash(handle.read())
        return found
    except OSError:
        return None


def load_secret() -> bytes | None:
    """This user's key for the cache's hashes, made on first use; None if it
    can be neither read nor made (then nothing is cached)."""
    path = _secret_path()
    try:
        with open(path, "rb") as handle:
            key = handle.read()
        if len(key) >= 32:
            return key
    except OSError:
        pass
    key = secrets.token_bytes(32)
    try:
        os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(key)
        return key
    except FileExistsError:
        try:  # another process made it first
            with open(path, "rb") as handle:
                key = handle.read()
            return key if len(key) >= 32 else None
        except OSError:
            return None
    except OSError:
        return None


# -- diagnostics as plain data -------------------------------------------------


def _diagnostic_data(d: Diagnostic) -> dict[str, Any]:
    fix = None
    if d.fix is not None:
        fix = {
            "applicability": d.fix.applicability.value,
            "message": d.fix.message,
            "edits": [[e.start, e.end, e.content] for e in d.fix.edits],
        }
    return {
        "code": d.code,
        "name": d.name,
        "message": d.message,
        "row": d.row,
        "column": d.column,
        "end_row": d.end_row,
        "end_column": d.end_column,
        "cell": d.cell,
        "source_line": d.source_line,
        "noqa_rows": list(d.noqa_rows),
        "fix": fix,
        "edit_positions": [[list(a), list(b)] for a, b in d.edit_positions],
    }


def _int(value: Any) -> int:
    if type(value) is not int or value < 0:
        raise ValueError(value)
    return value


def _str(value: Any) -> str:
    if type(value) is not str:
        raise ValueError(value)
    return value


def _list(value: Any) -> list[Any]:
    if type(value) is not list:
        raise ValueError(value)
    return value


def _position(value: Any) -> tuple[int, int]:
    row, column = _list(value)
    return _int(row), _int(column)


def _diagnostic_from(data: Any, path: str) -> Diagnostic:
    """A diagnostic from cached data; ValueError (or TypeError) unless every
    field has the type it must have."""
    if type(data) is not dict:
        raise ValueError(data)
    fix = None
    raw_fix = data["fix"]
    if raw_fix is not None:
        if type(raw_fix) is not dict:
            raise ValueError(raw_fix)
        edits = []
        for item in _list(raw_fix["edits"]):
            start, end, content = _list(item)
            edits.append(Edit(_int(start), _int(end), _str(content)))
        fix = Fix(
            Applicability(_str(raw_fix["applicability"])), _str(raw_fix["message"]), tuple(edits)
        )
    cell = data["cell"]
    if cell is not None:
        cell = _int(cell)
    return Diagnostic(
        code=_str(data["code"]),
        name=_str(data["name"]),
        message=_str(data["message"]),
        path=path,
        row=_int(data["row"]),
        column=_int(data["column"]),
        end_row=_int(data["end_row"]),
        end_column=_int(data["end_column"]),
        fix=fix,
        cell=cell,
        source_line=_str(data["source_line"]),
        noqa_rows=tuple(_int(r) for r in _list(data["noqa_rows"])),
        edit_positions=[
            (_position(a), _position(b))
            for a, b in (_list(p) for p in _list(data["edit_positions"]))
        ],
    )


@dataclass
class _ProjectCache:
    path: str  # the cache file
    root: str
    entries: dict[str, dict[str, Any]] = field(default_factory=dict)
    dirty: bool = False


class Cache:
    """The caches of the projects a run touches, each loaded on first use."""

    def __init__(self, secret: bytes | None = None) -> None:
        self.secret = secret if secret is not None else load_secret()
        self._projects: dict[str, _ProjectCache] = {}

    @classmethod
    def load(cls) -> Cache:
        return cls()

    @property
    def usable(self) -> bool:
        return self.secret is not None

    def _project(self, path: str) -> tuple[_ProjectCache, str]:
        absolute = os.path.abspath(path)
        root = project_root(absolute) or os.getcwd()
        project = self._projects.get(root)
        if project is None:
            project = _ProjectCache(os.path.join(root, CACHE_DIR, CACHE_FILE), root)
            project.entries = self._read(project.path)
            self._projects[root] = project
        return project, os.path.relpath(absolute, root)

    def _read(self, path: str) -> dict[str, dict[str, Any]]:
        try:
            with open(path, "rb") as handle:
                document = json.loads(handle.read())
        except (OSError, ValueError, RecursionError):
            return {}  # no cache, or not one kerasfix wrote: start afresh
        if (
            type(document) is not dict
            or document.get("format") != FORMAT
            or document.get("kerasfix") != code_version()
            or type(document.get("entries")) is not dict
        ):
            return {}
        return document["entries"]

    def _mac(
        self, relative: str, digest: str, key: str, diagnostics: Any, depends: Any = None
    ) -> str:
        assert self.secret is not None
        signed = [code_version(), relative, digest, key, diagnostics]
        if depends:
            signed.append(depends)
        message = json.dumps(signed, sort_keys=True, ensure_ascii=True)
        return hmac.new(self.secret, message.encode(), hashlib.sha256).hexdigest()

    def get(self, path: str, digest: str, settings_key: str) -> list[Diagnostic] | None:
        """The cached diagnostics of ``path`` with these contents and
        settings, reported under the path as spelled now; None on a miss or
        on an entry that is malformed or does not verify."""
        if not self.usable:
            return None
        project, relative = self._project(path)
        entry = project.entries.get(relative)
        if type(entry) is not dict:
            return None
        try:
            if entry["digest"] != digest or entry["settings"] != settings_key:
                return None
            depends = entry.get("depends")
            expected = self._mac(relative, digest, settings_key, entry["diagnostics"], depends)
            if not hmac.compare_digest(_str(entry["mac"]), expected):
                return None
            if depends is not None:
                # the project modules the result read must be unchanged too
                if type(depends) is not dict or any(
                    _file_hash(_str(other)) != _str(hashed) for other, hashed in depends.items()
                ):
                    return None
            return [_diagnostic_from(d, path) for d in _list(entry["diagnostics"])]
        except (KeyError, ValueError, TypeError):
            return None

    def put(
        self,
        path: str,
        digest: str,
        settings_key: str,
        diagnostics: list[Diagnostic],
        depends: frozenset[str] = frozenset(),
    ) -> None:
        """Store a result; ``depends`` are the other project modules it read
        (a hit then also needs each of them unchanged)."""
        if not self.usable or any(d.internal for d in diagnostics):
            return  # an internal error is never cached
        hashes: dict[str, str] = {}
        for other in sorted(depends):
            hashed = _file_hash(other)
            if hashed is None:
                return  # gone already: nothing to hold the result to
            hashes[other] = hashed
        project, relative = self._project(path)
        data = [_diagnostic_data(d) for d in diagnostics]
        entry: dict[str, Any] = {"digest": digest, "settings": settings_key, "diagnostics": data}
        if hashes:
            entry["depends"] = hashes
        entry["mac"] = self._mac(relative, digest, settings_key, data, hashes or None)
        project.entries[relative] = entry
        project.dirty = True

    @property
    def entries(self) -> bool:
        """Whether any cache read so far holds entries (a hit is possible)."""
        return any(p.entries for p in self._projects.values())

    def warm(self, paths: list[str]) -> bool:
        """Load the caches of these files' projects; whether any has entries."""
        for path in paths:
            self._project(path)
        return self.entries

    def save(self) -> None:
        for project in self._projects.values():
            if project.dirty:
                _write(project)


def _write(project: _ProjectCache) -> None:
    directory = os.path.dirname(project.path)
    try:
        os.makedirs(directory, exist_ok=True)
        ignore = os.path.join(directory, ".gitignore")
        if not os.path.exists(ignore):
            with open(ignore, "w", encoding="utf-8") as handle:
                handle.write("# created by kerasfix\n*\n")
        tmp = f"{project.path}.{os.getpid()}.tmp"
        document = {"format": FORMAT, "kerasfix": code_version(), "entries": project.entries}
        # dumps, not dump: only a one-shot encoding uses the json module's C encoder
        text = json.dumps(document, separators=(",", ":"))
        with open(tmp, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, project.path)
    except OSError:
        pass  # a read-only tree still gets checked, just not cached
