"""The refresh's worker processes: a pool that parses in parallel and never outlives its refresh.

Kept apart from `etl.refresh` so that a worker imports only what staging needs (no DuckDB, no
dashboard tables): each worker is a spawned process, and every module it imports is memory it
holds for the whole refresh.
"""

from __future__ import annotations

import ctypes
import gc
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor

# What a spawned worker finds in its environment, set only while the workers start: one polars
# thread (a worker's frames are small, and the workers already keep every core busy).
WORKER_ENVIRONMENT = {"POLARS_MAX_THREADS": "1"}
_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


class Workers:
    """Worker processes for staging (none when workers == 1); results keep input order. They
    start on entry, so their imports run while the main process walks the sources. A pool whose
    worker died is replaced (`restart`); `generation` counts the replacements."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self.pool: ProcessPoolExecutor | None = None
        self.generation = 0

    def __enter__(self) -> Workers:
        if self.workers > 1:
            self._start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=False, cancel_futures=True)

    def _start(self) -> None:
        """Spawn every worker now, in `WORKER_ENVIRONMENT`."""
        self.pool = ProcessPoolExecutor(
            self.workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_start_worker,
            initargs=(os.getpid(),),
        )
        previous = {name: os.environ.get(name) for name in WORKER_ENVIRONMENT}
        os.environ.update(WORKER_ENVIRONMENT)
        try:
            for _ in range(self.workers):  # a process is spawned per task until the pool is full
                self.pool.submit(os.getpid)
        finally:
            for name, value in previous.items():
                if value is None:
                    del os.environ[name]
                else:
                    os.environ[name] = value

    def restart(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=False, cancel_futures=True)
            self._start()
            self.generation += 1

    def close(self) -> None:
        """End the workers now that no more work will come, and wait for them to go: the memory
        they hold (a few hundred MB) is then free for what the main process does next."""
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None

    def map(self, function, items: list) -> Iterator:
        if self.pool is None or len(items) < 2:
            return map(function, items)
        return self.pool.map(function, items)

    def run(self, function, item):
        """One task, waited for (raises BrokenProcessPool if its worker dies)."""
        return function(item) if self.pool is None else self.pool.submit(function, item).result()


def _start_worker(parent_pid: int) -> None:
    """Initializer of a worker process: it ends with its refresh, and collects garbage less often."""
    _die_with_parent(parent_pid)
    _quiet_collector()


def _die_with_parent(parent_pid: int) -> None:
    """A refresh killed with SIGKILL cannot shut its pool down, and its workers (~200 MB each)
    would go on for minutes. On Linux the kernel kills a worker when the thread that started it
    ends (the thread running the refresh, which outlives its pool); elsewhere a thread watches for
    the parent to go. If the parent died before this ran, the worker ends now."""
    if not _killed_with_parent():
        threading.Thread(target=_exit_once_orphaned, args=(parent_pid,), daemon=True).start()
    if os.getppid() != parent_pid:
        os._exit(1)


def _killed_with_parent() -> bool:
    """Ask Linux to SIGKILL this process when its parent ends; False where it cannot."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        return ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL) == 0
    except (OSError, AttributeError):
        return False


def _exit_once_orphaned(parent_pid: int) -> None:
    while os.getppid() == parent_pid:
        time.sleep(1)
    os._exit(1)


def _quiet_collector() -> None:
    """Workers make millions of short-lived objects and no cycles worth chasing: collecting
    less often saves a few percent of their time."""
    gc.freeze()
    gc.set_threshold(50_000, 20, 20)
