"""A letter's text as HTML with the chosen item's treatment, the evidence of its reasons and the
searched words marked (pure, so it is tested directly). The letter is hostile data: every
character of it is HTML-escaped; only the marks are markup, and their attributes are constants."""

from __future__ import annotations

import html
import itertools
import re
from collections.abc import Iterable

TREATMENT_MARK = "<mark>"
EVIDENCE_MARK = '<mark style="background-color: #cfe4ff">'
SEARCH_MARK = '<mark style="background-color: #ffc078">'
MARK_PRIORITY = (SEARCH_MARK, TREATMENT_MARK, EVIDENCE_MARK)  # where marks overlap, the first wins


def _loose(phrase: str) -> re.Pattern[str] | None:
    """The phrase with line breaks and runs of spaces tolerated between its words (PDF extraction
    wraps long treatments and sentences); None when it has no words."""
    words = phrase.split()
    if not words:
        return None
    return re.compile(r"\s+".join(re.escape(word) for word in words), re.IGNORECASE)


def _whole_words(words: Iterable[str]) -> re.Pattern[str] | None:
    """Any of `words` (indexed words: letters and digits) standing as a whole word, in any case,
    as the search index cuts words; None when there are none."""
    alternatives = sorted(set(words), key=len, reverse=True)
    if not alternatives:
        return None
    return re.compile(
        r"(?<![a-z0-9])(?:" + "|".join(map(re.escape, alternatives)) + r")(?![a-z0-9])", re.IGNORECASE
    )


def highlighted(
    text: str, phrase: str | None, evidence: Iterable[str] = (), searched: Iterable[str] = ()
) -> str:
    """The letter as HTML-escaped text with each occurrence of `phrase` marked (yellow), of an
    `evidence` sentence (blue) and of a `searched` word (orange); where they overlap the searched
    word wins, then the phrase."""
    spans = [(match.start(), match.end(), mark) for mark, pattern in _patterns(phrase, evidence, searched)
             for match in pattern.finditer(text)]  # fmt: skip
    cuts = sorted({0, len(text), *(start for start, _, _ in spans), *(end for _, end, _ in spans)})
    pieces: list[tuple[str | None, str]] = []  # (mark, text) runs, neighbours with the same mark joined
    for start, end in itertools.pairwise(cuts):
        covering = {mark for first, last, mark in spans if first <= start < last}
        mark = next((mark for mark in MARK_PRIORITY if mark in covering), None)
        if pieces and pieces[-1][0] == mark:
            pieces[-1] = (mark, pieces[-1][1] + text[start:end])
        else:
            pieces.append((mark, text[start:end]))
    return "".join(
        f"{mark}{html.escape(piece)}</mark>" if mark else html.escape(piece) for mark, piece in pieces
    )


def _patterns(
    phrase: str | None, evidence: Iterable[str], searched: Iterable[str]
) -> list[tuple[str, re.Pattern[str] | None]]:
    found = [(EVIDENCE_MARK, _loose(sentence)) for sentence in evidence]
    found.append((TREATMENT_MARK, _loose(phrase or "")))
    found.append((SEARCH_MARK, _whole_words(searched)))
    return [(mark, pattern) for mark, pattern in found if pattern is not None]
