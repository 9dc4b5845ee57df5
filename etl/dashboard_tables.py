"""The dashboard's tables, built by the one writer into the file it publishes.

The `decisions` view joins six tables on the text key `doc_id` and aggregates the citations
every time it is read: on a million letters one read takes seconds. So the refresh (the only
writer) materialises flat, narrow tables in the schema `dashboard` of the file before it
publishes it, and the dashboard opens the file read-only and queries them directly: a page's
query is one scan of a few small-integer columns, a dashboard process starts in about a second
whatever the archive's size, and several processes (or machines, on a shared read-only copy)
serve one file without building anything.

- `dash_items`: one row per disputed item with every column a filter or a chart needs, stored
  in the Letters page's order (newest decision first: `page_key`), `item_row` numbering the items
  and `letter_row` the letters (dense numbers, for bitstrings and postings);
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
- the per-letter parse coverage and the warnings counted.

A night's new letters are appended (`update`): their rows go after the others with the next
numbers, their new lists and spellings get the next set numbers, and `page_key` sorts them into
the Letters page's order without renumbering anyone; the tables over the whole file (the cube,
coverage, warnings, word list, letter rows) are made again. So a refresh that adds 5,000 letters
to 2 million costs seconds instead of a full build's minutes. A full build (`build`) numbers
everything in order again: after letters were replaced or removed, a parser or definition change,
or appends past APPEND_SHARE of the last full build.

Low-cardinality text columns become ENUMs (grouping and comparing them is integer work), their
values in text order so that sorting is unchanged; filters compare them with parameters cast to
the ENUM type (`enum_type`), queries read them as text. The column meanings are those of
`decisions` (docs/database.md); a test checks the two agree item by item. `meta` records which
version of these definitions built the tables (`VERSION`): a refresh rebuilds them when the
letters changed or the definitions did, and the dashboard refuses tables of another version.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Iterator

import duckdb

SCHEMA = "dashboard"  # the schema of the file that holds these tables
ATTACHED_AS = "imr"  # the name the dashboard attaches the file under (read-only)
FILE = f"{ATTACHED_AS}.main"  # the file's letter tables, as the dashboard names them
META_KEY = "dashboard_tables"  # `meta` row: the VERSION that built the tables
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
    """Number the distinct lists of `lists` (a query with a `value_list` column) that `table` does
    not hold yet, after its numbers and in list order (so a build from nothing numbers every list in
    list order); with `members`, also add their unnested values (`empty` for an empty list)."""
    sql = f"""
INSERT INTO {SCHEMA}.{table}
SELECT ((SELECT count(*) FROM {SCHEMA}.{table}) + row_number() OVER (ORDER BY value_list) - 1)::USMALLINT,
       value_list
FROM (SELECT DISTINCT value_list FROM ({lists}) EXCEPT SELECT value_list FROM {SCHEMA}.{table});
"""
    if members:
        sql += f"""
INSERT INTO {SCHEMA}.{members}
SELECT set_no, unnest(CASE WHEN len(value_list) = 0 THEN ['{empty}'] ELSE value_list END) AS {value}
FROM {SCHEMA}.{table} WHERE set_no NOT IN (SELECT set_no FROM {SCHEMA}.{members});
"""
    return sql


def _in_position_order(column: str, positions: int) -> str:
    """`list(column ORDER BY position)` for positions 1…`positions`, as one `max(…) FILTER` per
    position: DuckDB cannot spill a list aggregate with its own ORDER BY (or of structs) to disk —
    at 2 million letters it needs more than 1 GB — simple aggregates it can."""
    return (
        " || ".join(
            f"CASE WHEN count(*) FILTER (WHERE position = {n}) > 0 "
            f"THEN [max({column}) FILTER (WHERE position = {n})] ELSE [] END"
            for n in range(1, positions + 1)
        )
        or "[]::VARCHAR[]"
    )


def _bit_key(words: int) -> str:
    """A set of values as bits (the values numbered by `_*_bits`, joined as `b`): one UBIGINT per
    64 values. `bit_or` spills to disk; `list(DISTINCT … ORDER BY …)` over millions of items does
    not (it ran out of 512 MB at 2 million letters)."""
    return (
        "["
        + ", ".join(
            f"coalesce(bit_or(1::UBIGINT << (b.bit % 64)) FILTER (WHERE b.bit // 64 = {word}), 0)"
            for word in range(max(words, 1))
        )
        + "]"
    )


def _key_lists(table: str, bits: str, keys: str) -> str:
    """Each distinct key of `keys` with its values as a sorted list (a few dozen keys)."""
    return f"""
