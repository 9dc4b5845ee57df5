"""The patient, the case's dates, case summaries and decision rationales.

Summaries and rationales are composed from varied sentences (phrases.toml) about this
patient's regions, diagnoses and history, so that letters are not near-duplicates.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Sequence

from etl.synth.data import figures, phrases
from etl.synth.model import Dates, Era, Patient, Place, PlaceBook, Request
from etl.synth.template import Slot, fill

_PRONOUNS = {
    "male": {"He": "He", "he": "he", "His": "His", "his": "his", "him": "him"},
    "female": {"He": "She", "he": "she", "His": "Her", "his": "her", "him": "her"},
}
_WORDS = {"male": "man", "female": "woman"}

DateWriter = Callable[[dt.date], str]


def make_patient(rng: random.Random, ur_denial: dt.date) -> Patient:
    settings = figures()["patients"]
    age = round(rng.triangular(settings["age_min"], settings["age_max"], settings["age_mode"]))
    gender = "male" if rng.random() < settings["male_share"] else "female"
    word = _WORDS[gender] if rng.random() < settings["man_woman_share"] else gender
    years = rng.uniform(settings["injury_years_before_min"], settings["injury_years_before_max"])
    years = min(years, age - 18)
    days = max(figures()["intervals"]["injury_before_ur_denial_min"], int(years * 365.25))
    injury = ur_denial - dt.timedelta(days=days)
    shown_age = None if rng.random() < settings["no_age_share"] else age
    return Patient(age=shown_age, gender=gender, word=word, injury=injury)


def make_dates(rng: random.Random, decision: dt.date) -> Dates:
    """Work back from the decision: assignment, application, utilization review, last visit."""
    gaps = figures()["intervals"]

    def before(day: dt.date, key: str) -> dt.date:
        return day - dt.timedelta(days=rng.randint(*gaps[key]))

    assigned = before(decision, "assigned_before_decision")
    received = before(assigned, "received_before_assigned")
    ur_denial = before(received, "ur_denial_before_received")
    visit = before(ur_denial, "visit_before_ur_denial")
    rfa = visit + dt.timedelta(days=rng.randint(0, min(7, (ur_denial - visit).days - 1)))
    return Dates(decision, assigned, received, ur_denial, visit, rfa)


def date_writer(rng: random.Random, era: Era) -> DateWriter:
    """How this letter's narrative writes dates (one style per letter)."""
    styles = phrases()["dates"]["narrative_2013" if era.citations == "prose" else "narrative"]
    style = rng.choice(styles)
    return lambda day: write_date(style, day)


def write_date(style: str, day: dt.date) -> str:
    return style.format(m=day.month, d=day.day, y=day.year, yy=day.year % 100, month=day.strftime("%B"))


def join_words(words: Sequence[str]) -> str:
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def narrative_slots(
    rng: random.Random,
    patient: Patient,
    places: PlaceBook,
    dates: Dates,
    requests: Sequence[Request],
    write: DateWriter,
) -> dict[str, Slot]:
    """Slots shared by the case summary and the rationales of one letter."""
    main = places.main
    lists = phrases()["summary"]
    all_places = list(places.places.values())

    def from_place(place: Place, key: str) -> str:
        return fill(rng.choice(place.info[key]), rng, {"side": place.side})

    def some(values: Sequence[str], low: int, high: int) -> str:
        return join_words(rng.sample(list(values), rng.randint(low, min(high, len(values)))))

    def diagnoses() -> list[str]:
        named = [from_place(main, "diagnoses") for _ in range(rng.randint(1, 2))]
        named += [from_place(place, "diagnoses") for place in all_places[1:3]]
        return list(dict.fromkeys(named))

    listed = [r.listed for r in requests]
    return {
        **_PRONOUNS[patient.gender],
        "age": str(patient.age),
        "gender": patient.word,
        "doi": write(patient.injury),
        "site": main.site,
        "short": main.info["short"],
        "side": main.side,
        "diagnosis": lambda: from_place(rng.choice(all_places), "diagnoses"),
        "diagnoses": lambda: join_words(diagnoses()),
        "complaint": lambda: from_place(main, "complaints"),
        "exam": lambda: join_words([from_place(main, "exam") for _ in range(rng.randint(1, 2))]),
        "mechanism": lambda: rng.choice(main.info["mechanisms"]),
        "prior": lambda: some(lists["prior_treatments"], 2, 4),
        "meds": lambda: some(lists["medication_names"], 2, 3),
        "pain": lambda: str(rng.randint(3, 9)),
        "visit_date": write(dates.visit),
        "rfa_date": write(dates.rfa),
        "ur_date": write(dates.ur_denial),
        "injury_month": patient.injury.strftime("%B %Y"),
        "requests": join_words(listed) if len(listed) <= 3 else "the disputed treatments",
    }


