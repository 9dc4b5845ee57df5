"""Every figure the dashboard shows: plain functions `(con, filters, …) -> polars.DataFrame`.

All aggregation happens in DuckDB over the tables the refresh built for it
(etl/dashboard_tables.py); polars only adds the rates and their 95% Wilson intervals from the
counts. The filters become SQL in one place, `where`, always with parameters.

Counting conventions (shown in the pages' captions):
- `items`: disputed items; `n`: decided items (decision upheld or overturned) — the rate's base;
- `upheld`: decided items upheld; `uphold_rate = upheld / n`;
- an item whose reviewer lists several specialties (or states) counts under each;
- an item with several reason codes counts under each (reason shares add up to more than 100%).
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, fields, replace
from typing import Literal, NamedTuple

import duckdb
import polars as pl
import pyarrow.parquet as pq

from dashboard import reasons, settings
from dashboard.filters import (
    GUIDELINE_SEPARATOR,
    NO_CITATION,
    NO_SUBCATEGORY,
    REQUEST_KINDS,
    FilterOptions,
    Filters,
)
from etl.dashboard_tables import (
    AGE_BANDS,
    CITATIONS_TABLE,
    CUBE_TABLE,
    FILE,
    FLAG_BITS,
    ITEMS_TABLE,
    LETTER_ROWS,
    LETTER_TERMS_TABLE,
    NOT_STATED,
    REASON_MEMBERS,
    REASON_SETS,
    SOURCE_SETS,
    SPECIALTY_MEMBERS,
    SPECIALTY_SETS,
    STATE_MEMBERS,
    STATE_SETS,
    TERMS_TABLE,
    TREATMENTS_TABLE,
    WORDS_TABLE,
    enum_type,
)
from etl.search_terms import searched_words, term_hash

Params = list[object]


_REQUEST_CONDITIONS = {"modified": "modified IS TRUE", "not modified": "modified IS NOT TRUE"}


def where(filters: Filters, con: duckdb.DuckDBPyConnection | None = None) -> tuple[str, Params]:
    """The filters as a WHERE condition over the filter columns of either working-set table.

    Text choices are cast to the column's ENUM type (an integer comparison per row; a value the
    database does not have matches nothing). List filters keep the numbers of the lists that
    hold a chosen value: given `con`, those numbers are looked up first (a few dozen rows) and
    compared as constants, three times faster per row than the semi-join used without it."""
    conditions: list[str] = []
    params: Params = []

    def placeholders(values: Sequence[object], cast: str | None = None) -> str:
        params.extend(values)
        one = f"TRY_CAST(? AS {cast})" if cast else "?"
        return ", ".join([one] * len(values))

    def one_of(column: str, values: Sequence[str]) -> None:
        if values:
            conditions.append(f"{column} IN ({placeholders(values, enum_type(ITEMS_TABLE, column))})")

    def lists(column: str, sets: str, holding: str, values: Params, number: str = "set_no") -> None:
        if con is None:
            conditions.append(f"{column} IN (SELECT {number} FROM {sets} WHERE {holding})")
            params.extend(values)
            return
        found = con.execute(f"SELECT DISTINCT {number} FROM {sets} WHERE {holding}", values).fetchall()
        numbers = [row[0] for row in found]
        cast = "USMALLINT" if number == "set_no" else "UINTEGER"
        conditions.append(f"{column} IN ({placeholders(numbers, cast)})" if numbers else "false")

    def list_has(column: str, members: str, value: str, values: Sequence[str]) -> None:
        if values:
            lists(column, members, f"{value} IN ({', '.join('?' * len(values))})", list(values))

    if filters.date_from:
        conditions.append("decision_date >= ?")
        params.append(filters.date_from)
    if filters.date_to:
        conditions.append("decision_date <= ?")
        params.append(filters.date_to)
    one_of("category", filters.categories)
    if filters.subcategories:
        named = [value for value in filters.subcategories if value != NO_SUBCATEGORY]
        either = (
            [f"subcategory IN ({placeholders(named, enum_type(ITEMS_TABLE, 'subcategory'))})"]
            if named
            else []
        )
        either += ["subcategory IS NULL"] if NO_SUBCATEGORY in filters.subcategories else []
        conditions.append(f"({' OR '.join(either)})")
    one_of("decision", filters.decisions)
    one_of("age_band", filters.age_bands)
    one_of("gender", filters.genders)
    one_of("layout", filters.layouts)
    one_of("agreement", filters.agreements)
    one_of("claims_source", filters.claims_first_sources)
    one_of("reviewer_source", filters.reviewer_first_sources)
    list_has("specialty_set", SPECIALTY_MEMBERS, "specialty", filters.specialties)
    list_has("state_set", STATE_MEMBERS, "state", filters.states)
    list_has("reason_set", REASON_MEMBERS, "reason", filters.reasons)
    if filters.cases:  # whole letters: every item of a letter with one of the case numbers
        conditions.append(
            f"letter_row IN (SELECT letter_row FROM {ITEMS_TABLE} WHERE case_number IN "
            f"({placeholders(filters.cases)}))"
        )
    if filters.requests:  # by item_row: the citation rows the Guidelines page counts lack `modified`
        held = " OR ".join(_REQUEST_CONDITIONS[kind] for kind in filters.requests if kind in REQUEST_KINDS)
        conditions.append(f"item_row IN (SELECT item_row FROM {ITEMS_TABLE} WHERE {held or 'false'})")
    if filters.reasons_absent:
        values = list(filters.reasons_absent)
        lists("reason_set", REASON_SETS, "NOT list_has_any(value_list, ?::VARCHAR[])", [values])
    if filters.treatments:
        holding = f"treatment_key IN ({', '.join('?' * len(filters.treatments))})"
        lists("treatment_no", TREATMENTS_TABLE, holding, list(filters.treatments), number="treatment_no")
    if filters.guidelines:
        cited = " OR ".join(_guideline_condition(name, params) for name in filters.guidelines)
        conditions.append(f"item_row IN (SELECT item_row FROM {CITATIONS_TABLE} WHERE {cited})")
    if filters.sources:
        cited = [source for source in filters.sources if source != NO_CITATION]
        either, values = [], []
        if cited:
            values.append(cited)
            either.append("list_has_any(value_list, ?::VARCHAR[])")
        if NO_CITATION in filters.sources:
            either.append("len(value_list) = 0")
        lists("source_set", SOURCE_SETS, " OR ".join(either), values)
    if not filters.include_synthetic:
        conditions.append("NOT synthetic")
    return " AND ".join(conditions) or "true", params


def _guideline_condition(name: str, params: Params) -> str:
    """A reviewer citation of the guideline named `name` (source · document [· section [· page]], as
    `by_guideline` names it); its parameters are appended to `params`."""
    parts = name.split(GUIDELINE_SEPARATOR)
    columns = ("source", "document", "section")[: min(len(parts), 3)]
    condition = [f"{column} = TRY_CAST(? AS {enum_type(CITATIONS_TABLE, column)})" for column in columns]
    params.extend(parts[: len(columns)])
    if len(parts) > 3:
        condition.append("list_contains(pages, ?)")
        params.append(GUIDELINE_SEPARATOR.join(parts[3:]))
    return f"({' AND '.join(condition)})"


# The rate of a group: its items, decided items (n) and upheld items. Counting rows per group and
# `verdict` first (one group-by on small integers) and summing the few resulting rows is several
# times faster than filtered counts over every row.
RATED = """coalesce(sum(c), 0)::BIGINT AS items,
           coalesce(sum(c) FILTER (WHERE verdict < 2), 0)::BIGINT AS n,
           coalesce(sum(c) FILTER (WHERE verdict = 1), 0)::BIGINT AS upheld"""


def counted(keys: str, table: str, condition: str) -> str:
    """Rows per (`keys`, verdict) of the filtered `table`: the input of RATED."""
    return f"SELECT {keys}, verdict, count(*) AS c FROM {table} WHERE {condition} GROUP BY ALL"


# The filters the pre-aggregated `dash_cube` can apply (it has no dates finer than a month, no
# reviewer or patient columns); any other filter, including one added later, reads the items.
CUBE_FILTERS = ("categories", "subcategories", "include_synthetic")
CUBE_COLUMNS = frozenset({"month_no", "category", "subcategory", "synthetic", "verdict", "flags"})


def item_counts(
    con: duckdb.DuckDBPyConnection, filters: Filters, keys: Sequence[str], also: str = ""
) -> tuple[str, Params]:
    """Rows per `keys` of the filtered items (column `c`), and its parameters; `also` is a further
    condition. Read from the pre-aggregated `dash_cube` (a few thousand rows) when the filters
    and keys are all columns of it, else counted over the items."""
    condition, params = where(filters, con)
    finer = any(getattr(filters, item.name) for item in fields(Filters) if item.name not in CUBE_FILTERS)
    if set(keys) <= CUBE_COLUMNS and not finer:
        table, count = CUBE_TABLE, "sum(c)"
    else:
        table, count = ITEMS_TABLE, "count(*)"
    sql = f"SELECT {', '.join(keys)}, {count} AS c FROM {table} WHERE {condition}{also} GROUP BY ALL"
    return sql, params


def flagged(flag: str) -> str:
    """The count of rows with `flag` (dashboard_tables.FLAG_BITS) from rows per `flags`."""
    return f"coalesce(sum(c) FILTER (WHERE flags & {FLAG_BITS[flag]} <> 0), 0)::BIGINT"


def with_rates(
    frame: pl.DataFrame, k: str = "upheld", n: str = "n", name: str = "uphold_rate"
) -> pl.DataFrame:
    """Add `name`, `name_low`, `name_high`: k/n and its 95% Wilson score interval (null when n = 0).

    Plain arithmetic per row: the frames are small (one row per group), where a polars
    expression costs more to set up than to run."""
    z, z2 = settings.Z_95, settings.Z_95**2
    share, low, high = [], [], []
    for successes, trials in zip(frame[k].to_list(), frame[n].to_list(), strict=True):
        if not trials:
            share.append(None), low.append(None), high.append(None)
            continue
        rate = successes / trials
        centre = (rate + z2 / (2 * trials)) / (1 + z2 / trials)
        half = z * math.sqrt(rate * (1 - rate) / trials + z2 / (4 * trials**2)) / (1 + z2 / trials)
        # Rounding can put a bound a hair past the rate or past 0 and 1: the interval holds the rate.
        (
            share.append(rate),
            low.append(max(min(centre - half, rate), 0.0)),
            high.append(min(max(centre + half, rate), 1.0)),
        )
    return frame.hstack(
        [
            pl.Series(name, share, dtype=pl.Float64),
            pl.Series(f"{name}_low", low, dtype=pl.Float64),
            pl.Series(f"{name}_high", high, dtype=pl.Float64),
        ]
    )


def _frame(con: duckdb.DuckDBPyConnection, sql: str, params: Params) -> pl.DataFrame:
    """The result with the dashboard tables' ENUM columns as plain text."""
    frame = con.execute(sql, params).pl()
    if any(isinstance(dtype, (pl.Categorical, pl.Enum)) for dtype in frame.dtypes):
        frame = frame.with_columns(pl.col(pl.Categorical, pl.Enum).cast(pl.String))
    return frame


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
        subcategories[category] += (NO_SUBCATEGORY if subcategory is None else subcategory,)

    def listed(sets: str, empty: str | None = None) -> tuple[str, ...]:
        """The values of the lists, and `empty` (what a chart calls an empty list) when one is empty:
        a chart's "(not stated)" group can then be opened as a filter."""
        rows = con.execute(
            f"""SELECT DISTINCT unnest(value_list) AS value FROM {sets} ORDER BY value"""
        ).fetchall()
        values = tuple(row[0] for row in rows if row[0] is not None)
        has_empty = con.execute(f"SELECT bool_or(len(value_list) = 0) FROM {sets}").fetchone()[0]
        return values + ((empty,) if empty and has_empty else ())

    return FilterOptions(
        date_min=date_min,
        date_max=date_max,
        categories=tuple(subcategories),
        subcategories=subcategories,
        specialties=listed(SPECIALTY_SETS, NOT_STATED),
        states=listed(STATE_SETS, NOT_STATED),
        sources=listed(SOURCE_SETS),
        age_bands=tuple(band for band in AGE_BANDS if band in set(age_bands)),
        genders=tuple(genders),
        layouts=tuple(layouts),
        reasons=reasons.ordered(listed(REASON_SETS)),
        has_real_letters=bool(has_real),
    )


