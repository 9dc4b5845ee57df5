"""Extraction noise, as PDF-to-text tools produce it, for generated letters and parser tests.

Every kind here is undone by `etl.normalise.normalise`; the property tests hold the two to
each other.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable

_CASE_NUMBER = re.compile(r"CM\d{2}-\d{5,8}")
_WORD = re.compile(r"[a-z]{7,}")


def wrap_lines(text: str, rng: random.Random) -> str:
    """Split long lines at spaces at one random width (never joins lines)."""
    width = rng.randint(25, 110)
    out: list[str] = []
    for line in text.split("\n"):
        while len(line) > width:
            cut = line.rfind(" ", 1, width)
            if cut <= 0:
                break
            out.append(line[:cut])
            line = line[cut + 1 :]
        out.append(line)
    return "\n".join(out)


def hyphenate_line_ends(text: str, rng: random.Random) -> str:
    """Break some long lowercase words across a line end with a hyphen ("medi-\\ncally")."""
    lines = text.split("\n")
    out: list[str] = []
    for line in lines:
        words = list(_WORD.finditer(line))
        if words and rng.random() < 0.3:
            word = rng.choice(words)
            cut = word.start() + rng.randint(3, len(word.group()) - 3)
            head, tail = word.group()[: cut - word.start()], word.group()[cut - word.start() :]
            if f"{head}-{tail}" not in text:
                out.append(line[:cut] + "-")
                line = line[cut:]
        out.append(line)
    return "\n".join(out)


def blank_line_after_each(text: str, rng: random.Random) -> str:
    """The seed's look: every line followed by an empty one, some with a stray space."""
    return "".join(line + (" \n\n" if rng.random() < 0.2 else "\n\n") for line in text.split("\n"))


def trailing_spaces(text: str, rng: random.Random) -> str:
    return "\n".join(line + " " * rng.choice((0, 0, 1, 2, 5)) for line in text.split("\n"))


def page_breaks(text: str, rng: random.Random) -> str:
    """Form feeds with "Page k of n" footers and the case number repeated at each page top."""
    lines = text.split("\n")
    per_page = rng.randint(20, 50)
    pages = [lines[i : i + per_page] for i in range(0, len(lines), per_page)]
    case = _CASE_NUMBER.search(text)
    out: list[str] = []
    for number, page in enumerate(pages, start=1):
        if number > 1:
            out.append("\f" + (case.group() if case else ""))
        out.extend(page)
        out.append(f"Page {number} of {len(pages)}")
    return "\n".join(out)


def ligatures(text: str, rng: random.Random) -> str:
    return text.replace("fi", "\ufb01").replace("fl", "\ufb02")


def curly_quotes(text: str, rng: random.Random) -> str:
    text = re.sub(r'"([^"\n]*)"', "\u201c\\1\u201d", text)
    return text.replace("'", "\u2019")


def non_breaking_spaces(text: str, rng: random.Random) -> str:
    return "".join("\u00a0" if c == " " and rng.random() < 0.05 else c for c in text)


def windows_line_ends(text: str, rng: random.Random) -> str:
    return text.replace("\n", "\r\n")


# Order matters: line-structure noise first, character noise after, line endings last.
NOISE_KINDS: dict[str, Callable[[str, random.Random], str]] = {
    "wrap_lines": wrap_lines,
    "hyphenate_line_ends": hyphenate_line_ends,
    "page_breaks": page_breaks,
    "trailing_spaces": trailing_spaces,
    "blank_line_after_each": blank_line_after_each,
    "ligatures": ligatures,
    "curly_quotes": curly_quotes,
    "non_breaking_spaces": non_breaking_spaces,
    "windows_line_ends": windows_line_ends,
}


def add_noise(text: str, rng: random.Random, kinds: list[str] | None = None) -> str:
    """Apply the named noise kinds (default: a random non-empty subset) in canonical order."""
    if kinds is None:
        names = list(NOISE_KINDS)
        kinds = rng.sample(names, rng.randint(1, len(names)))
    for name in NOISE_KINDS:
        if name in kinds:
            text = NOISE_KINDS[name](text, rng)
    return text
