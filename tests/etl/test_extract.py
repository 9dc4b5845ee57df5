import io
import os
import re
import zipfile
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from fpdf import FPDF
from hypothesis import given
from hypothesis import strategies as st

from etl import extract
from etl.extract import (
    MAX_BYTES,
    ExtractError,
    _binary_characters,
    bytes_to_text,
    documents_from_bytes,
    is_extraction_warning,
    iter_documents,
    read_file,
)
from tests.conftest import REAL_LETTERS, needs_shared


def make_pdf(*pages: list[str] | None) -> bytes:
    """A PDF with a page per argument: its lines of text, or None for a page without text."""
    pdf = FPDF()
    for lines in pages:
        pdf.add_page()
        if lines is None:
            pdf.rect(20, 20, 50, 50)  # a drawing, no text: what a scan without OCR looks like
        else:
            pdf.set_font("Helvetica", size=11)
            for line in lines:
                pdf.cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def test_utf8_bom_cp1252_and_utf16_decode_alike():
    text = "Décision rationale: it’s fine"
    assert bytes_to_text(text.encode("utf-8")) == (text, ())
    assert bytes_to_text(b"\xef\xbb\xbf" + text.encode("utf-8")) == (text, ())
    assert bytes_to_text(text.encode("cp1252")) == (text, ())
    assert bytes_to_text(text.encode("utf-16")) == (text, ())


def test_pdf_text_layer_is_extracted():
    text, warnings = bytes_to_text(
        make_pdf(["Case Number: CM16-0213037", "MRI of the cervical spine: Upheld"])
    )
    assert "CM16-0213037" in text and "MRI of the cervical spine: Upheld" in text
    assert warnings == ()


def test_a_pdf_page_without_text_layer_is_a_warning():
    [document] = documents_from_bytes(make_pdf(["first page"], None, ["third page"], None), "part-scan.pdf")
    assert "first page" in document.text and "third page" in document.text
    assert document.warnings == (
        "page 2 of 4 has no text layer (scanned image?): its text is missing",
        "page 4 of 4 has no text layer (scanned image?): its text is missing",
    )
    assert all(map(is_extraction_warning, document.warnings))
    assert not is_extraction_warning("no disputed items found")


def test_pdf_without_text_layer_is_a_clear_error():
    [document] = documents_from_bytes(make_pdf(None), "scan.pdf")
    assert document.text is None and document.error == "no text layer (scanned?)"


def test_corrupt_pdf_and_binary_and_empty_files_are_errors():
    assert next(documents_from_bytes(b"%PDF-1.7\n garbage", "bad.pdf")).error.startswith("corrupt PDF")
    assert next(documents_from_bytes(bytes(range(256)) * 20, "blob.txt")).error.startswith("undecodable")
    assert next(documents_from_bytes(b"  \n", "empty.txt")).error == "empty file"


