"""The refresh: incremental, deduplicating, rejecting bad files, crash-safe, reader-friendly."""

from __future__ import annotations

import io
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path
from zlib import crc32

import duckdb
import pypdfium2 as pdfium
import pytest

from etl import publish, staging
from etl import refresh as refresh_module
from etl.normalise import normalise
from etl.publish import RefreshLock, building_path, staging_path
from etl.refresh import EXIT_LOCKED, EXIT_OK, EXIT_REJECTS, UsageError, refresh
from etl.search_terms import term_hash, terms
from etl.synth.generate import generate_letter
from etl.synth.pdf import render_pdf
from tests.conftest import FIXTURES, ROOT


def write_letters(folder: Path, start: int, count: int) -> int:
    """Generated letters as text files; returns how many items they hold."""
    folder.mkdir(parents=True, exist_ok=True)
    items = 0
    for index in range(start, start + count):
        text, truth = generate_letter(random.Random(f"refresh-test:{index}"), index)
        (folder / f"synthetic-{index:05d}.txt").write_text(text, encoding="utf-8")
        items += len(truth["items"])
    return items


def run(sources: list[Path], db: Path, **options) -> tuple[int, str]:
    out = io.StringIO()
    code = refresh([str(s) for s in sources], db, out=out, err=io.StringIO(), **{"workers": 1, **options})
    return code, out.getvalue()


