"""Treatment request (and the guideline topics its item cites) → DWC category and subcategory,
driven by the rule files in `etl/rules/`.

Evidence, strongest first; every result says which kind decided (`method`) and what matched:
- rule: keywords, drug names and word endings found in the treatment (treatments.csv, drugs.csv,
  word-endings.csv) by one Aho-Corasick pass; the match with the highest priority wins (drug
  names rank above generic words such as "unit" or "injection" and below specific procedures
  such as "epidural"). Strengths, quantities and dates never match a keyword, so "Norco
  10/325mg #120" and "Norco 10/325 #60" classify alike.
- topic: the guideline sections the item cites (topics.csv), a closed vocabulary of a few
  hundred topics ("Opioids, criteria for use", "Physical medicine"); it decides when the
  treatment's words match nothing or only a generic word (priority below `WEAK_PRIORITY`).
- fuzzy: a misspelt drug name ("Neurotin").
- rule again, last: a strength or dosage form ("10mg", "oral suspension") marks an unnamed drug.
- none: Other, nothing matched.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, lru_cache

import ahocorasick
from rapidfuzz import fuzz, process

from etl import rules

DRUG_PRIORITY = 55
# Rule matches below this priority are generic words ("unit", "evaluation", "program"): a cited
# guideline topic says more about the request than they do.
WEAK_PRIORITY = 40
FUZZY_DRUG_SCORE = 88
_TOPICAL_FORM = re.compile(
    r"\b(?:cream|creams|gel|gels|patch|patches|pad|ointment|lotion|topical|liniment|roll-on|rub|foam)\b|\d%",
)
# Drug groups sold as creams and gels: a single-drug topical of any other group is compounded.
_SOLD_AS_TOPICAL = {"Topical Analgesics", "NSAIDs"}
# Transdermal opioid patches (fentanyl, Butrans) are opioids, not topical analgesics.
_KEEPS_GROUP_AS_PATCH = {"Opioids", "Opioid Antagonists", "Hormones", "Androgens & Anabolic Steroids"}
_SPINAL_LEVEL = re.compile(
    r"\b[CTLS]\d{1,2}\s*-\s*[CTLS]?\d{1,2}\b|\b(?:lumbar|cervical|thoracic|spine|spinal)\b", re.I
)
# A cream or gel made of a patch drug (tramadol, an opioid) is compounded, not a patch.
_SPREAD_FORM = re.compile(r"\b(?:cream|creams|gel|gels|ointment|lotion|liniment|roll-on|rub|foam)\b")
# Where a request's own words end and its context begins ("CT of the spine to assess fusion",
# "physical therapy following rotator cuff repair"): the words before it name what was asked for.
_CONTEXT = re.compile(
    r"\b(?:to (?:assess|evaluate|rule out|check|confirm|monitor|determine|address|treat)|"
    r"status post|s/p|following|after|prior to|before|in preparation for|due to|secondary to|"
    r"related to|r/o|rule out|for|versus|vs)\b"
)
# An injection into a joint, or of a corticosteroid, is a joint injection (taxonomy.md: cortisone,
# viscosupplementation, PRP); a plain drug injection ("Toradol 60mg IM") stays Other Injections.
_JOINT = re.compile(
    r"\b(?:shoulders?|knees?|hips?|elbows?|wrists?|ankles?|joints?|glenohumeral|acromioclavicular|"
    r"subacromial|thumbs?|fingers?|cmc|toes?|trochanteric)\b"
)
_EVALUATION = re.compile(r"\b(?:evaluations?|eval|assessments?|testing|consultations?|consult)\b")
_THERAPY = re.compile(
    r"\b(?:therapy|therapies|psychotherapy|cbt|counsel+ing|sessions?|visits?|treatments?)\b"
)
# A consultation or referral about a surgery is a surgical consult (taxonomy.md's rule of thumb).
_CONSULT_WORDS = frozenset({"consultation", "consult", "referral", "evaluation", "second opinion", "opinion"})
_COMPOUNDED = re.compile(r"\b(?:compound|compounded|cream base|transdermal)\b")
_WORD = re.compile(r"[a-z][a-z-]{4,}")
_LETTERS = re.compile(r"[a-z]{5,}")
# A strength or a dosage form: the request is a drug even when its name is in no table.
_DOSAGE = re.compile(
    r"\b\d+(?:\.\d+)?\s*(?:mg|mcg|meq|iu)\b|\b\d+(?:\.\d+)?\s*%|"
    r"\b(?:tablets?|tabs|capsules?|caps|softgels?|oral suspension|oral solution|suspension|syrup|"
    r"elixir|lozenges?|suppositor(?:y|ies)|ointment|cream|lotion|gel|nasal spray|eye drops|"
    r"sublingual|extended[- ]release|delayed[- ]release|orally|by mouth|po|bid|tid|qid|qhs|prn)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Classification:
    category: str
    subcategory: str | None
    method: str = "rule"
    matched: str | None = None
    drug: str | None = None
    drug_name: str | None = None

    @property
    def classified_by(self) -> dict[str, str | None]:
        """The contract's `classified_by`: how the category was chosen, and what matched."""
        return {"method": self.method, "matched": self.matched}


