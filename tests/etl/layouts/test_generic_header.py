import pytest

from etl.layouts import common
from etl.layouts.generic_header import board_specialties, fill_header, licensed_states


@pytest.mark.parametrize(
    ("line", "field", "value"),
    [
        ("Final Determination Date: 07/16/2018", "decision_date", "2018-07-16"),
        ("Decision issued: 03/08/2019", "decision_date", "2019-03-08"),
        ("Letter date      06/22/2020", "decision_date", "2020-06-22"),
        ("Date of decision: August 27, 2020", "decision_date", "2020-08-27"),
        ("Injury date: 04/25/2017", "date_of_injury", "2017-04-25"),
        ("Application received: 01/28/2019", "application_received", "2019-01-28"),
        ("Date of UR denial - 12/02/2018", "ur_denial_date", "2018-12-02"),
    ],
)
def test_dates_after_labels_worded_any_way(line, field, value):
    header = fill_header(common.read_header("MAXIMUS\n" + line + "\n"), "MAXIMUS\n" + line + "\n")
    assert header[field] == value


@pytest.mark.parametrize(
    ("line", "priority"),
    [
        ("Review Type: Standard", "Standard"),
        ("Priority         Expedited", "Expedited"),
        ("Priority: Urgent", "Expedited"),
    ],
)
def test_priority_after_any_label(line, priority):
    assert fill_header(common.read_header(line), line)["priority"] == priority


def test_what_the_era_reader_found_is_kept():
    text = "Decision Date: 01/02/2017\nLetter date: 03/04/2017\n"
    assert fill_header(common.read_header(text), text)["decision_date"] == "2017-01-02"


@pytest.mark.parametrize(
    ("text", "codes"),
    [
        ("The physician is licensed in\nCalifornia and Nevada. Board certification: X.", ["CA", "NV"]),
        ("Licensed in: California, Texas.", ["CA", "TX"]),
        (
            "State(s) of licensure: California, Oregon Certification(s)/Specialty: Occupational Medicine",
            ["CA", "OR"],
        ),
        ("licensed to practice in New York", ["NY"]),
        ("No licensing phrase here.", []),
    ],
)
def test_states_from_any_licensing_phrase(text, codes):
    assert licensed_states(text) == codes


def test_specialties_after_board_certification():
    text = "Board certification: Occupational Medicine, Family Medicine.\nCASE SUMMARY"
    assert board_specialties(text) == ["Occupational Medicine", "Family Medicine"]
    assert board_specialties("No certification named.") == []
