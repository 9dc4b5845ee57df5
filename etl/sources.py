"""The folders, zips and files a refresh reads: walk them, and turn one file into outcomes.

`read_source` runs in worker processes: it reads, hashes, extracts and parses one file (every
member of a zip), so the main process only compares file listings and loads results.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from etl.dwc_listing import LISTING
from etl.extract import LETTER_SUFFIXES, Document, ExtractError, documents_from_bytes, read_file
from etl.normalise import normalise
from etl.parse import NotALetter, parse_clean
from etl.records import Letter

SYNTHETIC_PREFIX = "synthetic-"


class SourceFile(NamedTuple):
    """One file of a source, as the walk found it (a tuple: millions are made and pickled). Its
    `path` and `root` are stored paths (`stored_path`), as the database holds them. A folder the
    walk could not list is one too, with the reason in `walk_error`, so that it is rejected."""

    path: str
    root: str
    size: int
    mtime_ns: int
    walk_error: str | None = None


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
    clean_text: str | None = None  # the text normalised, as the parser read it
    error: str | None = None
    archive: bool = False

    @property
    def synthetic(self) -> bool:
        return os.path.basename(self.path.rsplit("!", 1)[-1]).startswith(SYNTHETIC_PREFIX)


# A file name is bytes, but the database holds text (UTF-8). Python hands a name that is not
# UTF-8 over with each undecodable byte as a lone surrogate (PEP 383), which no UTF-8 text can
# hold: the stored path writes such a byte as `\xff` and a backslash as `\\`, so that two
# names never share a stored path and the stored path gives the name back. Documented with the
# `files` table in docs/database.md.
_TO_ESCAPE = re.compile("[\\\\\udc80-\udcff]")
_ESCAPED = re.compile(r"\\(\\|x[89a-f][0-9a-f])")


def stored_path(path: str) -> str:
    """The text the database holds for a file-system path (undecodable bytes and backslashes escaped)."""
    if path.isascii() and "\\" not in path:  # nearly every path: two C scans instead of a regex
        return path
    return _TO_ESCAPE.sub(_escape, path)


def filesystem_path(stored: str) -> str:
    """The file-system path a stored path stands for (the inverse of `stored_path`)."""
    return _ESCAPED.sub(_unescape, stored)


def _escape(match: re.Match[str]) -> str:
    character = match.group()
    return "\\\\" if character == "\\" else f"\\x{ord(character) - 0xDC00:02x}"


def _unescape(match: re.Match[str]) -> str:
    escaped = match.group(1)
    return "\\" if escaped == "\\" else chr(0xDC00 + int(escaped[1:], 16))


class Folder(NamedTuple):
    """A folder a walk listed (or found unchanged), by stored path, with its status-change time:
    adding, removing or renaming a file in a folder changes it, and so does a change of the
    folder's permissions."""

    path: str
    root: str
    ctime_ns: int


UNLISTED = -1  # the status-change time recorded for a folder that could not be listed: none matches


