"""PDF-extraction noise → clean text.

The parser reads only the output of `normalise`, so every kind of extraction noise is undone
here, once: page breaks and footers, repeated page-top case numbers, blank lines, trailing and
repeated spaces, typographic characters, and words hyphenated at line ends. Line breaks are kept
(one per line of the source) because item boundaries in the 2015+ layout are line boundaries.
"""

from __future__ import annotations

import re
from itertools import repeat

_CHARACTERS = {
    "\ufb00": "ff",
    "\ufb01": "fi",
    "\ufb02": "fl",
    "\ufb03": "ffi",
    "\ufb04": "ffl",
    "\ufb05": "st",
    "\ufb06": "st",
    "\u2018": "'",
    "\u2019": "'",
    "\u201a": "'",
    "\u2032": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u201e": '"',
    "\u2033": '"',
    "\u00a0": " ",
    "\u2007": " ",
    "\u2009": " ",
    "\u202f": " ",
    "\u200b": "",
    "\u00ad": "",
    "\ufeff": "",
    "\ufffe": "-",
    "\u2010": "-",
    "\u2011": "-",
}

_LINE_END_HYPHEN = re.compile(r"-\n(?=[a-z])")
_WORD_END = re.compile(r"[a-z]+\Z")
_WORD_START = re.compile(r"[a-z]+")
_PAGE_FOOTER = re.compile(r"\n(?:Page \d+ of \d+|Page \d+|- \d+ -)(?=\n)", re.IGNORECASE)
_CASE_NUMBER_LINE = re.compile(r"\n(?:(?:IMR )?Case (?:Number|No\.?):? ?)?(CM\d{2}-\d{5,8})(?=\n)")


def normalise(text: str) -> str:
    """Return the letter text with extraction noise removed, one stripped line per text line.

    Written with `str.replace` and guarded regexes: this runs on every letter of a refresh."""
    if not text.isascii():
        for odd, plain in _CHARACTERS.items():
            if odd in text:
                text = text.replace(odd, plain)
    for line_break in ("\r\n", "\r", "\f", "\v"):
        if line_break in text:
            text = text.replace(line_break, "\n")
    if "\t" in text:
        text = text.replace("\t", " ")
    while "  " in text:
        text = text.replace("  ", " ")
    lines = text.split("\n")
    text = "\n" + "\n".join(filter(None, map(str.strip, lines, repeat(" ", len(lines))))) + "\n"
    if "\nPage " in text or "\n- " in text:
        text = _PAGE_FOOTER.sub("", text)
    if text.count("CM") > 1:
        text = _CASE_NUMBER_LINE.sub(lambda m: _page_top(m, text), text)
    return _join_hyphenated(text.strip(" \n"))


def _page_top(match: re.Match[str], text: str) -> str:
    """A line holding only a case number already named above is a repeated page top: drop it."""
    return "" if text.find(match.group(1)) < match.start(1) else match.group(0)


def _join_hyphenated(text: str) -> str:
    """Undo a word split at a line end ("medi-\ncally"), unless the letter writes it hyphenated."""
    if "-\n" not in text:
        return text
    written = _hyphenated_words(text)
    parts: list[str] = []
    start = 0
    for split in _LINE_END_HYPHEN.finditer(text):
        at = split.start()
        head = _WORD_END.search(text, max(0, at - 40), at)
        if head is None:
            continue
        tail = _WORD_START.match(text, at + 2)
        keep_hyphen = tail is not None and f"{head.group()}-{tail.group()}" in written
        parts.append(text[start:at] + ("-" if keep_hyphen else ""))
        start = at + 2
    parts.append(text[start:])
    return "".join(parts)


def _hyphenated_words(text: str) -> str:
    """Every hyphen inside a line with the letters either side ("follow-up"), one per line:
    "head-tail" occurs in the text exactly when it occurs in these (found in one pass, and
    searched in a few hundred characters instead of the whole letter, once per split)."""
    pairs = []
    at = text.find("-")
    while at != -1:
        after = _WORD_START.match(text, at + 1)
        if after is not None:
            before = _WORD_END.search(text, max(0, at - 40), at)
            if before is not None:
                pairs.append(f"{before.group()}-{after.group()}")
        at = text.find("-", at + 1)
    return "\n".join(pairs)
