"""The Data quality page's section on the DWC's listing against the parsed letters: its figures and
tables equal to SQL over the `dwc_reconciliation` view, its link to a letter (the Letters page by
case number), and the hint shown when no listing is loaded."""

from __future__ import annotations

import shutil
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import duckdb
import pytest

from dashboard import reconciliation
from tests.dashboard.test_app import metrics, open_app, rows

AGREEING, COUNT, DECISION, CATEGORY = range(4)
LISTING_ONLY = "CM99-0000001"


def listed_treatments(con: duckdb.DuckDBPyConnection) -> tuple[list[tuple], list[str]]:
    """The listing of four real letters of the fixture database as the DWC would write it, one
    changed for each way of disagreeing, plus a case no letter holds; and those four case numbers."""
    chosen = [
        case
        for (case,) in con.execute(
            """SELECT case_number FROM dwc_reconciliation GROUP BY case_number
               HAVING count(*) >= 2 AND bool_and(parsed_decision IS NOT NULL) ORDER BY case_number LIMIT 4"""
        ).fetchall()
    ]
    assert len(chosen) == 4, "the fixture database needs four real letters of two decided items"
    listing = []
    for place, case in enumerate(chosen):
        items = con.execute(
            """SELECT position, parsed_decision, parsed_category, parsed_subcategory FROM dwc_reconciliation
               WHERE case_number = ? ORDER BY position""",
            [case],
        ).fetchall()
        for position, decision, category, subcategory in items:
            if place == DECISION and position == 1:
                decision = "overturned" if decision == "upheld" else "upheld"
            if place == CATEGORY and position == 1:
                category = "Transportation" if category != "Transportation" else "Home Health"
            listing.append((case, position, decision.capitalize(), category.upper(), subcategory))
        if place == COUNT:
            listing.append((case, len(items) + 1, "Upheld", "Surgery", "Spine"))
    listing.append((LISTING_ONLY, 1, "Upheld", "DMEPOS", "DME"))
    return listing, chosen


@pytest.fixture(scope="module")
def listed_db(fixture_db: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    path = tmp_path_factory.mktemp("reconciled") / "imr.duckdb"
    shutil.copy(fixture_db, path)
    with duckdb.connect(str(path)) as con:
        listing, chosen = listed_treatments(con)
        con.executemany(
            "INSERT INTO dwc_index (case_number, treatment_no, decision_date, decision, category, "
            "subcategory, listing) VALUES (?, ?, DATE '2016-12-01', ?, ?, ?, '/letters/dwc-listing.csv')",
            listing,
        )
    return path, chosen


@pytest.fixture
def reconciled(listed_db, monkeypatch: pytest.MonkeyPatch):
    path, chosen = listed_db
    monkeypatch.setenv("IMR_DB", str(path))
    with duckdb.connect(str(path), read_only=True) as con:
        yield con, chosen


def test_agreement_rates_and_disagreeing_letters_equal_sql(reconciled) -> None:
    con, chosen = reconciled
    at = open_app("quality")
    shown = metrics(at)
    deltas = {m.proto.label: m.proto.delta for m in at.metric}

    def rate(label: str, agree: int, n: int) -> None:
        assert shown[label] == f"{agree / n:.1%}", label
        assert deltas[label] == f"{agree:,} of {n:,}", label

    both, listed, counts = con.execute(
        """SELECT count(DISTINCT case_number) FILTER (WHERE found_in = 'both'),
                  count(DISTINCT case_number) FILTER (WHERE found_in <> 'letter only'),
                  count(DISTINCT case_number) FILTER (WHERE count_agrees)
           FROM dwc_reconciliation"""
    ).fetchone()
    assert (both, listed) == (4, 5)
    rate("Listed cases with a parsed letter", both, listed)
    rate("Item counts agree", counts, both)
    compared = con.execute(
        "SELECT count(*), count(*) FILTER (WHERE decision_agrees), count(*) FILTER (WHERE category_agrees), "
        "count(*) FILTER (WHERE subcategory_agrees) FROM dwc_reconciliation WHERE in_listing AND in_letter"
    ).fetchone()
    rate("Decisions agree", compared[1], compared[0])
    rate("Categories agree", compared[2], compared[0])
    rate("Subcategories agree", compared[3], compared[0])
    rate("Letters agreeing throughout", 1, both)  # only the unchanged letter

    tables = [frame.value for frame in at.dataframe]
    differing = next(frame for frame in tables if "differs" in frame.columns)
    assert sorted(set(differing["case_number"])) == sorted(chosen[COUNT:])
    expected = con.execute(
        f"""SELECT case_number, position, dwc_decision_text, parsed_decision, dwc_category, parsed_category
            FROM dwc_reconciliation WHERE found_in = 'both' AND NOT {reconciliation.ALL_AGREE}
            ORDER BY case_number, position"""
    ).fetchall()
    columns = ["case_number", "position", "dwc_decision", "parsed_decision", "dwc_category"]
    shown_rows = rows(differing[[*columns, "parsed_category"]])
    assert [tuple(None if value != value else value for value in row) for row in shown_rows] == expected
    differs = dict(zip(differing["case_number"], differing["differs"], strict=False))
    assert differs[chosen[DECISION]] == "decision"
    assert differs[chosen[CATEGORY]] == "category"
    assert "not in the letter" in set(differing["differs"])
    assert set(differing["letter"]) == {reconciliation.letter_link(case) for case in chosen[COUNT:]}

    listing_only = next(frame for frame in tables if "dwc_decision_date" in frame.columns)
    assert list(listing_only["case_number"]) == [LISTING_ONLY]
    letter_only = next(frame for frame in tables if "letter_decision_date" in frame.columns)
    assert (
        len(letter_only)
        == con.execute(
            "SELECT count(DISTINCT case_number) FROM dwc_reconciliation WHERE found_in = 'letter only'"
        ).fetchone()[0]
    )


def test_a_letter_link_opens_the_letters_page_on_that_case(reconciled) -> None:
    con, chosen = reconciled
    case = chosen[DECISION]
    link = urlsplit(reconciliation.letter_link(case))
    assert link.path == "letters"
    at = open_app("letters", query_params=parse_qs(link.query))
    assert at.text_input(key="filter_cases").value == case
    items = con.execute(
        "SELECT count(*) FROM decisions WHERE case_number = ? AND NOT synthetic", [case]
    ).fetchone()[0]
    assert f"**{items:,}** items match" in " ".join(m.value for m in at.markdown)
    assert set(at.dataframe[0].value["case_number"]) == {case}
    assert dict(at.query_params)["case"] == case


@pytest.mark.usefixtures("imr_db")
def test_without_a_listing_the_section_says_how_to_get_one() -> None:
    at = open_app("quality")
    hint = " ".join(caption.value for caption in at.caption)
    assert "No DWC listing loaded" in hint and "python -m etl download" in hint
    assert "Decisions agree" not in metrics(at)
