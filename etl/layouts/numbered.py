"""Items of the 2013–2014 letters: a numbered head, then "Guideline(s) Relied Upon by the Claims
Administrator:", "… by the Expert Reviewer:" and "Rationale for the Decision:" paragraphs.

The two eras differ only in the head ("1) Regarding the request for X:" against "1. X is not
medically necessary and appropriate."), so each era module passes its head pattern here.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from etl.layouts import common
from etl.layouts.base import RawItem

_LABELS = {
    "claims": (
        "Medical Treatment Guideline(s) Relied Upon by the Claims Administrator:",
        "Guideline(s) Relied Upon by the Claims Administrator:",
    ),
    "reviewer": (
        "Medical Treatment Guideline(s) Relied Upon by the Expert Reviewer:",
        "Guideline(s) Relied Upon by the Expert Reviewer:",
    ),
    "rationale": ("Rationale for the Decision:",),
}
# "\bis …" case-insensitively, led by the four characters a case-insensitive "i" matches and the
# word boundary checked behind them (see _AGE_WORDS in common): 2.3 times faster.
_VERDICT = re.compile(
    r"[iI\u0130\u0131](?<!\w.)(?i:s\s+(?P<not>not\s+)?medically\s+necessary\s+and\s+appropriate)"
)
_LETTER_END = re.compile(r"\n(?:cc:|/[a-z]{2,4}\n|Effect of the Decision)", re.IGNORECASE)


class LineHead(NamedTuple):
    """An item's numbered head at the start of a line, as `(?:^|\n)<head>` finds it. That regex is
    tried at every position of the letter; led by the line break, a literal, it is scanned for
    ten times faster (70 µs a letter of this era)."""

    at_text_start: re.Pattern[str]
    after_line_break: re.Pattern[str]


def line_head(head: str, flags: int = 0) -> LineHead:
    return LineHead(re.compile(head, flags), re.compile("\n" + head, flags))


def _heads(head: LineHead, text: str, start: int) -> list[re.Match[str]]:
    """The heads from `start` on (a head at the text's very start only when `start` is 0, as `^`)."""
    first = head.at_text_start.match(text) if start == 0 else None
    rest = head.after_line_break.finditer(text, first.end() if first else start)
    return [first, *rest] if first else list(rest)


def items(text: str, head: LineHead, warnings: list[str], region: int = 0) -> list[RawItem]:
    """`head` matches the numbered start of an item ("1) Regarding the request for", "1. ");
    the treatment runs from there to the item's first guideline label."""
    labels = _longest(common.find_labels(text.replace("\n", " "), _LABELS, region))
    heads = _heads(head, text, region)
    claims_labels = [label for label in labels if label.kind == "claims"]
    item_heads = [_last_before(heads, claims.start) for claims in claims_labels]
    found: list[RawItem] = []
    for index, (claims, item_head) in enumerate(zip(claims_labels, item_heads, strict=True)):
        if item_head is None:
            warnings.append(f"item {index + 1}: no numbered head before its guideline paragraph")
            continue
        if index + 1 < len(claims_labels):
            next_head = item_heads[index + 1]
            end = next_head.start() if next_head else claims_labels[index + 1].start
        else:
            closing = _LETTER_END.search(text, claims.end)
            end = closing.start() if closing else len(text)
        inside = [label for label in labels if claims.start < label.start < end]
        reviewer = next((label for label in inside if label.kind == "reviewer"), None)
        rationale = next((label for label in inside if label.kind == "rationale"), None)
        paragraph_end = min([label.start for label in (reviewer, rationale) if label] + [end])
        found.append(
            _item(
                text[item_head.end() : claims.start],
                text[claims.end : paragraph_end],
                text[reviewer.end : rationale.start if rationale else end] if reviewer else "",
                text[rationale.end : end] if rationale else "",
                warnings,
            )
        )
    return found


def _longest(labels: list[common.Label]) -> list[common.Label]:
    """ "Medical Treatment Guideline(s) Relied Upon …" also contains the short form: keep one."""
    ends: dict[int, common.Label] = {}
    for label in labels:
        if label.end not in ends or label.start < ends[label.end].start:
            ends[label.end] = label
    return sorted(ends.values(), key=lambda label: label.start)


def _last_before(heads: list[re.Match[str]], position: int) -> re.Match[str] | None:
    before = [head for head in heads if head.start() < position]
    return before[-1] if before else None


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
