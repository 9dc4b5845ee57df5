"""Records → DuckDB tables (bulk, through polars/Arrow) and the `decisions` view.

The schema is the analysts' interface (documented in docs/database.md): one table per kind of
fact, keyed by the letter's `doc_id`, and one stable view, `decisions`, with a row per disputed
item and every column an analyst groups by.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable
from pathlib import Path

import duckdb

from etl import rules
from etl.rows import (
    COPY_COLUMN,
    DICTIONARY,
    DOC_KEY_SQL,
    LETTER_TABLES,
    POSTINGS,
    LoadedLetter,
    letter_frames,
)

SCHEMA_VERSION = "2"

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
    rationale VARCHAR, classified_by VARCHAR, classified_match VARCHAR, modified BOOLEAN
);
-- Added after schema 2 was released: a database made before gets them here, empty until the
-- parser-version change re-derives its letters.
ALTER TABLE items ADD COLUMN IF NOT EXISTS classified_by VARCHAR;
ALTER TABLE items ADD COLUMN IF NOT EXISTS classified_match VARCHAR;
ALTER TABLE items ADD COLUMN IF NOT EXISTS modified BOOLEAN;
CREATE TABLE IF NOT EXISTS item_reasons (
    doc_id VARCHAR NOT NULL, item_no INTEGER NOT NULL, reason_no INTEGER NOT NULL, code VARCHAR NOT NULL,
    evidence VARCHAR
);
CREATE TABLE IF NOT EXISTS citations (
    doc_id VARCHAR NOT NULL, item_no INTEGER NOT NULL, side VARCHAR NOT NULL, cite_no INTEGER NOT NULL,
    text VARCHAR, source VARCHAR, document VARCHAR, year INTEGER, section VARCHAR, pages VARCHAR[]
);
CREATE TABLE IF NOT EXISTS item_terms (
    term_hash UINTEGER NOT NULL, doc_key UBIGINT NOT NULL, item_no USMALLINT NOT NULL
);
CREATE TABLE IF NOT EXISTS letter_terms (term_hash UINTEGER NOT NULL, doc_key UBIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS search_terms (term VARCHAR NOT NULL, term_hash UINTEGER NOT NULL);
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
CREATE TABLE IF NOT EXISTS folders (path VARCHAR NOT NULL, root VARCHAR, ctime_ns BIGINT);
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
-- The DWC's own listing (etl/dwc_listing.py), one row per listed treatment, keyed by
-- (case_number, treatment_no); `listing` is the file it was last read from.
CREATE TABLE IF NOT EXISTS dwc_index (
    case_number VARCHAR NOT NULL, treatment_no INTEGER NOT NULL, decision_date DATE NOT NULL,
    injury_date DATE, received_date DATE, specialty VARCHAR, category VARCHAR, subcategory VARCHAR,
    decision VARCHAR, pdf_url VARCHAR, listing VARCHAR NOT NULL, loaded_run INTEGER
);
-- The listing files read, so that an unchanged one is not read again.
CREATE TABLE IF NOT EXISTS dwc_listings (
    path VARCHAR NOT NULL, size BIGINT, mtime_ns BIGINT, status VARCHAR NOT NULL, listed_rows BIGINT,
    read_run INTEGER
);
ALTER TABLE etl_runs ADD COLUMN IF NOT EXISTS dwc_rows_new BIGINT;
ALTER TABLE etl_runs ADD COLUMN IF NOT EXISTS dwc_rows_changed BIGINT;
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
           list_sort(list_distinct(list(source))) AS sources,
           first(source ORDER BY cite_no) AS source, first(document ORDER BY cite_no) AS document,
           first(section ORDER BY cite_no) AS section, first(pages ORDER BY cite_no) AS pages
    FROM citations GROUP BY doc_id, item_no, side
), reasons AS (
    SELECT doc_id, item_no, list(code ORDER BY reason_no) AS reasons
    FROM item_reasons GROUP BY doc_id, item_no
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
    i.treatment, i.treatment_key, i.original_request, i.modified, i.category, i.subcategory,
    i.classified_by, i.classified_match, i.decision,
    i.decision = 'upheld' AS upheld, coalesce(rs.reasons, []) AS reasons,
    coalesce(sp.reviewer_specialties, []) AS reviewer_specialties,
    coalesce(st.reviewer_states, []) AS reviewer_states,
    r.source AS reviewer_source, r.document AS reviewer_document, r.section AS reviewer_section,
    coalesce(r.pages, []) AS reviewer_pages, coalesce(r.sources, []) AS reviewer_sources,
    c.source AS claims_source, c.document AS claims_document, c.section AS claims_section,
    coalesce(c.pages, []) AS claims_pages, coalesce(c.sources, []) AS claims_sources,
    l.decision_date - l.application_received AS days_from_received,
    l.decision_date - l.date_assigned AS days_from_assigned,
    l.synthetic, coalesce(f.present, f.any_path) AS source_file
FROM items i
JOIN letters l USING (doc_id)
LEFT JOIN specialties sp USING (doc_id)
LEFT JOIN states st USING (doc_id)
LEFT JOIN sides r ON r.doc_id = i.doc_id AND r.item_no = i.item_no AND r.side = 'reviewer'
LEFT JOIN sides c ON c.doc_id = i.doc_id AND c.item_no = i.item_no AND c.side = 'claims'
LEFT JOIN reasons rs ON rs.doc_id = i.doc_id AND rs.item_no = i.item_no
LEFT JOIN files_per_letter f ON f.doc_id = i.doc_id
"""