# Overview --------------------------------------------------------------------------------------


def headline(con: duckdb.DuckDBPyConnection, filters: Filters) -> pl.DataFrame:
    """One row: letters, items, decided, upheld, overturned, synthetic items, uphold rate."""
    # A letter counts when any of its items passes. Without item-level filters every item of a
    # passing letter passes, so counting first items is exact; with them, the set bits of a
    # bitstring over the dense letter numbers count the distinct letters (twice as fast as DISTINCT),
    # one bitstring per `flags` group in the same scan, or-ed together.
    if filters.selects_items:
        condition, params = where(filters, con)
        counts = f"""SELECT flags, count(*) AS c, bitstring_agg(letter_row) AS letter_bits
                     FROM {ITEMS_TABLE} WHERE {condition} GROUP BY flags"""
        letters = "coalesce(bit_count(bit_or(letter_bits)), 0)::BIGINT"
    else:
        counts, params = item_counts(con, filters, ["flags"])
        letters = flagged("first_item")
    sql = f"""SELECT {letters} AS letters,
                     coalesce(sum(c), 0)::BIGINT AS items,
                     coalesce(sum(c) FILTER (WHERE flags & 3 < 2), 0)::BIGINT AS n,
                     coalesce(sum(c) FILTER (WHERE flags & 3 = 1), 0)::BIGINT AS upheld,
                     coalesce(sum(c) FILTER (WHERE flags & 3 = 0), 0)::BIGINT AS overturned,
                     {flagged("undecided")} AS undecided, {flagged("synthetic")} AS synthetic_items
              FROM ({counts})"""
    return with_rates(_frame(con, sql, params))


