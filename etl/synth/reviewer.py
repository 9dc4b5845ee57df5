"""The expert reviewer: a specialty that fits the first disputed request, and state licences."""

from __future__ import annotations

import random

from etl.synth.clinical import join_words
from etl.synth.data import figures, phrases
from etl.synth.model import Request, Reviewer

CALIFORNIA = "California"


def choose_reviewer(rng: random.Random, first: Request) -> Reviewer:
    return Reviewer(states=_states(rng), profile=_profile(rng, first))


def _profile(rng: random.Random, first: Request) -> dict:
    profiles = figures()["reviewer_profiles"]
    keys = (first.category, f"{first.category}/{first.subcategory}")
    weights = [p["weight"] * _favour(p["favours"], keys) for p in profiles]
    return rng.choices(profiles, weights=weights)[0]


def _favour(favours: dict[str, float], keys: tuple[str, str]) -> float:
    factor = 1.0
    for key in keys:
        factor *= favours.get(key, 1.0)
    return factor


def _states(rng: random.Random) -> tuple[str, ...]:
    settings = figures()["reviewer_states"]
    count = rng.choices((1, 2, 3), weights=settings["count_weights"])[0]
    others = dict(settings["others"])
    with_california = rng.random() < settings["includes_california"]
    picked = _sample_weighted(rng, others, count - 1 if with_california else count)
    if with_california:
        first = not picked or rng.random() < settings["california_first"]
        at = 0 if first else rng.randint(1, len(picked))
        picked.insert(at, CALIFORNIA)
    return tuple(picked)


def _sample_weighted(rng: random.Random, weights: dict[str, float], count: int) -> list[str]:
    pool = dict(weights)
    picked: list[str] = []
    for _ in range(count):
        name = rng.choices(list(pool), weights=list(pool.values()))[0]
        picked.append(name)
        del pool[name]
    return picked


def state_codes(reviewer: Reviewer) -> list[str]:
    codes = phrases()["states"]
    return [codes[name] for name in reviewer.states]


def listed_specialties(reviewer: Reviewer) -> list[str]:
    """The "Certification(s)/Specialty:" entries of 2015+ letters."""
    return list(reviewer.profile["specialties"])


def prose_specialties(reviewer: Reviewer) -> list[str]:
    """The specialties a 2013-14 credentials sentence names, in order."""
    subspecialty = reviewer.profile["subspecialty"]
    return list(reviewer.profile["board"]) + ([subspecialty] if subspecialty else [])


def credentials_sentence(reviewer: Reviewer, subject: str) -> str:
    """ "The physician reviewer is Board Certified in A and B, has a subspecialty in C and is
    licensed to practice in California and Texas." """
    profile = reviewer.profile
    text = f"{subject} is Board Certified in {join_words(profile['board'])}"
    if profile["subspecialty"]:
        text += f", has a subspecialty in {profile['subspecialty']}"
    return text + f" and is licensed to practice in {join_words(reviewer.states)}."
