"""Records → DuckDB tables (bulk, through polars/Arrow) and the `decisions` view.

The schema is the analysts' interface (documented in docs/database.md): one table per kind of
fact, keyed by the letter's `doc_id`, and one stable view, `decisions`, with a row per disputed
item and every column an analyst groups by.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import duckdb
import polars as pl

from etl import rules
from etl.classify import treatment_key
from etl.records import Letter

SCHEMA_VERSION = "1"

TABLES = """
CREATE TABLE IF NOT EXISTS letters (
    doc_id VARCHAR NOT NULL, format VARCHAR, case_number VARCHAR,
    decision_date DATE, date_of_injury DATE, date_assigned DATE, ur_denial_date DATE,
    application_received DATE, priority VARCHAR, patient_age INTEGER, patient_gender VARCHAR,
    synthetic BOOLEAN NOT NULL, item_count INTEGER NOT NULL, warnings VARCHAR[],
    parser_version VARCHAR NOT NULL, loaded_run INTEGER
);
CREATE TABLE IF NOT EXISTS letter_texts (doc_id VARCHAR NOT NULL, text VARCHAR NOT NULL);
CREATE TABLE IF NOT EXISTS items (
    item_id VARCHAR NOT NULL, doc_id VARCHAR NOT NULL, item_no INTEGER NOT NULL, treatment VARCHAR,
    treatment_key VARCHAR,
    original_request VARCHAR, decision VARCHAR, category VARCHAR, subcategory VARCHAR,
    rationale VARCHAR
);
CREATE TABLE IF NOT EXISTS citations (
    doc_id VARCHAR NOT NULL, item_no INTEGER NOT NULL, side VARCHAR NOT NULL, cite_no INTEGER NOT NULL,
    text VARCHAR, source VARCHAR, document VARCHAR, year INTEGER, section VARCHAR, pages VARCHAR[]
);
CREATE TABLE IF NOT EXISTS reviewer_specialties (
    doc_id VARCHAR NOT NULL, position INTEGER NOT NULL, specialty VARCHAR, as_written VARCHAR
);
CREATE TABLE IF NOT EXISTS reviewer_states (
    doc_id VARCHAR NOT NULL, position INTEGER NOT NULL, state VARCHAR
);
CREATE TABLE IF NOT EXISTS files (
    path VARCHAR NOT NULL, root VARCHAR, size BIGINT, mtime_ns BIGINT, sha256 VARCHAR,
    doc_id VARCHAR, status VARCHAR NOT NULL, first_seen_run INTEGER, changed_run INTEGER,
    missing_since TIMESTAMP
);
CREATE TABLE IF NOT EXISTS rejects (
    path VARCHAR NOT NULL, reason VARCHAR NOT NULL, size BIGINT, mtime_ns BIGINT,
    run_id INTEGER, rejected_at TIMESTAMP
);
CREATE TABLE IF NOT EXISTS etl_runs (
    run_id INTEGER NOT NULL, started_at TIMESTAMP, finished_at TIMESTAMP, status VARCHAR,
    parser_version VARCHAR, sources VARCHAR[], full_rebuild BOOLEAN, files_seen BIGINT,
    files_new BIGINT, files_changed BIGINT, files_unchanged BIGINT, files_rejected BIGINT,
    files_missing BIGINT, letters_loaded BIGINT, items_loaded BIGINT, seconds DOUBLE
);
CREATE TABLE IF NOT EXISTS meta (key VARCHAR NOT NULL, value VARCHAR);
"""

DECISIONS_VIEW = """
CREATE OR REPLACE VIEW decisions AS
WITH specialties AS (
    SELECT doc_id, list(specialty ORDER BY position) AS reviewer_specialties
    FROM reviewer_specialties GROUP BY doc_id
), states AS (
    SELECT doc_id, list(state ORDER BY position) AS reviewer_states FROM reviewer_states GROUP BY doc_id
), sides AS (
    SELECT doc_id, item_no, side,
           list(source ORDER BY cite_no) AS sources,
           first(source ORDER BY cite_no) AS source, first(document ORDER BY cite_no) AS document,
           first(section ORDER BY cite_no) AS section, first(pages ORDER BY cite_no) AS pages
    FROM citations GROUP BY doc_id, item_no, side
), files_per_letter AS (
    SELECT doc_id, min(path) FILTER (WHERE missing_since IS NULL) AS present, min(path) AS any_path
    FROM files WHERE doc_id IS NOT NULL GROUP BY doc_id
)
SELECT
    i.item_id, i.doc_id, i.item_no, l.case_number, l.decision_date, year(l.decision_date) AS decision_year,
    l.date_of_injury, l.patient_age,
    CASE WHEN l.patient_age IS NULL THEN 'unknown' WHEN l.patient_age < 25 THEN 'under 25'
         WHEN l.patient_age < 35 THEN '25-34' WHEN l.patient_age < 45 THEN '35-44'
         WHEN l.patient_age < 55 THEN '45-54' WHEN l.patient_age < 65 THEN '55-64' ELSE '65+' END AS age_band,
    l.patient_gender, l.format AS layout, l.priority,
    i.treatment, i.treatment_key, i.original_request, i.category, i.subcategory, i.decision,
    i.decision = 'upheld' AS upheld,
    coalesce(sp.reviewer_specialties, []) AS reviewer_specialties,
    coalesce(st.reviewer_states, []) AS reviewer_states,
    r.source AS reviewer_source, r.document AS reviewer_document, r.section AS reviewer_section,
    coalesce(r.pages, []) AS reviewer_pages, coalesce(r.sources, []) AS reviewer_sources,
    c.source AS claims_source, c.document AS claims_document, c.section AS claims_section,
    coalesce(c.pages, []) AS claims_pages, coalesce(c.sources, []) AS claims_sources,
    l.synthetic, coalesce(f.present, f.any_path) AS source_file
