"""Modified requests: the wordings of rules/modified-requests.csv on sample statements, the flag of
each item of a letter, and the count on the 60 real letters."""

from __future__ import annotations

import pytest

from etl.extract import iter_documents
from etl.modified import modification_statements, modified_flags, states_modification
from etl.normalise import normalise
from etl.parse import parse_text
from tests.conftest import REAL_LETTERS, needs_shared


@pytest.mark.parametrize(
    "statement",
    [
        ". physical therapy 6 sessions was authorized by the claims administrator. the remaining imr "
        "eligible portion",
        ". oxycontin 40mg er #45 was certified by the claims administrator for weaning purposes, leaving the "
        "original request imr eligible. the original request,",
        ". oxycontin 40mg #45 was modified by the claims administrator, leaving the original request imr "
        "eligible. the original request,",
        ". the request was partially certified. the original request,",
        ". utilization review certified it with modification to 6 visits. the original request,",
        ". the remaining imr eligible portion",
    ],
)
def test_wordings_of_a_modified_request(statement: str) -> None:
    assert states_modification(statement)


@pytest.mark.parametrize(
    "statement",
    [
        ". the claims administrator did not certify any part of the request, leaving the original request "
        "imr eligible. the original request,",
        ". no part of the request was authorized. the original request,",
        ". the request was not authorized by the claims administrator. the original request,",
        ". utilization review non-certified the entire request. the original request,",
        # Words of modification that are not about the request.
        ". the injured worker is working modified duty after activity modification. the original request,",
        ". the original request,",
    ],
)
def test_wordings_of_a_request_not_modified(statement: str) -> None:
    assert not states_modification(statement)


def _item(treatment: str, original: str | None = None) -> dict:
    return {"treatment": treatment, "original_request": original}


LETTER = """IMR ISSUES, DECISIONS AND RATIONALES
Physical therapy to the low back eight sessions was the original request.
Physical therapy to the low back six sessions was authorized by the Claims
Administrator. The remaining IMR eligible portion of the original request, Physical
therapy to the low back two sessions is: Upheld
Decision rationale: The patient had activity modification and modified duty.
Tramadol ER 150mg #30 was the original request. The Claims Administrator did not certify any
part of the request, leaving the original request IMR eligible. The original request, Tramadol
ER 150mg #30 is: Overturned
Left ankle modified Brostrom-Gould lateral ligament reconstruction: Overturned
Decision rationale: The prior reviewer partially certified physical therapy.
"""


def test_each_item_of_a_letter_gets_its_own_flag() -> None:
    items = [
        _item(
            "Physical therapy to the low back two sessions", "Physical therapy to the low back eight sessions"
        ),
        _item("Tramadol ER 150mg #30", "Tramadol ER 150mg #30"),
        # "modified" in the treatment and "partially certified" in a rationale: no original request.
        _item("Left ankle modified Brostrom-Gould lateral ligament reconstruction"),
    ]
    assert modified_flags(normalise(LETTER), items) == [True, False, False]  # type: ignore[arg-type]


def test_a_letter_without_original_requests_has_no_modified_item() -> None:
    assert modified_flags("Partially certified: physical therapy.", [_item("Physical therapy")]) == [False]  # type: ignore[list-item]


@needs_shared
def test_modified_requests_of_the_real_letters() -> None:
    """18 of the 142 items of the 60 real letters are modified requests (counted by hand from
    the letters' "… was authorized by the Claims Administrator" statements), and every item with
    an original request has its statement found in the letter."""
    flags: dict[tuple[str, int], bool] = {}
    for document in iter_documents([str(REAL_LETTERS)]):
        record = parse_text(document.text, document.source)
        flat = " ".join(normalise(document.text).split()).lower()
        items = record["items"]
        for item_no, (item, flag) in enumerate(
            zip(items, modified_flags(normalise(document.text), items), strict=True), 1
        ):
            flags[(record["case_number"], item_no)] = flag
            if item["original_request"]:
                assert modification_statements(flat, item["original_request"]), item["original_request"]
                assert flag, item["original_request"]
    assert (len(flags), sum(flags.values())) == (142, 18)
    # Its case summary: UR "denied a request for twelve physical therapy visits for the Cervical
    # Spine and partially approved a request for nine physical therapy visits for the right
    # shoulder"; the cervical item's rationale tells of the shoulder's modification.
    assert flags[("CM17-0014320", 1)] and not flags[("CM17-0014320", 2)]