def case_summary(rng: random.Random, era: Era, patient: Patient, slots: dict[str, Slot]) -> list[str]:
    """Case-summary paragraphs: an opening naming age, gender and injury date, then history."""
    lists = phrases()["summary"]
    sentences = [fill(rng.choice(_openings(era, patient)), rng, slots)]
    for kind, chance in lists["chances"].items():
        if rng.random() < chance:
            sentences.append(fill(rng.choice(lists[kind]), rng, slots))
    paragraphs = [" ".join(sentences)]
    if era.citations == "prose" and rng.random() < lists["disclaimer_2013"]:
        paragraphs.insert(0, fill(phrases()["boilerplate"]["disclaimer"], rng, slots))
    return paragraphs


def _openings(era: Era, patient: Patient) -> list[str]:
    lists = phrases()["summary"]
    if patient.age is None:
        return lists["openings_no_age"]
    if era.citations == "prose":
        return lists["openings_2013"]
    if era.header:
        return lists["openings"] + lists["openings_with_header"]
    return lists["openings"]


def rationale(rng: random.Random, era: Era, request: Request, slots: dict[str, Slot]) -> str:
    """Reasons for the decision, ending with the decision sentence."""
    texts = phrases()["rationale"]
    item_slots = dict(slots)
    if request.place:
        item_slots.update(site=request.place.site, short=request.place.info["short"])
    sentences = []
    if rng.random() < texts["recap_chance"]:
        sentences.append(rng.choice(texts["recaps"]))
    sentences.extend(_body(rng, request))
    written = [fill(sentence, rng, item_slots) for sentence in sentences]
    return " ".join([*written, _closing(rng, era, request)])


def _body(rng: random.Random, request: Request) -> list[str]:
    texts = phrases()["rationale"]
    upheld = request.decision == "upheld"
    if request.role == "adjunct" and request.procedure_decision == request.decision:
        key = "adjunct_procedure_upheld" if upheld else "adjunct_procedure_overturned"
        return [rng.choice(texts[key])]
    topic = phrases().get("topic_phrases", {}).get(request.topic, {})
    says = topic.get("says") or texts["generic_says"]
    body = rng.sample(says, min(len(says), rng.choice(texts["says_counts"])))
    body += rng.sample(texts["facts"], rng.choice(texts["facts_counts"]))
    if request.role == "adjunct" and upheld:
        body.append(rng.choice(texts["adjunct_alone"]))
    reasons = (
        topic.get("upheld" if upheld else "overturned", []) + texts["upheld" if upheld else "overturned"]
    )
    body += rng.sample(reasons, rng.choice(texts["reasons_counts"]))
    return body


def _closing(rng: random.Random, era: Era, request: Request) -> str:
    key = "closings_2013" if era.citations == "prose" else "closings"
    closing = rng.choice(phrases()["rationale"][key])
    negation = "not " if request.decision == "upheld" else ""
    return closing.replace("{not}", negation).replace("{t}", request.treatment)
