"""Configuration from ``[tool.kerasfix]`` in pyproject.toml, or kerasfix.toml.

The nearest file above the working directory is used. Unknown keys and rule
codes are errors: a typo must not silently turn a rule off.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from typing import Any


class ConfigError(Exception):
    pass


KNOWN_KEYS = frozenset(
    {
        "select",
        "ignore",
        "extend-exclude",
        "per-file-ignores",
        "unsafe-fixes",
        "argmax-axis",
        "kf003-fix",
    }
)
KF003_FIX_CHOICES = ("activation", "from-logits")


@dataclass
class FileConfig:
    path: str | None = None
    values: dict[str, Any] = field(default_factory=dict)


def _load_toml(path: str) -> dict[str, Any]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib
    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: {exc}") from None


def find_config(start: str) -> FileConfig:
    current = os.path.abspath(start)
    while True:
        for name in ("kerasfix.toml", "pyproject.toml"):
            path = os.path.join(current, name)
            if os.path.isfile(path):
                data = _load_toml(path)
                if name == "kerasfix.toml":
                    section = data.get("tool", {}).get("kerasfix", data)
                    return FileConfig(path, dict(section))
                if "kerasfix" in data.get("tool", {}):
                    return FileConfig(path, dict(data["tool"]["kerasfix"]))
        parent = os.path.dirname(current)
        if parent == current:
            return FileConfig()
        current = parent


def load_config(path: str) -> FileConfig:
    data = _load_toml(path)
    section = data.get("tool", {}).get("kerasfix")
    if section is None:
        section = {} if os.path.basename(path) == "pyproject.toml" else data
    return FileConfig(path, dict(section))


def validate_codes(codes: list[str], where: str, known: list[str]) -> frozenset[str]:
    result = set()
    for code in codes:
        code = code.strip().upper()
        if not code:
            continue
        if code == "ALL":
            code = "KF"
        if not any(k.startswith(code) for k in known):
            raise ConfigError(f"{where}: unknown rule code {code!r}")
        result.add(code)
    return frozenset(result)


def check_keys(config: FileConfig) -> None:
    for key in config.values:
        if key not in KNOWN_KEYS:
            raise ConfigError(
                f"{config.path}: unknown key {key!r} in [tool.kerasfix] "
                f"(known: {', '.join(sorted(KNOWN_KEYS))})"
            )
