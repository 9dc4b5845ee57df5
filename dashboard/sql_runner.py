"""Ad-hoc SQL for the SQL page, each query in its own process (`dashboard.sql_child`) under the
limits of `dashboard.settings`: a crash, a runaway query or a memory blow-up ends that process,
never the dashboard. No Streamlit here, so the rules are tested directly."""

from __future__ import annotations

import io
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl

from dashboard import settings
from dashboard.sql_child import ROWS_FILE, SPILL_FOLDER, STATUS_FILE
from dashboard.sql_guard import RefusedQuery, checked_query
from etl.dashboard_tables import ATTACHED_AS

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class SqlResult:
    rows: pl.DataFrame  # at most the row cap asked for, and at most the byte cap
    total_rows: int  # as if uncapped
    seconds: float
    byte_capped: bool = False  # rows were left out to stay within the byte cap


class RunningQuery:
    """One query in its own process. `result()` is None while it runs; `stop()` kills it."""

    def __init__(self, database: str, text: str, row_cap: int, timeout: float = settings.SQL_TIMEOUT_SECONDS):
        query = checked_query(text)  # refused at once, before a process starts
        self.limits = {
            "timeout_s": timeout,
            "grace_s": settings.SQL_KILL_GRACE_SECONDS,
            "row_cap": row_cap,
            "result_bytes": settings.SQL_RESULT_BYTE_CAP,
            "memory_mb": settings.SQL_MEMORY_MB,
            "address_space_mb": settings.SQL_ADDRESS_SPACE_MB,
            "threads": settings.SQL_THREADS,
            "temp_mb": settings.SQL_TEMP_MB,
        }
        self.folder = Path(tempfile.mkdtemp(prefix="imr-sql-"))
        self.started = time.perf_counter()
        with open(self.folder / "stderr.txt", "wb") as stderr:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "dashboard.sql_child"],
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
                stderr=stderr,
                cwd=ROOT,
            )
        job = {
            "database": database,
            "query": query,
            "folder": str(self.folder),
            "limits": self.limits,
            "parent": os.getpid(),  # the child checks it is still its parent's once it can die with it
        }
        try:
            self.process.stdin.write(json.dumps(job).encode())
            self.process.stdin.close()
        except BrokenPipeError:  # the process died at start; result() reports how
            pass

    @property
    def elapsed(self) -> float:
        return time.perf_counter() - self.started

    def result(self) -> SqlResult | None:
        """The answer once the process has ended; RefusedQuery for an error, a crash or a kill."""
        if self.process.poll() is None:
            if self.elapsed > self.limits["timeout_s"] + self.limits["grace_s"]:
                self.stop()
                raise RefusedQuery(
                    f"Stopped: the query ran longer than {self.limits['timeout_s']:g} s and did not "
                    "respond to the interruption, so its process was ended."
                )
            if self.spilled_bytes() > self.limits["temp_mb"] * 2**20:
                self.stop()
                raise RefusedQuery(
                    "Stopped: the query needs more disk to spill to than the SQL page allows "
                    f"({self.limits['temp_mb']:,} MB), so its process was ended."
                )
            return None
        try:
            return self._answer()
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)

    def spilled_bytes(self) -> int:
        """What the query has written to its spill folder so far (DuckDB's own cap on it,
        max_temp_directory_size, was seen not to hold, so this side counts)."""
        try:
            with os.scandir(self.folder / SPILL_FOLDER) as files:
                return sum(entry.stat().st_size for entry in files)
        except FileNotFoundError:
            return 0

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        shutil.rmtree(self.folder, ignore_errors=True)

    def _answer(self) -> SqlResult:
        status_file = self.folder / STATUS_FILE
        if not status_file.exists():
            raise RefusedQuery(self._crash_message())
        status = json.loads(status_file.read_text())
        if "error" in status:
            raise RefusedQuery(status["error"])
        rows_file = self.folder / ROWS_FILE
        if rows_file.stat().st_size > 2 * self.limits["result_bytes"]:
            raise RefusedQuery("The query's result is larger than the SQL page accepts.")
        rows = pl.read_ipc(io.BytesIO(rows_file.read_bytes()))  # read whole: the folder is removed
        return SqlResult(rows, status["total_rows"], self.elapsed, status["byte_capped"])

    def _crash_message(self) -> str:
        code = self.process.returncode
        how = f"signal {signal.Signals(-code).name}" if code < 0 else f"exit code {code}"
        detail = (self.folder / "stderr.txt").read_text(errors="replace").strip().splitlines()
        return (
            f"The query's process ended without an answer ({how}); the dashboard is unaffected. "
            f"A query may use {self.limits['memory_mb']:,} MB in the engine, "
            f"{self.limits['address_space_mb']:,} MB in all and "
            f"{self.limits['timeout_s']:g} s." + (f" Last message: {detail[-1]}" if detail else "")
        )