FROM items i
JOIN letters l USING (doc_id)
LEFT JOIN specialties sp USING (doc_id)
LEFT JOIN states st USING (doc_id)
LEFT JOIN sides r ON r.doc_id = i.doc_id AND r.item_no = i.item_no AND r.side = 'reviewer'
LEFT JOIN sides c ON c.doc_id = i.doc_id AND c.item_no = i.item_no AND c.side = 'claims'
LEFT JOIN files_per_letter f ON f.doc_id = i.doc_id
"""

LETTER_TABLES = ("letters", "letter_texts", "items", "citations", "reviewer_specialties", "reviewer_states")


@dataclass(frozen=True)
class LoadedLetter:
    """A parsed letter with what the database keeps beside the record."""

    record: Letter
    text: str
    synthetic: bool
    treatment_keys: tuple[str, ...] = ()  # computed in the worker that parsed the letter


def create_schema(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(TABLES)
    con.execute(DECISIONS_VIEW)
    con.execute("DELETE FROM meta WHERE key = 'schema_version'")
    con.execute("INSERT INTO meta VALUES ('schema_version', ?)", [SCHEMA_VERSION])


def insert_letters(
    con: duckdb.DuckDBPyConnection, letters: Iterable[LoadedLetter], parser_version: str, run_id: int
) -> tuple[int, int]:
    """Bulk-insert letters and everything under them; returns (letters, items) inserted."""
    frames = letter_frames(list(letters), parser_version, run_id)
    for table, frame in frames.items():
        if frame.height:
            con.register("_incoming", frame)
            con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM _incoming")
            con.unregister("_incoming")
    return frames["letters"].height, frames["items"].height


def delete_letters(con: duckdb.DuckDBPyConnection, doc_ids: list[str]) -> None:
    if not doc_ids:
        return
    con.register("_gone", pl.DataFrame({"doc_id": doc_ids}, schema={"doc_id": pl.String}))
    for table in LETTER_TABLES:
        con.execute(f"DELETE FROM {table} WHERE doc_id IN (SELECT doc_id FROM _gone)")
    con.unregister("_gone")


def letter_frames(letters: list[LoadedLetter], parser_version: str, run_id: int) -> dict[str, pl.DataFrame]:
    """Column lists per table, built in one pass; polars hands them to DuckDB as Arrow."""
    canonical = rules.specialties()
    columns: dict[str, dict[str, list]] = {table: {} for table in LETTER_TABLES}

    def add(table: str, **values: object) -> None:
        for key, value in values.items():
            columns[table].setdefault(key, []).append(value)

    for loaded in letters:
        record = loaded.record
        doc_id = record["doc_id"]
        add(
            "letters",
            doc_id=doc_id,
            format=record["format"],
            case_number=record["case_number"],
            decision_date=_date(record["decision_date"]),
            date_of_injury=_date(record["date_of_injury"]),
            date_assigned=_date(record["date_assigned"]),
            ur_denial_date=_date(record["ur_denial_date"]),
            application_received=_date(record["application_received"]),
            priority=record["priority"],
            patient_age=record["patient_age"],
            patient_gender=record["patient_gender"],
            synthetic=loaded.synthetic,
            item_count=len(record["items"]),
            warnings=record["warnings"],
            parser_version=parser_version,
            loaded_run=run_id,
        )
        add("letter_texts", doc_id=doc_id, text=loaded.text)
        for position, written in enumerate(record["reviewer_specialties"], start=1):
            add(
                "reviewer_specialties",
                doc_id=doc_id,
                position=position,
                specialty=canonical.get(written.lower(), written),
                as_written=written,
            )
        for position, state in enumerate(record["reviewer_states"], start=1):
            add("reviewer_states", doc_id=doc_id, position=position, state=state)
        for item_no, item in enumerate(record["items"], start=1):
            add(
                "items",
                item_id=f"{doc_id}-{item_no}",
                doc_id=doc_id,
                item_no=item_no,
                treatment=item["treatment"],
                treatment_key=(
                    loaded.treatment_keys[item_no - 1]
                    if loaded.treatment_keys
                    else treatment_key(item["treatment"])
                ),
                original_request=item["original_request"],
                decision=item["decision"],
                category=item["category"],
                subcategory=item["subcategory"],
                rationale=item["rationale"],
            )
            for side, citations in (
                ("reviewer", item["reviewer_guidelines"]),
                ("claims", item["claims_guidelines"]),
            ):
                for cite_no, citation in enumerate(citations, start=1):
                    add("citations", doc_id=doc_id, item_no=item_no, side=side, cite_no=cite_no, **citation)
    return {
        table: pl.DataFrame(values, schema=_SCHEMAS[table])
        if values
        else pl.DataFrame(schema=_SCHEMAS[table])
        for table, values in columns.items()
    }


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


_SCHEMAS: dict[str, dict[str, pl.DataType]] = {
    "letters": {
        "doc_id": pl.String,
        "format": pl.String,
        "case_number": pl.String,
        "decision_date": pl.Date,
        "date_of_injury": pl.Date,
        "date_assigned": pl.Date,
        "ur_denial_date": pl.Date,
        "application_received": pl.Date,
        "priority": pl.String,
        "patient_age": pl.Int32,
        "patient_gender": pl.String,
        "synthetic": pl.Boolean,
        "item_count": pl.Int32,
        "warnings": pl.List(pl.String),
        "parser_version": pl.String,
        "loaded_run": pl.Int32,
    },
    "letter_texts": {"doc_id": pl.String, "text": pl.String},
    "items": {
        "item_id": pl.String,
        "doc_id": pl.String,
        "item_no": pl.Int32,
        "treatment": pl.String,
        "treatment_key": pl.String,
        "original_request": pl.String,
        "decision": pl.String,
        "category": pl.String,
        "subcategory": pl.String,
        "rationale": pl.String,
    },
    "citations": {
        "doc_id": pl.String,
        "item_no": pl.Int32,
        "side": pl.String,
        "cite_no": pl.Int32,
        "text": pl.String,
        "source": pl.String,
        "document": pl.String,
        "year": pl.Int32,
        "section": pl.String,
        "pages": pl.List(pl.String),
    },
    "reviewer_specialties": {
        "doc_id": pl.String,
        "position": pl.Int32,
        "specialty": pl.String,
        "as_written": pl.String,
    },
    "reviewer_states": {"doc_id": pl.String, "position": pl.Int32, "state": pl.String},
}
