"""Every page through `streamlit.testing.v1.AppTest` on the fixture database: no exception, and
each figure shown equals the same figure computed directly from the `decisions` view."""

from __future__ import annotations

import io
import os
import re
import shutil
from datetime import date
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from dashboard import settings, sql_runner
from etl.refresh import refresh
from tests.conftest import ROOT
from tests.fixture_db import build_database, generated_letters

PAGES = ROOT / "dashboard" / "pages"

# (sidebar settings, the same selection as SQL over `decisions`)
REAL_ONLY = ({}, "NOT synthetic")
WITH_SYNTHETIC = ({"include_synthetic": True}, "true")
PHARMACEUTICALS = ({"categories": ["Pharmaceuticals"]}, "NOT synthetic AND category = 'Pharmaceuticals'")
SYNTHETIC_OVERTURNED_SINCE_2016 = (
    {"include_synthetic": True, "decisions": ["overturned"], "date_from": date(2016, 1, 1)},
    "decision = 'overturned' AND decision_date >= DATE '2016-01-01'",
)
SELECTIONS = [REAL_ONLY, WITH_SYNTHETIC, PHARMACEUTICALS, SYNTHETIC_OVERTURNED_SINCE_2016]
SELECTION_IDS = ["real-only", "with-synthetic", "pharmaceuticals", "synthetic-overturned-since-2016"]


