import re

from hypothesis import given
from hypothesis import strategies as st

from etl.layouts import common, numbered


def test_header_values_on_lines_after_their_labels():
    header = common.read_header(
        "Case Number: CM16-0213037\nDate Assigned: Date of Injury:\n11/09/2016 10/13/2016\n"
        "Decision Date: 12/09/2016 UR Denial Date: 11/03/2016\nPriority: Standard Application\n"
        "Received:\n11/03/2016\nHOW THE IMR FINAL DETERMINATION WAS MADE\n01/01/2001"
    )
    assert header == {
        "case_number": "CM16-0213037",
        "priority": "Standard",
        "date_assigned": "2016-11-09",
        "date_of_injury": "2016-10-13",
        "decision_date": "2016-12-09",
        "ur_denial_date": "2016-11-03",
        "application_received": "2016-11-03",
    }


def test_iso_date_two_digit_years_and_invalid_dates():
    assert common.iso_date("10-13-16") == "2016-10-13"
    assert common.iso_date("1/2/85") == "1985-01-02"
    assert common.iso_date("13/45/2016") is None


def test_patient_age_and_gender_variants():
    assert common.patient("The injured worker is a 48 year old male, who") == (48, "male")
    assert common.patient("This case involves a now 57-year-old female with") == (57, "female")
    assert common.patient("The applicant is a 35-year-old man who") == (35, "male")
    assert common.patient("The injured worker is a female who") == (None, "female")
    assert common.patient("No demographics here.") == (None, None)


def test_injury_date_from_summary():
    assert common.injury_date("who sustained an industrial injury on 10-13-16. She") == "2016-10-13"
    assert common.injury_date("with a date of injury of 03/02/2012.") == "2012-03-02"


def test_states_with_varied_separators_and_unknown_names():
    assert common.states("Texas,California") == (["TX", "CA"], [])
    assert common.states("Iowa, Montana, California") == (["IA", "MT", "CA"], [])
    assert common.states("California and Atlantis") == (["CA"], ["Atlantis"])


def test_listed_specialties_rejoin_a_wrapped_list():
    text = (
        "State(s) of Licensure: California,North Carolina\nCertification(s)/Specialty: Preventive Medicine, "
        "Occupational Medicine, Public Health &\nGeneral Preventive Medicine\nCLINICAL CASE SUMMARY"
    )
    assert common.listed_credentials(text) == (
        ["CA", "NC"],
        ["Preventive Medicine", "Occupational Medicine", "Public Health & General Preventive Medicine"],
        [],
    )


def test_prose_credentials_keep_names_containing_and():
    text = (
        "The physician reviewer is Board Certified in Physical Medicine and Rehabilitation, has a "
        "subspecialty in Pain Medicine and is licensed to practice in California and Texas. He/she"
    )
    assert common.prose_credentials(text) == (
        ["CA", "TX"],
        ["Physical Medicine and Rehabilitation", "Pain Medicine"],
        [],
    )
    assert common.prose_credentials(
        "is Board Certified in Internal Medicine and is licensed to practice in California."
    ) == (
        ["CA"],
        ["Internal Medicine"],
        [],
    )


_REGEX_PIECES = [
    "i",
    "I",
    "\u0130",
    "\u0131",
    "s",
    "x",
    "1",
    "42",
    "\u0663",
    " ",
    "\n",
    "-",
    ".",
    "year",
    "old",
    "male",
]


@given(
    st.lists(
        st.sampled_from([*_REGEX_PIECES, "is ", "not ", "medically necessary and appropriate"]), max_size=25
    )
)
def test_regexes_led_by_their_first_character_match_as_their_word_boundary_forms(pieces):
    """_AGE_WORDS and numbered._VERDICT start with a character set (scanned for fast) where their
    plain forms start with \\b: the same matches."""
    text = "".join(pieces)
    plain = {
        common._AGE_GENDER: r"\b(\d{1,3})\s*-?\s*(?:year|yr)s?\s*-?\s*old\b[^.]{0,40}?"
        r"\b(male|female|man|woman|gentleman|lady)\b",
        common._AGE: r"\b(\d{1,3})\s*-?\s*(?:year|yr)s?\s*-?\s*old\b",
        numbered._VERDICT: r"\bis\s+(?P<not>not\s+)?medically\s+necessary\s+and\s+appropriate",
    }
    for regex, form in plain.items():
        expected = [(m.span(), m.groups()) for m in re.finditer(form, text, re.IGNORECASE)]
        assert [(m.span(), m.groups()) for m in regex.finditer(text)] == expected


_SENTENCE_PIECES = [
    " was the original request",
    " Authorized by the CLAIMS Administrator",
    "original request IMR",
    " eligible",
]


@given(
    st.lists(
        st.sampled_from(
            [*_SENTENCE_PIECES, " modified by the claims administrator", ".", "?", "\n", "x", "\u0130"]
        )
    )
)
def test_a_modified_request_sentence_is_told_as_the_case_insensitive_regex_tells_it(pieces):
    """ASCII text is searched lower-cased with the lower-case pattern: the same answer."""
    text = "".join(pieces)
    regex = re.compile(
        r"(?:was\s+the\s+original\s+request|authorized\s+by\s+the\s+Claims\s+Administrator|"
        r"original\s+request\s+IMR\s+eligible|modified\s+by\s+the\s+Claims\s+Administrator)\s*[.!?]$",
        re.IGNORECASE,
    )
    assert common.closes_modified_request_sentence(text) == (regex.search(text) is not None)
