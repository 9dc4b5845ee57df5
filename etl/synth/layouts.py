"""The three letter layouts as paragraphs (one logical line each), as the parser expects them.

fdl-2013: "Notice of Independent Medical Review Determination" with numbered decisions and
"1) Regarding the request for …:" blocks. fdl-2014: "MAXIMUS FEDERAL SERVICES, INC." with
"IMR DECISION(S) AND RATIONALE(S)" and "1. … is not medically necessary and appropriate."
fdl-2015: the seed's layout, with the page-1 header from 2016 on.
"""

from __future__ import annotations

import datetime as dt
import random

from etl.synth.clinical import write_date
from etl.synth.data import phrases
from etl.synth.model import Item, Letter
from etl.synth.reviewer import credentials_sentence, listed_specialties
from etl.synth.template import fill

_ADDRESS = ["P.O. Box 138009", "Sacramento, CA 95813-8009"]


def render(letter: Letter, rng: random.Random) -> list[str]:
    renderers = {"fdl-2013": _fdl_2013, "fdl-2014": _fdl_2014, "fdl-2015": _fdl_2015}
    return renderers[letter.era.format](letter, rng)


def _header_date(day: dt.date) -> str:
    return write_date(phrases()["dates"]["header"], day)


def _decision_word(item: Item) -> str:
    return "Upheld" if item.request.decision == "upheld" else "Overturned"


def _necessity(item: Item) -> str:
    negation = "not " if item.request.decision == "upheld" else ""
    return f"{negation}medically necessary and appropriate"


# ----------------------------------------------------------------------------- fdl-2015


def _fdl_2015(letter: Letter, rng: random.Random) -> list[str]:
    texts = phrases()["boilerplate"]
    separator = rng.choice((",", ", "))
    lines = _header_2015(letter) if letter.era.header else []
    lines += [
        "HOW THE IMR FINAL DETERMINATION WAS MADE",
        texts["how_made"],
        "The Expert Reviewer has the following credentials:",
        "State(s) of Licensure: " + separator.join(letter.reviewer.states),
        "Certification(s)/Specialty: " + ", ".join(listed_specialties(letter.reviewer)),
        "CLINICAL CASE SUMMARY",
        texts["summary_intro"],
        *letter.summary,
        "IMR ISSUES, DECISIONS AND RATIONALES",
        texts["issues_intro"],
    ]
    for item in letter.items:
        lines += [
            _issue_2015(item),
            "Claims Administrator guideline: " + item.claims.text,
            "MAXIMUS guideline: " + item.reviewer.text,
            "Decision rationale: " + item.rationale,
        ]
    return lines


def _header_2015(letter: Letter) -> list[str]:
    dates = letter.dates
    injury = _header_date(letter.patient.injury)
    return [
        f"Case Number: {letter.case_number}",
        f"Date Assigned: {_header_date(dates.assigned)} Date of Injury: {injury}",
        f"Decision Date: {_header_date(dates.decision)} UR Denial Date: {_header_date(dates.ur_denial)}",
        f"Priority: {letter.priority} Application",
        "Received:",
        _header_date(dates.received),
    ]


def _issue_2015(item: Item) -> str:
    request = item.request
    if request.original_request is None:
        return f"{request.treatment}: {_decision_word(item)}"
    return (
        f"{request.original_request} was the original request. {request.authorized} was authorized by the "
        "Claims Administrator. The remaining IMR eligible portion of the original request, "
        f"{request.treatment} is: {_decision_word(item)}"
    )


# ----------------------------------------------------------------------------- fdl-2013


