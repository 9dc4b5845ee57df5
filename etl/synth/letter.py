"""One synthetic letter: compose it, lay it out, and write its truth record.

The truth is built from the same strings the layout prints, so it matches the clean text
exactly (whitespace collapsed) without parsing anything back.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from etl.normalise import normalise
from etl.records import Item as ItemRecord
from etl.records import Letter as LetterRecord
from etl.records import doc_id
from etl.synth.citations import guideline_line
from etl.synth.clinical import (
    case_summary,
    date_writer,
    make_dates,
    make_patient,
    narrative_slots,
    rationale,
    stated_reasons,
    write_date,
)
from etl.synth.data import figures, phrases
from etl.synth.layouts import render
from etl.synth.model import Era, Item, Letter, Request
from etl.synth.places import main_place
from etl.synth.requests import choose_requests
from etl.synth.reviewer import choose_reviewer, listed_specialties, prose_specialties, state_codes
from etl.synth.targets import decision_span, decision_years, layouts_on

FILE_PREFIX = "synthetic-"
# index -> case number is one-to-one below 10**7 letters (the step is coprime with 10**7)
_CASE_NUMBER_STEP = 7919
_CASE_NUMBER_OFFSET = 104729


@dataclass(frozen=True)
class Draft:
    """A generated letter: its paragraphs (for PDF), clean text and truth record."""

    paragraphs: list[str]
    text: str
    record: LetterRecord


def file_stem(index: int) -> str:
    return f"{FILE_PREFIX}{index:07d}"


def build(rng: random.Random, index: int) -> Draft:
    letter = compose(rng, index)
    paragraphs = render(letter, rng)
    text = _wrapped(rng, paragraphs)
    return Draft(paragraphs, text, _record(letter, f"{file_stem(index)}.txt", text))


def compose(rng: random.Random, index: int) -> Letter:
    era = _era(rng)
    dates = make_dates(rng, era.decision)
    patient = make_patient(rng, dates.ur_denial)
    places = main_place(rng)
    write = date_writer(rng, era)
    service_date = write_date(phrases()["dates"]["header"], dates.visit)
    requests = choose_requests(rng, era, places, service_date)
    reviewer = choose_reviewer(rng, requests[0])
    slots = narrative_slots(rng, patient, places, dates, requests, write)
    summary = case_summary(rng, era, patient, slots)
    items = [_item(rng, era, request, slots) for request in requests]
    expedited = rng.random() < figures()["requests"]["expedited_share"]
    return Letter(
        era=era,
        case_number=_case_number(era, index),
        priority="Expedited" if expedited else "Standard",
        dates=dates,
        patient=patient,
        reviewer=reviewer,
        items=items,
        summary=summary,
    )


def _case_number(era: Era, index: int) -> str:
    serial = (index * _CASE_NUMBER_STEP + _CASE_NUMBER_OFFSET) % 10**7
    return f"CM{era.year % 100:02d}-{serial:07d}"


def _era(rng: random.Random) -> Era:
    years, volumes = decision_years()
    year = rng.choices(years, weights=volumes)[0]
    first, last = decision_span(year)
    day = first + dt.timedelta(days=rng.randint(0, (last - first).days))
    layouts = layouts_on(day)
    layout = rng.choices(layouts, weights=[layout["weight"] for layout in layouts])[0]
    return Era(format=layout["format"], header=layout["header"], citations=layout["citations"], decision=day)


def _item(rng: random.Random, era: Era, request: Request, slots: dict) -> Item:
    claims, claims_mtus = guideline_line(rng, era, request, "claims")
    repeats = rng.random() < figures()["guideline_shapes"]["reviewer_repeats_claims"]
    reviewer, _ = guideline_line(rng, era, request, "reviewer", claims_mtus if repeats else None)
    return Item(
        request=request, claims=claims, reviewer=reviewer, sentences=rationale(rng, era, request, slots)
    )


def _wrapped(rng: random.Random, paragraphs: list[str]) -> str:
    """Clean text: most letters wrapped like a PDF extraction, some one line per paragraph."""
    settings = figures()["output"]
    if rng.random() >= settings["wrapped_share"]:
        return "\n".join(paragraphs) + "\n"
    width = rng.randint(settings["wrap_min"], settings["wrap_max"])
    return "\n".join(line for paragraph in paragraphs for line in _wrap(paragraph, width)) + "\n"


def _wrap(paragraph: str, width: int) -> list[str]:
    lines: list[str] = []
    current = ""
    for word in paragraph.split(" "):
        if current and len(current) + 1 + len(word) > width:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}" if current else word
    lines.append(current)
    return lines


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def _record(letter: Letter, source: str, text: str) -> LetterRecord:
    era, dates = letter.era, letter.dates
    header = era.header
    prose = era.citations == "prose"
    return LetterRecord(
        source=source,
        doc_id=doc_id(normalise(text)),
        format=era.format,
        case_number=letter.case_number if header else None,
        date_of_injury=_iso(letter.patient.injury),
        date_assigned=_iso(dates.assigned) if header and not prose else None,
        decision_date=_iso(dates.decision) if header else None,
        ur_denial_date=_iso(dates.ur_denial) if header else None,
        application_received=_iso(dates.received) if header else None,
        priority=letter.priority if header else None,
        patient_age=letter.patient.age,
        patient_gender=letter.patient.gender,
        reviewer_states=state_codes(letter.reviewer),
        reviewer_specialties=prose_specialties(letter.reviewer)
        if prose
        else listed_specialties(letter.reviewer),
        items=[_item_record(item) for item in letter.items],
        warnings=[],
    )


def _item_record(item: Item) -> ItemRecord:
    request = item.request
    return ItemRecord(
        treatment=request.treatment,
        original_request=request.original_request,
        decision=request.decision,  # type: ignore[typeddict-item]
        category=request.category,
        subcategory=request.subcategory,
        reviewer_guidelines=item.reviewer.citations,
        claims_guidelines=item.claims.citations,
        rationale=item.rationale,
        reasons=stated_reasons(item.sentences),
    )
