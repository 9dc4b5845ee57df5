"""PDF-extraction noise → clean text.

The parser reads only the output of `normalise`, so every kind of extraction noise is undone
here, once: page breaks and footers, repeated page-top case numbers, blank lines, trailing and
repeated spaces, typographic characters, and words hyphenated at line ends. Line breaks are kept
(one per line of the source) because item boundaries in the 2015+ layout are line boundaries.
"""

from __future__ import annotations

import re

_CHARACTERS = str.maketrans(
    {
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
        "\t": " ",
        "\f": "\n",
        "\r": "\n",
        "\v": "\n",
    }
)

_PAGE_FOOTER = re.compile(r"^(?:Page \d+ of \d+|Page \d+|- \d+ -)$", re.IGNORECASE)
_CASE_NUMBER_LINE = re.compile(r"^(?:(?:IMR )?Case (?:Number|No\.?):? ?)?(CM\d{2}-\d{5,8})$", re.IGNORECASE)
_CASE_NUMBER = re.compile(r"CM\d{2}-\d{5,8}")
_SPACES = re.compile(r" {2,}")
_HYPHENATED = re.compile(r"([a-z]+)-\n([a-z]+)")


def normalise(text: str) -> str:
    """Return the letter text with extraction noise removed, one stripped line per text line."""
    text = text.replace("\r\n", "\n").translate(_CHARACTERS)
    lines: list[str] = []
    seen_case_numbers: set[str] = set()
    for raw in text.split("\n"):
        line = _SPACES.sub(" ", raw).strip()
        if not line or _PAGE_FOOTER.match(line):
            continue
        page_top = _CASE_NUMBER_LINE.match(line)
        if page_top and page_top.group(1).upper() in seen_case_numbers:
            continue
        if "CM" in line:
            seen_case_numbers.update(n.upper() for n in _CASE_NUMBER.findall(line))
        lines.append(line)
    return _join_hyphenated("\n".join(lines))


def _join_hyphenated(text: str) -> str:
    """Undo a word split at a line end ("medi-\\ncally"), unless the letter writes it hyphenated."""
    if "-\n" not in text:
        return text

    def join(match: re.Match[str]) -> str:
        head, tail = match.group(1), match.group(2)
        if f"{head}-{tail}" in text:
            return f"{head}-{tail}"
        return f"{head}{tail}"

    return _HYPHENATED.sub(join, text)
