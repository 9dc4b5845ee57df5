import re

from hypothesis import given
from hypothesis import strategies as st

from etl.layouts import detect, fdl2013, fdl2014, fdl2015, numbered, unknown
from etl.normalise import normalise
from tests.conftest import FIXTURES


def letter(name: str) -> str:
    return normalise((FIXTURES / "letters" / name).read_text())


def test_layouts_are_recognised_from_content():
    assert detect(letter("fdl2013-three-items.txt")) is fdl2013
    assert detect(letter("fdl2014-two-items.txt")) is fdl2014
    assert detect(letter("unknown-2019-layout.txt")) is unknown
    assert detect("IMR ISSUES, DECISIONS AND RATIONALES\nMAXIMUS guideline: x") is fdl2015


def test_2013_decisions_come_from_each_items_closing_sentence():
    items = fdl2013.parse(letter("fdl2013-three-items.txt"))["items"]
    assert [i["decision"] for i in items] == ["upheld", "overturned", "upheld"]
    assert items[2]["claims_paragraph"].strip().startswith("The Claims Administrator did not cite")
    assert not items[2]["rationale"].endswith("Compensation")


def test_2014_documents_reviewed_list_is_not_an_item():
    items = fdl2014.parse(letter("fdl2014-two-items.txt"))["items"]
    assert [i["treatment"] for i in items] == [
        "Right shoulder arthroscopy with rotator cuff repair and subacromial decompression",
        "Associated surgical service: Cold therapy unit 21 day rental",
    ]


_HEAD_PIECES = ["\n", " ", "1", "12", ". ", ") ", "Regarding the request for ", "x"]


@given(st.lists(st.sampled_from(_HEAD_PIECES), max_size=30))
def test_numbered_heads_are_found_as_a_line_start_regex_finds_them(pieces):
    """A head at the text's start or after a line break, led by the line break for speed: the
    same matches as `(?:^|\\n)<head>` from any position."""
    text = "".join(pieces)
    for source, flags, head in (
        (r"\s*\d{1,2}\.\s+", 0, fdl2014._HEAD),
        (r"\s*\d{1,2}\)\s*Regarding\s+the\s+request\s+for\s+", re.IGNORECASE, fdl2013._HEAD),
    ):
        regex = re.compile(r"(?:^|\n)" + source, flags)
        for start in (0, 1, len(text) // 2):
            expected = [(m.span(), m.group()) for m in regex.finditer(text, start)]
            assert [(m.span(), m.group()) for m in numbered._heads(head, text, start)] == expected
