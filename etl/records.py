"""The parse contract in code (`../shared/contract/parse-output.md`).

Records are TypedDicts so they serialise to the contract's JSON as they are, and so the
same dicts flow from worker processes to the loader without conversion.
"""

from __future__ import annotations

import hashlib
from typing import Literal, TypedDict

Decision = Literal["upheld", "overturned"]

CATEGORIES = (
    "Pharmaceuticals",
    "Diagnostic Testing",
    "Rehabilitation",
    "DMEPOS",
    "Injections",
    "Surgery",
    "Evaluation & Management",
    "Behavioral & Mental Health",
    "Programs",
    "Home Health",
    "Transportation",
    "Other",
)


# Reason codes (../shared/reference/reasons.md), by the decision they explain.
REASONS = {
    "upheld": (
        "no_functional_improvement",
        "conservative_care_not_tried",
        "exceeds_guideline_limits",
        "not_recommended",
        "missing_findings",
        "opioid_monitoring",
        "ancillary_to_denied",
        "insufficient_information",
        "weaning",
    ),
    "overturned": ("criteria_met", "functional_improvement_documented", "within_guideline_limits"),
}


class Citation(TypedDict):
    text: str
    source: str
    document: str | None
    year: int | None
    section: str | None
    pages: list[str]


class ClassifiedBy(TypedDict):
    method: Literal["rule", "topic", "fuzzy", "none"]
    matched: str | None


class Reason(TypedDict):
    code: str  # ../shared/reference/reasons.md
    evidence: str  # the rationale's sentence that states it


class Item(TypedDict):
    treatment: str
    original_request: str | None
    decision: Decision | None
    category: str
    subcategory: str | None
    reviewer_guidelines: list[Citation]
    claims_guidelines: list[Citation]
    rationale: str | None
    classified_by: ClassifiedBy
    reasons: list[Reason]


class Letter(TypedDict):
    source: str
    doc_id: str
    format: str
    case_number: str | None
    date_of_injury: str | None
    date_assigned: str | None
    decision_date: str | None
    ur_denial_date: str | None
    application_received: str | None
    priority: str | None
    patient_age: int | None
    patient_gender: str | None
    reviewer_states: list[str]
    reviewer_specialties: list[str]
    items: list[Item]
    warnings: list[str]


LETTER_KEYS = tuple(Letter.__annotations__)
ITEM_KEYS = tuple(Item.__annotations__)
# What a truth label states about an item: `classified_by` is the parser's provenance, not a
# fact of the letter, so labelled and generated truth leave it out. (Hand-labelled fixtures
# state no `reasons`: those are labelled in their own files, tests/fixtures/reasons.)
LABELLED_ITEM_KEYS = tuple(key for key in ITEM_KEYS if key != "classified_by")
CITATION_KEYS = tuple(Citation.__annotations__)


def doc_id(clean_text: str) -> str:
    """Content hash of the normalised text (line breaks as spaces), so extraction noise, line
    wrapping and file names do not change a letter's identity."""
    return hashlib.sha256(clean_text.replace("\n", " ").encode()).hexdigest()[:16]
