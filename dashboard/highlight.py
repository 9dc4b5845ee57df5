"""A letter's text as HTML with the chosen item's treatment and the evidence of its reasons marked
(pure, so it is tested directly). The letter is hostile data: every character of it is
HTML-escaped; only the marks are markup, and their attributes are constants."""

from __future__ import annotations

import html
import itertools
import re
from collections.abc import Iterable

TREATMENT_MARK = "<mark>"
EVIDENCE_MARK = '<mark style="background-color: #cfe4ff">'


def _loose(phrase: str) -> re.Pattern[str] | None:
    """The phrase with line breaks and runs of spaces tolerated between its words (PDF extraction
    wraps long treatments and sentences); None when it has no words."""
    words = phrase.split()
    if not words:
        return None
    return re.compile(r"\s+".join(re.escape(word) for word in words), re.IGNORECASE)


def highlighted(text: str, phrase: str | None, evidence: Iterable[str] = ()) -> str:
    """The letter as HTML-escaped text with each occurrence of `phrase` marked (yellow) and each
    occurrence of an `evidence` sentence marked (blue); where they overlap the phrase wins."""
    spans = [(match.start(), match.end(), mark) for mark, pattern in _patterns(phrase, evidence)
             for match in pattern.finditer(text)]  # fmt: skip
    cuts = sorted({0, len(text), *(start for start, _, _ in spans), *(end for _, end, _ in spans)})
    pieces: list[tuple[str | None, str]] = []  # (mark, text) runs, neighbours with the same mark joined
    for start, end in itertools.pairwise(cuts):
        covering = {mark for first, last, mark in spans if first <= start < last}
        mark = TREATMENT_MARK if TREATMENT_MARK in covering else next(iter(covering), None)
        if pieces and pieces[-1][0] == mark:
            pieces[-1] = (mark, pieces[-1][1] + text[start:end])
        else:
            pieces.append((mark, text[start:end]))
    return "".join(
        f"{mark}{html.escape(piece)}</mark>" if mark else html.escape(piece) for mark, piece in pieces
    )


def _patterns(phrase: str | None, evidence: Iterable[str]) -> list[tuple[str, re.Pattern[str]]]:
    found = [(EVIDENCE_MARK, _loose(sentence)) for sentence in evidence]
    found.append((TREATMENT_MARK, _loose(phrase or "")))
    return [(mark, pattern) for mark, pattern in found if pattern is not None]
