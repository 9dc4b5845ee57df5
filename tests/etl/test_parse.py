import json
import re

import pytest

from etl.evaluate import ITEM_FIELDS, LETTER_FIELDS, truth_cases
from etl.extract import iter_documents
from etl.parse import NotALetter, parse_text
from etl.records import CITATION_KEYS, ITEM_KEYS, LETTER_KEYS
from tests.conftest import FIXTURES, REAL_LETTERS, SEED, needs_shared

LABELLED = [
    (letter, truth)
    for letter, truth in sorted(truth_cases(FIXTURES / "letters")) + sorted(truth_cases(FIXTURES / "real"))
    if letter.exists()  # the real letters and the seed live in ../shared
]


def parse_file(path):
    [document] = iter_documents([str(path)])
    return parse_text(document.text, path.name)


@needs_shared
def test_seed_letter_matches_the_contract_example():
    record = parse_file(SEED)
    assert list(record) == list(LETTER_KEYS)
    assert {k: record[k] for k in LETTER_FIELDS} == {
        "format": "fdl-2015",
        "case_number": None,
        "date_of_injury": "2011-10-20",
        "date_assigned": None,
        "decision_date": None,
        "ur_denial_date": None,
        "application_received": None,
        "priority": None,
        "patient_age": 40,
        "patient_gender": "male",
        "reviewer_states": ["MA"],
        "reviewer_specialties": ["Physical Medicine & Rehabilitation", "Pain Management"],
    }
    [item] = record["items"]
    assert list(item) == list(ITEM_KEYS)
    assert item["treatment"] == "Work hardening program 2 times a week for 12 weeks"
    assert (item["decision"], item["category"], item["subcategory"]) == (
        "upheld",
        "Programs",
        "Work Hardening/Conditioning",
    )
    assert item["reviewer_guidelines"] == [
        {
            "text": "MTUS Chronic Pain Treatment Guidelines Work conditioning, work hardening Page(s): 125.",
            "source": "MTUS",
            "document": "Chronic Pain Medical Treatment Guidelines",
            "year": None,
            "section": "Work conditioning, work hardening",
            "pages": ["125"],
        }
    ]
    assert list(item["reviewer_guidelines"][0]) == list(CITATION_KEYS)
    assert item["claims_guidelines"][0]["section"] == "Criteria for admission to a Work Hardening Program"
    assert item["rationale"].startswith("The claimant sustained a work-related injury in October 2011")
    assert item["rationale"].endswith("The request is not considered as medically necessary.")
    assert record["warnings"] == []


@pytest.mark.parametrize(("letter", "truth"), LABELLED, ids=[p.name for p, _ in LABELLED])
def test_labelled_letter_parses_to_its_truth(letter, truth):
    record = parse_file(letter)
    for name in LETTER_FIELDS:
        assert record[name] == truth[name], name
    assert len(record["items"]) == len(truth["items"])
    for got, want in zip(record["items"], truth["items"], strict=True):
        for name in ITEM_FIELDS:
            assert got[name] == want[name], (name, want["treatment"])


def test_doc_id_depends_on_text_not_file_name():
    text = (FIXTURES / "letters" / "fdl2013-three-items.txt").read_text()
    assert parse_text(text, "a.txt")["doc_id"] == parse_text(text, "b/c.txt")["doc_id"]
    assert (
        parse_text(text, "a.txt")["doc_id"]
        != parse_text(text.replace("52 year", "53 year"), "a.txt")["doc_id"]
    )


def test_extraction_warnings_follow_the_parsers_own():
    text = (FIXTURES / "letters" / "fdl2013-three-items.txt").read_text()
    own = parse_text(text, "a.pdf")["warnings"]
    missing = "page 2 of 3 has no text layer (scanned image?): its text is missing"
    assert parse_text(text, "a.pdf", (missing,))["warnings"] == [*own, missing]


@pytest.mark.parametrize("name", ["ur-denial-letter.txt", "progress-report.txt"])
def test_non_letters_are_rejected_with_a_reason(name):
    with pytest.raises(NotALetter, match="not an IMR determination"):
        parse_text((FIXTURES / "not-letters" / name).read_text(), name)


def test_empty_and_tiny_texts_are_rejected():
    with pytest.raises(NotALetter, match="empty document"):
        parse_text(" \n\f ", "blank.txt")
    with pytest.raises(NotALetter):
        parse_text("MAXIMUS guideline:", "tiny.txt")


def test_unknown_layout_degrades_to_partial_fields_with_warning():
    record = parse_file(FIXTURES / "letters" / "unknown-2019-layout.txt")
    assert record["format"] == "unknown"
    assert record["warnings"] and "unrecognised letter layout" in record["warnings"][0]
    assert [i["decision"] for i in record["items"]] == ["upheld"]


def test_item_without_readable_decision_is_kept_with_null_and_warning():
    text = (FIXTURES / "letters" / "fdl2014-two-items.txt").read_text()
    text = text.replace(
        "1. Right shoulder arthroscopy with rotator cuff repair and subacromial decompression is "
        "medically\nnecessary and appropriate.",
        "1. Right shoulder arthroscopy with rotator cuff repair.",
    )
    text = text.replace(
        "decompression is medically\nnecessary and appropriate.", "decompression was reviewed."
    )
    record = parse_text(text, "x.txt")
    assert len(record["items"]) == 2
    assert record["items"][0]["decision"] is None
    assert any("no decision read" in w for w in record["warnings"])