def open_app(
    page: str | None = None, filters: dict | None = None, query_params: dict | None = None
) -> AppTest:
    """The app, on `page`, with the sidebar set to `filters`; fails on any exception."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params.update(query_params or {})
    at.run()
    for name, value in (filters or {}).items():
        key = f"filter_{name}"
        if name == "include_synthetic":
            at.checkbox(key=key).set_value(value)
        elif name.startswith("date_"):
            at.date_input(key=key).set_value(value)
        else:
            at.multiselect(key=key).set_value(value)
    if filters:
        at.run()
    if page:
        at.switch_page(str(PAGES / f"{page}.py")).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def rows(frame) -> list[tuple]:
    """A shown table as comparable tuples (pandas → plain Python values)."""
    return [tuple(row) for row in frame.itertuples(index=False)]


def sql_rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple]:
    return [tuple(row) for row in con.execute(sql).fetchall()]


# Overview --------------------------------------------------------------------------------------


@pytest.mark.usefixtures("imr_db")
@pytest.mark.parametrize(("filters", "where"), SELECTIONS, ids=SELECTION_IDS)
def test_overview_figures_equal_sql(reference, filters: dict, where: str) -> None:
    at = open_app(filters=filters)
    letters, items, upheld, decided, overturned, synthetic = reference.execute(
        f"""SELECT count(DISTINCT doc_id), count(*), count(*) FILTER (WHERE upheld), count(upheld),
                   count(*) FILTER (WHERE decision = 'overturned'), count(*) FILTER (WHERE synthetic)
            FROM decisions WHERE {where}"""
    ).fetchone()
    shown = metrics(at)
    assert shown["Letters"] == f"{letters:,}"
    assert shown["Items"] == f"{items:,}"
    assert shown["Uphold rate"] == f"{upheld / decided:.1%}"
    assert shown["Overturned"] == f"{overturned:,}"
    banner = [w.value for w in at.warning if "Synthetic data" in w.value]
    assert bool(banner) == bool(synthetic)

    by_month, mix = at.dataframe[0].value, at.dataframe[1].value
    assert [(m.strftime("%Y-%m"), n, u) for m, n, u in rows(by_month[["month", "n", "upheld"]])] == sql_rows(
        reference,
        f"""SELECT strftime(date_trunc('month', decision_date), '%Y-%m'), count(upheld),
                   count(*) FILTER (WHERE upheld)
            FROM decisions WHERE {where} AND decision_date IS NOT NULL GROUP BY 1 ORDER BY 1""",
    )
    assert sorted(rows(mix[["category", "items"]])) == sql_rows(
        reference, f"SELECT category, count(*) FROM decisions WHERE {where} GROUP BY 1 ORDER BY 1"
    )


@pytest.mark.usefixtures("imr_db")
def test_overview_shows_the_last_refresh(reference) -> None:
    finished = reference.execute("SELECT max(finished_at) FROM etl_runs").fetchone()[0]
    captions = " ".join(c.value for c in open_app().caption)
    assert f"Data last refreshed {finished:%Y-%m-%d %H:%M}" in captions


# Treatment types -------------------------------------------------------------------------------


@pytest.mark.usefixtures("imr_db")
@pytest.mark.parametrize(("filters", "where"), SELECTIONS, ids=SELECTION_IDS)
def test_treatment_figures_equal_sql(reference, filters: dict, where: str) -> None:
    at = open_app("treatments", filters)
    at.number_input(key="treatments_min_n").set_value(1).run()
    categories, subcategories, treatments = (frame.value for frame in at.dataframe)
    assert sorted(rows(categories[["category", "items", "n", "upheld"]])) == sql_rows(
        reference,
        f"""SELECT category, count(*), count(upheld), count(*) FILTER (WHERE upheld) FROM decisions
            WHERE {where} GROUP BY 1 HAVING count(upheld) >= 1 ORDER BY 1""",
    )
    chosen = at.selectbox(key="treatments_category").value
    assert sorted(rows(subcategories[["subcategory", "items", "n"]])) == sql_rows(
        reference,
        f"""SELECT coalesce(subcategory, '(none)'), count(*), count(upheld) FROM decisions
            WHERE {where} AND category = '{chosen}' GROUP BY 1 HAVING count(upheld) >= 1 ORDER BY 1""",
    )
    expected = dict(
        sql_rows(
            reference,
            f"""SELECT coalesce(treatment_key, treatment), count(*) FROM decisions
                WHERE {where} AND category = '{chosen}' GROUP BY 1""",
        )
    )
    shown = rows(treatments[["treatment", "items"]])
    assert shown and all(expected[name] == items for name, items in shown)
    assert max(expected.values()) == shown[0][1]


@pytest.mark.usefixtures("imr_db")
def test_treatments_fold_strengths_and_quantities(reference) -> None:
    at = open_app("treatments", {"include_synthetic": True})
    at.number_input(key="treatments_min_n").set_value(1)
    at.selectbox(key="treatments_category").set_value("Pharmaceuticals").run()
    treatments = at.dataframe[2].value
    assert (treatments["spellings"] > 1).any(), "some drug is written several ways and shown once"
    assert not any(char.isdigit() for name in treatments["treatment"] for char in name.split()[0])


# Reviewer specialties --------------------------------------------------------------------------


@pytest.mark.usefixtures("imr_db")
@pytest.mark.parametrize(("filters", "where"), SELECTIONS, ids=SELECTION_IDS)
def test_specialty_figures_equal_sql(reference, filters: dict, where: str) -> None:
    at = open_app("specialties", filters)
    at.number_input(key="specialties_min_n").set_value(1).run()
    specialties, cells, states = (frame.value for frame in at.dataframe)
    unnested = f"""FROM (SELECT unnest(CASE WHEN len(reviewer_specialties) = 0 THEN ['(not stated)']
                                       ELSE reviewer_specialties END) AS specialty, *
                         FROM decisions WHERE {where})"""
    assert sorted(rows(specialties[["specialty", "items", "n", "upheld"]])) == sql_rows(
        reference,
        f"""SELECT specialty, count(*), count(upheld), count(*) FILTER (WHERE upheld) {unnested}
            GROUP BY 1 ORDER BY 1""",
    )
    assert sorted(rows(cells[["specialty", "category", "n", "upheld"]])) == sql_rows(
        reference,
        f"""SELECT specialty, category, count(upheld), count(*) FILTER (WHERE upheld) {unnested}
            GROUP BY 1, 2 ORDER BY 1, 2""",
    )
    assert sorted(rows(states[["state", "n"]])) == sql_rows(
        reference,
        f"""SELECT state, count(upheld) FROM (
                SELECT unnest(CASE WHEN len(reviewer_states) = 0 THEN ['(not stated)']
                                   ELSE reviewer_states END) AS state, upheld FROM decisions WHERE {where})
            GROUP BY 1 ORDER BY 1""",
    )


@pytest.mark.usefixtures("imr_db")
def test_specialty_filter_keeps_letters_of_that_specialty(reference) -> None:
    specialty = reference.execute(
        "SELECT s FROM decisions, unnest(reviewer_specialties) AS t(s) "
        "GROUP BY s ORDER BY count(*) DESC LIMIT 1"
    ).fetchone()[0]
    at = open_app(filters={"include_synthetic": True, "specialties": [specialty]})
    expected = reference.execute(
        "SELECT count(*) FROM decisions WHERE list_contains(reviewer_specialties, ?)", [specialty]
    ).fetchone()[0]
    assert metrics(at)["Items"] == f"{expected:,}"


# Guidelines ------------------------------------------------------------------------------------


@pytest.mark.usefixtures("imr_db")
@pytest.mark.parametrize(("filters", "where"), SELECTIONS, ids=SELECTION_IDS)
def test_guideline_figures_equal_sql(reference, filters: dict, where: str) -> None:
    at = open_app("guidelines", filters)
    at.number_input(key="guidelines_min_n").set_value(1).run()
    sources, ranked, share, rate, pairs = (frame.value for frame in at.dataframe)
    reviewer_citations = f"""FROM citations c JOIN decisions d USING (doc_id, item_no)
                             WHERE c.side = 'reviewer' AND {where.replace("decision", "d.decision")}"""
    assert rows(sources[["year", "source", "citations"]]) == sql_rows(
        reference,
        f"SELECT d.decision_year, c.source, count(*) {reviewer_citations} AND d.decision_year IS NOT NULL "
        "GROUP BY 1, 2 ORDER BY 1, 2",
    )
    expected = sql_rows(
        reference,
        f"""SELECT c.source, coalesce(c.document, '(unspecified)'), count(*), count(d.upheld)
            {reviewer_citations} GROUP BY 1, 2 HAVING count(d.upheld) >= 1
            ORDER BY 3 DESC, 1, 2 LIMIT {settings.TOP_GUIDELINES}""",
    )
    assert rows(ranked[["source", "document", "citations", "n"]]) == expected

    agreement = dict(
        sql_rows(
            reference,
            f"""SELECT CASE WHEN reviewer_source IS NULL AND claims_source IS NULL THEN 'neither'
                            WHEN claims_source IS NULL THEN 'reviewer only'
                            WHEN reviewer_source IS NULL THEN 'claims administrator only'
                            WHEN reviewer_source = claims_source THEN 'same source'
                            ELSE 'different source' END, count(*)
                FROM decisions WHERE {where} GROUP BY 1""",
        )
    )
    assert dict(rows(share[["agreement", "items"]])) == agreement
    assert dict(rows(rate[["agreement", "items"]])) == agreement
    assert sorted(rows(pairs[["claims_source", "reviewer_source", "n"]])) == sql_rows(
        reference,
        f"""SELECT claims_source, reviewer_source, count(upheld) FROM decisions
            WHERE {where} AND reviewer_source <> claims_source GROUP BY 1, 2 ORDER BY 1, 2""",
    )


@pytest.mark.usefixtures("imr_db")
@pytest.mark.parametrize("level", ["section", "page"])
def test_guideline_sections_and_pages_equal_sql(reference, level: str) -> None:
    at = open_app("guidelines", {"include_synthetic": True})
    at.number_input(key="guidelines_min_n").set_value(1)
    at.radio(key="guidelines_level").set_value(level).run()
    shown = at.dataframe[1].value
    columns = 4 if level == "page" else 3
    page, pages = (", page", ", unnest(c.pages) AS p(page)") if level == "page" else ("", "")
    expected = sql_rows(
        reference,
        f"""SELECT c.source, coalesce(c.document, '(unspecified)'),
                   coalesce(c.section, '(unspecified)'){page},
                   count(*) FROM citations c JOIN decisions d USING (doc_id, item_no){pages}
            WHERE c.side = 'reviewer' GROUP BY ALL HAVING count(d.upheld) >= 1
            ORDER BY {columns + 1} DESC, {", ".join(str(i + 1) for i in range(columns))}
            LIMIT {settings.TOP_GUIDELINES}""",
    )
    keys = ["source", "document", "section", "page"][:columns]
    assert rows(shown[[*keys, "citations"]]) == expected


# Letters ---------------------------------------------------------------------------------------


@pytest.mark.usefixtures("imr_db")
@pytest.mark.parametrize(("filters", "where"), SELECTIONS, ids=SELECTION_IDS)
def test_letters_page_counts_and_pages_equal_sql(reference, filters: dict, where: str) -> None:
    at = open_app("letters", filters)
    total = reference.execute(f"SELECT count(*) FROM decisions WHERE {where}").fetchone()[0]
    assert f"**{total:,}** items match" in " ".join(m.value for m in at.markdown)
    first_page = sql_rows(
        reference,
        f"""SELECT item_id FROM decisions WHERE {where}
            ORDER BY decision_date DESC NULLS LAST, doc_id, item_no LIMIT {settings.PAGE_SIZE}""",
    )
    assert [(item,) for item in at.dataframe[0].value["item_id"]] == first_page


@pytest.mark.usefixtures("imr_db")
def test_letters_are_paged_in_sql(reference) -> None:
    at = open_app("letters", {"include_synthetic": True})
    at.number_input(key="letters_page").set_value(3).run()
    expected = sql_rows(
        reference,
        f"""SELECT item_id FROM decisions ORDER BY decision_date DESC NULLS LAST, doc_id, item_no
            LIMIT {settings.PAGE_SIZE} OFFSET {2 * settings.PAGE_SIZE}""",
    )
    assert [(item,) for item in at.dataframe[0].value["item_id"]] == expected


@pytest.mark.usefixtures("imr_db")
@pytest.mark.parametrize(
    ("search", "filters", "where"),
    [("lumbar", *WITH_SYNTHETIC), ("Lumbar MRI", *WITH_SYNTHETIC), ("norco", *PHARMACEUTICALS)],
)
def test_text_search_finds_the_filtered_items_with_every_word(
    reference, search: str, filters: dict, where: str
) -> None:
    """Items only (their treatment and rationale); whole letters: tests/dashboard/test_search.py."""
    from etl.search_terms import term_hash, terms

    at = open_app("letters", filters)
    at.radio(key="letters_search_scope").set_value("item").run()
    at.text_input(key="letters_search").set_value(search).run()
    hashes = sorted(map(term_hash, terms(search)))
    hits = f"""SELECT doc_key, item_no FROM item_terms WHERE term_hash IN ({", ".join(map(str, hashes))})
               GROUP BY ALL HAVING count(DISTINCT term_hash) = {len(hashes)}"""
    matching = f"""FROM decisions d JOIN ({hits}) h
                   ON h.doc_key = ('0x' || d.doc_id)::UBIGINT AND h.item_no = d.item_no
                   WHERE {where}"""
    total = reference.execute(f"SELECT count(*) {matching}").fetchone()[0]
    assert f"**{total:,}** items match" in " ".join(m.value for m in at.markdown)
    first_page = sql_rows(
        reference,
        f"""SELECT item_id {matching}
            ORDER BY decision_date DESC NULLS LAST, d.doc_id, d.item_no LIMIT {settings.PAGE_SIZE}""",
    )
    shown = at.dataframe[0].value
    assert [(item,) for item in shown["item_id"]] == first_page
    if search == "norco":
        assert total > 0
    words = terms(search)
    for item_id in shown["item_id"]:
        treatment, rationale = reference.execute(
            "SELECT treatment, rationale FROM items WHERE item_id = ?", [item_id]
        ).fetchone()
        assert words <= terms(f"{treatment} {rationale}")


@pytest.mark.usefixtures("imr_db")
def test_a_search_without_searchable_words_finds_nothing() -> None:
    at = open_app("letters", {"include_synthetic": True})
    at.text_input(key="letters_search").set_value("the of").run()
    assert "No items match." in " ".join(m.value for m in at.markdown)


@pytest.mark.usefixtures("imr_db")
def test_letter_view_shows_the_text_with_the_item_highlighted(reference) -> None:
    at = open_app("letters", {"include_synthetic": True})
    chosen = at.dataframe[0].value.iloc[0]
    text = reference.execute("SELECT text FROM letter_texts WHERE doc_id = ?", [chosen["doc_id"]]).fetchone()[
        0
    ]
    shown = at.get("html")[0].proto.body
    assert "<mark>" in shown
    assert shown.count("\n") >= text.count("\n") - 1
    if chosen["synthetic"]:
        assert any("Synthetic letter" in w.value for w in at.warning)


@pytest.mark.usefixtures("imr_db")
def test_letter_view_shows_how_each_item_was_classified(reference) -> None:
    at = open_app("letters", {"include_synthetic": False})
    chosen = at.dataframe[0].value.iloc[0]
    shown = next(frame.value for frame in at.dataframe if "classified_by" in frame.value.columns)
    expected = sql_rows(
        reference,
        "SELECT item_no, classified_by, classified_match FROM items WHERE doc_id = "
        f"'{chosen['doc_id']}' ORDER BY item_no",
    )
    assert rows(shown[["item_no", "classified_by", "matched"]]) == expected
    assert {method for _, method, _ in expected} <= {"rule", "topic", "fuzzy", "none"}
    assert all(matched for _, method, matched in expected if method != "none")


@pytest.mark.usefixtures("imr_db")
def test_exports_hold_every_filtered_row(reference) -> None:
    import io

    import polars as pl

    from dashboard import queries
    from dashboard.connection import Database, file_identity
    from dashboard.filters import Filters

    db = Database(file_identity(Path(os.environ["IMR_DB"])))
    filters = Filters(categories=("Pharmaceuticals",), include_synthetic=True)
    expected = reference.execute(
        "SELECT count(*) FROM decisions WHERE category = 'Pharmaceuticals'"
    ).fetchone()[0]
    parquet = pl.read_parquet(io.BytesIO(queries.export(db.cursor(), filters, None, "parquet")))
    csv = pl.read_csv(io.BytesIO(queries.export(db.cursor(), filters, None, "csv")))
    assert parquet.height == csv.height == expected
    assert set(parquet["category"]) == {"Pharmaceuticals"}
    db.close()


# SQL -------------------------------------------------------------------------------------------


def run_sql(query: str) -> AppTest:
    at = open_app("sql")
    at.text_area(key="sql_text").set_value(query)
    at.get("form_submit_button")[0].click()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def error_text(at: AppTest) -> str:
    """The page's error as the analyst reads it (the Markdown escapes removed)."""
    return re.sub(r"\\(.)", r"\1", at.error[0].value)


