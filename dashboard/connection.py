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

from etl import dashboard_tables
from etl.config import database_path
from etl.dashboard_tables import ATTACHED_AS, SCHEMA

REQUIRED_TABLES = ("letters", "items", "citations", "reviewer_specialties", "reviewer_states", "meta")


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
    """One version of the database file, attached read-only. The refresh built the tables the
    pages read (etl.dashboard_tables) into it, so opening it builds nothing and holds no copy:
    `cursor()` gives each query its own connection."""

    def __init__(self, identity: FileIdentity) -> None:
        self.identity = identity
        self._root = duckdb.connect()
        quoted = identity.path.replace("'", "''")
        self._root.execute(f"ATTACH '{quoted}' AS {ATTACHED_AS} (READ_ONLY)")
        present = {
            row[0]
            for row in self._root.execute(
                "SELECT table_name FROM duckdb_tables() WHERE database_name = ? AND schema_name = 'main'",
                [ATTACHED_AS],
            ).fetchall()
        }
        self.missing_tables = [table for table in REQUIRED_TABLES if table not in present]
        # Tables built by a refresh of another version (or none: a file from before the refresh
        # built them) are not read: the next refresh rebuilds them without parsing any letter.
        self.letter_count = (
            0
            if self.missing_tables
            else self._root.execute(f"SELECT count(*) FROM {ATTACHED_AS}.main.letters").fetchone()[0]
        )
        self.tables_outdated = (
            self.letter_count > 0
            and dashboard_tables.built_version(self._root, ATTACHED_AS) != dashboard_tables.VERSION
        )

    @property
    def is_ready(self) -> bool:
        return not self.missing_tables and not self.tables_outdated and self.letter_count > 0

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """A connection whose unqualified names are the dashboard's tables; the queries name the
        file's letter tables `imr.main.…`."""
        cursor = self._root.cursor()
        cursor.execute(f"USE {ATTACHED_AS}.{SCHEMA}")
        return cursor

    def close(self) -> None:
        """Queries still running keep the old file open until their cursors are gone."""
        self._root.close()


@st.cache_resource(show_spinner="Opening the database…", on_release=Database.close)
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
