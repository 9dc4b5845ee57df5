"""Which items a letter disputes, how they are written and how each was decided.

Categories are drawn per item from the year's mix, so the corpus-wide shares match
figures.toml exactly in expectation; surgical letters only change how surgery clusters
(a procedure first, its associated services right after it).
"""

from __future__ import annotations

import random
import re

from etl.synth.data import TreatmentTemplate, figures, phrases, templates_by_class
from etl.synth.model import Era, Place, PlaceBook, Request
from etl.synth.places import place_for, place_slots
from etl.synth.targets import (
    RequestClass,
    category_weights,
    overturn_probabilities,
    subcategory_mix,
    surgical_letter_share,
)
from etl.synth.template import fill

_QUANTITY = re.compile("\x00(\\w+)\x00")


def choose_requests(rng: random.Random, era: Era, places: PlaceBook, service_date: str) -> list[Request]:
    """The letter's disputed items, in letter order, decided."""
    surgical = rng.random() < surgical_letter_share(era.year)
    classes = [_request_class(rng, era.year, surgical) for _ in range(_item_count(rng))]
    requests: list[Request] = []
    procedure: Request | None = None
    shared_draw = rng.random()
    for category, subcategory in _surgery_block_ordered(rng, classes):
        role = _role(category, subcategory)
        preferred = procedure.place if (role == "adjunct" and procedure and procedure.place) else places.main
        template = _template(rng, category, subcategory)
        place = place_for(rng, places, template.regions, preferred)
        request = _write(rng, era, template, place, role, service_date)
        _decide(rng, era, request, procedure if role == "adjunct" else None, shared_draw)
        if role == "procedure" and procedure is None:
            procedure = request
        requests.append(request)
    return requests


def _item_count(rng: random.Random) -> int:
    table = figures()["items_per_letter"]
    return rng.choices(table["counts"], weights=table["weights"])[0]


def _request_class(rng: random.Random, year: int, surgical: bool) -> RequestClass:
    weights = category_weights(year, surgical)
    category = rng.choices(list(weights), weights=list(weights.values()))[0]
    subs = subcategory_mix(category, year)
    subcategory = rng.choices(list(subs), weights=list(subs.values()))[0]
    return category, subcategory


def _role(category: str, subcategory: str | None) -> str:
    settings = figures()["surgical_letters"]
    if category != "Surgery":
        return "other"
    if subcategory in settings["procedures"]:
        return "procedure"
    return "adjunct" if subcategory == settings["adjunct"] else "other"


def _surgery_block_ordered(rng: random.Random, classes: list[RequestClass]) -> list[RequestClass]:
    """Keep surgery together: first procedure, its associated services, further procedures."""
    procedures = [c for c in classes if _role(*c) == "procedure"]
    adjuncts = [c for c in classes if _role(*c) == "adjunct"]
    others = [c for c in classes if _role(*c) == "other"]
    block = procedures[:1] + adjuncts + procedures[1:]
    if rng.random() < figures()["surgical_letters"]["block_first_share"]:
        return block + others
    return others + block


def _template(rng: random.Random, category: str, subcategory: str | None) -> TreatmentTemplate:
    candidates = templates_by_class()[(category, subcategory)]
    return rng.choices(candidates, weights=[t.weight for t in candidates])[0]


def _write(
    rng: random.Random,
    era: Era,
    template: TreatmentTemplate,
    place: Place | None,
    role: str,
    service_date: str,
) -> Request:
    slots: dict = place_slots(rng, place) if place else {}
    slots.update({name: f"\x00{name}\x00" for name in _quantity_names()})
    pattern = fill(template.template, rng, slots)
    modified = _modified(rng, era, pattern)
    if modified:
        treatment, original, authorized = modified
    else:
        treatment, original, authorized = _with_quantities(rng, pattern), None, None
        if role != "adjunct" and rng.random() < figures()["requests"]["retrospective_share"]:
            treatment = _retrospective(rng, treatment, service_date)
    return Request(
        treatment=treatment,
        listed=original or treatment,
        original_request=original,
        authorized=authorized,
        category=template.category,
        subcategory=template.subcategory,
        topic=template.topic,
        place=place,
        role=role,
    )


def _quantity_names() -> list[str]:
    return [name for name in phrases()["quantities"] if name != "splittable"]


def _with_quantities(rng: random.Random, pattern: str, value: int | None = None) -> str:
    quantities = phrases()["quantities"]

    def quantity(match: re.Match[str]) -> str:
        return str(value if value is not None else rng.choice(quantities[match.group(1)]))

    return _QUANTITY.sub(quantity, pattern)


def _modified(rng: random.Random, era: Era, pattern: str) -> tuple[str, str, str] | None:
    """(remaining, original, authorized) when review authorized part of a quantity (2015+ layout)."""
    names = _QUANTITY.findall(pattern)
    if era.format != "fdl-2015" or len(names) != 1 or names[0] not in phrases()["quantities"]["splittable"]:
        return None
    if rng.random() >= figures()["requests"]["modified_share"]:
        return None
    values = phrases()["quantities"][names[0]]
    original = rng.choice(values)
    smaller = sorted({v for v in values if v < original})
    if not smaller:
        return None
    authorized = rng.choice(smaller)
    return (
        _with_quantities(rng, pattern, original - authorized),
        _with_quantities(rng, pattern, original),
        _with_quantities(rng, pattern, authorized),
    )


def _retrospective(rng: random.Random, text: str, service_date: str) -> str:
    form = rng.choice(phrases()["requests"]["retrospective"])
    return form.replace("{t}", text).replace("{dos}", service_date)


def _decide(
    rng: random.Random, era: Era, request: Request, procedure: Request | None, shared_draw: float
) -> None:
    """Overturn at the year's rate for the class; an associated service mostly shares its
    procedure's fate, and most items use the letter's common draw (still uniform per item)."""
    if procedure is not None:
        request.procedure_decision = procedure.decision
        if rng.random() < figures()["surgical_letters"]["adjunct_follows_procedure_decision"]:
            request.decision = procedure.decision
            return
    chance = overturn_probabilities(era.year)[(request.category, request.subcategory)]
    shared = rng.random() < figures()["requests"]["shared_decision_share"]
    draw = shared_draw if shared else rng.random()
    request.decision = "overturned" if draw < chance else "upheld"