def monthly(con: duckdb.DuckDBPyConnection, filters: Filters) -> pl.DataFrame:
    """Uphold rate per calendar month of the decision date."""
    counts, params = item_counts(con, filters, ["month_no", "verdict"], " AND month_no IS NOT NULL")
    sql = f"""SELECT (DATE '1970-01-01' + to_months(month_no))::DATE AS month, {RATED}
              FROM ({counts}) GROUP BY month_no ORDER BY month"""
    return with_rates(_frame(con, sql, params))


def by_category(con: duckdb.DuckDBPyConnection, filters: Filters) -> pl.DataFrame:
    """Per category: items and their share of all items shown, uphold rate."""
    counts, params = item_counts(con, filters, ["category", "verdict"])
    sql = f"""SELECT category, {RATED}, sum(sum(c)) OVER ()::BIGINT AS all_items
              FROM ({counts}) GROUP BY ALL ORDER BY items DESC, category"""
    return with_rates(with_rates(_frame(con, sql, params), k="items", n="all_items", name="share"))


def last_refresh(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """The latest refresh run (empty when the database records none)."""
    sql = f"""SELECT run_id, started_at, finished_at, status, letters_loaded, items_loaded
              FROM {FILE}.etl_runs ORDER BY run_id DESC LIMIT 1"""
    return _frame(con, sql, [])


# Treatment types -------------------------------------------------------------------------------


def _category_is(condition: str) -> str:
    return f"{condition} AND category = TRY_CAST(? AS {enum_type(ITEMS_TABLE, 'category')})"


def by_subcategory(con: duckdb.DuckDBPyConnection, filters: Filters, category: str) -> pl.DataFrame:
    counts, params = item_counts(con, filters, ["subcategory", "verdict"], _category_is(""))
    sql = f"""SELECT coalesce(subcategory::VARCHAR, '(none)') AS subcategory, {RATED}
              FROM ({counts}) GROUP BY ALL ORDER BY items DESC, subcategory"""
    return with_rates(_frame(con, sql, [*params, category]))


def top_treatments(
    con: duckdb.DuckDBPyConnection, filters: Filters, category: str, limit: int = settings.TOP_TREATMENTS
) -> pl.DataFrame:
    """The most frequent treatments of a category, strengths and quantities folded
    (`treatment_key`: "Norco 10/325mg #120" and "Norco 10/325 #60" are one row), with how many
    spellings were folded and the most written one (ties: the first in text order)."""
    condition, params = where(filters, con)
    # Count per numbered spelling first (integer group-by), then fold the spellings.
    sql = f"""WITH spelled AS (
                  SELECT t.treatment_key, t.treatment, {RATED}
                  FROM ({counted("treatment_no", ITEMS_TABLE, _category_is(condition))}) c
                  JOIN {TREATMENTS_TABLE} t USING (treatment_no)
                  GROUP BY ALL)
              SELECT treatment_key AS treatment, sum(items)::BIGINT AS items, sum(n)::BIGINT AS n,
                     sum(upheld)::BIGINT AS upheld, count(treatment)::BIGINT AS spellings,
                     first(treatment ORDER BY items DESC, treatment) FILTER (WHERE treatment IS NOT NULL)
                         AS most_written
              FROM spelled GROUP BY treatment_key
              ORDER BY items DESC, treatment_key LIMIT ?"""
    return with_rates(_frame(con, sql, [*params, category, limit]))


# Reviewer specialties --------------------------------------------------------------------------


def _by_member(
    con: duckdb.DuckDBPyConnection, filters: Filters, column: str, members: str, value: str, *also: str
) -> pl.DataFrame:
    """Items counted under each value of their list (an empty list as "(not stated)"): rows per
    list number first, then joined with the few lists' members."""
    condition, params = where(filters, con)
    keys = ", ".join((column, *also))
    grouped = ", ".join((value, *also))
    order = f"{grouped}" if also else f"items DESC, {value}"
    sql = f"""SELECT {grouped}, {RATED}
              FROM ({counted(keys, ITEMS_TABLE, condition)}) c JOIN {members} m ON m.set_no = c.{column}
              GROUP BY {grouped} ORDER BY {order}"""
    return with_rates(_frame(con, sql, params))


def by_specialty(con: duckdb.DuckDBPyConnection, filters: Filters) -> pl.DataFrame:
    return _by_member(con, filters, "specialty_set", SPECIALTY_MEMBERS, "specialty")


def specialty_by_category(con: duckdb.DuckDBPyConnection, filters: Filters) -> pl.DataFrame:
    return _by_member(con, filters, "specialty_set", SPECIALTY_MEMBERS, "specialty", "category")


def by_state(con: duckdb.DuckDBPyConnection, filters: Filters) -> pl.DataFrame:
    return _by_member(con, filters, "state_set", STATE_MEMBERS, "state")


# Guidelines ------------------------------------------------------------------------------------

GuidelineLevel = Literal["document", "section", "page"]
GUIDELINE_KEYS: dict[str, tuple[str, ...]] = {
    "document": ("source", "document"),
    "section": ("source", "document", "section"),
    "page": ("source", "document", "section", "page"),
}


def citation_sources_by_year(con: duckdb.DuckDBPyConnection, filters: Filters) -> pl.DataFrame:
    """Reviewer citations per decision year and source, with the source's share of the year."""
    condition, params = where(filters, con)
    sql = f"""SELECT decision_year::BIGINT AS year, source, count(*) AS citations,
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
    condition, params = where(filters, con)
    keys = ", ".join(GUIDELINE_KEYS[level])
    if level == "page":
        cited = f"""SELECT {keys}, verdict, count(*) AS c
                    FROM (SELECT source, document, section, unnest(pages) AS page, verdict
                          FROM {CITATIONS_TABLE} WHERE {condition})
                    GROUP BY ALL"""
    else:
        cited = counted(keys, CITATIONS_TABLE, condition)
    sql = f"""SELECT concat_ws(' · ', {keys}) AS guideline, * RENAME (items AS citations)
              FROM (SELECT {keys}, {RATED} FROM ({cited})
                    GROUP BY {keys} HAVING n >= ?
                    ORDER BY items DESC, {keys} LIMIT ?)
              ORDER BY citations DESC, {keys}"""
    return with_rates(_frame(con, sql, [*params, min_n, limit]))


AGREEMENT_ORDER = ("same source", "different source", "reviewer only", "claims administrator only", "neither")


def source_agreement(con: duckdb.DuckDBPyConnection, filters: Filters) -> pl.DataFrame:
    """Did the reviewer's first citation come from the same source as the claims administrator's?"""
    condition, params = where(filters, con)
    sql = f"""SELECT agreement, {RATED}, sum(sum(c)) OVER ()::BIGINT AS all_items
              FROM ({counted("agreement", ITEMS_TABLE, condition)}) GROUP BY ALL"""
    frame = with_rates(with_rates(_frame(con, sql, params), k="items", n="all_items", name="share"))
    order = pl.col("agreement").replace_strict(AGREEMENT_ORDER, range(len(AGREEMENT_ORDER)))
    return frame.sort(order)


def differing_sources(con: duckdb.DuckDBPyConnection, filters: Filters) -> pl.DataFrame:
    """Items where both cited but the first sources differ: which pair, and the uphold rate."""
    condition, params = where(filters, con)
    differ = (
        f"{condition} AND agreement = TRY_CAST('different source' AS {enum_type(ITEMS_TABLE, 'agreement')})"
    )
    sql = f"""SELECT claims_source || ' → ' || reviewer_source AS pair, claims_source, reviewer_source,
                     {RATED}
              FROM ({counted("claims_source, reviewer_source", ITEMS_TABLE, differ)})
              GROUP BY ALL ORDER BY items DESC, claims_source, reviewer_source"""
    return with_rates(_frame(con, sql, params))


# Compare ---------------------------------------------------------------------------------------

# What a rate chart can be split by, side by side: the column counted on, the value shown (from
# the counted row `c` or the join's alias `k`), and the join that turns a list number into its
# members (an item counts under each of its specialties, states or cited sources).
COMPARE_BY = {
    "source": "Guideline source cited by the reviewer",
    "specialty": "Reviewer specialty",
    "category": "Category",
    "year": "Decision year",
    "state": "Reviewer state of licensure",
}
SOURCE_MEMBERS = f"""(SELECT set_no, unnest(CASE WHEN len(value_list) = 0 THEN ['{NO_CITATION}']
                                                ELSE value_list END) AS source FROM {SOURCE_SETS})"""


DIFFERENT_SOURCE = f"agreement = TRY_CAST('different source' AS {enum_type(ITEMS_TABLE, 'agreement')})"


class Split(NamedTuple):
    """One side of a split: the columns counted on, the value(s) shown, the join they need."""

    keys: str
    values: str
    join: str = ""
    condition: str = ""


def _member_split(column: str, members: str, value: str, alias: str) -> Split:
    return Split(
        column,
        f"{alias}.{value}::VARCHAR AS {value}",
        f"JOIN {members} {alias} ON {alias}.set_no = c.{column}",
    )


def _compare_split(compare: str) -> Split:
    if compare == "category":
        return Split("category", "c.category::VARCHAR AS category")
    if compare == "year":
        return Split(
            "decision_year", "c.decision_year::VARCHAR AS year", condition=" AND decision_year IS NOT NULL"
        )
    if compare == "source":
        return _member_split("source_set", SOURCE_MEMBERS, "source", "k")
    members = {"specialty": SPECIALTY_MEMBERS, "state": STATE_MEMBERS}[compare]
    return _member_split(f"{compare}_set", members, compare, "k")


def _group_split(group: str) -> Split:
    """The split of a rate chart's own groups (`group`: a column of the chart's frame, or the
    guideline level)."""
    if group in ("category", "agreement"):
        return Split(group, f"c.{group}::VARCHAR AS {group}")
    if group == "month":
        return Split(
            "month_no",
            "(DATE '1970-01-01' + to_months(c.month_no))::DATE AS month",
            condition=" AND month_no IS NOT NULL",
        )
    if group == "subcategory":
        return Split(
            "category, subcategory",
            "c.category::VARCHAR AS category, "
            f"coalesce(c.subcategory::VARCHAR, '{NO_SUBCATEGORY}') AS subcategory",
        )
    if group == "treatment":
        return Split(
            "category, treatment_no",
            "c.category::VARCHAR AS category, g.treatment_key AS treatment",
            f"JOIN {TREATMENTS_TABLE} g ON g.treatment_no = c.treatment_no",
        )
    if group == "pair":
        return Split(
            "claims_source, reviewer_source",
            "c.claims_source || ' → ' || c.reviewer_source AS pair, "
            "c.claims_source::VARCHAR AS claims_source, c.reviewer_source::VARCHAR AS reviewer_source",
            condition=f" AND {DIFFERENT_SOURCE}",
        )
    if group in GUIDELINE_KEYS:
        keys = ", ".join(GUIDELINE_KEYS[group])
        named = ", ".join(f"c.{key}" for key in GUIDELINE_KEYS[group])
        return Split(keys, f"concat_ws('{GUIDELINE_SEPARATOR}', {named}) AS guideline")
    members = {"specialty": SPECIALTY_MEMBERS, "state": STATE_MEMBERS}[group]
    return _member_split(f"{group}_set", members, group, "g")


def compared_rates(
    con: duckdb.DuckDBPyConnection,
    filters: Filters,
    group: str,
    compare: str,
    category: str | None = None,
) -> pl.DataFrame:
    """The uphold rate of each group of a rate chart (`group`, as `_group_split` names them) split by
    `compare` (COMPARE_BY): one row per (group, compared value) with n and its 95% interval.
    `category` restricts the subcategory and treatment groups to one category. Guideline groups
    count reviewer citations, like `by_guideline`; a year split leaves out items without a date."""
    condition, params = where(filters, con)
    split, by = _group_split(group), _compare_split(compare)
    condition += split.condition + by.condition
    if category is not None:
        condition = _category_is(condition)
        params = [*params, category]
    table = ITEMS_TABLE
    if group in GUIDELINE_KEYS:
        table = CITATIONS_TABLE
        if group == "page":
            table = f"(SELECT *, unnest(pages) AS page FROM {CITATIONS_TABLE})"
    sql = f"""SELECT {split.values}, {by.values}, {RATED}
              FROM ({counted(f"{split.keys}, {by.keys}", table, condition)}) c {split.join} {by.join}
              GROUP BY ALL ORDER BY ALL"""
    return with_rates(_frame(con, sql, params))


# Timeliness and modified requests --------------------------------------------------------------

# Days from each header date to the decision (the `decisions` columns of the same names).
DAY_MEASURES = {"days_from_received": "application received", "days_from_assigned": "date assigned"}
TimelinessGroup = Literal["month", "category", "overall"]
_TIMELINESS_GROUPS = {"month": "decision_month", "category": "category", "overall": "'all letters'"}


def days_to_decision(
    con: duckdb.DuckDBPyConnection, filters: Filters, by: TimelinessGroup = "overall"
) -> pl.DataFrame:
    """Per month of decision, category (most letters first) or over all letters shown, and measure
    (from application received, from date assigned): letters with that date (`n`) and the median,
    quartiles and 10th/90th percentiles of their days to decision. A letter decides all its items on
    one date, so it counts once per group, under each category of its items shown; a letter without
    the date is left out of that measure."""
    condition, params = where(filters, con)
    group = _TIMELINESS_GROUPS[by]
    measured = " UNION ALL ".join(
        f"SELECT {by}, '{label}' AS measure, {column} AS days FROM letters WHERE {column} IS NOT NULL"
        for column, label in DAY_MEASURES.items()
    )
    sql = f"""WITH letters AS (
                  SELECT DISTINCT letter_row, {group}::{"DATE" if by == "month" else "VARCHAR"} AS {by},
                         {", ".join(DAY_MEASURES)}
                  FROM {ITEMS_TABLE} WHERE {condition} AND {group} IS NOT NULL)
              SELECT {by}, measure, count(*)::BIGINT AS n,
                     quantile_cont(days, 0.5) AS median, quantile_cont(days, 0.25) AS q1,
                     quantile_cont(days, 0.75) AS q3, quantile_cont(days, 0.1) AS p10,
                     quantile_cont(days, 0.9) AS p90, min(days) AS fastest, max(days) AS slowest
              FROM ({measured}) GROUP BY ALL ORDER BY {by}, measure"""
    frame = _frame(con, sql, params)
    if by == "category":
        volume = pl.col("n").sum().over("category")
        frame = frame.sort(volume, "category", "measure", descending=[True, False, False])
    return frame


def modified_requests(
    con: duckdb.DuckDBPyConnection, filters: Filters, by: Literal["category"] | None = None
) -> pl.DataFrame:
    """Per group (all items, or each category when `by`) and kind of request — modified
    (utilization review authorized part of it, IMR decided the rest) or not modified —: items and
    their share of the group's items, and the uphold rate of the decided ones, each with its 95%
    interval. Both kinds have a row in every group (0 items when the group has none of a kind)."""
    condition, params = where(filters, con)
    group = "category" if by else "'all items'"
    sql = f"""WITH counts AS (
                  SELECT {group}::VARCHAR AS "group",
                         CASE WHEN modified THEN 'modified' ELSE 'not modified' END AS request, {RATED}
                  FROM ({counted(f"{group}, modified", ITEMS_TABLE, condition)}) GROUP BY ALL)
              SELECT "group", request, coalesce(items, 0)::BIGINT AS items, coalesce(n, 0)::BIGINT AS n,
                     coalesce(upheld, 0)::BIGINT AS upheld,
                     sum(coalesce(items, 0)) OVER (PARTITION BY "group")::BIGINT AS group_items
              FROM (SELECT DISTINCT "group" FROM counts)
              CROSS JOIN (VALUES ('modified'), ('not modified')) AS kinds(request)
              LEFT JOIN counts USING ("group", request)
              ORDER BY group_items DESC, "group", request"""
    frame = _frame(con, sql, params)
    return with_rates(with_rates(frame, k="items", n="group_items", name="share"))


# Letters explorer ------------------------------------------------------------------------------

EXPLORER_COLUMNS = (
    "decision_date, case_number, category, subcategory, treatment, decision, sp.value_list AS specialties, "
    "st.value_list AS states, rs.value_list AS reasons, reviewer_source, claims_source, synthetic, doc_id, "
    "item_no, item_id"
)


def _explorer(rows: str) -> str:
    """The explorer's columns of `rows` (a query of items), their lists looked up by number."""
    return f"""SELECT {EXPLORER_COLUMNS}
               FROM ({rows}) i
               JOIN {SPECIALTY_SETS} sp ON sp.set_no = i.specialty_set
               JOIN {STATE_SETS} st ON st.set_no = i.state_set
               JOIN {REASON_SETS} rs ON rs.set_no = i.reason_set
               ORDER BY i.page_key"""


