"""Treatment text → DWC category and subcategory, driven by the rule files in `etl/rules/`.

One Aho-Corasick pass finds every keyword and drug name in the treatment; the match with the
highest priority wins (drug names rank above generic words such as "unit" or "injection" and
below specific procedures such as "epidural"). Strengths, quantities and dates never match a
keyword, so "Norco 10/325mg #120" and "Norco 10/325 #60" classify alike.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache

import ahocorasick
from rapidfuzz import fuzz, process

from etl import rules

DRUG_PRIORITY = 55
FUZZY_DRUG_SCORE = 88
_TOPICAL_FORM = re.compile(
    r"\b(?:cream|creams|gel|gels|patch|patches|pad|ointment|lotion|topical|liniment|roll-on|rub|foam)\b|\d%",
)
# Transdermal opioid patches (fentanyl, Butrans) are opioids, not topical analgesics.
_KEEPS_GROUP_AS_PATCH = {"Opioids", "Opioid Antagonists", "Hormones", "Androgens & Anabolic Steroids"}
_SPINAL_LEVEL = re.compile(
    r"\b[CTLS]\d{1,2}\s*-\s*[CTLS]?\d{1,2}\b|\b(?:lumbar|cervical|thoracic|spine|spinal)\b", re.I
)
_COMPOUNDED = re.compile(r"\b(?:compound|compounded|cream base|transdermal)\b")
_WORD = re.compile(r"[a-z][a-z-]{4,}")


@dataclass(frozen=True)
class Classification:
    category: str
    subcategory: str | None
    drug: str | None = None
    drug_name: str | None = None


_DOSE = re.compile(
    r"\(?\b(?:DOS|date of service)\b[^)]*\)?|\bretro(?:spective)?(?: request(?: for)?)?\b|#\s*\d+|"
    r"\b(?:qty|quantity)\s*:?\s*\d+|\b\d+(?:\.\d+)?(?:\s*/\s*\d+(?:\.\d+)?)*\s*"
    r"(?:mg|mcg|g|gm|grams?|ml|%|units?|tabs?|tablets?|caps?|capsules?|patch(?:es)?)?\b(?:\s*/\s*(?:ml|g))?|"
    r"\bwith \w+ refills?\b|\b\d+\s*x\s*\d+\b|\b(?:x|times)\s*\d+\b|\(\s*\)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class _Match:
    start: int
    end: int
    priority: int
    category: str
    subcategory: str | None
    drug: rules.Drug | None


@cache
def _automaton() -> ahocorasick.Automaton:
    automaton = ahocorasick.Automaton()
    for rule in rules.treatment_rules():
        automaton.add_word(rule.keyword, [*_entries(automaton, rule.keyword), ("rule", rule)])
    for name, drug in rules.drugs().items():
        automaton.add_word(name, [*_entries(automaton, name), ("drug", drug)])
    automaton.make_automaton()
    return automaton


def _entries(automaton: ahocorasick.Automaton, key: str) -> list:
    return list(automaton.get(key)) if automaton.exists(key) else []


def _is_boundary(text: str, index: int) -> bool:
    return index < 0 or index >= len(text) or not text[index].isalnum()


def _matches(text: str) -> list[_Match]:
    found: list[_Match] = []
    for end, entries in _automaton().iter(text):
        for kind, entry in entries:
            key = entry.keyword if kind == "rule" else entry.name
            start = end - len(key) + 1
            if not _is_boundary(text, start - 1):
                continue
            prefix = kind == "rule" and entry.prefix
            if not prefix and not _is_boundary(text, end + 1):
                continue
            if kind == "rule":
                found.append(_Match(start, end, entry.priority, entry.category, entry.subcategory, None))
            else:
                found.append(_Match(start, end, DRUG_PRIORITY, "Pharmaceuticals", entry.group, entry))
    return found


@lru_cache(maxsize=65536)
def classify(treatment: str) -> Classification | None:
    """The category of a treatment, or None when no rule recognises it (cached: archives repeat
    the same requests, "Norco 10/325mg #120", many thousand times)."""
    text = treatment.lower()
    matches = _matches(text)
    if not matches:
        return _fuzzy_drug(text)
    best = max(matches, key=lambda m: (m.priority, m.end - m.start, -m.start))
    if best.drug is None:
        if best.subcategory == "Non-arthroscopic Surgery" and _SPINAL_LEVEL.search(treatment):
            return Classification("Surgery", "Spine")
        return Classification(best.category, best.subcategory)
    drugs = sorted((m for m in matches if m.drug is not None), key=lambda m: (m.start, m.start - m.end))
    return _pharmaceutical(text, drugs, treatment)


@lru_cache(maxsize=65536)
def treatment_key(treatment: str) -> str:
    """The treatment with strengths, quantities, dates and "Retrospective" folded away, so that
    "Norco 10/325mg #120" and "Norco 10/325 #60" count as one row: a drug's name as written, any
    other treatment's words in lower case (cached, like `classify`)."""
    classification = classify(treatment)
    if classification is not None and classification.drug_name:
        return classification.drug_name
    folded = _DOSE.sub(" ", treatment)
    return " ".join(folded.split()).strip(" ,;:-").lower() or treatment.lower()


def _pharmaceutical(text: str, drug_matches: list[_Match], treatment: str) -> Classification:
    first = drug_matches[0].drug
    assert first is not None
    name = _drug_name(treatment, drug_matches[0])
    groups = {m.drug.group for m in drug_matches if m.drug is not None}
    if "Topical Compounds" in groups:
        return Classification("Pharmaceuticals", "Topical Compounds", first.generic, name)
    if first.group not in _KEEPS_GROUP_AS_PATCH and _TOPICAL_FORM.search(text):
        distinct = {m.drug.generic for m in drug_matches if m.drug is not None}
        compounded = len(distinct) > 1 or _COMPOUNDED.search(text) is not None
        group = "Topical Compounds" if compounded else "Topical Analgesics"
        return Classification("Pharmaceuticals", group, first.generic, name)
    return Classification("Pharmaceuticals", first.group, first.generic, name)


def _drug_name(treatment: str, match: _Match) -> str:
    """The drug as the letter names it, capitalised: "norco" → "Norco", "LidoPro" stays."""
    written = treatment[match.start : match.end + 1]
    return written if any(c.isupper() for c in written) else written.capitalize()


def _fuzzy_drug(text: str) -> Classification | None:
    """Misspelt drug names ("Neurotin", "Cyclobenzeprine") still classify as their drug."""
    names = rules.drugs()
    for word in _WORD.findall(text):
        hit = process.extractOne(word, names.keys(), scorer=fuzz.ratio, score_cutoff=FUZZY_DRUG_SCORE)
        if hit:
            drug = names[hit[0]]
            return Classification("Pharmaceuticals", drug.group, drug.generic, hit[0].capitalize())
    return None