@dataclass
class Walk:
    """A walk of the sources that lists again only the folders changed since the walk that found
    `known` (stored path → ctime_ns): a folder whose status-change time is the same holds the same
    entries, so its files are those the manifest has and its subfolders those `known` has. A file
    rewritten in place does not change its folder: a walk without `known` (`refresh --rescan`)
    lists every folder and sees it. After `files`, `folders` holds every folder walked and `kept`
    those not listed again."""

    known: dict[str, int] = field(default_factory=dict)
    folders: list[Folder] = field(default_factory=list)
    kept: list[Folder] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._subfolders: dict[str, list[str]] = {}
        for path in sorted(self.known):
            self._subfolders.setdefault(path.rsplit("/", 1)[0], []).append(path)

    def files(self, roots: list[Path]) -> Iterator[SourceFile]:
        """Every letter file and DWC listing (`dwc-listing.csv`, which the refresh sets apart) in
        the folders listed, under the roots (a root may itself be a file), in a stable order."""
        for root in roots:
            stored_root = stored_path(str(root))
            if root.is_dir():
                yield from self._folder(str(root), stored_root)
            else:
                stat = root.stat()
                yield SourceFile(stored_root, stored_root, stat.st_size, stat.st_mtime_ns)

    def _folder(self, folder: str, root: str) -> Iterator[SourceFile]:
        """Files first, then subfolders, each by name; hidden entries and symlinked folders
        skipped. Any other entry with a letter's name is listed, a FIFO, device or dangling symlink
        too, so that its reader rejects it with a reason. Plain strings and `os.scandir`: a
        refresh walks millions of files every night."""
        stored = stored_path(folder)
        try:
            changed = os.stat(folder).st_ctime_ns  # before listing: a later change shows next time
            if self.known.get(stored) == changed:
                self.folders.append(Folder(stored, root, changed))
                self.kept.append(self.folders[-1])
                for subfolder in self._subfolders.get(stored, []):
                    yield from self._folder(filesystem_path(subfolder), root)
                return
            files, subfolders = [], []  # names only: a folder may hold millions of entries
            with os.scandir(folder) as listing:
                for entry in listing:
                    name = entry.name
                    if name[0] == ".":
                        continue
                    if entry.is_dir(follow_symlinks=False):
                        subfolders.append(name)
                    elif name.lower().endswith(LETTER_SUFFIXES) or name == LISTING:
                        files.append(name)
        except OSError as err:
            self.folders.append(Folder(stored, root, UNLISTED))  # so that the next walk tries it again
            yield _unlisted(folder, root, f"unreadable folder: {err.strerror or err}")
            return
        self.folders.append(Folder(stored, root, changed))
        files.sort()
        for name in files:
            path = os.path.join(folder, name)
            stat = file_status(path)
            if stat is not None:
                yield SourceFile(stored_path(path), root, stat.st_size, stat.st_mtime_ns)
        for name in sorted(subfolders):
            yield from self._folder(os.path.join(folder, name), root)


def _unlisted(folder: str, root: str, reason: str) -> SourceFile:
    """A folder the walk could not list, as an entry its reader rejects with `reason`."""
    try:
        stat = os.stat(folder)
    except OSError:
        return SourceFile(stored_path(folder), root, 0, 0, reason)
    return SourceFile(stored_path(folder), root, stat.st_size, stat.st_mtime_ns, reason)


def file_status(path: str) -> os.stat_result | None:
    """The file's status (a symlink's own if it leads nowhere); None if it is gone."""
    try:
        return os.stat(path)
    except OSError:
        try:
            return os.lstat(path)
        except OSError:
            return None


def read_source(source: SourceFile) -> list[Outcome]:
    """Outcomes of one file: one for a letter file, the archive plus one per member for a zip."""
    if source.walk_error:
        return [_rejected(source, source.walk_error)]
    path = filesystem_path(source.path)
    try:
        data = read_file(path)
    except ExtractError as err:
        return [_rejected(source, str(err))]
    digest = hashlib.sha256(data).hexdigest()
    documents = list(documents_from_bytes(data, path))
    is_archive = data[:2] == b"PK" and not (len(documents) == 1 and documents[0].source == path)
    outcomes = (
        [Outcome(source.path, source.root, source.size, source.mtime_ns, digest, archive=True)]
        if is_archive
        else []
    )
    for document in documents:
        member_digest = digest
        if is_archive:
            member_digest = hashlib.sha256((document.text or document.error or "").encode()).hexdigest()
        member = stored_path(document.source)
        outcomes.append(_outcome(source, member, member_digest, document))
    return outcomes


def parse_outcome(
    path: str,
    root: str,
    size: int,
    mtime_ns: int,
    sha256: str | None,
    text: str,
    extraction_warnings: tuple[str, ...] = (),
) -> Outcome:
    """Parse stored or extracted text into an outcome (used again when the parser changes)."""
    clean = normalise(text)
    try:
        record = parse_clean(clean, path, extraction_warnings)
    except NotALetter as err:
        return Outcome(path, root, size, mtime_ns, sha256, text=text, error=str(err))
    return Outcome(path, root, size, mtime_ns, sha256, record=record, text=text, clean_text=clean)


def _outcome(source: SourceFile, path: str, digest: str, document: Document) -> Outcome:
    if document.text is None:
        return Outcome(path, source.root, source.size, source.mtime_ns, digest, error=document.error)
    return parse_outcome(
        path, source.root, source.size, source.mtime_ns, digest, document.text, document.warnings
    )


def _rejected(source: SourceFile, reason: str) -> Outcome:
    return Outcome(source.path, source.root, source.size, source.mtime_ns, None, error=reason)