UNCLASSIFIED = Classification("Other", None, "none", None)


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
    matched: str


@cache
def _automaton() -> ahocorasick.Automaton:
    automaton = ahocorasick.Automaton()
    for rule in rules.treatment_rules():
        automaton.add_word(rule.keyword, [*_entries(automaton, rule.keyword), ("rule", rule)])
    for name, drug in rules.drugs().items():
        automaton.add_word(name, [*_entries(automaton, name), ("drug", drug)])
    automaton.make_automaton()
    return automaton


@cache
def _topic_automaton() -> ahocorasick.Automaton:
    automaton = ahocorasick.Automaton()
    for rule in rules.topic_rules():
        automaton.add_word(rule.keyword, [*_entries(automaton, rule.keyword), ("rule", rule)])
    automaton.make_automaton()
    return automaton


@cache
def _endings() -> tuple[tuple[str, ...], tuple[rules.WordEnding, ...]]:
    table = rules.word_endings()
    return tuple(rule.ending for rule in table), table


def _entries(automaton: ahocorasick.Automaton, key: str) -> list:
    return list(automaton.get(key)) if automaton.exists(key) else []


def _is_boundary(text: str, index: int) -> bool:
    return index < 0 or index >= len(text) or not text[index].isalnum()


def _matches(text: str, automaton: ahocorasick.Automaton) -> list[_Match]:
    found: list[_Match] = []
    for end, entries in automaton.iter(text):
        for kind, entry in entries:
            key = entry.keyword if kind == "rule" else entry.name
            start = end - len(key) + 1
            if not _is_boundary(text, start - 1):
                continue
            prefix = kind == "rule" and entry.prefix
            if not prefix and not _is_boundary(text, end + 1):
                continue
            if kind == "rule":
                found.append(_Match(start, end, entry.priority, entry.category, entry.subcategory, None, key))
            else:
                found.append(_Match(start, end, DRUG_PRIORITY, "Pharmaceuticals", entry.group, entry, key))
    return found


def _ending_matches(text: str) -> list[_Match]:
    """Words no table names, known by their ending ("fasciectomy", "esomeprazole")."""
    endings, table = _endings()
    found: list[_Match] = []
    for word in _LETTERS.finditer(text):
        written = word.group()
        if not written.endswith(endings):
            continue
        rule = next(r for r in table if written.endswith(r.ending))
        if written not in rule.exceptions and len(written) > len(rule.ending) + 1:
            matched = f"{written} (-{rule.ending})"
            found.append(
                _Match(
                    word.start(),
                    word.end() - 1,
                    rule.priority,
                    rule.category,
                    rule.subcategory,
                    None,
                    matched,
                )
            )
    return found


@lru_cache(maxsize=65536)
def classify(treatment: str) -> Classification | None:
    """The category of a treatment from its own words, or None when nothing recognises it
    (cached: archives repeat the same requests, "Norco 10/325mg #120", many thousand times)."""
    from_words = _from_words(treatment)
    if from_words is not None:
        return from_words[0]
    return _fuzzy_drug(treatment.lower()) or _unnamed_drug(treatment)


@lru_cache(maxsize=65536)
def classify_item(treatment: str, topics: tuple[str, ...] = ()) -> Classification:
    """The category of a disputed item: its treatment's words, else the guideline topics it
    cites (sections and books, reviewer's first), else a misspelt or unnamed drug, else Other."""
    from_words = _from_words(treatment)
    if from_words is not None and from_words[1] >= WEAK_PRIORITY:
        return from_words[0]
    return (
        _from_topics(topics)
        or (from_words and from_words[0])
        or _fuzzy_drug(treatment.lower())
        or _unnamed_drug(treatment)
        or UNCLASSIFIED
    )


