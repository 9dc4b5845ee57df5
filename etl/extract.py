"""Files → letter text: plain text in any common encoding, PDFs with a text layer, zip archives
and folders of them. Errors come back as values (one reason line per document), never raised,
so one bad file never stops a batch."""

from __future__ import annotations

import io
import lzma
import os
import re
import stat
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pypdfium2 as pdfium

LETTER_SUFFIXES = (".txt", ".pdf", ".zip", ".text")
MAX_BYTES = 50 * 1024 * 1024
# What one zip archive, with the zips nested in it, may hold. A worker keeps every letter of a file
# (its text and record, about 15 KB) until it has read the whole file, so these bound its memory
# on one archive: 10,000 letters hold about 150 MB and take a worker about a minute to parse, and
# 200 MB uncompressed is four times the largest file, so a full archive of PDFs (which barely
# compress) or of text letters (about 2.5:1) fits. Members beyond either cap are rejected, not
# read: an archive of more letters (a full one of small text letters holds ~25,000) is split.
MAX_ARCHIVE_BYTES = 200 * 1024 * 1024
MAX_ARCHIVE_MEMBERS = 10_000
MAX_ZIP_DEPTH = 8  # zips within zips: an archive that holds itself ends here
# What zipfile and its decompressors raise on a damaged or hostile archive.
_ZIP_ERRORS = (zipfile.BadZipFile, OSError, RuntimeError, ValueError, EOFError, zlib.error, lzma.LZMAError)
_BINARY_CHARACTER = re.compile("[\x00-\x08\x0b\x0e-\x1f\ufffd]")
_TEXT_BYTES = bytes(byte for byte in range(128) if not _BINARY_CHARACTER.match(chr(byte)))


@dataclass(frozen=True)
class Document:
    """A letter's text (with warnings about text that could not be extracted), or why there is none."""

    source: str
    text: str | None = None
    error: str | None = None
    warnings: tuple[str, ...] = ()


class ExtractError(ValueError):
    """A document whose bytes cannot become letter text."""


def iter_documents(paths: Iterable[str]) -> Iterator[Document]:
    """Every letter under the given paths, in a stable order (folders sorted, zips in order)."""
    for given in paths:
        path = Path(given)
        if path.is_dir():
            for file in sorted(_walk(path)):
                yield from _from_file(file, str(file))
        elif path.exists():
            yield from _from_file(path, given)
        else:
            yield Document(given, error="no such file or folder")


def _walk(folder: Path) -> Iterator[Path]:
    for root, dirs, files in os.walk(folder):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in files:
            if name.lower().endswith(LETTER_SUFFIXES) and not name.startswith("."):
                yield Path(root) / name


def _from_file(path: Path, source: str) -> Iterator[Document]:
    try:
        data = read_file(str(path))
    except ExtractError as err:
        yield Document(source, error=str(err))
        return
    yield from documents_from_bytes(data, source)


def read_file(path: str) -> bytes:
    """The bytes of a regular file of at most MAX_BYTES, else an ExtractError. A FIFO, device or
    socket (or a symlink to one) would block a read or never end: it is turned down before it is
    opened, and again on the opened descriptor, so that one swapped in meanwhile is never read.
    At most MAX_BYTES + 1 bytes are read, so a file that grows or lies about its size ends too."""
    try:
        _require_regular(os.stat(path).st_mode)  # opening a device can act on it: check first
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY)  # a FIFO does not wait
        try:
            status = os.fstat(descriptor)
            _require_regular(status.st_mode)
            if status.st_size > MAX_BYTES:
                raise ExtractError(_oversized(f"{status.st_size / 1e6:.0f} MB"))
            # Asking for the stated size, not MAX_BYTES: a 50 MB buffer costs 60 µs a file.
            data = _read_up_to(descriptor, min(status.st_size, MAX_BYTES) + 1)
            if len(data) > status.st_size:  # it grew, or its size said 0 (as /proc's do): read on to the cap
                data += _read_up_to(descriptor, MAX_BYTES + 1 - len(data))
        finally:
            os.close(descriptor)
    except OSError as err:
        raise ExtractError(f"unreadable: {err.strerror or err}") from None
    if len(data) > MAX_BYTES:
        said = f"{status.st_size / 1e6:.0f} MB"
        raise ExtractError(_oversized(f"more than {MAX_BYTES // 2**20} MB read, though its size said {said}"))
    return data


def _read_up_to(descriptor: int, size: int) -> bytes:
    """`size` bytes, or fewer at the end of the file. Plain `os.read` calls, not a buffered file
    object around the descriptor: that object costs 7 µs a file, a tenth of reading a letter."""
    chunks = []
    while size > 0 and (chunk := os.read(descriptor, size)):
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


_FILE_KINDS = {
    stat.S_IFDIR: "folder",
    stat.S_IFIFO: "FIFO",
    stat.S_IFCHR: "character device",
    stat.S_IFBLK: "block device",
    stat.S_IFSOCK: "socket",
}


def _require_regular(mode: int) -> None:
    if not stat.S_ISREG(mode):
        raise ExtractError(f"not a regular file: {_FILE_KINDS.get(stat.S_IFMT(mode), 'unknown kind')}")


def _oversized(size: str) -> str:
    return f"oversized: {size} (limit {MAX_BYTES // 2**20} MB)"


def documents_from_bytes(data: bytes, source: str) -> Iterator[Document]:
    """One document, or every letter of a zip archive (recursively), from raw bytes."""
    return _documents(data, source, _ArchiveBudget(MAX_ARCHIVE_MEMBERS, MAX_ARCHIVE_BYTES), depth=0)


