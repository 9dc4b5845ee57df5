"""The dashboard's working set: the `decisions` view flattened into in-memory tables.

The `decisions` view joins six tables on the text key `doc_id` and aggregates the citations
every time it is read: on a million letters one read takes seconds. The dashboard reads the
file once per version of it and keeps flat, narrow tables in memory, so a page's query is one
scan of a few small-integer columns:

- `dash_items`: one row per disputed item with every column a filter or a chart needs, stored
  in the Letters page's order (newest decision first; `item_row` numbers that order);
- `dash_reviewer_citations`: one row per reviewer citation, carrying its item's filter columns;
- `dash_specialty_sets`, `dash_state_sets`, `dash_source_sets`, `dash_reason_sets`: the distinct
  lists of reviewer specialties / states (per letter, in letter order), reviewer citation sources
  and reason codes (per item, sorted, distinct), each numbered; items carry the number instead of
  the list (a few dozen lists cover a million letters). `dash_specialty_members` /
  `dash_state_members` / `dash_reason_members` unnest them, "(not stated)" (for reasons "(none
  found)") standing for an empty list: grouping items by list number and then joining the members
  counts an item under each of its specialties, exactly like unnesting every item's list;
- `dash_treatments`: each distinct (treatment_key, treatment) pair numbered, for the ranking of
  treatments by integer;
- `dash_terms`: the file's `item_terms` search postings as (term hash, item_row), sorted, so
  that a search reads the few row groups of its words instead of a hundred million postings;
  `dash_letter_terms` the same for the whole letters (`letter_terms`, by `letter_row`), and
  `dash_search_terms` the file's word list sorted, so that a prefix is a range of it;
- `dash_cube`: the items counted per month, category, subcategory and flags, for the figures
  whose filters and groups it holds (queries.item_counts);
- `dash_letter_rows`: where each letter's rows (letter, text, items, item reasons) are in the file;
- copies of the small whole-database tables the pages read (`etl_runs`, `rejects`) and the
  per-letter parse coverage, so no page reads the file after the build.

Low-cardinality text columns become ENUMs (grouping and comparing them is integer work), their
values in text order so that sorting is unchanged; filters compare them with parameters cast to
the ENUM type (`enum_type`), queries read them as text. The column meanings are those of
`decisions` (docs/database.md); a test checks the two agree item by item.
"""

from __future__ import annotations

import duckdb

ATTACHED_AS = "imr"  # the database file, attached read-only beside the in-memory working set
FILE = f"{ATTACHED_AS}.main"  # its tables, for connections whose unqualified names are in memory
ITEMS_TABLE = "dash_items"
CITATIONS_TABLE = "dash_reviewer_citations"
SPECIALTY_SETS = "dash_specialty_sets"
SPECIALTY_MEMBERS = "dash_specialty_members"
STATE_SETS = "dash_state_sets"
STATE_MEMBERS = "dash_state_members"
SOURCE_SETS = "dash_source_sets"
REASON_SETS = "dash_reason_sets"
REASON_MEMBERS = "dash_reason_members"
TREATMENTS_TABLE = "dash_treatments"
LETTER_ROWS = "dash_letter_rows"
TERMS_TABLE = "dash_terms"
LETTER_TERMS_TABLE = "dash_letter_terms"
WORDS_TABLE = "dash_search_terms"
CUBE_TABLE = "dash_cube"
NOT_STATED = "(not stated)"
NO_REASON = "(none found)"  # an item whose rationale states none of the reason codes

# The item columns every filter reads; the citations table repeats them so that one WHERE
# clause (dashboard.queries.where) filters either table.
FILTER_COLUMNS = (
    "item_row",
    "letter_row",
    "decision_date",
    "decision_year",
    "category",
    "subcategory",
    "decision",
    "upheld",
    "verdict",
    "age_band",
    "gender",
    "layout",
    "synthetic",
    "specialty_set",
    "state_set",
    "source_set",
    "reason_set",
    "treatment_no",
    "agreement",
    "reviewer_source",
    "claims_source",
)
ENUM_COLUMNS = {
    ITEMS_TABLE: (
        "age_band", "gender", "layout", "category", "subcategory", "decision",
        "reviewer_source", "claims_source", "agreement",
    ),
    CITATIONS_TABLE: ("source", "document", "section"),
}  # fmt: skip

AGE_BANDS = ("under 25", "25-34", "35-44", "45-54", "55-64", "65+", "unknown")

# Same bands as the `decisions` view (etl/load.py).
AGE_BAND_SQL = """CASE WHEN l.patient_age IS NULL THEN 'unknown' WHEN l.patient_age < 25 THEN 'under 25'
     WHEN l.patient_age < 35 THEN '25-34' WHEN l.patient_age < 45 THEN '35-44'
     WHEN l.patient_age < 55 THEN '45-54' WHEN l.patient_age < 65 THEN '55-64' ELSE '65+' END"""

