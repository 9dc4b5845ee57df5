"""Letter layouts, one module per era, recognised from content (never from file names).

Order matters: the most specific markers first. A text that looks like an IMR determination
but matches no known layout goes to `unknown`, which reads what it can and warns. A recognised
layout whose own reader finds no item with a decision (a variant of its era) takes the generic
reader's items.
"""

from __future__ import annotations

from types import ModuleType

from etl.layouts import common, fdl2013, fdl2014, fdl2015, generic_header, generic_items, unknown
from etl.layouts.base import Header, LayoutResult, RawItem

LAYOUTS: tuple[ModuleType, ...] = (fdl2015, fdl2014, fdl2013)


def detect(text: str) -> ModuleType:
    """The layout module for `text`; raises NotALetter when it is no IMR determination."""
    for layout in LAYOUTS:
        if layout.detect(text):
            return layout
    unknown.require_determination(text)
    return unknown


def read(text: str) -> tuple[str, LayoutResult]:
    """The format of `text` and what its layout reads; raises NotALetter like `detect`."""
    layout = detect(text)
    result = layout.parse(text)
    if layout is not unknown and not any(map(_is_read_fully, result["items"])):
        items, warnings = generic_items.read_items(text)
        if _says_more(items, result["items"]):
            result["items"] = items
            result["warnings"] += [
                *warnings,
                f"{layout.FORMAT} items without a decision, guidelines or rationale: "
                "items read by generic rules",
            ]
    return layout.FORMAT, _filled(result, text)


def _is_read_fully(item: RawItem) -> bool:
    return bool(item["decision"]) and bool(
        item["rationale"] or item["claims_paragraph"] or item["reviewer_paragraph"]
    )


def _says_more(generic: list[RawItem], era: list[RawItem]) -> bool:
    """Whether the generic reader's items beat the era reader's: as many or more, and more of
    them decided and with their guidelines or rationale (a variant the era reader half reads)."""
    if not generic or len(generic) < len(era):
        return False
    return sum(map(_is_read_fully, generic)) > sum(map(_is_read_fully, era))


def _missed_the_header(header: Header) -> bool:
    """No date at all: the era reader found no header of its kind (a letter with one, missing a
    field its era never printed, is not searched again)."""
    return all(header[field] is None for field in generic_header.DATE_FIELDS)  # type: ignore[literal-required]


def _filled(result: LayoutResult, text: str) -> LayoutResult:
    """What the layout's reader left empty, read by generic rules from the whole letter: a variant
    of an era may move its header, case summary or credentials where the era reader never looks."""
    header = result["header"]
    if _missed_the_header(header):
        result["header"] = generic_header.fill_header(header, text)
    if result["patient_age"] is None and result["patient_gender"] is None:
        result["patient_age"], result["patient_gender"] = common.patient(text)
    if result["header"]["date_of_injury"] is None:
        result["header"]["date_of_injury"] = common.injury_date(text)
    if not result["reviewer_states"]:
        result["reviewer_states"] = generic_header.licensed_states(text)
    if not result["reviewer_specialties"]:
        result["reviewer_specialties"] = generic_header.board_specialties(text)
    return result
