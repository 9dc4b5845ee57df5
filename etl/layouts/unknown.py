"""A determination in a layout never seen: header fields, case summary, credentials, and one
item per "the request for X is (not) medically necessary" sentence, all with warnings."""

from __future__ import annotations

import re

from etl.layouts import common
from etl.layouts.base import LayoutResult, RawItem, assemble

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
_REQUEST = re.compile(
    r"(?:the\s+)?request\s+for\s+(?P<treatment>[^.]{3,200}?)\s+is\s+(?P<not>not\s+)?"
    r"(?:medically\s+necessary|upheld|overturned)",
    re.IGNORECASE,
)


class NotALetter(ValueError):
    """The document is readable but is not an IMR final determination."""


def require_determination(text: str) -> None:
    if _DETERMINATION.search(text) and _FINAL.search(text) and _REQUEST.search(text):
        return
    if _UR_LETTER.search(text):
        raise NotALetter("not an IMR determination: reads like a utilization review letter or medical report")
    raise NotALetter("not an IMR determination: no IMR decision found")


def detect(text: str) -> bool:
    return False


def parse(text: str) -> LayoutResult:
    warnings = ["unrecognised letter layout: fields read by generic rules"]
    header = common.read_header(text)
    credentials = common.listed_credentials(text)
    if not credentials[0] and not credentials[1]:
        credentials = common.prose_credentials(text)
    items: list[RawItem] = []
    seen: set[str] = set()
    for match in _REQUEST.finditer(text):
        treatment = common.collapse(match.group("treatment"))
        if treatment.lower() in seen:
            continue
        seen.add(treatment.lower())
        items.append(
            RawItem(
                treatment=treatment,
                original_request=None,
                decision="upheld" if match.group("not") else "overturned",
                claims_paragraph="",
                reviewer_paragraph="",
                rationale=None,
            )
        )
    return assemble(header, text, credentials, items, warnings)
