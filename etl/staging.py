"""The worker side of a refresh: a chunk of files (or stored texts) → Parquet parts + manifest.

Workers read, parse and turn letters into table rows themselves and write them as Parquet
parts, one file per table per chunk, so the main process only bulk-loads whole folders of
parts (`etl.load.load_parts`) and never touches a record. What comes back to the main process
is small: one manifest row per file (for `files` and `rejects`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import polars as pl

from etl.extract import is_extraction_warning
from etl.rows import COPY_COLUMN, LoadedLetter, letter_frames
from etl.sources import Outcome, SourceFile, parse_outcome, read_source

FAULT_ENV = "IMR_ETL_FAULT"  # crash tests name where a refresh (or a worker) dies


class ManifestRow(NamedTuple):
    path: str
    root: str
    size: int
    mtime_ns: int
    sha256: str | None
    doc_id: str | None
    status: str  # ok | rejected | archive
    error: str | None


@dataclass(frozen=True)
class Chunk:
    """One task: `number` orders chunks, so duplicates resolve to the first file's copy; `part`
    tells apart the tasks of one chunk when its files are staged one by one."""

    number: int
    parts: str
    parser_version: str
    run_id: int
    part: int = 0


def stage_files(task: tuple[Chunk, list[SourceFile]]) -> list[ManifestRow]:
    chunk, files = task
    _crash_test(files)
    outcomes = [outcome for source in files for outcome in read_source(source)]
    _write_parts(chunk, outcomes)
    return [_manifest(outcome) for outcome in outcomes]


def stage_texts(
    task: tuple[Chunk, list[tuple[str, str, bool, list[str] | None]]],
) -> list[tuple[str, str | None]]:
    """Re-parse stored letters (doc_id, text, synthetic, warnings); returns (old doc_id, new doc_id
    or None). The warnings of their extraction are carried over: the text cannot show them again."""
    chunk, letters = task
    outcomes = [
        parse_outcome(doc_id, "", 0, 0, None, text, tuple(filter(is_extraction_warning, warnings or ())))
        for doc_id, text, _, warnings in letters
    ]
    synthetic = {doc_id: flag for doc_id, _, flag, _ in letters}
    _write_parts(chunk, outcomes, synthetic)
    return [
        (doc_id, outcome.record["doc_id"] if outcome.record else None)
        for (doc_id, *_), outcome in zip(letters, outcomes, strict=True)
    ]


def _write_parts(chunk: Chunk, outcomes: list[Outcome], synthetic: dict[str, bool] | None = None) -> None:
    letters: dict[str, LoadedLetter] = {}
    for outcome in outcomes:
        if outcome.record is not None:
            flag = synthetic[outcome.path] if synthetic is not None else outcome.synthetic
            loaded = LoadedLetter(outcome.record, outcome.text or "", flag, outcome.clean_text)
            letters.setdefault(outcome.record["doc_id"], loaded)
    if not letters:
        return
    frames = letter_frames(list(letters.values()), chunk.parser_version, chunk.run_id)
    for table, frame in frames.items():
        if frame.height:
            folder = Path(chunk.parts) / table
            folder.mkdir(parents=True, exist_ok=True)
            frame.with_columns(pl.lit(chunk.number, pl.Int32).alias(COPY_COLUMN)).write_parquet(
                folder / f"{chunk.number:09d}-{chunk.part:06d}.parquet",
                compression="uncompressed",
                statistics=False,
            )


def reader_died(source: SourceFile) -> ManifestRow:
    """The manifest row of a file whose reading killed the worker process (a crash in the PDF
    library, or the system out of memory)."""
    reason = "reader crashed: the process reading this file died (corrupt file or out of memory)"
    return ManifestRow(source.path, source.root, source.size, source.mtime_ns, None, None, "rejected", reason)


def _crash_test(files: list[SourceFile]) -> None:
    """Tests make a worker die on one file (IMR_ETL_FAULT=crash-reading:<name>), as a PDF that
    crashes the PDF library would."""
    fault = os.environ.get(FAULT_ENV, "")
    if fault.startswith("crash-reading:") and any(fault.split(":", 1)[1] in f.path for f in files):
        os._exit(70)


def _manifest(outcome: Outcome) -> ManifestRow:
    status = "archive" if outcome.archive else "rejected" if outcome.error else "ok"
    return ManifestRow(
        outcome.path,
        outcome.root,
        outcome.size,
        outcome.mtime_ns,
        outcome.sha256,
        outcome.record["doc_id"] if outcome.record else None,
        status,
        outcome.error,
    )
