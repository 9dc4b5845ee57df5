"""The generator's data files, read once per process.

Everything a domain expert may want to tune (shares, rates, wording, citations) lives in the
TOML/CSV files beside this module, so changing the corpus never means changing code.
"""

from __future__ import annotations

import csv
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).parent


@dataclass(frozen=True)
class TreatmentTemplate:
    """One way of writing a request, with the class docs/labelling.md gives it."""

    category: str
    subcategory: str | None
    weight: float
    topic: str
    regions: tuple[str, ...]
    template: str


def _toml(name: str) -> dict[str, Any]:
    with (DATA_DIR / name).open("rb") as handle:
        return tomllib.load(handle)


@cache
def figures() -> dict[str, Any]:
    return _toml("figures.toml")


@cache
def guidelines() -> dict[str, Any]:
    return _toml("guidelines.toml")


@cache
def phrases() -> dict[str, Any]:
    return _toml("phrases.toml")


@cache
def regions() -> dict[str, Any]:
    return _toml("regions.toml")


@cache
def treatments() -> tuple[TreatmentTemplate, ...]:
    with (DATA_DIR / "treatments.csv").open(newline="", encoding="utf-8") as handle:
        return tuple(_template(row) for row in csv.DictReader(handle))


def _template(row: dict[str, str]) -> TreatmentTemplate:
    return TreatmentTemplate(
        category=row["category"],
        subcategory=row["subcategory"] or None,
        weight=float(row["weight"]),
        topic=row["topic"],
        regions=_region_names(row["regions"]),
        template=row["template"],
    )


def _region_names(spec: str) -> tuple[str, ...]:
    """Expand "any", group names (regions.toml [groups]) and "a|b" lists into region names."""
    if not spec:
        return ()
    groups = regions()["groups"]
    names: list[str] = []
    for part in spec.split("|"):
        if part == "any":
            names.extend(regions()["regions"])
        else:
            names.extend(groups.get(part, [part]))
    return tuple(dict.fromkeys(names))


@cache
def templates_by_class() -> dict[tuple[str, str | None], tuple[TreatmentTemplate, ...]]:
    grouped: dict[tuple[str, str | None], list[TreatmentTemplate]] = {}
    for template in treatments():
        grouped.setdefault((template.category, template.subcategory), []).append(template)
    return {key: tuple(value) for key, value in grouped.items()}


def load_all() -> None:
    """Read every data file now, so forked workers share the parsed data."""
    figures(), guidelines(), phrases(), regions(), templates_by_class()
