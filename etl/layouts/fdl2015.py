"""The 2015+ letter: "<treatment>: Upheld", "Claims Administrator guideline:", "MAXIMUS
guideline:", "Decision rationale:"; with the page-1 header from 2016, without it in 2015."""

from __future__ import annotations

import re
from itertools import pairwise

from etl.layouts import common
from etl.layouts.base import LayoutResult, RawItem, assemble

FORMAT = "fdl-2015"

_MARKERS = ("IMR ISSUES, DECISIONS AND RATIONALES", "MAXIMUS guideline:", "Claims Administrator guideline:")
_LABELS = {
    "claims": ("Claims Administrator guideline:", "Claims Administrator Guideline:"),
    "reviewer": ("MAXIMUS guideline:", "MAXIMUS Guideline:"),
    "rationale": ("Decision rationale:", "Decision Rationale:"),
}
_LABEL_ORDER = ("claims", "reviewer", "rationale")
_ITEMS_START = ("set forth below:", "IMR ISSUES, DECISIONS AND RATIONALES")
_OUTCOME = re.compile(r":?\s*\b(Upheld|Overturned)\s*$", re.IGNORECASE)
_SENTENCE_END = re.compile(r"[.!?][\"')\]]*\n")
_HEAD_LIMIT = 600
_NECESSITY = re.compile(r"medically\s+necessary[^.\n]*\.?", re.IGNORECASE)


def detect(text: str) -> bool:
    return common.contains_any(text, _MARKERS)


def parse(text: str) -> LayoutResult:
    warnings: list[str] = []
    header = common.read_header(text)
    summary = common.section(
        text, ("CLINICAL CASE SUMMARY",), ("IMR ISSUES, DECISIONS", "Claims Administrator guideline")
    )
    items = _items(text, warnings)
    return assemble(header, summary, common.listed_credentials(text), items, warnings)


def _items(text: str, warnings: list[str]) -> list[RawItem]:
    flat = text.replace("\n", " ")
    cursor = max((at + len(p) for p in _ITEMS_START if (at := flat.find(p)) != -1), default=0)
    groups = _group_labels(common.find_labels(flat, _LABELS, cursor))
    items: list[RawItem] = []
    for index, group in enumerate(groups):
        first = group[0]
        gap = text[cursor : first.start]
        if index > 0:
            rationale, head = _split_rationale_and_head(gap)
            items[-1]["rationale"] = common.collapse(rationale) or None
        else:
            head = gap
        items.append(_item(head, group, text, warnings))
        cursor = group[-1].end
    if items:
        tail = text[cursor:]
        items[-1]["rationale"] = common.collapse(tail) or None
    return items


def _group_labels(labels: list[common.Label]) -> list[list[common.Label]]:
    """One group per item: a label that cannot follow the current group's last starts the next."""
    groups: list[list[common.Label]] = []
    for label in labels:
        rank = _LABEL_ORDER.index(label.kind)
        if not groups or rank <= _LABEL_ORDER.index(groups[-1][-1].kind):
            groups.append([label])
        else:
            groups[-1].append(label)
    return groups


def _item(head: str, group: list[common.Label], text: str, warnings: list[str]) -> RawItem:
    paragraphs = {"claims": "", "reviewer": ""}
    for label, following in pairwise(group):
        if label.kind in paragraphs:
            paragraphs[label.kind] = text[label.end : following.start]
    treatment, original, decision = _head(head)
    if decision is None:
        warnings.append(f"no decision read for item: {treatment[:80]!r}")
    if not treatment:
        warnings.append("an item without a treatment text")
    return RawItem(
        treatment=treatment,
        original_request=original,
        decision=decision,
        claims_paragraph=paragraphs["claims"],
        reviewer_paragraph=paragraphs["reviewer"],
        rationale=None,
    )


def _head(head: str) -> tuple[str, str | None, str | None]:
    """ "X was the original request. … The remaining … portion …, Y is: Upheld" → (Y, X, upheld)."""
    head = head.strip()
    outcome = _outcome(head)
    decision = None
    if outcome:
        decision = "upheld" if outcome.group(1).lower() == "upheld" else "overturned"
        head = head[: outcome.start()]
    treatment, original = common.modified_request(common.collapse(head).rstrip(" :"))
    return treatment, original, decision


def _split_rationale_and_head(gap: str) -> tuple[str, str]:
    """The previous item's rationale ends at the last line that closes a sentence, unless that
    sentence belongs to a modified request's head ("… was the original request."); the next
    treatment (possibly wrapped over lines) follows."""
    body = gap.rstrip()
    outcome = _outcome(body)
    head_end = outcome.start() if outcome else len(body)
    for end in reversed(
        [m.end() for m in _SENTENCE_END.finditer(body, max(0, head_end - _HEAD_LIMIT), head_end + 1)]
    ):
        if not common.closes_modified_request_sentence(body[max(0, end - 80) : end].rstrip("\n")):
            return body[:end], body[end:]
    necessity = list(_NECESSITY.finditer(body, 0, head_end))
    if necessity:
        cut = necessity[-1].end()
        return body[:cut], body[cut:]
    return "", body


def _outcome(head: str) -> re.Match[str] | None:
    """ ": Upheld" at the very end of a head; searched in the tail only (heads can be long)."""
    tail_start = max(0, len(head) - 20)
    return _OUTCOME.search(head, tail_start)
