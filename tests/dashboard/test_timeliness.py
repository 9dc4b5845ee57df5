"""The Timeliness & modified page through the app (AppTest on the fixture database): days to
decision by month and category and the modified-request figures, each equal to the same figure
computed from `decisions`; a database written before items were flagged as modified."""

from __future__ import annotations

import math

import pytest

from tests.dashboard.test_app import SELECTION_IDS, SELECTIONS, metrics, open_app, rows, sql_rows

MEASURES = {"application received": "days_from_received", "date assigned": "days_from_assigned"}


def days_sql(where: str, group: str) -> str:
    """Per group and measure: letters with the date and the median, quartiles and 10th/90th
    percentiles of their days, from `decisions` (a letter once per group)."""
    parts = [
        f"""SELECT grp, '{label}' AS measure, days
            FROM (SELECT DISTINCT doc_id, {group} AS grp, {column} AS days FROM decisions
                  WHERE {where} AND {column} IS NOT NULL AND decision_date IS NOT NULL)"""
        for label, column in MEASURES.items()
    ]
    return f"""SELECT grp::VARCHAR, measure, count(*), median(days), quantile_cont(days, 0.25),
                      quantile_cont(days, 0.75), quantile_cont(days, 0.1), quantile_cont(days, 0.9)
               FROM ({" UNION ALL ".join(parts)}) GROUP BY ALL ORDER BY ALL"""


def shown_days(frame, group: str) -> list[tuple]:
    if group == "month":  # shown as a timestamp
        frame = frame.assign(month=frame["month"].astype(str).str[:10])
    return sorted(rows(frame[[group, "measure", "n", "median", "q1", "q3", "p10", "p90"]]))


def same(shown: list[tuple], expected: list[tuple]) -> bool:
    return len(shown) == len(expected) and all(
        a == b or (isinstance(a, float) and math.isclose(a, b))
        for left, right in zip(shown, expected, strict=True)
        for a, b in zip(left, right, strict=True)
    )


@pytest.mark.usefixtures("imr_db")
@pytest.mark.parametrize(("filters", "where"), SELECTIONS, ids=SELECTION_IDS)
def test_days_to_decision_equal_sql(reference, filters: dict, where: str) -> None:
    at = open_app("timeliness", filters)
    by_month, by_category = at.dataframe[0].value, at.dataframe[1].value
    month = "strftime(date_trunc('month', decision_date), '%Y-%m-%d')"
    assert same(shown_days(by_month, "month"), sql_rows(reference, days_sql(where, month)))
    assert same(shown_days(by_category, "category"), sql_rows(reference, days_sql(where, "category")))
    overall = sql_rows(reference, days_sql(where, "'all'"))
    shown = metrics(at)
    for _, measure, _, median, *_ in overall:
        assert shown[f"Median days from {measure}"] == f"{median:.0f}"


@pytest.mark.usefixtures("imr_db")
def test_days_count_each_letter_once(reference) -> None:
    """A letter of three items counts once in its month, not three times."""
    at = open_app("timeliness", {"include_synthetic": True})
    letters = reference.execute(
        "SELECT count(DISTINCT doc_id) FROM decisions WHERE days_from_received IS NOT NULL"
    ).fetchone()[0]
    by_month = at.dataframe[0].value
    assert by_month[by_month["measure"] == "application received"]["n"].sum() == letters
    assert (
        letters
        < reference.execute("SELECT count(*) FROM decisions WHERE days_from_received IS NOT NULL").fetchone()[
            0
        ]
    )


def modified_sql(where: str, group: str) -> str:
    return f"""SELECT {group}::VARCHAR, CASE WHEN modified THEN 'modified' ELSE 'not modified' END,
                      count(*), count(upheld), count(*) FILTER (WHERE upheld)
               FROM decisions WHERE {where} GROUP BY ALL ORDER BY ALL"""


def shown_modified(frame, group: str = "group") -> list[tuple]:
    frame = frame[frame["items"] > 0]
    return sorted(rows(frame[[group, "request", "items", "n", "upheld"]]))


@pytest.mark.usefixtures("imr_db")
@pytest.mark.parametrize(("filters", "where"), SELECTIONS, ids=SELECTION_IDS)
def test_modified_requests_equal_sql(reference, filters: dict, where: str) -> None:
    at = open_app("timeliness", filters)
    overall, shares, by_category = (at.dataframe[i].value for i in (2, 3, 4))
    assert shown_modified(overall) == sql_rows(reference, modified_sql(where, "'all items'"))
    assert shown_modified(by_category, "category") == sql_rows(reference, modified_sql(where, "category"))
    # Every category shown has its share of modified requests, 0 when it has none.
    assert set(shares["category"]) == set(by_category["category"])
    assert (shares["share"] == shares["items"] / shares["group_items"]).all()
    modified = overall[overall["request"] == "modified"].iloc[0]
    if modified["items"]:
        assert metrics(at)["Modified requests"] == f"{modified['items'] / modified['group_items']:.1%}"


@pytest.mark.usefixtures("imr_db")
def test_generated_letters_hold_modified_requests(reference) -> None:
    """The fixture database has modified requests to show (generated ones, and the real ones when
    ../shared is there), so the figures above are not all zero."""
    at = open_app("timeliness", {"include_synthetic": True})
    overall = at.dataframe[2].value
    modified = overall[overall["request"] == "modified"].iloc[0]
    expected = reference.execute("SELECT count(*) FILTER (WHERE modified) FROM decisions").fetchone()[0]
    assert modified["items"] == expected > 0
