"""The DWC's listing in the refresh (`dwc_index`, whole or not at all, incremental) and the
`dwc_reconciliation` view that sets it against the parsed items; end to end from the stand-in DWC
site through `etl download` and `etl refresh`."""

from __future__ import annotations

import csv
import io
import os
import random
from datetime import date
from pathlib import Path

import duckdb
import pytest

from etl import refresh as refresh_module
from etl.download import download
from etl.dwc_listing import LISTING, LISTING_COLUMNS
from etl.load import create_schema
from etl.refresh import EXIT_OK, EXIT_REJECTS, refresh
from etl.synth.generate import generate_letter
from tests.etl.dwc_stand_in import StandIn, letter_cases, serve


def run(sources: list[Path], db: Path, **options) -> tuple[int, str]:
    out = io.StringIO()
    code = refresh([str(s) for s in sources], db, out=out, err=io.StringIO(), **{"workers": 1, **options})
    return code, out.getvalue()


def query(db: Path, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql, params).fetchall()


def listed(case: str, treatment_no: int, **values: str) -> dict[str, str]:
    row = {
        "case_number": case,
        "treatment_no": str(treatment_no),
        "decision_date": "2024-03-04",
        "injury_date": "2012-01-02",
        "received_date": "",
        "specialty": "Orthopedic Surgery",
        "category": "Pharmaceuticals",
        "subcategory": "Opioids",
        "decision": "Upheld",
        "pdf_url": f"https://www.dir.ca.gov/letters/{case}.pdf",
    }
    return row | values


def write_listing(folder: Path, rows: list[dict[str, str]], columns=LISTING_COLUMNS) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / LISTING
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def touch_later(path: Path) -> None:
    """A rewrite within the same clock tick must still look changed to the refresh."""
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))


@pytest.fixture
def letters(tmp_path: Path) -> Path:
    """Two generated letters saved under their case numbers, as the download names real ones."""
    folder = tmp_path / "letters"
    (folder / "2024").mkdir(parents=True)
    for index in (0, 1):
        text, record = generate_letter(random.Random(f"dwc-listing-test:{index}"), index)
        (folder / "2024" / f"{record['case_number']}.txt").write_text(text, encoding="utf-8")
    return folder


ROWS = [
    listed("CM24-0000001", 1),
    listed("CM24-0000001", 2, category="DMEPOS", subcategory="Electrical Stimulation", decision="Overturned"),
    listed("CM24-0000002", 1, injury_date=""),
]


# Loading ----------------------------------------------------------------------------------------


def test_refresh_loads_the_listing_typed_and_never_as_a_letter(letters: Path, tmp_path: Path):
    listing = write_listing(letters, ROWS)
    db = tmp_path / "imr.duckdb"
    code, summary = run([letters], db)
    assert code == EXIT_OK, summary
    assert "2 files seen, 2 new" in summary and "0 rejected" in summary
    assert "DWC listings: 1 read, 3 rows new, 0 changed" in summary
    columns = "SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = 'dwc_index'"
    types = dict(query(db, columns))
    assert types["treatment_no"] == "INTEGER"
    assert {types[c] for c in ("decision_date", "injury_date", "received_date")} == {"DATE"}
    url = "https://www.dir.ca.gov/letters/{}.pdf".format
    assert query(db, "SELECT * EXCLUDE (loaded_run) FROM dwc_index ORDER BY case_number, treatment_no") == [
        ("CM24-0000001", 1, date(2024, 3, 4), date(2012, 1, 2), None, "Orthopedic Surgery",
         "Pharmaceuticals", "Opioids", "Upheld", url("CM24-0000001"), str(listing)),
        ("CM24-0000001", 2, date(2024, 3, 4), date(2012, 1, 2), None, "Orthopedic Surgery",
         "DMEPOS", "Electrical Stimulation", "Overturned", url("CM24-0000001"), str(listing)),
        ("CM24-0000002", 1, date(2024, 3, 4), None, None, "Orthopedic Surgery",
         "Pharmaceuticals", "Opioids", "Upheld", url("CM24-0000002"), str(listing)),
    ]  # fmt: skip
    assert query(db, "SELECT count(*) FROM files WHERE path LIKE '%.csv'") == [(0,)]
    assert query(db, "SELECT count(*) FROM rejects") == [(0,)]
    assert query(db, "SELECT count(*) FROM letters") == [(2,)]
    assert query(db, "SELECT files_seen, dwc_rows_new, dwc_rows_changed FROM etl_runs") == [(2, 3, 0)]


