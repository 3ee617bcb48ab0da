"""Configuration: ``[tool.kerasfix]`` in pyproject.toml, or kerasfix.toml.

As in Ruff, each checked file uses the nearest configuration file above it
(a ``pyproject.toml`` counts only if it has a ``[tool.kerasfix]`` table);
patterns in it (``exclude``, ``extend-exclude``, ``per-file-ignores``) are
relative to that file's folder. ``--config PATH`` uses one file for every
checked file, ``--isolated`` none; flags on the command line override the
file. Unknown keys and rule codes are errors: a typo must not silently turn a
rule off.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from typing import Any

from kerasfix.settings import Settings


class ConfigError(Exception):
    pass


KNOWN_KEYS = frozenset(
    {
        "select",
        "extend-select",
        "ignore",
        "exclude",
        "extend-exclude",
        "per-file-ignores",
        "unsafe-fixes",
        "argmax-axis",
        "kf003-fix",
        "output-format",
    }
)
KF003_FIX_CHOICES = ("activation", "from-logits")
OUTPUT_FORMATS = ("full", "concise", "json", "github", "sarif")
CONFIG_NAMES = ("kerasfix.toml", "pyproject.toml")


@dataclass
class FileConfig:
    path: str | None = None
    values: dict[str, Any] = field(default_factory=dict)

    @property
    def directory(self) -> str:
        return os.path.dirname(self.path) if self.path else os.getcwd()


@dataclass(frozen=True)
class Overrides:
    """What the command line says; None where it says nothing."""

    select: tuple[str, ...] | None = None
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    unsafe_fixes: bool | None = None
    argmax_axis: int | None = None
    kf003_fix: str | None = None
    extend_exclude: tuple[str, ...] = ()  # relative to the working directory
    prefilter: bool = True


def _load_toml(path: str) -> dict[str, Any]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib
    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: {exc}") from None


def _section(path: str, data: dict[str, Any]) -> dict[str, Any] | None:
    tool = data.get("tool")
    section = tool.get("kerasfix") if isinstance(tool, dict) else None
    if os.path.basename(path) == "kerasfix.toml":
        section = section if section is not None else data
    if section is not None and not isinstance(section, dict):
        raise ConfigError(f"{path}: [tool.kerasfix] must be a table")
    return section


def config_in(directory: str) -> FileConfig | None:
    """The configuration file in ``directory`` itself, if it has one."""
    for name in CONFIG_NAMES:
        path = os.path.join(directory, name)
        if os.path.isfile(path):
            section = _section(path, _load_toml(path))
            if section is not None:
                return FileConfig(path, dict(section))
    return None


def find_config(start: str) -> FileConfig:
    """The nearest configuration at or above the folder ``start``."""
    current = os.path.abspath(start)
    while True:
        found = config_in(current)
        if found is not None:
            return found
        parent = os.path.dirname(current)
        if parent == current:
            return FileConfig()
        current = parent


def load_config(path: str) -> FileConfig:
    """``--config PATH``: a pyproject.toml's ``[tool.kerasfix]``; any other
    file is read like kerasfix.toml (its top-level keys)."""
    data = _load_toml(path)
    if os.path.basename(path) == "pyproject.toml":
        section = _section(path, data) or {}
    else:
        tool = data.get("tool")
        section = tool.get("kerasfix", data) if isinstance(tool, dict) else data
        if not isinstance(section, dict):
            raise ConfigError(f"{path}: [tool.kerasfix] must be a table")
    return FileConfig(os.path.abspath(path), dict(section))


def inline_config(option: str) -> dict[str, Any]:
    """``--config "key = value"``: one setting written as TOML."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib
    try:
        return tomllib.loads(option)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"--config {option!r}: not a file, nor `key = value` ({exc})") from None


def validate_codes(
    codes: list[str] | tuple[str, ...], where: str, known: list[str]
) -> frozenset[str]:
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


def _strings(values: dict[str, Any], key: str, where: str, what: str) -> list[str] | None:
    raw = values.get(key)
    if raw is None:
        return None
    if not isinstance(raw, list) or not all(isinstance(c, str) for c in raw):
        raise ConfigError(f"{where}: {key} must be a list of {what}")
    return raw


