"""Rationale → reason codes: why a decision went its way (`../shared/reference/reasons.md`).

Pure, like the parser. The patterns live in `etl/rules/reasons.csv` (one row per way of stating a
ground) and the scope words in `etl/rules/reason-scope.csv` (negation, clause breaks, guideline
quotes); this module only applies them:

- a row fires on a sentence when its pattern matches inside one clause, with the negation the
  row asks for ("no documentation of functional improvement", not "there is documentation of");
- a sentence that only reports what a guideline says ("ODG recommends 10 visits") is a quote,
  not a ground, unless the row's scope is "any"; a "case_only" row needs a sentence about this
  patient or request; the closing verdict ("Therefore, the request … is not medically
  necessary") is no ground;
- fallback rows (a guideline's plain refusal, the bare "is medically necessary") count only when
  no other row found a ground for the item;
- each code at most once per item, with the first sentence that states it as evidence.
"""

from __future__ import annotations

import itertools
import re
from bisect import bisect_right
from dataclasses import dataclass
from functools import cache
from typing import TypedDict

from etl.rules import reason_rules, reason_scope

# A sentence ends at . ! ? followed by space and a capital, digit or quote, except after the
# abbreviations letters use ("e.g.", "Dr.", "No.", "vs.", a single initial).
_SENTENCE_END = re.compile(r"(?:(?<=[.!?])|(?<=[.!?][\"')\]]))\s+(?=[\"'(\[A-Z0-9])")
_ABBREVIATION = re.compile(
    r"(?:\b(?:e\.g|i\.e|etc|vs|dr|mr|mrs|ms|no|nos|fig|approx|pg|p|pp|ca|st)|\b[A-Za-z])\.$", re.I
)


class Reason(TypedDict):
    code: str
    evidence: str


@dataclass(frozen=True)
class ReasonRule:
    code: str
    decision: str
    pattern: re.Pattern[str]
    negation: str  # required | forbidden | any
    scope: str  # any | no_quotes | case_only (the sentence must be about this case)
    fallback: bool  # only when no other row found a ground; may fire on the closing verdict
    context: re.Pattern[str] | None  # must match somewhere in the rationale
    veto: re.Pattern[str] | None  # cancels the row on a sentence it matches


@dataclass(frozen=True)
class _Sentence:
    text: str  # as written, whitespace collapsed: the evidence
    lower: str
    is_quote: bool
    is_about_case: bool
    is_conclusion: bool
    clauses: tuple[tuple[int, int], ...]  # (start, end) in `lower`


def tag(rationale: str | None, decision: str | None) -> list[Reason]:
    """The reason codes the rationale states for this decision, each with its sentence."""
    if not rationale or decision not in ("upheld", "overturned"):
        return []
    rules = [rule for rule in _rules() if rule.decision == decision]
    whole = " ".join(rationale.split())
    lowered = whole.lower()
    rules = [rule for rule in rules if rule.context is None or rule.context.search(lowered)]
    sentences = [_sentence(text) for text in split_sentences(whole)]
    grounds: dict[str, tuple[int, str]] = {}
    fallbacks: dict[str, tuple[int, str]] = {}
    for rule in rules:
        found = grounds if not rule.fallback else fallbacks
        for number, sentence in enumerate(sentences):
            if rule.code in found and found[rule.code][0] <= number:
                break
            if _fires(rule, sentence):
                found[rule.code] = (number, sentence.text)
                break
    chosen = grounds or fallbacks
    return [
        Reason(code=code, evidence=text)
        for code, (_, text) in sorted(chosen.items(), key=lambda kv: kv[1][0])
    ]


def split_sentences(text: str) -> list[str]:
    """Sentences of a whitespace-collapsed text, each a substring of it."""
    pieces, start = [], 0
    for match in _SENTENCE_END.finditer(text):
        if _ABBREVIATION.search(text[start : match.start()]):
            continue
        pieces.append(text[start : match.start()])
        start = match.end()
    pieces.append(text[start:])
    return [piece.strip() for piece in pieces if piece.strip()]


def _sentence(text: str) -> _Sentence:
    scope = _scope()
    lower = text.lower()
    breaks = [match.start() for match in scope.clause_break.finditer(lower)]
    bounds = [0, *breaks, len(lower)]
    clauses = tuple(itertools.pairwise(bounds))
    about_case = bool(scope.case.search(lower))
    is_quote = bool(scope.quote.search(lower)) and not about_case
    return _Sentence(text, lower, is_quote, about_case, bool(scope.conclusion.search(lower)), clauses)


def _fires(rule: ReasonRule, sentence: _Sentence) -> bool:
    if sentence.is_conclusion and not rule.fallback:
        return False
    if (rule.scope != "any" and sentence.is_quote) or (rule.scope == "case_only" and not sentence.is_about_case):
        return False
    if rule.veto and rule.veto.search(sentence.lower):
        return False
    for match in rule.pattern.finditer(sentence.lower):
        start, end = _clause_of(sentence, match.start())
        negated = _negated(sentence.lower, start, match, end)
        if rule.negation == "any" or (rule.negation == "required") == negated:
            return True
    return False


def _clause_of(sentence: _Sentence, position: int) -> tuple[int, int]:
    starts = [start for start, _ in sentence.clauses]
    return sentence.clauses[bisect_right(starts, position) - 1]


def _negated(lower: str, clause_start: int, match: re.Match[str], clause_end: int) -> bool:
    """A denial before the phrase in its clause, or right after it ("… was not documented")."""
    scope = _scope()
    before = lower[clause_start : match.start()]
    if scope.negation_before.search(before):
        return True
    return bool(scope.negation_after.search(lower[match.end() : clause_end]))


@dataclass(frozen=True)
class _Scope:
    negation_before: re.Pattern[str]
    negation_after: re.Pattern[str]
    clause_break: re.Pattern[str]
    quote: re.Pattern[str]
    case: re.Pattern[str]
    conclusion: re.Pattern[str]


@cache
def _scope() -> _Scope:
    patterns = reason_scope()
    return _Scope(**{kind: re.compile(pattern) for kind, pattern in patterns.items()})


@cache
def _rules() -> tuple[ReasonRule, ...]:
    return tuple(
        ReasonRule(
            code=row["code"],
            decision=row["decision"],
            pattern=re.compile(row["pattern"]),
            negation=row["negation"] or "any",
            scope=row["scope"] or "no_quotes",
            fallback=row["fallback"] == "yes",
            context=re.compile(row["context"]) if row["context"] else None,
            veto=re.compile(row["veto"]) if row["veto"] else None,
        )
        for row in reason_rules()
    )