# Where a search looks: (label shown, postings table, the working-set row its postings name).
SEARCH_SCOPES = {
    "letter": ("whole letter", LETTER_TERMS_TABLE, "letter_row"),
    "item": ("treatment and rationale", TERMS_TABLE, "item_row"),
}


@dataclass(frozen=True)
class SearchWord:
    """A searched word and the indexed words it stands for: itself, or for a prefix every word
    it starts. `completed`: typed as a whole word that no letter holds, so searched as a prefix."""

    typed: str
    forms: tuple[str, ...]
    prefix: bool = False
    completed: bool = False
    postings: int = 0  # how many postings its forms have in the search's scope: the rarest is read first


@dataclass(frozen=True)
class Search:
    """What a search looks for. An item is found when each word (one of its forms) is in its
    letter's text (scope `letter`) or in its own treatment or rationale (scope `item`); a search
    with a `problem` (a prefix too short or too broad) or a word no letter holds finds nothing."""

    scope: Literal["letter", "item"]
    words: tuple[SearchWord, ...]
    problem: str | None = None

    @property
    def forms(self) -> tuple[str, ...]:
        """Every indexed word the search matches (the letter view marks them)."""
        return tuple(dict.fromkeys(form for word in self.words for form in word.forms))


def search(con: duckdb.DuckDBPyConnection, text: str, scope: Literal["letter", "item"] = "letter") -> Search:
    """The search typed as `text`: words cut as the index cuts them (etl.search_terms; stopwords and
    one-character words dropped), `word*` a prefix, a whole word found in no letter completed as a
    prefix; prefixes looked up as a range of the sorted word list (`dash_search_terms`)."""
    words: list[SearchWord] = []
    for searched in searched_words(text):
        typed = searched.text + ("*" if searched.prefix else "")
        if not searched.prefix and _starting(con, searched.text, 1) == [searched.text]:
            words.append(SearchWord(typed, (searched.text,)))
            continue
        if len(searched.text) < settings.SEARCH_PREFIX_MIN:
            if searched.prefix:
                minimum = settings.SEARCH_PREFIX_MIN
                return Search(scope, (), f"“{typed}”: a prefix needs at least {minimum} letters or digits.")
            words.append(SearchWord(typed, ()))  # a short whole word no letter holds: finds nothing
            continue
        forms = _starting(con, searched.text, settings.SEARCH_PREFIX_CAP + 1)
        if len(forms) > settings.SEARCH_PREFIX_CAP:
            cap = settings.SEARCH_PREFIX_CAP
            return Search(scope, (), f"“{typed}” starts more than {cap} different words: type more of it.")
        words.append(SearchWord(typed, tuple(forms), prefix=searched.prefix, completed=not searched.prefix))
    if len(words) > 1:
        words = _with_postings(con, words, scope)
    return Search(scope, tuple(words))


