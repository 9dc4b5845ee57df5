"""The analyst-editable rule files beside this module, loaded once per process.

Each CSV is plain data: add a drug, a keyword, a specialty spelling or a guideline alias there,
not in code. `tests/etl/test_rules.py` checks every file loads and names only contract values.
"""

from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

RULES_DIR = Path(__file__).parent


@dataclass(frozen=True)
class TreatmentRule:
    keyword: str
    category: str
    subcategory: str | None
    priority: int
    prefix: bool


@dataclass(frozen=True)
class WordEnding:
    """A word ending that names a kind of treatment ("-ectomy": a surgery, "-prazole": a proton
    pump inhibitor), for the words no keyword or drug name knows; `exceptions` are whole words
    that end so but are something else ("program" ends in "-gram")."""

    ending: str
    category: str
    subcategory: str | None
    priority: int
    exceptions: frozenset[str]


@dataclass(frozen=True)
class Drug:
    name: str
    generic: str
    group: str


@dataclass(frozen=True)
class ModifiedWording:
    """A way a letter states, in the sentences between an item's original request and its decided
    portion, that utilization review authorized part of the request (`modified`) or none of it."""

    modified: bool
    pattern: str  # a regular expression over lower-case text with single spaces


@dataclass(frozen=True)
class GuidelineAlias:
    """A way of writing a book or chapter (role "chapter"), the guideline itself ("source": ODG,
    ACOEM, never a document) or its edition's title ("title": a document only when no chapter is
    named, e.g. "Treatment in Workers' Compensation")."""

    alias: str
    document: str | None
    family: str
    role: str = "chapter"


def _rows(name: str) -> list[dict[str, str]]:
    with (RULES_DIR / name).open(newline="", encoding="utf-8") as handle:
        return [{k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(handle)]


def _keyword_rules(name: str, column: str) -> tuple[TreatmentRule, ...]:
    return tuple(
        TreatmentRule(
            keyword=row[column].lower().rstrip("*"),
            category=row["category"],
            subcategory=row["subcategory"] or None,
            priority=int(row["priority"]),
            prefix=row[column].endswith("*"),
        )
        for row in _rows(name)
    )


@cache
def treatment_rules() -> tuple[TreatmentRule, ...]:
    """Keywords of treatment requests ("epidural", "work hardening*")."""
    return _keyword_rules("treatments.csv", "keyword")


@cache
def topic_rules() -> tuple[TreatmentRule, ...]:
    """Keywords of the guideline topics an item cites ("Opioids, criteria for use" → Opioids):
    the second signal, for requests whose own words say too little."""
    return _keyword_rules("topics.csv", "topic")


@cache
def word_endings() -> tuple[WordEnding, ...]:
    """Longest ending first, so "-ectomy" is tried before "-tomy"."""
    rows = [
        WordEnding(
            ending=row["ending"].lower(),
            category=row["category"],
            subcategory=row["subcategory"] or None,
            priority=int(row["priority"]),
            exceptions=frozenset(word.lower() for word in row["exceptions"].split(";") if word),
        )
        for row in _rows("word-endings.csv")
    ]
    return tuple(sorted(rows, key=lambda rule: -len(rule.ending)))


@cache
def drugs() -> dict[str, Drug]:
    return {
        row["name"].lower(): Drug(row["name"].lower(), row["generic"], row["group"])
        for row in _rows("drugs.csv")
    }


@cache
def states() -> dict[str, str]:
    """State name (lower case) or USPS code → USPS code."""
    table = {row["name"].lower(): row["code"] for row in _rows("states.csv")}
    table.update({code.lower(): code for code in list(table.values())})
    return table


@cache
def specialties() -> dict[str, str]:
    """Spelling variant (lower case) → canonical specialty name."""
    return {row["variant"].lower(): row["canonical"] for row in _rows("specialties.csv")}


@cache
def guideline_aliases() -> tuple[GuidelineAlias, ...]:
    """Longest alias first, so "Low Back Complaints" wins over "Low Back"."""
    rows = [
        GuidelineAlias(r["alias"], r["document"] or None, r["family"], r["role"] or "chapter")
        for r in _rows("guidelines.csv")
    ]
    return tuple(sorted(rows, key=lambda a: -len(a.alias)))


@cache
def guideline_noise() -> tuple[str, ...]:
    """Edition noise written around guideline names ("(updated 05/10/16)", "Online Version"),
    longest first; `{date}`, `{ordinal}` stand for any date and any "14th"."""
    return tuple(sorted((row["phrase"] for row in _rows("guideline-noise.csv")), key=lambda p: -len(p)))


@cache
def categories() -> dict[str, tuple[str, ...]]:
    """The contract's categories and their subcategories (empty: the category has none)."""
    table: dict[str, tuple[str, ...]] = {}
    for row in _rows("categories.csv"):
        subs = table.setdefault(row["category"], ())
        if row["subcategory"]:
            table[row["category"]] = (*subs, row["subcategory"])
    return table


@cache
def modified_request_wording() -> tuple[ModifiedWording, ...]:
    """Ways of stating a modified request (modified-requests.csv); `meaning` is "modified" or
    "not modified"."""
    meanings = {"modified": True, "not modified": False}
    return tuple(
        ModifiedWording(meanings[row["meaning"]], row["pattern"]) for row in _rows("modified-requests.csv")
    )


@cache
def search_stopwords() -> frozenset[str]:
    """Words too common to search for; the term index leaves them out."""
    return frozenset(row["word"].lower() for row in _rows("search-stopwords.csv"))


# Rule files that shape no parsed record (how the reconciliation reads the DWC's own words): editing
# them changes a view, not the letters, so it must not re-derive every letter.
NOT_PARSER_RULES = frozenset({"dwc-decisions.csv"})


def fingerprint() -> str:
    """A short hash of every rule file the parser reads, so records know which rules made them."""
    digest = hashlib.sha256()
    for path in sorted(RULES_DIR.glob("*.csv")):
        if path.name in NOT_PARSER_RULES:
            continue
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:10]


@cache
def reason_rules() -> tuple[dict[str, str], ...]:
    """Ways of stating each reason code (reasons.csv): pattern, negation, quotes, fallback,
    context and veto, compiled by etl.reasons; patterns are matched against lower-case text."""
    return tuple(_rows("reasons.csv"))


@cache
def reason_scope() -> dict[str, str]:
    """The words that bound a reason pattern (reason-scope.csv): one pattern per kind
    (negation_before, negation_after, clause_break, quote, case), rows of a kind joined by |."""
    kinds: dict[str, list[str]] = {}
    for row in _rows("reason-scope.csv"):
        kinds.setdefault(row["kind"], []).append(f"(?:{row['pattern']})")
    return {kind: "|".join(patterns) for kind, patterns in kinds.items()}


@cache
def dwc_decisions() -> dict[str, str]:
    """The DWC listing's decision words (lower case, spaces collapsed) → the parser's decision
    (dwc-decisions.csv), for the reconciliation of the DWC's listing with the parsed items."""
    rows = _rows("dwc-decisions.csv")
    return {" ".join(row["dwc_decision"].lower().split()): row["decision"] for row in rows}
