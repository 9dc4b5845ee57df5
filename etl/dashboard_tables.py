"""The dashboard's tables, built by the one writer into the file it publishes.

The `decisions` view joins six tables on the text key `doc_id` and aggregates the citations
every time it is read: on a million letters one read takes seconds. So the refresh (the only
writer) materialises flat, narrow tables in the schema `dashboard` of the file before it
publishes it, and the dashboard opens the file read-only and queries them directly: a page's
query is one scan of a few small-integer columns, a dashboard process starts in about a second
whatever the archive's size, and several processes (or machines, on a shared read-only copy)
serve one file without building anything.

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
- the per-letter parse coverage and the warnings counted.

Low-cardinality text columns become ENUMs (grouping and comparing them is integer work), their
values in text order so that sorting is unchanged; filters compare them with parameters cast to
the ENUM type (`enum_type`), queries read them as text. The column meanings are those of
`decisions` (docs/database.md); a test checks the two agree item by item. `meta` records which
version of these definitions built the tables (`VERSION`): a refresh rebuilds them when the
letters changed or the definitions did, and the dashboard refuses tables of another version.
"""

from __future__ import annotations

import hashlib

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
    """A table numbering the distinct lists of `lists` (a query with a `value_list` column) in
    list order; with `members`, also their unnested values (`empty` for an empty list)."""
    sql = f"""
CREATE TABLE {SCHEMA}.{table} AS
SELECT (row_number() OVER (ORDER BY value_list) - 1)::USMALLINT AS set_no, value_list
FROM (SELECT DISTINCT value_list FROM ({lists}));
"""
    if members:
        sql += f"""
CREATE TABLE {SCHEMA}.{members} AS
SELECT set_no, unnest(CASE WHEN len(value_list) = 0 THEN ['{empty}'] ELSE value_list END) AS {value}
FROM {SCHEMA}.{table};
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


# The values a set may hold, numbered: each is one bit of a set's key.
BITS = f"""
CREATE TABLE {SCHEMA}._source_bits AS
SELECT source AS value, (row_number() OVER (ORDER BY source) - 1)::INTEGER AS bit
FROM (SELECT DISTINCT source FROM citations WHERE side = 'reviewer' AND source IS NOT NULL);

CREATE TABLE {SCHEMA}._reason_bits AS
SELECT code AS value, (row_number() OVER (ORDER BY code) - 1)::INTEGER AS bit
FROM (SELECT DISTINCT code FROM item_reasons WHERE code IS NOT NULL);
"""


# Intermediate tables, in the same schema (in the file, not in memory: the writer's memory stays
# small whatever the archive's size) and dropped once the tables are built.
LISTS = f"""
CREATE TABLE {SCHEMA}._letter_lists AS
WITH specialties AS (
    SELECT doc_id, {{specialties}} AS specialties FROM reviewer_specialties GROUP BY doc_id
), states AS (
    SELECT doc_id, {{states}} AS states FROM reviewer_states GROUP BY doc_id
)
SELECT l.doc_id, coalesce(sp.specialties, []) AS specialties, coalesce(st.states, []) AS states
FROM letters l LEFT JOIN specialties sp USING (doc_id) LEFT JOIN states st USING (doc_id);

CREATE TABLE {SCHEMA}._cited AS
SELECT c.doc_id, c.item_no, {{source_key}} AS source_key,
       any_value(c.source) FILTER (WHERE c.side = 'reviewer' AND c.cite_no = 1) AS reviewer_source,
       any_value(c.source) FILTER (WHERE c.side = 'claims' AND c.cite_no = 1) AS claims_source
FROM citations c LEFT JOIN {SCHEMA}._source_bits b ON c.side = 'reviewer' AND b.value = c.source
GROUP BY c.doc_id, c.item_no;
{_key_lists("_source_lists", "_source_bits", "SELECT source_key AS key FROM " + SCHEMA + "._cited")}

CREATE TABLE {SCHEMA}._item_reasons AS
SELECT r.doc_id, r.item_no, {{reason_key}} AS reason_key
FROM item_reasons r JOIN {SCHEMA}._reason_bits b ON b.value = r.code
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
SELECT row_number() OVER (ORDER BY l.doc_id)::INTEGER AS letter_row, l.doc_id, l.case_number,
       l.decision_date, l.patient_age, l.patient_gender, l.format, l.synthetic,
       (l.decision_date - l.application_received)::INTEGER AS days_from_received,
       (l.decision_date - l.date_assigned)::INTEGER AS days_from_assigned,
       sp.set_no AS specialty_set, st.set_no AS state_set