def _normalised(column: str) -> str:
    """Text compared by the reconciliation: case and runs of white space ignored, empty as null."""
    return rf"nullif(lower(trim(regexp_replace({column}, '\s+', ' ', 'g'))), '')"


def reconciliation_view(decision_words: dict[str, str]) -> str:
    """`dwc_reconciliation`: one row per case number and treatment position, the DWC's listing
    (`dwc_index`, treatment_no) beside the parsed items of the same case's letter (item_no), and a
    row for each case found on one side only. The DWC's decision words are read through
    `decision_words` (etl/rules/dwc-decisions.csv); a word it lacks, or an undecided item, disagrees.
    Of several real letters with one case number, the latest decided is compared; generated
    letters never are."""
    words = ", ".join(
        "('{}', '{}')".format(word.replace("'", "''"), decision.replace("'", "''"))
        for word, decision in sorted(decision_words.items())
    )
    both = "d.case_number IS NOT NULL AND i.doc_id IS NOT NULL"
    return f"""
CREATE OR REPLACE VIEW dwc_reconciliation AS
WITH words(word, decision) AS (VALUES {words}),
listed AS (
    SELECT d.*, w.decision AS dwc_reading
    FROM dwc_index d LEFT JOIN words w ON w.word = {_normalised("d.decision")}
), listed_cases AS (
    SELECT case_number, count(*) AS dwc_items FROM dwc_index GROUP BY case_number
), letter AS (
    SELECT case_number, doc_id, decision_date, item_count,
           count(*) OVER (PARTITION BY case_number) AS letters_with_case
    FROM letters WHERE NOT synthetic AND case_number IS NOT NULL
    QUALIFY row_number() OVER (PARTITION BY case_number ORDER BY decision_date DESC NULLS LAST, doc_id) = 1
), cases AS (
    SELECT case_number, c.dwc_items, l.doc_id, l.item_count AS parsed_items, l.letters_with_case,
           l.decision_date AS letter_decision_date
    FROM listed_cases c FULL JOIN letter l USING (case_number)
), positions AS (
    SELECT case_number, treatment_no AS position FROM dwc_index
    UNION
    SELECT l.case_number, i.item_no FROM letter l JOIN items i USING (doc_id)
)
SELECT
    k.case_number, p.position,
    CASE WHEN k.doc_id IS NULL THEN 'listing only' WHEN k.dwc_items IS NULL THEN 'letter only'
         ELSE 'both' END AS found_in,
    d.case_number IS NOT NULL AS in_listing, i.doc_id IS NOT NULL AS in_letter,
    coalesce(k.dwc_items, 0) AS dwc_items, coalesce(k.parsed_items, 0) AS parsed_items,
    CASE WHEN k.doc_id IS NOT NULL AND k.dwc_items IS NOT NULL THEN k.dwc_items = k.parsed_items END
        AS count_agrees,
    d.decision AS dwc_decision_text, d.dwc_reading AS dwc_decision, i.decision AS parsed_decision,
    CASE WHEN {both} THEN coalesce(d.dwc_reading = i.decision, false) END AS decision_agrees,
    d.category AS dwc_category, i.category AS parsed_category,
    CASE WHEN {both} THEN {_normalised("d.category")} IS NOT DISTINCT FROM {_normalised("i.category")}
        END AS category_agrees,
    d.subcategory AS dwc_subcategory, i.subcategory AS parsed_subcategory,
    CASE WHEN {both} THEN {_normalised("d.subcategory")} IS NOT DISTINCT FROM {_normalised("i.subcategory")}
        END AS subcategory_agrees,
    i.treatment, d.specialty AS dwc_specialty, d.decision_date AS dwc_decision_date,
    k.letter_decision_date, k.doc_id, k.letters_with_case, d.listing
FROM cases k
LEFT JOIN positions p USING (case_number)
LEFT JOIN listed d ON d.case_number = k.case_number AND d.treatment_no = p.position
LEFT JOIN items i ON i.doc_id = k.doc_id AND i.item_no = p.position
"""