def test_an_unchanged_listing_is_not_read_again(letters: Path, tmp_path: Path, monkeypatch):
    write_listing(letters, ROWS)
    db = tmp_path / "imr.duckdb"
    run([letters], db)
    read = []
    original = refresh_module.read_listing
    monkeypatch.setattr(refresh_module, "read_listing", lambda *args: read.append(args) or original(*args))
    code, summary = run([letters], db)
    assert code == EXIT_OK
    assert read == [] and "DWC listings" not in summary
    assert query(db, "SELECT count(*), max(loaded_run) FROM dwc_index") == [(3, 1)]


def test_a_grown_listing_adds_its_new_rows_and_a_changed_row_replaces_the_old(letters: Path, tmp_path: Path):
    path = write_listing(letters, ROWS)
    db = tmp_path / "imr.duckdb"
    run([letters], db)
    changed = [ROWS[0], ROWS[1] | {"decision": "Upheld"}, ROWS[2], listed("CM24-0000003", 1)]
    write_listing(letters, changed)
    touch_later(path)
    code, summary = run([letters], db)
    assert code == EXIT_OK, summary
    assert "DWC listings: 1 read, 1 rows new, 1 changed" in summary
    rows = query(db, "SELECT case_number, treatment_no, decision, loaded_run FROM dwc_index ORDER BY ALL")
    assert rows == [
        ("CM24-0000001", 1, "Upheld", 1),
        ("CM24-0000001", 2, "Upheld", 2),
        ("CM24-0000002", 1, "Upheld", 1),
        ("CM24-0000003", 1, "Upheld", 2),
    ]
    runs = query(db, "SELECT dwc_rows_new, dwc_rows_changed FROM etl_runs ORDER BY run_id")
    assert runs == [(3, 0), (1, 1)]


def test_a_key_listed_twice_keeps_its_later_row(letters: Path, tmp_path: Path):
    write_listing(letters, [ROWS[0], ROWS[0] | {"decision": "Overturned"}])
    db = tmp_path / "imr.duckdb"
    run([letters], db)
    assert query(db, "SELECT treatment_no, decision FROM dwc_index") == [(1, "Overturned")]


@pytest.mark.parametrize(
    ("rows", "columns", "reason"),
    [
        (ROWS, LISTING_COLUMNS[:-2], "DWC listing without the columns decision, pdf_url"),
        ([ROWS[0], ROWS[1] | {"decision_date": "03/04/2024"}], LISTING_COLUMNS,
         "DWC listing row 2: decision_date 03/04/2024 is not a date (YYYY-MM-DD)"),
        ([ROWS[0] | {"received_date": "2024-02-30"}], LISTING_COLUMNS,
         "DWC listing row 1: received_date 2024-02-30 is not a date"),
        ([ROWS[0], ROWS[1] | {"treatment_no": "two"}], LISTING_COLUMNS,
         "DWC listing row 2: treatment_no two is not a treatment number"),
        ([ROWS[0] | {"treatment_no": "0"}], LISTING_COLUMNS, "row 1: treatment_no 0 is not a treatment"),
        ([ROWS[0] | {"case_number": ""}], LISTING_COLUMNS, "DWC listing row 1: case_number is empty"),
        ([ROWS[0] | {"decision_date": ""}], LISTING_COLUMNS, "DWC listing row 1: decision_date is empty"),
    ],
    ids=["missing-columns", "us-date", "impossible-date", "treatment-word", "treatment-zero", "no-case",
         "no-decision-date"],
)  # fmt: skip
def test_a_malformed_listing_is_rejected_whole_and_loaded_once_mended(
    letters: Path, tmp_path: Path, rows, columns, reason: str
):
    db = tmp_path / "imr.duckdb"
    path = write_listing(letters, rows, columns)
    code, summary = run([letters], db)
    assert code == EXIT_REJECTS
    assert f"rejected: {path}: " in summary and reason in summary
    assert query(db, "SELECT path, reason FROM rejects")[0][0] == str(path)
    assert reason in query(db, "SELECT reason FROM rejects")[0][0]
    assert query(db, "SELECT count(*) FROM dwc_index") == [(0,)]
    assert query(db, "SELECT status, listed_rows FROM dwc_listings") == [("rejected", None)]
    assert query(db, "SELECT count(*) FROM letters") == [(2,)]  # the letters load all the same

    assert run([letters], db)[0] == EXIT_OK  # unchanged: not read again, as a rejected letter file
    assert query(db, "SELECT count(*) FROM rejects") == [(1,)]
    write_listing(letters, ROWS)
    touch_later(path)
    code, summary = run([letters], db)
    assert code == EXIT_OK, summary
    assert query(db, "SELECT count(*) FROM dwc_index") == [(3,)]
    assert query(db, "SELECT count(*) FROM rejects") == [(0,)]


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"case_number,treatment_no\n\xff\xfe,1\n", "DWC listing"),
        ("\n".join([",".join(LISTING_COLUMNS), ",".join(ROWS[0].values()) + ",one too many"]).encode(),
         "DWC listing is not a readable CSV"),
        (b"", "DWC listing"),
    ],
    ids=["not-utf8", "ragged-row", "empty-file"],
)  # fmt: skip
def test_an_unreadable_listing_is_rejected_not_a_crash(letters: Path, tmp_path: Path, content, reason):
    (letters / LISTING).write_bytes(content)
    db = tmp_path / "imr.duckdb"
    assert run([letters], db)[0] == EXIT_REJECTS
    assert reason in query(db, "SELECT reason FROM rejects")[0][0]
    assert query(db, "SELECT count(*) FROM dwc_index") == [(0,)]


