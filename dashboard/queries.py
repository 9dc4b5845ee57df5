"""Every figure the dashboard shows: plain functions `(con, filters, …) -> polars.DataFrame`.

All aggregation happens in DuckDB over the working set (dashboard/working_set.py); polars only
adds the rates and their 95% Wilson intervals from the counts. The filters become SQL in one
place, `where`, always with parameters.

Counting conventions (shown in the pages' captions):
- `items`: disputed items; `n`: decided items (decision upheld or overturned) — the rate's base;
- `upheld`: decided items upheld; `uphold_rate = upheld / n`;
- an item whose reviewer lists several specialties (or states) counts under each;
- an item with several reason codes counts under each (reason shares add up to more than 100%).
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import Literal

import duckdb
import polars as pl

from dashboard import reasons, settings
from dashboard.filters import NO_CITATION, FilterOptions, Filters
from dashboard.working_set import (
    AGE_BANDS,
    CITATIONS_TABLE,
    CUBE_TABLE,
    FILE,
    FLAG_BITS,
    ITEMS_TABLE,
    LETTER_ROWS,
    LETTER_TERMS_TABLE,
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

    def lists(column: str, sets: str, holding: str, values: Params) -> None:
        if con is None:
            conditions.append(f"{column} IN (SELECT set_no FROM {sets} WHERE {holding})")
            params.extend(values)
            return
        numbers = [
            row[0] for row in con.execute(f"SELECT set_no FROM {sets} WHERE {holding}", values).fetchall()
        ]
        conditions.append(f"{column} IN ({placeholders(numbers, 'USMALLINT')})" if numbers else "false")

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
    one_of("subcategory", filters.subcategories)
    one_of("decision", filters.decisions)
    one_of("age_band", filters.age_bands)
    one_of("gender", filters.genders)
    one_of("layout", filters.layouts)
    list_has("specialty_set", SPECIALTY_MEMBERS, "specialty", filters.specialties)
    list_has("state_set", STATE_MEMBERS, "state", filters.states)
    list_has("reason_set", REASON_MEMBERS, "reason", filters.reasons)
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
    """The count of rows with `flag` (working_set.FLAG_BITS) from rows per `flags`."""
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
    """The result with the working set's ENUM columns as plain text."""
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
        if subcategory is not None:
            subcategories[category] += (subcategory,)

    def listed(sets: str) -> tuple[str, ...]:
        rows = con.execute(
            f"SELECT DISTINCT unnest(value_list) AS value FROM {sets} ORDER BY value"
        ).fetchall()
        return tuple(row[0] for row in rows if row[0] is not None)

    return FilterOptions(
        date_min=date_min,
        date_max=date_max,
        categories=tuple(subcategories),
        subcategories=subcategories,
        specialties=listed(SPECIALTY_SETS),
        states=listed(STATE_SETS),
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
    return _frame(con, "SELECT * FROM dash_last_refresh", [])


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
               ORDER BY i.item_row"""


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
    return Search(scope, tuple(words))


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
    # One semi-join per word, each keeping the rows that hold one of its forms: on a million
    # letters several times cheaper than grouping every posting of all the words by row. The
    # hashes are cast to the column's type, so that each scan skips the row groups of other words.
    conditions, params = [], []
    for word in found.words:
        hashes = sorted({term_hash(form) for form in word.forms})
        placeholders = ", ".join(["?::UINTEGER"] * len(hashes))
        conditions.append(f"{row} IN (SELECT {row} FROM {postings} WHERE term_hash IN ({placeholders}))")
        params += hashes
    return " AND ".join(conditions), params


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
    """One page (numbered from 0) of the filtered items, newest decisions first (then by item
    id: the order `item_row` numbers)."""
    condition, params = where(filters, con)
    matching, searched = _matching(found)
    # The page's row numbers first, then only their rows' columns (reading every column of the
    # matching rows before cutting the page costs several times more).
    rows = f"""SELECT * FROM {ITEMS_TABLE} WHERE item_row IN (
                   SELECT item_row FROM {ITEMS_TABLE} WHERE {condition} AND {matching}
                   ORDER BY item_row LIMIT ? OFFSET ?)"""
    return _frame(con, _explorer(rows), [*params, *searched, page_size, page * page_size])


def export(con: duckdb.DuckDBPyConnection, filters: Filters, found: Search | None, file_format: str) -> bytes:
    """All filtered items (the explorer's columns) as CSV or Parquet bytes."""
    condition, params = where(filters, con)
    matching, searched = _matching(found)
    rows = f"SELECT * FROM {ITEMS_TABLE} WHERE {condition} AND {matching}"
    frame = _frame(con, _explorer(rows), [*params, *searched])
    buffer = io.BytesIO()
    if file_format == "parquet":
        frame.write_parquet(buffer)
    else:
        frame.with_columns(pl.col("specialties", "states", "reasons").list.join("; ")).write_csv(buffer)
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
    sql = "SELECT reason, count(*) AS files FROM dash_rejects GROUP BY ALL ORDER BY files DESC"
    return _frame(con, sql, [])


def rejects(con: duckdb.DuckDBPyConnection, limit: int = settings.SQL_ROW_CAP) -> pl.DataFrame:
    sql = """SELECT path, reason, size, run_id, rejected_at FROM dash_rejects
             ORDER BY rejected_at DESC, path LIMIT ?"""
    return _frame(con, sql, [limit])


def refresh_runs(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    return _frame(con, "SELECT * FROM dash_etl_runs ORDER BY run_id DESC", [])
