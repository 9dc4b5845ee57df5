"""`python -m etl refresh`: bring the database up to date with the letters in the sources.

Flow: lock → walk the sources (listing again only the folders changed since the last walk) → if
nothing changed (no new, changed, vanished or reappeared file,
no new DWC listing, the same parser and dashboard tables), stop: the live file is left as it is, not
copied → else copy the live database aside → (re-derive every letter if the parser changed) →
compare with the `files` manifest → read, extract and parse new and changed files in worker
processes → load in windows → mark missing files → load the DWC's listings (`dwc-listing.csv`, set
apart by the walk) that are new or changed → build the dashboard's tables if letters changed →
record the run → checkpoint and swap the copy in (see `etl/publish.py`).
"""

from __future__ import annotations

import functools
import os
import shutil
import signal
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from typing import NamedTuple, TextIO

import duckdb
import polars as pl

from etl import dashboard_tables, publish
from etl.dwc_listing import LISTING, ListingRejected, is_listing, read_listing
from etl.load import LETTER_TABLES, SCHEMA_VERSION, create_schema, delete_orphans, load_parts, upsert_dwc_rows
from etl.parse import PARSER_VERSION
from etl.progress import Progress
from etl.sources import Folder, SourceFile, Walk, file_status, filesystem_path, stored_path
from etl.staging import FAULT_ENV, Chunk, ManifestRow, reader_died, stage_files, stage_texts
from etl.workers import Workers

CHUNK_FILES = 500
DUCKDB_SETTINGS = {
    # DuckDB spills to disk beyond this: with the workers, a refresh stays under 1.5 GB on any corpus
    "memory_limit": "512MB",
    # Checkpoints are chosen by `_write_out_now`; one statement's rows alone rarely trigger one.
    "checkpoint_threshold": "1GB",
    # The worker processes keep every core busy; a second DuckDB thread would only compete.
    "threads": 1,
    # Row order in a table carries no meaning here.
    "preserve_insertion_order": False,
    # No merging of row groups at checkpoints. DuckDB appends a new row group to a table once it
    # is written out, and its vacuum merged the partly filled ones again at every checkpoint of a
    # load: at 2 M letters about 150 µs of CPU a letter, most of the writer's work. The price: a
    # partly filled row group per table and checkpoint, and the space of deleted rows given back
    # only when their whole row group is deleted.
    "max_vacuum_tasks": 0,
}
# The dashboard's tables are built once the workers are done, so the one process left may use more:
# at 2,000,000 letters a full build fails at 512 MB; at 768 MB it takes about 300 s and the process
# peaks at 1.26 GB (at 1 GB: 206 s and 1.59 GB, over the refresh's 1.5 GB).
DASHBOARD_TABLES_MEMORY = "768MB"
UNWRITTEN_BYTES = 256 * 2**20  # loaded rows held in memory before a checkpoint writes them out
WINDOW_FILES = (1_000, 20_000)  # files staged per window: a quarter of the work, within these bounds
EXIT_OK, EXIT_REJECTS, EXIT_FATAL, EXIT_LOCKED = 0, 1, 2, 3


class UsageError(ValueError):
    """Bad arguments: reported in one line, exit 2."""


@dataclass
class Counts:
    seen: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    rejected: int = 0
    missing: int = 0
    letters: int = 0
    items: int = 0
    rederived: int = 0
    rejected_paths: list[tuple[str, str]] = field(default_factory=list)
    dwc_listings_read: int = 0
    dwc_rows_new: int = 0
    dwc_rows_changed: int = 0
    nothing_changed: bool = False  # the live file was left as it was: no copy, no run recorded