def create_schema(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(TABLES)
    con.execute(DECISIONS_VIEW)
    con.execute(reconciliation_view(rules.dwc_decisions()))
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
            con.execute(f"INSERT INTO {table} BY NAME {_new_rows(table, 'SELECT * FROM _incoming')}")
            con.unregister("_incoming")
    return frames["letters"].height, frames["items"].height


def delete_orphans(con: duckdb.DuckDBPyConnection) -> None:
    """Remove the rows of letters no longer in `letters` from every table under it."""
    for table in LETTER_TABLES[1:]:
        if table == DICTIONARY:  # its words stay: a word no letter holds any more matches nothing
            continue
        column, key = ("doc_key", DOC_KEY_SQL) if table in POSTINGS else ("doc_id", "doc_id")
        con.execute(f"DELETE FROM {table} WHERE {column} NOT IN (SELECT {key} FROM letters)")


def load_parts(con: duckdb.DuckDBPyConnection, parts: Path) -> tuple[int, int]:
    """Bulk-insert the letters staged as Parquet under `parts` (etl/staging.py) that the database
    does not hold yet — of a letter staged twice, the first chunk's copy — then delete the parts.
    Returns (letters, items) inserted."""
    files = {table: sorted(map(str, (parts / table).glob("*.parquet"))) for table in LETTER_TABLES}
    if not files["letters"]:
        shutil.rmtree(parts, ignore_errors=True)
        return 0, 0
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _chosen AS "
        f"SELECT doc_id, {DOC_KEY_SQL} AS doc_key, min({COPY_COLUMN}) AS {COPY_COLUMN} "
        "FROM read_parquet(?) ANTI JOIN letters USING (doc_id) GROUP BY doc_id",
        [files["letters"]],
    )
    staged = _count(con, "SELECT count(*) FROM read_parquet(?)", [files["letters"]])
    every_staged_letter_is_new = staged == _count(con, "SELECT count(*) FROM _chosen")
    inserted = dict.fromkeys(LETTER_TABLES, 0)
    for table, paths in files.items():
        if not paths:
            continue
        key = "doc_key" if table in POSTINGS else "doc_id"
        rows = f"SELECT * EXCLUDE ({COPY_COLUMN}) FROM read_parquet(?) p"
        if not every_staged_letter_is_new and table != DICTIONARY:
            rows += f" SEMI JOIN _chosen c ON p.{key} = c.{key} AND p.{COPY_COLUMN} = c.{COPY_COLUMN}"
        inserted[table] = _count(con, f"INSERT INTO {table} BY NAME {_new_rows(table, rows)}", [paths])
    con.execute("DROP TABLE _chosen")
    shutil.rmtree(parts, ignore_errors=True)
    return inserted["letters"], inserted["items"]


_DWC_COLUMNS = (
    "case_number", "treatment_no", "decision_date", "injury_date", "received_date", "specialty", "category",
    "subcategory", "decision", "pdf_url",
)  # fmt: skip


def upsert_dwc_rows(
    con: duckdb.DuckDBPyConnection, parquet: Path, listing: str, run_id: int
) -> tuple[int, int]:
    """Merge a listing's rows (staged by etl.dwc_listing.read_listing) into `dwc_index` by its key
    (case_number, treatment_no): a new key is inserted, a row that differs replaces the stored one,
    an unchanged row is left as it is. Of a key listed twice in the file, the later row counts.
    Returns (rows new, rows changed)."""
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _listed AS SELECT * EXCLUDE (row) FROM read_parquet(?) "
        "QUALIFY row_number() OVER (PARTITION BY case_number, treatment_no ORDER BY row DESC) = 1",
        [str(parquet)],
    )
    differs = " OR ".join(f"d.{column} IS DISTINCT FROM l.{column}" for column in _DWC_COLUMNS[2:])
    changed = _count(
        con,
        "DELETE FROM dwc_index d USING _listed l WHERE d.case_number = l.case_number "
        f"AND d.treatment_no = l.treatment_no AND ({differs})",
    )
    inserted = _count(
        con,
        f"INSERT INTO dwc_index BY NAME SELECT l.*, ? AS listing, {int(run_id)} AS loaded_run FROM _listed l "
        "ANTI JOIN dwc_index d USING (case_number, treatment_no)",
        [listing],
    )
    con.execute("DROP TABLE _listed")
    return inserted - changed, changed


def _new_rows(table: str, rows: str) -> str:
    """`rows` to insert into `table`: for the word list, only the words it does not hold yet (each
    chunk of letters brings its own list)."""
    if table != DICTIONARY:
        return rows
    # Words held are found by their hash first: a scan of integers, not of millions of words.
    return f"""WITH incoming AS (SELECT DISTINCT term, term_hash FROM ({rows}) n),
        hashes AS (SELECT DISTINCT term_hash FROM incoming),
        held AS (SELECT term FROM {DICTIONARY} SEMI JOIN hashes USING (term_hash))
        SELECT term, term_hash FROM incoming ANTI JOIN held USING (term)"""


def _count(con: duckdb.DuckDBPyConnection, query: str, params: list[object] | None = None) -> int:
    row = con.execute(query, params).fetchone()
    return int(row[0]) if row else 0
