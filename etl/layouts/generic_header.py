"""Header fields of a letter in a layout never seen, for what the era readers leave empty: dates
and priority after labels worded any way ("Final Determination Date:", "Decision issued:",
"Letter date   06/22/2020", "Injury date:", "Review Type: Standard"), and the reviewer's states
from any licensing phrase ("licensed in California and Nevada", "Licensed in: California, Texas",
"State(s) of licensure: California, Oregon") and their specialties from "Board certification: …"."""

from __future__ import annotations

import re

from etl.layouts import common
from etl.layouts.base import Header

HEAD_CHARACTERS = 3000
_DATE_VALUE = rf"\s*[:\-]?\s*(?P<date>{common.DATE}|{common.NAMED_DATE})"
_DATE_LABELS = {
    "decision_date": r"(?:final\s+)?determination\s+date|date\s+of\s+(?:final\s+)?(?:determination|decision)|"
    r"decision\s+(?:date|issued)|letter\s+date|date\s+issued|issued\s+on|decided(?:\s+on)?",
    "date_of_injury": r"date\s+of\s+injury|injury\s+date",
    "application_received": r"application\s+received|date\s+received",
    "date_assigned": r"date\s+assigned",
    "ur_denial_date": r"ur\s+denial\s+date|date\s+of\s+(?:the\s+)?ur\s+denial",
}
_FIRST_LETTERS = "".join(
    sorted(
        {
            letter
            for label in _DATE_LABELS.values()
            for part in label.split("|")
            for letter in (part.removeprefix("(?:")[0], part.removeprefix("(?:")[0].upper())
        }
    )
)
# One pass over the head finds every label; each field takes the first date after its label.
DATE_FIELDS = tuple(_DATE_LABELS)
_LABELLED_DATES = re.compile(
    # A label can only start where one of its first letters stands: other positions are skipped at once.
    rf"(?=[{_FIRST_LETTERS}])\b(?:"
    + "|".join(f"(?P<{field}>{label})" for field, label in _DATE_LABELS.items())
    + rf"){_DATE_VALUE}",
    re.IGNORECASE,
)
_PRIORITY = re.compile(
    r"\b(?:priority|review\s+type|type\s+of\s+review)\s*:?\s*(standard|expedited|regular|urgent)\b",
    re.IGNORECASE,
)
_BOARD = re.compile(r"\bboard\s+certification\s*:\s*(?P<specialties>[^.\n]{2,200})", re.IGNORECASE)
_LICENSED = re.compile(
    r"\b(?:licensed\s+(?:to\s+practice\s+)?in|state\(?s?\)?\s+of\s+licensure)\s*:?\s*(?P<states>[^.]{2,120})",
    re.IGNORECASE,
)


def fill_header(header: Header, text: str) -> Header:
    """`header` with its empty dates and priority read from labels worded any way."""
    missing = {field for field in _DATE_LABELS if header[field] is None}  # type: ignore[literal-required]
    if not missing and header["priority"] is not None:
        return header
    head = text[:HEAD_CHARACTERS]
    filled = dict(header)
    for found in _LABELLED_DATES.finditer(head) if missing else ():
        field = _label_of(found)
        if field in missing:
            filled[field] = common.iso_date(found.group("date"))
            missing.discard(field)
    if filled["priority"] is None:
        found = _PRIORITY.search(head)
        filled["priority"] = common.priority_of(found.group(1)) if found else None
    return Header(**filled)  # type: ignore[typeddict-item]


def _label_of(found: re.Match[str]) -> str:
    """The field whose label group took part in the match."""
    return next(field for field in _DATE_LABELS if found.group(field) is not None)


def licensed_states(text: str) -> list[str]:
    """USPS codes of the first licensing phrase, read up to the first word that is no state."""
    found = _LICENSED.search(text)
    if not found:
        return []
    codes, _ = common.states(_leading_states(" ".join(found.group("states").split())))
    return codes


def board_specialties(text: str) -> list[str]:
    """ "Board certification: Occupational Medicine, Family Medicine." → the specialties, as written."""
    found = _BOARD.search(text)
    if not found:
        return []
    return [name.strip(" .") for name in found.group("specialties").split(",") if name.strip(" .")]


def _leading_states(phrase: str) -> str:
    """ "California and Nevada, board certified …" → "California, Nevada" (the states only)."""
    names = []
    for name in re.split(r",|;|\band\b|&", phrase):
        name = name.strip(" .")
        if not name:
            continue
        if common.states(name)[0]:
            names.append(name)
            continue
        words = name.split()  # "Oregon Certification(s)/Specialty: …": the state, then other words
        leading = next(
            (" ".join(words[:n]) for n in (3, 2, 1) if common.states(" ".join(words[:n]))[0]), None
        )
        if leading:
            names.append(leading)
        break
    return ", ".join(names)
