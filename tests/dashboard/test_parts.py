"""The dashboard's pure parts: the filter model and its URL round trip, the WHERE clause, the
Wilson interval, the dashboard tables against `decisions`, the reason labels, the SQL runner, the
highlighter."""

from __future__ import annotations

import csv
import html
import math
import time
from datetime import date
from pathlib import Path

import duckdb
import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dashboard import queries, reasons, settings, sql_guard, sql_runner
from dashboard.connection import Database, file_identity
from dashboard.filters import DECISIONS, NO_CITATION, FilterOptions, Filters
from dashboard.highlight import EVIDENCE_MARK, highlighted
from dashboard.sql_child import connect
from dashboard.sql_guard import RefusedQuery

names = st.lists(st.text(min_size=1, max_size=12).filter(str.strip), max_size=3, unique=True).map(tuple)
filters = st.builds(
    Filters,
    date_from=st.none() | st.dates(),
    date_to=st.none() | st.dates(),
    categories=names,
    subcategories=names,
    specialties=names,
    states=names,
    sources=names,
    decisions=names,
    age_bands=names,
    genders=names,
    layouts=names,
    reasons=names,
    reasons_absent=names,
    treatments=names,
    guidelines=names,
    agreements=names,
    claims_first_sources=names,
    reviewer_first_sources=names,
    include_synthetic=st.booleans(),
)


@given(filters, st.booleans())
def test_filters_survive_the_url(chosen: Filters, default_synthetic: bool) -> None:
    params = chosen.to_query_params(default_synthetic)
    as_lists = {key: value if isinstance(value, list) else [value] for key, value in params.items()}
    assert Filters.from_query_params(as_lists, default_synthetic) == chosen


def test_default_filters_make_a_clean_url() -> None:
    assert Filters(include_synthetic=False).to_query_params(default_synthetic=False) == {}


def test_stale_choices_are_dropped() -> None:
    options = FilterOptions(categories=("Surgery",), subcategories={"Surgery": ("Spine",)}, sources=("MTUS",))
    stale = Filters(
        categories=("Surgery", "Gone"), subcategories=("Spine", "Gone"), sources=("MTUS", NO_CITATION, "X")
    )
    kept = stale.restricted_to(options)
    assert (kept.categories, kept.subcategories, kept.sources) == (
        ("Surgery",),
        ("Spine",),
        ("MTUS", NO_CITATION),
    )


@given(filters)
def test_where_uses_one_parameter_per_value(chosen: Filters) -> None:
    condition, params = queries.where(chosen)
    assert condition.count("?") == len(params)
    for value in (*chosen.categories, *chosen.decisions, *chosen.layouts, *chosen.reasons):
        assert f"'{value}'" not in condition  # values travel as parameters, never inside the SQL text


@pytest.mark.parametrize(
    ("upheld", "n", "low", "high"),
    [(81, 100, 0.7222, 0.8749), (0, 10, 0.0, 0.2775), (10, 10, 0.7225, 1.0), (1, 1, 0.2065, 1.0)],
)
def test_wilson_interval(upheld: int, n: int, low: float, high: float) -> None:
    rates = queries.with_rates(pl.DataFrame({"upheld": [upheld], "n": [n]})).row(0, named=True)
    assert rates["uphold_rate"] == pytest.approx(upheld / n)
    assert (rates["uphold_rate_low"], rates["uphold_rate_high"]) == (
        pytest.approx(low, abs=1e-4),
        pytest.approx(high, abs=1e-4),
    )


@given(st.integers(0, 10_000).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
def test_the_interval_always_holds_the_rate(counts: tuple[int, int]) -> None:
    upheld, n = counts
    rates = queries.with_rates(pl.DataFrame({"upheld": [upheld], "n": [n]})).row(0, named=True)
    if n:
        assert 0 <= rates["uphold_rate_low"] <= rates["uphold_rate"] <= rates["uphold_rate_high"] <= 1


def test_no_decided_item_has_no_rate() -> None:
    rates = queries.with_rates(pl.DataFrame({"upheld": [0], "n": [0]})).row(0, named=True)
    assert rates["uphold_rate"] is None and rates["uphold_rate_low"] is None


def test_dashboard_tables_agree_with_the_decisions_view(fixture_db: Path, reference) -> None:
    """The app's flat tables hold exactly the `decisions` columns they copy, item by item."""
    db = Database(file_identity(fixture_db))
    columns = (
        "item_id, decision_date, decision_year, age_band::VARCHAR, layout::VARCHAR, synthetic, "
        "category::VARCHAR, "
        "subcategory::VARCHAR, treatment_key, upheld, reviewer_source::VARCHAR, claims_source::VARCHAR, "
        "days_from_received, days_from_assigned, modified"
    )
    mine = db.cursor().execute(
        f"""SELECT {columns}, nullif(decision::VARCHAR, 'unknown'), sp.value_list, st.value_list,
                   gender::VARCHAR, so.value_list, rs.value_list
            FROM dash_items
            JOIN dash_specialty_sets sp ON sp.set_no = specialty_set
            JOIN dash_state_sets st ON st.set_no = state_set
            JOIN dash_source_sets so ON so.set_no = source_set
            JOIN dash_reason_sets rs ON rs.set_no = reason_set
            ORDER BY item_id"""
    )
    theirs = reference.execute(
        f"""SELECT {columns}, decision, reviewer_specialties, reviewer_states,
                   coalesce(patient_gender, 'unknown'),
                   list_sort(list_distinct(reviewer_sources)), list_sort(list_distinct(reasons))
            FROM decisions ORDER BY item_id"""
    )
    assert mine.fetchall() == theirs.fetchall()
    cited = db.cursor().execute("SELECT count(*) FROM dash_reviewer_citations").fetchone()
    assert cited == reference.execute("SELECT count(*) FROM citations WHERE side = 'reviewer'").fetchone()
    db.close()


def test_every_filter_option_selects_something(fixture_db: Path) -> None:
    db = Database(file_identity(fixture_db))
    options = queries.filter_options(db.cursor())
    for name, values in options.choices().items():
        for value in values:
            if value in ("unknown", NO_CITATION):  # may legitimately match nothing
                continue
            chosen = Filters(**{name: (value,)})
            assert queries.headline(db.cursor(), chosen)["items"][0] > 0, (name, value)
    assert set(options.choices()["decisions"]) == set(DECISIONS)
    db.close()


# Reason codes ----------------------------------------------------------------------------------


def test_every_reason_code_has_a_label_and_its_decision() -> None:
    """The tagger's codes (etl/rules/reasons.csv) and the dashboard's labels agree."""
    with (Path(__file__).parents[2] / "etl" / "rules" / "reasons.csv").open(newline="") as rules:
        tagged = {(row["code"], row["decision"]) for row in csv.DictReader(rules)}
    assert tagged == {(code, known.decision) for code, known in reasons.REASONS.items()}
    assert set(settings.REASONS_COMPARED) <= {code for code, decision in tagged if decision == "upheld"}
    assert reasons.label("a_newer_code") == "a_newer_code"
    assert reasons.ordered(["zz", "criteria_met", "weaning"]) == ("weaning", "criteria_met", "zz")


# SQL runner ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "refusal"),
    [
        ("", "Write a query"),
        ("SELECT 1; SELECT 2", "One statement at a time"),
        ("UPDATE letters SET synthetic = true", "read-only"),
        ("SELEC 1", "does not parse"),
    ],
)
def test_single_query_refusals(text: str, refusal: str) -> None:
    with pytest.raises(RefusedQuery, match=refusal):
        sql_guard.single_query(text)