def build_settings(config: FileConfig, overrides: Overrides, known: list[str]) -> Settings:
    """The settings of one configuration file, with the command line on top."""
    check_keys(config)
    values = config.values
    where = config.path or "[tool.kerasfix]"
    root = config.directory
    file_select = _strings(values, "select", where, "rule codes")
    selected: frozenset[str] | None = None
    if overrides.select is not None:
        selected = validate_codes(overrides.select, "--select", known)
    elif file_select is not None:
        selected = validate_codes(file_select, where, known)
    extra = validate_codes(
        _strings(values, "extend-select", where, "rule codes") or [], where, known
    )
    extra |= validate_codes(overrides.extend_select, "--extend-select", known)
    if extra:
        selected = (selected or frozenset({"KF"})) | extra
    ignored = validate_codes(_strings(values, "ignore", where, "rule codes") or [], where, known)
    ignored |= validate_codes(overrides.ignore, "--ignore", known)
    raw_pfi = values.get("per-file-ignores", {})
    if not isinstance(raw_pfi, dict):
        raise ConfigError(f"{where}: per-file-ignores must be a table of pattern = [codes]")
    per_file = []
    for pattern, codes in raw_pfi.items():
        if not isinstance(codes, list) or not all(isinstance(c, str) for c in codes):
            raise ConfigError(f"{where}: per-file-ignores.{pattern} must be a list of codes")
        per_file.append((pattern, validate_codes(codes, where, known)))
    exclude = _strings(values, "exclude", where, "patterns")
    extend = [(root, p) for p in _strings(values, "extend-exclude", where, "patterns") or []]
    extend += [(os.getcwd(), p) for p in overrides.extend_exclude]
    file_unsafe = values.get("unsafe-fixes", False)
    if not isinstance(file_unsafe, bool):
        raise ConfigError(f"{where}: unsafe-fixes must be true or false")
    axis = (
        overrides.argmax_axis
        if overrides.argmax_axis is not None
        else values.get("argmax-axis", -1)
    )
    if axis not in (-1, 1) or isinstance(axis, bool):
        raise ConfigError(f"{where}: argmax-axis must be -1 or 1")
    choice = overrides.kf003_fix or values.get("kf003-fix", "activation")
    if choice not in KF003_FIX_CHOICES:
        raise ConfigError(f"{where}: kf003-fix must be one of {', '.join(KF003_FIX_CHOICES)}")
    output_format = values.get("output-format")
    if output_format is not None and output_format not in OUTPUT_FORMATS:
        raise ConfigError(f"{where}: output-format must be one of {', '.join(OUTPUT_FORMATS)}")
    return Settings(
        select=selected,
        ignore=ignored,
        unsafe_fixes=overrides.unsafe_fixes if overrides.unsafe_fixes is not None else file_unsafe,
        argmax_axis=axis,
        kf003_fix=choice,
        per_file_ignores=tuple(per_file),
        exclude=tuple(exclude) if exclude is not None else None,
        extend_exclude=tuple(extend),
        prefilter=overrides.prefilter,
        root=root,
        config_path=config.path,
    )


class Resolver:
    """Settings for each checked file, from the configuration nearest to it
    (or the one given with ``--config``, or none with ``--isolated``)."""

    def __init__(
        self,
        overrides: Overrides,
        known: list[str],
        config_path: str | None = None,
        isolated: bool = False,
        inline: dict[str, Any] | None = None,
    ) -> None:
        self.overrides = overrides
        self.known = known
        self.inline = inline or {}
        self._fixed: FileConfig | None = None
        if isolated:
            self._fixed = FileConfig()
        elif config_path is not None:
            self._fixed = load_config(config_path)
        self._by_dir: dict[str, FileConfig] = {}
        self._settings: dict[str | None, Settings] = {}

    def config_for_dir(self, directory: str) -> FileConfig:
        if self._fixed is not None:
            return self._fixed
        directory = os.path.abspath(directory)
        found = self._by_dir.get(directory)
        if found is None:
            own = config_in(directory)
            if own is not None:
                found = own
            else:
                parent = os.path.dirname(directory)
                found = FileConfig() if parent == directory else self.config_for_dir(parent)
            self._by_dir[directory] = found
        return found

    def settings_for_dir(self, directory: str) -> Settings:
        config = self.config_for_dir(directory)
        settings = self._settings.get(config.path)
        if settings is None:
            if self.inline:
                config = FileConfig(config.path, {**config.values, **self.inline})
            settings = build_settings(config, self.overrides, self.known)
            self._settings[config.path] = settings
        return settings

    def settings_for(self, path: str) -> Settings:
        return self.settings_for_dir(os.path.dirname(os.path.abspath(path)))

    def output_format(self) -> str | None:
        """The output format the configuration for the working directory asks for."""
        config = self.config_for_dir(os.getcwd())
        value = {**config.values, **self.inline}.get("output-format")
        return value if isinstance(value, str) else None
