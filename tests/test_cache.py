"""The cache is data a checked tree may hold: it runs nothing and hides
nothing. Each case drives the real CLI in a subprocess."""

from __future__ import annotations

import hashlib
import json
import os
import pickle
from pathlib import Path

from test_cli import BAD, run


class _Planted:
    """Unpickling this runs a shell command."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):  # noqa: ANN204
        return (os.system, (f"touch {self.marker}",))


def _project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    (root / "src").mkdir(parents=True)
    (root / "pyproject.toml").write_text("[project]\nname = 'p'\n")
    (root / "src" / "train.py").write_text(BAD)
    return root


def _env(tmp_path: Path) -> dict[str, str]:
    # the per-user secret lives outside the checked tree
    return {"XDG_CACHE_HOME": str(tmp_path / "user-cache")}


def test_planted_pickle_runs_nothing(tmp_path: Path) -> None:
    root = _project(tmp_path)
    marker = tmp_path / "PWNED"
    cache = root / ".kerasfix_cache"
    cache.mkdir()
    payload = pickle.dumps(_Planted(marker))
    for name in ("cache.json", "0.1.0-0000000000000000.pickle", "cache.pickle"):
        (cache / name).write_bytes(payload)
    proc = run("check", "--output-format", "concise", ".", cwd=root, env=_env(tmp_path))
    assert not marker.exists()
    assert proc.returncode == 1 and "KF001" in proc.stdout, proc.stdout + proc.stderr


def test_forged_entry_hides_no_finding(tmp_path: Path) -> None:
    root = _project(tmp_path)
    env = _env(tmp_path)
    first = run("check", "--output-format", "concise", "src", cwd=root, env=env)
    assert first.returncode == 1
    path = root / ".kerasfix_cache" / "cache.json"
    document = json.loads(path.read_text())
    [(relative, entry)] = document["entries"].items()
    assert relative == os.path.join("src", "train.py")
    # an attacker can compute the digest and empty the findings, not the MAC
    entry["diagnostics"] = []
    entry["digest"] = hashlib.blake2b(
        (root / "src" / "train.py").read_bytes(), digest_size=16
    ).hexdigest()
    path.write_text(json.dumps(document))
    again = run("check", "--output-format", "concise", "src", cwd=root, env=env)
    assert again.returncode == 1 and again.stdout == first.stdout
    # ...nor plant an entry written on another machine (another secret)
    other = run("check", "--output-format", "concise", "src", cwd=root, env=_env(tmp_path / "x"))
    assert other.stdout == first.stdout


def test_malformed_cache_is_ignored(tmp_path: Path) -> None:
    root = _project(tmp_path)
    env = _env(tmp_path)
    run("check", ".", cwd=root, env=env)
    path = root / ".kerasfix_cache" / "cache.json"
    for junk in (
        "{not json",
        '{"format": 1, "entries": []}',
        "[1, 2]",
        '{"format": 1, "kerasfix": "0.1.0", "entries": {"src/train.py": {"digest": 3}}}',
    ):
        path.write_text(junk)
        proc = run("check", "--output-format", "concise", ".", cwd=root, env=env)
        assert proc.returncode == 1 and "KF001" in proc.stdout and "Traceback" not in proc.stderr


def test_one_cache_at_the_project_root(tmp_path: Path) -> None:
    root = _project(tmp_path)
    env = _env(tmp_path)
    run("check", "train.py", cwd=root / "src", env=env)
    run("check", "src", cwd=root, env=env)
    assert (root / ".kerasfix_cache" / "cache.json").is_file()
    assert not (root / "src" / ".kerasfix_cache").exists()
    assert (root / ".kerasfix_cache" / ".gitignore").read_text().strip().endswith("*")


def test_every_setting_is_in_the_cache_key(tmp_path: Path) -> None:
    root = _project(tmp_path)
    env = _env(tmp_path)
    assert run("check", ".", cwd=root, env=env).returncode == 1
    with open(root / "pyproject.toml", "a") as handle:
        handle.write('[tool.kerasfix]\nper-file-ignores = { "src/*.py" = ["KF001"] }\n')
    assert run("check", ".", cwd=root, env=env).returncode == 0
    (root / "pyproject.toml").write_text("[project]\nname = 'p'\n")
    assert run("check", ".", cwd=root, env=env).returncode == 1


def test_internal_error_is_never_cached(tmp_path: Path) -> None:
    from kerasfix.engine.cache import Cache
    from kerasfix.engine.pipeline import error_diagnostic

    cache = Cache(secret=b"k" * 32)
    path = str(tmp_path / "m.py")
    cache.put(path, "d", "s", [error_diagnostic(path, "internal error: boom", internal=True)])
    assert cache.get(path, "d", "s") is None
    cache.put(path, "d", "s", [])
    assert cache.get(path, "d", "s") == []
    assert cache.get(path, "d", "other settings") is None