def test_trailing_semicolons_and_comments_are_fine(fixture_db: Path) -> None:
    result = sql_runner.run(str(fixture_db), "SELECT count(*) AS n FROM letters; -- all of them", row_cap=10)
    assert result.rows["n"][0] > 0 and result.total_rows == 1


def test_the_sql_connection_itself_refuses_writes(fixture_db: Path, tmp_path: Path) -> None:
    """Even past the statement check, the connection cannot change the file or reach the disk."""
    con = connect(str(fixture_db), tmp_path, {"threads": 1, "memory_mb": 256, "temp_mb": 16})
    for statement in (
        "CREATE TABLE x AS SELECT 1",
        "DELETE FROM letters",
        "SET enable_external_access = true",
    ):
        with pytest.raises(duckdb.Error):
            con.execute(statement)
    with pytest.raises(duckdb.Error, match="disabled"):
        con.execute("SELECT * FROM read_text('/etc/hostname')")
    assert con.execute("SELECT count(*) FROM letters").fetchone()[0] > 0


def test_a_runaway_query_is_interrupted(fixture_db: Path) -> None:
    started = time.perf_counter()
    with pytest.raises(RefusedQuery, match=r"longer than 0\.5 s"):
        sql_runner.run(
            str(fixture_db), "SELECT count(*) FROM range(1000000000000) a", row_cap=10, timeout=0.5
        )
    assert time.perf_counter() - started < 10


def test_result_csv_writes_nested_values(fixture_db: Path) -> None:
    result = sql_runner.run(str(fixture_db), "SELECT reviewer_specialties FROM decisions LIMIT 3", row_cap=10)
    assert sql_runner.csv(result.rows).startswith(b"reviewer_specialties\n")


# Highlighting ----------------------------------------------------------------------------------


def test_highlight_marks_a_wrapped_treatment_and_escapes_html() -> None:
    text = "Request for <b>Norco</b> 10/325mg\n#120 & more. norco 10/325mg #120 again."
    marked = highlighted(text, "Norco 10/325mg #120")
    assert marked.count("<mark>") == 1 and "&lt;b&gt;" in marked and "&amp;" in marked
    assert "<mark>norco 10/325mg #120</mark>" in marked


def test_highlight_marks_the_evidence_and_escapes_a_hostile_letter() -> None:
    hostile = (
        'Norco 10mg. There is no <img src=x onerror="alert(1)"> documentation\nof the 4 A\'s & '
        "</mark><script>alert(2)</script>. Norco is not medically necessary."
    )
    evidence = (  # as the tagger stores it: the sentence with its line break folded
        'There is no <img src=x onerror="alert(1)"> documentation of the 4 A\'s & '
        "</mark><script>alert(2)</script>."
    )
    marked = highlighted(hostile, "Norco", [evidence])
    assert marked.count(EVIDENCE_MARK) == 1 and marked.count("<mark>") == 2
    assert "<img" not in marked and "<script>" not in marked and marked.count("</mark>") == 3
    assert (
        "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in marked and "&lt;/mark&gt;&lt;script&gt;" in marked
    )


@given(st.text(max_size=200), st.text(max_size=20), st.lists(st.text(max_size=40), max_size=3))
def test_highlight_never_lets_markup_through(text: str, phrase: str, evidence: list[str]) -> None:
    marked = highlighted(text, phrase, evidence)
    plain = marked.replace(EVIDENCE_MARK, "").replace("<mark>", "").replace("</mark>", "")
    assert "<" not in plain and html.unescape(plain) == text


def test_rates_are_finite_for_every_group(fixture_db: Path) -> None:
    db = Database(file_identity(fixture_db))
    frame = queries.by_category(db.cursor(), Filters(date_from=date(2000, 1, 1)))
    assert all(math.isfinite(v) for v in frame["uphold_rate_low"]) and frame["share"].sum() == pytest.approx(
        1
    )
    db.close()
