"""Settings shared by the engine and the CLI (filled from flags and config).

Each checked file has its own: the nearest configuration above it decides,
the command line overrides it (:mod:`kerasfix.engine.config`).
"""

from __future__ import annotations

import dataclasses
import fnmatch
import hashlib
import json
import os
from dataclasses import dataclass

# Rule families left out of the default selection: a user opts in (`--extend-select KF2`).
# KF2xx: backend-neutral Keras (code that runs on JAX and PyTorch too).
OPT_IN_FAMILIES: tuple[str, ...] = ("KF2",)


@dataclass(frozen=True)
class Settings:
    select: frozenset[str] | None = None  # None: every rule
    ignore: frozenset[str] = frozenset()
    unsafe_fixes: bool = False
    argmax_axis: int = -1
    # KF003: "activation" adds the probability activation to the last layer;
    # "from-logits" sets from_logits=True on the loss instead.
    kf003_fix: str = "activation"
    # (pattern, codes): patterns relative to ``root`` (or a file's name)
    per_file_ignores: tuple[tuple[str, frozenset[str]], ...] = ()
    # gitignore-style patterns relative to ``root``; ``exclude`` None keeps
    # the default excludes (dist/, build/, venv/ …)
    exclude: tuple[str, ...] | None = None
    # (folder, pattern): from a config (its folder) or the command line (cwd)
    extend_exclude: tuple[tuple[str, str], ...] = ()
    prefilter: bool = True
    root: str = ""  # the folder patterns are relative to (the config's)
    config_path: str | None = None  # where these settings come from

    def enabled(self, code: str) -> bool:
        if code == "KF000":
            return True
        family = next((f for f in OPT_IN_FAMILIES if code.startswith(f)), None)
        if family is not None:
            # an opt-in family is on only where a selector names it (`KF2`, `KF201`), as
            # Ruff's opt-in rules: `KF`, or no selection at all, leaves it off
            chosen = self.select or ()
            if not any(code.startswith(s) and len(s) >= len(family) for s in chosen):
                return False
        elif self.select is not None and not any(code.startswith(s) for s in self.select):
            return False
        return not any(code.startswith(i) for i in self.ignore)

    @property
    def backend_neutral(self) -> bool:
        """Whether the backend-neutral family (KF2xx) is selected: the code is being moved off
        TensorFlow, so a fix must not keep it there (a TensorFlow checkpoint of a model)."""
        return any(self.enabled(f"KF2{n:02d}") for n in range(1, 100))

    def ignored_for(self, code: str, path: str) -> bool:
        """Whether a per-file-ignores entry turns ``code`` off for ``path``."""
        if not self.per_file_ignores:
            return False
        absolute = os.path.abspath(path)
        relative = os.path.relpath(absolute, self.root or os.getcwd()).replace(os.sep, "/")
        name = os.path.basename(absolute)
        for pattern, codes in self.per_file_ignores:
            if not any(code.startswith(c) for c in codes):
                continue
            if pattern.startswith("./"):
                pattern = pattern[2:]
            if pattern.endswith("/"):
                pattern += "*"
            if fnmatch.fnmatchcase(relative, pattern) or (
                "/" not in pattern and fnmatch.fnmatchcase(name, pattern)
            ):
                return True
        return False

    def as_data(self) -> dict[str, object]:
        """Every setting as plain data (for the cache key and --show-settings)."""
        return {item.name: _plain(getattr(self, item.name)) for item in dataclasses.fields(self)}

    def cache_key(self) -> str:
        """A digest of every setting: one that is added later cannot be left out."""
        data = self.as_data()
        data.pop("config_path")  # where a setting came from does not change results
        encoded = json.dumps(data, sort_keys=True).encode()
        return hashlib.blake2b(encoded, digest_size=12).hexdigest()


def _plain(value: object) -> object:
    if isinstance(value, frozenset):
        return sorted(value)
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    return value
