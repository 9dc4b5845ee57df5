"""Every figure the dashboard shows: plain functions `(con, filters, …) -> polars.DataFrame`.

All aggregation happens in DuckDB over the working set (dashboard/working_set.py); polars only
adds the rates and their 95% Wilson intervals from the counts. The filters become SQL in one
place, `where`, always with parameters.

Counting conventions (shown in the pages' captions):
- `items`: disputed items; `n`: decided items (decision upheld or overturned) — the rate's base;
- `upheld`: decided items upheld; `uphold_rate = upheld / n`;
- an item whose reviewer lists several specialties (or states) counts under each.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Literal

import duckdb
import polars as pl

from dashboard import settings
from dashboard.filters import NO_CITATION, FilterOptions, Filters
from dashboard.working_set import AGE_BANDS, CITATIONS_TABLE, ITEMS_TABLE, SPECIALTIES_TABLE, STATES_TABLE

Params = list[object]

DECIDED = "count(upheld) AS n, count(*) FILTER (WHERE upheld) AS upheld"


def where(filters: Filters) -> tuple[str, Params]:
    """The filters as a WHERE condition over the filter columns of either working-set table."""
    conditions: list[str] = []
    params: Params = []

    def placeholders(values: Sequence[str]) -> str:
        params.extend(values)
        return ", ".join("?" * len(values))

    def one_of(column: str, values: Sequence[str]) -> None:
        if values:
            conditions.append(f"{column} IN ({placeholders(values)})")

    def letter_has(table: str, column: str, values: Sequence[str]) -> None:
        if values:
            conditions.append(
                f"letter_row IN (SELECT letter_row FROM {table} WHERE {column} IN ({placeholders(values)}))"
            )

    if filters.date_from:
        conditions.append("decision_date >= ?")
        params.append(filters.date_from)
    if filters.date_to:
        conditions.append("decision_date <= ?")
        params.append(filters.date_to)
    one_of("category", filters.categories)
    one_of("subcategory", filters.subcategories)
    one_of("decision", filters.decisions)
    one_of("age_band", filters.age_bands)
    one_of("gender", filters.genders)
    one_of("layout", filters.layouts)
    letter_has(SPECIALTIES_TABLE, "specialty", filters.specialties)
    letter_has(STATES_TABLE, "state", filters.states)
    if filters.sources:
        cited = [source for source in filters.sources if source != NO_CITATION]
        either = []
        if cited:
            params.append(cited)
            either.append("list_has_any(reviewer_sources, ?::VARCHAR[])")
        if NO_CITATION in filters.sources:
            either.append("len(reviewer_sources) = 0")
        conditions.append(f"({' OR '.join(either)})")
    if not filters.include_synthetic:
        conditions.append("NOT synthetic")
    return " AND ".join(conditions) or "true", params


def with_rates(
    frame: pl.DataFrame, k: str = "upheld", n: str = "n", name: str = "uphold_rate"
) -> pl.DataFrame:
    """Add `name`, `name_low`, `name_high`: k/n and its 95% Wilson score interval (null when n = 0)."""
    z2 = settings.Z_95**2
    trials = pl.col(n).cast(pl.Float64)
    share = pl.col(k) / trials
    centre = (share + z2 / (2 * trials)) / (1 + z2 / trials)
    half = settings.Z_95 * (share * (1 - share) / trials + z2 / (4 * trials**2)).sqrt() / (1 + z2 / trials)
    valid = pl.col(n) > 0
    return frame.with_columns(
        pl.when(valid).then(share).alias(name),
        pl.when(valid).then(centre - half).alias(f"{name}_low"),
        pl.when(valid).then(centre + half).alias(f"{name}_high"),
    )


def _frame(con: duckdb.DuckDBPyConnection, sql: str, params: Params) -> pl.DataFrame:
    """The result with the working set's ENUM columns as plain text."""
    return con.execute(sql, params).pl().with_columns(pl.col(pl.Categorical, pl.Enum).cast(pl.String))


# Sidebar ---------------------------------------------------------------------------------------


