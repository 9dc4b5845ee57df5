"""The dashboard's working set: the `decisions` view flattened into in-memory tables.

The `decisions` view joins six tables on the text key `doc_id` and aggregates the citations
every time it is read: on a million letters one read takes seconds. The dashboard reads the
file once per version of it and keeps flat tables in memory, so a page's query is one scan:

- `dash_items`: one row per disputed item with every column a filter or a chart needs;
- `dash_reviewer_citations`: one row per reviewer citation, carrying its item's filter columns;
- `dash_specialties`, `dash_states`: (letter_row, value) pairs, for the specialty and state
  filters as an integer semi-join (four times faster than searching each item's list).

Low-cardinality text columns become ENUMs (grouping on them is three times faster), their
values in text order so that sorting is unchanged; queries read them as text. The column
meanings are those of `decisions` (docs/database.md); a test
checks the two agree item by item.
"""

from __future__ import annotations

import duckdb

ITEMS_TABLE = "dash_items"
CITATIONS_TABLE = "dash_reviewer_citations"
SPECIALTIES_TABLE = "dash_specialties"
STATES_TABLE = "dash_states"

# The item columns every filter reads; the citations table repeats them so that one WHERE
# clause (dashboard.queries.where) filters either table.
FILTER_COLUMNS = (
    "letter_row",
    "decision_date",
    "decision_year",
    "category",
    "subcategory",
    "decision",
    "upheld",
    "age_band",
    "gender",
    "layout",
    "synthetic",
    "reviewer_sources",
)
ENUM_COLUMNS = {
    ITEMS_TABLE: (
        "age_band", "gender", "layout", "category", "subcategory", "decision",
        "reviewer_source", "claims_source",
    ),
    CITATIONS_TABLE: ("source", "document", "section"),
    SPECIALTIES_TABLE: ("specialty",),
    STATES_TABLE: ("state",),
}  # fmt: skip

AGE_BANDS = ("under 25", "25-34", "35-44", "45-54", "55-64", "65+", "unknown")

# Same bands as the `decisions` view (etl/load.py).
AGE_BAND_SQL = """CASE WHEN l.patient_age IS NULL THEN 'unknown' WHEN l.patient_age < 25 THEN 'under 25'
     WHEN l.patient_age < 35 THEN '25-34' WHEN l.patient_age < 45 THEN '35-44'
     WHEN l.patient_age < 55 THEN '45-54' WHEN l.patient_age < 65 THEN '55-64' ELSE '65+' END"""

BUILD = f"""
CREATE TABLE memory.main.dash_letters AS
SELECT row_number() OVER ()::INTEGER AS letter_row, doc_id, case_number, decision_date,
       patient_age, patient_gender, format, synthetic
FROM letters;

CREATE TABLE memory.main.{SPECIALTIES_TABLE} AS
SELECT l.letter_row, s.specialty, s.position
FROM reviewer_specialties s JOIN memory.main.dash_letters l USING (doc_id);

CREATE TABLE memory.main.{STATES_TABLE} AS
SELECT l.letter_row, s.state, s.position
FROM reviewer_states s JOIN memory.main.dash_letters l USING (doc_id);

CREATE TABLE memory.main.dash_item_sources AS
SELECT doc_id, item_no,
       list(DISTINCT source ORDER BY source) FILTER (WHERE side = 'reviewer') AS reviewer_sources,
       any_value(source) FILTER (WHERE side = 'reviewer' AND cite_no = 1) AS reviewer_source,
       any_value(source) FILTER (WHERE side = 'claims' AND cite_no = 1) AS claims_source
FROM citations GROUP BY doc_id, item_no;

CREATE TABLE memory.main.{ITEMS_TABLE} AS
WITH specialties AS (
    SELECT letter_row, list(specialty ORDER BY position) AS specialties
    FROM memory.main.{SPECIALTIES_TABLE} GROUP BY letter_row
), states AS (
    SELECT letter_row, list(state ORDER BY position) AS states
    FROM memory.main.{STATES_TABLE} GROUP BY letter_row
)
SELECT
    l.letter_row, i.item_id, i.doc_id, i.item_no, l.case_number, l.decision_date,
    year(l.decision_date) AS decision_year, date_trunc('month', l.decision_date)::DATE AS decision_month,
    {AGE_BAND_SQL} AS age_band,
    coalesce(l.patient_gender, 'unknown') AS gender, l.format AS layout, l.synthetic,
    i.treatment, coalesce(i.treatment_key, i.treatment) AS treatment_key, i.category, i.subcategory,
    coalesce(i.decision, 'unknown') AS decision, i.decision = 'upheld' AS upheld,
    coalesce(sp.specialties, []) AS specialties, coalesce(st.states, []) AS states,
    coalesce(s.reviewer_sources, []) AS reviewer_sources, s.reviewer_source, s.claims_source
FROM items i
JOIN memory.main.dash_letters l USING (doc_id)
LEFT JOIN specialties sp USING (letter_row)
LEFT JOIN states st USING (letter_row)
LEFT JOIN memory.main.dash_item_sources s ON s.doc_id = i.doc_id AND s.item_no = i.item_no;

CREATE TABLE memory.main.{CITATIONS_TABLE} AS
SELECT {", ".join(f"d.{column}" for column in FILTER_COLUMNS)},
       c.cite_no, c.source, coalesce(c.document, '(unspecified)') AS document,
       coalesce(c.section, '(unspecified)') AS section, c.year, c.pages
FROM citations c
JOIN memory.main.{ITEMS_TABLE} d ON d.doc_id = c.doc_id AND d.item_no = c.item_no
WHERE c.side = 'reviewer';

DROP TABLE memory.main.dash_letters;
DROP TABLE memory.main.dash_item_sources;
"""


def build(con: duckdb.DuckDBPyConnection) -> None:
    """Create the tables from the attached database (its catalog must be the default one)."""
    con.execute(BUILD)
    for table, columns in ENUM_COLUMNS.items():
        for column in columns:
            enum = f"memory.main.{table}_{column}"
            con.execute(
                f"CREATE TYPE {enum} AS ENUM "
                f"(SELECT DISTINCT {column} FROM memory.main.{table} WHERE {column} IS NOT NULL ORDER BY 1)"
            )
            con.execute(f"ALTER TABLE memory.main.{table} ALTER {column} TYPE {enum}")
