"""The refresh's worker pool: what its processes load, and that closing it ends them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from etl.workers import Workers

ROOT = Path(__file__).resolve().parents[2]
_REPORT_WORKER_MODULES = """
import json
from etl.workers import Workers
from tests.etl.test_workers import _loaded_modules
with Workers(2) as pool:
    print(json.dumps(pool.run(_loaded_modules, None)))
"""


def _loaded_modules(_: object) -> list[str]:
    return sorted(sys.modules)


def _worker_pid(_: object) -> int:
    return os.getpid()


def _polars_threads(_: object) -> int:
    import polars as pl

    return pl.thread_pool_size()


def test_a_worker_loads_what_staging_needs_and_not_duckdb():
    """Every module a worker imports is memory held in each worker for the whole refresh. The
    pool is started from a fresh process, as `python -m etl refresh` starts it: a spawned worker
    also imports its parent's main script, which in this test run may be another test's."""
    started = subprocess.run(
        [sys.executable, "-c", _REPORT_WORKER_MODULES],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    loaded = json.loads(started.stdout)
    assert "etl.workers" in loaded
    assert "duckdb" not in loaded
    assert "etl.refresh" not in loaded


def test_a_worker_runs_one_polars_thread_and_the_parent_keeps_its_environment():
    before = dict(os.environ)
    with Workers(2) as pool:
        assert pool.run(_polars_threads, None) == 1
    assert dict(os.environ) == before


def test_closing_the_pool_ends_its_processes_before_it_returns():
    with Workers(2) as pool:
        pids = set(pool.map(_worker_pid, list(range(8))))
        assert pids and os.getpid() not in pids
        pool.close()
        assert not [pid for pid in pids if Path(f"/proc/{pid}").exists()]
        assert list(pool.map(_worker_pid, [1, 2])) == [os.getpid()] * 2  # closed: work runs here


def test_one_worker_means_no_processes():
    with Workers(1) as pool:
        assert pool.run(_worker_pid, None) == os.getpid()