def run(database: str, text: str, row_cap: int, timeout: float = settings.SQL_TIMEOUT_SECONDS) -> SqlResult:
    """Run the query to its end (for callers that need not draw while waiting)."""
    query = RunningQuery(database, text, row_cap, timeout)
    try:
        while (result := query.result()) is None:
            time.sleep(0.05)
        return result
    finally:
        query.stop()


def csv(frame: pl.DataFrame) -> bytes:
    """CSV of any result: nested values (lists, structs, maps) written as JSON text."""
    nested = [name for name, dtype in frame.schema.items() if dtype.is_nested()]
    flat = frame.with_columns(
        pl.col(name).map_elements(lambda value: json.dumps(value, default=str), return_dtype=pl.String)
        for name in nested
    )
    return flat.write_csv().encode()


def schema(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Tables and views of the database with their columns, for the schema browser."""
    return con.execute(
        """SELECT CASE WHEN v.view_name IS NULL THEN 'table' ELSE 'view' END AS kind,
                  c.table_name AS name, c.column_name AS column, c.data_type AS type
           FROM duckdb_columns() c
           LEFT JOIN duckdb_views() v
             ON v.database_name = c.database_name AND v.schema_name = c.schema_name
            AND v.view_name = c.table_name
           WHERE c.database_name = ? AND c.schema_name = 'main' AND NOT c.internal
           ORDER BY kind DESC, name, c.column_index""",
        [ATTACHED_AS],
    ).pl()


EXAMPLES = {
    "Uphold rate by year (real letters)": """SELECT decision_year, count(*) AS items,
       round(avg(upheld::int) * 100, 1) AS uphold_pct
FROM decisions WHERE NOT synthetic AND decision IS NOT NULL
GROUP BY ALL ORDER BY 1""",
    "Uphold rate by category and subcategory": """SELECT category, subcategory, count(*) AS n,
       round(avg(upheld::int) * 100, 1) AS uphold_pct
FROM decisions WHERE decision IS NOT NULL GROUP BY ALL ORDER BY n DESC""",
    "Reviewer specialty × category": """SELECT specialty, category, count(*) AS n,
       round(avg(upheld::int) * 100, 1) AS uphold_pct
FROM decisions, unnest(reviewer_specialties) AS s(specialty)
GROUP BY ALL HAVING n >= 30 ORDER BY n DESC""",
    "Most frequent drugs (strengths folded)": """SELECT treatment_key, count(*) AS n,
       round(avg(upheld::int) * 100, 1) AS uphold_pct
FROM decisions WHERE category = 'Pharmaceuticals' GROUP BY ALL ORDER BY n DESC LIMIT 20""",
    "Files that could not be loaded": "SELECT path, reason FROM rejects ORDER BY path",
    "Last refreshes": """SELECT run_id, started_at, status, files_seen, files_new, letters_loaded, seconds
FROM etl_runs ORDER BY run_id DESC LIMIT 5""",
}