def test_a_rejected_listing_keeps_the_rows_of_its_last_good_reading(letters: Path, tmp_path: Path):
    path = write_listing(letters, ROWS)
    db = tmp_path / "imr.duckdb"
    run([letters], db)
    write_listing(letters, [*ROWS, listed("CM24-0000009", 1, decision_date="yesterday")])
    touch_later(path)
    assert run([letters], db)[0] == EXIT_REJECTS
    assert query(db, "SELECT count(*) FROM dwc_index") == [(3,)]


def test_a_fifo_named_like_a_listing_is_rejected_without_blocking(letters: Path, tmp_path: Path):
    os.mkfifo(letters / LISTING)
    db = tmp_path / "imr.duckdb"
    assert run([letters], db)[0] == EXIT_REJECTS
    assert query(db, "SELECT reason FROM rejects") == [("not a regular file",)]


def test_full_rebuild_and_a_database_made_before_the_listing(letters: Path, tmp_path: Path):
    write_listing(letters, ROWS)
    db = tmp_path / "imr.duckdb"
    run([letters], db)
    with duckdb.connect(str(db)) as con:  # as a refresh before dwc_index existed left it
        con.execute("DROP VIEW dwc_reconciliation; DROP TABLE dwc_index; DROP TABLE dwc_listings")
        for column in ("dwc_rows_new", "dwc_rows_changed"):
            con.execute(f"ALTER TABLE etl_runs DROP COLUMN {column}")
    code, summary = run([letters], db)
    assert code == EXIT_OK, summary
    assert "0 new" in summary and "re-derived" not in summary  # the letters are not read again
    assert query(db, "SELECT count(*) FROM dwc_index") == [(3,)]
    assert query(db, "SELECT count(*) FROM dwc_reconciliation WHERE found_in = 'listing only'") == [(3,)]
    code, summary = run([letters], db, full=True)
    assert "DWC listings: 1 read, 3 rows new" in summary
    assert query(db, "SELECT count(*) FROM dwc_index") == [(3,)]


# The reconciliation view -------------------------------------------------------------------------

