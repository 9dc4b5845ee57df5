"""Items read from any explicit per-item decision, whatever the layout: the items of a letter in
a layout never seen, and of a recognised layout whose own reader finds no item with a decision
(a variant of its era).

A letter is read as one ordered list of cues:
- headings, which start an item: "Item 2:", "Issue 2:", "Treatment 2:", "Request 2:", and "2)" at
  a line start when a decision or a label follows it (a numbered list inside a rationale is no item);
- decisions: "Decision: UPHELD. …" (any case) and an outcome word closing a line ("<treatment>:
  Upheld", "… OVERTURN"); a decision the open item cannot take starts an item of its own, whose
  treatment is the text before it back to the last sentence end (a modified request's "… was the
  original request." sentences included);
- guideline and rationale labels ("Claims Administrator guideline:", "Guideline(s) relied upon by
  the reviewer:", "References:", "Rationale:", "Basis for the decision:", "Decision: <sentence>" …),
  which fill the open item;
- necessity sentences ("… is not medically necessary"): they end a heading's treatment, decide an
  item that states its decision no other way, and are the items of a letter with none of the above;
- ends: "Sincerely", "cc:", the letter's overall "Final Determination: UPHOLD", a heading line in
  capitals ("APPEAL RIGHTS").

Patterns read a line break as a space except where a line start or end is the cue, so a re-wrapped
letter reads the same. A treatment stated twice (a summary line or sentence, and its own block) is
one item, taken from the statement that says the most.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import NamedTuple

from etl.layouts import common
from etl.layouts.base import RawItem

_OUTCOME_WORDS = "upheld|overturned|uphold|overturn"
_RELIED_ON = r"s?(?:\(s\))?\s+(?:relied\s+(?:up)?on|cited|used|applied)\s+by\s+the\s+"
_GUIDELINE = r"(?:'s)?\s+guidelines?(?:\(s\))?\s*:"
# Cues read in the lowercased letter: (kind, the word a cue starts with, the rest of it). Each is
# searched from the first place its word occurs (a fast `str.find`; a letter holds few of them):
# one alternation of them all, tried at every position, is twenty times slower.
_LOWERCASE_CUES = tuple(
    (kind, word, re.compile(word + rest))
    for kind, word, rest in (
        ("overall", "final", rf"\s+determination\s*:\s*(?:{_OUTCOME_WORDS})\b"),
        ("decision", "decision", rf"\s*:\s*(?:{_OUTCOME_WORDS})\b"),
        # "Decision: The request … is not medically necessary.": its sentence decides.
        ("decision_text", "decision", r"\s*:"),
        ("decision", "determination", rf"\s*:\s*(?:{_OUTCOME_WORDS})\b"),
        ("decision", "outcome", rf"\s*:\s*(?:{_OUTCOME_WORDS})\b"),
        *(
            ("heading", word, r"\s*#?\s*\d{1,2}(?:\s+of\s+\d{1,2})?\s*:")
            for word in ("item", "issue", "treatment", "request", "service")
        ),
        # "Disputed service 1:": the adjective belongs to the heading, not to the item before.
        ("heading", "disputed", r"\s+(?:item|issue|treatment|request|service)\s*#?\s*\d{1,2}\s*[:.]"),
        # "Finding: The request for X is not medically necessary.": its sentence decides.
        *(("decision_text", word, r"\s*:") for word in ("finding", "determination", "conclusion")),
        ("verdict", "medically", r"\s+necessary(?:\s+and\s+appropriate)?"),
        ("claims", "guideline", rf"{_RELIED_ON}claims\s+administrator\s*:"),
        ("claims", "medical", rf"\s+treatment\s+guideline{_RELIED_ON}claims\s+administrator\s*:"),
        ("claims", "claims", rf"\s+administrator{_GUIDELINE}"),
        ("claims", "claims", r"\s+administrator\s+relied\s+(?:up)?on\s*:"),
        ("reviewer", "guideline", rf"{_RELIED_ON}(?:[a-z]+\s+)?reviewer\s*:"),
        ("reviewer", "medical", rf"\s+treatment\s+guideline{_RELIED_ON}(?:[a-z]+\s+)?reviewer\s*:"),
        ("reviewer", "maximus", _GUIDELINE),
        ("reviewer", "expert", rf"\s+reviewer{_GUIDELINE}"),
        ("reviewer", "expert", r"\s+reviewer\s+relied\s+(?:up)?on\s*:"),
        ("reviewer", "references", r"\s*:"),
        ("rationale", "decision", r"\s+rationale\s*:"),
        ("rationale", "rationale", r"(?:\s+for\s+the\s+(?:decision|determination))?\s*:"),
        ("rationale", "basis", r"\s+for\s+the\s+(?:decision|determination)\s*:"),
        # An outcome word closing its line ("<treatment>: Upheld"), kept when written with a capital.
        ("outcome", "uph", r"(?:eld|old)\.?(?=\n|\Z)"),
        ("outcome", "overturn", r"(?:ed)?\.?(?=\n|\Z)"),
    )
)
# "… is not medically necessary": the verb and negation before "medically necessary".
_VERDICT_VERB = re.compile(
    r"\b(?:is|are)\s+(?P<negation>not\s+)?(?:considered\s+(?:as\s+)?)?(?P<late_negation>not\s+)?$"
)
_VERDICT_REACH = 40
# Cues at a line start, read after the line break (a literal the engine jumps to).
_LINE_CUES = re.compile(
    r"\n(?:(?P<numbered>\d{1,2}\)\s|\[\d{1,2}\]\s)"
    # "Service 2 of 4" or "Service 2." opening its line: a heading without a colon.
    r"|(?P<heading>(?i:(?:item|issue|treatment|request|service)\s*#?\s*\d{1,2}(?:\s+of\s+\d{1,2})?)"
    r"(?:\s*\.(?=\s)|\s*(?=\n)))|(?P<closing>(?i:cc\s*:|Sincerely\b|This\s+(?:determination|decision)\s+is\s+final\b))"
    # Without a colon, only at a line start: "Expert Reviewer guideline" is then a label, not prose.
    r"|(?P<reviewer>(?i:(?:MAXIMUS|Expert\s+Reviewer)(?:'s)?\s+guidelines?(?:\(s\))?)\b)"
    r"|(?P<claims>(?i:Claims\s+Administrator(?:'s)?\s+guidelines?(?:\(s\))?)\b)"
    # A whole line in capitals of two words or more, not closed by an outcome word.
    r"|(?P<section>(?=[A-Z()]+[ ,&/-]+\(?[A-Z])(?![^\n]*\b(?:UPHELD|OVERTURNED|UPHOLD|OVERTURN)\.?(?:\n|\Z))"
    r"[A-Z][A-Z ,&()/'-]*(?=\n|\Z)))"
)
_ASCII_LOWERCASE = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
_HEADINGS = frozenset({"heading", "numbered"})
_DECISIVE = frozenset({"decision", "outcome"})
_LABELS = frozenset({"claims", "reviewer", "rationale", "decision_text"})
_ENDS = frozenset({"overall", "closing", "section"})
_ENDS_TREATMENT = _DECISIVE | _LABELS | {"verdict"}
_PARAGRAPH_STARTS = _DECISIVE | _LABELS

# A treatment read backwards from its decision starts after the last sentence end (a capital or
# a digit follows) that does not close a modified request's sentence ("… was the original
# request."), or after an introduction ending in a colon ("… for the disputed items/services set
# forth below:"), within a window.
_SENTENCE_END = re.compile(r"[.!?][\"')\]]*\s+(?=[A-Z0-9\"(])")
_COLON = re.compile(r":\s+(?=\w)")
_INTRODUCTION = re.compile(
    r"\b(?:below|following|follows|listed|items|services|treatments|requests|decisions|determinations)\b",
    re.IGNORECASE,
)
_TREATMENT_WINDOW = 600
_LEAD_IN = re.compile(
    r"^(?:\d{1,2}[.)]\s+)?(?:.{0,120}?\b(?:determined|finds|found|concluded?)\s+(?:that\s+)?)?"
    r"(?:regarding\s+)?(?:the\s+)?request\s+for\s+",
    re.IGNORECASE,
)
# What a treatment written before its decision may start with: a number or an item label
# ("1.", "(2)", "Request:", "Issue 3 -", "Requested treatment:", "Treatment in dispute:").
_ITEM_PREFIX = re.compile(
    r"^(?:\(?\d{1,2}[.)]|requested\s*:|(?:(?:requested|disputed)\s+)?(?:item|issue|treatment|request|service)s?"
    r"(?:\s+(?:requested|in\s+dispute))?\s*#?\s*\d{0,2}(?:\s+of\s+\d{1,2})?\s*[:.)\-–])\s+",
    re.IGNORECASE,
)
_EDGE = " .,;:-–|\n"
# The subject of a necessity sentence: after a reporting clause ("The Expert Reviewer has
# determined that …"); no treatment when it is a question ("… whether the treatment is …") or a
# restatement ("The request is not medically necessary").
_REPORTED = re.compile(r"^.{0,160}\b(?:that|determined|finds|found|concluded|decided)\s+", re.IGNORECASE)
_QUESTION = re.compile(r"\b(?:whether|if|unless|because|which|when)\b", re.IGNORECASE)
_RESTATEMENT = re.compile(
    r"^(?:(?:the|this|that|such|these|said)\s+)?(?:requested\s+)?(?:request|treatment|service|item|"
    r"medication|procedure|surgery|therapy|it|this|they)s?$",
    re.IGNORECASE,
)
_REQUESTED = re.compile(r"^the\s+requested\s+", re.IGNORECASE)
_KEY_NOISE = re.compile(r"[^a-z0-9]+")


class _Marker(NamedTuple):
    """One cue of the letter; `decision` is set for decisions, outcomes and verdicts."""

    kind: str
    start: int
    end: int
    decision: str | None


class _Statement(NamedTuple):
    """An item as one place states it; `labelled` when guideline or rationale labels follow it (its
    own block), not when it is a summary line or a sentence."""

    item: RawItem
    labelled: bool


class _Span(NamedTuple):
    start: int
    end: int
    markers: list[_Marker]


@dataclass
class _OpenItem:
    """The item being read: where it starts, its cues so far, and how far it has got."""

    start: int
    markers: list[_Marker] = field(default_factory=list)
    decided: bool = False
    in_body: bool = False  # its treatment is over: a decision or a label was read

    def read(self, marker: _Marker) -> None:
        self.markers.append(marker)
        if marker.kind in _DECISIVE or (marker.kind == "verdict" and not self.in_body):
            self.decided = self.in_body = True
        elif marker.kind in _LABELS:
            self.in_body = True

    def closed_at(self, end: int) -> _Span:
        return _Span(self.start, end, self.markers)


def states_a_decision(text: str) -> bool:
    """Whether any per-item decision is written: what makes a text of unknown layout a determination."""
    return any(marker.decision for marker in _find_markers(text))


def read_items(text: str) -> tuple[list[RawItem], list[str]]:
    """The items of `text` in letter order, and warnings; no items when no decision is stated."""
    markers = _capitals_before_decisions(text, _without_lists(_find_markers(text)))
    statements = [_item(text, span) for span in _item_spans(text, markers)]
    if not any(statement.item["decision"] for statement in statements):
        statements = _sentence_items(text, markers)
    items = _one_per_treatment(statements)
    return items, _warnings(items)


def _find_markers(text: str) -> list[_Marker]:
    """Every cue in letter order; of two that overlap, the first (at one place, the longest, and a
    label before a line in capitals)."""
    found = [*_lowercase_markers(text), *_line_markers(text)]
    found.sort(key=lambda marker: (marker.start, marker.kind == "section", -marker.end))
    markers: list[_Marker] = []
    for marker in found:
        if not markers or marker.start >= markers[-1].end:
            markers.append(marker)
    return markers


def _lowercase_markers(text: str) -> list[_Marker]:
    lowered = _lowercase(text)
    markers = []
    for kind, word, pattern in _LOWERCASE_CUES:
        first = lowered.find(word)
        if first == -1:
            continue
        for match in pattern.finditer(lowered, first):
            start = match.start()
            if start and lowered[start - 1].isalnum():
                continue  # inside a word
            if kind == "verdict":
                verdict = _verdict(lowered, start, match.end())
                if verdict:
                    markers.append(verdict)
            elif kind != "outcome" or _outcome_written(text, start):
                decision = _decision(match.group()) if kind in _DECISIVE else None
                markers.append(_Marker(kind, start, match.end(), decision))
    return markers


def _outcome_written(text: str, start: int) -> bool:
    """ "Upheld" or "UPHELD" after a space or a colon; a lowercase "upheld" closing a line is prose."""
    return start > 0 and text[start].isupper() and text[start - 1] in " \n:"


def _lowercase(text: str) -> str:
    """`text` in lowercase, position for position (a few non-ASCII capitals lowercase to two
    characters: then only ASCII is lowercased)."""
    lowered = text.lower()
    return lowered if len(lowered) == len(text) else text.translate(_ASCII_LOWERCASE)


def _decision(written: str) -> str:
    """ "UPHOLD" and "UPHELD" keep the denial; "OVERTURN" and "OVERTURNED" reverse it."""
    return "upheld" if "uph" in written.lower() else "overturned"


def _verdict(lowered: str, necessary_at: int, end: int) -> _Marker | None:
    """ "is (not) medically necessary", from its verb on; "not" keeps the denial. Without the verb
    ("was medically necessary", "deemed medically necessary") it decides nothing."""
    verb = _VERDICT_VERB.search(lowered, max(0, necessary_at - _VERDICT_REACH), necessary_at)
    if verb is None:
        return None
    denied = verb.group("negation") or verb.group("late_negation")
    return _Marker("verdict", verb.start(), end, "upheld" if denied else "overturned")


def _line_markers(text: str) -> list[_Marker]:
    """Read after a line break put before the text: a match's start is its cue's start in `text`."""
    return [
        _Marker(match.lastgroup or "", match.start(), match.end() - 1, None)
        for match in _LINE_CUES.finditer("\n" + text)
    ]


def _without_lists(markers: list[_Marker]) -> list[_Marker]:
    """Drop "2)" headings that no decision or label follows: a list inside a rationale."""
    return [
        marker
        for index, marker in enumerate(markers)
        if marker.kind != "numbered"
        or (index + 1 < len(markers) and markers[index + 1].kind in _ENDS_TREATMENT)
    ]


def _capitals_before_decisions(text: str, markers: list[_Marker]) -> list[_Marker]:
    """A line in capitals that a decision or label follows with no sentence between may be part of
    a treatment written in capitals and wrapped ("Item 1: MRI OF THE / LUMBAR SPINE / Decision:"):
    it does not end an item whose treatment is being read. Followed by prose, it is a heading."""
    return [
        marker._replace(kind="capitals")
        if marker.kind == "section"
        and index + 1 < len(markers)
        and markers[index + 1].kind in _DECISIVE | _LABELS
        and not _SENTENCE_END.search(text, marker.end, markers[index + 1].start)
        else marker
        for index, marker in enumerate(markers)
    ]


def _item_spans(text: str, markers: list[_Marker]) -> list[_Span]:
    """Where each item runs, with its cues: an item opens at a heading, or at a decision the open
    item does not take; it closes where the next opens, or at an end."""
    spans: list[_Span] = []
    item: _OpenItem | None = None
    previous_end = 0
    for marker in markers:
        opens_at = marker.start if marker.kind in _HEADINGS else None
        if marker.kind in _DECISIVE:
            begin = _treatment_start(text, previous_end, marker.start)
            if not _takes(item, marker, text[begin : marker.start]):
                opens_at = begin
        if opens_at is not None:
            if item:
                spans.append(item.closed_at(opens_at))
            item = _OpenItem(opens_at)
        elif item and _ends(item, marker):
            spans.append(item.closed_at(marker.start))
            item = None
        if item:
            item.read(marker)
        previous_end = marker.end
    if item:
        spans.append(item.closed_at(len(text)))
    return spans


def _takes(item: _OpenItem | None, decision: _Marker, written_before: str) -> bool:
    """Whether the open item takes this decision: it has none yet, and this is a "Decision:" line,
    or its treatment is still being read, or the decision stands alone after the item's text
    ("… not medically necessary.\nUpheld") rather than after a treatment of its own."""
    if item is None or item.decided:
        return False
    return decision.kind == "decision" or not item.in_body or not written_before.strip(_EDGE)


def _ends(item: _OpenItem, marker: _Marker) -> bool:
    """ "Sincerely", "cc:", an overall determination and a heading line in capitals end an item;
    capitals just before a decision only once the item's treatment is read."""
    return marker.kind in _ENDS or (marker.kind == "capitals" and item.in_body)


