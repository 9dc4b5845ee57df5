"""What the SQL page will run: one read-only query that calls no state- or file-touching function.

The query process is read-only and has external access switched off; this check comes first so
that a statement which could still harm it (switching logging on, checkpointing, reading files)
is refused with a clear message instead of being attempted. Table functions are allowed by list:
one that a newer DuckDB adds is refused until someone looks at it.
"""

from __future__ import annotations

import itertools
from functools import lru_cache

import duckdb

READ_ONLY_MESSAGE = (
    "This page is read-only: the database is opened read-only, so statements that change it "
    "(INSERT, UPDATE, DELETE, CREATE, DROP, ATTACH, COPY …) are refused. Refreshes are done "
    "with `python -m etl refresh`."
)
QUERY_TYPES = {duckdb.StatementType.SELECT, duckdb.StatementType.EXPLAIN}

# Table functions that only compute or describe the schema; every other one (read_*, glob,
# enable_logging, checkpoint, query, …) is refused.
ALLOWED_TABLE_FUNCTIONS = frozenset(
    {
        "range",
        "generate_series",
        "unnest",
        "repeat",
        "repeat_row",
        "json_each",
        "json_tree",
        "summary",
        "duckdb_columns",
        "duckdb_constraints",
        "duckdb_databases",
        "duckdb_dependencies",
        "duckdb_functions",
        "duckdb_indexes",
        "duckdb_keywords",
        "duckdb_optimizers",
        "duckdb_schemas",
        "duckdb_sequences",
        "duckdb_settings",
        "duckdb_tables",
        "duckdb_types",
        "duckdb_views",
        "pragma_collations",
        "pragma_database_size",
        "pragma_show",
        "pragma_table_info",
        "pragma_version",
        "icu_calendar_names",
        "pg_timezone_names",
    }
)
# Scalar functions with side effects on the engine (logging, checkpoints) or that run SQL text.
REFUSED_SCALAR_FUNCTIONS = frozenset(
    {
        "write_log",
        "json_execute_serialized_sql",
        "enable_checkpoint_on_shutdown",
        "disable_checkpoint_on_shutdown",
        "enable_profile",
        "disable_profile",
        "enable_profiling",
        "disable_profiling",
    }
)
_NAME_TOKENS = {duckdb.token_type.identifier, duckdb.token_type.keyword}


class RefusedQuery(Exception):
    """A query the SQL page will not run; the message says why, for the analyst."""


def checked_query(text: str) -> str:
    """The one query in `text`, if it may run; otherwise RefusedQuery saying why."""
    query = single_query(text)
    refused = sorted(called_functions(query) & refused_functions())
    if refused:
        names = ", ".join(f"{name}()" for name in refused)
        raise RefusedQuery(
            f"The SQL page does not run {names}: functions that read files, change the engine's "
            "state (logging, profiling, checkpoints) or run SQL text are refused."
        )
    return query


def single_query(text: str) -> str:
    """The one SELECT or EXPLAIN in `text`; refuses anything else."""
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


def called_functions(query: str) -> set[str]:
    """Lower-case names of everything called in `query` (a name followed by "("), quoted or
    schema-qualified names included; string literals and comments are not looked into."""
    tokens = duckdb.tokenize(query)
    ends = [start for start, _ in tokens[1:]] + [len(query)]
    texts = [(query[start:end].strip(), kind) for (start, kind), end in zip(tokens, ends, strict=True)]
    called = set()
    for (text, kind), (following, _) in itertools.pairwise(texts):
        if kind in _NAME_TOKENS and following.startswith("("):
            called.add(text.strip('"').lower())
    return called


@lru_cache(maxsize=1)
def refused_functions() -> frozenset[str]:
    """Every table function of this DuckDB outside the allowed list, plus the refused scalars."""
    with duckdb.connect() as con:
        table_functions = {
            row[0].lower()
            for row in con.execute(
                "SELECT DISTINCT function_name FROM duckdb_functions() WHERE function_type = 'table'"
            ).fetchall()
        }
    return frozenset(table_functions - ALLOWED_TABLE_FUNCTIONS) | REFUSED_SCALAR_FUNCTIONS
