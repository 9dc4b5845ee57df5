"""What a layout module returns: the letter's fields before classification and citations."""

from __future__ import annotations

from typing import TypedDict

from etl.layouts.common import Header


class RawItem(TypedDict):
    treatment: str
    original_request: str | None
    decision: str | None
    claims_paragraph: str
    reviewer_paragraph: str
    rationale: str | None


class LayoutResult(TypedDict):
    header: Header
    patient_age: int | None
    patient_gender: str | None
    reviewer_states: list[str]
    reviewer_specialties: list[str]
    items: list[RawItem]
    warnings: list[str]
