"""The Why page and the reason codes through the app (AppTest on the fixture database): each figure
equals the same figure computed from `decisions` (whose `reasons` lists the item's codes) and
`item_reasons`; the reason filter and its URL round trip; the way from a reason to its letters;
a database written before reasons existed."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from dashboard import settings
from etl import dashboard_tables
from tests.dashboard.test_app import (
    PHARMACEUTICALS,
    REAL_ONLY,
    SELECTIONS,
    WITH_SYNTHETIC,
    metrics,
    open_app,
    rows,
    sql_rows,
)

MISSING_FINDINGS = (
    {"include_synthetic": True, "reasons": ["missing_findings"]},
    "list_contains(reasons, 'missing_findings')",
)
WHY_SELECTIONS = [*SELECTIONS, MISSING_FINDINGS]
WHY_IDS = ["real-only", "with-synthetic", "pharmaceuticals", "synthetic-overturned-since-2016", "reason"]

# The decided items of a selection, each with its codes ("(none found)" for none) and the number of
# items decided the same way in its group: the base of a reason's share.
GROUP_SQL = {
    None: "",
    "category": "category",
    "decision_year": "decision_year",
    "specialty": "specialty",
}


def split_cells(at, by: str) -> list[tuple]:
    """The split tables (upheld, then overturned) as (decision, group, reason, items, decided)."""
    upheld, overturned = at.dataframe[2].value, at.dataframe[3].value
    columns = [by, "reason", "items", "decided"]
    return [("upheld", *row) for row in rows(upheld[columns])] + [
        ("overturned", *row) for row in rows(overturned[columns])
    ]


def shares_sql(where: str, by: str | None = None) -> str:
    """Per decision (, group) and reason: items carrying it and items decided so, from `decisions`."""
    group = GROUP_SQL[by]
    source = f"(SELECT * FROM decisions WHERE {where} AND decision IS NOT NULL)"
    if by == "specialty":
        source = f"""(SELECT *, unnest(CASE WHEN len(reviewer_specialties) = 0 THEN ['(not stated)']
                                          ELSE reviewer_specialties END) AS specialty
                      FROM decisions WHERE {where} AND decision IS NOT NULL)"""
    elif by == "decision_year":
        source = source.replace("IS NOT NULL)", "IS NOT NULL AND decision_year IS NOT NULL)")
    partition = ", ".join(["decision", *([group] if group else [])])
    return f"""SELECT {partition}, reason, count(*) AS items, any_value(decided) AS decided
               FROM (SELECT *, count(*) OVER (PARTITION BY {partition}) AS decided FROM {source}),
                    unnest(CASE WHEN len(reasons) = 0 THEN ['(none found)'] ELSE list_distinct(reasons) END)
                    AS r(reason)
               GROUP BY ALL ORDER BY ALL"""


@pytest.mark.usefixtures("imr_db")
@pytest.mark.parametrize(("filters", "where"), WHY_SELECTIONS, ids=WHY_IDS)
def test_why_figures_equal_sql(reference, filters: dict, where: str) -> None:
    at = open_app("why", filters)
    upheld, overturned, _, _, compared = (frame.value for frame in at.dataframe)
    shown = [("upheld", *row) for row in rows(upheld[["reason", "items", "decided"]])]
    shown += [("overturned", *row) for row in rows(overturned[["reason", "items", "decided"]])]
    assert sorted(shown) == sql_rows(reference, shares_sql(where))
    assert (upheld["share"] == upheld["items"] / upheld["decided"]).all()

    cells = split_cells(at, "category")
    assert sorted(row for row in cells if row[3]) == sql_rows(reference, shares_sql(where, "category"))

    codes = list(settings.REASONS_COMPARED)
    expected = sql_rows(
        reference,
        f"""SELECT code, CASE WHEN list_contains(reasons, code) THEN 'with' ELSE 'without' END,
                   count(*), count(*) FILTER (WHERE upheld)
            FROM decisions, unnest({codes}::VARCHAR[]) AS t(code)
            WHERE {where} AND decision IS NOT NULL GROUP BY ALL ORDER BY ALL""",
    )
    assert (
        sorted(row for row in rows(compared[["reason", "items_carrying", "n", "upheld"]]) if row[2])
        == expected
    )
    assert set(compared["reason"]) == set(codes) and len(compared) == 2 * len(codes)


@pytest.mark.usefixtures("imr_db")
@pytest.mark.parametrize(
    ("filters", "where"), [WITH_SYNTHETIC, PHARMACEUTICALS], ids=["all", "pharmaceuticals"]
)
@pytest.mark.parametrize("by", ["decision_year", "specialty"])
def test_why_splits_equal_sql(reference, filters: dict, where: str, by: str) -> None:
    at = open_app("why", filters)
    at.radio(key="why_by").set_value(by).run()
    assert not at.exception
    cells = split_cells(at, by)
    assert sorted(row for row in cells if row[3]) == sql_rows(reference, shares_sql(where, by))
    # Every reason found for a decision has a cell in each group, zero when the group has none.
    for frame in at.dataframe[2:4]:
        side = frame.value
        assert len(side) == side[by].nunique() * side["reason"].nunique()


@pytest.mark.usefixtures("imr_db")
def test_with_and_without_compares_the_uphold_rates(reference) -> None:
    at = open_app("why", {"include_synthetic": True})
    compared = at.dataframe[4].value.set_index(["reason", "items_carrying"])
    decided, upheld = reference.execute(
        "SELECT count(*), count(*) FILTER (WHERE upheld) FROM decisions WHERE decision IS NOT NULL"
    ).fetchone()
    for code in settings.REASONS_COMPARED:
        carrying, carrying_upheld = reference.execute(
            "SELECT count(*), count(*) FILTER (WHERE upheld) FROM decisions "
            "WHERE decision IS NOT NULL AND list_contains(reasons, ?)",
            [code],
        ).fetchone()
        with_it, without_it = compared.loc[(code, "with")], compared.loc[(code, "without")]
        assert (with_it["n"], with_it["upheld"]) == (carrying, carrying_upheld)
        assert (without_it["n"], without_it["upheld"]) == (decided - carrying, upheld - carrying_upheld)
        assert with_it["uphold_rate"] == pytest.approx(carrying_upheld / carrying)
        assert with_it["uphold_rate_low"] <= with_it["uphold_rate"] <= with_it["uphold_rate_high"]
        assert without_it["uphold_rate"] == pytest.approx((upheld - carrying_upheld) / (decided - carrying))


# The reason filter -----------------------------------------------------------------------------


@pytest.mark.usefixtures("imr_db")
def test_the_reason_filter_round_trips_through_the_url(reference) -> None:
    chosen = ["no_functional_improvement", "criteria_met"]
    at = open_app(filters={"include_synthetic": True, "reasons": chosen})
    link = dict(at.query_params)
    assert link["reason"] == chosen
    shown = metrics(at)
    expected = reference.execute(
        "SELECT count(*) FROM decisions WHERE list_has_any(reasons, ?::VARCHAR[])", [chosen]
    ).fetchone()[0]
    assert shown["Items"] == f"{expected:,}"

    reopened = open_app(query_params=link)
    assert reopened.multiselect(key="filter_reasons").value == chosen
    assert metrics(reopened) == shown
    stale = open_app(query_params={"reason": ["no_such_reason", "weaning"]})
    assert stale.multiselect(key="filter_reasons").value == ["weaning"]


@pytest.mark.usefixtures("imr_db")
def test_the_reason_filter_applies_to_every_page(reference) -> None:
    filters, where = MISSING_FINDINGS
    at = open_app("letters", filters)
    total = reference.execute(f"SELECT count(*) FROM decisions WHERE {where}").fetchone()[0]
    assert total and f"**{total:,}** items match" in " ".join(m.value for m in at.markdown)
    assert all("missing_findings" in codes for codes in at.dataframe[0].value["reasons"])
    at = open_app("treatments", filters)
    at.number_input(key="treatments_min_n").set_value(1).run()
    assert at.dataframe[0].value["items"].sum() == total


# From a reason to its letters ------------------------------------------------------------------


@pytest.mark.usefixtures("imr_db")
def test_a_reason_opens_the_letters_page_filtered_to_it(reference) -> None:
    at = open_app("why", {"categories": ["Pharmaceuticals"], "include_synthetic": True})
    at.selectbox(key="why_reason").set_value("opioid_monitoring").run()
    at.button(key="why_open").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "Letters"
    assert dict(at.query_params) == {
        "category": "Pharmaceuticals",
        "reason": "opioid_monitoring",
        "synthetic": "1",
    }
    assert at.multiselect(key="filter_reasons").value == ["opioid_monitoring"]
    total = reference.execute(
        "SELECT count(*) FROM decisions WHERE category = 'Pharmaceuticals' "
        "AND list_contains(reasons, 'opioid_monitoring')"
    ).fetchone()[0]
    assert total and f"**{total:,}** items match" in " ".join(m.value for m in at.markdown)

    chosen = at.dataframe[0].value.iloc[0]
    reasons = at.dataframe[-1].value
    expected = sql_rows(
        reference,
        f"""SELECT code, evidence FROM item_reasons WHERE doc_id = '{chosen["doc_id"]}'
            AND item_no = {chosen["item_no"]} ORDER BY reason_no""",
    )
    assert rows(reasons[["reason", "evidence"]]) == expected
    assert "opioid_monitoring" in reasons["reason"].tolist() and reasons["label"].str.len().min() > 0
    letter = at.get("html")[0].proto.body
    assert letter.count('<mark style="background-color: #cfe4ff">') >= 1


# A database whose items state no reason ------------------------------------------------------


def test_a_database_whose_items_state_no_reason_still_opens(
    fixture_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = tmp_path / "imr.duckdb"
    shutil.copy(fixture_db, old)
    con = duckdb.connect(str(old))
    con.execute("DELETE FROM item_reasons")
    dashboard_tables.build(con)
    con.close()
    monkeypatch.setenv("IMR_DB", str(old))

    at = open_app("why", REAL_ONLY[0])
    assert any("states any of the grounds" in w.value for w in at.warning)
    assert not at.dataframe
    assert at.multiselect(key="filter_reasons").options == []
    at = open_app("letters", {"include_synthetic": True})
    assert any("states none of the grounds" in c.value for c in at.caption)
    assert "<mark>" in at.get("html")[0].proto.body
