"""The one resolver of paths and settings.

Precedence: a command-line flag, then the environment, then the default. Every reader and
writer of the database calls `database_path`, so they always agree on the file.
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB = ROOT / "data" / "imr.duckdb"


def database_path(flag: str | os.PathLike[str] | None = None) -> Path:
    """`--db` if given, else `IMR_DB`, else `data/imr.duckdb` (relative paths from the cwd)."""
    chosen = flag or os.environ.get("IMR_DB") or DEFAULT_DB
    return Path(chosen).expanduser()
