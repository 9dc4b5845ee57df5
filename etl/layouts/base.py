"""What a layout module returns: the letter's fields before classification and citations."""

from __future__ import annotations

from typing import TypedDict

from etl.layouts import common
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


Credentials = tuple[list[str], list[str], list[str]]  # states, specialties, unreadable state names


def assemble(
    header: Header, summary: str, credentials: Credentials, items: list[RawItem], warnings: list[str]
) -> LayoutResult:
    """What every layout does once its sections are found: patient and injury date from the case
    summary (the header's injury date wins), credentials, warnings for unreadable states."""
    age, gender = common.patient(summary)
    if header["date_of_injury"] is None:
        header["date_of_injury"] = common.injury_date(summary)
    states, specialties, unknown_states = credentials
    return LayoutResult(
        header=header,
        patient_age=age,
        patient_gender=gender,
        reviewer_states=states,
        reviewer_specialties=specialties,
        items=items,
        warnings=warnings + [f"unknown state of licensure: {name}" for name in unknown_states],
    )
