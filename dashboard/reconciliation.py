"""The DWC's listing against the parsed letters, for the Data quality page: how often the two
readings of the same letters agree, and where they do not.

Plain functions `(con, …) -> polars.DataFrame`, no Streamlit. They read the file's
`dwc_reconciliation` view (etl/load.py, docs/database.md) — the whole database, no sidebar filter —
and the page caches them per version of the file, so the view is computed once per refresh.
"""

from __future__ import annotations

from urllib.parse import urlencode

import duckdb
import polars as pl

from dashboard import settings
from etl.dashboard_tables import FILE

VIEW = f"{FILE}.dwc_reconciliation"
LETTERS_PAGE = "letters"  # the Letters page's URL path (app.py); it reads the sidebar filters from the URL
ALL_AGREE = "coalesce(decision_agrees AND category_agrees AND subcategory_agrees, false)"


def listed_rows(con: duckdb.DuckDBPyConnection) -> int:
    """Rows of the DWC's listing in the database (0: no listing loaded)."""
    return con.execute(f"SELECT count(*) FROM {FILE}.dwc_index").fetchone()[0]


def sides(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """One row: cases in the listing, those with a parsed letter, those without one, and real
    letters whose case the listing does not hold."""
    sql = f"""SELECT count(*) FILTER (WHERE found_in <> 'letter only') AS listed_cases,
                     count(*) FILTER (WHERE found_in = 'both') AS both_sides,
                     count(*) FILTER (WHERE found_in = 'listing only') AS listing_only,
                     count(*) FILTER (WHERE found_in = 'letter only') AS letter_only
              FROM (SELECT DISTINCT case_number, found_in FROM {VIEW})"""
    return con.execute(sql).pl()


def agreement(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Per measure: how many agree out of how many compared (n), and the share. Cases are those
    the listing holds; counts and whole letters are compared per case found on both sides, the
    decision, category and subcategory per treatment position both sides have."""
    sql = f"""
        WITH cases AS (
            SELECT case_number, any_value(found_in) AS found_in, any_value(count_agrees) AS count_agrees,
                   bool_and({ALL_AGREE}) AS all_agree
            FROM {VIEW} GROUP BY case_number
        ), positions AS (
            SELECT count(*) FILTER (WHERE decision_agrees) AS decisions,
                   count(*) FILTER (WHERE category_agrees) AS categories,
                   count(*) FILTER (WHERE subcategory_agrees) AS subcategories,
                   count(decision_agrees) AS compared
            FROM {VIEW}
        ), letters AS (
            SELECT count(*) FILTER (WHERE found_in = 'both') AS both_sides,
                   count(*) FILTER (WHERE found_in <> 'letter only') AS listed,
                   count(*) FILTER (WHERE count_agrees) AS counts,
                   count(*) FILTER (WHERE count_agrees AND all_agree) AS whole
            FROM cases
        )
        SELECT measure, agree, n FROM letters, positions, (VALUES
            (1, 'Listed cases with a parsed letter', both_sides, listed),
            (2, 'Item counts agree', counts, both_sides),
            (3, 'Decisions agree', decisions, compared),
            (4, 'Categories agree', categories, compared),
            (5, 'Subcategories agree', subcategories, compared),
            (6, 'Letters agreeing throughout', whole, both_sides)
        ) AS m(place, measure, agree, n)
        ORDER BY place"""
    frame = con.execute(sql).pl().with_columns(pl.col("agree", "n").cast(pl.Int64))
    return frame.with_columns(
        pl.when(pl.col("n") > 0).then(pl.col("agree") / pl.col("n")).otherwise(None).alias("share")
    )


def disagreements(con: duckdb.DuckDBPyConnection, limit: int = settings.SQL_ROW_CAP) -> pl.DataFrame:
    """The treatment positions, of cases found on both sides, where the two readings differ (or
    only one side has the position), by case number; with a link opening the letter."""
    sql = f"""
        SELECT case_number, position,
               concat_ws(', ',
                   CASE WHEN NOT in_letter THEN 'not in the letter' END,
                   CASE WHEN NOT in_listing THEN 'not in the DWC listing' END,
                   CASE WHEN NOT decision_agrees THEN 'decision' END,
                   CASE WHEN NOT category_agrees THEN 'category' END,
                   CASE WHEN NOT subcategory_agrees THEN 'subcategory' END) AS differs,
               dwc_items, parsed_items,
               dwc_decision_text AS dwc_decision, parsed_decision,
               dwc_category, parsed_category, dwc_subcategory, parsed_subcategory, treatment
        FROM {VIEW}
        WHERE found_in = 'both' AND NOT {ALL_AGREE}
        ORDER BY case_number, position
        LIMIT ?"""
    return with_letter_links(con.execute(sql, [limit]).pl())


def disagreement_counts(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """One row: the disagreeing positions and the letters (cases) they belong to."""
    sql = f"""SELECT count(*) AS positions, count(DISTINCT case_number) AS letters
              FROM {VIEW} WHERE found_in = 'both' AND NOT {ALL_AGREE}"""
    return con.execute(sql).pl()


def listing_only(con: duckdb.DuckDBPyConnection, limit: int = settings.SQL_ROW_CAP) -> pl.DataFrame:
    """Cases the DWC lists that no parsed letter holds (not downloaded, rejected, or unparsed case number)."""
    sql = f"""SELECT case_number, any_value(dwc_items) AS dwc_items,
                     min(dwc_decision_date) AS dwc_decision_date
              FROM {VIEW} WHERE found_in = 'listing only'
              GROUP BY case_number ORDER BY case_number LIMIT ?"""
    return con.execute(sql, [limit]).pl()


def letter_only(con: duckdb.DuckDBPyConnection, limit: int = settings.SQL_ROW_CAP) -> pl.DataFrame:
    """Real letters whose case number the listing does not hold."""
    sql = f"""SELECT case_number, any_value(parsed_items) AS parsed_items,
                     any_value(letter_decision_date) AS letter_decision_date
              FROM {VIEW} WHERE found_in = 'letter only'
              GROUP BY case_number ORDER BY case_number LIMIT ?"""
    return with_letter_links(con.execute(sql, [limit]).pl())


def letter_link(case_number: str) -> str:
    """The Letters page filtered to one case number (a relative link; the number URL-encoded)."""
    return f"{LETTERS_PAGE}?{urlencode({'case': case_number})}"


def with_letter_links(frame: pl.DataFrame) -> pl.DataFrame:
    """The frame with each row's letter link beside its case number, where a wide table shows it."""
    links = pl.Series("letter", [letter_link(case) for case in frame["case_number"]], dtype=pl.String)
    return frame.insert_column(1, links)
