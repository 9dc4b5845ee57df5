"""The `decisions` view's derived columns against values computed by hand: days to decision,
modified requests, distinct sorted citation sources."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from etl.load import create_schema, insert_letters
from etl.records import Citation, Item, Letter
from etl.rows import LoadedLetter
from tests.conftest import needs_shared


def _citation(source: str) -> Citation:
    return Citation(text=source, source=source, document=None, year=None, section=None, pages=[])


def _item(treatment: str, original: str | None, reviewer: list[str], claims: list[str]) -> Item:
    return Item(
        treatment=treatment,
        original_request=original,
        decision="upheld",
        category="Rehabilitation",
        subcategory=None,
        reviewer_guidelines=[_citation(source) for source in reviewer],
        claims_guidelines=[_citation(source) for source in claims],
        rationale="The request is not medically necessary.",
        classified_by={"method": "rule", "matched": "therapy"},
        reasons=[],
    )


def _letter(
    doc_id: str, received: str | None, assigned: str | None, decided: str | None, items: list[Item]
) -> Letter:
    return Letter(
        source=f"{doc_id}.txt", doc_id=doc_id, format="fdl-2015", case_number=None, date_of_injury=None,
        date_assigned=assigned, decision_date=decided, ur_denial_date=None, application_received=received,
        priority=None, patient_age=None, patient_gender=None, reviewer_states=[], reviewer_specialties=[],
        items=items, warnings=[],
    )  # fmt: skip


MODIFIED_TEXT = """Physical therapy eight sessions was the original request. Physical therapy six sessions
was authorized by the Claims Administrator. The remaining IMR eligible portion of the original
request, Physical therapy two sessions is: Upheld"""


@pytest.fixture
def con(tmp_path: Path):
    letters = [
        LoadedLetter(
            _letter(
                "00000000000000a1",
                "2016-11-03",
                "2016-11-09",
                "2016-12-09",
                [
                    _item(
                        "Physical therapy two sessions",
                        "Physical therapy eight sessions",
                        ["ODG", "MTUS", "ODG"],
                        ["MTUS", "MTUS"],
                    ),
                    _item("Acupuncture", None, [], ["Other", "ACOEM"]),
                ],
            ),
            MODIFIED_TEXT,
            synthetic=False,
        ),
        # A 2015 body without its page-1 header: no dates, so no days.
        LoadedLetter(
            _letter("00000000000000b2", None, None, None, [_item("MRI", None, ["MTUS"], [])]), "", False
        ),
        # A 2013 letter: received and decided, never assigned; across a year end.
        LoadedLetter(
            _letter("00000000000000c3", "2013-12-20", None, "2014-01-31", [_item("MRI", None, [], [])]),
            "",
            False,
        ),
    ]
    db = duckdb.connect(str(tmp_path / "view.duckdb"))
    create_schema(db)
    insert_letters(db, letters, "test", run_id=1)
    yield db
    db.close()


def test_days_to_decision_count_calendar_days_from_each_header_date(con) -> None:
    rows = con.execute(
        "SELECT doc_id, item_no, days_from_received, days_from_assigned FROM decisions ORDER BY ALL"
    ).fetchall()
    assert rows == [
        ("00000000000000a1", 1, 36, 30),  # 2016-11-03 → 2016-12-09, 2016-11-09 → 2016-12-09
        ("00000000000000a1", 2, 36, 30),
        ("00000000000000b2", 1, None, None),
        ("00000000000000c3", 1, 42, None),  # 2013-12-20 → 2014-01-31
    ]


def test_modified_is_true_only_for_a_stated_modified_request(con) -> None:
    rows = con.execute("SELECT doc_id, item_no, modified FROM decisions ORDER BY ALL").fetchall()
    assert [row[2] for row in rows] == [True, False, False, False]


def test_sources_are_distinct_and_sorted(con) -> None:
    rows = con.execute(
        "SELECT reviewer_sources, claims_sources, reviewer_source FROM decisions ORDER BY doc_id, item_no"
    ).fetchall()
    assert rows[0] == (["MTUS", "ODG"], ["MTUS"], "ODG")  # the first citation's source is still the first
    assert rows[1] == ([], ["ACOEM", "Other"], None)
    assert rows[2][:2] == (["MTUS"], [])


def test_days_and_modified_on_the_fixture_database(reference) -> None:
    """Dates read by hand from the fixture letters' headers."""
    sql = """SELECT case_number, min(days_from_received), min(days_from_assigned), bool_or(modified)
             FROM decisions WHERE case_number IN ('CM13-0028817', 'CM23-0101234', 'CM21-0034567')
             GROUP BY ALL ORDER BY ALL"""
    assert reference.execute(sql).fetchall() == [
        ("CM13-0028817", 59, None, False),  # received 2013-09-06, decided 2013-11-04
        ("CM21-0034567", 27, 24, False),  # received 2021-02-19, assigned 02-22, decided 03-18
        ("CM23-0101234", 27, 24, False),  # received 2023-03-31, assigned 04-03, decided 04-27
    ]


@needs_shared
def test_a_real_modified_request_on_the_fixture_database(reference) -> None:
    """CM17-0007857 (read by hand): "Acupuncture for 8 sessions was the original request.
    Acupuncture for 6 sessions was authorized by the Claims Administrator. The remaining IMR
    eligible portion of the original request, Acupuncture for 2 sessions is: Upheld"; application
    received 01/11/2017, assigned 01/17/2017, decided 02/09/2017."""
    rows = reference.execute(
        """SELECT treatment, modified, days_from_received, days_from_assigned
           FROM decisions WHERE case_number = 'CM17-0007857'"""
    ).fetchall()
    assert rows == [("Acupuncture for 2 sessions", True, 29, 23)]
