"""The only place the app opens the database, always read-only.

A refresh builds the new database aside and `os.replace`s it into place; a connection opened
before keeps reading the old file. So each version of the file — its identity: inode, mtime,
size — gets its own `Database`, cached by that identity, and the stale one is released (closed)
as soon as a newer version is seen.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import duckdb
import streamlit as st

from dashboard import working_set
from dashboard.working_set import ATTACHED_AS
from etl.config import database_path

REQUIRED_TABLES = ("letters", "items", "citations", "reviewer_specialties", "reviewer_states")


class FileIdentity(NamedTuple):
    """Which version of the database file: a replaced file has a new inode, mtime or size."""

    path: str
    inode: int
    mtime_ns: int
    size: int


def file_identity(path: Path) -> FileIdentity | None:
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    return FileIdentity(str(path.resolve()), stat.st_ino, stat.st_mtime_ns, stat.st_size)


class Database:
    """One version of the database file, attached read-only to an in-memory DuckDB that holds
    the working set (dashboard.working_set). `cursor()` gives each query its own connection."""

    def __init__(self, identity: FileIdentity) -> None:
        self.identity = identity
        self._root = duckdb.connect()
        quoted = identity.path.replace("'", "''")
        self._root.execute(f"ATTACH '{quoted}' AS {ATTACHED_AS} (READ_ONLY)")
        self._use_file(self._root)
        present = {row[0] for row in self._root.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        self.missing_tables = [table for table in REQUIRED_TABLES if table not in present]
        # Written by refreshes since whole-letter search (item_terms since the fts index went);
        # older files lack them.
        self.has_search_terms = {"item_terms", "letter_terms", "search_terms"} <= present
        # Written since reason codes were mined from the rationales; older files lack it.
        self.has_reasons = "item_reasons" in present
        # Written since refreshes load the DWC's listing (with the `dwc_reconciliation` view).
        self.has_dwc_index = "dwc_index" in present
        # Written since modified requests were flagged; older files' items lack the column.
        columns = "SELECT count(*) FROM duckdb_columns() WHERE table_name = 'items' AND column_name = ?"
        self.has_modified = bool(self._root.execute(columns, ["modified"]).fetchone()[0])
        self.letter_count = (
            0 if self.missing_tables else self._root.execute("SELECT count(*) FROM letters").fetchone()[0]
        )
        if self.is_ready:
            working_set.build(
                self._root,
                search_terms=self.has_search_terms,
                reasons=self.has_reasons,
                modified=self.has_modified,
            )

    @property
    def is_ready(self) -> bool:
        return not self.missing_tables and self.letter_count > 0

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """A connection whose unqualified names are the in-memory working set's; the queries name
        the file's tables `imr.main.…` (no per-cursor USE and search_path to set)."""
        return self._root.cursor()

    def close(self) -> None:
        """Queries still running keep the old file open until their cursors are gone."""
        self._root.close()

    @staticmethod
    def _use_file(con: duckdb.DuckDBPyConnection) -> None:
        # The working set's build: unqualified names resolve in the file first, then in memory.
        con.execute(f"USE {ATTACHED_AS}")
        con.execute(f"SET search_path = '{ATTACHED_AS}.main,memory.main'")


@st.cache_resource(show_spinner="Reading the database (once after each refresh)…", on_release=Database.close)
def _open(identity: FileIdentity) -> Database:
    return Database(identity)


_latest: dict[str, FileIdentity] = {}


def current() -> Database | None:
    """The database at `IMR_DB` as it is now; None when the file does not exist."""
    identity = file_identity(database_path())
    if identity is None:
        return None
    previous = _latest.get(identity.path)
    if previous is not None and previous != identity:
        _open.clear(previous)
    _latest[identity.path] = identity
    return _open(identity)