def _fdl_2013(letter: Letter, rng: random.Random) -> list[str]:
    texts = phrases()["boilerplate"]
    lines = [
        "MAXIMUS Federal Services, Inc.",
        *_ADDRESS,
        "Notice of Independent Medical Review Determination",
        f"Dated: {_header_date(letter.dates.decision)}",
        *_header_2013(letter),
        "Treatment(s) in Dispute Listed on IMR Application:",
        "; ".join(item.request.listed for item in letter.items),
        "DEAR [redacted]:",
        texts["completed_2013"],
        *_final_determination(letter),
    ]
    for number, item in enumerate(letter.items, start=1):
        lines.append(
            f"{number}) MAXIMUS Federal Services, Inc. has determined the request for "
            f"{item.request.treatment} is {_necessity(item)}."
        )
    lines += [
        texts["binding_2013"],
        *texts["signature"],
        "INDEPENDENT MEDICAL REVIEW DECISION AND RATIONALE",
        " ".join(
            [
                texts["reviewer_2013_start"],
                credentials_sentence(letter.reviewer, "The physician reviewer"),
                texts["reviewer_2013_end"],
            ]
        ),
        "Expert Reviewer Case Summary:",
        *letter.summary,
    ]
    for number, item in enumerate(letter.items, start=1):
        lines += [
            f"{number}) Regarding the request for {item.request.treatment}:",
            "Medical Treatment Guideline(s) Relied Upon by the Claims Administrator:",
            item.claims.text,
            "Medical Treatment Guideline(s) Relied Upon by the Expert Reviewer:",
            item.reviewer.text,
            "Rationale for the Decision:",
            item.rationale,
        ]
    return lines


def _header_2013(letter: Letter) -> list[str]:
    dates = letter.dates
    return [
        f"IMR Case Number: {letter.case_number} Date of Injury: {_header_date(letter.patient.injury)}",
        f"Claim Number: [redacted] UR Denial Date: {_header_date(dates.ur_denial)}",
        f"Priority: {letter.priority} Application Received: {_header_date(dates.received)}",
        "Employee Name: [redacted]",
    ]


def _final_determination(letter: Letter) -> list[str]:
    texts = phrases()["boilerplate"]
    decisions = {item.request.decision for item in letter.items}
    if decisions == {"upheld"}:
        return ["Final Determination: UPHOLD", texts["uphold_2013"]]
    meaning = texts["overturn_all_2013"] if decisions == {"overturned"} else texts["overturn_some_2013"]
    return ["Final Determination: OVERTURN", meaning]


# ----------------------------------------------------------------------------- fdl-2014


def _fdl_2014(letter: Letter, rng: random.Random) -> list[str]:
    texts = phrases()["boilerplate"]
    lines = [
        "MAXIMUS FEDERAL SERVICES, INC.",
        "Independent Medical Review",
        *_ADDRESS,
        f"Dated: {_header_date(letter.dates.decision)}",
        *_header_2013(letter),
        "HOW THE IMR FINAL DETERMINATION WAS MADE",
        " ".join(
            [
                texts["how_made_2014_start"],
                credentials_sentence(letter.reviewer, "The expert reviewer"),
                texts["how_made_2014_end"],
            ]
        ),
        "DOCUMENTS REVIEWED",
        *_documents(letter, rng),
        "CLINICAL CASE SUMMARY",
        *letter.summary,
        "IMR DECISION(S) AND RATIONALE(S)",
    ]
    for number, item in enumerate(letter.items, start=1):
        lines += [
            f"{number}. {item.request.treatment} is {_necessity(item)}.",
            "Guideline(s) Relied Upon by the Claims Administrator: " + item.claims.text,
            "Guideline(s) Relied Upon by the Expert Reviewer: " + item.reviewer.text,
            "Rationale for the Decision: " + item.rationale,
        ]
    return lines


def _documents(letter: Letter, rng: random.Random) -> list[str]:
    dates = letter.dates
    slots = {
        "ur_date": _header_date(dates.ur_denial),
        "rfa_date": _header_date(dates.rfa),
        "records_from": _header_date(max(letter.patient.injury, dates.visit - dt.timedelta(days=365))),
        "records_to": _header_date(dates.visit),
    }
    documents = phrases()["boilerplate"]["documents_2014"]
    chosen = [documents[0], *rng.sample(documents[1:], rng.randint(2, 4))]
    return [f"{number}. {fill(text, rng, slots)}" for number, text in enumerate(chosen, start=1)]
