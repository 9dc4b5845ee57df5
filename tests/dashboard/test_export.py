"""The Letters page's export: every column of `decisions` plus the rationale and a readable cell of
each side's citations, equal to `decisions` row by row; written a page at a time, in the Letters
page's order."""

from __future__ import annotations

import io
from pathlib import Path

import polars as pl
import pytest

from dashboard import queries
from dashboard.connection import Database, file_identity
from dashboard.filters import Filters

EXTRA = ["rationale", "reviewer_citations", "claims_citations"]


@pytest.fixture
def db(fixture_db: Path):
    database = Database(file_identity(fixture_db))
    yield database
    database.close()


def decisions(reference, where: str) -> pl.DataFrame:
    return reference.execute(
        f"""SELECT d.*, i.rationale FROM (SELECT * FROM decisions WHERE {where}) d
            JOIN items i USING (doc_id, item_no) ORDER BY item_id"""
    ).pl()


def test_the_export_holds_every_decisions_column_and_equals_it(db, reference) -> None:
    filters = Filters(categories=("Pharmaceuticals", "Rehabilitation"), include_synthetic=True)
    parquet = pl.read_parquet(io.BytesIO(queries.export(db.cursor(), filters, None, "parquet")))
    expected = decisions(reference, "category IN ('Pharmaceuticals', 'Rehabilitation')")
    view_columns = [row[0] for row in reference.execute("DESCRIBE decisions").fetchall()]
    assert parquet.columns == [*view_columns, *EXTRA]
    shown = parquet.drop("reviewer_citations", "claims_citations").sort("item_id")
    assert shown.height == expected.height > 0
    for column in expected.columns:
        assert shown[column].to_list() == expected[column].to_list(), column


def test_csv_cells_are_readable(db, reference) -> None:
    filters = Filters(include_synthetic=True)
    csv = pl.read_csv(io.BytesIO(queries.export(db.cursor(), filters, None, "csv")), infer_schema=False)
    expected = decisions(reference, "true")
    assert csv.height == expected.height
    by_item = dict(zip(expected["item_id"], expected.iter_rows(named=True), strict=True))
    for row in csv.iter_rows(named=True):
        item = by_item[row["item_id"]]
        assert (row["reviewer_specialties"] or "") == "; ".join(item["reviewer_specialties"])
        assert (row["reviewer_states"] or "") == "; ".join(item["reviewer_states"])
        assert (row["claims_sources"] or "") == "; ".join(item["claims_sources"])


def test_a_citation_cell_names_every_citation_of_its_side(db, reference) -> None:
    """The cell of an item citing several guidelines, against its `citations` rows."""
    doc_id, item_no = reference.execute(
        """SELECT doc_id, item_no FROM citations WHERE side = 'claims'
           GROUP BY ALL HAVING count(*) >= 2 AND bool_or(section IS NOT NULL) ORDER BY ALL LIMIT 1"""
    ).fetchone()
    cites = reference.execute(
        """SELECT source, document, year, section, pages, text FROM citations
           WHERE doc_id = ? AND item_no = ? AND side = 'claims' ORDER BY cite_no""",
        [doc_id, item_no],
    ).fetchall()
    parts = []
    for source, document, year, section, pages, text in cites:
        named = " ".join(str(part) for part in (document, year) if part is not None)
        details = [part for part in (named, section, f"p. {', '.join(pages)}" if pages else None) if part]
        parts.append(f"{source}: {', '.join(details) if details else text}")
    frame = pl.concat(queries.export_pages(db.cursor(), Filters(include_synthetic=True), None))
    cell = frame.filter((pl.col("doc_id") == doc_id) & (pl.col("item_no") == item_no))["claims_citations"]
    assert cell.to_list() == ["; ".join(parts)]
    assert cell[0].count("; ") == len(cites) - 1


def test_a_citation_cell_by_hand(db) -> None:
    """The seed letter's item, its cells written out by hand from its guideline lines."""
    frame = pl.concat(queries.export_pages(db.cursor(), Filters(include_synthetic=True), None))
    seed = frame.filter(pl.col("treatment") == "Work hardening program 2 times a week for 12 weeks")
    assert seed["reviewer_citations"].to_list() == [
        "MTUS: Chronic Pain Medical Treatment Guidelines, Work conditioning, work hardening, p. 125"
    ]
    assert seed["claims_citations"].to_list() == [
        "MTUS: Chronic Pain Medical Treatment Guidelines, Criteria for admission to a Work Hardening Program"
    ]


def test_the_export_is_written_page_by_page_in_the_letters_order(db, reference) -> None:
    filters = Filters(include_synthetic=True)
    pages = list(queries.export_pages(db.cursor(), filters, None, page_rows=50))
    total = reference.execute("SELECT count(*) FROM decisions").fetchone()[0]
    assert [page.height for page in pages[:-1]] == [50] * (len(pages) - 1)
    assert sum(page.height for page in pages) == total
    shown = pl.concat(pages)["item_id"].to_list()
    explorer = [
        item_id
        for number in range(len(pages))
        for item_id in queries.explorer_page(db.cursor(), filters, None, number, page_size=50)["item_id"]
    ]
    assert shown == explorer
    paged = pl.read_parquet(io.BytesIO(queries.export(db.cursor(), filters, None, "parquet")))
    assert paged["item_id"].to_list() == shown


def test_the_export_keeps_the_search(db, reference) -> None:
    hits = queries.search(db.cursor(), "norco")
    frame = pl.concat(queries.export_pages(db.cursor(), Filters(include_synthetic=True), hits))
    assert frame.height == queries.explorer_count(db.cursor(), Filters(include_synthetic=True), hits) > 0
