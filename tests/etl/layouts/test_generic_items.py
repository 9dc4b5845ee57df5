import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from etl.citations import parse_guidelines
from etl.extract import iter_documents
from etl.layouts import common, fdl2015
from etl.layouts.base import RawItem
from etl.layouts.generic_items import read_items, states_a_decision
from etl.normalise import normalise
from etl.synth.noise import wrap_lines
from tests.conftest import REAL_LETTERS, needs_shared


def items_of(text: str) -> list[tuple[str, str | None]]:
    items, _ = read_items(normalise(text))
    return [(item["treatment"], item["decision"]) for item in items]


@pytest.mark.parametrize(
    ("line", "decision"),
    [
        ("Decision: UPHELD", "upheld"),
        ("Decision: OVERTURNED", "overturned"),
        ("Decision: Upheld.", "upheld"),
        ("decision: overturned", "overturned"),
        ("DECISION: UPHELD. The request is not medically necessary.", "upheld"),
        ("Decision: Overturned. Six sessions are supported.", "overturned"),
        ("Determination: UPHOLD", "upheld"),
        ("Decision: The request for lumbar MRI is not medically necessary.", "upheld"),
    ],
)
def test_decision_lines_in_any_case(line, decision):
    assert items_of(f"Item 1: Lumbar MRI\n{line}\n") == [("Lumbar MRI", decision)]


@pytest.mark.parametrize("heading", ["Item 2:", "Issue 2:", "Treatment 2:", "Request 2:", "ITEM #2:", "2)"])
def test_each_heading_starts_an_item(heading):
    text = (
        f"Item 1: Norco 10/325mg #60\nDecision: UPHELD\n{heading} Physical therapy x6\nDecision: OVERTURNED\n"
    )
    assert items_of(text) == [("Norco 10/325mg #60", "upheld"), ("Physical therapy x6", "overturned")]


@pytest.mark.parametrize(
    ("line", "decision"),
    [
        ("Lumbar MRI: Upheld", "upheld"),
        ("Lumbar MRI: Overturned", "overturned"),
        ("Lumbar MRI: UPHOLD", "upheld"),
        ("Lumbar MRI - OVERTURN", "overturned"),
        ("Lumbar MRI UPHELD.", "upheld"),
        ("Lumbar MRI is:\nOverturned", "overturned"),
    ],
)
def test_outcome_closing_a_line(line, decision):
    assert items_of(f"IMR DECISIONS\n{line}\nRationale: Reasons.\n") == [("Lumbar MRI", decision)]


def test_outcome_lines_without_headings_split_at_sentence_ends():
    text = (
        "The Final Determination was based on the following decisions for the disputed items:\n"
        "Associated surgical service: Cold therapy unit: Overturned\n"
        "Rationale: Seven days are supported. The request is medically necessary.\n"
        "Tramadol 50mg #60: Upheld\n"
        "Rationale: No functional improvement.\n"
    )
    assert items_of(text) == [
        ("Associated surgical service: Cold therapy unit", "overturned"),
        ("Tramadol 50mg #60", "upheld"),
    ]


def test_colons_inside_a_treatment_do_not_cut_it():
    text = (
        "The Final Determination was based on decisions for the disputed items/services set forth below:\n"
        "Voltaren gel 1% #60 grams, DOS: 11/11/2016:\nUpheld\nDecision rationale: Not tolerated.\n"
        "NCV bilateral lower extremities QTY: 2: Upheld\nDecision rationale: Not needed.\n"
    )
    assert items_of(text) == [
        ("Voltaren gel 1% #60 grams, DOS: 11/11/2016", "upheld"),
        ("NCV bilateral lower extremities QTY: 2", "upheld"),
    ]


def test_a_modified_request_decides_its_remaining_portion():
    text = (
        "Decision rationale: The request is not medically necessary.\n"
        "Physical therapy 12 sessions was the original request. Physical therapy 6 sessions was\n"
        "authorized by the Claims Administrator. The remaining IMR eligible portion of the original\n"
        "request, Physical therapy 6 sessions is: Overturned\nRationale: A flare.\n"
    )
    items, _ = read_items(normalise("Item 1: Norco\nDecision: UPHELD\n" + text))
    modified = items[1]
    assert (modified["treatment"], modified["original_request"], modified["decision"]) == (
        "Physical therapy 6 sessions",
        "Physical therapy 12 sessions",
        "overturned",
    )