def _with_postings(
    con: duckdb.DuckDBPyConnection, words: list[SearchWord], scope: Literal["letter", "item"]
) -> list[SearchWord]:
    """The words with their posting counts (one range scan of the sorted postings for all of them),
    so that a search of several words narrows from the rarest (`_matching`)."""
    _, postings, _ = SEARCH_SCOPES[scope]
    placeholders, hashes = _form_hashes(form for word in words for form in word.forms)
    if not hashes:
        return words
    sql = f"SELECT term_hash, count(*) FROM {postings} WHERE term_hash IN ({placeholders}) GROUP BY term_hash"
    counts = dict(con.execute(sql, hashes).fetchall())
    return [
        replace(word, postings=sum(counts.get(term_hash(form), 0) for form in word.forms)) for word in words
    ]


def _form_hashes(forms: Iterable[str]) -> tuple[str, list[int]]:
    """The placeholders and parameters of `term_hash IN (…)` for these words: each hash once, cast
    to the postings column's type, so that a scan reads only the row groups of these words."""
    hashes = sorted({term_hash(form) for form in forms})
    return ", ".join(["?::UINTEGER"] * len(hashes)), hashes


def _starting(con: duckdb.DuckDBPyConnection, prefix: str, limit: int) -> list[str]:
    """Up to `limit` indexed words starting with `prefix`, in order: a range of the sorted list
    (words are ASCII letters and digits, so the range ends before the prefix's last character
    plus one)."""
    end = prefix[:-1] + chr(ord(prefix[-1]) + 1)
    sql = f"SELECT term FROM {WORDS_TABLE} WHERE term >= ? AND term < ? ORDER BY term LIMIT ?"
    return [term for (term,) in con.execute(sql, [prefix, end, limit]).fetchall()]


