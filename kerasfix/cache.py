"""Results cached per file content, kerasfix version and settings.

`.kerasfix_cache/` in the working directory holds one file per version and
settings; it maps each checked path to the hash of the bytes checked and the
diagnostics found. A second run over an unchanged tree only reads and hashes.
"""

from __future__ import annotations

import hashlib
import os
import pickle
from dataclasses import dataclass, field, replace

from kerasfix import __version__
from kerasfix.diagnostic import Diagnostic
from kerasfix.settings import Settings

CACHE_DIR = ".kerasfix_cache"


def content_hash(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


@dataclass
class Cache:
    path: str
    entries: dict[str, tuple[str, list[Diagnostic]]] = field(default_factory=dict)
    dirty: bool = False

    @classmethod
    def load(cls, settings: Settings, root: str | None = None) -> Cache:
        key = hashlib.blake2b(settings.cache_key().encode(), digest_size=8).hexdigest()
        directory = os.path.join(root or os.getcwd(), CACHE_DIR)
        cache = cls(os.path.join(directory, f"{__version__}-{key}.pickle"))
        try:
            with open(cache.path, "rb") as handle:
                entries = pickle.load(handle)
            if isinstance(entries, dict):
                cache.entries = entries
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
            pass  # no cache, or one from another version: start afresh
        return cache

    def get(self, path: str, digest: str) -> list[Diagnostic] | None:
        entry = self.entries.get(os.path.abspath(path))
        if entry is None or entry[0] != digest:
            return None
        # reported under the path as spelled now (the entry may come from a
        # run that named the file another way: absolute, relative, ./…)
        return [d if d.path == path else replace(d, path=path) for d in entry[1]]

    def put(self, path: str, digest: str, diagnostics: list[Diagnostic]) -> None:
        if any(d.message.startswith("internal error") for d in diagnostics):
            return
        self.entries[os.path.abspath(path)] = (digest, diagnostics)
        self.dirty = True

    def save(self) -> None:
        if not self.dirty:
            return
        directory = os.path.dirname(self.path)
        try:
            os.makedirs(directory, exist_ok=True)
            ignore = os.path.join(directory, ".gitignore")
            if not os.path.exists(ignore):
                with open(ignore, "w", encoding="utf-8") as handle:
                    handle.write("# created by kerasfix\n*\n")
            tmp = f"{self.path}.{os.getpid()}.tmp"
            with open(tmp, "wb") as handle:
                pickle.dump(self.entries, handle, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, self.path)
        except OSError:
            pass  # a read-only tree still gets checked, just not cached