def query(db: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


def one(db: Path, sql: str):
    return query(db, sql)[0][0]


@pytest.fixture
def corpus(tmp_path: Path) -> tuple[Path, Path, int]:
    letters = tmp_path / "letters"
    items = write_letters(letters, 0, 30)
    return letters, tmp_path / "db" / "imr.duckdb", items


def test_first_refresh_loads_every_letter(corpus):
    letters, db, items = corpus
    code, summary = run([letters], db)
    assert code == EXIT_OK
    assert "30 files seen, 30 new, 0 changed, 0 unchanged, 0 rejected" in summary
    assert one(db, "SELECT count(*) FROM letters") == 30
    assert one(db, "SELECT count(*) FROM decisions") == items
    assert one(db, "SELECT bool_and(synthetic) FROM decisions")
    assert query(db, "SELECT run_id, status, files_new, letters_loaded FROM etl_runs") == [(1, "ok", 30, 30)]
    assert sorted(path.name for path in db.parent.iterdir()) == ["imr.duckdb", "imr.duckdb.lock"]


def test_unchanged_files_are_not_read_again(corpus, monkeypatch):
    letters, db, _ = corpus
    run([letters], db)
    read = []
    original = staging.read_source
    monkeypatch.setattr(staging, "read_source", lambda source: read.append(source) or original(source))
    live = db.stat()
    copied = []
    monkeypatch.setattr(publish, "copy", lambda *paths: copied.append(paths))
    code, summary = run([letters], db)
    assert code == EXIT_OK and read == [] and copied == []
    assert "0 new, 0 changed, 30 unchanged" in summary and "nothing changed" in summary
    assert (db.stat().st_ino, db.stat().st_mtime_ns) == (live.st_ino, live.st_mtime_ns)  # not replaced
    assert one(db, "SELECT count(*) FROM etl_runs") == 1
    assert sorted(path.name for path in db.parent.iterdir()) == ["imr.duckdb", "imr.duckdb.lock"]


@pytest.mark.parametrize("change", ["new file", "touched file", "vanished file", "reappeared file"])
def test_a_run_with_something_to_do_is_recorded(corpus, change):
    letters, db, _ = corpus
    run([letters], db)
    target = letters / "synthetic-00007.txt"
    aside = letters.parent / "aside.txt"
    if change == "new file":
        write_letters(letters, 100, 1)
    elif change == "touched file":
        os.utime(target, ns=(target.stat().st_atime_ns, target.stat().st_mtime_ns + 10**9))
    else:
        target.rename(aside)
        if change == "reappeared file":
            run([letters], db)
            aside.rename(target)
    code, summary = run([letters], db, rescan=change == "touched file")  # its folder is unchanged
    assert code == EXIT_OK and "nothing changed" not in summary
    assert one(db, "SELECT max(run_id) FROM etl_runs") == (3 if change == "reappeared file" else 2)
    missing = one(db, "SELECT count(*) FROM files WHERE missing_since IS NOT NULL")
    assert missing == (change == "vanished file")


def test_changed_file_is_reparsed_and_its_old_letter_replaced(corpus):
    letters, db, _ = corpus
    run([letters], db)
    target = letters / "synthetic-00003.txt"
    old_id = one(db, f"SELECT doc_id FROM files WHERE path = '{target}'")
    text, truth = generate_letter(random.Random("replacement"), 999)
    written = letters.parent / "replacement.txt"
    written.write_text(text, encoding="utf-8")
    written.replace(target)  # delivered as a download or rsync delivers it
    code, summary = run([letters], db)
    assert "1 changed" in summary and code == EXIT_OK
    assert one(db, f"SELECT count(*) FROM letters WHERE doc_id = '{old_id}'") == 0
    assert one(db, f"SELECT doc_id FROM files WHERE path = '{target}'") == truth["doc_id"]
    assert one(db, "SELECT count(*) FROM letters") == 30
    assert_postings_match_items(db)


def assert_postings_match_items(db: Path) -> None:
    """`item_terms` holds exactly the words of every stored item, `letter_terms` those of every
    stored letter's normalised text, and nothing of removed letters; `search_terms` names every
    word either holds, once, with its hash."""
    expected = sorted(
        (term_hash(term), int(doc_id, 16), item_no)
        for doc_id, item_no, treatment, rationale in query(
            db, "SELECT doc_id, item_no, treatment, rationale FROM items"
        )
        for term in terms(f"{treatment or ''} {rationale or ''}")
    )
    assert expected and query(db, "SELECT * FROM item_terms ORDER BY ALL") == expected
    letter_words = {
        int(doc_id, 16): terms(normalise(text)) for doc_id, text in query(db, "SELECT * FROM letter_texts")
    }
    expected_letters = sorted((term_hash(word), key) for key, found in letter_words.items() for word in found)
    assert query(db, "SELECT * FROM letter_terms ORDER BY ALL") == expected_letters
    dictionary = dict(query(db, "SELECT term, term_hash FROM search_terms"))
    assert one(db, "SELECT count(*) FROM search_terms") == len(dictionary)  # each word once
    assert all(crc32(term.encode()) == hashed for term, hashed in dictionary.items())
    assert set().union(*letter_words.values()) <= set(dictionary)
    assert {hashed for hashed, *_ in expected} <= set(dictionary.values())


def test_a_refresh_appends_the_postings_of_new_letters_only(corpus):
    letters, db, _ = corpus
    run([letters], db)
    tables = ("item_terms", "letter_terms", "search_terms")
    before = {table: query(db, f"SELECT * FROM {table} ORDER BY rowid") for table in tables}
    write_letters(letters, 30, 5)
    code, summary = run([letters], db)
    assert code == EXIT_OK and "5 new" in summary and "re-derived" not in summary
    for table in tables:  # the earlier rows untouched, in place; new ones after them
        after = query(db, f"SELECT * FROM {table} ORDER BY rowid")
        assert after[: len(before[table])] == before[table] and len(after) > len(before[table])
    assert_postings_match_items(db)


def test_touched_file_is_rehashed_without_new_letters(corpus):
    letters, db, _ = corpus
    run([letters], db)
    target = letters / "synthetic-00004.txt"
    os.utime(target, ns=(time.time_ns(), time.time_ns() + 10**9))
    _code, summary = run([letters], db, rescan=True)
    assert "1 changed" in summary and "0 letters and 0 items loaded" in summary


@pytest.mark.parametrize("found_by", ["rescan", "its turn to be checked again"])
def test_a_file_rewritten_in_place_is_found_by_a_rescan_or_on_its_turn(corpus, monkeypatch, found_by):
    """Rewriting a file in place leaves its folder's status-change time as it was, so the walk
    keeps the folder without listing it; a rescan lists it, and every file of a kept folder is
    checked again once in RECHECK_DAYS days."""
    letters, db, _ = corpus
    run([letters], db)
    replacement, _ = generate_letter(random.Random("rewritten"), 4000)
    (letters / "synthetic-00004.txt").write_text(replacement, encoding="utf-8")  # same inode
    monkeypatch.setattr(refresh_module, "RECHECK_DAYS", 10**12)  # no file's turn today
    _code, summary = run([letters], db)
    assert "nothing changed" in summary and "30 files seen" in summary
    if found_by == "rescan":
        _code, summary = run([letters], db, rescan=True)
    else:
        monkeypatch.setattr(refresh_module, "RECHECK_DAYS", 1)  # every file's turn every day
        _code, summary = run([letters], db)
    assert "1 changed" in summary and "1 letters" in summary and "30 files seen" in summary
    assert one(db, "SELECT count(*) FROM letters") == 30


def test_a_refresh_lists_only_the_folders_that_changed(tmp_path, monkeypatch):
    letters, db = tmp_path / "letters", tmp_path / "imr.duckdb"
    for year in (2015, 2016, 2017):
        write_letters(letters / str(year), year * 10, 3)
    run([letters], db)

    def listing_folders() -> tuple[list[str], str]:
        """The folders a refresh lists (by name), and its summary."""
        listed: list[str] = []
        scandir = os.scandir

        def listing(folder):
            if isinstance(folder, str):  # the walk's (the refresh's clean-up lists by descriptor)
                listed.append(os.path.basename(folder))
            return scandir(folder)

        with monkeypatch.context() as patched:
            patched.setattr(os, "scandir", listing)
            _code, summary = run([letters], db)
        return sorted(listed), summary

    listed, summary = listing_folders()
    assert listed == [] and "nothing changed" in summary and "9 files seen" in summary
    write_letters(letters / "2017", 30000, 1)  # a new file changes its folder (and only that one)
    shutil.rmtree(letters / "2015")  # a removed folder changes its parent
    listed, summary = listing_folders()
    assert listed == ["2017", "letters"]
    assert "7 files seen, 1 new, 0 changed, 6 unchanged" in summary and "3 missing" in summary
    listed, summary = listing_folders()
    assert listed == [] and "nothing changed" in summary and "7 files seen" in summary


def test_same_letter_in_two_files_is_one_document(corpus):
    letters, db, _ = corpus
    shutil.copy(letters / "synthetic-00001.txt", letters / "synthetic-copy.txt")
    run([letters], db)
    assert one(db, "SELECT count(*) FROM letters") == 30
    assert one(db, "SELECT count(DISTINCT doc_id) FROM files") == 30
    assert one(db, "SELECT count(*) FROM files") == 31
    assert_postings_match_items(db)


def test_zip_members_and_nested_folders(tmp_path):
    folder = tmp_path / "in"
    write_letters(tmp_path / "loose", 0, 3)
    folder.mkdir()
    with zipfile.ZipFile(folder / "batch.zip", "w") as archive:
        for path in sorted((tmp_path / "loose").iterdir()):
            archive.write(path, f"inner/{path.name}")
    db = tmp_path / "imr.duckdb"
    assert run([folder], db)[0] == EXIT_OK
    paths = [row[0] for row in query(db, "SELECT path FROM files ORDER BY path")]
    assert paths[0] == str(folder / "batch.zip")
    assert paths[1] == f"{folder / 'batch.zip'}!inner/synthetic-00000.txt"
    assert one(db, "SELECT count(*) FROM letters") == 3
    assert one(db, "SELECT count(*) FROM decisions WHERE source_file LIKE '%batch.zip!inner/%'") > 0


def test_a_changed_archive_replaces_its_members_and_keeps_when_files_were_first_seen(tmp_path):
    """Only files the manifest held before are replaced: a zip that lost a member leaves no row of
    it behind, and a changed file keeps the run it was first seen in, while new files in the same
    run are simply added."""
    folder = tmp_path / "in"
    write_letters(tmp_path / "loose", 0, 3)
    write_letters(folder, 10, 2)
    with zipfile.ZipFile(folder / "batch.zip", "w") as archive:
        for path in sorted((tmp_path / "loose").iterdir()):
            archive.write(path, path.name)
    db = tmp_path / "imr.duckdb"
    assert run([folder], db)[0] == EXIT_OK
    with zipfile.ZipFile(tmp_path / "smaller.zip", "w") as archive:
        archive.write(tmp_path / "loose" / "synthetic-00000.txt", "synthetic-00000.txt")
    (tmp_path / "smaller.zip").replace(folder / "batch.zip")
    changed = folder / "synthetic-00010.txt"
    changed.write_text(changed.read_text(encoding="utf-8").replace("upheld", "overturned"), encoding="utf-8")
    write_letters(folder, 20, 1)
    code, summary = run([folder], db, rescan=True)
    assert code == EXIT_OK
    assert "1 new, 2 changed, 1 unchanged" in summary
    files = "SELECT split_part(path, '/', -1), status, first_seen_run, changed_run FROM files ORDER BY 1"
    rows = query(db, files)
    assert rows == [
        ("batch.zip", "archive", 1, 2),
        ("batch.zip!synthetic-00000.txt", "ok", 1, 2),
        ("synthetic-00010.txt", "ok", 1, 2),
        ("synthetic-00011.txt", "ok", 1, 1),
        ("synthetic-00020.txt", "ok", 2, 2),
    ]
    assert one(db, "SELECT count(*) FROM letters") == 4


def test_disappeared_files_stay_marked_and_come_back(corpus):
    letters, db, items = corpus
    run([letters], db)
    moved = letters.parent / "moved.txt"
    (letters / "synthetic-00007.txt").rename(moved)
    _code, summary = run([letters], db)
    assert "1 missing" in summary
    assert one(db, "SELECT count(*) FROM files WHERE missing_since IS NOT NULL") == 1
    assert one(db, "SELECT count(*) FROM decisions") == items
    moved.rename(letters / "synthetic-00007.txt")
    run([letters], db)
    assert one(db, "SELECT count(*) FROM files WHERE missing_since IS NOT NULL") == 0


def test_bad_files_go_to_rejects_and_are_retried_when_they_change(corpus):
    letters, db, _ = corpus
    (letters / "empty.txt").write_text("")
    (letters / "binary.txt").write_bytes(bytes(range(256)) * 8)
    (letters / "broken.pdf").write_bytes(b"%PDF-1.7 not really")
    (letters / "broken.zip").write_bytes(b"PK\x03\x04 not really")
    shutil.copy(FIXTURES / "not-letters" / "ur-denial-letter.txt", letters / "ur.txt")
    with (letters / "huge.txt").open("wb") as handle:
        handle.truncate(51 * 1024 * 1024)
    code, summary = run([letters], db)
    assert code == EXIT_REJECTS
    reasons = dict(query(db, "SELECT split_part(path, '/', -1), reason FROM rejects"))
    assert reasons["empty.txt"] == "empty file"
    assert reasons["binary.txt"].startswith("undecodable")
    assert reasons["broken.pdf"].startswith("corrupt PDF")
    assert reasons["broken.zip"].startswith("corrupt zip")
    assert reasons["ur.txt"].startswith("not an IMR determination")
    assert reasons["huge.txt"].startswith("oversized")
    assert f"rejected: {letters / 'ur.txt'}: not an IMR determination" in summary
    assert one(db, "SELECT count(*) FROM letters") == 30

    code, summary = run([letters], db)
    assert code == EXIT_OK and "0 rejected" in summary  # unchanged rejects are not retried
    shutil.copy(FIXTURES / "letters" / "fdl2014-two-items.txt", letters / "ur.txt")  # in place
    code, summary = run([letters], db, rescan=True)
    assert "1 changed" in summary
    assert one(db, "SELECT count(*) FROM rejects WHERE path LIKE '%ur.txt'") == 0
    assert one(db, "SELECT count(*) FROM letters") == 31


@pytest.mark.parametrize("windows", ["one", "several, each written out"])
def test_new_parser_version_rederives_from_stored_text(corpus, monkeypatch, windows):
    letters, db, items = corpus
    run([letters], db)
    if windows != "one":
        monkeypatch.setattr(refresh_module, "WINDOW_FILES", (4, 8))
        monkeypatch.setattr(refresh_module, "UNWRITTEN_BYTES", 1)
    empty = letters.parent / "empty-source"
    empty.mkdir()
    monkeypatch.setattr(refresh_module, "PARSER_VERSION", "next-version")
    monkeypatch.setattr(staging, "read_source", lambda source: pytest.fail("sources read"))
    code, summary = run([empty], db)
    assert code == EXIT_OK and "30 letters re-derived" in summary
    assert query(db, "SELECT DISTINCT parser_version FROM letters") == [("next-version",)]
    assert one(db, "SELECT value FROM meta WHERE key = 'parser_version'") == "next-version"
    assert one(db, "SELECT count(*) FROM decisions") == items
    assert_postings_match_items(db)


def test_a_pdf_with_a_scanned_page_loads_with_a_warning_that_survives_rederivation(corpus, monkeypatch):
    letters, db, _ = corpus
    text, truth = generate_letter(random.Random("scanned page"), 500)
    pdf = pdfium.PdfDocument(render_pdf(text.split("\n")))
    pdf.new_page(612, 792, index=1)  # a page with nothing on it: a scan without OCR
    pages = len(pdf)
    pdf.save(letters / "part-scan.pdf")
    pdf.close()
    warning = f"page 2 of {pages} has no text layer (scanned image?): its text is missing"
    sql = f"SELECT list_contains(warnings, '{warning}') FROM letters WHERE doc_id = '{truth['doc_id']}'"
    assert run([letters], db)[0] == EXIT_OK
    assert one(db, sql)
    monkeypatch.setattr(refresh_module, "PARSER_VERSION", "next-version")
    _code, summary = run([letters], db)
    assert "31 letters re-derived" in summary
    assert one(db, sql)


def test_items_keep_how_they_were_classified(corpus):
    from etl.parse import parse_text

    letters, db, _ = corpus
    run([letters], db)
    stored = query(
        db,
        "SELECT f.path, i.item_no, i.category, i.classified_by, i.classified_match "
        "FROM items i JOIN files f USING (doc_id) ORDER BY f.path, i.item_no",
    )
    parsed = [
        (str(path), n, item["category"], item["classified_by"]["method"], item["classified_by"]["matched"])
        for path in sorted(letters.iterdir())
        for n, item in enumerate(parse_text(path.read_text(encoding="utf-8"), path.name)["items"], start=1)
    ]
    assert stored == parsed
    assert {method for _, _, _, method, _ in stored} <= {"rule", "topic", "fuzzy", "none"}


def test_a_database_made_before_classification_provenance_gets_it_on_rederivation(corpus, monkeypatch):
    letters, db, items = corpus
    run([letters], db)
    with duckdb.connect(str(db)) as con:  # as a release before `classified_by` left it
        con.execute("ALTER TABLE items DROP COLUMN classified_by")
        con.execute("ALTER TABLE items DROP COLUMN classified_match")
        con.execute("UPDATE meta SET value = 'older' WHERE key = 'parser_version'")
    code, summary = run([letters], db)
    assert code == EXIT_OK and "30 letters re-derived" in summary
    assert one(db, "SELECT count(*) FROM decisions WHERE classified_by IS NOT NULL") == items


def test_a_database_made_before_letter_search_gets_its_postings_on_rederivation(corpus, monkeypatch):
    letters, db, _ = corpus
    run([letters], db)
    with duckdb.connect(str(db)) as con:  # as a release before whole-letter search left it
        con.execute("DROP TABLE letter_terms")
        con.execute("DROP TABLE search_terms")
        con.execute("UPDATE meta SET value = 'older' WHERE key = 'parser_version'")
    code, summary = run([letters], db)
    assert code == EXIT_OK and "30 letters re-derived" in summary
    assert_postings_match_items(db)


def test_full_rebuild_rereads_everything_and_keeps_run_history(corpus):
    letters, db, items = corpus
    run([letters], db)
    _code, summary = run([letters], db, full=True)
    assert "0 new, 30 changed, 0 unchanged" in summary
    assert one(db, "SELECT count(*) FROM etl_runs") == 2
    assert one(db, "SELECT count(*) FROM decisions") == items


def test_parallel_workers_give_the_same_database(corpus, tmp_path):
    letters, db, _items = corpus
    run([letters], db, workers=2)
    single = tmp_path / "single.duckdb"
    run([letters], single)
    sql = "SELECT doc_id, item_no, decision, category, treatment FROM decisions ORDER BY ALL"
    assert query(db, sql) == query(single, sql)


@pytest.mark.parametrize("total", [0, 1, 7, 999, 1_000, 4_001, 100_000, 2_000_003])
def test_windows_cover_every_file_once_and_end_with_half_a_window(total):
    windows = refresh_module._windows(total)
    covered = [index for offset, files in windows for index in range(offset, offset + files)]
    assert covered == list(range(total))
    assert all(files > 0 for _, files in windows)
    full = min(max(total // 4, refresh_module.WINDOW_FILES[0]), refresh_module.WINDOW_FILES[1])
    if total > 1:
        assert windows[-1][1] <= (full + 1) // 2


def test_small_windows_and_frequent_checkpoints_give_the_same_database(corpus, tmp_path, monkeypatch):
    letters, db, _items = corpus
    run([letters], db)
    monkeypatch.setattr(refresh_module, "WINDOW_FILES", (4, 4))
    monkeypatch.setattr(refresh_module, "UNWRITTEN_BYTES", 1)
    written_out, reopened = [], []
    write_out_now, reopen = refresh_module._write_out_now, refresh_module._reopened

    def spy_write_out_now(*args, **kwargs):
        written_out.append(write_out_now(*args, **kwargs))
        return written_out[-1]

    def spy_reopen(con, *args):
        reopened.append(con)
        return reopen(con, *args)

    monkeypatch.setattr(refresh_module, "_write_out_now", spy_write_out_now)
    monkeypatch.setattr(refresh_module, "_reopened", spy_reopen)
    windowed = tmp_path / "windowed.duckdb"
    run([letters], windowed, workers=2)
    windows = len(refresh_module._windows(30))
    assert written_out == [True] * (windows - 1)  # a checkpoint after each window but the last
    # ... each on a connection opened afresh; then one more for the dashboard's tables
    assert len(reopened) == len({id(con) for con in reopened}) == windows
    for sql in (
        "SELECT * EXCLUDE (loaded_run) FROM letters ORDER BY doc_id",
        "SELECT * FROM decisions ORDER BY item_id",
        "SELECT * FROM item_terms ORDER BY ALL",
        "SELECT * FROM letter_terms ORDER BY ALL",
        "SELECT * FROM search_terms ORDER BY ALL",
        "SELECT path, sha256, doc_id, status FROM files ORDER BY path",
    ):
        assert query(windowed, sql) == query(db, sql)


def test_checkpoints_keep_the_row_groups_earlier_ones_wrote(corpus, monkeypatch):
    """Each window's letters stay in the row group they were written to: a checkpoint does not
    merge them with the rows written before (at archive scale, most of the load's cost)."""
    letters, db, _items = corpus
    monkeypatch.setattr(refresh_module, "WINDOW_FILES", (4, 4))
    monkeypatch.setattr(refresh_module, "UNWRITTEN_BYTES", 1)
    run([letters], db, workers=2)
    row_groups = one(db, "SELECT count(DISTINCT row_group_id) FROM pragma_storage_info('letters')")
    assert row_groups == len(refresh_module._windows(30))
    assert one(db, "SELECT count(*) FROM letters") == 30


def test_usage_errors(tmp_path):
    with pytest.raises(UsageError, match="no such source"):
        refresh([str(tmp_path / "nope")], tmp_path / "imr.duckdb")
    with pytest.raises(UsageError, match="--workers"):
        refresh([str(tmp_path)], tmp_path / "imr.duckdb", workers=-1)


def cli(*args: str, env: dict | None = None, **popen) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "etl", "refresh", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
        **popen,
    )


def test_second_refresh_exits_3_and_a_dead_holder_does_not_block(corpus):
    letters, db, _ = corpus
    db.parent.mkdir(parents=True, exist_ok=True)
    with RefreshLock(db):
        done = cli("--source", str(letters), "--db", str(db))
        _out, err = done.communicate(timeout=120)
        assert done.returncode == EXIT_LOCKED
        assert "another refresh holds" in err and str(os.getpid()) in err
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"""
import time
from pathlib import Path
from etl.publish import RefreshLock
with RefreshLock(Path({str(db)!r})):
    print("locked", flush=True)
    time.sleep(60)
""",
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout.readline().strip() == "locked"
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    assert RefreshLock(db).path.read_text()  # the dead holder's note is still there
    done = cli("--source", str(letters), "--db", str(db), "--workers", "1")
    done.communicate(timeout=120)
    assert done.returncode == EXIT_OK


@pytest.mark.parametrize(
    "point", ["after-start", "after-walk", "mid-load", "before-publish", "after-publish"]
)
def test_killed_refresh_leaves_a_complete_database_and_the_next_one_finishes(tmp_path, point):
    letters = tmp_path / "letters"
    db = tmp_path / "imr.duckdb"
    write_letters(letters, 0, 10)
    assert run([letters], db)[0] == EXIT_OK
    before = one(db, "SELECT count(*) FROM decisions")
    new_items = write_letters(letters, 10, 2100 if point == "mid-load" else 20)
    killed = cli("--source", str(letters), "--db", str(db), "--workers", "1", env={"IMR_ETL_FAULT": point})
    killed.communicate(timeout=300)
    assert killed.returncode == -signal.SIGKILL
    after_kill = one(db, "SELECT count(*) FROM decisions")
    assert after_kill == (before + new_items if point == "after-publish" else before)
    assert run([letters], db)[0] == EXIT_OK
    assert not staging_path(db).exists() and not building_path(db).exists()
    assert not publish.listing_path(db).exists()
    reference = tmp_path / "reference.duckdb"
    run([letters], reference)
    sql = "SELECT doc_id, item_no, decision, category, treatment FROM decisions ORDER BY ALL"
    assert query(db, sql) == query(reference, sql)


def test_readers_keep_answering_during_a_refresh(tmp_path):
    letters = tmp_path / "letters"
    db = tmp_path / "imr.duckdb"
    write_letters(letters, 0, 20)
    run([letters], db)
    before = one(db, "SELECT count(*) FROM decisions")
    added = write_letters(letters, 20, 1500)
    seen: list[int] = []
    errors: list[Exception] = []
    stop = threading.Event()

    def read_in_a_loop() -> None:
        while not stop.is_set():
            try:
                seen.append(one(db, "SELECT count(*) FROM decisions"))
            except Exception as error:  # any failure to read is the bug this test looks for
                errors.append(error)
            time.sleep(0.01)

    reader = threading.Thread(target=read_in_a_loop)
    reader.start()
    with duckdb.connect(str(db), read_only=True) as held_open:  # like a dashboard holding the file
        done = cli("--source", str(letters), "--db", str(db), "--workers", "2")
        done.communicate(timeout=300)
        assert held_open.execute("SELECT count(*) FROM decisions").fetchone()[0] == before
    stop.set()
    reader.join()
    assert done.returncode == EXIT_OK
    assert errors == []
    assert set(seen) <= {before, before + added} and seen[0] == before
    assert one(db, "SELECT count(*) FROM decisions") == before + added


def test_a_file_that_kills_its_reader_is_rejected_and_the_run_goes_on(corpus):
    letters, db, items = corpus
    shutil.copy(letters / "synthetic-00002.txt", letters / "synthetic-deadly.txt")
    run_ = cli(
        "--source",
        str(letters),
        "--db",
        str(db),
        "--workers",
        "2",
        env={"IMR_ETL_FAULT": "crash-reading:synthetic-deadly"},
    )
    out, _ = run_.communicate(timeout=300)
    assert run_.returncode == EXIT_REJECTS, out
    assert f"rejected: {letters / 'synthetic-deadly.txt'}: reader crashed" in out
    assert "31 files seen, 31 new" in out and "1 rejected" in out
    assert one(db, "SELECT count(*) FROM decisions") == items
    assert one(db, "SELECT count(*) FROM rejects WHERE reason LIKE 'reader crashed%'") == 1


def test_the_refresh_spills_beside_the_database_not_into_the_working_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    db = tmp_path / "data" / "imr.duckdb"
    db.parent.mkdir()
    con = refresh_module._open_build(building_path(db), db)
    try:
        spill = con.execute("SELECT current_setting('temp_directory')").fetchone()[0]
    finally:
        con.close()
    assert Path(spill) == publish.spill_path(db) == tmp_path / "data" / "imr.duckdb.tmp"
    publish.spill_path(db).mkdir()
    publish.discard(db)
    assert not publish.spill_path(db).exists()
