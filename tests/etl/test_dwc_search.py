from datetime import date

import pytest

from etl.dwc_search import ResultPage, UnexpectedPage, parse_results_page, search_form
from tests.etl.dwc_stand_in import Case, StandIn, make_cases

PAGE_URL = "https://www.dir.ca.gov/dwc/imr/IMRDecisionSearch.asp"
WEEK = {"DecStart": "03/04/2024", "DecEnd": "03/10/2024"}


def page(stand_in: StandIn, number: int = 1) -> str:
    return stand_in.results_page(WEEK | {"newpageno": str(number)})


def test_search_form_first_and_later_pages():
    first = search_form(date(2024, 3, 4), date(2024, 3, 10))
    assert first["Fname"] == "Tx"
    assert (first["DecStart"], first["DecEnd"], first["Submit"]) == ("03/04/2024", "03/10/2024", "Submit")
    assert "newpageno" not in first
    third = search_form(date(2024, 3, 4), date(2024, 3, 10), 3)
    assert (third["newpageno"], third["Submit"]) == ("3", "Next")


def test_rows_of_a_page_with_further_treatments_unescaped_and_links_resolved():
    stand_in = StandIn(make_cases(4, date(2024, 3, 4)))
    result = parse_results_page(page(stand_in), PAGE_URL)
    assert result == ResultPage(result.rows, 8, False)
    first, second, third = result.rows[:3]
    assert first.case_number == second.case_number == third.case_number == "CM24-1000000"
    assert (first.decision_date, first.injury_date) == (date(2024, 3, 4), date(2012, 1, 2))
    assert (second.category, second.subcategory, second.decision) == (
        "DME",
        "TENS <unit> & pads",
        "Overturned",
    )
    assert second.specialty == first.specialty == "Orthopedic Surgery"
    assert first.pdf_url == "https://www.dir.ca.gov/dwc/imr/letters/CM24-1000000.pdf"
    assert [row.case_number for row in result.rows[3:]] == [
        "CM24-1000001",
        "CM24-1000002",
        "CM24-1000003",
        "CM24-1000003",
        "CM24-1000003",
    ]


def test_pages_announce_the_next_while_more_follow():
    stand_in = StandIn(make_cases(40, date(2024, 3, 4), per_day=40))
    pages = [parse_results_page(page(stand_in, number), PAGE_URL) for number in (1, 2, 3)]
    assert [(len(p.rows), p.total, p.has_next) for p in pages] == [
        (25, 68, True),
        (25, 68, True),
        (18, 68, False),
    ]


def test_a_leading_further_treatment_takes_the_carried_case():
    stand_in = StandIn([Case("CM24-1234567", date(2024, 3, 5), [("A", "B", "Upheld"), ("C", "D", "Upheld")])])
    full = parse_results_page(page(stand_in), PAGE_URL)
    continuation = page(stand_in).replace("<tr><td><a", "<tr class='x'><td><a")
    only_further = continuation.split("<tr class='x'>")[0] + continuation.split("</tr>", 2)[2]
    carried = parse_results_page(only_further, PAGE_URL, full.rows[0])
    assert carried.rows == [full.rows[1]]
    with pytest.raises(UnexpectedPage, match="a case row before"):
        parse_results_page(only_further, PAGE_URL)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("class='tabborder'", "class='results'"), 'a <table class="tabborder">'),
        (("<th>Decision</th>", ""), "a header row of 8 cells"),
        (("<td>Pharmaceuticals</td>", ""), "8 or 4 cells in row 2"),
        ((">CM24-1000000<", ">../../etc/passwd<"), "a linked case number"),
        (("<td>03/04/2024</td>", "<td>2024-03-04</td>"), "a decision date in row 2 as MM/DD/YYYY"),
        (("<strong>8</strong>", "<strong>many</strong>"), "the total count"),
    ],
)
def test_a_changed_shape_says_what_was_expected(change, expected):
    html = page(StandIn(make_cases(4, date(2024, 3, 4)))).replace(*change, 1)
    with pytest.raises(UnexpectedPage) as raised:
        parse_results_page(html, PAGE_URL)
    assert str(raised.value).startswith(f"expected {expected}")
    assert "found" in str(raised.value)