CREATE TABLE {SCHEMA}.{table} AS
SELECT k.key, coalesce((SELECT list(b.value ORDER BY b.value) FROM {SCHEMA}.{bits} b
                        WHERE (k.key[b.bit // 64 + 1] >> (b.bit % 64)) & 1 = 1), []) AS value_list
FROM (SELECT DISTINCT key FROM ({keys})) k;
"""


# The tables a build reads: a full build reads them whole, an append only the rows of the letters
# new since the last build (`_new`). Written `{letters}`, `{items}` … in the SQL below.
READ_BY_DOC_ID = ("letters", "items", "citations", "item_reasons", "reviewer_specialties", "reviewer_states")
READ_BY_DOC_KEY = ("item_terms", "letter_terms")  # the search postings, keyed by `doc_key`

# The tables numbering lists and spellings, made empty by a full build; a build adds the lists
# and spellings its letters bring, after the numbers already given.
NUMBERING = f"""
CREATE TABLE {SCHEMA}.{SPECIALTY_SETS} (set_no USMALLINT, value_list VARCHAR[]);
CREATE TABLE {SCHEMA}.{SPECIALTY_MEMBERS} (set_no USMALLINT, specialty VARCHAR);
CREATE TABLE {SCHEMA}.{STATE_SETS} (set_no USMALLINT, value_list VARCHAR[]);
CREATE TABLE {SCHEMA}.{STATE_MEMBERS} (set_no USMALLINT, state VARCHAR);
CREATE TABLE {SCHEMA}.{SOURCE_SETS} (set_no USMALLINT, value_list VARCHAR[]);
CREATE TABLE {SCHEMA}.{REASON_SETS} (set_no USMALLINT, value_list VARCHAR[]);
CREATE TABLE {SCHEMA}.{REASON_MEMBERS} (set_no USMALLINT, reason VARCHAR);
CREATE TABLE {SCHEMA}.{TREATMENTS_TABLE} (treatment_no UINTEGER, treatment_key VARCHAR, treatment VARCHAR);
CREATE TABLE {SCHEMA}.{LETTER_ROWS} (
    doc_id VARCHAR, letter_row INTEGER, letter_rowid BIGINT, text_rowid BIGINT, first_item_rowid BIGINT,
    last_item_rowid BIGINT, first_reason_rowid BIGINT, last_reason_rowid BIGINT, source_file VARCHAR);
"""

# The values a set may hold, numbered: each is one bit of a set's key.
BITS = f"""
CREATE TABLE {SCHEMA}._source_bits AS
SELECT source AS value, (row_number() OVER (ORDER BY source) - 1)::INTEGER AS bit
FROM (SELECT DISTINCT source FROM {{citations}} WHERE side = 'reviewer' AND source IS NOT NULL);

CREATE TABLE {SCHEMA}._reason_bits AS
SELECT code AS value, (row_number() OVER (ORDER BY code) - 1)::INTEGER AS bit
FROM (SELECT DISTINCT code FROM {{item_reasons}} WHERE code IS NOT NULL);
"""

# The Letters page's order as one integer, newest decision first, then by letter number and item
# number: days (clamped to ±89 years of 1970; no date last) in the top 16 bits, the letter number
# in the next 36, the item number (clamped to 4,095) in the last 12. Letters appended later sort
# into place among the others without renumbering them.
PAGE_KEY_SQL = """(((CASE WHEN l.decision_date IS NULL THEN 65535 ELSE 32767 - least(greatest(
        datediff('day', DATE '1970-01-01', l.decision_date), -32767), 32767) END)::UBIGINT << 48)
    | (l.letter_row::UBIGINT << 12) | least(i.item_no, 4095)::UBIGINT)"""

# Intermediate tables, in the same schema (in the file, not in memory: the writer's memory stays
# small whatever the archive's size) and dropped once the tables are built.
LISTS = f"""
CREATE TABLE {SCHEMA}._letter_lists AS
WITH specialties AS (
    SELECT doc_id, {{specialties}} AS specialties FROM {{reviewer_specialties}} GROUP BY doc_id
), states AS (
    SELECT doc_id, {{states}} AS states FROM {{reviewer_states}} GROUP BY doc_id
)
SELECT l.doc_id, coalesce(sp.specialties, []) AS specialties, coalesce(st.states, []) AS states
FROM {{letters}} l LEFT JOIN specialties sp USING (doc_id) LEFT JOIN states st USING (doc_id);

CREATE TABLE {SCHEMA}._cited AS
SELECT c.doc_id, c.item_no, {{source_key}} AS source_key,
       any_value(c.source) FILTER (WHERE c.side = 'reviewer' AND c.cite_no = 1) AS reviewer_source,
       any_value(c.source) FILTER (WHERE c.side = 'claims' AND c.cite_no = 1) AS claims_source
FROM {{citations}} c LEFT JOIN {SCHEMA}._source_bits b ON c.side = 'reviewer' AND b.value = c.source
GROUP BY c.doc_id, c.item_no;
{_key_lists("_source_lists", "_source_bits", "SELECT source_key AS key FROM " + SCHEMA + "._cited")}

CREATE TABLE {SCHEMA}._item_reasons AS
SELECT r.doc_id, r.item_no, {{reason_key}} AS reason_key
FROM {{item_reasons}} r JOIN {SCHEMA}._reason_bits b ON b.value = r.code
GROUP BY r.doc_id, r.item_no;
{_key_lists("_reason_lists", "_reason_bits", "SELECT reason_key AS key FROM " + SCHEMA + "._item_reasons")}

{
    _numbered(
        SPECIALTY_SETS,
        SPECIALTY_MEMBERS,
        "specialty",
        f"SELECT specialties AS value_list FROM {SCHEMA}._letter_lists",
    )
}
{_numbered(STATE_SETS, STATE_MEMBERS, "state", f"SELECT states AS value_list FROM {SCHEMA}._letter_lists")}
{
    _numbered(
        SOURCE_SETS,
        None,
        "source",
        f"SELECT value_list FROM {SCHEMA}._source_lists UNION ALL SELECT []::VARCHAR[]",
    )
}
{
    _numbered(
        REASON_SETS,
        REASON_MEMBERS,
        "reason",
        f"SELECT value_list FROM {SCHEMA}._reason_lists UNION ALL SELECT []::VARCHAR[]",
        empty=NO_REASON,
    )
}

CREATE TABLE {SCHEMA}._letters AS
SELECT ({{letter_offset}} + row_number() OVER (ORDER BY l.doc_id))::INTEGER AS letter_row, l.doc_id,
       l.case_number, l.decision_date, l.patient_age, l.patient_gender, l.format, l.synthetic,
       (l.decision_date - l.application_received)::INTEGER AS days_from_received,
       (l.decision_date - l.date_assigned)::INTEGER AS days_from_assigned,
       sp.set_no AS specialty_set, st.set_no AS state_set
FROM {{letters}} l
JOIN {SCHEMA}._letter_lists ll USING (doc_id)
JOIN {SCHEMA}.{SPECIALTY_SETS} sp ON sp.value_list = ll.specialties
JOIN {SCHEMA}.{STATE_SETS} st ON st.value_list = ll.states;

INSERT INTO {SCHEMA}.{TREATMENTS_TABLE}
SELECT ((SELECT count(*) FROM {SCHEMA}.{TREATMENTS_TABLE})
        + row_number() OVER (ORDER BY treatment_key, treatment) - 1)::UINTEGER, treatment_key, treatment
FROM (SELECT DISTINCT coalesce(treatment_key, treatment) AS treatment_key, treatment FROM {{items}}
      EXCEPT SELECT treatment_key, treatment FROM {SCHEMA}.{TREATMENTS_TABLE});

CREATE TABLE {SCHEMA}._items AS
SELECT l.letter_row, ('0x' || i.doc_id)::UBIGINT AS doc_key, i.item_id, i.doc_id, i.item_no,
    {PAGE_KEY_SQL} AS page_key,
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
FROM {{items}} i
JOIN {SCHEMA}._letters l USING (doc_id)
LEFT JOIN {SCHEMA}._cited s USING (doc_id, item_no)
LEFT JOIN {SCHEMA}._source_lists sl ON sl.key = s.source_key
JOIN {SCHEMA}.{SOURCE_SETS} so ON so.value_list = coalesce(sl.value_list, [])
LEFT JOIN {SCHEMA}._item_reasons ir USING (doc_id, item_no)
LEFT JOIN {SCHEMA}._reason_lists rl ON rl.key = ir.reason_key
JOIN {SCHEMA}.{REASON_SETS} rs ON rs.value_list = coalesce(rl.value_list, [])
JOIN {SCHEMA}.{TREATMENTS_TABLE} t
  ON t.treatment_key IS NOT DISTINCT FROM coalesce(i.treatment_key, i.treatment)
 AND t.treatment IS NOT DISTINCT FROM i.treatment;

-- The Letters page's order, numbered on a narrow table (a window over the wide one does not
-- spill to disk as well).
CREATE TABLE {SCHEMA}._item_order AS
SELECT item_id, ({{item_offset}} + row_number() OVER (ORDER BY page_key))::UINTEGER AS item_row
FROM {SCHEMA}._items;

CREATE TABLE {SCHEMA}._citations AS
SELECT c.doc_id, c.item_no, c.cite_no, c.source, coalesce(c.document, '(unspecified)') AS document,
       coalesce(c.section, '(unspecified)') AS section, c.year, c.pages
FROM {{citations}} c WHERE c.side = 'reviewer';
"""


def enum_type(table: str, column: str) -> str:
    """The ENUM type of a column (the citations table shares its items' types)."""
    return f"{SCHEMA}.{table}_{column}"


def _enum_types(table: str, source: str) -> str:
    """One ENUM type per low-cardinality column of `table`, its values those of `source` in order."""
    return "\n".join(
        f"CREATE TYPE {enum_type(table, column)} AS ENUM "
        f"(SELECT DISTINCT {column} FROM {SCHEMA}.{source} WHERE {column} IS NOT NULL ORDER BY 1);"
        for column in ENUM_COLUMNS[table]
    )


def _cast_enums(table: str, columns: list[str], alias: str) -> str:
    enums = ENUM_COLUMNS[table]
    return ", ".join(
        f"{alias}.{column}::{enum_type(table, column)} AS {column}"
        if column in enums
        else f"{alias}.{column}"
        for column in columns
    )


ITEM_COLUMNS = [
    "item_row", "page_key", "letter_row", "doc_key", "item_id", "doc_id", "item_no", "case_number",
    "decision_date", "decision_year", "decision_month", "month_no", "age_band", "gender", "layout",
    "synthetic", "treatment", "treatment_key", "treatment_no", "category", "subcategory", "decision",
    "upheld", "verdict", "flags", "specialty_set", "state_set", "source_set", "reason_set",
    "reviewer_source", "claims_source", "agreement", "days_from_received", "days_from_assigned", "modified",
]  # fmt: skip

# The ENUM types: a full build makes them from its letters' values; an append widens those that
# lack a value of its letters (`_widen`).
TYPES = f"""
{_enum_types(ITEMS_TABLE, "_items")}
{_enum_types(CITATIONS_TABLE, "_citations")}
"""

# The rows of the letters read, each table in the order its ORDER BY gives: `{{into_…}}` is
# "CREATE TABLE … AS" for a full build, "INSERT INTO …" for an append (which adds its rows after
# those there, `{{item_offset}}` the last item number there).
ROWS = f"""
-- Stored in the Letters page's order, `item_row` numbering it (appended letters after).
{{into_items}}
SELECT {_cast_enums(ITEMS_TABLE, ITEM_COLUMNS, "i")}
FROM (SELECT * FROM {SCHEMA}._items JOIN {SCHEMA}._item_order USING (item_id)) i ORDER BY i.item_row;

{{into_citations}}
SELECT {", ".join(f"d.{column}" for column in FILTER_COLUMNS)}, c.cite_no,
       {_cast_enums(CITATIONS_TABLE, ["source", "document", "section"], "c")}, c.year, c.pages
FROM {SCHEMA}._citations c
JOIN (SELECT * FROM {SCHEMA}.{ITEMS_TABLE} WHERE item_row > {{item_offset}}) d
  ON d.doc_id = c.doc_id AND d.item_no = c.item_no
ORDER BY d.item_row, c.cite_no;

{{into_terms}}
SELECT t.term_hash, d.item_row
FROM {{item_terms}} t
JOIN (SELECT doc_key, item_no, item_row FROM {SCHEMA}.{ITEMS_TABLE} WHERE item_row > {{item_offset}}) d
  ON d.doc_key = t.doc_key AND d.item_no = t.item_no
ORDER BY t.term_hash;

{{into_letter_terms}}
SELECT t.term_hash, d.letter_row
FROM {{letter_terms}} t
JOIN (SELECT DISTINCT doc_key, letter_row FROM {SCHEMA}.{ITEMS_TABLE} WHERE item_row > {{item_offset}}) d
  USING (doc_key)
ORDER BY t.term_hash;
"""

# Tables over the whole file, made again by every build (full or append): each is a scan of one
# table, or a few seconds at 2 million letters.
SUMMARIES = f"""
CREATE OR REPLACE TABLE {SCHEMA}.dash_letter_coverage AS
SELECT count(*) AS letters, count(*) FILTER (WHERE len(warnings) > 0) AS with_warnings,
       count(*) FILTER (WHERE item_count = 0) AS without_items
FROM letters;

CREATE OR REPLACE TABLE {SCHEMA}.dash_warnings AS
SELECT trim(split_part(warning, ':', 1)) AS warning, count(*) AS occurrences,
       count(DISTINCT doc_id) AS letters
FROM (SELECT doc_id, unnest(warnings) AS warning FROM letters)
GROUP BY ALL ORDER BY occurrences DESC, warning;

-- The items counted per month, category, subcategory and flags: the headline, monthly, category
-- and coverage figures read these few thousand rows when no filter needs finer columns.
CREATE OR REPLACE TABLE {SCHEMA}.{CUBE_TABLE} AS
SELECT month_no, category, subcategory, synthetic, verdict, flags, count(*) AS c
FROM {SCHEMA}.{ITEMS_TABLE} GROUP BY ALL ORDER BY ALL;

CREATE OR REPLACE TABLE {SCHEMA}.{WORDS_TABLE} AS SELECT term FROM search_terms ORDER BY term;

"""

# Where each letter's rows are in the file: the Letters page reads one letter's text and items by
# row id (a point read) instead of searching a million text keys. Row ids are read after the
# refresh's last deletion has been checkpointed, so they are those of the published file. Letters
# keep their numbers. `{letters}` … are the rows read, with their row ids as `row_id`.
LETTER_ROWS_QUERY = f"""
WITH texts AS (SELECT doc_id, min(row_id) AS text_rowid FROM {{letter_texts}} GROUP BY doc_id),
     item_rows AS (SELECT doc_id, min(row_id) AS first_item_rowid, max(row_id) AS last_item_rowid
                   FROM {{items}} GROUP BY doc_id),
     reason_rows AS (SELECT doc_id, min(row_id) AS first_reason_rowid, max(row_id) AS last_reason_rowid
                     FROM {{item_reasons}} GROUP BY doc_id),
     sources AS (SELECT doc_id, min(path) AS source_file FROM {{files}} GROUP BY doc_id)
SELECT l.doc_id, coalesce(o.letter_row, n.letter_row) AS letter_row, l.row_id AS letter_rowid,
       t.text_rowid, r.first_item_rowid, r.last_item_rowid, rr.first_reason_rowid, rr.last_reason_rowid,
       s.source_file
FROM {{letters}} l
LEFT JOIN {SCHEMA}.{LETTER_ROWS} o USING (doc_id) LEFT JOIN {SCHEMA}._letters n USING (doc_id)
LEFT JOIN texts t USING (doc_id) LEFT JOIN item_rows r USING (doc_id)
LEFT JOIN reason_rows rr USING (doc_id) LEFT JOIN sources s USING (doc_id)"""

# Every letter's rows, made again whole (a full build, or row ids that a checkpoint may have moved).
LETTER_ROWS_MADE = f"""
CREATE TABLE {SCHEMA}._letter_rows AS {LETTER_ROWS_QUERY};
DROP TABLE {SCHEMA}.{LETTER_ROWS};
ALTER TABLE {SCHEMA}._letter_rows RENAME TO {LETTER_ROWS};
CREATE INDEX dash_letter_rows_doc_id ON {SCHEMA}.{LETTER_ROWS} (doc_id);
"""

# The new letters' rows added; a letter there already may have gained a file whose path sorts first.
LETTER_ROWS_ADDED = f"""
INSERT INTO {SCHEMA}.{LETTER_ROWS} {LETTER_ROWS_QUERY};
UPDATE {SCHEMA}.{LETTER_ROWS} r SET source_file = f.source_file
FROM (SELECT doc_id, min(path) AS source_file FROM files GROUP BY doc_id) f
WHERE f.doc_id = r.doc_id AND f.source_file < r.source_file;
"""
# The tables whose row ids `dash_letter_rows` records, then the search postings; the `meta` row
# holding, for each, its rows and largest row id at the last build: a refresh that only adds
# letters adds rows after the largest, so if the largest grew by exactly the rows added, no row
# there before has moved (a checkpoint that compacts deleted rows away moves them), and the new
# letters' postings are the rows after it — a range read, not a scan of half a billion postings.
ROW_ID_TABLES = ("letters", "letter_texts", "items", "item_reasons")
ROW_IDS_KEY = "dashboard_tables_row_ids"

INTERMEDIATE = (
    "_letter_lists", "_source_bits", "_reason_bits", "_cited", "_source_lists", "_item_reasons",
    "_reason_lists", "_letters", "_items", "_item_order", "_citations",
)  # fmt: skip
NEW_LETTERS = "_new"  # an append's letters: those the tables do not number yet

# Which definitions built the tables: any change to them makes the next refresh rebuild.
VERSION = hashlib.sha256(
    (NUMBERING + BITS + LISTS + TYPES + ROWS + SUMMARIES + LETTER_ROWS_MADE + LETTER_ROWS_ADDED).encode()
).hexdigest()[:16]
BASE_KEY = "dashboard_tables_items"  # `meta` row: the items the last full build numbered
# Appended rows are stored after the others, not in page or term order, so a search reads a few
# more row groups per append; once appends since the last full build pass this share of its
# items, the next build is a full one (at 2 million letters: 40 nights of 5,000).
APPEND_SHARE = 0.10


def build(con: duckdb.DuckDBPyConnection) -> None:
    """(Re)create the tables from the letter tables of the connection's default catalog (the
    schema `etl.load.create_schema` makes), replacing any older ones, and record VERSION in
    `meta`; a database without letters gets none (the dashboard has nothing to show)."""
    with _insertion_order_kept(con):
        con.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
        con.execute("DELETE FROM meta WHERE key IN (?, ?, ?)", [META_KEY, BASE_KEY, ROW_IDS_KEY])
        if not con.execute("SELECT count(*) FROM letters").fetchone()[0]:
            return
        con.execute(f"CREATE SCHEMA {SCHEMA}")
        con.execute(NUMBERING)
        _intermediates(con, {table: table for table in (*READ_BY_DOC_ID, *READ_BY_DOC_KEY)}, 0)
        con.execute(TYPES)
        _rows_and_summaries(con, "CREATE TABLE {table} AS", {table: table for table in READ_BY_DOC_KEY}, 0)
        con.execute(LETTER_ROWS_MADE.format(**_with_row_ids(None)))
        _drop_intermediates(con)
        items = con.execute(f"SELECT count(*) FROM {SCHEMA}.{ITEMS_TABLE}").fetchone()[0]
        con.execute("INSERT INTO meta VALUES (?, ?), (?, ?)", [META_KEY, VERSION, BASE_KEY, str(items)])
        _record_row_ids(con)


def update(con: duckdb.DuckDBPyConnection) -> bool:
    """Add the letters the tables do not hold yet, after the others, without touching theirs: a
    night's letters cost seconds, not the minutes of a full build at 2 million letters (a value new
    to an ENUM column makes its type again and retypes that column). Builds in full instead
    (returning False) when an append would not give the tables a full build gives — tables of
    another version or none, a letter they hold gone — or when appended rows would pass
    APPEND_SHARE of the last full build's."""
    if built_version(con) != VERSION or _scalar(
        con,
        f"SELECT count(*) FROM {SCHEMA}.{LETTER_ROWS} WHERE doc_id NOT IN (SELECT doc_id FROM letters)",
    ):
        build(con)
        return False
    with _insertion_order_kept(con):
        con.execute(
            f"""CREATE OR REPLACE TABLE {SCHEMA}.{NEW_LETTERS} AS
                SELECT doc_id, ('0x' || doc_id)::UBIGINT AS doc_key FROM letters
                WHERE doc_id NOT IN (SELECT doc_id FROM {SCHEMA}.{LETTER_ROWS})"""
        )
        new_items = _scalar(
            con, f"SELECT count(*) FROM items WHERE doc_id IN (SELECT doc_id FROM {SCHEMA}.{NEW_LETTERS})"
        )
        base = int(_scalar(con, "SELECT max(value) FROM meta WHERE key = ?", [BASE_KEY]) or 0)
        appended = _scalar(con, f"SELECT count(*) FROM {SCHEMA}.{ITEMS_TABLE}") - base
        if appended + new_items > APPEND_SHARE * base:
            con.execute(f"DROP TABLE {SCHEMA}.{NEW_LETTERS}")
            build(con)
            return False
        recorded, moved = _row_ids_since_built(con)
        relations = {
            **{table: _new_rows_of(table, "doc_id") for table in READ_BY_DOC_ID},
            **{
                table: _new_rows_of(table, "doc_key", None if table in moved else recorded[table][1])
                for table in READ_BY_DOC_KEY
            },
        }
        item_offset = _scalar(con, f"SELECT coalesce(max(item_row), 0) FROM {SCHEMA}.{ITEMS_TABLE}")
        letter_offset = _scalar(con, f"SELECT coalesce(max(letter_row), 0) FROM {SCHEMA}.{LETTER_ROWS}")
        _intermediates(con, relations, letter_offset, item_offset)
        for table, column in _unknown_values(con):
            _widen(con, table, column)
        _rows_and_summaries(con, "INSERT INTO {table}", relations, item_offset)
        if moved.intersection(ROW_ID_TABLES):
            con.execute(LETTER_ROWS_MADE.format(**_with_row_ids(None)))
        else:
            con.execute(LETTER_ROWS_ADDED.format(**_with_row_ids(NEW_LETTERS)))
        _drop_intermediates(con)
        _record_row_ids(con)
    return True


def _new_rows_of(table: str, key: str, after_row_id: int | None = None) -> str:
    """`table`'s rows of the letters an append adds (those after `after_row_id` when given)."""
    after = f"rowid > {int(after_row_id)} AND " if after_row_id is not None else ""
    return f"(SELECT * FROM {table} WHERE {after}{key} IN (SELECT {key} FROM {SCHEMA}.{NEW_LETTERS}))"


def _intermediates(
    con: duckdb.DuckDBPyConnection, relations: dict[str, str], letter_offset: int, item_offset: int = 0
) -> None:
    """The intermediate tables of the letters `relations` reads, and the lists and spellings they
    bring numbered. Stored in any order, which lets DuckDB spill their joins and aggregates to disk
    within the connection's memory limit."""
    con.execute("SET preserve_insertion_order = false")
    con.execute(BITS.format(**relations))
    con.execute(
        LISTS.format(
            **relations,
            specialties=_in_position_order("specialty", _positions(con, "reviewer_specialties")),
            states=_in_position_order("state", _positions(con, "reviewer_states")),
            source_key=_bit_key(_count(con, "_source_bits") // 64 + 1),
            reason_key=_bit_key(_count(con, "_reason_bits") // 64 + 1),
            letter_offset=letter_offset,
            item_offset=item_offset,
        )
    )


def _unknown_values(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    """(table, column) of each ENUM column whose type lacks a value of the intermediate tables."""
    sources = {ITEMS_TABLE: "_items", CITATIONS_TABLE: "_citations"}
    return [
        (table, column)
        for table, source in sources.items()
        for column in ENUM_COLUMNS[table]
        if _scalar(
            con,
            f"SELECT count(*) FROM {SCHEMA}.{source} WHERE {column} IS NOT NULL "
            f"AND TRY_CAST({column} AS {enum_type(table, column)}) IS NULL",
        )
    ]


def _widen(con: duckdb.DuckDBPyConnection, table: str, column: str) -> None:
    """Make the ENUM type of `table`.`column` again, with the new letters' values among the others
    in text order (as a full build would), and retype the columns that hold it: the citations
    table repeats the items' filter columns, and the cube is made again after."""
    source = "_items" if table == ITEMS_TABLE else "_citations"
    holders = [(table, column)]
    if table == ITEMS_TABLE and column in FILTER_COLUMNS:
        holders.append((CITATIONS_TABLE, column))
    con.execute(
        f"""CREATE TABLE {SCHEMA}._values AS
            SELECT unnest(enum_range(NULL::{enum_type(table, column)}))::VARCHAR AS value
            UNION SELECT DISTINCT {column} FROM {SCHEMA}.{source} WHERE {column} IS NOT NULL"""
    )
    con.execute(f"DROP TABLE IF EXISTS {SCHEMA}.{CUBE_TABLE}")
    for holder, held in holders:
        con.execute(f"ALTER TABLE {SCHEMA}.{holder} ALTER {held} TYPE VARCHAR")
    con.execute(f"DROP TYPE {enum_type(table, column)}")
    con.execute(
        f"CREATE TYPE {enum_type(table, column)} AS ENUM (SELECT value FROM {SCHEMA}._values ORDER BY 1)"
    )
    for holder, held in holders:
        con.execute(f"ALTER TABLE {SCHEMA}.{holder} ALTER {held} TYPE {enum_type(table, column)}")
    con.execute(f"DROP TABLE {SCHEMA}._values")


def _rows_and_summaries(
    con: duckdb.DuckDBPyConnection, into: str, relations: dict[str, str], item_offset: int
) -> None:
    """The final tables' rows of the letters read (stored in their ORDER BY's order), the tables
    over the whole file, and the intermediate tables dropped."""
    con.execute("SET preserve_insertion_order = true")
    tables = {"items": ITEMS_TABLE, "citations": CITATIONS_TABLE, "terms": TERMS_TABLE}
    tables["letter_terms"] = LETTER_TERMS_TABLE
    con.execute(
        ROWS.format(
            **{f"into_{name}": into.format(table=f"{SCHEMA}.{table}") for name, table in tables.items()},
            **{table: relations[table] for table in READ_BY_DOC_KEY},
            item_offset=item_offset,
        )
    )
    con.execute(SUMMARIES)


def _with_row_ids(new: str | None) -> dict[str, str]:
    """The relations LETTER_ROWS_QUERY reads: every letter's rows, or those of the letters in the
    table `new`, with their row ids."""
    scope = f" WHERE doc_id IN (SELECT doc_id FROM {SCHEMA}.{new})" if new else ""
    return {
        **{table: f"(SELECT doc_id, rowid AS row_id FROM {table}{scope})" for table in ROW_ID_TABLES},
        "files": f"(SELECT doc_id, path FROM files{scope})",
    }


def _row_ids(con: duckdb.DuckDBPyConnection) -> dict[str, list[int]]:
    return {
        table: list(con.execute(f"SELECT count(*), coalesce(max(rowid), -1) FROM {table}").fetchone())
        for table in (*ROW_ID_TABLES, *READ_BY_DOC_KEY)
    }


def _record_row_ids(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("DELETE FROM meta WHERE key = ?", [ROW_IDS_KEY])
    con.execute("INSERT INTO meta VALUES (?, ?)", [ROW_IDS_KEY, json.dumps(_row_ids(con))])


def _row_ids_since_built(con: duckdb.DuckDBPyConnection) -> tuple[dict[str, list[int]], set[str]]:
    """The rows and largest row id of each table at the last build, and the tables where a row
    may have moved since: in an append, the largest row id grows by exactly the rows added unless
    a checkpoint compacted deleted rows away."""
    recorded = json.loads(_scalar(con, "SELECT max(value) FROM meta WHERE key = ?", [ROW_IDS_KEY]) or "{}")
    now = _row_ids(con)
    moved = {
        table
        for table, (rows, largest) in now.items()
        if table not in recorded or largest - recorded[table][1] != rows - recorded[table][0]
    }
    return recorded, moved


def _drop_intermediates(con: duckdb.DuckDBPyConnection) -> None:
    for table in (*INTERMEDIATE, NEW_LETTERS):
        con.execute(f"DROP TABLE IF EXISTS {SCHEMA}.{table}")


@contextlib.contextmanager
def _insertion_order_kept(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Restores the connection's `preserve_insertion_order` on the way out."""
    kept = con.execute("SELECT current_setting('preserve_insertion_order')").fetchone()[0]
    try:
        yield
    finally:
        con.execute(f"SET preserve_insertion_order = {str(kept).lower()}")


def _scalar(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None):
    return con.execute(sql, params or []).fetchone()[0]


def _count(con: duckdb.DuckDBPyConnection, table: str) -> int:
    return _scalar(con, f"SELECT count(*) FROM {SCHEMA}.{table}")


def _positions(con: duckdb.DuckDBPyConnection, table: str) -> int:
    """The largest list position in `table` (0 when empty): how many positions the lists have."""
    return _scalar(con, f"SELECT coalesce(max(position), 0) FROM {table}")


def built_version(con: duckdb.DuckDBPyConnection, catalog: str | None = None) -> str | None:
    """The VERSION that built the tables of `catalog` (default: the connection's), None if none did."""
    meta = f"{catalog}.main.meta" if catalog else "meta"
    row = con.execute(f"SELECT max(value) FROM {meta} WHERE key = ?", [META_KEY]).fetchone()
    return row[0] if row else None