@pytest.mark.usefixtures("imr_db")
def test_sql_shows_capped_rows_with_the_true_count(reference) -> None:
    at = run_sql("SELECT * FROM range(2500);")
    assert "2,500 rows" in at.success[0].value
    assert len(at.dataframe[0].value) == settings.SQL_ROW_CAP
    at = run_sql("SELECT category, count(*) AS n FROM decisions GROUP BY ALL ORDER BY n DESC, category")
    expected = sql_rows(
        reference, "SELECT category, count(*) AS n FROM decisions GROUP BY ALL ORDER BY n DESC, category"
    )
    assert rows(at.dataframe[0].value) == expected


@pytest.mark.usefixtures("imr_db")
@pytest.mark.parametrize(
    "statement",
    [
        "DELETE FROM letters",
        "INSERT INTO meta VALUES ('x', 'y')",
        "CREATE TABLE t AS SELECT 1",
        "DROP VIEW decisions",
        "COPY letters TO '/tmp/letters.csv'",
        "ATTACH '/tmp/other.duckdb' AS other",
    ],
)
def test_sql_refuses_writes(reference, statement: str) -> None:
    at = run_sql(statement)
    assert "read-only" in error_text(at)
    assert reference.execute("SELECT count(*) FROM letters").fetchone()[0] > 0


