"""Offline full-text search over items (treatment and rationale) with DuckDB's `fts` extension.

The extension is not bundled with the duckdb wheel and cannot be downloaded here, so it comes
from the `duckdb-extension-fts` package (same version as duckdb) and is loaded by file path.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

INDEXED_TABLE = "items"


def extension_path() -> Path | None:
    try:
        import duckdb_extension_fts
    except ImportError:
        return None
    folder = Path(duckdb_extension_fts.__path__[0]) / "extensions" / f"v{duckdb.__version__}"
    path = folder / "fts.duckdb_extension"
    return path if path.exists() else None


def load(con: duckdb.DuckDBPyConnection) -> bool:
    """Load the extension into `con`; False when it is not installed for this duckdb version."""
    path = extension_path()
    if path is None:
        return False
    con.execute(f"LOAD '{path}'")
    return True


def create_index(con: duckdb.DuckDBPyConnection) -> bool:
    """(Re)build the BM25 index over items; the writer calls this before publishing."""
    if not load(con):
        return False
    con.execute(
        f"PRAGMA create_fts_index('{INDEXED_TABLE}', 'item_id', 'treatment', 'rationale', overwrite=1)"
    )
    return True


def has_index(con: duckdb.DuckDBPyConnection) -> bool:
    found = con.execute(
        "SELECT count(*) FROM duckdb_schemas() WHERE schema_name = ?", [f"fts_main_{INDEXED_TABLE}"]
    ).fetchone()
    return bool(found and found[0])
