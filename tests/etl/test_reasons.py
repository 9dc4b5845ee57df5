"""The reason tagger: each code from a plain statement of its ground, negation and scope honoured,
quotes and the closing verdict not taken for grounds, and — for any text — codes of the decision's
side, once each, with evidence that is a sentence of the rationale."""

from __future__ import annotations

import random
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from etl import reasons
from etl.reasons import literal_beginnings, required_literals, tag
from etl.records import REASONS
from etl.rules import reason_rules
from tests.etl.synth.test_reasons import REASONS_FILE, reference_codes


def codes(rationale: str, decision: str = "upheld") -> list[str]:
    return [reason["code"] for reason in tag(rationale, decision)]


@pytest.mark.parametrize(
    ("rationale", "decision", "expected"),
    [
        ("There is no documentation of objective functional improvement from prior sessions.", "upheld",
         "no_functional_improvement"),
        ("Functional improvement with the prior 12 visits was not documented.", "upheld",
         "no_functional_improvement"),
        ("The records do not document failure of first-line treatment.", "upheld",
         "conservative_care_not_tried"),
        ("The request for 12 visits exceeds the 10 visits recommended.", "upheld",
         "exceeds_guideline_limits"),
        ("Long-term use is not recommended, and the patient has used it since 2014.", "upheld",
         "exceeds_guideline_limits"),
        ("In this case, the requested topical cream is not recommended by the guidelines.", "upheld",
         "not_recommended"),
        ("In this case, there are no red flags and no neurologic deficits on examination.", "upheld",
         "missing_findings"),
        ("There is no documentation of a recent urine drug screen for this opioid.", "upheld",
         "opioid_monitoring"),
        ("As the requested surgical intervention is not medically necessary, the associated service is "
         "not medically necessary.", "upheld", "ancillary_to_denied"),
        ("The frequency and dosage of the medication are not specified.", "upheld",
         "insufficient_information"),
        ("Weaning of the opioid is recommended for this patient.", "upheld", "weaning"),
        ("The guideline criteria are met for this patient.", "overturned", "criteria_met"),
        ("The patient reports 50% pain relief and improved function with the medication.", "overturned",
         "functional_improvement_documented"),
        ("The 6 visits requested are within guideline recommendations.", "overturned",
         "within_guideline_limits"),
    ],
)  # fmt: skip
def test_each_code_from_a_plain_statement_of_its_ground(rationale, decision, expected):
    found = tag(rationale, decision)
    assert expected in [reason["code"] for reason in found]
    assert all(reason["evidence"] == rationale for reason in found)


def test_negation_decides_between_a_shortfall_and_a_documented_benefit():
    assert "no_functional_improvement" not in codes(
        "There is documentation of functional improvement with prior sessions."
    )
    assert "functional_improvement_documented" not in codes(
        "There is no documentation of functional improvement.", "overturned"
    )
    assert "exceeds_guideline_limits" not in codes("The request does not exceed the recommended 10 visits.")


def test_a_negation_reaches_only_to_the_end_of_its_clause():
    rationale = "There is no new injury, but the patient reports functional improvement with the medication."
    assert "no_functional_improvement" not in codes(rationale)


def test_guideline_quotes_and_the_closing_verdict_are_not_grounds():
    quote = "ODG states that physical therapy is recommended for up to 10 visits when exceeding 8 weeks."
    assert codes(quote) == []
    verdict = "Therefore, the request for the MRI is not medically necessary."
    assert codes(verdict) == []


def test_the_stock_weaning_sentence_is_not_a_recommendation_to_wean():
    stock = (
        "The prescriber should consult the patient on the most appropriate method for weaning and "
        "terminating opioids."
    )
    assert "weaning" not in codes(stock)


def test_a_fallback_counts_only_when_no_other_ground_is_stated():
    assert codes("The request is medically necessary.", "overturned") == ["criteria_met"]
    grounded = (
        "The 6 visits requested are within guideline recommendations. The request is medically necessary."
    )
    assert codes(grounded, "overturned") == ["within_guideline_limits"]


def test_each_code_once_with_its_first_sentence_in_text_order():
    rationale = (
        "The frequency is not specified. There is no documentation of functional improvement. "
        "The dosage is not specified either."
    )
    found = tag(rationale, "upheld")
    assert [reason["code"] for reason in found] == ["insufficient_information", "no_functional_improvement"]
    assert found[0]["evidence"] == "The frequency is not specified."


def test_undecided_items_and_empty_rationales_have_no_reasons():
    assert tag("There is no documentation of functional improvement.", None) == []
    assert tag(None, "upheld") == [] and tag("  ", "upheld") == []


def test_sentences_split_at_ends_not_at_abbreviations_or_inside_quotes():
    text = (
        'Dr. Smith saw the patient on 1/2/2015, e.g. for pain. ODG says "no more than 10 visits." Then more.'
    )
    assert [text[start:end] for start, end in reasons._sentence_bounds(text)] == [
        "Dr. Smith saw the patient on 1/2/2015, e.g. for pain.",
        'ODG says "no more than 10 visits."',
        "Then more.",
    ]


