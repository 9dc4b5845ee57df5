"""The adaptive minimum n, the way from a chart's group to its letters, and the compare control.

AppTest cannot click a chart, so the click is tested in two halves: `drill.narrowed` (a selection
to filters) directly, and the Letters page opened by the URL those filters write, its count equal
to SQL over `decisions`. tests/dashboard/test_browser.py clicks a real chart."""

from __future__ import annotations

import io
import json
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from dashboard import drill, queries, settings, ui
from dashboard.filters import NO_CITATION, NO_SUBCATEGORY, Filters
from dashboard.safe_text import markdown_literal
from etl.dashboard_tables import NO_REASON
from etl.refresh import refresh
from tests.conftest import ROOT
from tests.dashboard.test_app import open_app, rows, sql_rows

SAMPLE = ROOT / "data" / "sample"


@pytest.fixture(scope="module")
def sample_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled 300-letter sample, built by the real refresh."""
    database = tmp_path_factory.mktemp("sample") / "imr.duckdb"
    assert refresh([str(SAMPLE)], database, workers=1, out=io.StringIO(), err=io.StringIO()) == 0
    return database


def chart_specs(at) -> list[dict]:
    return [json.loads(chart.proto.spec) for chart in at.get("vega_lite_chart")]


def chart_data(at, index: int) -> pa.Table:
    """The rows a chart draws (its dataset, as Streamlit sends it to the browser)."""
    dataset = at.get("vega_lite_chart")[index].proto.datasets[0].data.data
    return pa.ipc.open_stream(dataset).read_all()


# Adaptive minimum n --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("decided", "expected"),
    [(0, 1), (40, 1), (51, 2), (686, 14), (1_500, 30), (10**6, settings.MIN_N_DEFAULT)],
)
def test_the_default_minimum_n_scales_with_the_decided_items(decided: int, expected: int) -> None:
    assert ui.adaptive_min_n(decided) == expected


def test_every_category_with_decided_items_is_visible_on_the_sample(
    sample_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IMR_DB", str(sample_db))
    at = open_app("treatments")
    with duckdb.connect(str(sample_db), read_only=True) as con:
        expected = sql_rows(
            con,
            "SELECT category, count(upheld) FROM decisions GROUP BY 1 HAVING count(upheld) > 0 ORDER BY 1",
        )
        decided = con.execute("SELECT count(upheld) FROM decisions").fetchone()[0]
    assert len(expected) >= 9
    assert sorted(rows(at.dataframe[0].value[["category", "n"]])) == expected
    drawn = chart_data(at, 0)
    assert sorted(zip(drawn["category"].to_pylist(), drawn["n"].to_pylist(), strict=True)) == expected

    control = at.number_input(key="treatments_min_n")
    minimum = ui.adaptive_min_n(decided)
    assert control.value is None and control.proto.placeholder == f"automatic: {minimum}"
    assert any(n < minimum for _, n in expected), "the sample has small groups, drawn faint"
    spec = json.dumps(chart_specs(at)[0])
    assert f"(datum['n'] >= {minimum})" in spec and f"(datum['n'] < {minimum})" in spec


@pytest.mark.usefixtures("imr_db")
def test_a_chosen_minimum_n_draws_small_groups_faint_not_hidden(reference) -> None:
    at = open_app("treatments", {"include_synthetic": True})
    at.number_input(key="treatments_min_n").set_value(40).run()
    shown = at.dataframe[0].value
    assert (shown["n"] < 40).any() and (shown["n"] >= 1).all()
    expected = reference.execute(
        "SELECT count(DISTINCT category) FROM decisions WHERE decision IS NOT NULL"
    ).fetchone()[0]
    assert len(shown) == expected
    layers = chart_specs(at)[0]["layer"]
    dots = next(layer for layer in layers if layer["mark"]["type"] == "point")
    assert dots["encoding"]["opacity"]["condition"]["test"] == "(datum['n'] >= 40)"
    assert {"filter": "(datum['n'] < 40)"} in layers[1]["transform"]  # their n, written beside


# From a selection to filters -----------------------------------------------------------------


def test_a_selection_narrows_the_filters_to_its_group() -> None:
    chosen = Filters(
        categories=("Surgery", "Injections"), date_from=date(2017, 3, 10), include_synthetic=False
    )
    assert drill.narrowed(chosen, {"category": "Surgery"}) == Filters(
        categories=("Surgery",), date_from=date(2017, 3, 10), include_synthetic=False
    )
    march = datetime(2017, 3, 1, tzinfo=UTC).timestamp() * 1000  # Vega-Lite's temporal value
    assert drill.narrowed(chosen, {"month": march}).date_from == date(2017, 3, 10)  # intersected
    assert drill.narrowed(chosen, {"month": march}).date_to == date(2017, 3, 31)
    assert drill.narrowed(Filters(), {"year": "2016"}) == Filters(
        date_from=date(2016, 1, 1), date_to=date(2016, 12, 31)
    )
    assert drill.narrowed(
        Filters(), {"category": "Surgery", "subcategory": NO_SUBCATEGORY}
    ).subcategories == (NO_SUBCATEGORY,)
    assert drill.narrowed(Filters(), {"treatment": "Norco"}).treatments == ("Norco",)
    assert drill.narrowed(Filters(), {"source": NO_CITATION, "state": "CA"}) == Filters(
        sources=(NO_CITATION,), states=("CA",)
    )
    assert drill.narrowed(Filters(), {"claims_source": "MTUS", "reviewer_source": "ODG"}) == Filters(
        claims_first_sources=("MTUS",), reviewer_first_sources=("ODG",)
    )


def test_a_reason_selection_keeps_or_excludes_the_reason() -> None:
    upheld = {"decision": "upheld"}
    assert drill.narrowed(Filters(), {"reason": "weaning"}, upheld) == Filters(
        decisions=("upheld",), reasons=("weaning",)
    )
    assert drill.narrowed(Filters(), {"reason": "weaning", "items_carrying": "without"}) == Filters(
        reasons_absent=("weaning",)
    )
    codes = ("weaning", "criteria_met")
    assert drill.narrowed(Filters(), {"reason": NO_REASON}, upheld, codes) == Filters(
        decisions=("upheld",), reasons_absent=codes
    )


def test_the_selection_state_gives_the_clicked_group() -> None:
    assert drill.picked_group({drill.SELECTION: [{"category": "Surgery"}]}) == {"category": "Surgery"}
    assert drill.picked_group({drill.SELECTION: []}) is None
    assert drill.picked_group({drill.SELECTION: {}}) is None
    assert drill.picked_group({}) is None


# From a group to its letters, through the URL ----------------------------------------------


def as_lists(params: dict) -> dict[str, list[str]]:
    return {key: value if isinstance(value, list) else [value] for key, value in params.items()}


# (clicked group, the chart's own group, the same items as SQL over `decisions`)
GROUPS = [
    ({"category": "Pharmaceuticals"}, None, "category = 'Pharmaceuticals'"),
    (
        {"category": "Pharmaceuticals", "treatment": "Norco"},
        None,
        "category = 'Pharmaceuticals' AND coalesce(treatment_key, treatment) = 'Norco'",
    ),
    ({"specialty": "(not stated)"}, None, "len(reviewer_specialties) = 0"),
    (
        {"category": "Surgery", "specialty": "Orthopedic Surgery"},
        None,
        "category = 'Surgery' AND list_contains(reviewer_specialties, 'Orthopedic Surgery')",
    ),
    (
        {"year": "2016", "source": "ODG"},
        None,
        "decision_year = 2016 AND list_contains(reviewer_sources, 'ODG')",
    ),
    ({"agreement": "same source"}, None, "reviewer_source = claims_source"),
    (
        {"claims_source": "MTUS", "reviewer_source": "ODG"},
        None,
        "claims_source = 'MTUS' AND reviewer_source = 'ODG'",
    ),
    (
        {"reason": "missing_findings"},
        {"decision": "upheld"},
        "decision = 'upheld' AND list_contains(reasons, 'missing_findings')",
    ),
    (
        {"reason": "missing_findings", "items_carrying": "without"},
        None,
        "NOT list_contains(reasons, 'missing_findings')",
    ),
    ({"reason": NO_REASON}, {"decision": "overturned"}, "decision = 'overturned' AND len(reasons) = 0"),
    ({"request": "modified"}, None, "modified"),
    (
        {"category": "Pharmaceuticals"},
        {"request": "not modified"},
        "category = 'Pharmaceuticals' AND NOT modified",
    ),
]


@pytest.mark.usefixtures("imr_db")
@pytest.mark.parametrize(("picked", "fixed", "where"), GROUPS, ids=[str(g[0]) for g in GROUPS])
def test_a_group_opens_its_letters_through_the_url(reference, picked: dict, fixed, where: str) -> None:
    codes = tuple(row[0] for row in reference.execute("SELECT DISTINCT code FROM item_reasons").fetchall())
    filters = drill.narrowed(Filters(include_synthetic=True), picked, fixed, codes)
    link = filters.to_query_params(default_synthetic=False)
    at = open_app("letters", query_params=link)
    total = reference.execute(f"SELECT count(*) FROM decisions WHERE {where}").fetchone()[0]
    assert total, f"the fixture has items of {picked}"
    assert f"**{total:,}** items match" in " ".join(m.value for m in at.markdown)
    assert as_lists(dict(at.query_params)) == as_lists(link)


@pytest.mark.usefixtures("imr_db")
@pytest.mark.parametrize("level", ["document", "section", "page"])
def test_a_guideline_opens_the_letters_citing_it(reference, level: str) -> None:
    at = open_app("guidelines", {"include_synthetic": True})
    at.radio(key="guidelines_level").set_value(level).run()
    top = at.dataframe[1].value.iloc[0]
    link = drill.narrowed(Filters(include_synthetic=True), {"guideline": top["guideline"]}).to_query_params(
        False
    )
    at = open_app("letters", query_params=link)
    keys = queries.GUIDELINE_KEYS[level]
    matches = " AND ".join(
        f"c.{key} = ?" if key != "page" else "list_contains(c.pages, ?)" for key in keys
    ).replace("c.document = ?", "coalesce(c.document, '(unspecified)') = ?")
    matches = matches.replace("c.section = ?", "coalesce(c.section, '(unspecified)') = ?")
    total = reference.execute(
        f"""SELECT count(*) FROM decisions d WHERE EXISTS (
                SELECT 1 FROM citations c WHERE c.doc_id = d.doc_id AND c.item_no = d.item_no
                AND c.side = 'reviewer' AND {matches})""",
        [str(top[key]) for key in keys],
    ).fetchone()[0]
    assert total and f"**{total:,}** items match" in " ".join(m.value for m in at.markdown)
    assert any(markdown_literal(top["guideline"]) in caption.value for caption in at.sidebar.caption)


@pytest.mark.usefixtures("imr_db")
def test_a_drill_only_filter_is_shown_and_cleared(reference) -> None:
    at = open_app("letters", query_params={"treatment": "Norco", "synthetic": "1"})
    assert any("Treatment: Norco" in caption.value for caption in at.sidebar.caption)
    at.button(key="clear_treatments").click().run()
    assert "treatment" not in at.query_params
    total = reference.execute("SELECT count(*) FROM decisions").fetchone()[0]
    assert f"**{total:,}** items match" in " ".join(m.value for m in at.markdown)


@pytest.mark.usefixtures("imr_db")
def test_every_rate_chart_can_be_clicked() -> None:
    """Each chart on each rate page carries the point selection the page acts on."""
    for page in ("overview", "treatments", "specialties", "guidelines", "why"):
        at = open_app(page, {"include_synthetic": True})
        charts = at.get("vega_lite_chart")
        assert charts, page
        for chart in charts:
            assert list(chart.proto.selection_mode) == [drill.SELECTION], (page, chart.proto.id)
            assert f'"name": "{drill.SELECTION}"' in chart.proto.spec


# Compare ------------------------------------------------------------------------------------


# Each compared dimension as SQL over `decisions` (one row per item and value).
def members(column: str, empty: str) -> str:
    return f"unnest(CASE WHEN len({column}) = 0 THEN ['{empty}'] ELSE list_distinct({column}) END)"


COMPARED_SQL = {
    "source": members("reviewer_sources", NO_CITATION),
    "specialty": members("reviewer_specialties", "(not stated)"),
    "state": members("reviewer_states", "(not stated)"),
    "category": "category",
    "year": "decision_year::VARCHAR",
}


def compared_sql(group: str, compare: str) -> str:
    """Per group and compared value: n and upheld (a year split leaves out undated items)."""
    dated = " AND decision_year IS NOT NULL" if compare == "year" else ""
    return f"""SELECT {group}, value, count(upheld), count(*) FILTER (WHERE upheld)
               FROM (SELECT *, {COMPARED_SQL[compare]} AS value FROM decisions WHERE true{dated})
               GROUP BY ALL HAVING count(upheld) > 0 ORDER BY ALL"""


@pytest.mark.usefixtures("imr_db")
@pytest.mark.parametrize("compare", list(queries.COMPARE_BY))
def test_compared_categories_equal_sql(reference, compare: str) -> None:
    at = open_app("treatments", {"include_synthetic": True})
    at.selectbox(key="treatments_compare").set_value(compare).run()
    assert not at.exception
    shown = at.dataframe[0].value
    if compare == "category":  # a chart is not split by its own dimension
        assert "items" in shown.columns and compare not in shown.columns[1:]
        return
    expected = sql_rows(reference, compared_sql("category", compare))
    assert sorted(rows(shown[["category", compare, "n", "upheld"]])) == expected
    assert (shown["uphold_rate_low"] <= shown["uphold_rate"]).all()
    assert (shown["uphold_rate"] <= shown["uphold_rate_high"]).all()
    spec = chart_specs(at)[0]
    assert all(layer["encoding"]["yOffset"]["field"] == compare for layer in spec["layer"])


@pytest.mark.usefixtures("imr_db")
def test_compared_specialties_and_months_equal_sql(reference) -> None:
    at = open_app("specialties", {"include_synthetic": True, "categories": ["Pharmaceuticals"]})
    at.selectbox(key="specialties_compare").set_value("year").run()
    unnested = (
        "unnest(CASE WHEN len(reviewer_specialties) = 0 THEN ['(not stated)'] ELSE reviewer_specialties END)"
    )
    expected = sql_rows(
        reference,
        f"""SELECT specialty, decision_year::VARCHAR, count(upheld), count(*) FILTER (WHERE upheld)
            FROM (SELECT *, {unnested} AS specialty FROM decisions
                  WHERE category = 'Pharmaceuticals' AND decision_year IS NOT NULL)
            GROUP BY ALL HAVING count(upheld) > 0 ORDER BY ALL""",
    )
    assert sorted(rows(at.dataframe[0].value[["specialty", "year", "n", "upheld"]])) == expected

    at = open_app(filters={"include_synthetic": True})
    at.selectbox(key="overview_compare").set_value("state").run()
    by_month = at.dataframe[0].value
    expected = sql_rows(
        reference,
        f"""SELECT strftime(date_trunc('month', decision_date), '%Y-%m'), value, count(upheld)
            FROM (SELECT *, {COMPARED_SQL["state"]} AS value FROM decisions WHERE decision_date IS NOT NULL)
            GROUP BY ALL HAVING count(upheld) > 0 ORDER BY ALL""",
    )
    shown = sorted((m.strftime("%Y-%m"), state, n) for m, state, n in rows(by_month[["month", "state", "n"]]))
    assert shown == expected


@pytest.mark.usefixtures("imr_db")
def test_compared_guidelines_equal_sql(reference) -> None:
    at = open_app("guidelines", {"include_synthetic": True})
    at.selectbox(key="guidelines_compare").set_value("category").run()
    ranked = at.dataframe[1].value
    expected = sql_rows(
        reference,
        """SELECT concat_ws(' · ', c.source, coalesce(c.document, '(unspecified)')) AS guideline,
                   d.category, count(d.upheld), count(*) FILTER (WHERE d.upheld)
            FROM citations c JOIN decisions d USING (doc_id, item_no)
            WHERE c.side = 'reviewer' GROUP BY ALL HAVING count(d.upheld) > 0 ORDER BY ALL""",
    )
    shown = sorted(rows(ranked[["guideline", "category", "n", "upheld"]]))
    assert shown and set(shown) <= set(expected)
    assert len({row[0] for row in shown}) == min(settings.TOP_GUIDELINES, len({row[0] for row in expected}))
