"""Run the engine over many files: in-process for a few files, a process pool
across cores for more, results in a stable (input) order.

Workers only read and compute; every write happens here, in the main process,
one atomic rename at a time, so an interrupt (Ctrl-C, SIGTERM) leaves each
file wholly old or wholly new and no temporary file behind.
"""

from __future__ import annotations

import gc
import os
import signal
import stat
import sys
from collections.abc import Callable, Iterator, Sequence

from kerasfix.engine.cache import Cache, content_hash
from kerasfix.engine.fixing import applicable
from kerasfix.engine.pipeline import FileResult, process_path, write_result
from kerasfix.settings import Settings
from kerasfix.source import DecodedSource

# Below this many files a pool costs more than it saves.
_POOL_THRESHOLD = 8


def _work(args: tuple[str, Settings, bool, bool, bool]) -> FileResult:
    path, settings, fix, keep_original, digest = args
    result = process_path(path, settings, fix, write=False, digest=digest)
    if not result.changed:
        result.original = None
        result.new_text = None
        result.decoded = None
    else:
        if not keep_original:
            result.original = None
        if result.decoded is not None:  # only the encoding travels back
            result.decoded = DecodedSource("", result.decoded.encoding, result.decoded.bom)
    return result


def _results(
    tasks: list[tuple[str, Settings, bool, bool, bool]], jobs: int
) -> Iterator[FileResult]:
    if jobs == 1 or len(tasks) < _POOL_THRESHOLD:
        for task in tasks:
            yield _work(task)
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # Load the rules once, before forking: the workers share
    # them instead of each importing them again.
    from kerasfix.rules import ALL_RULES  # noqa: F401

    # What is loaded now lives for the whole run: the collector need not
    # look at it again, and the workers' copies of it stay shared pages.
    gc.freeze()

    context = multiprocessing.get_context("fork" if os.name == "posix" else "spawn")
    chunksize = max(1, min(32, len(tasks) // (jobs * 8)))
    pool = ProcessPoolExecutor(max_workers=jobs, mp_context=context, initializer=_ignore_signals)
    try:
        yield from pool.map(_work, tasks, chunksize=chunksize)
    except BaseException:
        workers = list((getattr(pool, "_processes", None) or {}).values())
        pool.shutdown(wait=False, cancel_futures=True)
        for process in workers:
            process.terminate()
        raise
    pool.shutdown()


def _ignore_signals() -> None:
    # Workers leave interrupts to the main process, which stops the run...
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    # ...and die with it, even when it is killed outright (Linux).
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
            if os.getppid() == 1:
                os._exit(0)  # the parent is already gone
        except (OSError, AttributeError):
            pass


SettingsFor = Callable[[str], Settings]


def run(
    files: Sequence[str],
    settings: Settings | SettingsFor,
    fix: bool,
    write: bool,
    jobs: int = 0,
    keep_original: bool = False,
    on_result: Callable[[FileResult], None] | None = None,
    use_cache: bool = False,
) -> list[FileResult]:
    """Check (and fix) ``files``, each with its own settings (one
    :class:`Settings` for all, or a function of the path)."""
    settings_for: SettingsFor = (
        settings if callable(settings) else (lambda path, fixed=settings: fixed)  # type: ignore[misc]
    )
    jobs = jobs if jobs > 0 else (os.cpu_count() or 1)
    cache = Cache.load() if use_cache else None
    if cache is not None and not cache.usable:
        cache = None
    done: dict[str, FileResult] = {}
    digests: dict[str, str] = {}
    per_file = {path: settings_for(path) for path in files}
    keys = {id(s): s.cache_key() for s in per_file.values()}
    # An empty cache cannot hit: the workers hash what they read instead of
    # this process hashing every file first, alone.
    warm = cache is not None and cache.warm(list(files))
    if cache is not None and warm:
        for path in files:
            digest = _digest(path)
            if digest is None:
                continue
            digests[path] = digest
            file_settings = per_file[path]
            hit = cache.get(path, digest, keys[id(file_settings)])
            # with --fix, a hit is enough only if nothing in it can be fixed
            allowed = applicable(file_settings)
            if hit is not None and not (
                fix and any(d.fix and d.fix.applicability in allowed for d in hit)
            ):
                done[path] = FileResult(path, list(hit))
    hash_in_worker = cache is not None and not warm
    tasks = [
        (path, per_file[path], fix, keep_original, hash_in_worker)
        for path in files
        if path not in done
    ]
    computed = _results(tasks, jobs)
    results = []
    for path in files:
        result = done.get(path) or next(computed)
        if write:
            write_result(result)
        digest = digests.get(path) or result.digest
        if cache is not None and path not in done and digest is not None:
            key = keys[id(per_file[path])]
            if result.changed and result.decoded is not None and result.new_text is not None:
                new_digest = content_hash(result.decoded.encode(result.new_text))
                cache.put(path, new_digest, key, result.diagnostics, result.depends)
            elif not result.changed:
                cache.put(path, digest, key, result.diagnostics, result.depends)
        result.decoded = None
        if not keep_original:
            result.new_text = None if not result.changed else result.new_text
        results.append(result)
        if on_result is not None:
            on_result(result)
    for _ in computed:  # run the generator to its end: the pool shuts down cleanly
        pass
    if cache is not None:
        cache.save()
    return results


def _digest(path: str) -> str | None:
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return None
        with open(path, "rb") as handle:
            return content_hash(handle.read())
    except OSError:
        return None
