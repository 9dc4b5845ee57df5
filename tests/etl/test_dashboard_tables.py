"""The dashboard's tables as the refresh builds them into the file it publishes: built when the
letters change, kept when nothing changed, rebuilt when their definitions change, and pointing
at the published file's rows after letters were replaced."""

from __future__ import annotations

import io
import random
from pathlib import Path

import duckdb
import pytest

from etl import dashboard_tables
from etl.refresh import EXIT_OK, refresh
from etl.synth.generate import generate_letter
from tests.etl.test_refresh import one, query, write_letters

BUILDING = "building the dashboard's tables"


def run(letters: Path, db: Path) -> str:
    """A refresh of `letters`; what it reported on stderr."""
    err = io.StringIO()
    assert refresh([str(letters)], db, workers=1, out=io.StringIO(), err=err) == EXIT_OK
    return err.getvalue()


@pytest.fixture
def refreshed(tmp_path: Path) -> tuple[Path, Path]:
    letters = tmp_path / "letters"
    write_letters(letters, 0, 40)
    db = tmp_path / "imr.duckdb"
    assert BUILDING in run(letters, db)
    return letters, db


def test_a_refresh_builds_them_and_one_with_nothing_new_keeps_them(refreshed) -> None:
    letters, db = refreshed
    assert one(db, "SELECT value FROM meta WHERE key = 'dashboard_tables'") == dashboard_tables.VERSION
    assert one(db, "SELECT count(*) FROM dashboard.dash_items") == one(db, "SELECT count(*) FROM items")
    before = query(db, "SELECT * FROM dashboard.dash_items ORDER BY item_row")
    assert BUILDING not in run(letters, db)
    assert query(db, "SELECT * FROM dashboard.dash_items ORDER BY item_row") == before
    assert not query(db, "SELECT table_name FROM duckdb_tables() WHERE table_name LIKE '\\_%' ESCAPE '\\'")


def test_items_are_stored_newest_first_and_numbered_in_that_order(refreshed) -> None:
    _, db = refreshed
    stored = query(db, "SELECT item_row, decision_date, item_id FROM dashboard.dash_items")  # storage order
    assert [row[0] for row in stored] == list(range(1, len(stored) + 1))
    expected = query(
        db,
        """SELECT l.decision_date, i.item_id FROM items i JOIN letters l USING (doc_id)
           ORDER BY l.decision_date DESC NULLS LAST, i.item_id""",
    )
    assert [row[1:] for row in stored] == expected


def test_tables_of_another_version_are_rebuilt_without_parsing(refreshed) -> None:
    letters, db = refreshed
    with duckdb.connect(str(db)) as con:
        con.execute("UPDATE meta SET value = 'older' WHERE key = 'dashboard_tables'")
        con.execute("DELETE FROM dashboard.dash_items")
    assert BUILDING in run(letters, db)
    assert one(db, "SELECT value FROM meta WHERE key = 'dashboard_tables'") == dashboard_tables.VERSION
    assert one(db, "SELECT count(*) FROM dashboard.dash_items") == one(db, "SELECT count(*) FROM items")
    assert one(db, "SELECT sum(letters_loaded) FROM etl_runs") == 40  # nothing parsed twice


def test_letter_rows_point_at_the_published_rows_after_letters_are_replaced(refreshed) -> None:
    letters, db = refreshed
    for index in range(0, 40, 3):  # every third letter rewritten as another letter
        text, _ = generate_letter(random.Random(f"replaced:{index}"), 1000 + index)
        (letters / f"synthetic-{index:05d}.txt").write_text(text, encoding="utf-8")
    assert BUILDING in run(letters, db)
    rows = query(
        db,
        """SELECT r.doc_id, l.doc_id, t.doc_id, fi.doc_id, li.doc_id, fr.doc_id, lr.doc_id
           FROM dashboard.dash_letter_rows r
           JOIN letters l ON l.rowid = r.letter_rowid
           JOIN letter_texts t ON t.rowid = r.text_rowid
           JOIN items fi ON fi.rowid = r.first_item_rowid
           JOIN items li ON li.rowid = r.last_item_rowid
           LEFT JOIN item_reasons fr ON fr.rowid = r.first_reason_rowid
           LEFT JOIN item_reasons lr ON lr.rowid = r.last_reason_rowid""",
    )
    assert len(rows) == one(db, "SELECT count(*) FROM letters") == 40
    for doc_id, *pointed in rows:
        assert {found for found in pointed if found is not None} == {doc_id}


def test_reason_sets_hold_every_code_of_an_item_even_beyond_64_codes(refreshed) -> None:
    """Sets are keyed by one bit per value, 64 to a word: 70 codes need two words."""
    _, db = refreshed
    with duckdb.connect(str(db)) as con:
        items = con.execute("SELECT doc_id, item_no FROM items ORDER BY item_id LIMIT 30").fetchall()
        extra = [
            (doc_id, item_no, 100 + code, f"zz_code_{code:02d}", "an invented ground")
            for place, (doc_id, item_no) in enumerate(items)
            for code in range(70)
            if code % (place + 1) == 0
        ]
        con.executemany(
            "INSERT INTO item_reasons (doc_id, item_no, reason_no, code, evidence) VALUES (?, ?, ?, ?, ?)",
            extra,
        )
        dashboard_tables.build(con)
        stored = con.execute(
            """SELECT d.doc_id, d.item_no, s.value_list FROM dashboard.dash_items d
               JOIN dashboard.dash_reason_sets s ON s.set_no = d.reason_set"""
        ).fetchall()
        expected = con.execute(
            """SELECT i.doc_id, i.item_no, coalesce(list_sort(list_distinct(list(r.code))), [])
               FROM items i LEFT JOIN item_reasons r USING (doc_id, item_no) GROUP BY ALL"""
        ).fetchall()
    assert sorted(stored) == sorted(expected)
    assert max(len(codes) for _, _, codes in stored) >= 70  # the first item holds all 70 and its own