def _matching(found: Search | None) -> tuple[str, Params]:
    """A condition keeping the items found by the search (all items when there is no search)."""
    if found is None:
        return "true", []
    if found.problem or not found.words or not all(word.forms for word in found.words):
        return "false", []
    _, postings, row = SEARCH_SCOPES[found.scope]
    # The rows holding every word, narrowed from the rarest word: its rows, then the rows of the next
    # word among those, and so on; the items are semi-joined once with the rows left.
    rows, params = "", []
    for word in sorted(found.words, key=lambda word: word.postings):
        placeholders, hashes = _form_hashes(word.forms)
        narrowed = f" AND {row} IN ({rows})" if rows else ""
        rows = f"SELECT {row} FROM {postings} WHERE term_hash IN ({placeholders}){narrowed}"
        params = [*hashes, *params]
    return f"{row} IN ({rows})", params


def explorer_count(con: duckdb.DuckDBPyConnection, filters: Filters, found: Search | None) -> int:
    condition, params = where(filters, con)
    matching, searched = _matching(found)
    sql = f"SELECT count(*) FROM {ITEMS_TABLE} WHERE {condition} AND {matching}"
    return con.execute(sql, [*params, *searched]).fetchone()[0]


def explorer_page(
    con: duckdb.DuckDBPyConnection,
    filters: Filters,
    found: Search | None,
    page: int,
    page_size: int = settings.PAGE_SIZE,
) -> pl.DataFrame:
    """One page (numbered from 0) of the filtered items, newest decisions first (then by letter
    and item number: the order of `page_key`)."""
    condition, params = where(filters, con)
    matching, searched = _matching(found)
    # The page's row numbers first, then only their rows' columns (reading every column of the
    # matching rows before cutting the page costs several times more).
    rows = f"""SELECT * FROM {ITEMS_TABLE} WHERE page_key IN (
                   SELECT page_key FROM {ITEMS_TABLE} WHERE {condition} AND {matching}
                   ORDER BY page_key LIMIT ? OFFSET ?)"""
    return _frame(con, _explorer(rows), [*params, *searched, page_size, page * page_size])


# One readable cell per side: "MTUS: Chronic Pain Medical Treatment Guidelines, Opioids, p. 76-78;
# ODG: Pain Chapter" (a citation with no document, section or page keeps its text as written).
_CITATION_CELL = """array_to_string(list_transform(coalesce({cites}, []), c -> c.source || ': ' || coalesce(
    nullif(concat_ws(', ', nullif(concat_ws(' ', c.document, c.year), ''), c.section,
                     CASE WHEN len(c.pages) > 0 THEN 'p. ' || array_to_string(c.pages, ', ') END), ''),
    c.text)), '; ')"""

