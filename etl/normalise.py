"""PDF-extraction noise → clean text.

The parser reads only the output of `normalise`, so every kind of extraction noise is undone
here, once: page breaks and footers, repeated page-top case numbers, blank lines, trailing and
repeated spaces, typographic characters, and words hyphenated at line ends. Line breaks are kept
(one per line of the source) because item boundaries in the 2015+ layout are line boundaries.

This runs on every letter of a refresh and most letters are clean, so each step is skipped after
a cheap check: `char in text` for one character (a memchr), a compiled regex starting with a
literal for longer strings (the regex engine scans for it faster than `str.__contains__` does for
2 to 6 characters).
"""

from __future__ import annotations

import re
from itertools import repeat
from string import ascii_lowercase

# Each is replaced by `str.replace` where present: faster than `str.translate`, which looks
# every character of a non-ASCII string up in a dict.
_TYPOGRAPHY = {
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
# A carriage return becomes a line break of its own: "\r\n" leaves an empty line, dropped with the
# other blank lines.
_CONTROLS = {"\r": "\n", "\f": "\n", "\v": "\n", "\t": " "}

# Two spaces, then any more: unlike "  +", a literal start, which the regex engine scans for fast.
_SPACE_RUN = re.compile("   *")
_FOOTER_START = re.compile("\n(?:Page |- )")
_PAGE_FOOTER = re.compile(r"\n(?:Page \d+ of \d+|Page \d+|- \d+ -)(?=\n)", re.IGNORECASE)
_CASE_NUMBER_START = re.compile("CM")
_CASE_NUMBER_LINE = re.compile(r"\n(?:(?:IMR )?Case (?:Number|No\.?):? ?)?(CM\d{2}-\d{5,8})(?=\n)")
_LINE_END_HYPHEN = re.compile(r"-\n([a-z]+)")
_HYPHEN_WORD = re.compile(r"-([a-z]+)")


def normalise(text: str) -> str:
    """Return the letter text with extraction noise removed, one stripped line per text line."""
    if not text.isascii():
        text = _replace_each(text, _TYPOGRAPHY)
    text = _replace_each(text, _CONTROLS)
    lines = text.split("\n")
    text = "\n" + "\n".join(filter(None, map(str.strip, lines, repeat(" ", len(lines))))) + "\n"
    # After the strip, not before: the same result, with the trailing padding already gone.
    text = _SPACE_RUN.sub(" ", text)
    if _FOOTER_START.search(text):
        text = _PAGE_FOOTER.sub("", text)
    if _occurs_twice(_CASE_NUMBER_START, text):
        text = _CASE_NUMBER_LINE.sub(lambda m: _page_top(m, text), text)
    return _join_hyphenated(text.strip(" \n"))


def _replace_each(text: str, table: dict[str, str]) -> str:
    """`str.replace` for each character of the table that the text holds (one memchr if none)."""
    for odd, plain in table.items():
        if odd in text:
            text = text.replace(odd, plain)
    return text


def _occurs_twice(literal: re.Pattern[str], text: str) -> bool:
    """`text.count(literal) > 1`, with the regex engine's faster scan, stopped at the second."""
    first = literal.search(text)
    return first is not None and literal.search(text, first.end()) is not None


def _page_top(match: re.Match[str], text: str) -> str:
    """A line holding only a case number already named above is a repeated page top: drop it."""
    return "" if text.find(match.group(1)) < match.start(1) else match.group(0)


def _join_hyphenated(text: str) -> str:
    """Undo a word split at a line end ("medi-\ncally"), unless the letter writes it hyphenated."""
    if _LINE_END_HYPHEN.search(text) is None:
        return text
    written = _hyphenated_words(text)

    def join(split: re.Match[str]) -> str:
        head = _word_before(text, split.start())
        if not head:
            return split.group()
        tail = split.group(1)
        return f"-{tail}" if f"{head}-{tail}" in written else tail

    return _LINE_END_HYPHEN.sub(join, text)


def _hyphenated_words(text: str) -> str:
    """Every hyphen inside a line with the letters either side ("follow-up"), one per line:
    "head-tail" occurs in the text exactly when it occurs in these (found in one pass, and
    searched in a few hundred characters instead of the whole letter, once per split)."""
    pairs = []
    for hyphen in _HYPHEN_WORD.finditer(text):
        head = _word_before(text, hyphen.start())
        if head:
            pairs.append(f"{head}-{hyphen.group(1)}")
    return "\n".join(pairs)


def _word_before(text: str, at: int) -> str:
    """The lowercase letters right before `at`, at most 40 (a string method, not a regex search
    that would be tried at each of the 40 positions)."""
    window = text[max(0, at - 40) : at]
    return window[len(window.rstrip(ascii_lowercase)) :]
