"""A generated letter before it is written out: what was decided, about whom, by whom."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from etl.records import Citation


@dataclass(frozen=True)
class Era:
    """Which layout and citation style a decision date calls for."""

    format: str
    header: bool
    citations: str  # "prose" (2013-14), "pages" (2015), "sections" (2016+)
    decision: dt.date

    @property
    def year(self) -> int:
        return self.decision.year


@dataclass(frozen=True)
class Place:
    """A body region as one letter names it; the side stays the same throughout the letter."""

    name: str
    side: str
    site: str
    info: dict[str, Any]


@dataclass
class PlaceBook:
    """The letter's body regions: the main one first, others added as requests need them."""

    main: Place
    places: dict[str, Place] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.places.setdefault(self.main.name, self.main)


@dataclass(frozen=True)
class Patient:
    age: int | None
    gender: str  # "male" / "female"
    word: str  # as the letter writes it: male, female, man, woman
    injury: dt.date


@dataclass(frozen=True)
class Reviewer:
    states: tuple[str, ...]  # state names as written
    profile: dict[str, Any]


@dataclass
class Request:
    """One disputed item: the request as decided, its class and the decision."""

    treatment: str
    listed: str  # as listed on the IMR application (the original request)
    original_request: str | None
    authorized: str | None
    category: str
    subcategory: str | None
    topic: str
    place: Place | None
    role: str  # "procedure", "adjunct" or "other"
    decision: str = "upheld"
    procedure_decision: str | None = None  # for an adjunct that follows its procedure


@dataclass(frozen=True)
class GuidelineLine:
    """A guideline paragraph as written, with the citations it holds."""

    text: str
    citations: list[Citation]


@dataclass(frozen=True)
class Sentence:
    """One rationale sentence as written. `code` is the ground it states (a reasons.md code);
    `lure` is the code a careless reader would wrongly give it (a quote, a concession, an aside)."""

    text: str
    code: str | None = None
    lure: str | None = None


@dataclass
class Item:
    request: Request
    claims: GuidelineLine
    reviewer: GuidelineLine
    sentences: list[Sentence]

    @property
    def rationale(self) -> str:
        return " ".join(sentence.text for sentence in self.sentences)


@dataclass
class Dates:
    decision: dt.date
    assigned: dt.date
    received: dt.date
    ur_denial: dt.date
    visit: dt.date
    rfa: dt.date


@dataclass
class Letter:
    """Everything the layouts render and the truth record reports."""

    era: Era
    case_number: str
    priority: str
    dates: Dates
    patient: Patient
    reviewer: Reviewer
    items: list[Item]
    summary: list[str]  # case-summary paragraphs
