"""A letter's text as HTML with one phrase marked (pure, so it is tested directly)."""

from __future__ import annotations

import html
import re


def highlighted(text: str, phrase: str | None) -> str:
    """The letter as HTML-escaped text with each occurrence of `phrase` marked (line breaks and
    runs of spaces inside it tolerated, as PDF extraction wraps long treatments)."""
    words = (phrase or "").split()
    if not words:
        return html.escape(text)
    pattern = re.compile(r"\s+".join(re.escape(word) for word in words), re.IGNORECASE)
    parts, position = [], 0
    for match in pattern.finditer(text):
        parts += [html.escape(text[position : match.start()]), f"<mark>{html.escape(match.group())}</mark>"]
        position = match.end()
    return "".join([*parts, html.escape(text[position:])])
