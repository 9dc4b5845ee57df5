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
NO_SUBCATEGORY = "(none)"  # the subcategory choice for items of a category without one
AGREEMENTS = ("same source", "different source", "reviewer only", "claims administrator only", "neither")

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
    "reasons_absent": "no_reason",
    "treatments": "treatment",
    "guidelines": "guideline",
    "agreements": "agreement",
    "claims_first_sources": "claims_first",
    "reviewer_first_sources": "reviewer_first",
    "requests": "request",
    "include_synthetic": "synthetic",
}
# The filters a chart's group sets (a click opens its letters) that the sidebar has no list for:
# it shows them as chosen, each with a way to clear it.
DRILL_ONLY = (
    "reasons_absent",
    "treatments",
    "guidelines",
    "agreements",
    "claims_first_sources",
    "reviewer_first_sources",
    "requests",
)
_CASE_SEPARATORS = re.compile(r"[\s,;]+")
REQUEST_KINDS = ("modified", "not modified")  # utilization review authorized part of it, or none
GUIDELINE_SEPARATOR = " · "  # joins source, document, section and page in a guideline's name


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
    reasons_absent: tuple[str, ...] = ()  # reason codes the item must not carry (none of)
    treatments: tuple[str, ...] = ()  # treatment_key (strengths and quantities folded)
    guidelines: tuple[str, ...] = ()  # reviewer cited this source · document [· section [· page]]
    agreements: tuple[str, ...] = ()  # first sources of both sides compared (AGREEMENTS)
    claims_first_sources: tuple[str, ...] = ()  # the claims administrator's first cited source
    reviewer_first_sources: tuple[str, ...] = ()  # the reviewer's first cited source
    requests: tuple[str, ...] = ()  # REQUEST_KINDS: a modified request or not (any of)
    include_synthetic: bool = True

    @property
    def selects_items(self) -> bool:
        """True when a letter can be kept while some of its items are filtered out."""
        item_level = (
            self.categories,
            self.subcategories,
            self.sources,
            self.decisions,
            self.reasons,
            *(getattr(self, name) for name in DRILL_ONLY),
        )
        return any(item_level)

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
        """Subcategories of the chosen categories (of all when none is chosen), NO_SUBCATEGORY last."""
        chosen = categories or self.categories
        found = {sub for category in chosen for sub in self.subcategories.get(category, ())}
        return tuple(sorted(found - {NO_SUBCATEGORY})) + (
            (NO_SUBCATEGORY,) if NO_SUBCATEGORY in found else ()
        )

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
            "reasons_absent": self.reasons,
            "agreements": AGREEMENTS,
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