def _treatment_start(text: str, lower: int, decision_at: int) -> int:
    """Where the treatment written before a decision begins: after the last sentence end or
    introduction."""
    begin = max(lower, decision_at - _TREATMENT_WINDOW)
    for end in _SENTENCE_END.finditer(text, begin, min(len(text), decision_at + 1)):
        closed = text[max(0, end.start() - 80) : end.start() + 1]
        if end.end() <= decision_at and not common.closes_modified_request_sentence(closed):
            begin = end.end()
    introduced, read_to = False, begin  # each piece of text read once: linear
    for colon in _COLON.finditer(text, begin, decision_at):
        introduced = introduced or _INTRODUCTION.search(text, read_to, colon.start()) is not None
        read_to = colon.end()
        if introduced:
            begin, introduced = colon.end(), False
    return begin


def _item(text: str, span: _Span) -> _Statement:
    """An item's treatment (the decided portion of a modified request) runs from its start (after
    a heading) to its first decision or label; each label's paragraph to the next label or
    decision. Without a rationale label, the text after a decision line ("Decision: UPHELD. …",
    "Decision: The request …") is the rationale."""
    markers = span.markers
    head = markers[0] if markers and markers[0].kind in _HEADINGS else None
    first = next((m for m in markers if m.kind in _ENDS_TREATMENT), None)
    written = text[head.end if head else span.start : first.start if first else span.end]
    treatment, original = common.modified_request(_treatment(written))
    paragraphs: dict[str, list[str]] = {"claims": [], "reviewer": [], "rationale": [], "after": []}
    starts = [m for m in markers if m.kind in _PARAGRAPH_STARTS]
    bounds = [m.start for m in starts] + [span.end]
    for marker, paragraph_end in zip(starts, bounds[1:], strict=True):
        kind = "after" if marker.kind in _DECISIVE or marker.kind == "decision_text" else marker.kind
        paragraphs[kind].append(text[marker.end : paragraph_end])
    rationale = " ".join(paragraphs["rationale"]) or " ".join(paragraphs["after"]).lstrip(_EDGE)
    item = RawItem(
        treatment=treatment,
        original_request=original,
        decision=_item_decision(markers, first),
        claims_paragraph=" ".join(paragraphs["claims"]),
        reviewer_paragraph=" ".join(paragraphs["reviewer"]),
        rationale=common.collapse(rationale) or None,
    )
    labelled = any(paragraphs[kind] for kind in ("claims", "reviewer", "rationale"))
    return _Statement(item, labelled)


