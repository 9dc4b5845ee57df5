"""The only writer of the database file people read.

A refresh works on a copy beside the live file (`imr.duckdb.building`) — a reflink (a
copy-on-write clone: instant, whatever the size) where the file system has them (XFS, btrfs …),
else a full copy — checkpoints and closes it, then `os.replace`s it over the live file: readers
never see a half-written state, a killed refresh leaves the previous file complete, and a
read-only session that holds the old file keeps answering from it until it reconnects. A refresh
with nothing to do copies nothing (etl/refresh.py). One refresh at a time, by an advisory lock
that the kernel releases when its holder dies, so a killed run never leaves a stale lock behind.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

import duckdb


class LockHeld(RuntimeError):
    """Another refresh is running on the same database."""


@dataclass
class RefreshLock:
    """`with RefreshLock(db):` — exclusive for the duration of one refresh."""

    database: Path

    @property
    def path(self) -> Path:
        return self.database.with_name(self.database.name + ".lock")

    def __enter__(self) -> RefreshLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._handle = self.path.open("a+")
        try:
            fcntl.flock(self._handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._handle.seek(0)
            holder = self._handle.read().strip() or "unknown"
            self._handle.close()
            raise LockHeld(f"another refresh holds {self.path} ({holder})") from None
        self._handle.seek(0)
        self._handle.truncate()
        self._handle.write(json.dumps({"pid": os.getpid(), "started": time.strftime("%Y-%m-%d %H:%M:%S")}))
        self._handle.flush()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._handle.seek(0)
        self._handle.truncate()
        fcntl.flock(self._handle, fcntl.LOCK_UN)
        self._handle.close()


def building_path(database: Path) -> Path:
    return database.with_name(database.name + ".building")


def staging_path(database: Path) -> Path:
    """Where workers leave Parquet parts for the loader (see etl/staging.py)."""
    return database.with_name(database.name + ".parts")


def listing_path(database: Path) -> Path:
    """Where the refresh keeps the walk's listing as Parquet: millions of paths on disk, not in memory."""
    return database.with_name(database.name + ".listing")


def spill_path(database: Path) -> Path:
    """Where the refresh's DuckDB spills what does not fit its memory limit (sorts, joins)."""
    return database.with_name(database.name + ".tmp")


def start_build(database: Path, fresh: bool) -> Path:
    """A private copy of the live database to work on (an empty one when `fresh`)."""
    building = building_path(database)
    _discard_build(database)
    if database.exists() and not fresh:
        copy(database, building)
    return building


FICLONE = 0x40049409  # linux/fs.h: _IOW(0x94, 9, int), clone a whole file
NO_REFLINK = {errno.EOPNOTSUPP, errno.ENOTTY, errno.EINVAL, errno.EXDEV, errno.ENOSYS}


def copy(source: Path, target: Path) -> str:
    """Copy `source` to `target`: a reflink where the file system can (returns "reflink"), else
    a byte copy ("copy"). A reflink shares the blocks until either file writes them, so a
    refresh of a 12 GB database starts at once and costs only the space of what it changes."""
    with source.open("rb") as readable, target.open("wb") as writable:
        try:
            fcntl.ioctl(writable.fileno(), FICLONE, readable.fileno())
            return "reflink"
        except OSError as error:
            if error.errno not in NO_REFLINK:
                raise
    shutil.copyfile(source, target)
    return "copy"


def publish(database: Path, con: duckdb.DuckDBPyConnection) -> None:
    """Checkpoint and close the building copy, then swap it in atomically."""
    building = building_path(database)
    con.execute("CHECKPOINT")
    con.close()
    _fsync(building)
    os.replace(building, database)
    _fsync(database.parent)
    for leftover in (staging_path(database), spill_path(database)):
        shutil.rmtree(leftover, ignore_errors=True)


def discard(database: Path) -> None:
    """Remove what a killed or failed refresh left beside the live file."""
    _discard_build(database)
    shutil.rmtree(listing_path(database), ignore_errors=True)


def _discard_build(database: Path) -> None:
    """Remove a build copy and what its loading left (not the walk's listing, made before it)."""
    building = building_path(database)
    for leftover in (building, building.with_name(building.name + ".wal")):
        leftover.unlink(missing_ok=True)
    for folder in (staging_path(database), spill_path(database)):
        shutil.rmtree(folder, ignore_errors=True)


def _fsync(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
