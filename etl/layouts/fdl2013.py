"""The 2013–2014 "Notice of Independent Medical Review Determination": numbered
"Regarding the request for …" items, credentials in prose."""

from __future__ import annotations

import re

from etl.layouts import common, numbered
from etl.layouts.base import LayoutResult, assemble

FORMAT = "fdl-2013"

_MARKERS = ("Regarding the request for", "Notice of Independent Medical Review Determination")
_HEAD = numbered.line_head(r"\s*\d{1,2}\)\s*Regarding\s+the\s+request\s+for\s+", re.IGNORECASE)


def detect(text: str) -> bool:
    return common.contains_any(text, _MARKERS)


def parse(text: str) -> LayoutResult:
    warnings: list[str] = []
    header = common.read_header(text)
    summary = common.section(
        text, ("Case Summary:", "CASE SUMMARY"), ("Regarding the request for", "Relied Upon")
    )
    items = numbered.items(text, _HEAD, warnings)
    return assemble(header, summary, common.prose_credentials(text), items, warnings)
