"""The folders, zips and files a refresh reads: walk them, and turn one file into outcomes.

`read_source` runs in worker processes: it reads, hashes, extracts and parses one file (every
member of a zip), so the main process only compares file listings and loads results.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from etl.extract import LETTER_SUFFIXES, MAX_BYTES, documents_from_bytes
from etl.parse import NotALetter, parse_text
from etl.records import Letter

SYNTHETIC_PREFIX = "synthetic-"


class SourceFile(NamedTuple):
    """One file of a source, as the walk found it (a tuple: millions are made and pickled)."""

    path: str
    root: str
    size: int
    mtime_ns: int


@dataclass(frozen=True)
class Outcome:
    """What one file (or zip member) gave: a letter, a reason it was rejected, or an archive."""

    path: str
    root: str
    size: int
    mtime_ns: int
    sha256: str | None
    record: Letter | None = None
    text: str | None = None
    error: str | None = None
    archive: bool = False

    @property
    def synthetic(self) -> bool:
        return os.path.basename(self.path.rsplit("!", 1)[-1]).startswith(SYNTHETIC_PREFIX)


def walk(roots: list[Path]) -> Iterator[SourceFile]:
    """Every letter file under the roots (a root may itself be a file), in a stable order."""
    for root in roots:
        if root.is_file():
            stat = root.stat()
            yield SourceFile(str(root), str(root), stat.st_size, stat.st_mtime_ns)
        else:
            yield from _walk_folder(str(root), str(root))


def _walk_folder(folder: str, root: str) -> Iterator[SourceFile]:
    """Files first, then subfolders, each by name; hidden entries and symlinked folders skipped.
    Plain strings and `os.scandir`: a refresh walks millions of files every night."""
    try:
        with os.scandir(folder) as listing:
            entries = sorted(listing, key=lambda entry: entry.name)
    except OSError:
        return
    subfolders = []
    for entry in entries:
        if entry.name.startswith("."):
            continue
        if entry.is_dir(follow_symlinks=False):
            subfolders.append(entry.path)
        elif entry.name.lower().endswith(LETTER_SUFFIXES):
            try:
                stat = entry.stat()
            except OSError:
                continue
            yield SourceFile(entry.path, root, stat.st_size, stat.st_mtime_ns)
    for subfolder in subfolders:
        yield from _walk_folder(subfolder, root)


def read_source(source: SourceFile) -> list[Outcome]:
    """Outcomes of one file: one for a letter file, the archive plus one per member for a zip."""
    if source.size > MAX_BYTES:
        return [_rejected(source, f"oversized: {source.size / 1e6:.0f} MB (limit {MAX_BYTES // 2**20} MB)")]
    try:
        with open(source.path, "rb") as handle:
            data = handle.read()
    except OSError as err:
        return [_rejected(source, f"unreadable: {err.strerror or err}")]
    digest = hashlib.sha256(data).hexdigest()
    documents = list(documents_from_bytes(data, source.path))
    is_archive = data[:2] == b"PK" and not (len(documents) == 1 and documents[0].source == source.path)
    outcomes = (
        [Outcome(source.path, source.root, source.size, source.mtime_ns, digest, archive=True)]
        if is_archive
        else []
    )
    for document in documents:
        member_digest = digest
        if is_archive:
            member_digest = hashlib.sha256((document.text or document.error or "").encode()).hexdigest()
        outcomes.append(_outcome(source, document.source, member_digest, document.text, document.error))
    return outcomes


def parse_outcome(path: str, root: str, size: int, mtime_ns: int, sha256: str | None, text: str) -> Outcome:
    """Parse stored or extracted text into an outcome (used again when the parser changes)."""
    try:
        record = parse_text(text, path)
    except NotALetter as err:
        return Outcome(path, root, size, mtime_ns, sha256, text=text, error=str(err))
    return Outcome(path, root, size, mtime_ns, sha256, record=record, text=text)


def _outcome(source: SourceFile, path: str, digest: str, text: str | None, error: str | None) -> Outcome:
    if text is None:
        return Outcome(path, source.root, source.size, source.mtime_ns, digest, error=error)
    return parse_outcome(path, source.root, source.size, source.mtime_ns, digest, text)


def _rejected(source: SourceFile, reason: str) -> Outcome:
    return Outcome(source.path, source.root, source.size, source.mtime_ns, None, error=reason)