def _item_decision(markers: list[_Marker], first: _Marker | None) -> str | None:
    """The stated decision; else the necessity sentence that ends the treatment, else the item's
    last one (its rationale's conclusion)."""
    stated = next((m for m in markers if m.kind in _DECISIVE), None)
    if stated:
        return stated.decision
    if first and first.kind == "verdict":
        return first.decision
    verdicts = [m for m in markers if m.kind == "verdict"]
    return verdicts[-1].decision if verdicts else None


def _treatment(written: str) -> str:
    """The treatment as written, without a number or item label, a "… has determined the request
    for" lead-in or a closing "is:"."""
    treatment = common.collapse(written)
    lead_in = _LEAD_IN.match(treatment) if "request for" in treatment.lower() else None
    treatment = treatment[lead_in.end() :] if lead_in else _ITEM_PREFIX.sub("", treatment)
    treatment = treatment.rstrip(_EDGE)
    if treatment.endswith(" is"):
        treatment = treatment[:-3].rstrip(_EDGE)
    return treatment


def _sentence_items(text: str, markers: list[_Marker]) -> list[_Statement]:
    """A letter without headings or decision lines: one item per "the request for X is (not)
    medically necessary" or "X is not medically necessary"."""
    items = []
    previous_end = 0
    for marker in markers:
        if marker.kind == "verdict":
            begin = _treatment_start(text, previous_end, marker.start)
            treatment = _sentence_treatment(common.collapse(text[begin : marker.start]))
            if treatment:
                items.append(_sentence_item(treatment, marker))
        previous_end = marker.end
    return items