def test_zip_members_are_named_archive_bang_member(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("letters/a.txt", "first letter")
        archive.writestr("b.pdf", make_pdf(["second letter"]))
        archive.writestr("__MACOSX/._a.txt", "junk")
        archive.writestr("notes.docx", "ignored")
    path = tmp_path / "batch.zip"
    path.write_bytes(buffer.getvalue())
    documents = list(iter_documents([str(path)]))
    assert [d.source for d in documents] == [f"{path}!letters/a.txt", f"{path}!b.pdf"]
    assert documents[0].text == "first letter" and "second letter" in documents[1].text


def test_corrupt_zip(tmp_path):
    path = tmp_path / "broken.zip"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    [document] = iter_documents([str(path)])
    assert document.error.startswith("corrupt zip archive")


def test_folders_are_walked_recursively_in_order(tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "2.txt").write_text("two")
    (tmp_path / "1.TXT").write_text("one")
    (tmp_path / "skip.json").write_text("{}")
    (tmp_path / ".hidden.txt").write_text("hidden")
    assert [d.text for d in iter_documents([str(tmp_path)])] == ["one", "two"]


def test_missing_path_and_oversized_file(tmp_path):
    [missing] = iter_documents([str(tmp_path / "nope.txt")])
    assert missing.error == "no such file or folder"
    big = tmp_path / "big.txt"
    with big.open("wb") as handle:
        handle.truncate(MAX_BYTES + 1)
    [oversized] = iter_documents([str(big)])
    assert oversized.error.startswith("oversized")


def refusal(path: Path) -> str:
    with pytest.raises(ExtractError) as refused:
        read_file(str(path))
    return str(refused.value)


def test_only_regular_files_are_read(tmp_path):
    os.mkfifo(tmp_path / "pipe.txt")
    (tmp_path / "zero.txt").symlink_to("/dev/zero")
    (tmp_path / "dangling.txt").symlink_to(tmp_path / "nowhere")
    (tmp_path / "letter.txt").write_bytes(b"a letter")
    assert read_file(str(tmp_path / "letter.txt")) == b"a letter"
    assert refusal(tmp_path / "pipe.txt") == "not a regular file: FIFO"
    assert refusal(tmp_path / "zero.txt") == "not a regular file: character device"
    assert refusal(tmp_path / "dangling.txt") == "unreadable: No such file or directory"
    assert refusal(tmp_path) == "not a regular file: folder"


def test_a_fifo_swapped_in_after_the_check_is_turned_down_on_the_open_descriptor(tmp_path, monkeypatch):
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    regular, stat = os.stat(__file__), os.stat
    monkeypatch.setattr(extract.os, "stat", lambda path: regular if path == str(fifo) else stat(path))
    assert refusal(fifo) == "not a regular file: FIFO"


def test_a_file_larger_than_it_says_is_cut_off_as_oversized(tmp_path, monkeypatch):
    big = tmp_path / "big.txt"
    with big.open("wb") as handle:
        handle.truncate(MAX_BYTES + 10)
    fstat = os.fstat
    monkeypatch.setattr(extract.os, "fstat", lambda fd: os.stat_result((*fstat(fd)[:6], 10, *fstat(fd)[7:])))
    assert refusal(big) == "oversized: more than 50 MB read, though its size said 0 MB (limit 50 MB)"


def test_a_file_whose_size_says_less_than_it_holds_is_read_whole(tmp_path, monkeypatch):
    """As /proc's files do (size 0): the first read asks for the stated size, then it reads on."""
    letter = tmp_path / "letter.txt"
    letter.write_bytes(b"a letter that grew" * 100)
    fstat = os.fstat
    monkeypatch.setattr(extract.os, "fstat", lambda fd: os.stat_result((*fstat(fd)[:6], 0, *fstat(fd)[7:])))
    assert read_file(str(letter)) == b"a letter that grew" * 100


def zip_of(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def reasons(data: bytes) -> list[tuple[str, str | None]]:
    return [(document.source, document.error) for document in documents_from_bytes(data, "a.zip")]


def test_nested_zips_draw_on_their_archive_member_limit(monkeypatch):
    monkeypatch.setattr(extract, "MAX_ARCHIVE_MEMBERS", 3)
    inner = zip_of({"b.txt": b"b", "c.txt": b"c", "d.txt": b"d"})
    limit = "not read: past the archive's limit of 3 letters"
    assert reasons(zip_of({"a.txt": b"a", "inner.zip": inner, "e.txt": b"e", "f.txt": b"f"})) == [
        ("a.zip!a.txt", None),
        ("a.zip!inner.zip!b.txt", None),
        ("a.zip!inner.zip!c.txt", f"{limit}, as are the 1 members after it"),
        ("a.zip!e.txt", f"{limit}, as are the 1 members after it"),
    ]


def test_members_past_the_archive_byte_limit_are_not_read(monkeypatch):
    monkeypatch.setattr(extract, "MAX_ARCHIVE_BYTES", 25 * 2**20)
    ten_mb = b"letter " * (10 * 2**20 // 7)
    nested = zip_of({"c.txt": ten_mb})
    limit = "not read: past the archive's limit of 25 MB uncompressed"
    assert reasons(zip_of({"a.txt": ten_mb, "b.zip": nested, "d.txt": ten_mb, "e.txt": b"short"})) == [
        ("a.zip!a.txt", None),
        ("a.zip!b.zip!c.txt", None),
        ("a.zip!d.txt", limit),
        ("a.zip!e.txt", None),
    ]


def test_a_member_that_inflates_past_its_declared_size_is_cut_off(monkeypatch):
    data = zip_of({"a.txt": b"a letter"})
    monkeypatch.setattr(zipfile.ZipFile, "open", lambda self, member: io.BytesIO(b"x" * 10**6))
    assert reasons(data) == [("a.zip!a.txt", "oversized: larger than its declared size (a zip bomb?)")]


def test_damaged_members_and_deep_nesting_are_rejected():
    data = bytearray(zip_of({"a.txt": b"a letter " * 1000, "b.txt": b"another letter"}))
    data[40] ^= 0xFF  # inside a.txt's deflate stream
    [(_, damaged), (_, intact)] = reasons(bytes(data))
    assert damaged.startswith("unreadable zip member: Error -3 while decompressing data") and intact is None
    nested = b"a letter"
    for _ in range(extract.MAX_ZIP_DEPTH + 1):
        nested = zip_of({"z.zip": nested})
    [(name, error)] = reasons(nested)
    assert name == "a.zip" + "!z.zip" * extract.MAX_ZIP_DEPTH
    assert error == f"zip archive nested too deep (limit {extract.MAX_ZIP_DEPTH} levels)"


@needs_shared
def test_real_encrypted_pdfs_open():
    path = REAL_LETTERS / "CM16-0235991.pdf"
    [document] = iter_documents([str(path)])
    assert "CM16-0235991" in document.text
    assert len(pdfium.PdfDocument(str(path))) >= 2


@pytest.mark.parametrize("data", [b"\x00\x01\x02", b"PK\x05\x06" + b"\x00" * 18])
def test_odd_bytes_do_not_raise(data):
    assert list(documents_from_bytes(data, "odd.zip"))


@given(st.text(alphabet=st.characters(codec="ascii")) | st.text())
def test_binary_characters_are_counted_alike_for_ascii_and_other_text(sample):
    assert _binary_characters(sample) == len(re.findall("[\x00-\x08\x0b\x0e-\x1f\ufffd]", sample))
