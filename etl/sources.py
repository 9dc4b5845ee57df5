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

from etl.extract import LETTER_SUFFIXES, MAX_BYTES, documents_from_bytes
from etl.parse import NotALetter, parse_text
from etl.records import Letter

SYNTHETIC_PREFIX = "synthetic-"


@dataclass(frozen=True)
class SourceFile:
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
        return Path(self.path.rsplit("!", 1)[-1]).name.startswith(SYNTHETIC_PREFIX)


def walk(roots: list[Path]) -> Iterator[SourceFile]:
    """Every letter file under the roots (a root may itself be a file), in a stable order."""
    for root in roots:
        if root.is_file():
            yield _entry(root, root)
            continue
        for folder, dirs, files in os.walk(root):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for name in sorted(files):
                if name.lower().endswith(LETTER_SUFFIXES) and not name.startswith("."):
                    entry = _entry(Path(folder) / name, root)
                    if entry is not None:
                        yield entry


def _entry(path: Path, root: Path) -> SourceFile | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return SourceFile(str(path), str(root), stat.st_size, stat.st_mtime_ns)


def read_source(source: SourceFile) -> list[Outcome]:
    """Outcomes of one file: one for a letter file, the archive plus one per member for a zip."""
    if source.size > MAX_BYTES:
        return [_rejected(source, f"oversized: {source.size / 1e6:.0f} MB (limit {MAX_BYTES // 2**20} MB)")]
    try:
        data = Path(source.path).read_bytes()
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
