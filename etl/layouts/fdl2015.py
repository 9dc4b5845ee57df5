"""The 2015+ letter: "<treatment>: Upheld", "Claims Administrator guideline:", "MAXIMUS
guideline:", "Decision rationale:"; with the page-1 header from 2016, without it in 2015."""

from __future__ import annotations

import re
from itertools import pairwise

from etl.layouts import common
from etl.layouts.base import LayoutResult, RawItem

FORMAT = "fdl-2015"

_MARKERS = re.compile(
    r"IMR ISSUES,\s+DECISIONS\s+AND\s+RATIONALES|MAXIMUS\s+guideline\s*:|"
    r"Claims\s+Administrator\s+guideline\s*:"
)
_LABELS = re.compile(
    r"(?P<claims>Claims\s+Administrator\s+guideline\s*:)|(?P<reviewer>MAXIMUS\s+guideline\s*:)|"
    r"(?P<rationale>Decision\s+rationale\s*:)"
)
_ITEMS_START = re.compile(
    r"set\s+forth\s+below\s*:|IMR ISSUES,\s+DECISIONS\s+AND\s+RATIONALES", re.IGNORECASE
)
_OUTCOME = re.compile(r":?\s*\b(Upheld|Overturned)\s*$", re.IGNORECASE)
_SENTENCE_END = re.compile(r"[.!?][\"')\]]*\n")
_MODIFIED = re.compile(
    r"^(?P<original>.+?)\s+was\s+the\s+original\s+request\b.*?"
    r"(?:remaining\s+IMR\s+eligible\s+portion\s+of\s+the\s+original\s+request|"
    r"The\s+original\s+request)\s*,?\s*(?P<decided>.+?)(?:\s+is)?\s*:?\s*$",
    re.S | re.IGNORECASE,
)
_TRAILING_IS = re.compile(r"\s+is\s*:?\s*$")
_HEAD_SENTENCE = re.compile(
    r"(?:was\s+the\s+original\s+request|authorized\s+by\s+the\s+Claims\s+Administrator|"
    r"original\s+request\s+IMR\s+eligible|modified\s+by\s+the\s+Claims\s+Administrator)\s*[.!?]$",
    re.IGNORECASE,
)
_NECESSITY = re.compile(r"medically\s+necessary[^.\n]*\.?", re.IGNORECASE)


def detect(text: str) -> bool:
    return _MARKERS.search(text) is not None


def parse(text: str) -> LayoutResult:
    warnings: list[str] = []
    header = common.read_header(text)
    summary = common.section(
        text, r"CLINICAL CASE SUMMARY", (r"IMR ISSUES,\s+DECISIONS", r"Claims\s+Administrator\s+guideline")
    )
    age, gender = common.patient(summary)
    if header["date_of_injury"] is None:
        header["date_of_injury"] = common.injury_date(summary)
    codes, specialties, unknown_states = common.listed_credentials(text)
    warnings += [f"unknown state of licensure: {name}" for name in unknown_states]
    items = _items(text, warnings)
    return LayoutResult(
        header=header,
        patient_age=age,
        patient_gender=gender,
        reviewer_states=codes,
        reviewer_specialties=specialties,
        items=items,
        warnings=warnings,
    )


def _items(text: str, warnings: list[str]) -> list[RawItem]:
    starts = list(_ITEMS_START.finditer(text))
    start_match = starts[-1] if starts else None
    labels = list(_LABELS.finditer(text))
    if start_match is not None:
        labels = [m for m in labels if m.start() >= start_match.end()]
    groups = _group_labels(labels)
    items: list[RawItem] = []
    cursor = start_match.end() if start_match is not None else 0
    for index, group in enumerate(groups):
        first = group[0]
        gap = text[cursor : first.start()]
        if index > 0:
            rationale, head = _split_rationale_and_head(gap)
            items[-1]["rationale"] = common.collapse(rationale) or None
        else:
            head = gap
        items.append(_item(head, group, text, warnings))
        cursor = group[-1].end()
    if items:
        tail = text[cursor:]
        items[-1]["rationale"] = common.collapse(tail) or None
    return items


def _group_labels(labels: list[re.Match[str]]) -> list[list[re.Match[str]]]:
    """One group per item: a label of a kind already in the current group starts the next item."""
    groups: list[list[re.Match[str]]] = []
    for label in labels:
        kinds = {m.lastgroup for m in groups[-1]} if groups else set()
        order = ("claims", "reviewer", "rationale")
        current_last = max((order.index(k) for k in kinds), default=-1)
        if not groups or label.lastgroup in kinds or order.index(label.lastgroup) < current_last:
            groups.append([label])
        else:
            groups[-1].append(label)
    return groups


def _item(head: str, group: list[re.Match[str]], text: str, warnings: list[str]) -> RawItem:
    paragraphs = {"claims": "", "reviewer": ""}
    for label, following in pairwise(group):
        if label.lastgroup in paragraphs:
            paragraphs[label.lastgroup] = text[label.end() : following.start()]
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
    outcome = _OUTCOME.search(head)
    decision = None
    if outcome:
        decision = "upheld" if outcome.group(1).lower() == "upheld" else "overturned"
        head = head[: outcome.start()]
    head = common.collapse(head).rstrip(" :")
    modified = _MODIFIED.match(head)
    if modified:
        decided = _TRAILING_IS.sub("", modified.group("decided")).strip(" :,")
        return decided, modified.group("original").strip(), decision
    return head, None, decision


def _split_rationale_and_head(gap: str) -> tuple[str, str]:
    """The previous item's rationale ends at the last line that closes a sentence; the next
    treatment (possibly wrapped over lines) follows."""
    body = gap.rstrip()
    outcome = _OUTCOME.search(body)
    search_end = outcome.start() if outcome else len(body)
    ends = [
        m.end()
        for m in _SENTENCE_END.finditer(body, 0, search_end + 1)
        if not _HEAD_SENTENCE.search(body, 0, m.start() + 1)
    ]
    if ends:
        cut = ends[-1]
        if search_end - cut < 600:
            return body[:cut], body[cut:]
    necessity = list(_NECESSITY.finditer(body, 0, search_end))
    if necessity:
        cut = necessity[-1].end()
        return body[:cut], body[cut:]
    return "", body
