"""A determination in a layout never seen: header fields, case summary, credentials, and the
items the generic reader finds (`generic_items`), all with warnings. What its readers leave
empty is read once more by generic rules for every layout (`layouts._filled`)."""

from __future__ import annotations

import re

from etl.layouts import common, generic_header, generic_items
from etl.layouts.base import LayoutResult, assemble

FORMAT = "unknown"

_DETERMINATION = re.compile(r"Independent\s+Medical\s+Review|MAXIMUS|\bIMR\b", re.IGNORECASE)
_FINAL = re.compile(
    r"Final\s+Determination|Expert\s+Reviewer|IMR\s+Decision|UPHELD|OVERTURNED", re.IGNORECASE
)
_UR_LETTER = re.compile(
    r"utilization\s+review|non-?certif|request\s+for\s+authorization|progress\s+report|"
    r"chief\s+complaint|subjective\s*:",
    re.IGNORECASE,
)


class NotALetter(ValueError):
    """The document is readable but is not an IMR final determination."""


def require_determination(text: str) -> None:
    if _DETERMINATION.search(text) and _FINAL.search(text) and generic_items.states_a_decision(text):
        return
    if _UR_LETTER.search(text):
        raise NotALetter("not an IMR determination: reads like a utilization review letter or medical report")
    raise NotALetter("not an IMR determination: no IMR decision found")


def detect(text: str) -> bool:
    return False


def parse(text: str) -> LayoutResult:
    warnings = ["unrecognised letter layout: fields read by generic rules"]
    header = generic_header.fill_header(common.read_header(text), text)
    credentials = common.listed_credentials(text)
    if not credentials[0] and not credentials[1]:
        credentials = common.prose_credentials(text)
    items, item_warnings = generic_items.read_items(text)
    return assemble(header, text, credentials, items, warnings + item_warnings)