# `upheld` as a small integer (grouping on it is twice as fast as on a nullable boolean):
# 1 upheld, 0 overturned (or any other decision), 2 no decision. `flags` packs it with the yes/no
# columns the headline and coverage figures count, so that they group on one byte.
VERDICT_SQL = "(CASE WHEN i.decision = 'upheld' THEN 1 WHEN i.decision IS NULL THEN 2 ELSE 0 END)::UTINYINT"
FLAG_BITS = {"synthetic": 4, "first_item": 8, "undecided": 16, "unclassified": 32, "uncited": 64}

# Did the reviewer's first citation come from the same source as the claims administrator's?
AGREEMENT_SQL = """CASE WHEN s.reviewer_source IS NULL AND s.claims_source IS NULL THEN 'neither'
     WHEN s.claims_source IS NULL THEN 'reviewer only'
     WHEN s.reviewer_source IS NULL THEN 'claims administrator only'
     WHEN s.reviewer_source = s.claims_source THEN 'same source' ELSE 'different source' END"""


def _numbered(table: str, members: str | None, value: str, lists: str, empty: str = NOT_STATED) -> str:
    """A table numbering the distinct lists of `lists` (a query with a `value_list` column) in
    list order; with `members`, also their unnested values (`empty` for an empty list)."""
    sql = f"""
CREATE TABLE memory.main.{table} AS
SELECT (row_number() OVER (ORDER BY value_list) - 1)::USMALLINT AS set_no, value_list
FROM (SELECT DISTINCT value_list FROM ({lists}));
"""
    if members:
        sql += f"""
CREATE TABLE memory.main.{members} AS
SELECT set_no, unnest(CASE WHEN len(value_list) = 0 THEN ['{empty}'] ELSE value_list END) AS {value}
FROM memory.main.{table};
"""
    return sql