@pytest.mark.usefixtures("imr_db")
def test_sql_refuses_several_statements_and_file_access() -> None:
    assert "One statement at a time" in error_text(run_sql("SELECT 1; SELECT 2"))
    assert "does not run read_csv()" in error_text(run_sql("SELECT * FROM read_csv('/etc/hostname')"))


@pytest.mark.usefixtures("imr_db")
def test_sql_page_has_examples_and_a_schema_browser() -> None:
    at = open_app("sql")
    at.selectbox(key="sql_example").set_value(next(iter(sql_runner.EXAMPLES)))
    at.run()
    assert "FROM decisions" in at.text_area(key="sql_text").value
    schema = " ".join(m.value for m in at.markdown)
    assert "**decisions** (view)" in schema and "**letters** (table)" in schema


# Data quality ----------------------------------------------------------------------------------


@pytest.mark.usefixtures("imr_db")
def test_quality_figures_equal_sql(reference) -> None:
    at = open_app("quality", {"include_synthetic": True})
    shown = metrics(at)
    no_decision, uncited = reference.execute(
        "SELECT count(*) FILTER (WHERE decision IS NULL), count(*) FILTER (WHERE len(reviewer_sources) = 0) "
        "FROM decisions"
    ).fetchone()
    letters, warned = reference.execute(
        "SELECT count(*), count(*) FILTER (WHERE len(warnings) > 0) FROM letters"
    ).fetchone()
    assert shown["Items without a decision"] == f"{no_decision:,}"
    assert shown["Items without a reviewer citation"] == f"{uncited:,}"
    assert shown["Letters"] == f"{letters:,}"
    assert shown["Letters with parser warnings"] == f"{warned:,}"
    reasons = dict(rows(at.dataframe[1].value))
    assert reasons == dict(sql_rows(reference, "SELECT reason, count(*) FROM rejects GROUP BY 1"))
    runs = at.dataframe[-1].value
    assert list(runs["run_id"]) == [2, 1]


