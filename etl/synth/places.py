"""Body regions of a letter: one main complaint, others when a request names another part."""

from __future__ import annotations

import random
from collections.abc import Sequence

from etl.synth.data import regions
from etl.synth.model import Place, PlaceBook
from etl.synth.template import fill


def region_weights(names: Sequence[str]) -> dict[str, float]:
    table = regions()["regions"]
    return {name: float(table[name]["weight"]) for name in names}


def make_place(rng: random.Random, name: str) -> Place:
    info = regions()["regions"][name]
    side = rng.choice(("right", "left"))
    site = fill(rng.choice(info["site"]), rng, {"side": side})
    return Place(name=name, side=side, site=site, info=info)


def main_place(rng: random.Random) -> PlaceBook:
    weights = region_weights(list(regions()["regions"]))
    name = rng.choices(list(weights), weights=list(weights.values()))[0]
    return PlaceBook(main=make_place(rng, name))


def place_for(rng: random.Random, book: PlaceBook, allowed: Sequence[str], preferred: Place) -> Place | None:
    """The region a request names: the preferred one when allowed, else another allowed one."""
    if not allowed:
        return None
    if preferred.name in allowed:
        return preferred
    weights = region_weights(allowed)
    name = rng.choices(list(weights), weights=list(weights.values()))[0]
    if name not in book.places:
        book.places[name] = make_place(rng, name)
    return book.places[name]


def place_slots(rng: random.Random, place: Place) -> dict:
    """Template slots naming a place: {site}, {Site}, {side}, {Side}, {level}, {limbs}, {short}."""
    info = place.info
    levels = info["levels"] or ["L4-L5"]
    return {
        "site": place.site,
        "Site": place.site[0].upper() + place.site[1:],
        "side": place.side,
        "Side": place.side.capitalize(),
        "level": lambda: rng.choice(levels),
        "limbs": info["limbs"],
        "short": info["short"],
    }