@needs_shared
def test_on_the_real_letters_it_reads_what_the_2015_reader_reads():
    """The 2016–17 letters read as if their layout were unknown: every field of every item."""
    for document in iter_documents([str(path) for path in sorted(REAL_LETTERS.glob("*.pdf"))]):
        text = normalise(document.text)
        items, warnings = read_items(text)
        assert [_collapsed(item) for item in items] == [
            _collapsed(item) for item in fdl2015.parse(text)["items"]
        ], document.source
        assert warnings == []


def _collapsed(item: RawItem) -> dict[str, str]:
    return {key: common.collapse(value or "") for key, value in item.items()}


@pytest.mark.parametrize(
    "written",
    [
        "Request: Lumbar MRI\nDecision: UPHELD",
        "Requested treatment: Lumbar MRI\nDecision: UPHELD",
        "Issue 3 - Lumbar MRI: Upheld",
        "(3) Lumbar MRI UPHOLD",
        "Lumbar MRI | UPHELD",
    ],
)
def test_an_item_label_or_number_before_an_unheaded_decision_is_not_part_of_the_treatment(written):
    assert items_of(f"The records were reviewed.\n{written}\n") == [("Lumbar MRI", "upheld")]


@pytest.mark.parametrize(
    ("sentence", "item"),
    [
        (
            "The Expert Reviewer finds that the request for MRI of the lumbar spine is not medically\n"
            "necessary.",
            ("MRI of the lumbar spine", "upheld"),
        ),
        (
            "MAXIMUS has determined the request for acupuncture x6 is medically necessary and appropriate.",
            ("acupuncture x6", "overturned"),
        ),
        (
            "The file was reviewed. Lumbar brace purchase is not medically necessary.",
            ("Lumbar brace purchase", "upheld"),
        ),
        (
            "1. Right knee arthroscopy is medically necessary and appropriate.",
            ("Right knee arthroscopy", "overturned"),
        ),
        (
            "The Expert Reviewer has determined that the requested lumbar brace is not medically necessary.",
            ("lumbar brace", "upheld"),
        ),
    ],
)
def test_necessity_sentences_are_items_of_a_letter_without_decision_lines(sentence, item):
    assert items_of(f"Independent Medical Review\n{sentence}\n") == [item]


def test_a_heading_without_decision_line_takes_its_necessity_sentence():
    text = (
        "1) Regarding the request for Norco 10/325mg #120:\n"
        "Rationale for the Decision: No improvement is documented. The request for Norco is not\n"
        "medically necessary and appropriate.\n"
        "2) Physical therapy x6 is medically necessary and appropriate.\n"
        "Rationale for the Decision: A flare after a fall.\n"
    )
    assert items_of(text) == [("Norco 10/325mg #120", "upheld"), ("Physical therapy x6", "overturned")]


@pytest.mark.parametrize(
    ("claims_label", "reviewer_label", "rationale_label"),
    [
        ("Claims Administrator guideline:", "MAXIMUS guideline:", "Decision rationale:"),
        (
            "Medical Treatment Guideline(s) Relied Upon by the Claims Administrator:",
            "Medical Treatment Guideline(s) Relied Upon by the Expert Reviewer:",
            "Rationale for the Decision:",
        ),
        (
            "Guidelines relied on by the claims administrator:",
            "Guideline(s) relied upon by the reviewer:",
            "Rationale:",
        ),
        ("Claims Administrator's guideline(s):", "Expert Reviewer guideline", "Basis for the decision:"),
        ("Claims Administrator guideline:", "References:", "Rationale:"),
        ("Claims Administrator Guidelines:", "Guidelines relied upon by the IMR reviewer:", "Rationale:"),
    ],
)
def test_guideline_paragraphs_and_rationale_are_found(claims_label, reviewer_label, rationale_label):
    text = (
        "Item 1: Lumbar MRI\nDecision: UPHELD\n"
        f"{claims_label} Decision based on MTUS Low Back Complaints 2004.\n"
        f"{reviewer_label}\nDecision based on Non-MTUS Citation Official Disability Guidelines (ODG),\n"
        "Low Back Chapter.\n"
        f"{rationale_label} There are no red flags. The request is not medically necessary.\n"
        "Item 2: Norco 10/325mg #60\nDecision: OVERTURNED\n"
    )
    [first, second], warnings = read_items(normalise(text))
    assert first["treatment"] == "Lumbar MRI"
    assert [c["document"] for c in parse_guidelines(first["claims_paragraph"])] == ["Low Back Complaints"]
    assert [c["document"] for c in parse_guidelines(first["reviewer_paragraph"])] == ["Low Back Chapter"]
    assert first["rationale"] == "There are no red flags. The request is not medically necessary."
    assert (second["treatment"], second["rationale"]) == ("Norco 10/325mg #60", None)
    assert warnings == []