def filter_options(con: duckdb.DuckDBPyConnection) -> FilterOptions:
    """Distinct values of every filter column (whole database)."""
    summary = con.execute(
        f"""SELECT min(decision_date), max(decision_date), bool_or(NOT synthetic),
                   list(DISTINCT gender ORDER BY gender), list(DISTINCT layout ORDER BY layout),
                   list(DISTINCT age_band)
            FROM {ITEMS_TABLE}"""
    ).fetchone()
    date_min, date_max, has_real, genders, layouts, age_bands = summary
    pairs = con.execute(f"SELECT DISTINCT category, subcategory FROM {ITEMS_TABLE} ORDER BY ALL").fetchall()
    subcategories: dict[str, tuple[str, ...]] = {}
    for category, subcategory in pairs:
        subcategories.setdefault(category, ())
        if subcategory is not None:
            subcategories[category] += (subcategory,)

    def listed(column: str) -> tuple[str, ...]:
        rows = con.execute(
            f"SELECT DISTINCT unnest({column}) AS value FROM {ITEMS_TABLE} ORDER BY value"
        ).fetchall()
        return tuple(row[0] for row in rows if row[0] is not None)

    return FilterOptions(
        date_min=date_min,
        date_max=date_max,
        categories=tuple(subcategories),
        subcategories=subcategories,
        specialties=listed("specialties"),
        states=listed("states"),
        sources=listed("reviewer_sources"),
        age_bands=tuple(band for band in AGE_BANDS if band in set(age_bands)),
        genders=tuple(genders),
        layouts=tuple(layouts),
        has_real_letters=bool(has_real),
    )


# Overview --------------------------------------------------------------------------------------


def headline(con: duckdb.DuckDBPyConnection, filters: Filters) -> pl.DataFrame:
    """One row: letters, items, decided, upheld, overturned, synthetic items, uphold rate."""
    condition, params = where(filters)
    # A letter counts when any of its items passes. Without item-level filters every item of a
    # passing letter passes, so counting first items is exact; with them, the set bits of a
    # bitstring over the dense letter numbers count the distinct letters (twice as fast as DISTINCT).
    letters = (
        "coalesce(bit_count(bitstring_agg(letter_row)), 0)"
        if filters.selects_items
        else "count(*) FILTER (WHERE item_no = 1)"
    )
    sql = f"""SELECT {letters} AS letters, count(*) AS items, {DECIDED},
                     count(*) FILTER (WHERE NOT upheld) AS overturned,
                     count(*) FILTER (WHERE decision = 'unknown') AS undecided,
                     count(*) FILTER (WHERE synthetic) AS synthetic_items
              FROM {ITEMS_TABLE} WHERE {condition}"""
    return with_rates(_frame(con, sql, params))


def monthly(con: duckdb.DuckDBPyConnection, filters: Filters) -> pl.DataFrame:
    """Uphold rate per calendar month of the decision date."""
    condition, params = where(filters)
    sql = f"""SELECT decision_month AS month, count(*) AS items, {DECIDED}
              FROM {ITEMS_TABLE} WHERE {condition} AND decision_month IS NOT NULL
              GROUP BY ALL ORDER BY month"""
    return with_rates(_frame(con, sql, params))


def by_category(con: duckdb.DuckDBPyConnection, filters: Filters) -> pl.DataFrame:
    """Per category: items and their share of all items shown, uphold rate."""
    condition, params = where(filters)
    sql = f"""SELECT category, count(*) AS items, sum(count(*)) OVER ()::BIGINT AS all_items, {DECIDED}
              FROM {ITEMS_TABLE} WHERE {condition} GROUP BY ALL ORDER BY items DESC, category"""
    return with_rates(with_rates(_frame(con, sql, params), k="items", n="all_items", name="share"))