# The database itself ---------------------------------------------------------------------------


def test_missing_database_gives_a_helpful_page(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IMR_DB", str(tmp_path / "nothing-here.duckdb"))
    at = open_app()
    assert "does not exist yet" in at.warning[0].value
    assert settings.REFRESH_COMMAND in " ".join(m.value for m in at.markdown)


def test_empty_database_gives_a_helpful_page(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    empty = tmp_path / "empty.duckdb"
    build_database(empty, [])
    monkeypatch.setenv("IMR_DB", str(empty))
    at = open_app()
    assert "holds no letters yet" in at.warning[0].value
    assert settings.REFRESH_COMMAND in " ".join(m.value for m in at.markdown)


def test_a_database_from_an_older_refresh_is_brought_up_to_date_by_the_next_one(
    fixture_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file without the dashboard's tables (an older refresh wrote it, before dwc_index too) is
    not read as it is: the page says to refresh, and a refresh with nothing new to parse builds
    the tables; then the pages open."""
    older = tmp_path / "older.duckdb"
    shutil.copy(fixture_db, older)
    with duckdb.connect(str(older)) as con:
        con.execute("DROP SCHEMA dashboard CASCADE; DELETE FROM meta WHERE key = 'dashboard_tables'")
        con.execute("DROP VIEW dwc_reconciliation; DROP TABLE dwc_index; DROP TABLE dwc_listings")
        letters = con.execute("SELECT count(*) FROM letters").fetchone()[0]
    monkeypatch.setenv("IMR_DB", str(older))
    assert "dashboard tables must be rebuilt" in open_app().warning[0].value

    nothing_new = tmp_path / "no-letters"
    nothing_new.mkdir()
    assert refresh([str(nothing_new)], older, workers=1, out=io.StringIO(), err=io.StringIO()) == 0
    with duckdb.connect(str(older), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM letters").fetchone()[0] == letters
        assert con.execute("SELECT count(*) FROM etl_runs WHERE letters_loaded > 0").fetchone()[0] == 2
    at = open_app("quality")
    assert "No DWC listing loaded" in " ".join(caption.value for caption in at.caption)


@pytest.mark.parametrize(
    ("content", "problem"), [(b"not a database", "cannot be opened"), (None, "not an IMR")]
)
def test_foreign_files_give_a_helpful_page(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content, problem
) -> None:
    path = tmp_path / "other.duckdb"
    if content is None:
        duckdb.connect(str(path)).close()
    else:
        path.write_bytes(content)
    monkeypatch.setenv("IMR_DB", str(path))
    at = open_app()
    assert problem in at.warning[0].value


def test_a_finished_refresh_is_picked_up_without_restart(
    fixture_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    live = tmp_path / "imr.duckdb"
    shutil.copy(fixture_db, live)
    monkeypatch.setenv("IMR_DB", str(live))
    at = open_app(filters={"include_synthetic": True})
    before = metrics(at)["Letters"]

    aside = tmp_path / "imr.duckdb.new"
    build_database(aside, generated_letters(12))
    os.replace(aside, live)  # what etl/publish.py does
    at.run()
    assert not at.exception
    assert metrics(at)["Letters"] == "12" != before


# Filters in the URL ----------------------------------------------------------------------------


@pytest.mark.usefixtures("imr_db")
def test_filters_round_trip_through_the_url(reference) -> None:
    filters = {
        "include_synthetic": True,
        "categories": ["Surgery", "Injections"],
        "date_from": date(2015, 1, 1),
    }
    at = open_app(filters=filters)
    link = dict(at.query_params)
    assert (
        link["category"] == ["Surgery", "Injections"]
        and link["from"] == "2015-01-01"
        and link["synthetic"] == "1"
    )
    shown = metrics(at)

    reopened = open_app(query_params=link)
    assert metrics(reopened) == shown
    assert reopened.multiselect(key="filter_categories").value == ["Surgery", "Injections"]
    expected = reference.execute(
        "SELECT count(*) FROM decisions "
        "WHERE category IN ('Surgery', 'Injections') AND decision_date >= '2015-01-01'"
    ).fetchone()[0]
    assert shown["Items"] == f"{expected:,}"


@pytest.mark.usefixtures("imr_db")
def test_a_stale_link_does_not_break_the_page() -> None:
    at = open_app(query_params={"category": ["No Such Category"], "from": "not-a-date", "synthetic": "1"})
    assert at.multiselect(key="filter_categories").value == []
