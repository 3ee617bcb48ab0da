"""Run the engine over many files: in-process for one file, a process pool
across cores for more, results in a stable (input) order."""

from __future__ import annotations

import os
from collections.abc import Sequence

from kerasfix.engine import FileResult, process_path
from kerasfix.settings import Settings

# Below this many files a pool costs more than it saves.
_POOL_THRESHOLD = 8


def _work(args: tuple[str, Settings, bool, bool]) -> FileResult:
    path, settings, fix, write = args
    result = process_path(path, settings, fix, write)
    # The original text travels back only when a diff needs it.
    if not result.changed:
        result.original = None
        result.new_text = None
    result.decoded = None
    return result


def run(
    files: Sequence[str], settings: Settings, fix: bool, write: bool, jobs: int = 0
) -> list[FileResult]:
    jobs = jobs if jobs > 0 else (os.cpu_count() or 1)
    tasks = [(path, settings, fix, write) for path in files]
    if jobs == 1 or len(files) < _POOL_THRESHOLD:
        return [_work(task) for task in tasks]
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    context = multiprocessing.get_context("fork" if os.name == "posix" else "spawn")
    chunksize = max(1, min(64, len(tasks) // (jobs * 4)))
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
        return list(pool.map(_work, tasks, chunksize=chunksize))
