"""The patient, the case's dates, case summaries and decision rationales.

Summaries and rationales are composed from varied sentences (phrases.toml) about this
patient's regions, diagnoses and history, so that letters are not near-duplicates.

Reasons. A rationale is a list of `Sentence`s; the ones that state a ground carry its code of
shared/reference/reasons.md, and the truth's `reasons` are, in order, the first sentence of each
code (`stated_reasons`), so a reason tagger can be scored blind. phrases.toml lists the grounds
by code: generic ones in [rationale.grounds.<decision>], topic ones in
[topic_phrases.<topic>.<decision>]. An item states 1-3 codes, drawn without replacement by
[rationale.weights] (codes its topic has wording for are `topic_boost` times likelier) and worded
for the topic `topic_share` of the time. "uncoded" grounds (vague, duplicate requests) are written
but tagged with nothing. An associated service decided with its procedure says so
(ancillary_to_denied / criteria_met). Traps carry no code of their own and record the code they
lure (`Sentence.lure`): quotes of limits or "not recommended", concessions joined to an upheld
item's ground ("There is documentation of functional improvement...; however, <ground>", tagged
with the ground's code only), the stock opioid aside on "the most appropriate method for
weaning", and conditional rules ("X is not recommended in the absence of Y"): applied in upheld
items with the unmet condition stated, they carry that condition's code, never not_recommended;
quoted bare in overturned items, none.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Sequence

from etl.synth.data import figures, phrases
from etl.synth.model import Dates, Era, Patient, Place, PlaceBook, Request, Sentence
from etl.synth.template import Slot, fill

_PRONOUNS = {
    "male": {"He": "He", "he": "he", "His": "His", "his": "his", "him": "him"},
    "female": {"He": "She", "he": "she", "His": "Her", "his": "her", "him": "her"},
}
_WORDS = {"male": "man", "female": "woman"}

DateWriter = Callable[[dt.date], str]
Writer = Callable[..., Sentence]

# A conditional rule ("X is not recommended in the absence of Y") looks like not_recommended; the
# settled call of reasons.md tags the unmet condition instead.
CONDITIONAL_LURE = "not_recommended"
# Grounds no reasons.md code fits: written, but tagged with nothing.
UNCODED = "uncoded"


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


def rationale(rng: random.Random, era: Era, request: Request, slots: dict[str, Slot]) -> list[Sentence]:
    """Reasons for the decision, sentence by sentence, ending with the decision sentence."""
    texts = phrases()["rationale"]
    item_slots = dict(slots)
    if request.place:
        item_slots.update(site=request.place.site, short=request.place.info["short"])

    def write(template: str, code: str | None = None, lure: str | None = None) -> Sentence:
        return Sentence(fill(template, rng, item_slots), None if code == UNCODED else code, lure)

    sentences = []
    if rng.random() < texts["recap_chance"]:
        sentences.append(write(rng.choice(texts["recaps"])))
    sentences.extend(_body(rng, request, write))
    return [*sentences, Sentence(_closing(rng, era, request))]


def stated_reasons(sentences: Sequence[Sentence]) -> list[dict[str, str]]:
    """The truth's `reasons`: each code once, with the first sentence stating it, in order."""
    evidence: dict[str, str] = {}
    for sentence in sentences:
        if sentence.code:
            evidence.setdefault(sentence.code, sentence.text)
    return [{"code": code, "evidence": text} for code, text in evidence.items()]


def _body(rng: random.Random, request: Request, write: Writer) -> list[Sentence]:
    texts = phrases()["rationale"]
    side = request.decision
    if request.role == "adjunct" and request.procedure_decision == side:
        return [_one_ground(rng, texts["adjunct"][side], write)]
    topic = phrases()["topic_phrases"].get(request.topic, {})
    says = topic.get("says") or texts["generic_says"]
    body = [write(s) for s in rng.sample(says, min(len(says), rng.choice(texts["says_counts"])))]
    body += _quote_traps(rng, side, topic, write)
    body += [write(s) for s in rng.sample(texts["facts"], rng.choice(texts["facts_counts"]))]
    if request.role == "adjunct" and side == "upheld":
        body.append(_one_ground(rng, texts["adjunct"]["alone"], write))
    body += _grounds(rng, side, topic, write)
    if side == "upheld" and topic.get("asides") and rng.random() < texts["aside_chance"]:
        body.append(_lure(rng, topic["asides"], write))
    return body