BUILD = f"""
CREATE TEMP TABLE dash_letter_lists AS
WITH specialties AS (
    SELECT doc_id, list(specialty ORDER BY position) AS specialties FROM reviewer_specialties GROUP BY doc_id
), states AS (
    SELECT doc_id, list(state ORDER BY position) AS states FROM reviewer_states GROUP BY doc_id
)
SELECT l.doc_id, coalesce(sp.specialties, []) AS specialties, coalesce(st.states, []) AS states
FROM letters l LEFT JOIN specialties sp USING (doc_id) LEFT JOIN states st USING (doc_id);

CREATE TEMP TABLE dash_cited AS
SELECT doc_id, item_no,
       list(DISTINCT source ORDER BY source) FILTER (WHERE side = 'reviewer') AS reviewer_sources,
       any_value(source) FILTER (WHERE side = 'reviewer' AND cite_no = 1) AS reviewer_source,
       any_value(source) FILTER (WHERE side = 'claims' AND cite_no = 1) AS claims_source
FROM citations GROUP BY doc_id, item_no;

CREATE TEMP TABLE dash_item_reasons AS
SELECT doc_id, item_no, list(DISTINCT code ORDER BY code) AS reasons FROM dash_reason_rows GROUP BY ALL;

{
    _numbered(
        SPECIALTY_SETS,
        SPECIALTY_MEMBERS,
        "specialty",
        "SELECT specialties AS value_list FROM dash_letter_lists",
    )
}
{_numbered(STATE_SETS, STATE_MEMBERS, "state", "SELECT states AS value_list FROM dash_letter_lists")}
{
    _numbered(
        SOURCE_SETS,
        None,
        "source",
        "SELECT coalesce(reviewer_sources, []) AS value_list FROM dash_cited UNION ALL SELECT []::VARCHAR[]",
    )
}

{
    _numbered(
        REASON_SETS,
        REASON_MEMBERS,
        "reason",
        "SELECT reasons AS value_list FROM dash_item_reasons UNION ALL SELECT []::VARCHAR[]",
        empty=NO_REASON,
    )
}

CREATE TEMP TABLE dash_letters AS
SELECT row_number() OVER ()::INTEGER AS letter_row, l.doc_id, l.case_number, l.decision_date,
       l.patient_age, l.patient_gender, l.format, l.synthetic,
       (l.decision_date - l.application_received)::INTEGER AS days_from_received,
       (l.decision_date - l.date_assigned)::INTEGER AS days_from_assigned,
       sp.set_no AS specialty_set, st.set_no AS state_set
FROM letters l
JOIN dash_letter_lists ll USING (doc_id)
JOIN memory.main.{SPECIALTY_SETS} sp ON sp.value_list = ll.specialties
JOIN memory.main.{STATE_SETS} st ON st.value_list = ll.states;

CREATE TABLE memory.main.{TREATMENTS_TABLE} AS
SELECT (row_number() OVER (ORDER BY treatment_key, treatment) - 1)::UINTEGER AS treatment_no,
       treatment_key, treatment
FROM (SELECT DISTINCT coalesce(treatment_key, treatment) AS treatment_key, treatment FROM items);

CREATE TEMP TABLE dash_items_sorted AS
SELECT l.letter_row, ('0x' || i.doc_id)::UBIGINT AS doc_key, i.item_id, i.doc_id, i.item_no,
    l.case_number, l.decision_date,
    year(l.decision_date)::SMALLINT AS decision_year,
    date_trunc('month', l.decision_date)::DATE AS decision_month,
    (datediff('month', DATE '1970-01-01', l.decision_date))::USMALLINT AS month_no,
    {AGE_BAND_SQL} AS age_band,
    coalesce(l.patient_gender, 'unknown') AS gender, l.format AS layout, l.synthetic,
    i.treatment, coalesce(i.treatment_key, i.treatment) AS treatment_key, t.treatment_no,
    i.category, i.subcategory,
    coalesce(i.decision, 'unknown') AS decision, i.decision = 'upheld' AS upheld,
    {VERDICT_SQL} AS verdict,
    ({VERDICT_SQL} | (l.synthetic::UTINYINT << 2) | ((i.item_no = 1)::UTINYINT << 3)
     | ((coalesce(i.decision, 'unknown') = 'unknown')::UTINYINT << 4)
     | ((i.category = 'Other' AND i.subcategory IS NULL)::UTINYINT << 5)
     | ((len(so.value_list) = 0)::UTINYINT << 6))::UTINYINT AS flags,
    l.specialty_set, l.state_set, so.set_no AS source_set, rs.set_no AS reason_set,
    s.reviewer_source, s.claims_source, {AGREEMENT_SQL} AS agreement,
    l.days_from_received, l.days_from_assigned, i.modified
FROM dash_file_items i
JOIN dash_letters l USING (doc_id)
LEFT JOIN dash_cited s USING (doc_id, item_no)
JOIN memory.main.{SOURCE_SETS} so ON so.value_list = coalesce(s.reviewer_sources, [])
LEFT JOIN dash_item_reasons ir USING (doc_id, item_no)
JOIN memory.main.{REASON_SETS} rs ON rs.value_list = coalesce(ir.reasons, [])
JOIN memory.main.{TREATMENTS_TABLE} t
  ON t.treatment_key IS NOT DISTINCT FROM coalesce(i.treatment_key, i.treatment)
 AND t.treatment IS NOT DISTINCT FROM i.treatment
ORDER BY l.decision_date DESC NULLS LAST, i.item_id;

-- Stored in the Letters page's order, `item_row` numbering it.
CREATE TABLE memory.main.{ITEMS_TABLE} AS
SELECT (rowid + 1)::UINTEGER AS item_row, * FROM dash_items_sorted;

DROP TABLE dash_items_sorted;
DROP TABLE dash_item_reasons;
DROP VIEW dash_file_items;
"""


