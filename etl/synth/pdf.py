"""Letters as PDFs with a real text layer (fpdf2, Helvetica), byte-for-byte reproducible.

Lines are wrapped here with word widths measured once, then placed with `FPDF.text`: fpdf2's
own `multi_cell` wrapping re-measures every line per character and is ten times slower.
"""

from __future__ import annotations

from datetime import UTC, datetime

from fpdf import FPDF

# A fixed creation date: the only varying input fpdf2 would otherwise embed.
CREATION_DATE = datetime(2000, 1, 1, tzinfo=UTC)
FONT_SIZE = 11
LINE_HEIGHT_MM = 5.5
MARGIN_MM = 20


def render_pdf(paragraphs: list[str]) -> bytes:
    """Each paragraph starts a new line; pages break every page-full of lines. Text must be latin-1."""
    pdf = FPDF(format="letter")
    pdf.set_creation_date(CREATION_DATE)
    pdf.set_font("Helvetica", size=FONT_SIZE)
    lines = [line for paragraph in paragraphs for line in _wrap(pdf, paragraph, pdf.w - 2 * MARGIN_MM)]
    per_page = int((pdf.h - 2 * MARGIN_MM) // LINE_HEIGHT_MM)
    for number, line in enumerate(lines):
        row = number % per_page
        if row == 0:
            pdf.add_page()
        pdf.text(MARGIN_MM, MARGIN_MM + (row + 1) * LINE_HEIGHT_MM, line)
    return bytes(pdf.output())


def _wrap(pdf: FPDF, paragraph: str, width: float) -> list[str]:
    space = pdf.get_string_width(" ")
    lines: list[str] = []
    words: list[str] = []
    used = 0.0
    for word in paragraph.split(" "):
        size = pdf.get_string_width(word)
        if words and used + space + size > width:
            lines.append(" ".join(words))
            words, used = [], 0.0
        used += size + (space if words else 0.0)
        words.append(word)
    lines.append(" ".join(words))
    return lines
