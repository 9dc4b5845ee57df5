"""The dashboard's tables as the refresh builds them into the file it publishes: built when the
letters change, kept when nothing changed, rebuilt when their definitions change, pointing at the
published file's rows after letters were replaced, and new letters appended to them reading as a
full build would."""

from __future__ import annotations

import io
import random
import shutil
from pathlib import Path

import duckdb
import pytest

from etl import dashboard_tables
from etl.refresh import EXIT_OK, refresh
from etl.synth.generate import generate_letter
from tests.etl.test_refresh import one, query, write_letters

BUILDING = "building the dashboard's tables"
APPENDING = "adding the new letters to the dashboard's tables"
IN_FULL = "built in full instead"


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
           ORDER BY l.decision_date DESC NULLS LAST, i.doc_id, i.item_no""",
    )
    assert [row[1:] for row in stored] == expected
    assert query(db, "SELECT item_row FROM dashboard.dash_items ORDER BY page_key") == [
        (row[0],) for row in stored
    ]


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
        written = letters.parent / "replacement.txt"
        written.write_text(text, encoding="utf-8")
        written.replace(letters / f"synthetic-{index:05d}.txt")
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


# What the tables say, with every number resolved to what it stands for: an append and a full
# build of the same letters number items, letters, lists and spellings differently, but must say
# the same. (Queries over the file read-only; `{n}` the dashboard schema.)
RESOLVED = {
    "items": """SELECT i.* EXCLUDE (item_row, page_key, letter_row, specialty_set, state_set, source_set,
                                    reason_set, treatment_no),
                       sp.value_list AS specialties, st.value_list AS states, so.value_list AS sources,
                       rs.value_list AS reasons, t.treatment_key AS numbered_key, t.treatment AS numbered
                FROM dashboard.dash_items i
                JOIN dashboard.dash_specialty_sets sp ON sp.set_no = i.specialty_set
                JOIN dashboard.dash_state_sets st ON st.set_no = i.state_set
                JOIN dashboard.dash_source_sets so ON so.set_no = i.source_set
                JOIN dashboard.dash_reason_sets rs ON rs.set_no = i.reason_set
                JOIN dashboard.dash_treatments t USING (treatment_no)""",
    "citations": """SELECT i.item_id, c.* EXCLUDE (item_row, letter_row, specialty_set, state_set, source_set,
                                                 reason_set, treatment_no)
                    FROM dashboard.dash_reviewer_citations c JOIN dashboard.dash_items i USING (item_row)""",
    "item postings": """SELECT t.term_hash, i.item_id FROM dashboard.dash_terms t
                        JOIN dashboard.dash_items i USING (item_row)""",
    "letter postings": """SELECT t.term_hash, r.doc_id FROM dashboard.dash_letter_terms t
                          JOIN dashboard.dash_letter_rows r USING (letter_row)""",
    "letter rows": "SELECT * EXCLUDE (letter_row) FROM dashboard.dash_letter_rows",
    "members": """SELECT 'specialty', value_list, specialty FROM dashboard.dash_specialty_sets
                  JOIN dashboard.dash_specialty_members USING (set_no)
                  UNION ALL SELECT 'state', value_list, state FROM dashboard.dash_state_sets
                  JOIN dashboard.dash_state_members USING (set_no)
                  UNION ALL SELECT 'reason', value_list, reason FROM dashboard.dash_reason_sets
                  JOIN dashboard.dash_reason_members USING (set_no)""",
    "cube": "SELECT * FROM dashboard.dash_cube",
    "coverage": "SELECT * FROM dashboard.dash_letter_coverage",
    "warnings": "SELECT * FROM dashboard.dash_warnings",
    "words": "SELECT * FROM dashboard.dash_search_terms",
}


def resolved(db: Path) -> dict[str, list[tuple]]:
    return {name: sorted(query(db, sql), key=repr) for name, sql in RESOLVED.items()}


def rebuilt_copy(db: Path, folder: Path) -> Path:
    """A copy of `db` whose tables a full build made."""
    copy = folder / "rebuilt.duckdb"
    shutil.copy(db, copy)
    with duckdb.connect(str(copy)) as con:
        dashboard_tables.build(con)
    return copy


def numbered_densely(db: Path) -> None:
    items = one(db, "SELECT count(*) FROM dashboard.dash_items")
    assert query(db, "SELECT item_row FROM dashboard.dash_items ORDER BY item_row") == [
        (row,) for row in range(1, items + 1)
    ]
    letters = one(db, "SELECT count(*) FROM letters")
    assert query(db, "SELECT letter_row FROM dashboard.dash_letter_rows ORDER BY letter_row") == [
        (row,) for row in range(1, letters + 1)
    ]


def test_a_refresh_appends_new_letters_which_read_as_a_full_build_would(refreshed, monkeypatch) -> None:
    letters, db = refreshed
    monkeypatch.setattr(dashboard_tables, "APPEND_SHARE", 1.0)
    before = query(db, "SELECT * FROM dashboard.dash_items ORDER BY item_row")
    write_letters(letters, 40, 12)
    reported = run(letters, db)
    assert APPENDING in reported and IN_FULL not in reported
    after = query(db, "SELECT * FROM dashboard.dash_items ORDER BY item_row")
    assert after[: len(before)] == before  # the letters there keep their rows and numbers
    assert one(db, "SELECT count(*) FROM letters") == 52
    numbered_densely(db)
    assert resolved(db) == resolved(rebuilt_copy(db, db.parent))
    by_key = query(
        db,
        "SELECT decision_date, letter_row, item_no FROM dashboard.dash_items ORDER BY page_key",
    )
    assert by_key == sorted(
        by_key, key=lambda row: (row[0] is None, -(row[0].toordinal() if row[0] else 0), *row[1:])
    )
    assert (
        one(db, "SELECT count(*) FROM dashboard.dash_items WHERE item_row > ?".replace("?", str(len(before))))
        > 0
    )


def copy_letter(
    con: duckdb.DuckDBPyConnection, doc_id: str, new_doc_id: str, category: str | None = None
) -> None:
    """Another letter like `doc_id`, under `new_doc_id` (16 hex digits), its items of `category`."""
    old_key, new_key = int(doc_id, 16), int(new_doc_id, 16)
    for table in (
        "letters",
        "letter_texts",
        "reviewer_specialties",
        "reviewer_states",
        "citations",
        "item_reasons",
    ):
        con.execute(
            f"INSERT INTO {table} SELECT * REPLACE (? AS doc_id) FROM {table} WHERE doc_id = ?",
            [new_doc_id, doc_id],
        )
    con.execute(
        "INSERT INTO items SELECT * REPLACE (? || '-' || item_no AS item_id, ? AS doc_id, "
        "coalesce(?, category) AS category) FROM items WHERE doc_id = ?",
        [new_doc_id, new_doc_id, category, doc_id],
    )
    for table in ("item_terms", "letter_terms"):
        con.execute(
            f"INSERT INTO {table} SELECT * REPLACE (?::UBIGINT AS doc_key) FROM {table} "
            "WHERE doc_key = ?::UBIGINT",
            [new_key, old_key],
        )


@pytest.mark.parametrize(
    ("change", "appends"),
    [
        ("two letters like others", True),
        ("row ids that may have moved", True),
        ("a category the tables have no value for", True),
        ("a letter removed", False),
        ("more new items than the share", False),
    ],
)
def test_update_appends_only_what_a_full_build_would_give(refreshed, monkeypatch, change, appends) -> None:
    _, db = refreshed
    monkeypatch.setattr(dashboard_tables, "APPEND_SHARE", 0.01 if change.startswith("more") else 1.0)
    with duckdb.connect(str(db)) as con:
        first, second = (
            row[0] for row in con.execute("SELECT doc_id FROM letters ORDER BY doc_id LIMIT 2").fetchall()
        )
        copy_letter(con, first, "0000000000000001")
        copy_letter(
            con,
            second,
            "fffffffffffffff1",
            category="A category never seen" if "category" in change else None,
        )
        if "moved" in change:  # as if a checkpoint had compacted deleted rows: every letter's rows made again
            con.execute("UPDATE meta SET value = '{}' WHERE key = ?", [dashboard_tables.ROW_IDS_KEY])
        if "removed" in change:
            con.execute("DELETE FROM letters WHERE doc_id = ?", [first])
            for table in (
                "letter_texts",
                "items",
                "citations",
                "item_reasons",
                "reviewer_specialties",
                "reviewer_states",
            ):
                con.execute(f"DELETE FROM {table} WHERE doc_id = ?", [first])
        con.execute("CHECKPOINT")
        assert dashboard_tables.update(con) is appends
        left = "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'dashboard' "
        assert not con.execute(left + "AND table_name LIKE '\\_%' ESCAPE '\\'").fetchall()  # none left
    numbered_densely(db)
    assert resolved(db) == resolved(rebuilt_copy(db, db.parent))