def refresh(
    sources: list[str],
    database: Path,
    workers: int | None = None,
    full: bool = False,
    out: TextIO = sys.stdout,
    err: TextIO = sys.stderr,
    rescan: bool = False,
) -> int:
    """Run one refresh; returns the exit code (0 ok, 1 rejected files, 2 fatal, 3 locked). It lists
    again only the folders changed since the last refresh (`etl.sources.Walk`); `rescan` lists
    every folder, to find files rewritten in place."""
    roots = [Path(source).absolute() for source in sources]
    absent = [str(root) for root in roots if not root.exists()]
    if absent:
        raise UsageError(f"no such source: {', '.join(absent)}")
    workers = workers or os.cpu_count() or 1
    if workers < 1:
        raise UsageError("--workers must be at least 1")
    database = database.absolute()
    try:
        with publish.RefreshLock(database):
            try:
                counts, seconds = _run(roots, database, workers, full, rescan, err)
            except BaseException:
                publish.discard(database)
                raise
    except publish.LockHeld as held:
        print(f"refresh not started: {held}", file=err)
        return EXIT_LOCKED
    print(
        f"refresh done: {counts.seen} files seen, {counts.new} new, {counts.changed} changed, "
        f"{counts.unchanged} unchanged, {counts.rejected} rejected, {counts.missing} missing; "
        f"{counts.letters} letters and {counts.items} items loaded"
        + (f", {counts.rederived} letters re-derived" if counts.rederived else "")
        + (
            f"; DWC listings: {counts.dwc_listings_read} read, {counts.dwc_rows_new} rows new, "
            f"{counts.dwc_rows_changed} changed"
            if counts.dwc_listings_read
            else ""
        )
        + (
            "; nothing changed: the database was left as it was (no copy, no run recorded)"
            if counts.nothing_changed
            else ""
        )
        + f"; {seconds:.1f} s",
        file=out,
    )
    for path, reason in counts.rejected_paths:
        print(f"rejected: {path}: {reason}", file=out)
    return EXIT_REJECTS if counts.rejected_paths else EXIT_OK


