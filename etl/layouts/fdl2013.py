"""The 2013–2014 "Notice of Independent Medical Review Determination": numbered
"Regarding the request for …" items, credentials in prose."""

from __future__ import annotations

import re

from etl.layouts import common, numbered
from etl.layouts.base import LayoutResult, RawItem

FORMAT = "fdl-2013"

_MARKERS = ("Regarding the request for", "Notice of Independent Medical Review Determination")
_HEAD = re.compile(r"(?:^|\n)\s*\d{1,2}\)\s*Regarding\s+the\s+request\s+for\s+", re.IGNORECASE)


def detect(text: str) -> bool:
    return common.contains_any(text, _MARKERS)


def parse(text: str) -> LayoutResult:
    warnings: list[str] = []
    header = common.read_header(text)
    summary = common.section(
        text, ("Case Summary:", "CASE SUMMARY"), ("Regarding the request for", "Relied Upon")
    )
    return era_result(text, header, summary, numbered.items(text, _HEAD, warnings), warnings)


def era_result(
    text: str, header: common.Header, summary: str, items: list[RawItem], warnings: list[str]
) -> LayoutResult:
    """Shared tail of the 2013 and 2014 parsers (they differ in head and summary anchors)."""
    age, gender = common.patient(summary)
    if header["date_of_injury"] is None:
        header["date_of_injury"] = common.injury_date(summary)
    codes, specialties, unknown_states = common.prose_credentials(text)
    warnings += [f"unknown state of licensure: {name}" for name in unknown_states]
    return LayoutResult(
        header=header,
        patient_age=age,
        patient_gender=gender,
        reviewer_states=codes,
        reviewer_specialties=specialties,
        items=items,
        warnings=warnings,
    )
