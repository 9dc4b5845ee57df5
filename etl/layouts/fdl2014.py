"""The 2014–2015 variant: "MAXIMUS FEDERAL SERVICES, INC. Independent Medical Review" with
DOCUMENTS REVIEWED and "IMR DECISION(S) AND RATIONALE(S)"; items "1. X is not medically
necessary and appropriate."."""

from __future__ import annotations

import re

from etl.layouts import common, numbered
from etl.layouts.base import LayoutResult, assemble

FORMAT = "fdl-2014"

_MARKERS = ("IMR DECISION(S) AND RATIONALE(S)", "DOCUMENTS REVIEWED")
_HEAD = numbered.line_head(r"\s*\d{1,2}\.\s+")
_DECISIONS_HEADING = re.compile(r"IMR\s+DECISION\(S\)\s+AND\s+RATIONALE\(S\)")


def detect(text: str) -> bool:
    return common.contains_any(text, _MARKERS)


def parse(text: str) -> LayoutResult:
    warnings: list[str] = []
    header = common.read_header(text)
    summary = common.section(text, ("CLINICAL CASE SUMMARY",), ("IMR DECISION(S)", "Relied Upon"))
    heading = _DECISIONS_HEADING.search(text)
    region = heading.end() if heading else 0
    items = numbered.items(text, _HEAD, warnings, region)
    return assemble(header, summary, common.prose_credentials(text), items, warnings)
