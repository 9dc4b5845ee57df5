"""The published figures (figures.toml) as per-year distributions.

Tables give values at anchor years; other years are interpolated linearly and years outside
the table take the nearest end, so the file only states what the sources state.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from collections.abc import Mapping, Sequence
from functools import cache

from etl.synth.data import figures

RequestClass = tuple[str, str | None]


def interpolate(years: Sequence[int], values: Sequence[float], year: int) -> float:
    if year <= years[0]:
        return float(values[0])
    if year >= years[-1]:
        return float(values[-1])
    right = bisect_right(years, year)
    left = right - 1
    span = years[right] - years[left]
    weight = (year - years[left]) / span
    return float(values[left] + (values[right] - values[left]) * weight)


def _normalised(weights: Mapping[str, float]) -> dict[str, float]:
    total = sum(weights.values())
    return {key: value / total for key, value in weights.items()}


def _yearly_table(table: Mapping[str, Sequence[float]], year: int) -> dict[str, float]:
    years = table["years"]
    return {key: interpolate(years, values, year) for key, values in table.items() if key != "years"}


@cache
def category_mix(year: int) -> dict[str, float]:
    """Share of requests by category in a decision year (sums to 1)."""
    return _normalised(_yearly_table(figures()["category_mix"], year))


@cache
def subcategory_mix(category: str, year: int) -> dict[str | None, float]:
    """Share of a category's requests by subcategory (None for categories without one)."""
    table = figures()["subcategory_mix"].get(category)
    if table is None:
        return {None: 1.0}
    if "years" in table:
        return dict(_normalised(_yearly_table(table, year)))
    return dict(_normalised(table))


@cache
def request_mix(year: int) -> dict[RequestClass, float]:
    """Share of requests by (category, subcategory) in a decision year."""
    return {
        (category, subcategory): share * sub_share
        for category, share in category_mix(year).items()
        for subcategory, sub_share in subcategory_mix(category, year).items()
    }


def overturn_rate(year: int) -> float:
    """Target share of requests overturned in a decision year."""
    table = figures()["overturn_rate"]
    return interpolate(table["years"], table["percent"], year) / 100


def overturn_multiplier(category: str, subcategory: str | None) -> float:
    overrides = figures()["overturn_multiplier_subcategory"]
    key = f"{category}/{subcategory}"
    if key in overrides:
        return float(overrides[key])
    return float(figures()["overturn_multiplier"][category])


@cache
def overturn_probabilities(year: int) -> dict[RequestClass, float]:
    """Chance each kind of request is overturned, scaled so the year's overall rate is met."""
    mix = request_mix(year)
    mean_multiplier = sum(share * overturn_multiplier(*key) for key, share in mix.items())
    scale = overturn_rate(year) / mean_multiplier
    return {key: min(0.95, scale * overturn_multiplier(*key)) for key in mix}


@cache
def decision_years() -> tuple[tuple[int, ...], tuple[float, ...]]:
    volumes = figures()["letters_per_year"]
    years = tuple(int(year) for year in volumes)
    return years, tuple(float(volumes[str(year)]) for year in years)


def decision_span(year: int) -> tuple[dt.date, dt.date]:
    """First and last possible decision date within a year."""
    bounds = figures()["decision_dates"]
    return max(bounds["first"], dt.date(year, 1, 1)), min(bounds["last"], dt.date(year, 12, 31))


def layouts_on(day: dt.date) -> list[dict]:
    """The layouts in use on a decision date (figures.toml [[layouts]])."""
    return [layout for layout in figures()["layouts"] if layout["from"] <= day <= layout["to"]]


def acoem_mtus_share(year: int) -> float:
    """Share of MTUS citations drawn from the ACOEM-based chapters of the 2017-2018 update."""
    table = figures()["acoem_mtus"]
    return interpolate(table["years"], table["percent"], year) / 100


def surgical_letter_share(year: int) -> float:
    """Share of letters built around a surgery, keeping the yearly surgery share exact."""
    settings = figures()["surgical_letters"]
    surgery = category_mix(year)["Surgery"]
    other = surgery * settings["other_letters_factor"]
    return (surgery - other) / (settings["surgery_share"] - other)


def category_weights(year: int, surgical: bool) -> dict[str, float]:
    """Category chances for one request of a surgical or an ordinary letter."""
    settings = figures()["surgical_letters"]
    mix = category_mix(year)
    surgery = mix["Surgery"]
    surgery_here = settings["surgery_share"] if surgical else surgery * settings["other_letters_factor"]
    rest = (1 - surgery_here) / (1 - surgery)
    return {
        category: (surgery_here if category == "Surgery" else share * rest) for category, share in mix.items()
    }
