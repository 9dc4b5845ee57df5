"""Ad-hoc SQL for the SQL page: one read-only statement, capped rows, the true row count, a
timeout. No Streamlit here, so the rules are tested directly."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass

import duckdb
import polars as pl

from dashboard.working_set import ATTACHED_AS

READ_ONLY_MESSAGE = (
    "This page is read-only: the database is opened read-only, so statements that change it "
    "(INSERT, UPDATE, DELETE, CREATE, DROP, ATTACH, COPY …) are refused. Refreshes are done "
    "with `python -m etl refresh`."
)
QUERY_TYPES = {duckdb.StatementType.SELECT, duckdb.StatementType.EXPLAIN}


class RefusedQuery(Exception):
    """A query the SQL page will not run; the message says why, for the analyst."""


@dataclass(frozen=True)
class SqlResult:
    rows: pl.DataFrame  # at most the cap asked for
    total_rows: int  # as if uncapped
    seconds: float


def single_query(text: str) -> str:
    """The one query in `text`; refuses anything else."""
    try:
        statements = duckdb.extract_statements(text)
    except duckdb.Error as error:
        raise RefusedQuery(f"The query does not parse: {error}") from error
    if not statements:
        raise RefusedQuery("Write a query first.")
    if len(statements) > 1:
        raise RefusedQuery(f"One statement at a time, please: found {len(statements)}.")
    statement = statements[0]
    if statement.type not in QUERY_TYPES:
        raise RefusedQuery(f"{READ_ONLY_MESSAGE} (This one is a {statement.type.name} statement.)")
    return statement.query


def run(con: duckdb.DuckDBPyConnection, text: str, cap: int, timeout: float) -> SqlResult:
    """Run the query on `con` (interrupted after `timeout` seconds); rows up to `cap`."""
    query = single_query(text)
    started = time.perf_counter()
    timer = threading.Timer(timeout, con.interrupt)
    timer.start()
    try:
        relation = con.sql(query)  # the relational API wraps the query itself: no text surgery
        rows = relation.limit(cap).pl()
        total = rows.height if rows.height < cap else relation.count("*").fetchone()[0]
    except duckdb.InterruptException as error:
        raise RefusedQuery(f"Stopped: the query ran longer than {timeout:g} s.") from error
    except duckdb.Error as error:
        if "read-only" in str(error).lower():
            raise RefusedQuery(READ_ONLY_MESSAGE) from error
        raise RefusedQuery(f"{type(error).__name__}: {error}") from error
    finally:
        timer.cancel()
    return SqlResult(rows, total, time.perf_counter() - started)


def csv(frame: pl.DataFrame) -> bytes:
    """CSV of any result: nested values (lists, structs, maps) written as JSON text."""
    nested = [name for name, dtype in frame.schema.items() if dtype.is_nested()]
    flat = frame.with_columns(
        pl.col(name).map_elements(lambda value: json.dumps(value, default=str), return_dtype=pl.String)
        for name in nested
    )
    return flat.write_csv().encode()


def schema(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Tables and views of the database with their columns, for the schema browser."""
    return con.execute(
        """SELECT CASE WHEN v.view_name IS NULL THEN 'table' ELSE 'view' END AS kind,
                  c.table_name AS name, c.column_name AS column, c.data_type AS type
           FROM duckdb_columns() c
           LEFT JOIN duckdb_views() v
             ON v.database_name = c.database_name AND v.schema_name = c.schema_name
            AND v.view_name = c.table_name
           WHERE c.database_name = ? AND c.schema_name = 'main' AND NOT c.internal
           ORDER BY kind DESC, name, c.column_index""",
        [ATTACHED_AS],
    ).pl()


EXAMPLES = {
    "Uphold rate by year (real letters)": """SELECT decision_year, count(*) AS items,
       round(avg(upheld::int) * 100, 1) AS uphold_pct
FROM decisions WHERE NOT synthetic AND decision IS NOT NULL
GROUP BY ALL ORDER BY 1""",
    "Uphold rate by category and subcategory": """SELECT category, subcategory, count(*) AS n,
       round(avg(upheld::int) * 100, 1) AS uphold_pct
FROM decisions WHERE decision IS NOT NULL GROUP BY ALL ORDER BY n DESC""",
    "Reviewer specialty × category": """SELECT specialty, category, count(*) AS n,
       round(avg(upheld::int) * 100, 1) AS uphold_pct
FROM decisions, unnest(reviewer_specialties) AS s(specialty)
GROUP BY ALL HAVING n >= 30 ORDER BY n DESC""",
    "Most frequent drugs (strengths folded)": """SELECT treatment_key, count(*) AS n,
       round(avg(upheld::int) * 100, 1) AS uphold_pct
FROM decisions WHERE category = 'Pharmaceuticals' GROUP BY ALL ORDER BY n DESC LIMIT 20""",
    "Files that could not be loaded": "SELECT path, reason FROM rejects ORDER BY path",
    "Last refreshes": """SELECT run_id, started_at, status, files_seen, files_new, letters_loaded, seconds
FROM etl_runs ORDER BY run_id DESC LIMIT 5""",
}