def test_without_rationale_label_the_text_after_the_decision_line_is_the_rationale():
    text = (
        "Item 1: Lumbar MRI\nDecision: UPHELD. There are no red flags.\n"
        "The request is not medically necessary.\nItem 2: Norco 10/325mg #60\nDecision: OVERTURNED\n"
    )
    items, _ = read_items(normalise(text))
    assert [item["rationale"] for item in items] == [
        "There are no red flags. The request is not medically necessary.",
        None,
    ]


def test_a_treatment_restated_in_summary_and_body_is_one_item_from_its_block():
    text = (
        "Final Determination: UPHOLD\n"
        "1) MAXIMUS Federal Services, Inc. has determined the request for lumbar MRI is not medically\n"
        "necessary and appropriate.\n"
        "2) Norco 10/325mg #60: OVERTURN\n"
        "DETERMINATION DETAILS\n"
        "Item 1: Lumbar MRI\nDecision: UPHELD\nRationale: No red flags.\n"
        "Item 2: Norco 10/325mg #60\nRationale: Function improved. The request is medically necessary.\n"
    )
    items, _ = read_items(normalise(text))
    assert [(i["treatment"], i["decision"], i["rationale"]) for i in items] == [
        ("Lumbar MRI", "upheld", "No red flags."),
        ("Norco 10/325mg #60", "overturned", "Function improved. The request is medically necessary."),
    ]


def test_two_blocks_of_the_same_treatment_are_two_items():
    block = "Assistant surgeon: {}\nMAXIMUS guideline: Decision based on MTUS.\nDecision rationale: {}\n"
    text = "IMR DECISIONS\n" + block.format("Upheld", "Not needed.") + block.format("Overturned", "Needed.")
    assert items_of(text) == [("Assistant surgeon", "upheld"), ("Assistant surgeon", "overturned")]


def test_a_decision_alone_after_the_rationale_belongs_to_its_item():
    text = "Issue 1: Lumbar MRI\nRationale: There are no red flags.\nUpheld\nIssue 2: Norco #60\nOVERTURN\n"
    assert items_of(text) == [("Lumbar MRI", "upheld"), ("Norco #60", "overturned")]


@pytest.mark.parametrize(
    "text",
    [
        "Item 1: Lumbar MRI\nThe records were reviewed in full.\n",
        "The claims administrator's denial was upheld\nby the reviewer after a review of the file.\n",
        "The request is not medically necessary.\nTreatment(s) in Dispute: Lumbar MRI\n",
        "MAXIMUS determines whether the disputed treatment is medically necessary.\n",
        "Final Determination: UPHOLD\nThis decision is final.\n",
    ],
)
def test_no_items_when_no_decision_is_stated(text):
    assert read_items(normalise(text)) == ([], [])


def test_a_numbered_list_inside_a_rationale_is_not_items():
    text = (
        "Item 1: Lumbar fusion\nDecision: UPHELD\nRationale: The guideline requires:\n"
        "1) failure of conservative care\n2) instability on flexion films\nNeither is documented.\n"
    )
    items, _ = read_items(normalise(text))
    assert [i["treatment"] for i in items] == ["Lumbar fusion"]
    assert items[0]["rationale"].endswith("Neither is documented.")


def test_a_list_of_the_disputed_items_ends_at_the_next_heading_in_capitals():
    text = (
        "Item 1: Lumbar MRI\nItem 2: Norco 10/325mg #60\nCLINICAL CASE SUMMARY\n"
        "The physician states an MRI is medically necessary.\nIMR DECISIONS\n"
        "Item 1: Lumbar MRI\nDecision: UPHELD\nItem 2: Norco 10/325mg #60\nDecision: OVERTURNED\n"
    )
    assert items_of(text) == [("Lumbar MRI", "upheld"), ("Norco 10/325mg #60", "overturned")]


def test_a_treatment_in_capitals_wrapped_over_lines_stays_whole():
    text = (
        "Item 1: MRI OF THE\nLUMBAR SPINE WITHOUT\nCONTRAST\nDecision: UPHELD\nAPPEAL RIGHTS\nYou may appeal."
    )
    items, _ = read_items(normalise(text))
    assert [(i["treatment"], i["rationale"]) for i in items] == [
        ("MRI OF THE LUMBAR SPINE WITHOUT CONTRAST", None)
    ]


def test_an_item_without_a_readable_decision_is_kept_with_a_warning():
    items, warnings = read_items(normalise("Item 1: Lumbar MRI\nDecision: UPHELD\nItem 2: Norco #60\n"))
    assert [i["decision"] for i in items] == ["upheld", None]
    assert warnings == ["no decision read for item: 'Norco #60'"]


