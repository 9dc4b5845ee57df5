"""The filter model shared by every page, and its round trip through the URL query string.

Pure (no Streamlit): the sidebar widgets live in dashboard/sidebar.py, the SQL they become in
dashboard/queries.py (`where`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import date

DECISIONS = ("upheld", "overturned", "unknown")
NO_CITATION = "none"  # the guideline-source choice for items whose reviewer cited nothing

# Filter field → URL key. Lists repeat their key (`?category=Surgery&category=Injections`).
URL_KEYS = {
    "date_from": "from",
    "date_to": "to",
    "categories": "category",
    "subcategories": "subcategory",
    "specialties": "specialty",
    "states": "state",
    "sources": "source",
    "decisions": "decision",
    "age_bands": "age",
    "genders": "gender",
    "layouts": "layout",
    "reasons": "reason",
    "cases": "case",
    "include_synthetic": "synthetic",
}
_CASE_SEPARATORS = re.compile(r"[\s,;]+")


@dataclass(frozen=True)
class Filters:
    """What the analyst chose; an empty tuple means "all"."""

    date_from: date | None = None
    date_to: date | None = None
    categories: tuple[str, ...] = ()
    subcategories: tuple[str, ...] = ()
    specialties: tuple[str, ...] = ()
    states: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()  # sources the reviewer cited (any of), or NO_CITATION
    decisions: tuple[str, ...] = ()
    age_bands: tuple[str, ...] = ()
    genders: tuple[str, ...] = ()
    layouts: tuple[str, ...] = ()
    reasons: tuple[str, ...] = ()  # reason codes of the item (any of)
    cases: tuple[str, ...] = ()  # case numbers of the letter (any of); any text, matched exactly
    include_synthetic: bool = True

    @property
    def selects_items(self) -> bool:
        """True when a letter can be kept while some of its items are filtered out."""
        return bool(self.categories or self.subcategories or self.sources or self.decisions or self.reasons)

    def to_query_params(self, default_synthetic: bool) -> dict[str, str | list[str]]:
        """Only what differs from the defaults, so an unfiltered view has a clean URL."""
        params: dict[str, str | list[str]] = {}
        for name, key in URL_KEYS.items():
            value = getattr(self, name)
            if isinstance(value, bool):
                if value != default_synthetic:
                    params[key] = "1" if value else "0"
            elif isinstance(value, date):
                params[key] = value.isoformat()
            elif value:
                params[key] = list(value)
        return params

    @classmethod
    def from_query_params(cls, params: Mapping[str, Sequence[str]], default_synthetic: bool) -> Filters:
        """Read what `to_query_params` wrote; values that do not parse are ignored, not fatal."""
        values: dict[str, object] = {"include_synthetic": default_synthetic}
        for item in fields(cls):
            given = [value for value in params.get(URL_KEYS[item.name], ()) if value]
            if not given:
                continue
            if item.name in ("date_from", "date_to"):
                values[item.name] = _date(given[-1])
            elif item.name == "include_synthetic":
                values[item.name] = given[-1] not in ("0", "false", "no")
            else:
                values[item.name] = tuple(dict.fromkeys(given))
        return cls(**values)  # type: ignore[arg-type]

    def restricted_to(self, options: FilterOptions) -> Filters:
        """Drop choices the database does not offer (a stale link must not break the page)."""
        kept = {
            name: tuple(value for value in getattr(self, name) if value in allowed)
            for name, allowed in options.choices().items()
        }
        return replace(self, **kept)


@dataclass(frozen=True)
class FilterOptions:
    """The values present in the database, offered by the sidebar."""

    date_min: date | None = None
    date_max: date | None = None
    categories: tuple[str, ...] = ()
    subcategories: dict[str, tuple[str, ...]] = field(default_factory=dict)  # by category
    specialties: tuple[str, ...] = ()
    states: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    age_bands: tuple[str, ...] = ()
    genders: tuple[str, ...] = ()
    layouts: tuple[str, ...] = ()
    reasons: tuple[str, ...] = ()  # reason codes the items carry (none in a database built before them)
    has_real_letters: bool = False

    @property
    def default_synthetic(self) -> bool:
        """Generated letters are left out by default, unless they are all there is."""
        return not self.has_real_letters

    def subcategories_of(self, categories: Sequence[str]) -> tuple[str, ...]:
        chosen = categories or self.categories
        return tuple(sorted({sub for category in chosen for sub in self.subcategories.get(category, ())}))

    def choices(self) -> dict[str, tuple[str, ...]]:
        return {
            "categories": self.categories,
            "subcategories": self.subcategories_of(()),
            "specialties": self.specialties,
            "states": self.states,
            "sources": (*self.sources, NO_CITATION),
            "decisions": DECISIONS,
            "age_bands": self.age_bands,
            "genders": self.genders,
            "layouts": self.layouts,
            "reasons": self.reasons,
        }


def case_numbers(text: str) -> tuple[str, ...]:
    """The case numbers typed in one field (separated by spaces, commas or semicolons), upper-cased
    as the letters write them ("cm16-0231706" finds CM16-0231706), each once."""
    return tuple(dict.fromkeys(part.upper() for part in _CASE_SEPARATORS.split(text) if part))


def _date(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None