FRP = "Functional Restoration Program"
LETTERS = [  # case, doc_id, decision date, synthetic, items (decision, category, subcategory)
    ("CM24-AGREE", "a", "2024-03-01", False, [("upheld", "Pharmaceuticals", "Opioids"),
                                              ("overturned", "DMEPOS", "Electrical Stimulation")]),
    ("CM24-COUNT", "b", "2024-03-01", False, [("upheld", "Surgery", "Spine"),
                                              ("upheld", "Injections", "Epidural Steroid Injection")]),
    ("CM24-DECIDE", "c", "2024-03-01", False, [("upheld", "Diagnostic Testing", "MRI")]),
    ("CM24-CATEGORY", "d", "2024-03-01", False, [("upheld", "Rehabilitation", "Chiropractic")]),
    ("CM24-LETTER", "e", "2024-03-01", False, [("upheld", "Home Health", None)]),
    ("CM24-TWICE", "f-old", "2024-01-01", False, [("overturned", "Programs", FRP)]),
    ("CM24-TWICE", "f-new", "2024-02-01", False, [("upheld", "Programs", FRP)]),
    ("CM24-GENERATED", "g", "2024-03-01", True, [("upheld", "Pharmaceuticals", "NSAIDs")]),
    ("CM24-NOITEMS", "h", "2024-03-01", False, []),
]  # fmt: skip
DWC = [  # case, treatment_no, decision, category, subcategory
    ("CM24-AGREE", 1, " UPHELD ", "pharmaceuticals", "Opioids"),
    ("CM24-AGREE", 2, "Overturned", "DMEPOS", "Electrical  stimulation"),
    ("CM24-COUNT", 1, "Upheld", "Surgery", "Spine"),
    ("CM24-COUNT", 2, "Upheld", "Injections", "Epidural Steroid Injection"),
    ("CM24-COUNT", 3, "Upheld", "Injections", "Facet Injection"),
    ("CM24-DECIDE", 1, "Overturned", "Diagnostic Testing", "MRI"),
    ("CM24-CATEGORY", 1, "Upheld", "Rehabilitation", "Physical Therapy/Occupational Therapy (PT/OT)"),
    ("CM24-LISTED", 1, "Upheld", "Pharmaceuticals", "Opioids"),
    ("CM24-TWICE", 1, "Upheld", "Programs", FRP),
    ("CM24-GENERATED", 1, "Upheld", "Pharmaceuticals", "NSAIDs"),
    ("CM24-NOITEMS", 1, "Withdrawn", "Other", ""),
]


@pytest.fixture(scope="module")
def reconciled() -> duckdb.DuckDBPyConnection:
    """A hand-built database: one case for each way the listing and the letters can differ."""
    con = duckdb.connect()
    create_schema(con)
    for case, doc_id, decided, synthetic, items in LETTERS:
        con.execute(
            "INSERT INTO letters (doc_id, case_number, decision_date, synthetic, item_count, parser_version) "
            "VALUES (?, ?, ?, ?, ?, 'test')",
            [doc_id, case, decided, synthetic, len(items)],
        )
        for item_no, (decision, category, subcategory) in enumerate(items, start=1):
            con.execute(
                "INSERT INTO items (item_id, doc_id, item_no, treatment, decision, category, subcategory) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                [f"{doc_id}-{item_no}", doc_id, item_no, "a treatment", decision, category, subcategory],
            )
    con.executemany(
        "INSERT INTO dwc_index (case_number, treatment_no, decision_date, decision, category, subcategory, "
        "listing) VALUES (?, ?, DATE '2024-03-04', ?, ?, nullif(?, ''), 'dwc-listing.csv')",
        DWC,
    )
    return con


def reconciliation(con: duckdb.DuckDBPyConnection, case: str) -> list[tuple]:
    return con.execute(
        """SELECT position, found_in, dwc_items, parsed_items, count_agrees, decision_agrees, category_agrees,
                  subcategory_agrees
           FROM dwc_reconciliation WHERE case_number = ? ORDER BY position""",
        [case],
    ).fetchall()


def test_an_agreeing_case_agrees_whatever_its_case_and_spacing(reconciled):
    assert reconciliation(reconciled, "CM24-AGREE") == [
        (1, "both", 2, 2, True, True, True, True),
        (2, "both", 2, 2, True, True, True, True),
    ]


def test_a_count_mismatch_shows_the_position_only_the_dwc_lists(reconciled):
    assert reconciliation(reconciled, "CM24-COUNT") == [
        (1, "both", 3, 2, False, True, True, True),
        (2, "both", 3, 2, False, True, True, True),
        (3, "both", 3, 2, False, None, None, None),
    ]