def test_states_a_decision():
    assert states_a_decision("Item 1: MRI\nDecision: upheld")
    assert states_a_decision("the request for MRI is not medically necessary")
    assert not states_a_decision("The UR denial of the MRI was upheld on appeal.")


@pytest.mark.parametrize(
    "hostile",
    [
        "Item 1: " * 20_000,
        "Decision: UPHELD\n" * 10_000,
        "Upheld\n" * 20_000,
        ":" * 200_000 + " Upheld",
        "a: " * 60_000 + "\nUpheld",
        "is not " * 30_000 + "medically necessary",
        "1) " * 60_000 + "\n",
        "A " * 100_000 + "\n",
        "Rationale: " * 20_000,
    ],
)
def test_long_hostile_text_is_read_in_linear_time(hostile):
    started = time.perf_counter()
    read_items(hostile)
    assert time.perf_counter() - started < 2


_WORDS = st.sampled_from(["Lumbar", "MRI", "Norco", "10/325mg", "#60", "knee", "brace", "x6", "of", "the"])
_TREATMENTS = st.lists(_WORDS, min_size=1, max_size=6).map(lambda words: "Cervical " + " ".join(words))
_FORMS = st.sampled_from(
    [
        "Item {n}: {treatment}\nDecision: {DECISION}. The records were reviewed.\n",
        "Request {n}: {treatment}\n{Decision}\nRationale: The records were reviewed.\n",
        "{n}) {treatment}: {DECISION}\n",
        "{treatment}: {Decision}\nDecision rationale: The records were reviewed.\n",
    ]
)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.tuples(_TREATMENTS, st.booleans()), min_size=1, max_size=5, unique_by=lambda item: item[0]),
    _FORMS,
    st.integers(25, 110),
)
def test_every_stated_decision_is_read_back_however_the_lines_wrap(requests, form, width):
    letter = "IMR ISSUES AND DECISIONS\n" + "".join(
        form.format(
            n=n,
            treatment=treatment,
            DECISION="UPHELD" if upheld else "OVERTURNED",
            Decision="Upheld" if upheld else "Overturned",
        )
        for n, (treatment, upheld) in enumerate(requests, start=1)
    )
    wrapped = normalise(wrap_lines(letter, _Width(width)))
    expected = [(treatment, "upheld" if upheld else "overturned") for treatment, upheld in requests]
    assert items_of(letter) == expected
    assert items_of(wrapped) == expected


class _Width:
    """A stand-in for `random.Random` giving `wrap_lines` one chosen width."""

    def __init__(self, width: int) -> None:
        self.width = width

    def randint(self, low: int, high: int) -> int:
        return self.width


@pytest.mark.parametrize(
    "block",
    [
        "Service 1 of 2\nRequested: Lumbar MRI\nDecision: Upheld\n",
        "Disputed service 1: Lumbar MRI\nFinding: The request for Lumbar MRI is not medically necessary.\n",
        "Service 1. Lumbar MRI\nDetermination: The request is not medically necessary.\n",
    ],
)
def test_service_headings_requested_labels_and_finding_lines(block):
    text = (
        f"DISPUTED SERVICES\n{block}Expert reviewer relied on: Decision based on MTUS.\n"
        "Decision rationale: Not supported.\n"
    )
    items, _ = read_items(normalise(text))
    assert [(item["treatment"], item["decision"]) for item in items] == [("Lumbar MRI", "upheld")]
    assert items[0]["reviewer_paragraph"].strip() == "Decision based on MTUS."
    assert items[0]["rationale"] == "Not supported."


def test_the_closing_boilerplate_is_not_part_of_the_last_rationale():
    text = (
        "Item 1: Lumbar MRI\nDecision: UPHELD\nRationale: Not supported.\n"
        "This determination is final and binding.\n"
    )
    items, _ = read_items(normalise(text))
    assert items[0]["rationale"] == "Not supported."


@pytest.mark.parametrize("verb", ["relied upon", "relied on", "cited", "used", "applied"])
def test_guideline_labels_with_any_verb(verb):
    text = (
        "Item 1: Lumbar MRI\nDecision: UPHELD\n"
        f"Guidelines {verb} by the claims administrator: Decision based on ODG.\n"
        f"Guidelines {verb} by the expert reviewer: Decision based on MTUS.\n"
        "Rationale: Not supported.\n"
    )
    items, _ = read_items(normalise(text))
    assert items[0]["claims_paragraph"].strip() == "Decision based on ODG."
    assert items[0]["reviewer_paragraph"].strip() == "Decision based on MTUS."