def _sentence_treatment(subject: str) -> str | None:
    """X of "… the request for X", "… has determined that (the requested) X" or "X"; None when
    the sentence asks rather than decides, or restates ("The request")."""
    if _LEAD_IN.match(subject):
        return _treatment(subject)
    if _QUESTION.search(subject):
        return None
    reported = _REPORTED.match(subject)
    treatment = _treatment(_REQUESTED.sub("", subject[reported.end() :] if reported else subject))
    return None if _RESTATEMENT.match(treatment) else treatment or None


def _sentence_item(treatment: str, verdict: _Marker) -> _Statement:
    item = RawItem(
        treatment=treatment,
        original_request=None,
        decision=verdict.decision,
        claims_paragraph="",
        reviewer_paragraph="",
        rationale=None,
    )
    return _Statement(item, labelled=False)


def _one_per_treatment(statements: list[_Statement]) -> list[RawItem]:
    """A treatment restated (a summary line or sentence, and its own block) is one item, at its
    first place, taken from the statement that says the most; a decision missing there comes from
    the other. Two blocks with labels for the same treatment are two items."""
    kept: list[_Statement] = []
    where: dict[str, int] = {}
    for statement in statements:
        key = _KEY_NOISE.sub(" ", statement.item["treatment"].lower()).strip()
        index = where.get(key) if key else None
        if index is None or (statement.labelled and kept[index].labelled):
            where[key] = len(kept)
            kept.append(statement)
        else:
            kept[index] = _merged(kept[index], statement)
    return [statement.item for statement in kept]


def _merged(one: _Statement, other: _Statement) -> _Statement:
    richer, poorer = (other, one) if _content(other) > _content(one) else (one, other)
    item = RawItem(**richer.item)
    item["decision"] = richer.item["decision"] or poorer.item["decision"]
    return _Statement(item, richer.labelled)


def _content(statement: _Statement) -> tuple[bool, bool, int, bool]:
    """How much a statement says: labels first, then a rationale, guideline paragraphs, a decision."""
    item = statement.item
    return (
        statement.labelled,
        item["rationale"] is not None,
        bool(item["claims_paragraph"].strip()) + bool(item["reviewer_paragraph"].strip()),
        item["decision"] is not None,
    )


def _warnings(items: list[RawItem]) -> list[str]:
    warnings = []
    for item in items:
        if not item["treatment"]:
            warnings.append("an item without a treatment text")
        elif item["decision"] is None:
            warnings.append(f"no decision read for item: {item['treatment'][:80]!r}")
    return warnings
