from etl.layouts import fdl2015
from etl.normalise import normalise

BODY = """IMR ISSUES, DECISIONS AND RATIONALES
The Final Determination was based on decisions for the disputed items/services set forth below:
EMG (electromyography)/NCV (nerve conduction velocity) of the bilateral upper
extremities:
Overturned
Claims Administrator guideline: The Claims Administrator did not cite any medical evidence
for its decision.
MAXIMUS guideline: Decision based on MTUS Neck and Upper Back Complaints 2004,
Section(s): Special Studies.
Decision rationale: The patient has objective evidence of radiculopathy. The request is
medically necessary.
Physical therapy to the low back eight sessions was the original request.
Physical therapy to the low back six sessions was authorized by the Claims Administrator. The
remaining IMR eligible portion of the original request, Physical therapy to the low back two
sessions is: Upheld
Claims Administrator guideline: Decision based on MTUS Low Back Complaints 2004.
MAXIMUS guideline: Decision based on MTUS Low Back Complaints 2004, Section(s): Physical Methods.
Decision rationale: Six sessions were authorized. The request is not medically necessary.
Norco 10/325mg #120 was the original request. Norco 10/325mg #120 was modified by the Claims
Administrator, leaving the original request IMR eligible. The original request, Norco 10/325mg
#120 is: Upheld
Claims Administrator guideline: Decision based on MTUS Chronic Pain Medical Treatment 2016.
MAXIMUS guideline: Decision based on MTUS Chronic Pain Medical Treatment 2016, Section(s): Opioids.
Decision rationale: No functional improvement is documented. The request is not medically necessary.
"""


def test_items_outcome_on_next_line_and_modified_requests():
    result = fdl2015.parse(normalise(BODY))
    first, second, third = result["items"]
    assert first["treatment"] == (
        "EMG (electromyography)/NCV (nerve conduction velocity) of the bilateral upper extremities"
    )
    assert first["decision"] == "overturned"
    assert first["rationale"].endswith("The request is medically necessary.")
    assert second["treatment"] == "Physical therapy to the low back two sessions"
    assert second["original_request"] == "Physical therapy to the low back eight sessions"
    assert second["decision"] == "upheld"
    assert third["treatment"] == "Norco 10/325mg #120"
    assert third["original_request"] == "Norco 10/325mg #120"
    assert (
        third["rationale"]
        == "No functional improvement is documented. The request is not medically necessary."
    )
    assert result["warnings"] == []


def test_item_glued_to_the_previous_page_still_splits():
    glued = BODY.replace("set forth below:\n", "set forth below:")
    assert fdl2015.parse(normalise(glued))["items"][0]["treatment"].startswith("EMG (electromyography)")


def test_detects_by_content():
    assert fdl2015.detect(normalise(BODY))
    assert not fdl2015.detect("Regarding the request for Norco")