def _run(
    roots: list[Path], database: Path, workers: int, full: bool, rescan: bool, err: TextIO
) -> tuple[Counts, float]:
    started, clock = datetime.now(), time.monotonic()
    same_schema = _has_current_schema(database)
    known = _known_folders(database) if same_schema and not (full or rescan) else {}
    letter_files, dwc_listings, walked = _listing(roots, known, database)
    if same_schema and not full:
        unchanged = _nothing_changed(database, letter_files, dwc_listings, roots, walked.kept)
        if unchanged is not None:
            shutil.rmtree(publish.listing_path(database), ignore_errors=True)
            return unchanged, time.monotonic() - clock
    building = publish.start_build(database, fresh=not same_schema)
    con = _open_build(building, database)
    create_schema(con)
    run_id = _scalar(con, "SELECT coalesce(max(run_id), 0) + 1 FROM etl_runs")
    counts = Counts()
    parts = publish.staging_path(database)
    _fault_point("after-start")

    def reopen(old: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
        return _reopened(old, building, database)

    with Workers(workers) as pool:
        stored_version = _meta(con, "parser_version")
        if stored_version is not None and stored_version != PARSER_VERSION:
            con, counts.rederived = _rederive(con, pool, run_id, parts, err, reopen)
        work = _compare(con, letter_files, roots, walked.kept, full, counts, database)
        if full:
            for table in (*LETTER_TABLES, "files", "rejects", "dwc_index", "dwc_listings"):
                con.execute(f"DELETE FROM {table}")
        _record_folders(con, walked.folders, roots)
        _fault_point("after-walk")
        con = _load(con, pool, work, run_id, counts, parts, err, reopen)
        shutil.rmtree(publish.listing_path(database), ignore_errors=True)
    _load_dwc_listings(con, dwc_listings, run_id, counts, parts)
    orphans = _scalar(
        con, "DELETE FROM letters WHERE doc_id NOT IN (SELECT doc_id FROM files WHERE doc_id IS NOT NULL)"
    )
    if orphans:
        delete_orphans(con)
    letters_replaced = counts.changed or counts.rederived or orphans or full
    if letters_replaced or dashboard_tables.built_version(con) != dashboard_tables.VERSION:
        con = reopen(con)
        build_dashboard_tables(con, workers, err)
    elif counts.new:
        build_dashboard_tables(con, workers, err, append=True)
    _record_run(con, run_id, started, roots, full, counts, time.monotonic() - clock)
    _fault_point("before-publish")
    publish.publish(database, con)
    _fault_point("after-publish")
    return counts, time.monotonic() - clock


def build_dashboard_tables(
    con: duckdb.DuckDBPyConnection, workers: int, err: TextIO, append: bool = False
) -> None:
    """The tables the dashboard reads (etl.dashboard_tables), built — or with `append`, the new
    letters added to them — on every core now that the workers are done, after a checkpoint: the
    row ids they record are then the published file's."""
    print(
        f"refresh: {'adding the new letters to' if append else 'building'} the dashboard's tables",
        file=err,
        flush=True,
    )
    con.execute("CHECKPOINT")
    con.execute(f"SET threads = {workers}")
    con.execute(f"SET memory_limit = '{DASHBOARD_TABLES_MEMORY}'")
    try:
        if not append:
            dashboard_tables.build(con)
        elif not dashboard_tables.update(con):
            print("refresh: the dashboard's tables were built in full instead", file=err, flush=True)
    finally:
        con.execute(f"SET threads = {DUCKDB_SETTINGS['threads']}")
        con.execute(f"SET memory_limit = '{DUCKDB_SETTINGS['memory_limit']}'")


def _open_build(building: Path, database: Path) -> duckdb.DuckDBPyConnection:
    """The connection a refresh writes through. The build copy is thrown away if the run dies
    (`publish.discard`), so it keeps no write-ahead log: committed rows are written to the file
    once, at a checkpoint, instead of to the log first and to the file again. It spills beside
    the database (not into whatever folder the refresh was started from)."""
    con = duckdb.connect(config={**DUCKDB_SETTINGS, "temp_directory": str(publish.spill_path(database))})
    con.execute("SET enable_progress_bar = false")
    con.execute(f"ATTACH {_sql_string(building)} AS build (RECOVERY_MODE no_wal_writes)")
    con.execute("USE build")
    return con


def _sql_string(path: Path) -> str:
    """A path as an SQL string literal, for the statements that take no parameters there."""
    return "'" + str(path).replace("'", "''") + "'"


def _reopened(con: duckdb.DuckDBPyConnection, building: Path, database: Path) -> duckdb.DuckDBPyConnection:
    """The build copy written out and opened afresh, in a DuckDB instance of its own: an instance
    that keeps appending holds more and more memory outside its limit (about 6 MB per 20,000
    letters at 2 M), which a new one (opened in milliseconds) does not."""
    con.execute("CHECKPOINT")
    con.close()
    return _open_build(building, database)


def _has_current_schema(database: Path) -> bool:
    """Whether the live database can be updated in place (else it is rebuilt from the sources)."""
    if not database.exists():
        return False
    try:
        with duckdb.connect(str(database), read_only=True) as live:
            version = live.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
            return bool(version) and version[0] == SCHEMA_VERSION
    except duckdb.Error:
        return False


class Listing(NamedTuple):
    """The files the walk listed, as Parquet parts on disk (`publish.listing_path`): at archive
    scale millions of paths, which DuckDB reads as it needs them instead of Python holding them."""

    parts: list[str]
    height: int

    def register(self, con: duckdb.DuckDBPyConnection) -> None:
        """The listing as `_listing` (path, root, size, mtime_ns, walk_error, walk_order)."""
        con.register("_listing", con.read_parquet(self.parts))


def _listing(
    roots: list[Path], known: dict[str, int], database: Path
) -> tuple[Listing, list[SourceFile], Walk]:
    """Path, root, size and mtime of every letter file in the folders listed (and why the walk
    could not list a folder), and of the files of unchanged folders found rewritten (`_recheck`),
    written out _LISTING_CHUNK files at a time; the DWC listings found; and the walk (its folders,
    and those `known` unchanged, whose files were not listed)."""
    folder = publish.listing_path(database)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    walked = Walk(known)
    parts: list[str] = []
    height = 0
    entries: list[SourceFile] = []
    dwc_listings: list[SourceFile] = []

    def write_out() -> None:
        nonlocal height, entries
        part = str(folder / f"{len(parts):06d}.parquet")
        frame = pl.DataFrame(entries, schema=_LISTING_SCHEMA, orient="row")
        frame.with_row_index("walk_order", offset=height).write_parquet(part, statistics=False)
        parts.append(part)
        height += len(entries)
        entries = []

    for entry in walked.files(roots):
        if entry.path.endswith(LISTING) and is_listing(entry.path) and not entry.walk_error:
            dwc_listings.append(entry)
            continue
        entries.append(entry)
        if len(entries) == _LISTING_CHUNK:
            write_out()
    if walked.kept:
        rewritten, kept_listings = _recheck(database, walked.kept, date.today().toordinal())
        entries += rewritten
        dwc_listings += kept_listings
    write_out()  # the last part, perhaps empty, so that the listing always has its columns
    return Listing(parts, height), dwc_listings, walked


def _recheck(database: Path, kept: list[Folder], day: int) -> tuple[list[SourceFile], list[SourceFile]]:
    """A folder the walk kept was not listed, so a file rewritten in place there (the folder
    unchanged) is not seen by the walk: each refresh stats again the files of kept folders whose
    turn it is — every file once in RECHECK_DAYS days — and every DWC listing there (a download
    appends to it in place). Returns those files whose size or mtime changed, and the listings."""
    with duckdb.connect(str(database), read_only=True) as live:
        live.register("_kept", _kept_frame(kept))
        due = live.execute(
            f"SELECT path, root, size, mtime_ns FROM files WHERE {_KEPT_FILES} AND hash(path) % ? = ?",
            [RECHECK_DAYS, day % RECHECK_DAYS],
        ).fetchall()
        listings = live.execute(
            f"""SELECT path, root FROM (SELECT path, {_FOLDER_OF} AS folder FROM dwc_listings)
                JOIN (SELECT path AS folder, root FROM _kept) USING (folder)"""
        ).fetchall()
    rewritten = [
        SourceFile(path, root, *now)
        for path, root, *then in due
        if (now := _size_and_mtime(path)) is not None and now != tuple(then)
    ]
    found = [(path, root, _size_and_mtime(path)) for path, root in listings]
    return rewritten, [SourceFile(path, root, *now) for path, root, now in found if now is not None]


def _size_and_mtime(stored: str) -> tuple[int, int] | None:
    """As the walk records them (`etl.sources.file_status`)."""
    stat = file_status(filesystem_path(stored))
    return None if stat is None else (stat.st_size, stat.st_mtime_ns)


def _known_folders(database: Path) -> dict[str, int]:
    """The folders the last refresh walked, with their status-change times; none from a file an
    older refresh wrote (whatever it lacks is made from a walk of every folder)."""
    with duckdb.connect(str(database), read_only=True) as live:
        if not _columns(live) >= _current_columns():
            return {}
        return dict(live.execute("SELECT path, ctime_ns FROM folders").fetchall())


def _record_folders(con: duckdb.DuckDBPyConnection, folders: list[Folder], roots: list[Path]) -> None:
    """The walked roots' folders, as the next refresh compares them."""
    con.register("_roots", _root_frame(roots))
    con.execute("DELETE FROM folders WHERE root IN (SELECT root FROM _roots)")
    con.unregister("_roots")
    if folders:
        con.register("_folders", pl.DataFrame(folders, schema=_FOLDER_SCHEMA, orient="row"))
        con.execute("INSERT INTO folders SELECT path, root, ctime_ns FROM _folders")
        con.unregister("_folders")


_FOLDER_SCHEMA = {"path": pl.String, "root": pl.String, "ctime_ns": pl.Int64}


_WORK = "work.parquet"  # the new and changed files of a run (`_compare`), beside the listing
_LISTING_CHUNK = 100_000
_LISTING_SCHEMA = {
    "path": pl.String,
    "root": pl.String,
    "size": pl.Int64,
    "mtime_ns": pl.Int64,
    "walk_error": pl.String,
}


def _compare(
    con: duckdb.DuckDBPyConnection,
    listing: Listing,
    roots: list[Path],
    kept: list[Folder],
    full: bool,
    counts: Counts,
    database: Path,
) -> Path:
    """Split the listing into new, changed and unchanged files (the files of folders `kept`, not
    listed again, unchanged too); mark vanished files missing. Returns the Parquet file that holds
    the new and changed files, numbered `n` in walk order: on disk, not in DuckDB's memory, since
    a first refresh of the archive lists millions, and the load reopens its connection."""
    listing.register(con)
    con.register("_kept", _kept_frame(kept))
    con.execute(f"CREATE TEMP TABLE _unchanged AS {_UNCHANGED}{' WHERE false' if full else ''}")
    kept_files = _scalar(con, _KEPT_UNLISTED)
    counts.seen = listing.height + kept_files
    counts.unchanged = _scalar(con, "SELECT count(*) FROM _unchanged") + kept_files
    counts.new = _scalar(con, "SELECT count(*) FROM _listing WHERE path NOT IN (SELECT path FROM files)")
    counts.changed = counts.seen - counts.unchanged - counts.new
    con.execute(f"UPDATE files SET missing_since = NULL WHERE {_REAPPEARED}")
    con.register("_roots", _root_frame(roots))
    counts.missing = _scalar(con, f"SELECT count(*) FROM files WHERE {_VANISHED_FILES}")
    con.execute(f"UPDATE files SET missing_since = now() WHERE {_VANISHED}")
    work = publish.listing_path(database) / _WORK
    con.execute(
        f"""COPY (SELECT row_number() OVER (ORDER BY walk_order) - 1 AS n, {", ".join(_LISTING_SCHEMA)},
                         path IN (SELECT split_part(path, '!', 1) FROM files) AS known
                  FROM _listing WHERE path NOT IN (SELECT path FROM _unchanged) ORDER BY n)
            TO {_sql_string(work)} (FORMAT parquet)"""
    )
    con.execute("DROP TABLE _unchanged")
    for registered in ("_listing", "_kept", "_roots"):
        con.unregister(registered)
    return work


# The files of the registered `_listing` that the manifest holds with the same size and mtime.
_UNCHANGED = (
    "SELECT l.path FROM _listing l "
    "JOIN files f ON f.path = l.path AND f.size = l.size AND f.mtime_ns = l.mtime_ns"
)


def _listing_unchanged(con: duckdb.DuckDBPyConnection, listing: SourceFile) -> bool:
    """Whether a DWC listing was read before with this size and mtime."""
    known = con.execute("SELECT size, mtime_ns FROM dwc_listings WHERE path = ?", [listing.path]).fetchone()
    return known == (listing.size, listing.mtime_ns)


# Files of the manifest seen again after they went missing (a zip member with its zip).
_REAPPEARED = (
    "missing_since IS NOT NULL AND "
    "(path IN (SELECT path FROM _listing) OR split_part(path, '!', 1) IN (SELECT path FROM _listing))"
)
# The folder a file (or a zip member's zip) is in.
_FOLDER_OF = "parse_dirpath(split_part(path, '!', 1), 'forward_slash')"
# Files (and zip members) of the walked roots that the walk no longer finds (in folders it listed).
_VANISHED = (
    "missing_since IS NULL AND root IN (SELECT root FROM _roots) "
    "AND split_part(path, '!', 1) NOT IN (SELECT path FROM _listing) "
    f"AND {_FOLDER_OF} NOT IN (SELECT path FROM _kept)"
)
# The files (not zip members) of the folders the walk found unchanged and did not list again.
_KEPT_FILES = (
    f"missing_since IS NULL AND position('!' IN path) = 0 AND {_FOLDER_OF} IN (SELECT path FROM _kept)"
)
# Files of the folders kept that the listing does not hold (again, as rewritten): counted unchanged.
_KEPT_UNLISTED = f"SELECT count(*) FROM files WHERE {_KEPT_FILES} AND path NOT IN (SELECT path FROM _listing)"
_VANISHED_FILES = f"{_VANISHED} AND position('!' IN path) = 0"  # the files alone, as counted
# Every file of an unchanged folder is stat'ed again within this many days (`_recheck`).
RECHECK_DAYS = 7


def _root_frame(roots: list[Path]) -> pl.DataFrame:
    return pl.DataFrame({"root": [stored_path(str(root)) for root in roots]})


def _kept_frame(kept: list[Folder]) -> pl.DataFrame:
    return pl.DataFrame(kept, schema=_FOLDER_SCHEMA, orient="row")


def _nothing_changed(
    database: Path,
    listing: Listing,
    dwc_listings: list[SourceFile],
    roots: list[Path],
    kept: list[Folder],
) -> Counts | None:
    """The counts of a run with nothing to do — every file known with its size and mtime, none
    vanished or reappeared, every DWC listing read as it is, letters parsed by this parser and the
    dashboard's tables of this version — read from the live file without copying it; None when
    there is something to do."""
    with duckdb.connect(str(database), read_only=True) as live:
        if _meta(live, "parser_version") not in (None, PARSER_VERSION):
            return None
        if not _columns(live) >= _current_columns():  # an older file: the refresh adds what it lacks
            return None
        if _scalar(live, "SELECT count(*) FROM letters") and (
            dashboard_tables.built_version(live) != dashboard_tables.VERSION
        ):
            return None
        listing.register(live)
        live.register("_roots", _root_frame(roots))
        live.register("_kept", _kept_frame(kept))
        if _scalar(live, f"SELECT count(*) FROM ({_UNCHANGED})") != listing.height:
            return None
        if _scalar(live, f"SELECT count(*) FROM files WHERE ({_REAPPEARED}) OR ({_VANISHED})"):
            return None
        if not all(_listing_unchanged(live, dwc_listing) for dwc_listing in dwc_listings):
            return None
        seen = listing.height + _scalar(live, _KEPT_UNLISTED)
    return Counts(seen=seen, unchanged=seen, nothing_changed=True)


def _columns(con: duckdb.DuckDBPyConnection) -> set[tuple[str, str]]:
    """(table, column) of every table and view in the main schema of the default catalog."""
    sql = """SELECT table_name, column_name FROM duckdb_columns()
             WHERE database_name = current_database() AND schema_name = 'main'"""
    return set(con.execute(sql).fetchall())


@functools.cache
def _current_columns() -> frozenset[tuple[str, str]]:
    """The columns `create_schema` makes today."""
    with duckdb.connect() as empty:
        create_schema(empty)
        return frozenset(_columns(empty))


@dataclass
class _Window:
    """A window of files handed to the workers, and the pool generation it was handed to."""

    folder: Path
    tasks: list[tuple[Chunk, list[SourceFile]]]
    results: Iterator[list[ManifestRow]]
    generation: int
    known: list[str]  # its files that the manifest held before this run


def _load(
    con: duckdb.DuckDBPyConnection,
    pool: Workers,
    work: Path,
    run_id: int,
    counts: Counts,
    parts: Path,
    err: TextIO,
    reopen: Callable[[duckdb.DuckDBPyConnection], duckdb.DuckDBPyConnection],
) -> duckdb.DuckDBPyConnection:
    """Stage files in windows: workers parse window n+1 into Parquet parts while the main process
    bulk-loads window n, so neither waits and at most two windows of parts exist on disk. Each
    time loaded rows are written out, the connection is replaced by a new one (`reopen`), which
    is returned at the end."""
    total = _scalar(con, "SELECT count(*) FROM read_parquet(?)", [str(work)])
    progress = Progress("refresh: files", total, err)
    chunk_size = _chunk_size(total, pool.workers)
    staged: _Window | None = None
    chunks = unwritten = 0
    windows = _windows(total)
    for window_no, (offset, length) in enumerate(windows):
        rows = con.execute(
            f"SELECT {', '.join(_LISTING_SCHEMA)}, known FROM read_parquet(?) "
            "WHERE n >= ? AND n < ? ORDER BY n",
            [str(work), offset, offset + length],
        ).fetchall()
        files = [SourceFile(*row[:-1]) for row in rows]
        known = [row[0] for row in rows if row[-1]]
        folder = parts / f"window-{window_no:06d}"
        tasks = [
            (Chunk(chunks + n, str(folder), PARSER_VERSION, run_id), files[start : start + chunk_size])
            for n, start in enumerate(range(0, len(files), chunk_size))
        ]
        chunks += len(tasks)
        started = _Window(folder, tasks, pool.map(stage_files, tasks), pool.generation, known)
        if staged is not None:
            manifest = _manifest(pool, staged, progress)
            unwritten += _store(con, staged.folder, manifest, staged.known, run_id, counts)
            if _write_out_now(unwritten, before_last_window=window_no == len(windows) - 1):
                con, unwritten = reopen(con), 0
            _fault_point("mid-load")
        staged = started
    if staged is not None:
        manifest = _manifest(pool, staged, progress)
        pool.close()  # nothing is left to stage: their memory is given back before the last load
        _store(con, staged.folder, manifest, staged.known, run_id, counts)
    progress.finish()
    return con


def _windows(total: int) -> list[tuple[int, int]]:
    """(offset, files) of each window: a quarter of the work within WINDOW_FILES, the last
    window's files split in two, so that little is left to load once the workers are done."""
    size = min(max(total // 4, WINDOW_FILES[0]), WINDOW_FILES[1])
    windows = [(offset, min(size, total - offset)) for offset in range(0, total, size)]
    if windows and windows[-1][1] > 1:
        offset, files = windows.pop()
        windows += [(offset, files // 2), (offset + files // 2, files - files // 2)]
    return windows


def _write_out_now(unwritten: int, before_last_window: bool) -> bool:
    """Whether to checkpoint (write loaded rows from memory to the file): once `unwritten` bytes
    of parts are loaded, and before the last window, so that it runs while the workers still
    parse. Each checkpoint leaves every table a partly filled row group (they are not merged
    again: DUCKDB_SETTINGS), so fewer checkpoints leave fuller ones."""
    return unwritten > UNWRITTEN_BYTES or (before_last_window and unwritten > 0)


def _manifest(pool: Workers, window: _Window, progress: Progress) -> list[ManifestRow]:
    """The window's manifest rows once its workers are done. If a worker process died (a file
    crashed its reader), the window is staged again one file at a time, so that only the file
    that kills its reader is rejected, and the run goes on."""
    if window.generation != pool.generation:  # handed to a pool that has died since
        shutil.rmtree(window.folder, ignore_errors=True)
        window.results, window.generation = pool.map(stage_files, window.tasks), pool.generation
    manifest: list[ManifestRow] = []
    counted = 0
    try:
        for rows in window.results:
            manifest += rows
            counted += _advance(progress, rows)
        return manifest
    except BrokenProcessPool:
        pool.restart()
    shutil.rmtree(window.folder, ignore_errors=True)
    manifest = []
    for chunk, files in window.tasks:
        for part, source in enumerate(files):
            try:
                rows = pool.run(stage_files, (replace(chunk, part=part), [source]))
            except BrokenProcessPool:
                pool.restart()
                rows = [reader_died(source)]
            manifest += rows
            if counted > 0:
                counted -= _advance(progress, rows, quiet=True)
            else:
                _advance(progress, rows)
    return manifest


def _advance(progress: Progress, rows: list[ManifestRow], quiet: bool = False) -> int:
    """Files (not zip members) among the rows; shown on the progress line unless `quiet`."""
    files = sum(1 for row in rows if "!" not in row.path)
    if not quiet:
        progress.advance(files)
    return files


def _store(
    con: duckdb.DuckDBPyConnection,
    folder: Path,
    manifest: list[ManifestRow],
    known: list[str],
    run_id: int,
    counts: Counts,
) -> int:
    """Record one window's files in the manifest and load the letters its workers staged;
    returns the bytes of parts loaded. Only the rows of files the manifest `known` before (and of
    their archive members) are replaced: at archive scale each search of the manifest reads
    millions of paths."""
    if not manifest:
        return 0
    rows = pl.DataFrame(manifest, schema=_MANIFEST_SCHEMA, orient="row")
    con.register("_rows", rows)
    con.register("_known", pl.DataFrame({"path": known}, schema={"path": pl.String}))
    replaced = "split_part(path, '!', 1) IN (SELECT path FROM _known)"
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _first_seen AS SELECT path, first_seen_run FROM files "
        + (f"WHERE {replaced}" if known else "WHERE false")
    )
    if known:
        con.execute(f"DELETE FROM files WHERE {replaced}")
        con.execute(f"DELETE FROM rejects WHERE {replaced}")
    con.execute(
        "INSERT INTO files SELECT r.path, r.root, r.size, r.mtime_ns, r.sha256, r.doc_id, r.status, "
        f"coalesce(s.first_seen_run, {run_id}), {run_id}, NULL "
        "FROM _rows r LEFT JOIN _first_seen s USING (path)"
    )
    con.execute(
        f"INSERT INTO rejects SELECT path, error, size, mtime_ns, {run_id}, now() FROM _rows "
        "WHERE status = 'rejected'"
    )
    con.unregister("_rows")
    con.unregister("_known")
    rejected = [(row.path, row.error or "") for row in manifest if row.status == "rejected"]
    counts.rejected += len(rejected)
    counts.rejected_paths += rejected
    staged_bytes = _parts_bytes(folder)
    letters, items = load_parts(con, folder)
    counts.letters += letters
    counts.items += items
    return staged_bytes


def _parts_bytes(folder: Path) -> int:
    return sum(part.stat().st_size for part in folder.glob("*/*.parquet"))


_MANIFEST_SCHEMA = {
    "path": pl.String,
    "root": pl.String,
    "size": pl.Int64,
    "mtime_ns": pl.Int64,
    "sha256": pl.String,
    "doc_id": pl.String,
    "status": pl.String,
    "error": pl.String,
}


def _load_dwc_listings(
    con: duckdb.DuckDBPyConnection, listings: list[SourceFile], run_id: int, counts: Counts, parts: Path
) -> None:
    """Read each DWC listing that is new or changed (size, mtime) since it was last read into
    `dwc_index`; an unchanged one is not opened. A listing that cannot be read whole is rejected like
    a bad letter file (and read again once it changes); the rows of its last good reading stay."""
    for number, listing in enumerate(listings):
        if _listing_unchanged(con, listing):
            continue
        counts.dwc_listings_read += 1
        for table in ("dwc_listings", "rejects"):
            con.execute(f"DELETE FROM {table} WHERE path = ?", [listing.path])
        parts.mkdir(parents=True, exist_ok=True)
        staged = parts / f"dwc-listing-{number:06d}.parquet"
        try:
            rows = read_listing(filesystem_path(listing.path), staged)
        except ListingRejected as rejected:
            con.execute(
                "INSERT INTO rejects VALUES (?, ?, ?, ?, ?, now())",
                [listing.path, str(rejected), listing.size, listing.mtime_ns, run_id],
            )
            counts.rejected_paths.append((listing.path, str(rejected)))
            status, rows = "rejected", None
        else:
            new, changed = upsert_dwc_rows(con, staged, listing.path, run_id)
            staged.unlink()
            counts.dwc_rows_new += new
            counts.dwc_rows_changed += changed
            status = "ok"
        con.execute(
            "INSERT INTO dwc_listings VALUES (?, ?, ?, ?, ?, ?)",
            [listing.path, listing.size, listing.mtime_ns, status, rows, run_id],
        )


def _rederive(
    con: duckdb.DuckDBPyConnection,
    pool: Workers,
    run_id: int,
    parts: Path,
    err: TextIO,
    reopen: Callable[[duckdb.DuckDBPyConnection], duckdb.DuckDBPyConnection],
) -> tuple[duckdb.DuckDBPyConnection, int]:
    """Parse every stored letter text again with this parser; sources are not read. Returns the
    connection (replaced, as in `_load`, each time rows are written out) and the letters parsed."""
    for table in LETTER_TABLES:
        con.execute(f"ALTER TABLE {table} RENAME TO {table}_previous")
    create_schema(con)
    total = _scalar(con, "SELECT count(*) FROM letters_previous")
    progress = Progress("refresh: re-deriving letters", total, err)
    chunk_size = _chunk_size(total, pool.workers)
    renamed: dict[str, str] = {}
    chunks = unwritten = 0
    rows = _scalar(con, "SELECT coalesce(max(rowid) + 1, 0) FROM letter_texts_previous")
    # One query per window, finished before the window is loaded: a checkpoint cannot run while
    # a query is still streaming stored letters.
    for window_no, first in enumerate(range(0, rows, WINDOW_FILES[1])):
        letters = con.execute(
            "SELECT t.doc_id, t.text, l.synthetic, l.warnings FROM letter_texts_previous t "
            "JOIN letters_previous l USING (doc_id) WHERE t.rowid >= ? AND t.rowid < ?",
            [first, first + WINDOW_FILES[1]],
        ).fetchall()
        folder = parts / f"rederive-{window_no:06d}"
        tasks = [
            (Chunk(chunks + n, str(folder), PARSER_VERSION, run_id), letters[start : start + chunk_size])
            for n, start in enumerate(range(0, len(letters), chunk_size))
        ]
        chunks += len(tasks)
        for pairs in pool.map(stage_texts, tasks):
            renamed.update((old, new) for old, new in pairs if new is not None and new != old)
            progress.advance(len(pairs))
        staged_bytes = _parts_bytes(folder)
        load_parts(con, folder)
        unwritten += staged_bytes
        if _write_out_now(unwritten, before_last_window=False):
            con, unwritten = reopen(con), 0
    progress.finish()
    if renamed:
        con.register("_renamed", pl.DataFrame({"old": list(renamed), "new": list(renamed.values())}))
        con.execute("UPDATE files SET doc_id = r.new FROM _renamed r WHERE files.doc_id = r.old")
        con.unregister("_renamed")
    for table in LETTER_TABLES:
        con.execute(f"DROP TABLE {table}_previous")
    return con, total


def _chunk_size(total: int, workers: int) -> int:
    """Files per worker task: big enough to amortise a task, small enough to keep every worker busy."""
    return max(1, min(CHUNK_FILES, -(-total // (workers * 4))))


def _record_run(
    con: duckdb.DuckDBPyConnection,
    run_id: int,
    started: datetime,
    roots: list[Path],
    full: bool,
    counts: Counts,
    seconds: float,
) -> None:
    con.execute(
        "INSERT INTO etl_runs (run_id, started_at, finished_at, status, parser_version, sources, "
        "full_rebuild, files_seen, files_new, files_changed, files_unchanged, files_rejected, files_missing, "
        "letters_loaded, items_loaded, seconds, dwc_rows_new, dwc_rows_changed) "
        "VALUES (?, ?, now(), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            run_id,
            started,
            "rejected files" if counts.rejected_paths else "ok",
            PARSER_VERSION,
            [stored_path(str(root)) for root in roots],
            full,
            counts.seen,
            counts.new,
            counts.changed,
            counts.unchanged,
            counts.rejected,
            counts.missing,
            counts.letters,
            counts.items,
            round(seconds, 3),
            counts.dwc_rows_new,
            counts.dwc_rows_changed,
        ],
    )
    con.execute("DELETE FROM meta WHERE key = 'parser_version'")
    con.execute("INSERT INTO meta VALUES ('parser_version', ?)", [PARSER_VERSION])


def _meta(con: duckdb.DuckDBPyConnection, key: str) -> str | None:
    row = con.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchone()
    return row[0] if row else None


def _scalar(con: duckdb.DuckDBPyConnection, query: str, parameters: list | None = None) -> int:
    row = con.execute(query, parameters).fetchone()
    return int(row[0]) if row else 0


def _fault_point(name: str) -> None:
    """Crash tests kill the refresh here (IMR_ETL_FAULT=name) to prove the swap is atomic."""
    if os.environ.get(FAULT_ENV) == name:
        os.kill(os.getpid(), signal.SIGKILL)
