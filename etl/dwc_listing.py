"""The DWC's per-treatment listing, `dwc-listing.csv`: its name and columns (the download writes it,
the refresh reads it), and its reading into typed rows — the whole file or nothing.

The listing is the DWC's own second reading of every letter (category, subcategory, decision per
treatment), loaded into `dwc_index` and set against the parsed items by the `dwc_reconciliation`
view (etl/load.py). Its text is data from a web page: stored as written, never interpreted.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import polars as pl

LISTING = "dwc-listing.csv"
LISTING_COLUMNS = (
    "case_number",
    "treatment_no",
    "decision_date",
    "injury_date",
    "received_date",
    "specialty",
    "category",
    "subcategory",
    "decision",
    "pdf_url",
)
DATE_COLUMNS = ("decision_date", "injury_date", "received_date")
TEXT_COLUMNS = ("case_number", "specialty", "category", "subcategory", "decision", "pdf_url")
ROW_COLUMN = "row"  # the row's place in the file (1 = the first after the header): later rows win
_SHOWN_CHARACTERS = 40  # of a bad value, in a reject reason


class ListingRejected(ValueError):
    """A listing that cannot be loaded whole: the reason names the first problem found."""


def is_listing(path: str) -> bool:
    """Whether a (stored) path names a DWC listing: by its file name, the one the download writes."""
    return path.rsplit("/", 1)[-1] == LISTING


def read_listing(path: str, out: Path) -> int:
    """Check the listing at `path` and write its rows, typed, to the Parquet file `out`; returns the
    rows. Raises ListingRejected, writing nothing, when the file is not a regular file, is not
    UTF-8 CSV, lacks a column or holds a row with an empty case number, a treatment number that is
    not a whole number from 1, or a date that is not YYYY-MM-DD (a decision date is required)."""
    _require_regular_file(path)
    try:
        listing = pl.scan_csv(path, glob=False, infer_schema=False, raise_if_empty=False)
        missing = [column for column in LISTING_COLUMNS if column not in listing.collect_schema().names()]
        if missing:
            raise ListingRejected(f"DWC listing without the columns {', '.join(missing)}")
        typed = listing.select(_typed_columns()).with_row_index(ROW_COLUMN, offset=1)
        problem = (
            listing.with_row_index(ROW_COLUMN, offset=1)
            .select(ROW_COLUMN, _first_problem())
            .filter(pl.col("problem").is_not_null())
            .head(1)
            .collect()
        )
        if problem.height:
            row, reason = problem.row(0)
            raise ListingRejected(f"DWC listing row {row}: {reason}")
        typed.sink_parquet(out)
    except pl.exceptions.PolarsError as err:
        out.unlink(missing_ok=True)
        first_line = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise ListingRejected(f"DWC listing is not a readable CSV: {first_line}") from None
    return pl.scan_parquet(out).select(pl.len()).collect().item()


def _require_regular_file(path: str) -> None:
    """A FIFO or a device named like a listing would block or never end: refused before reading."""
    try:
        status = os.stat(path)
    except OSError as err:
        raise ListingRejected(f"unreadable: {err.strerror or err}") from None
    if not stat.S_ISREG(status.st_mode):
        raise ListingRejected("not a regular file")
    if not os.access(path, os.R_OK):
        raise ListingRejected("unreadable: permission denied")


def _date(column: str) -> pl.Expr:
    return pl.col(column).str.to_date("%Y-%m-%d", strict=False)


def _treatment_no() -> pl.Expr:
    return pl.col("treatment_no").str.strip_chars().cast(pl.Int32, strict=False)


def _typed_columns() -> list[pl.Expr]:
    """The listing's columns as `dwc_index` holds them (empty cells are null)."""
    typed = {
        **{column: pl.col(column) for column in TEXT_COLUMNS},
        "treatment_no": _treatment_no(),
        **{column: _date(column) for column in DATE_COLUMNS},
    }
    return [typed[column].alias(column) for column in LISTING_COLUMNS]


def _first_problem() -> pl.Expr:
    """What is wrong with a row (null when nothing is), the bad value quoted."""

    def shown(column: str) -> pl.Expr:
        return pl.lit(f"{column} ") + pl.col(column).str.slice(0, _SHOWN_CHARACTERS).fill_null("")

    checks = [
        (pl.col("case_number").is_null(), pl.lit("case_number is empty")),
        (
            _treatment_no().is_null() | (_treatment_no() < 1),
            shown("treatment_no") + pl.lit(" is not a treatment number (1, 2, …)"),
        ),
        (pl.col("decision_date").is_null(), pl.lit("decision_date is empty")),
        *(
            (
                pl.col(column).is_not_null() & _date(column).is_null(),
                shown(column) + pl.lit(" is not a date (YYYY-MM-DD)"),
            )
            for column in DATE_COLUMNS
        ),
    ]
    problem = pl.when(checks[0][0]).then(checks[0][1])
    for condition, reason in checks[1:]:
        problem = problem.when(condition).then(reason)
    return problem.otherwise(None).alias("problem")
