"""The process one SQL-page query runs in (`python -m dashboard.sql_child`, job as JSON on stdin).

Whatever the query does — crash the engine, exhaust its memory, ignore the interrupt — happens
here, not in the dashboard. Before connecting it caps its own memory, CPU time and file sizes,
dies with its parent and lowers its priority; DuckDB gets one thread, a memory limit and a small
private spill folder. It writes its rows (Arrow IPC) and a status (JSON) into the job's folder
and leaves with `os._exit`, so no destructor runs after the answer is written.
"""

from __future__ import annotations

import ctypes
import json
import os
import resource
import signal
import sys
import threading
from pathlib import Path

import duckdb
import polars as pl
import pyarrow as pa

from dashboard.sql_guard import READ_ONLY_MESSAGE, RefusedQuery, checked_query

ROWS_FILE = "rows.arrow"
STATUS_FILE = "status.json"
SPILL_FOLDER = "spill"
BATCH_ROWS = 256  # rows read at a time: small, since one row may be megabytes
_PR_SET_PDEATHSIG = 1


def main() -> None:
    job = json.loads(sys.stdin.read())
    folder = Path(job["folder"])
    limits = job["limits"]
    _confine(limits, parent=job["parent"])  # not getppid() now: the dashboard may have died while we started
    try:
        status = _answer(job["database"], job["query"], folder, limits)
    except RefusedQuery as refusal:
        status = {"error": str(refusal)}
    except Exception as error:  # whatever it is, the analyst reads it on the page
        status = {"error": f"{type(error).__name__}: {error}"}
    _write_status(folder, status)
    os._exit(0)


def _confine(limits: dict, parent: int) -> None:
    """OS limits first: they hold whatever the query makes the engine do."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != parent:  # the dashboard died before prctl took effect
            os._exit(1)
    os.nice(5)
    address_space = limits["address_space_mb"] * 2**20
    resource.setrlimit(resource.RLIMIT_AS, (address_space, address_space))
    cpu = int(limits["timeout_s"] + limits["grace_s"]) + 2
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    # Per file: a spill file, or the rows handed back; the dashboard also counts the spill folder.
    largest_file = max(limits["temp_mb"] * 2**20, 2 * limits["result_bytes"])
    resource.setrlimit(resource.RLIMIT_FSIZE, (largest_file, largest_file))


def connect(database: str, folder: Path, limits: dict) -> duckdb.DuckDBPyConnection:
    """The database attached read-only to a fresh in-memory DuckDB with the query's limits, then
    no file access beyond it (COPY … TO, ATTACH, read_csv are refused) and settings locked."""
    con = duckdb.connect(
        config={
            "threads": limits["threads"],
            "memory_limit": f"{limits['memory_mb']}MB",
            "temp_directory": str(folder / SPILL_FOLDER),
            "max_temp_directory_size": f"{limits['temp_mb']}MB",
            "autoinstall_known_extensions": False,
            "autoload_known_extensions": False,
        }
    )
    quoted = database.replace("'", "''")
    con.execute(f"ATTACH '{quoted}' AS imr (READ_ONLY)")
    con.execute("USE imr")
    con.execute("SET enable_external_access = false")
    con.execute("SET lock_configuration = true")
    return con


def _answer(database: str, text: str, folder: Path, limits: dict) -> dict:
    query = checked_query(text)
    con = connect(database, folder, limits)
    timer = threading.Timer(limits["timeout_s"], con.interrupt)
    timer.start()
    try:
        relation = con.sql(query)  # the relational API wraps the query itself: no text surgery
        rows, byte_capped = first_rows(relation.limit(limits["row_cap"]), limits["result_bytes"])
        capped = byte_capped or rows.height == limits["row_cap"]
        total = relation.count("*").fetchone()[0] if capped else rows.height
    except duckdb.InterruptException:
        return {"error": f"Stopped: the query ran longer than {limits['timeout_s']:g} s."}
    except duckdb.OutOfMemoryException as error:
        return {
            "error": f"The query needs more memory than the SQL page allows ({limits['memory_mb']:,} MB "
            f"and {limits['temp_mb']:,} MB of disk): {str(error).splitlines()[0]}"
        }
    except duckdb.IOException as error:
        if "File too large" not in str(error):  # RLIMIT_FSIZE: a spill file reached the cap
            return {"error": f"{type(error).__name__}: {error}"}
        return {
            "error": f"The query needs more disk to spill to than the SQL page allows "
            f"({limits['temp_mb']:,} MB): {str(error).splitlines()[0]}"
        }
    except duckdb.Error as error:
        if "read-only" in str(error).lower():
            return {"error": READ_ONLY_MESSAGE}
        return {"error": f"{type(error).__name__}: {error}"}
    finally:
        timer.cancel()
    rows.write_ipc(folder / ROWS_FILE)
    return {"total_rows": total, "byte_capped": byte_capped}


def first_rows(relation: duckdb.DuckDBPyRelation, cap: int) -> tuple[pl.DataFrame, bool]:
    """The rows of `relation` that fit in `cap` bytes, read a batch at a time so that a result of
    a few huge rows is never held whole, and whether any were left out."""
    reader = relation.fetch_record_batch(BATCH_ROWS)
    batches, size = [], 0
    for batch in reader:
        if size + batch.nbytes > cap:
            room = cap - size
            kept = max(int(batch.num_rows * room / batch.nbytes), 0) if batch.nbytes else 0
            while kept and batch.slice(0, kept).nbytes > room:
                kept = kept * 9 // 10
            batches.append(batch.slice(0, kept))
            return pl.from_arrow(pa.Table.from_batches(batches, schema=reader.schema)), True
        batches.append(batch)
        size += batch.nbytes
    return pl.from_arrow(pa.Table.from_batches(batches, schema=reader.schema)), False


def _write_status(folder: Path, status: dict) -> None:
    aside = folder / (STATUS_FILE + ".part")
    aside.write_text(json.dumps(status))
    os.replace(aside, folder / STATUS_FILE)


if __name__ == "__main__":
    main()