# The export: every column of `decisions` (docs/database.md), the rationale and every citation of
# both sides, for one page of the filtered items in the Letters page's order. The filter columns
# come from the dashboard tables; the rest from the file, read for the page's letters only. Lists are
# put in order by sorting (cite_no, …) structs: an aggregate with ORDER BY is many times slower.
_EXPORT_PAGE = f"""
WITH page AS MATERIALIZED (
    SELECT * FROM {ITEMS_TABLE} WHERE {{condition}} AND {{matching}} AND page_key > ?
    ORDER BY page_key LIMIT ?
), page_letters AS MATERIALIZED (
    SELECT DISTINCT doc_id FROM page
), cited AS MATERIALIZED (
    SELECT doc_id, item_no, side,
           list_sort(list(struct_pack(cite_no, source, document, year, section, pages, text))) AS cites
    FROM {FILE}.citations WHERE doc_id IN (SELECT doc_id FROM page_letters) GROUP BY ALL
), reasons AS (
    SELECT doc_id, item_no,
           list_transform(list_sort(list(struct_pack(reason_no, code))), r -> r.code) AS reasons
    FROM {FILE}.item_reasons WHERE doc_id IN (SELECT doc_id FROM page_letters) GROUP BY ALL
), paths AS (
    SELECT doc_id, coalesce(min(path) FILTER (WHERE missing_since IS NULL), min(path)) AS source_file
    FROM {FILE}.files WHERE doc_id IN (SELECT doc_id FROM page_letters) GROUP BY doc_id
)
SELECT p.page_key, i.item_id, i.doc_id, i.item_no, l.case_number, l.decision_date, p.decision_year::BIGINT
       AS decision_year, l.date_of_injury, l.patient_age, p.age_band, l.patient_gender, l.format AS layout,
       l.priority, i.treatment, i.treatment_key, i.original_request, p.modified, i.category, i.subcategory,
       i.classified_by, i.classified_match, i.decision, i.decision = 'upheld' AS upheld,
       coalesce(rs.reasons, []) AS reasons, sp.value_list AS reviewer_specialties,
       st.value_list AS reviewer_states,
       r.cites[1].source AS reviewer_source, r.cites[1].document AS reviewer_document,
       r.cites[1].section AS reviewer_section, coalesce(r.cites[1].pages, []) AS reviewer_pages,
       list_sort(list_distinct(list_transform(coalesce(r.cites, []), c -> c.source))) AS reviewer_sources,
       c.cites[1].source AS claims_source, c.cites[1].document AS claims_document,
       c.cites[1].section AS claims_section, coalesce(c.cites[1].pages, []) AS claims_pages,
       list_sort(list_distinct(list_transform(coalesce(c.cites, []), c -> c.source))) AS claims_sources,
       p.days_from_received::BIGINT AS days_from_received, p.days_from_assigned::BIGINT AS days_from_assigned,
       l.synthetic, f.source_file, i.rationale,
       {_CITATION_CELL.format(cites="r.cites")} AS reviewer_citations,
       {_CITATION_CELL.format(cites="c.cites")} AS claims_citations
FROM page p
JOIN {FILE}.items i ON i.doc_id = p.doc_id AND i.item_no = p.item_no
JOIN {FILE}.letters l ON l.doc_id = p.doc_id
JOIN {SPECIALTY_SETS} sp ON sp.set_no = p.specialty_set
JOIN {STATE_SETS} st ON st.set_no = p.state_set
LEFT JOIN cited r ON r.doc_id = p.doc_id AND r.item_no = p.item_no AND r.side = 'reviewer'
LEFT JOIN cited c ON c.doc_id = p.doc_id AND c.item_no = p.item_no AND c.side = 'claims'
LEFT JOIN reasons rs ON rs.doc_id = p.doc_id AND rs.item_no = p.item_no
LEFT JOIN paths f ON f.doc_id = p.doc_id
ORDER BY p.page_key
"""
# The list columns, written as "a; b" cells in CSV (Parquet keeps them lists).
EXPORT_LISTS = (
    "reasons", "reviewer_specialties", "reviewer_states", "reviewer_pages", "reviewer_sources",
    "claims_pages", "claims_sources",
)  # fmt: skip


def export_pages(
    con: duckdb.DuckDBPyConnection,
    filters: Filters,
    hits: Search | None,
    page_rows: int = settings.EXPORT_PAGE_ROWS,
) -> Iterator[pl.DataFrame]:
    """The filtered items with every export column, `page_rows` at a time in the Letters page's
    order: a large export is read and written page by page, never held whole as a frame."""
    condition, params = where(filters, con)
    matching, searched = _matching(hits)
    sql = _EXPORT_PAGE.format(condition=condition, matching=matching)
    after = 0
    while True:
        page = _frame(con, sql, [*params, *searched, after, page_rows])
        if page.is_empty():
            return
        after = page["page_key"][-1]
        yield page.drop("page_key")


def export(con: duckdb.DuckDBPyConnection, filters: Filters, hits: Search | None, file_format: str) -> bytes:
    """All filtered items (`export_pages`) as CSV or Parquet bytes, written a page at a time: the
    bytes are the only whole copy held (Parquet: one row group per page)."""
    buffer = io.BytesIO()
    writer: pq.ParquetWriter | None = None
    for number, page in enumerate(export_pages(con, filters, hits)):
        if file_format == "parquet":
            table = page.to_arrow()
            writer = writer or pq.ParquetWriter(buffer, table.schema)
            writer.write_table(table)
        else:
            cells = page.with_columns(pl.col(EXPORT_LISTS).list.join("; "))
            cells.write_csv(buffer, include_header=number == 0)
    if writer is not None:
        writer.close()
    return buffer.getvalue()


def _letter_rows(con: duckdb.DuckDBPyConnection, doc_id: str) -> tuple:
    """(letter, text, first item, last item, first reason, last reason) row ids of a letter in the
    file, and its source file."""
    row = con.execute(
        f"""SELECT letter_rowid, text_rowid, first_item_rowid, last_item_rowid, first_reason_rowid,
                   last_reason_rowid, source_file
            FROM {LETTER_ROWS} WHERE doc_id = ?""",
        [doc_id],
    ).fetchone()
    return row or (-1, -1, -1, -1, -1, -1, None)


def letter(con: duckdb.DuckDBPyConnection, doc_id: str) -> pl.DataFrame:
    """One letter: header fields, full text, where it came from (read by row id: a point read;
    the key is checked afterwards, as a key condition in the scan would search every row)."""
    letter_rowid, text_rowid, *_, source_file = _letter_rows(con, doc_id)
    sql = f"""SELECT l.doc_id, l.case_number, l.decision_date, l.format AS layout, l.synthetic, l.warnings,
                    t.text, ?::VARCHAR AS source_file, t.doc_id AS text_doc_id
             FROM (SELECT * FROM {FILE}.letters WHERE rowid = ?) l,
                  (SELECT * FROM {FILE}.letter_texts WHERE rowid = ?) t"""
    frame = _frame(con, sql, [source_file, letter_rowid, text_rowid])
    return frame.filter((pl.col("doc_id") == doc_id) & (pl.col("text_doc_id") == doc_id)).drop("text_doc_id")