@dataclass
class _ArchiveBudget:
    """What is left of one archive's caps: the zips nested in it draw on the same budget."""

    members: int
    bytes: int


def _documents(data: bytes, source: str, budget: _ArchiveBudget, depth: int) -> Iterator[Document]:
    if data[:4] == b"PK\x03\x04" or (data[:4] == b"PK\x05\x06" and source.lower().endswith(".zip")):
        yield from _zip_members(data, source, budget, depth)
        return
    try:
        text, warnings = bytes_to_text(data)
        yield Document(source, text=text, warnings=warnings)
    except ExtractError as err:
        yield Document(source, error=str(err))


def bytes_to_text(data: bytes) -> tuple[str, tuple[str, ...]]:
    """A file's letter text, and warnings about any of it that could not be extracted."""
    if not data.strip():
        raise ExtractError("empty file")
    if data[:5] == b"%PDF-":
        return pdf_text(data)
    return decode_text(data), ()


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM, else Windows-1252."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        text = data.decode("utf-16", errors="replace")
    else:
        if data[:3] == b"\xef\xbb\xbf":
            data = data[3:]
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = data.decode("cp1252", errors="replace")
    sample = text[:4000]
    if sample and _binary_characters(sample) > len(sample) * 0.05:
        raise ExtractError("undecodable: binary content, not text")
    return text


def _binary_characters(sample: str) -> int:
    """How many control or replacement characters: for ASCII text (most letters) what is left
    after deleting every text byte, which is far faster than a regex."""
    if sample.isascii():
        return len(sample.encode("ascii").translate(None, _TEXT_BYTES))
    return len(_BINARY_CHARACTER.findall(sample))


def pdf_text(data: bytes) -> tuple[str, tuple[str, ...]]:
    """The text layer of every page; a page without one (a scan inside a letter) loses its text,
    which a warning says."""
    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as err:
        raise ExtractError(f"corrupt PDF: {err}") from None
    try:
        pages = []
        for index in range(len(document)):
            page = document[index]
            textpage = page.get_textpage()
            pages.append(textpage.get_text_range())
            textpage.close()
            page.close()
    except pdfium.PdfiumError as err:
        raise ExtractError(f"corrupt PDF: {err}") from None
    finally:
        document.close()
    text = "\n".join(pages)
    if not text.strip():
        raise ExtractError("no text layer (scanned?)")
    blank = [number for number, page in enumerate(pages, start=1) if not page.strip()]
    return text, tuple(f"page {number} of {len(pages)}{_NO_TEXT_LAYER}" for number in blank)


_NO_TEXT_LAYER = " has no text layer (scanned image?): its text is missing"


def is_extraction_warning(warning: str) -> bool:
    """Whether a letter's warning came from extracting its text, not from parsing it: parsing the
    stored text again (after a parser change) cannot find it again, so it is carried over."""
    return warning.endswith(_NO_TEXT_LAYER)


def _zip_members(data: bytes, source: str, budget: _ArchiveBudget, depth: int) -> Iterator[Document]:
    """The archive's letters, read one member at a time within the archive's budget."""
    if depth == MAX_ZIP_DEPTH:
        yield Document(source, error=f"zip archive nested too deep (limit {MAX_ZIP_DEPTH} levels)")
        return
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = [m for m in archive.infolist() if _is_letter_member(m)]
    except _ZIP_ERRORS as err:
        yield Document(source, error=f"corrupt zip archive: {err}")
        return
    if not members:
        yield Document(source, error="zip archive holds no letters (.txt, .pdf or .zip)")
        return
    with archive:
        for number, member in enumerate(members):
            name = f"{source}!{member.filename}"
            if budget.members == 0:  # one reject stands for the rest: they are not even looked at
                after = len(members) - number - 1
                reason = f"not read: past the archive's limit of {MAX_ARCHIVE_MEMBERS:,} letters"
                yield Document(name, error=f"{reason}, as are the {after:,} members after it")
                return
            budget.members -= 1
            content = _read_member(archive, member, name, budget)
            if isinstance(content, Document):
                yield content
            else:
                yield from _documents(content, name, budget, depth + 1)


def _read_member(
    archive: zipfile.ZipFile, member: zipfile.ZipInfo, name: str, budget: _ArchiveBudget
) -> bytes | Document:
    """A member's bytes, taken from the archive's budget, or the document that rejects it. A member
    is read no further than its declared size: zipfile stops there itself (and then fails the CRC
    check), but the cap does not rely on it."""
    if member.file_size > MAX_BYTES:
        return Document(name, error=_oversized(f"{member.file_size / 1e6:.0f} MB"))
    if member.file_size > budget.bytes:
        limit = f"{MAX_ARCHIVE_BYTES // 2**20} MB"
        return Document(name, error=f"not read: past the archive's limit of {limit} uncompressed")
    try:
        with archive.open(member) as stream:
            content = stream.read(member.file_size + 1)
    except _ZIP_ERRORS as err:
        return Document(name, error=f"unreadable zip member: {err}")
    budget.bytes -= len(content)
    if len(content) > member.file_size:
        return Document(name, error="oversized: larger than its declared size (a zip bomb?)")
    return content


def _is_letter_member(member: zipfile.ZipInfo) -> bool:
    name = member.filename
    base = name.rsplit("/", 1)[-1]
    return (  # a name ending in a letter suffix is no folder (and `is_dir` fails on an empty name)
        not name.startswith("__MACOSX/")
        and not base.startswith(".")
        and base.lower().endswith(LETTER_SUFFIXES)
    )
