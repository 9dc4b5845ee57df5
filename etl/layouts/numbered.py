"""Items of the 2013–2014 letters: a numbered head, then "Guideline(s) Relied Upon by the Claims
Administrator:", "… by the Expert Reviewer:" and "Rationale for the Decision:" paragraphs.

The two eras differ only in the head ("1) Regarding the request for X:" against "1. X is not
medically necessary and appropriate."), so each era module passes its head pattern here.
"""

from __future__ import annotations

import re

from etl.layouts import common
from etl.layouts.base import RawItem

_LABELS = re.compile(
    r"(?P<claims>(?:Medical\s+Treatment\s+)?Guidelines?\(?s?\)?\s+Relied\s+Upon\s+by\s+the\s+Claims\s+"
    r"Administrator\s*:)|(?P<reviewer>(?:Medical\s+Treatment\s+)?Guidelines?\(?s?\)?\s+Relied\s+Upon\s+by"
    r"\s+the\s+Expert\s+Reviewer\s*:)|(?P<rationale>Rationale\s+for\s+the\s+Decision\s*:)",
    re.IGNORECASE,
)
_VERDICT = re.compile(r"\bis\s+(?P<not>not\s+)?medically\s+necessary\s+and\s+appropriate", re.IGNORECASE)
_LETTER_END = re.compile(r"\n(?:cc:|/[a-z]{2,4}\n|Effect of the Decision)", re.IGNORECASE)


def items(text: str, head: re.Pattern[str], warnings: list[str], region: int = 0) -> list[RawItem]:
    """`head` matches the numbered start of an item ("1) Regarding the request for", "1. ");
    the treatment runs from there to the item's first guideline label."""
    labels = [m for m in _LABELS.finditer(text) if m.start() >= region]
    claims_labels = [m for m in labels if m.lastgroup == "claims"]
    heads = [_last_head(text, head, region, claims.start()) for claims in claims_labels]
    found: list[RawItem] = []
    for index, (claims, item_head) in enumerate(zip(claims_labels, heads, strict=True)):
        if item_head is None:
            warnings.append(f"item {index + 1}: no numbered head before its guideline paragraph")
            continue
        following = [m for m in labels if m.start() > claims.start()]
        if index + 1 < len(claims_labels):
            next_head = heads[index + 1]
            end = next_head.start() if next_head else claims_labels[index + 1].start()
        else:
            closing = _LETTER_END.search(text, claims.end())
            end = closing.start() if closing else len(text)
        reviewer = next((m for m in following if m.lastgroup == "reviewer" and m.start() < end), None)
        rationale = next((m for m in following if m.lastgroup == "rationale" and m.start() < end), None)
        paragraph_end = [m.start() for m in (reviewer, rationale) if m] + [end]
        found.append(
            _item(
                text[item_head.end() : claims.start()],
                text[claims.end() : min(paragraph_end)],
                text[reviewer.end() : rationale.start() if rationale else end] if reviewer else "",
                text[rationale.end() : end] if rationale else "",
                warnings,
            )
        )
    return found


def _last_head(text: str, head: re.Pattern[str], start: int, end: int) -> re.Match[str] | None:
    heads = list(head.finditer(text, start, end))
    return heads[-1] if heads else None


def _item(head: str, claims: str, reviewer: str, rationale: str, warnings: list[str]) -> RawItem:
    head = common.collapse(head)
    verdict_in_head = _VERDICT.search(head)
    treatment = (head[: verdict_in_head.start()] if verdict_in_head else head).rstrip(" :")
    verdicts = list(_VERDICT.finditer(rationale))
    verdict = verdict_in_head or (verdicts[-1] if verdicts else None)
    decision = None
    if verdict:
        decision = "upheld" if verdict.group("not") else "overturned"
    else:
        warnings.append(f"no decision read for item: {treatment[:80]!r}")
    return RawItem(
        treatment=treatment,
        original_request=None,
        decision=decision,
        claims_paragraph=claims,
        reviewer_paragraph=reviewer,
        rationale=common.collapse(rationale) or None,
    )