@pytest.mark.parametrize(
    "abbreviation",
    [
        "e.g.",
        "I.E.",
        "etc.",
        "vs.",
        "Dr.",
        "MR.",
        "Mrs.",
        "Ms.",
        "No.",
        "nos.",
        "Fig.",
        "approx.",
        "pg.",
        "PP.",
        "ca.",
        "St.",
        "J.",
    ],
)
def test_no_abbreviation_ends_a_sentence_in_any_case(abbreviation):
    text = f"Seen by {abbreviation} Smith on 1/2/2015. Then more. Xe. Last."
    assert [text[start:end] for start, end in reasons._sentence_bounds(text)] == [
        f"Seen by {abbreviation} Smith on 1/2/2015.",
        "Then more.",
        "Xe.",
        "Last.",
    ]


def test_question_and_exclamation_marks_end_sentences_too():
    text = "Was it tried? No! It was not. Then more."
    assert [text[start:end] for start, end in reasons._sentence_bounds(text)] == [
        "Was it tried?",
        "No!",
        "It was not.",
        "Then more.",
    ]


@settings(max_examples=300, deadline=None)
@given(text=st.text(alphabet=st.sampled_from(" \n\t\xa0\u2028\x1fab.!?A1\x00"), max_size=60))
def test_the_collapsed_text_is_the_split_and_joined_one(text):
    assert reasons._collapsed(text) == " ".join(text.split())


@settings(max_examples=300, deadline=None)
@given(text=st.text(alphabet=st.characters(codec="utf-8"), max_size=600), decision=st.sampled_from(
    ["upheld", "overturned", None]))  # fmt: skip
def test_any_text_gives_codes_of_its_side_once_each_with_a_sentence_as_evidence(text, decision):
    found = tag(text, decision)
    allowed = REASONS.get(decision or "", ())
    assert all(reason["code"] in allowed for reason in found)
    assert len({reason["code"] for reason in found}) == len(found)
    collapsed = " ".join(text.split())
    assert all(reason["evidence"] and reason["evidence"] in collapsed for reason in found)


# The engine: patterns are tried only where their literal beginnings are found ---------------


def test_literal_beginnings_expand_alternatives_and_optional_parts():
    assert literal_beginnings(r"(is|are) (not )?met", length=6) == {"is not", "is met", "are no", "are me"}
    assert literal_beginnings(r"\bexceed(s|ed)?\b", length=10) == {"exceed", "exceeds", "exceeded"}
    assert literal_beginnings(r"[^.;]{0,9}x") is None
    assert literal_beginnings(r"(a|b)?c", length=3) == {"ac", "bc", "c"}


@pytest.mark.parametrize(
    ("pattern", "matches"),
    [
        (r"(no|lack of) (clear )?(rationale|reason)\b", ["no rationale", "lack of clear reason"]),
        (r"red[- ]flags?", ["red flag", "red-flags"]),
        (r"\bexceed(s|ed)?\b|in excess of", ["exceeds", "in excess of"]),
    ],
)
def test_required_literals_are_in_every_match(pattern, matches):
    words = required_literals(pattern)
    assert words
    for text in matches:
        assert re.fullmatch(pattern, text) and any(word in text for word in words)


def test_a_pattern_without_a_telling_word_has_no_required_literals():
    assert required_literals(r"(a|bb)?c") is None


def test_every_rule_pattern_has_literal_beginnings():
    """Else it is searched through every rationale, and the parser slows down."""
    for row in reason_rules():
        assert literal_beginnings(row["pattern"]), row["code"]


def test_the_anchored_search_finds_every_match_a_full_search_finds():
    rng = random.Random(7)
    from etl.synth.generate import generate_letter

    for index in range(40):
        _, truth = generate_letter(rng, index)
        for item in truth["items"]:
            lower = " ".join((item["rationale"] or "").split()).lower()
            scanned = reasons._Scanned(lower, "upheld")
            found = {(number, start) for start, number in scanned.anchors if scanned.possible >> number & 1}
            for number, rule in enumerate(reasons._rules()):
                if rule.decision != "upheld":
                    continue
                for start in range(len(lower)):
                    at_word = start == 0 or not lower[start - 1].isalnum()
                    if at_word and rule.pattern.match(lower, start):
                        assert (number, start) in found


# The rule files ----------------------------------------------------------------------------


def test_rule_rows_use_known_codes_on_their_side_and_known_settings():
    for row in reason_rules():
        assert row["code"] in REASONS[row["decision"]], row["code"]
        assert row["negation"] in ("required", "forbidden", "any")
        assert row["scope"] in ("any", "no_quotes", "case_only")
        assert row["fallback"] in ("yes", "no")
        for key in ("pattern", "context", "veto"):
            if row[key]:
                re.compile(row[key])


@pytest.mark.skipif(not REASONS_FILE.is_file(), reason="../shared/reference/reasons.md missing")
def test_the_code_list_is_reasons_md():
    assert {side: set(codes) for side, codes in REASONS.items()} == reference_codes()


def test_a_semicolon_ends_a_negations_reach_even_right_after_a_word():
    """A scope literal that does not begin with a letter (";") needs no word start."""
    finding = "functional improvement with therapy is documented."
    assert tag(f"There is no MRI in the records; {finding}", "upheld") == []
    reasons = tag(f"There is no MRI in the records, {finding}", "upheld")
    assert [reason["code"] for reason in reasons] == ["no_functional_improvement"]