FROM letters l
JOIN {SCHEMA}._letter_lists ll USING (doc_id)
JOIN {SCHEMA}.{SPECIALTY_SETS} sp ON sp.value_list = ll.specialties
JOIN {SCHEMA}.{STATE_SETS} st ON st.value_list = ll.states;

CREATE TABLE {SCHEMA}.{TREATMENTS_TABLE} AS
SELECT (row_number() OVER (ORDER BY treatment_key, treatment) - 1)::UINTEGER AS treatment_no,
       treatment_key, treatment
FROM (SELECT DISTINCT coalesce(treatment_key, treatment) AS treatment_key, treatment FROM items);

CREATE TABLE {SCHEMA}._items AS
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
FROM items i
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
SELECT item_id, (row_number() OVER (ORDER BY decision_date DESC NULLS LAST, item_id))::UINTEGER AS item_row
FROM {SCHEMA}._items;

CREATE TABLE {SCHEMA}._citations AS
SELECT c.doc_id, c.item_no, c.cite_no, c.source, coalesce(c.document, '(unspecified)') AS document,
       coalesce(c.section, '(unspecified)') AS section, c.year, c.pages
FROM citations c WHERE c.side = 'reviewer';
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
    "item_row", "letter_row", "doc_key", "item_id", "doc_id", "item_no", "case_number", "decision_date",
    "decision_year", "decision_month", "month_no", "age_band", "gender", "layout", "synthetic",
    "treatment", "treatment_key", "treatment_no", "category", "subcategory", "decision", "upheld",
    "verdict", "flags", "specialty_set", "state_set", "source_set", "reason_set", "reviewer_source",
    "claims_source", "agreement", "days_from_received", "days_from_assigned", "modified",
]  # fmt: skip

TABLES = f"""
{_enum_types(ITEMS_TABLE, "_items")}
-- Stored in the Letters page's order, `item_row` numbering it.
CREATE TABLE {SCHEMA}.{ITEMS_TABLE} AS
SELECT {_cast_enums(ITEMS_TABLE, ITEM_COLUMNS, "i")}
FROM (SELECT * FROM {SCHEMA}._items JOIN {SCHEMA}._item_order USING (item_id)) i ORDER BY i.item_row;

{_enum_types(CITATIONS_TABLE, "_citations")}
CREATE TABLE {SCHEMA}.{CITATIONS_TABLE} AS
SELECT {", ".join(f"d.{column}" for column in FILTER_COLUMNS)}, c.cite_no,
       {_cast_enums(CITATIONS_TABLE, ["source", "document", "section"], "c")}, c.year, c.pages
FROM {SCHEMA}._citations c
JOIN {SCHEMA}.{ITEMS_TABLE} d ON d.doc_id = c.doc_id AND d.item_no = c.item_no
ORDER BY d.item_row, c.cite_no;

CREATE TABLE {SCHEMA}.dash_letter_coverage AS
SELECT count(*) AS letters, count(*) FILTER (WHERE len(warnings) > 0) AS with_warnings,
       count(*) FILTER (WHERE item_count = 0) AS without_items
FROM letters;

CREATE TABLE {SCHEMA}.dash_warnings AS
SELECT trim(split_part(warning, ':', 1)) AS warning, count(*) AS occurrences,
       count(DISTINCT doc_id) AS letters
FROM (SELECT doc_id, unnest(warnings) AS warning FROM letters)
GROUP BY ALL ORDER BY occurrences DESC, warning;

-- The items counted per month, category, subcategory and flags: the headline, monthly, category
-- and coverage figures read these few thousand rows when no filter needs finer columns.
CREATE TABLE {SCHEMA}.{CUBE_TABLE} AS
SELECT month_no, category, subcategory, synthetic, verdict, flags, count(*) AS c
FROM {SCHEMA}.{ITEMS_TABLE} GROUP BY ALL ORDER BY ALL;

-- Where each letter's rows are in the file: the Letters page reads one letter's text and items
-- by row id (a point read) instead of searching a million text keys. Row ids are read after the
-- refresh's last deletion has been checkpointed, so they are those of the published file.
CREATE TABLE {SCHEMA}.{LETTER_ROWS} AS
WITH texts AS (SELECT doc_id, min(rowid) AS text_rowid FROM letter_texts GROUP BY doc_id),
     item_rows AS (SELECT doc_id, min(rowid) AS first_item_rowid, max(rowid) AS last_item_rowid
                   FROM items GROUP BY doc_id),
     reason_rows AS (SELECT doc_id, min(rowid) AS first_reason_rowid, max(rowid) AS last_reason_rowid
                     FROM item_reasons GROUP BY doc_id),
     sources AS (SELECT doc_id, min(path) AS source_file FROM files GROUP BY doc_id)
SELECT l.doc_id, l.rowid AS letter_rowid, t.text_rowid, r.first_item_rowid, r.last_item_rowid,
       rr.first_reason_rowid, rr.last_reason_rowid, s.source_file
FROM letters l LEFT JOIN texts t USING (doc_id) LEFT JOIN item_rows r USING (doc_id)
LEFT JOIN reason_rows rr USING (doc_id) LEFT JOIN sources s USING (doc_id);
CREATE INDEX dash_letter_rows_doc_id ON {SCHEMA}.{LETTER_ROWS} (doc_id);

CREATE TABLE {SCHEMA}.{TERMS_TABLE} AS
SELECT t.term_hash, d.item_row
FROM item_terms t JOIN {SCHEMA}.{ITEMS_TABLE} d ON d.doc_key = t.doc_key AND d.item_no = t.item_no
ORDER BY t.term_hash;

CREATE TABLE {SCHEMA}.{LETTER_TERMS_TABLE} AS
SELECT t.term_hash, d.letter_row
FROM letter_terms t
JOIN (SELECT DISTINCT doc_key, letter_row FROM {SCHEMA}.{ITEMS_TABLE}) d USING (doc_key)
ORDER BY t.term_hash;

CREATE TABLE {SCHEMA}.{WORDS_TABLE} AS SELECT term FROM search_terms ORDER BY term;
"""