def last_refresh(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """The latest refresh run (empty when the database records none)."""
    return _frame(
        con,
        """SELECT run_id, started_at, finished_at, status, letters_loaded, items_loaded
           FROM etl_runs ORDER BY run_id DESC LIMIT 1""",
        [],
    )


# Treatment types -------------------------------------------------------------------------------


def by_subcategory(con: duckdb.DuckDBPyConnection, filters: Filters, category: str) -> pl.DataFrame:
    condition, params = where(filters)
    sql = f"""SELECT coalesce(subcategory::VARCHAR, '(none)') AS subcategory, count(*) AS items, {DECIDED}
              FROM {ITEMS_TABLE} WHERE {condition} AND category = ?
              GROUP BY ALL ORDER BY items DESC, subcategory"""
    return with_rates(_frame(con, sql, [*params, category]))


def top_treatments(
    con: duckdb.DuckDBPyConnection, filters: Filters, category: str, limit: int = settings.TOP_TREATMENTS
) -> pl.DataFrame:
    """The most frequent treatments of a category, strengths and quantities folded
    (`treatment_key`: "Norco 10/325mg #120" and "Norco 10/325 #60" are one row)."""
    condition, params = where(filters)
    # Rank the folded keys first; only the top ones pay for counting their spellings.
    sql = f"""WITH chosen AS (SELECT treatment_key, treatment, upheld FROM {ITEMS_TABLE}
                              WHERE {condition} AND category = ?),
                   top AS (SELECT treatment_key, count(*) AS items FROM chosen
                           GROUP BY treatment_key ORDER BY items DESC, treatment_key LIMIT ?)
              SELECT treatment_key AS treatment, count(*) AS items, {DECIDED},
                     count(DISTINCT treatment) AS spellings, mode(treatment) AS most_written
              FROM chosen SEMI JOIN top USING (treatment_key)
              GROUP BY treatment_key ORDER BY items DESC, treatment"""
    return with_rates(_frame(con, sql, [*params, category, limit]))


# Reviewer specialties --------------------------------------------------------------------------

NOT_STATED = "(not stated)"


def _unnested(column: str, alias: str) -> str:
    return f"unnest(CASE WHEN len({column}) = 0 THEN ['{NOT_STATED}'] ELSE {column} END) AS {alias}"


def by_specialty(con: duckdb.DuckDBPyConnection, filters: Filters) -> pl.DataFrame:
    condition, params = where(filters)
    sql = f"""SELECT specialty, count(*) AS items, {DECIDED}
              FROM (SELECT {_unnested("specialties", "specialty")}, upheld
                    FROM {ITEMS_TABLE} WHERE {condition})
              GROUP BY ALL ORDER BY items DESC, specialty"""
    return with_rates(_frame(con, sql, params))


def specialty_by_category(con: duckdb.DuckDBPyConnection, filters: Filters) -> pl.DataFrame:
    condition, params = where(filters)
    sql = f"""SELECT specialty, category, count(*) AS items, {DECIDED}
              FROM (SELECT {_unnested("specialties", "specialty")}, category, upheld
                    FROM {ITEMS_TABLE} WHERE {condition})
              GROUP BY ALL ORDER BY specialty, category"""
    return with_rates(_frame(con, sql, params))


def by_state(con: duckdb.DuckDBPyConnection, filters: Filters) -> pl.DataFrame:
    condition, params = where(filters)
    sql = f"""SELECT state, count(*) AS items, {DECIDED}
              FROM (SELECT {_unnested("states", "state")}, upheld FROM {ITEMS_TABLE} WHERE {condition})
              GROUP BY ALL ORDER BY items DESC, state"""
    return with_rates(_frame(con, sql, params))


# Guidelines ------------------------------------------------------------------------------------

GuidelineLevel = Literal["document", "section", "page"]
GUIDELINE_KEYS: dict[str, tuple[str, ...]] = {
    "document": ("source", "document"),
    "section": ("source", "document", "section"),
    "page": ("source", "document", "section", "page"),
}


def citation_sources_by_year(con: duckdb.DuckDBPyConnection, filters: Filters) -> pl.DataFrame:
    """Reviewer citations per decision year and source, with the source's share of the year."""
    condition, params = where(filters)
    sql = f"""SELECT decision_year AS year, source, count(*) AS citations,
                     sum(count(*)) OVER (PARTITION BY decision_year)::BIGINT AS year_citations
              FROM {CITATIONS_TABLE} WHERE decision_year IS NOT NULL AND {condition}
              GROUP BY decision_year, source ORDER BY year, source"""
    return with_rates(_frame(con, sql, params), k="citations", n="year_citations", name="share")


def by_guideline(
    con: duckdb.DuckDBPyConnection,
    filters: Filters,
    level: GuidelineLevel,
    min_n: int = 1,
    limit: int = settings.TOP_GUIDELINES,
) -> pl.DataFrame:
    """Uphold rate of the items whose reviewer cited each guideline document, section or page,
    the most cited first. One row per citation: an item citing two pages counts for both."""
    condition, params = where(filters)
    keys = ", ".join(GUIDELINE_KEYS[level])
    page = ", unnest(pages) AS page" if level == "page" else ""
    sql = f"""SELECT concat_ws(' · ', {keys}) AS guideline, *
              FROM (SELECT {keys}, count(*) AS citations, {DECIDED}
                    FROM (SELECT source, document, section{page}, upheld
                          FROM {CITATIONS_TABLE} WHERE {condition})
                    GROUP BY {keys} HAVING count(upheld) >= ?
                    ORDER BY citations DESC, {keys} LIMIT ?)
              ORDER BY citations DESC, {keys}"""
    return with_rates(_frame(con, sql, [*params, min_n, limit]))


AGREEMENT_ORDER = ("same source", "different source", "reviewer only", "claims administrator only", "neither")


def source_agreement(con: duckdb.DuckDBPyConnection, filters: Filters) -> pl.DataFrame:
    """Did the reviewer's first citation come from the same source as the claims administrator's?"""
    condition, params = where(filters)
    sql = f"""SELECT CASE WHEN reviewer_source IS NULL AND claims_source IS NULL THEN 'neither'
                          WHEN claims_source IS NULL THEN 'reviewer only'
                          WHEN reviewer_source IS NULL THEN 'claims administrator only'
                          WHEN reviewer_source = claims_source THEN 'same source'
                          ELSE 'different source' END AS agreement,
                     count(*) AS items, sum(count(*)) OVER ()::BIGINT AS all_items, {DECIDED}
              FROM {ITEMS_TABLE} WHERE {condition} GROUP BY ALL"""
    frame = with_rates(with_rates(_frame(con, sql, params), k="items", n="all_items", name="share"))
    order = pl.col("agreement").replace_strict(AGREEMENT_ORDER, range(len(AGREEMENT_ORDER)))
    return frame.sort(order)


def differing_sources(con: duckdb.DuckDBPyConnection, filters: Filters) -> pl.DataFrame:
    """Items where both cited but the first sources differ: which pair, and the uphold rate."""
    condition, params = where(filters)
    sql = f"""SELECT claims_source || ' → ' || reviewer_source AS pair, claims_source, reviewer_source,
                     count(*) AS items, {DECIDED}
              FROM {ITEMS_TABLE} WHERE {condition} AND reviewer_source <> claims_source
              GROUP BY ALL ORDER BY items DESC, claims_source, reviewer_source"""
    return with_rates(_frame(con, sql, params))


# Letters explorer ------------------------------------------------------------------------------

EXPLORER_COLUMNS = (
    "decision_date, case_number, category, subcategory, treatment, decision, specialties, states, "
    "reviewer_source, claims_source, synthetic, doc_id, item_no, item_id"
)


def search_hits(con: duckdb.DuckDBPyConnection, search: str, has_fts: bool) -> pl.DataFrame:
    """Items whose treatment or rationale contain every word of `search`: BM25 full-text search
    when the database has the index (offline: the fts extension ships as a Python package), else
    a substring match. Computed once per search; the explorer's queries then reuse the hits."""
    if has_fts:
        sql = """SELECT item_id FROM (
                     SELECT item_id, fts_main_items.match_bm25(item_id, ?, conjunctive := 1) AS score
                     FROM items)
                 WHERE score IS NOT NULL"""
        return _frame(con, sql, [search])
    sql = """SELECT item_id FROM items
             WHERE contains(lower(concat_ws(' ', treatment, rationale)), lower(?))"""
    return _frame(con, sql, [search])


def _matching(con: duckdb.DuckDBPyConnection, hits: pl.DataFrame | None) -> str:
    """A condition keeping the search hits (all items when there is no search)."""
    if hits is None:
        return "true"
    con.register("search_hits", hits)
    return "item_id IN (SELECT item_id FROM search_hits)"


def explorer_count(con: duckdb.DuckDBPyConnection, filters: Filters, hits: pl.DataFrame | None) -> int:
    condition, params = where(filters)
    sql = f"SELECT count(*) FROM {ITEMS_TABLE} WHERE {condition} AND {_matching(con, hits)}"
    return con.execute(sql, params).fetchone()[0]


def explorer_page(
    con: duckdb.DuckDBPyConnection,
    filters: Filters,
    hits: pl.DataFrame | None,
    page: int,
    page_size: int = settings.PAGE_SIZE,
) -> pl.DataFrame:
    """One page (numbered from 0) of the filtered items, newest decisions first."""
    condition, params = where(filters)
    sql = f"""SELECT {EXPLORER_COLUMNS} FROM {ITEMS_TABLE} WHERE {condition} AND {_matching(con, hits)}
              ORDER BY decision_date DESC NULLS LAST, item_id LIMIT ? OFFSET ?"""
    return _frame(con, sql, [*params, page_size, page * page_size])


def export(
    con: duckdb.DuckDBPyConnection, filters: Filters, hits: pl.DataFrame | None, file_format: str
) -> bytes:
    """All filtered items (the explorer's columns) as CSV or Parquet bytes."""
    condition, params = where(filters)
    sql = f"""SELECT {EXPLORER_COLUMNS} FROM {ITEMS_TABLE} WHERE {condition} AND {_matching(con, hits)}
              ORDER BY decision_date DESC NULLS LAST, item_id"""
    frame = _frame(con, sql, params)
    buffer = io.BytesIO()
    if file_format == "parquet":
        frame.write_parquet(buffer)
    else:
        frame.with_columns(pl.col("specialties", "states").list.join("; ")).write_csv(buffer)
    return buffer.getvalue()


def letter(con: duckdb.DuckDBPyConnection, doc_id: str) -> pl.DataFrame:
    """One letter: header fields, full text, where it came from."""
    sql = """SELECT l.doc_id, l.case_number, l.decision_date, l.format AS layout, l.synthetic, l.warnings,
                    t.text, (SELECT min(path) FROM files f WHERE f.doc_id = l.doc_id) AS source_file
             FROM letters l JOIN letter_texts t USING (doc_id) WHERE l.doc_id = ?"""
    return _frame(con, sql, [doc_id])


def letter_items(con: duckdb.DuckDBPyConnection, doc_id: str) -> pl.DataFrame:
    sql = """SELECT item_no, treatment, decision, category, subcategory FROM items
             WHERE doc_id = ? ORDER BY item_no"""
    return _frame(con, sql, [doc_id])


# Data quality ----------------------------------------------------------------------------------


def coverage(con: duckdb.DuckDBPyConnection, filters: Filters) -> pl.DataFrame:
    """How much of the shown data the parser could read fully."""
    condition, params = where(filters)
    sql = f"""SELECT count(*) AS items, count(*) FILTER (WHERE decision = 'unknown') AS no_decision,
                     count(*) FILTER (WHERE category = 'Other' AND subcategory IS NULL) AS unclassified,
                     count(*) FILTER (WHERE len(reviewer_sources) = 0) AS no_reviewer_citation
              FROM {ITEMS_TABLE} WHERE {condition}"""
    return _frame(con, sql, params)


def letter_coverage(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Whole database: letters, those with parser warnings, those with no item found."""
    sql = """SELECT count(*) AS letters, count(*) FILTER (WHERE len(warnings) > 0) AS with_warnings,
                    count(*) FILTER (WHERE item_count = 0) AS without_items FROM letters"""
    return _frame(con, sql, [])


def warnings_by_kind(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Parser warnings grouped by their kind (the text before any colon)."""
    sql = """SELECT trim(split_part(warning, ':', 1)) AS warning, count(*) AS occurrences,
                    count(DISTINCT doc_id) AS letters
             FROM (SELECT doc_id, unnest(warnings) AS warning FROM letters)
             GROUP BY ALL ORDER BY occurrences DESC, warning"""
    return _frame(con, sql, [])


def rejects_by_reason(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    return _frame(con, "SELECT reason, count(*) AS files FROM rejects GROUP BY ALL ORDER BY files DESC", [])


def rejects(con: duckdb.DuckDBPyConnection, limit: int = settings.SQL_ROW_CAP) -> pl.DataFrame:
    sql = (
        "SELECT path, reason, size, run_id, rejected_at FROM rejects ORDER BY rejected_at DESC, path LIMIT ?"
    )
    return _frame(con, sql, [limit])


def refresh_runs(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    return _frame(con, "SELECT * FROM etl_runs ORDER BY run_id DESC", [])
