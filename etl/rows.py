"""Records → table rows: one polars frame per table, in the column order of the schema.

Pure and free of DuckDB, so refresh workers build the rows of the letters they parse (and
stay small); `etl.load` defines the tables and loads these frames.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from etl import rules
from etl.classify import treatment_key
from etl.modified import modified_flags
from etl.normalise import normalise
from etl.records import Letter
from etl.search_terms import dictionary, hashed_terms, word_postings

COPY_COLUMN = "_copy"  # on staged Parquet parts only: which chunk staged the row

LETTER_TABLES = (
    "letters", "letter_texts", "items", "item_terms", "letter_terms", "search_terms", "item_reasons",
    "citations", "reviewer_specialties", "reviewer_states",
)  # fmt: skip
POSTINGS = ("item_terms", "letter_terms")  # keyed by `doc_key`, not `doc_id`
DICTIONARY = "search_terms"  # one row per word of any letter: not keyed by letter


@dataclass(frozen=True)
class LoadedLetter:
    """A parsed letter with what the database keeps beside the record."""

    record: Letter
    text: str
    synthetic: bool
    clean_text: str | None = None  # `normalise(text)` when the caller has it already (the refresh does)


_DATE_COLUMNS = ("decision_date", "date_of_injury", "date_assigned", "ur_denial_date", "application_received")


def letter_frames(letters: list[LoadedLetter], parser_version: str, run_id: int) -> dict[str, pl.DataFrame]:
    """One row tuple per fact, in the column order of `_SCHEMAS`; polars turns each table's rows
    into columns (and ISO date strings into dates) at once and hands them to DuckDB as Arrow."""
    canonical = rules.specialties()
    rows: dict[str, list[tuple]] = {
        table: [] for table in LETTER_TABLES if table not in (*POSTINGS, DICTIONARY)
    }
    letter_texts: dict[str, list] = {"doc_key": [], "text": []}  # what `letter_terms` indexes
    item_texts: dict[str, list] = {"doc_key": [], "item_no": [], "text": []}  # what `item_terms` does
    for loaded in letters:
        record = loaded.record
        doc_id = record["doc_id"]
        rows["letters"].append(
            (
                doc_id,
                record["format"],
                record["case_number"],
                record["decision_date"],
                record["date_of_injury"],
                record["date_assigned"],
                record["ur_denial_date"],
                record["application_received"],
                record["priority"],
                record["patient_age"],
                record["patient_gender"],
                loaded.synthetic,
                len(record["items"]),
                record["warnings"],
                parser_version,
                run_id,
            )
        )
        rows["letter_texts"].append((doc_id, loaded.text))
        rows["reviewer_specialties"] += [
            (doc_id, position, canonical.get(written.lower(), written), written)
            for position, written in enumerate(record["reviewer_specialties"], start=1)
        ]
        rows["reviewer_states"] += [
            (doc_id, position, state) for position, state in enumerate(record["reviewer_states"], start=1)
        ]
        key = doc_key(doc_id)
        # The normalised text, as the parser read it: a word hyphenated at a line end is whole.
        clean = loaded.clean_text if loaded.clean_text is not None else normalise(loaded.text)
        modified = modified_flags(clean, record["items"])
        letter_texts["doc_key"].append(key)
        letter_texts["text"].append(clean)
        for item_no, item in enumerate(record["items"], start=1):
            item_texts["doc_key"].append(key)
            item_texts["item_no"].append(item_no)
            item_texts["text"].append(f"{item['treatment'] or ''} {item['rationale'] or ''}")
            # Generated truth (loaded as is by tests and the dashboard bench) has no provenance.
            classified_by = item.get("classified_by") or {}
            rows["items"].append(
                (
                    f"{doc_id}-{item_no}",
                    doc_id,
                    item_no,
                    item["treatment"],
                    treatment_key(item["treatment"]),
                    item["original_request"],
                    item["decision"],
                    item["category"],
                    item["subcategory"],
                    item["rationale"],
                    classified_by.get("method"),
                    classified_by.get("matched"),
                    modified[item_no - 1],
                )
            )
            rows["item_reasons"] += [
                (doc_id, item_no, reason_no, reason["code"], reason["evidence"])
                for reason_no, reason in enumerate(item.get("reasons") or [], start=1)
            ]
            for side, citations in (
                ("reviewer", item["reviewer_guidelines"]),
                ("claims", item["claims_guidelines"]),
            ):
                rows["citations"] += [
                    (
                        doc_id,
                        item_no,
                        side,
                        cite_no,
                        c["text"],
                        c["source"],
                        c["document"],
                        c["year"],
                        c["section"],
                        c["pages"],
                    )
                    for cite_no, c in enumerate(citations, start=1)
                ]
    frames = {table: _frame(table, table_rows) for table, table_rows in rows.items()}
    frames.update(_postings(letter_texts, item_texts))
    frames["letters"] = frames["letters"].with_columns(pl.col(_DATE_COLUMNS).str.to_date("%Y-%m-%d"))
    return frames


def _postings(letter_texts: dict[str, list], item_texts: dict[str, list]) -> dict[str, pl.DataFrame]:
    """`letter_terms`, `item_terms` and `search_terms` of a chunk's texts (`word_postings`), every
    word hashed once (`dictionary`)."""
    letter_words = word_postings(_keys(letter_texts, "letter_terms"), letter_texts["text"])
    item_words = word_postings(_keys(item_texts, "item_terms"), item_texts["text"])
    words = dictionary(pl.concat([letter_words["term"], item_words["term"]]))
    return {
        table: postings.select(hashed_terms(words).alias("term_hash"), pl.exclude("term"))
        for table, postings in (("letter_terms", letter_words), ("item_terms", item_words))
    } | {DICTIONARY: words}


def _keys(texts: dict[str, list], table: str) -> pl.DataFrame:
    """The key columns of a postings table, one row per text."""
    keys = {column: dtype for column, dtype in _SCHEMAS[table].items() if column != "term_hash"}
    return pl.DataFrame({column: texts[column] for column in keys}, schema=keys)


DOC_KEY_SQL = "('0x' || doc_id)::UBIGINT"  # doc_key computed in SQL from a `doc_id` column


def doc_key(doc_id: str) -> int:
    """The letter's id as a number (DOC_KEY_SQL in SQL): compact in `item_terms`."""
    return int(doc_id, 16)


def _frame(table: str, table_rows: list[tuple]) -> pl.DataFrame:
    schema = dict(_SCHEMAS[table])
    if table == "letters":  # dates arrive as ISO strings and are parsed column-wise
        schema.update(dict.fromkeys(_DATE_COLUMNS, pl.String))
    return pl.DataFrame(table_rows, schema=schema, orient="row")


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
        "classified_by": pl.String,
        "classified_match": pl.String,
        "modified": pl.Boolean,
    },
    "item_terms": {"term_hash": pl.UInt32, "doc_key": pl.UInt64, "item_no": pl.UInt16},
    "letter_terms": {"term_hash": pl.UInt32, "doc_key": pl.UInt64},
    "search_terms": {"term": pl.String, "term_hash": pl.UInt32},
    "item_reasons": {
        "doc_id": pl.String,
        "item_no": pl.Int32,
        "reason_no": pl.Int32,
        "code": pl.String,
        "evidence": pl.String,
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