def _one_ground(rng: random.Random, by_code: dict[str, list[str]], write: Writer) -> Sentence:
    code = rng.choice(list(by_code))
    return write(rng.choice(by_code[code]), code=code)


def _lure(rng: random.Random, by_lure: dict[str, list[str]], write: Writer) -> Sentence:
    lure = rng.choice(list(by_lure))
    return write(rng.choice(by_lure[lure]), lure=lure)


def _quote_traps(rng: random.Random, side: str, topic: dict, write: Writer) -> list[Sentence]:
    """Quotes that name a limit or "not recommended" but state no ground of this decision."""
    texts = phrases()["rationale"]
    traps = []
    if rng.random() < texts["quote_trap_chance"]:
        traps.append(_lure(rng, texts["quote_traps"], write))
    rules = topic.get("conditional") or texts["conditional"]
    if side == "overturned" and rng.random() < texts["bare_conditional_chance"]:
        traps.append(write(rng.choice(rules)["quote"] + ".", lure=CONDITIONAL_LURE))
    return traps


def _grounds(rng: random.Random, side: str, topic: dict, write: Writer) -> list[Sentence]:
    """One sentence per chosen code, some worded for the topic; upheld items may concede first."""
    texts = phrases()["rationale"]
    general = _ground_options(side, texts["grounds"][side], texts["conditional"])
    specific = _ground_options(side, topic.get(side, {}), topic.get("conditional", []))
    weights = {
        code: texts["weights"][side][code] * (texts["topic_boost"] if code in specific else 1)
        for code in {**general, **specific}
    }
    codes = _weighted_sample(rng, weights, rng.choice(texts["grounds_counts"]))
    sentences = []
    for code in codes:
        topical = code in specific and (code not in general or rng.random() < texts["topic_share"])
        template, lure = rng.choice((specific if topical else general)[code])
        sentences.append(write(template, code=code, lure=lure))
    if side == "upheld" and rng.random() < texts["granted_chance"]:
        return _conceded(rng, sentences, codes, write)
    return sentences


def _ground_options(
    side: str, by_code: dict[str, list[str]], rules: list[dict[str, str]]
) -> dict[str, list[tuple[str, str | None]]]:
    """Code -> (template, lure) choices; an upheld item may also apply a conditional rule."""
    options = {code: [(template, None) for template in templates] for code, templates in by_code.items()}
    for rule in rules if side == "upheld" else []:
        applied = f"{rule['quote']}, {rule['unmet']}."
        options.setdefault(rule["code"], []).append((applied, CONDITIONAL_LURE))
    return options


def _weighted_sample(rng: random.Random, weights: dict[str, float], count: int) -> list[str]:
    """Up to `count` distinct keys, drawn in turn by weight (so each code is stated once)."""
    remaining = dict(weights)
    chosen: list[str] = []
    while remaining and len(chosen) < count:
        key = rng.choices(list(remaining), weights=list(remaining.values()))[0]
        chosen.append(key)
        del remaining[key]
    return chosen


def _conceded(rng: random.Random, grounds: list[Sentence], codes: list[str], write: Writer) -> list[Sentence]:
    """Join a concession ("there is documentation of functional improvement") to the first
    ground, when one negates a code this item does not state and the ground has no lure."""
    texts = phrases()["rationale"]
    concessions = [entry for entry in texts["granted"] if entry["negates"] not in codes]
    if not concessions or grounds[0].lure:
        return grounds
    entry = rng.choice(concessions)
    granted = write(rng.choice(entry["text"])).text
    form = rng.choice(texts["granted_forms"])
    text = form.replace("{granted}", _lower_first(granted)).replace("{ground}", _lower_first(grounds[0].text))
    first = Sentence(_upper_first(text), grounds[0].code, entry["negates"])
    return [first, *grounds[1:]]


def _lower_first(text: str) -> str:
    """Lower-case the first letter, unless the first word is an acronym (MTUS, NSAIDs)."""
    first_word = text.split(" ", 1)[0]
    return text if first_word[1:2].isupper() else text[:1].lower() + text[1:]


def _upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]


def _closing(rng: random.Random, era: Era, request: Request) -> str:
    key = "closings_2013" if era.citations == "prose" else "closings"
    closing = rng.choice(phrases()["rationale"][key])
    negation = "not " if request.decision == "upheld" else ""
    return closing.replace("{not}", negation).replace("{t}", request.treatment)
