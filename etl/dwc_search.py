"""The DWC's public IMR decision search: the form it takes and its result pages, read into typed rows.

Pure functions only (no I/O), so the page shape the downloader relies on is pinned by tests. Text from
the pages is data: it is unescaped by the HTML parser, whitespace-collapsed and never interpreted.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import NamedTuple
from urllib.parse import urljoin

from selectolax.lexbor import LexborHTMLParser, LexborNode

SEARCH_PATH = "/dwc/imr/IMRDecisionSearch.asp"
ROWS_PER_PAGE = 25
CASE_NUMBER = re.compile(r"CM\d{2}-\d{7}")
HEADER_CELLS = (
    8  # case, decision date, injury date, received date, specialty, category, subcategory, decision
)
CONTINUATION_CELLS = 4  # a colspan="5" cell, then category, subcategory, decision


class TreatmentRow(NamedTuple):
    """One row of the treatment search (Fname=Tx): one disputed treatment of one case."""

    case_number: str
    decision_date: date
    injury_date: date | None
    received_date: date | None
    specialty: str
    category: str
    subcategory: str
    decision: str
    pdf_url: str


class ResultPage(NamedTuple):
    rows: list[TreatmentRow]
    total: int  # treatment rows the whole search matches, as the page states it
    has_next: bool


class UnexpectedPage(Exception):
    """The page is not shaped as the DWC's result pages were when this reader was written."""

    def __init__(self, expected: str, found: str) -> None:
        super().__init__(f"expected {expected}, found {found}")
        self.expected, self.found = expected, found


def search_form(decided_from: date, decided_to: date, page: int = 1) -> dict[str, str]:
    """The form fields of one results page of the treatment search over a decision-date window."""
    fields = {
        "Fname": "Tx",
        "Caseno": "",
        "DoIStart": "",
        "DoIEnd": "",
        "ReqStart": "",
        "ReqEnd": "",
        "DecStart": decided_from.strftime("%m/%d/%Y"),
        "DecEnd": decided_to.strftime("%m/%d/%Y"),
        "SpecialtyV": "",
        "OutcomeV": "",
        "SubCategoryV": "",
    }
    if page == 1:
        return fields | {"Submit": "Submit"}
    return fields | {"newpageno": str(page), "Submit": "Next"}


def parse_results_page(html: str, page_url: str, carried: TreatmentRow | None = None) -> ResultPage:
    """Read one results page; `carried` is the previous page's last row, for a page that opens
    with a further treatment of that case. Raises UnexpectedPage on any other shape."""
    tree = LexborHTMLParser(html)
    table = tree.css_first("table.tabborder")
    if table is None:
        raise UnexpectedPage('a <table class="tabborder"> of results', _describe(tree))
    rows = table.css("tr")
    if not rows or len(_cells(rows[0])) != HEADER_CELLS:
        found = f"a header row of {len(_cells(rows[0]))} cells" if rows else "an empty table"
        raise UnexpectedPage(f"a header row of {HEADER_CELLS} cells", found)
    treatments: list[TreatmentRow] = []
    previous = carried
    for number, row in enumerate(rows[1:], start=2):
        treatment = _read_row(_cells(row), previous, page_url, number)
        treatments.append(treatment)
        previous = treatment
    if len(treatments) > ROWS_PER_PAGE:
        raise UnexpectedPage(f"at most {ROWS_PER_PAGE} rows a page", f"{len(treatments)} rows")
    return ResultPage(treatments, _total(table), tree.css_first('form[name="Nextpage"]') is not None)


def _read_row(
    cells: list[LexborNode], previous: TreatmentRow | None, page_url: str, number: int
) -> TreatmentRow:
    texts = [_text(cell) for cell in cells]
    if len(cells) == CONTINUATION_CELLS and cells[0].attributes.get("colspan") == "5":
        if previous is None:
            raise UnexpectedPage(f"a case row before the further treatment in row {number}", "none")
        category, subcategory, decision = texts[1:]
        return previous._replace(category=category, subcategory=subcategory, decision=decision)
    if len(cells) != HEADER_CELLS:
        raise UnexpectedPage(f"{HEADER_CELLS} or {CONTINUATION_CELLS} cells in row {number}", f"{len(cells)}")
    link = cells[0].css_first("a[href]")
    case_number = texts[0]
    if link is None or not CASE_NUMBER.fullmatch(case_number):
        raise UnexpectedPage(f"a linked case number (CMyy-nnnnnnn) in row {number}", repr(case_number[:40]))
    decided = _date(texts[1], f"a decision date in row {number}")
    if decided is None:
        raise UnexpectedPage(f"a decision date in row {number}", "an empty cell")
    return TreatmentRow(
        case_number=case_number,
        decision_date=decided,
        injury_date=_date(texts[2], f"a date of injury in row {number}"),
        received_date=_date(texts[3], f"a received date in row {number}"),
        specialty=texts[4],
        category=texts[5],
        subcategory=texts[6],
        decision=texts[7],
        pdf_url=urljoin(page_url, link.attributes["href"] or ""),
    )


def _total(table: LexborNode) -> int:
    after = table.next
    while after is not None and not after.is_element_node:
        after = after.next
    strong = None if after is None else (after if after.tag == "strong" else after.css_first("strong"))
    text = "" if strong is None else _text(strong).replace(",", "")
    if not text.isdigit():
        raise UnexpectedPage("the total count in a <strong> after the results table", repr(text[:40]))
    return int(text)


def _cells(row: LexborNode) -> list[LexborNode]:
    return [cell for cell in row.iter() if cell.tag in ("td", "th")]


def _text(node: LexborNode) -> str:
    return " ".join(node.text(deep=True).split())


def _date(text: str, what: str) -> date | None:
    if not text:
        return None
    try:
        return datetime.strptime(text, "%m/%d/%Y").date()
    except ValueError:
        raise UnexpectedPage(f"{what} as MM/DD/YYYY", repr(text[:40])) from None


def _describe(tree: LexborHTMLParser) -> str:
    title = tree.css_first("title")
    return f"a page titled {_text(title)[:80]!r}" if title is not None else "a page without a results table"
