"""Reason codes (etl/reasons.py, defined in ../shared/reference/reasons.md): a readable label and
the decision each is a ground for, in one place for the sidebar, the Why page and the Letters page.

Pure (no Streamlit). A code the database holds but this table does not know (a newer ETL) is
shown as written, after the known ones.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

import polars as pl

from etl.dashboard_tables import NO_REASON


class ReasonCode(NamedTuple):
    label: str
    decision: str  # the decision it is a ground for: upheld or overturned


REASONS = {
    "no_functional_improvement": ReasonCode("No functional improvement from earlier treatment", "upheld"),
    "conservative_care_not_tried": ReasonCode("Conservative care not tried (or not documented)", "upheld"),
    "exceeds_guideline_limits": ReasonCode("Exceeds the guideline's limits", "upheld"),
    "not_recommended": ReasonCode("Not recommended by the guideline", "upheld"),
    "missing_findings": ReasonCode("Required findings not documented", "upheld"),
    "opioid_monitoring": ReasonCode("Opioid monitoring not documented", "upheld"),
    "ancillary_to_denied": ReasonCode("Serves a procedure that was denied", "upheld"),
    "insufficient_information": ReasonCode("Request or records too incomplete to judge", "upheld"),
    "weaning": ReasonCode("Weaning or tapering recommended", "upheld"),
    "criteria_met": ReasonCode("Guideline criteria met and documented", "overturned"),
    "functional_improvement_documented": ReasonCode("Functional improvement documented", "overturned"),
    "within_guideline_limits": ReasonCode("Within the guideline's limits", "overturned"),
}
NO_REASON_LABEL = "(no reason found)"


def label(code: str) -> str:
    """The code's readable label (the code itself when unknown)."""
    if code == NO_REASON:
        return NO_REASON_LABEL
    known = REASONS.get(code)
    return known.label if known else code


def ordered(codes: Iterable[str]) -> tuple[str, ...]:
    """Codes in the table's order (grounds for upholding first), unknown ones after, by name."""
    rank = {code: number for number, code in enumerate(REASONS)}
    return tuple(sorted(codes, key=lambda code: (rank.get(code, len(rank)), code)))


def with_labels(frame: pl.DataFrame, column: str = "reason") -> pl.DataFrame:
    """The frame with a `label` column (the readable form of `column`) right before it."""
    labels = pl.Series("label", [label(code) for code in frame[column].to_list()], dtype=pl.String)
    return frame.insert_column(frame.get_column_index(column), labels)