INTERMEDIATE = (
    "_letter_lists", "_source_bits", "_reason_bits", "_cited", "_source_lists", "_item_reasons",
    "_reason_lists", "_letters", "_items", "_item_order", "_citations",
)  # fmt: skip

# Which definitions built the tables: any change to them makes the next refresh rebuild.
VERSION = hashlib.sha256((BITS + LISTS + TABLES).encode()).hexdigest()[:16]


def build(con: duckdb.DuckDBPyConnection) -> None:
    """(Re)create the tables from the letter tables of the connection's default catalog (the
    schema `etl.load.create_schema` makes), replacing any older ones, and record VERSION in
    `meta`; a database without letters gets none (the dashboard has nothing to show). The final
    tables are stored in the order their ORDER BY gives (insertion order kept); the intermediate
    ones in any order, which lets DuckDB spill their joins and aggregates to disk within the
    connection's memory limit."""
    kept = con.execute("SELECT current_setting('preserve_insertion_order')").fetchone()[0]
    try:
        con.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
        con.execute("DELETE FROM meta WHERE key = ?", [META_KEY])
        if not con.execute("SELECT count(*) FROM letters").fetchone()[0]:
            return
        con.execute(f"CREATE SCHEMA {SCHEMA}")
        con.execute("SET preserve_insertion_order = false")
        con.execute(BITS)
        con.execute(
            LISTS.format(
                specialties=_in_position_order("specialty", _positions(con, "reviewer_specialties")),
                states=_in_position_order("state", _positions(con, "reviewer_states")),
                source_key=_bit_key(_count(con, "_source_bits") // 64 + 1),
                reason_key=_bit_key(_count(con, "_reason_bits") // 64 + 1),
            )
        )
        con.execute("SET preserve_insertion_order = true")
        con.execute(TABLES)
        for table in INTERMEDIATE:
            con.execute(f"DROP TABLE {SCHEMA}.{table}")
        con.execute("INSERT INTO meta VALUES (?, ?)", [META_KEY, VERSION])
    finally:
        con.execute(f"SET preserve_insertion_order = {str(kept).lower()}")


def _count(con: duckdb.DuckDBPyConnection, table: str) -> int:
    return con.execute(f"SELECT count(*) FROM {SCHEMA}.{table}").fetchone()[0]


def _positions(con: duckdb.DuckDBPyConnection, table: str) -> int:
    """The largest list position in `table` (0 when empty): how many positions the lists have."""
    return con.execute(f"SELECT coalesce(max(position), 0) FROM {table}").fetchone()[0]


def built_version(con: duckdb.DuckDBPyConnection, catalog: str | None = None) -> str | None:
    """The VERSION that built the tables of `catalog` (default: the connection's), None if none did."""
    meta = f"{catalog}.main.meta" if catalog else "meta"
    row = con.execute(f"SELECT max(value) FROM {meta} WHERE key = ?", [META_KEY]).fetchone()
    return row[0] if row else None