def test_a_decision_or_category_mismatch_is_told_apart(reconciled):
    assert reconciliation(reconciled, "CM24-DECIDE") == [(1, "both", 1, 1, True, False, True, True)]
    assert reconciliation(reconciled, "CM24-CATEGORY") == [(1, "both", 1, 1, True, True, True, False)]
    shown = reconciled.execute(
        """SELECT dwc_decision_text, dwc_decision, parsed_decision, dwc_subcategory, parsed_subcategory
           FROM dwc_reconciliation WHERE case_number IN ('CM24-DECIDE', 'CM24-CATEGORY')
           ORDER BY case_number"""
    ).fetchall()
    assert shown == [
        ("Upheld", "upheld", "upheld", "Physical Therapy/Occupational Therapy (PT/OT)", "Chiropractic"),
        ("Overturned", "overturned", "upheld", "MRI", "MRI"),
    ]


def test_cases_on_one_side_only(reconciled):
    assert reconciliation(reconciled, "CM24-LISTED") == [(1, "listing only", 1, 0, None, None, None, None)]
    assert reconciliation(reconciled, "CM24-LETTER") == [(1, "letter only", 0, 1, None, None, None, None)]


def test_generated_letters_never_reconcile_and_the_latest_of_two_letters_is_compared(reconciled):
    assert reconciliation(reconciled, "CM24-GENERATED") == [(1, "listing only", 1, 0, None, None, None, None)]
    compared = reconciled.execute(
        "SELECT doc_id, letters_with_case, decision_agrees FROM dwc_reconciliation WHERE case_number = ?",
        ["CM24-TWICE"],
    ).fetchall()
    assert compared == [("f-new", 2, True)]


def test_a_dwc_word_the_rules_do_not_know_disagrees(reconciled):
    assert reconciled.execute(
        """SELECT dwc_decision_text, dwc_decision, decision_agrees, count_agrees FROM dwc_reconciliation
           WHERE case_number = 'CM24-NOITEMS'"""
    ).fetchall() == [("Withdrawn", None, None, False)]


def test_every_case_of_either_side_has_a_row(reconciled):
    cases = {row[0] for row in reconciled.execute("SELECT case_number FROM dwc_reconciliation").fetchall()}
    listed_cases = {case for case, *_ in DWC}
    real_letters = {case for case, _, _, synthetic, _ in LETTERS if not synthetic}
    assert cases == listed_cases | real_letters


# End to end: the DWC's site → download → refresh → dwc_index and the reconciliation ----------------


def test_download_then_refresh_reconciles_every_letter_with_the_listing(tmp_path: Path):
    cases = letter_cases(8, date(2024, 3, 4))
    site = StandIn(cases)
    wrong = site.cases[0]  # the DWC lists its first treatment with the other decision
    category, subcategory, decision = wrong.treatments[0]
    wrong.treatments[0] = (category, subcategory, "Overturned" if decision == "Upheld" else "Upheld")
    server = serve(site)
    try:
        folder, errors = tmp_path / "letters", io.StringIO()
        assert download(folder, date(2024, 3, 4), date(2024, 3, 10), site.url, 0, 0, errors=errors) == 0
    finally:
        server.shutdown()
        server.server_close()
    db = tmp_path / "imr.duckdb"
    code, summary = run([folder], db)
    assert code == EXIT_OK, summary
    treatments = sum(len(case.treatments) for case in cases)
    assert "8 files seen, 8 new" in summary and f"{treatments} rows new" in summary
    assert query(db, "SELECT count(*), count(DISTINCT case_number) FROM dwc_index") == [(treatments, 8)]
    by_case = query(
        db,
        """SELECT case_number, bool_and(found_in = 'both'), bool_and(count_agrees), bool_and(decision_agrees),
                  bool_and(category_agrees), bool_and(subcategory_agrees)
           FROM dwc_reconciliation GROUP BY ALL ORDER BY ALL""",
    )
    assert [row[0] for row in by_case] == sorted(case.number for case in cases)
    for case_number, *agreement in by_case:
        decisions_agree = case_number != wrong.number
        assert agreement == [True, True, decisions_agree, True, True], case_number
    assert query(db, "SELECT count(*) FROM rejects") == [(0,)]