def letter_items(con: duckdb.DuckDBPyConnection, doc_id: str) -> pl.DataFrame:
    """The letter's items with how each was classified (rule, topic, fuzzy or none, and what
    matched), so an analyst can audit a category and fix the rule file behind it."""
    _, _, first, last, *_ = _letter_rows(con, doc_id)
    sql = f"""SELECT item_no, treatment, decision, category, subcategory,
                    classified_by, classified_match AS matched, doc_id FROM {FILE}.items
             WHERE rowid BETWEEN ? AND ? ORDER BY item_no"""
    return _frame(con, sql, [first, last]).filter(pl.col("doc_id") == doc_id).drop("doc_id")


def letter_reasons(con: duckdb.DuckDBPyConnection, doc_id: str) -> pl.DataFrame:
    """The reason codes of a letter's items, each with its evidence sentence from the rationale
    (read by row id; only for a file that has `item_reasons`)."""
    *_, first, last, _ = _letter_rows(con, doc_id)
    sql = f"""SELECT item_no, reason_no, code AS reason, evidence, doc_id FROM {FILE}.item_reasons
             WHERE rowid BETWEEN ? AND ? ORDER BY item_no, reason_no"""
    frame = _frame(con, sql, [first, last]).filter(pl.col("doc_id") == doc_id).drop("doc_id")
    return reasons.with_labels(frame)


# Why (reason codes) -----------------------------------------------------------------------------

# What the reason shares can be split by: the group's column, and the members table that unnests
# it when it is a numbered list.
REASON_GROUPS: dict[str, tuple[str, str | None]] = {
    "category": ("category", None),
    "decision_year": ("decision_year", None),
    "specialty": ("specialty_set", SPECIALTY_MEMBERS),
}


def reason_shares(con: duckdb.DuckDBPyConnection, filters: Filters, by: str | None = None) -> pl.DataFrame:
    """Per decision (upheld / overturned) and reason code: how many of the items so decided carry
    it (`items`) out of all of them (`decided`), as a share with its 95% interval; per group of
    `by` (REASON_GROUPS) when given. An item with several codes counts under each, one with none
    under "(none found)". Every code found for a decision gets a row in each group, 0 when the
    group has none, so that small groups show as small rather than vanish."""
    condition, params = where(filters, con)
    keys, group, join = ["reason_set"], [], ""
    if by is not None:
        column, members = REASON_GROUPS[by]
        keys.append(column)
        if members:
            join = f"JOIN {members} g ON g.set_no = c.{column}"
            group.append(by)
        else:
            group.append(column)
            condition += f" AND {column} IS NOT NULL"
    grouped = ", ".join(["verdict", *group])
    leading = "".join(f"{column}, " for column in group)
    sql = f"""WITH counts AS (
                  SELECT {grouped}, reason_set, sum(c) AS c
                  FROM ({counted(", ".join(keys), ITEMS_TABLE, f"{condition} AND verdict < 2")}) c {join}
                  GROUP BY ALL),
              bases AS (SELECT {grouped}, sum(c)::BIGINT AS decided FROM counts GROUP BY ALL),
              tagged AS (SELECT {grouped}, m.reason, sum(c)::BIGINT AS items
                         FROM counts JOIN {REASON_MEMBERS} m ON m.set_no = counts.reason_set GROUP BY ALL),
              found AS (SELECT DISTINCT verdict, reason FROM tagged)
              SELECT CASE WHEN verdict = 1 THEN 'upheld' ELSE 'overturned' END AS decision,
                     {leading}reason, coalesce(items, 0)::BIGINT AS items, decided
              FROM bases JOIN found USING (verdict) LEFT JOIN tagged USING ({grouped}, reason)
              ORDER BY verdict DESC, {leading}items DESC, reason"""
    frame = with_rates(_frame(con, sql, params), k="items", n="decided", name="share")
    return reasons.with_labels(frame)


def with_and_without(
    con: duckdb.DuckDBPyConnection, filters: Filters, codes: Sequence[str] = settings.REASONS_COMPARED
) -> pl.DataFrame:
    """For each reason code: the uphold rate of the decided items carrying it and of those not
    carrying it, with their 95% intervals (two rows per code, "with" first)."""
    condition, params = where(filters, con)
    sql = f"""WITH counts AS ({counted("reason_set", ITEMS_TABLE, f"{condition} AND verdict < 2")}),
              sides AS (
                  SELECT t.reason, list_contains(s.value_list, t.reason) AS carried, {RATED}
                  FROM counts JOIN {REASON_SETS} s ON s.set_no = counts.reason_set,
                       unnest(?::VARCHAR[]) AS t(reason)
                  GROUP BY ALL)
              SELECT reason, CASE WHEN carried THEN 'with' ELSE 'without' END AS items_carrying,
                     coalesce(n, 0)::BIGINT AS n, coalesce(upheld, 0)::BIGINT AS upheld
              FROM unnest(?::VARCHAR[]) AS t(reason) CROSS JOIN (VALUES (true), (false)) AS w(carried)
              LEFT JOIN sides USING (reason, carried)
              ORDER BY list_position(?::VARCHAR[], reason), carried DESC"""
    codes = list(codes)
    frame = with_rates(_frame(con, sql, [*params, codes, codes, codes]))
    return reasons.with_labels(frame)


# Data quality ----------------------------------------------------------------------------------


def coverage(con: duckdb.DuckDBPyConnection, filters: Filters) -> pl.DataFrame:
    """How much of the shown data the parser could read fully."""
    counts, params = item_counts(con, filters, ["flags"])
    sql = f"""SELECT coalesce(sum(c), 0)::BIGINT AS items, {flagged("undecided")} AS no_decision,
                     {flagged("unclassified")} AS unclassified, {flagged("uncited")} AS no_reviewer_citation
              FROM ({counts})"""
    return _frame(con, sql, params)


def letter_coverage(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Whole database: letters, those with parser warnings, those with no item found."""
    return _frame(con, "SELECT * FROM dash_letter_coverage", [])


def warnings_by_kind(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Parser warnings grouped by their kind (the text before any colon)."""
    return _frame(con, "SELECT * FROM dash_warnings ORDER BY occurrences DESC, warning", [])


def rejects_by_reason(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    sql = f"SELECT reason, count(*) AS files FROM {FILE}.rejects GROUP BY ALL ORDER BY files DESC"
    return _frame(con, sql, [])


def rejects(con: duckdb.DuckDBPyConnection, limit: int = settings.SQL_ROW_CAP) -> pl.DataFrame:
    sql = f"""SELECT path, reason, size, run_id, rejected_at FROM {FILE}.rejects
             ORDER BY rejected_at DESC, path LIMIT ?"""
    return _frame(con, sql, [limit])


def refresh_runs(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    return _frame(con, f"SELECT * FROM {FILE}.etl_runs ORDER BY run_id DESC", [])