@needs_shared
def test_real_letters_agree_with_the_published_counts():
    counts = {}
    for line in (REAL_LETTERS.parent / "hooks" / "real-letter-counts.tsv").read_text().splitlines()[1:]:
        name, items, overturned = line.split("\t")
        counts[name] = (int(items), int(overturned))
    for name, (items, overturned) in counts.items():
        record = parse_file(REAL_LETTERS / name)
        decisions = [i["decision"] for i in record["items"]]
        assert (len(decisions), decisions.count("overturned"), decisions.count(None)) == (
            items,
            overturned,
            0,
        ), name


def test_record_serialises_to_json():
    record = parse_file(FIXTURES / "letters" / "fdl2013-three-items.txt")
    assert json.loads(json.dumps(record)) == record


@pytest.mark.parametrize(
    ("name", "layout"), [("fdl2014-item-variant.txt", "fdl-2014"), ("fdl2015-issue-headings.txt", "fdl-2015")]
)
def test_a_recognised_layout_without_decided_items_of_its_own_takes_the_generic_items(name, layout):
    record = parse_file(FIXTURES / "letters" / name)
    assert record["format"] == layout
    assert len(record["items"]) == 3
    assert all(item["decision"] and item["rationale"] for item in record["items"])
    expected = f"{layout} items without a decision, guidelines or rationale: items read by generic rules"
    assert expected in record["warnings"]


def test_numbered_2014_items_decided_on_decision_lines_are_read_by_generic_rules():
    text = (FIXTURES / "letters" / "fdl2014-two-items.txt").read_text()
    text = text.replace(
        "decompression is medically\nnecessary and appropriate.", "decompression\nDecision: OVERTURNED"
    )
    text = text.replace("rental is not medically necessary and\nappropriate.", "rental\nDecision: UPHELD")
    # without the rationales' closing sentences, which would decide the numbered items
    text = re.sub(r"The request\s+for[^.]*appropriate\.", "", text)
    record = parse_text(text, "x.txt")
    assert [(i["treatment"], i["decision"]) for i in record["items"]] == [
        ("Right shoulder arthroscopy with rotator cuff repair and subacromial decompression", "overturned"),
        ("Associated surgical service: Cold therapy unit 21 day rental", "upheld"),
    ]
    assert all(i["reviewer_guidelines"] and i["rationale"] for i in record["items"])


def test_fields_an_era_reader_misses_are_read_from_the_whole_letter():
    text = (
        "Final Determination Letter | Independent Medical Review\n"
        "Case: CM19-0044512    Decided: 03/15/2019\nInjury date: 08/17/2017\n"
        "Reviewer credentials - Licensed in: California, Nevada. Board certification: Orthopedic Surgery.\n"
        "Summary of records\nThe injured worker is a 55 year old male delivery driver.\n"
        "Decisions on the disputed treatments\n"
        "Ibuprofen 800mg #90: Overturned\n"
        "Claims Administrator guideline: Decision based on MTUS Shoulder Disorders 2016, "
        "Section(s): NSAIDs.\n"
        "MAXIMUS guideline: Decision based on MTUS Shoulder Disorders 2016, Section(s): NSAIDs.\n"
        "Decision rationale: NSAIDs are recommended. The request for ibuprofen 800mg #90 is "
        "medically necessary.\n"
    )
    record = parse_text(text, "variant.txt")
    assert record["format"] == "fdl-2015"
    assert (record["decision_date"], record["date_of_injury"]) == ("2019-03-15", "2017-08-17")
    assert (record["patient_age"], record["patient_gender"]) == (55, "male")
    assert record["reviewer_states"] == ["CA", "NV"]
    assert record["reviewer_specialties"] == ["Orthopedic Surgery"]


def test_era_items_without_guidelines_or_rationale_give_way_to_the_generic_items():
    text = (
        "Final Determination Letter | Independent Medical Review\nCase: CM19-0044512\n"
        "The injured worker is a 55 year old male.\nDecisions on the disputed treatments\n"
        "[1] Ibuprofen 800mg #90\n    Outcome: Overturned (medically necessary)\n"
        "    Claims Administrator guideline: Decision based on MTUS Shoulder Disorders 2016,\n"
        "    Section(s): NSAIDs.\n"
        "    Decision rationale: NSAIDs are recommended. The request for ibuprofen 800mg #90 is\n"
        "    medically necessary.\n"
        "[2] Lumbar MRI\n    Outcome: Upheld (not medically necessary)\n"
        "    MAXIMUS guideline: Decision based on MTUS Low Back Disorders 2017, Section(s): MRI.\n"
        "    Decision rationale: No red flags. The request for lumbar MRI is not medically necessary.\n"
    )
    record = parse_text(text, "variant.txt")
    assert [(i["treatment"], i["decision"]) for i in record["items"]] == [
        ("Ibuprofen 800mg #90", "overturned"),
        ("Lumbar MRI", "upheld"),
    ]
    assert record["items"][0]["claims_guidelines"][0]["section"] == "NSAIDs"
    assert record["items"][1]["reviewer_guidelines"][0]["section"] == "MRI"