@lru_cache(maxsize=65536)
def _from_words(treatment: str) -> tuple[Classification, int] | None:
    """The best rule match in the treatment's words, with its priority (cached: `classify_item`
    asks once per cited-topic combination, `treatment_key` once more)."""
    text = treatment.lower()
    every = _matches(text, _automaton()) + _ending_matches(text)
    if not every:
        return None
    context = _CONTEXT.search(text)
    head = [m for m in every if context is None or m.end < context.start()]
    matches = head or every
    best = max(matches, key=lambda m: (m.priority, m.end - m.start, -m.start))
    if best.drug is None:
        category, subcategory = best.category, best.subcategory
        if best.matched in _CONSULT_WORDS and any(_is_operation(m) for m in every):
            category, subcategory = "Surgery", "Surgical Consult"
        if subcategory == "Therapies" and _EVALUATION.search(text) and not _THERAPY.search(text):
            subcategory = "Evaluation"  # "Pain psychology evaluation": the psychology is assessed
        if subcategory == "Other Injections" and best.matched in {"injection", "injections"}:
            steroid = any(m.drug is not None and m.drug.group == "Adrenal Cortical Steroids" for m in every)
            if steroid or _JOINT.search(text):
                subcategory = "Joint Injection"
        if subcategory == "Non-arthroscopic Surgery" and _SPINAL_LEVEL.search(treatment):
            subcategory = "Spine"
        return Classification(category, subcategory, "rule", best.matched), best.priority
    drugs = _outermost(m for m in matches if m.drug is not None)
    return _pharmaceutical(text, drugs, treatment), best.priority


def _is_operation(match: _Match) -> bool:
    return match.category == "Surgery" and match.subcategory not in {
        "Adjunct Surgical Services",
        "Surgical Consult",
    }


def _from_topics(topics: tuple[str, ...]) -> Classification | None:
    """The best-ranked topic rule over the cited sections; the first citation wins a tie."""
    best: tuple[int, int, str, _Match] | None = None
    for order, topic in enumerate(topics):
        for match in _matches(topic.lower(), _topic_automaton()):
            key = (match.priority, -order)
            if best is None or key > best[:2]:
                best = (match.priority, -order, topic, match)
    if best is None:
        return None
    match = best[3]
    return Classification(match.category, match.subcategory, "topic", best[2])


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


def _outermost(matches: Iterable[_Match]) -> list[_Match]:
    """Drug matches in text order without those inside a longer one ("terocin" inside "terocin
    patch" names the same product, not a second ingredient)."""
    ordered = sorted(matches, key=lambda m: (m.start, m.start - m.end))
    kept: list[_Match] = []
    for match in ordered:
        if not kept or match.start > kept[-1].end:
            kept.append(match)
    return kept


def _pharmaceutical(text: str, drug_matches: list[_Match], treatment: str) -> Classification:
    first = drug_matches[0].drug
    assert first is not None
    name = _drug_name(treatment, drug_matches[0])
    matched = drug_matches[0].matched
    groups = {m.drug.group for m in drug_matches if m.drug is not None}
    if "Topical Compounds" in groups:
        return Classification("Pharmaceuticals", "Topical Compounds", "rule", matched, first.generic, name)
    keeps_group = first.group in _KEEPS_GROUP_AS_PATCH and not _SPREAD_FORM.search(text)
    if not keeps_group and _TOPICAL_FORM.search(text):
        distinct = {m.drug.generic for m in drug_matches if m.drug is not None}
        # A cream of a drug sold in no topical form (gabapentin, ketamine) is compounded even alone.
        made_up = first.group not in _SOLD_AS_TOPICAL
        compounded = len(distinct) > 1 or made_up or _COMPOUNDED.search(text) is not None
        group = "Topical Compounds" if compounded else "Topical Analgesics"
        return Classification("Pharmaceuticals", group, "rule", matched, first.generic, name)
    return Classification("Pharmaceuticals", first.group, "rule", matched, first.generic, name)


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
            return Classification(
                "Pharmaceuticals", drug.group, "fuzzy", hit[0], drug.generic, hit[0].capitalize()
            )
    return None


def _unnamed_drug(treatment: str) -> Classification | None:
    """A strength or dosage form with a name no table knows: a drug of an unknown group (a
    topical one when its form says so)."""
    dosage = _DOSAGE.search(treatment)
    if dosage is None:
        return None
    text = treatment.lower()
    if _TOPICAL_FORM.search(text):
        group = "Topical Compounds" if _COMPOUNDED.search(text) or "/" in text else "Topical Analgesics"
    else:
        group = "Other"
    return Classification("Pharmaceuticals", group, "rule", f"dosage: {dosage.group().strip()}")