CITATIONS = f"""
CREATE TABLE memory.main.{CITATIONS_TABLE} AS
SELECT {", ".join(f"d.{column}" for column in FILTER_COLUMNS)},
       c.cite_no, c.source, coalesce(c.document, '(unspecified)') AS document,
       coalesce(c.section, '(unspecified)') AS section, c.year, c.pages
FROM citations c
JOIN memory.main.{ITEMS_TABLE} d ON d.doc_id = c.doc_id AND d.item_no = c.item_no
WHERE c.side = 'reviewer'
ORDER BY d.item_row, c.cite_no;

CREATE TABLE memory.main.dash_letter_coverage AS
SELECT count(*) AS letters, count(*) FILTER (WHERE len(warnings) > 0) AS with_warnings,
       count(*) FILTER (WHERE item_count = 0) AS without_items
FROM letters;

CREATE TABLE memory.main.dash_warnings AS
SELECT trim(split_part(warning, ':', 1)) AS warning, count(*) AS occurrences,
       count(DISTINCT doc_id) AS letters
FROM (SELECT doc_id, unnest(warnings) AS warning FROM letters)
GROUP BY ALL ORDER BY occurrences DESC, warning;

-- The items counted per month, category, subcategory and flags: the headline, monthly, category
-- and coverage figures read these few thousand rows when no filter needs finer columns.
CREATE TABLE memory.main.{CUBE_TABLE} AS
SELECT month_no, category, subcategory, synthetic, verdict, flags, count(*) AS c
FROM memory.main.{ITEMS_TABLE} GROUP BY ALL ORDER BY ALL;

-- Where each letter's rows are in the file: the Letters page reads one letter's text and items
-- by row id (a point read) instead of searching a million text keys.
CREATE TABLE memory.main.{LETTER_ROWS} AS
WITH texts AS (SELECT doc_id, min(rowid) AS text_rowid FROM letter_texts GROUP BY doc_id),
     item_rows AS (SELECT doc_id, min(rowid) AS first_item_rowid, max(rowid) AS last_item_rowid
                   FROM items GROUP BY doc_id),
     reason_rows AS (SELECT doc_id, min(reason_rowid) AS first_reason_rowid,
                            max(reason_rowid) AS last_reason_rowid
                     FROM dash_reason_rows GROUP BY doc_id),
     sources AS (SELECT doc_id, min(path) AS source_file FROM files GROUP BY doc_id)
SELECT l.doc_id, l.rowid AS letter_rowid, t.text_rowid, r.first_item_rowid, r.last_item_rowid,
       rr.first_reason_rowid, rr.last_reason_rowid, s.source_file
FROM letters l LEFT JOIN texts t USING (doc_id) LEFT JOIN item_rows r USING (doc_id)
LEFT JOIN reason_rows rr USING (doc_id) LEFT JOIN sources s USING (doc_id);
CREATE INDEX dash_letter_rows_doc_id ON memory.main.{LETTER_ROWS} (doc_id);

CREATE TABLE memory.main.dash_etl_runs AS SELECT * FROM etl_runs;
CREATE TABLE memory.main.dash_last_refresh AS
SELECT run_id, started_at, finished_at, status, letters_loaded, items_loaded
FROM etl_runs ORDER BY run_id DESC LIMIT 1;
CREATE TABLE memory.main.dash_rejects AS SELECT * FROM rejects;

DROP TABLE dash_letters;
DROP TABLE dash_letter_lists;
DROP TABLE dash_cited;
"""


def enum_type(table: str, column: str) -> str:
    """The ENUM type of a working-set column (the citations table shares its items' types)."""
    return f"memory.main.{table}_{column}"


TERMS = f"""
CREATE TABLE memory.main.{TERMS_TABLE} AS
SELECT t.term_hash, d.item_row
FROM item_terms t JOIN memory.main.{ITEMS_TABLE} d ON d.doc_key = t.doc_key AND d.item_no = t.item_no
ORDER BY t.term_hash;

CREATE TABLE memory.main.{LETTER_TERMS_TABLE} AS
SELECT t.term_hash, d.letter_row
FROM letter_terms t
JOIN (SELECT DISTINCT doc_key, letter_row FROM memory.main.{ITEMS_TABLE}) d USING (doc_key)
ORDER BY t.term_hash;

CREATE TABLE memory.main.{WORDS_TABLE} AS SELECT term FROM search_terms ORDER BY term;
"""


# The file's item reasons with their row ids; a file written before reasons existed has none.
REASON_ROWS = {
    True: """CREATE TEMP VIEW dash_reason_rows AS
             SELECT rowid AS reason_rowid, doc_id, item_no, code FROM item_reasons""",
    False: """CREATE TEMP TABLE dash_reason_rows
              (reason_rowid BIGINT, doc_id VARCHAR, item_no INTEGER, code VARCHAR)""",
}


# The file's items; a file written before modified requests were flagged has no `modified`.
FILE_ITEMS = {
    True: "CREATE TEMP VIEW dash_file_items AS SELECT * FROM items",
    False: "CREATE TEMP VIEW dash_file_items AS SELECT *, NULL::BOOLEAN AS modified FROM items",
}


def build(
    con: duckdb.DuckDBPyConnection, search_terms: bool = True, reasons: bool = True, modified: bool = True
) -> None:
    """Create the tables from the attached database (its catalog must be the default one);
    `search_terms` when it has the search tables (`item_terms`, `letter_terms`, `search_terms`),
    `reasons` when it has `item_reasons`, `modified` when its items have that column."""
    con.execute(REASON_ROWS[reasons])
    con.execute(FILE_ITEMS[modified])
    con.execute(BUILD)
    _to_enums(con, ITEMS_TABLE)
    con.execute(CITATIONS)  # after the items' ENUMs, so that its filter columns share their types
    _to_enums(con, CITATIONS_TABLE)
    if search_terms:
        con.execute(TERMS)
    con.execute(f"DROP {'VIEW' if reasons else 'TABLE'} dash_reason_rows")


def _to_enums(con: duckdb.DuckDBPyConnection, table: str) -> None:
    for column in ENUM_COLUMNS[table]:
        enum = enum_type(table, column)
        con.execute(
            f"CREATE TYPE {enum} AS ENUM "
            f"(SELECT DISTINCT {column} FROM memory.main.{table} WHERE {column} IS NOT NULL ORDER BY 1)"
        )
        con.execute(f"ALTER TABLE memory.main.{table} ALTER {column} TYPE {enum}")
