"""Any input gives a record or a clean error; extraction noise never changes a record."""

from __future__ import annotations

import random
from functools import cache

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from etl.extract import documents_from_bytes, iter_documents
from etl.layouts.generic_items import read_items
from etl.normalise import normalise
from etl.parse import NotALetter, parse_text
from etl.synth.noise import NOISE_KINDS, add_noise
from tests.conftest import FIXTURES, REAL_LETTERS, SEED


@cache
def fixture_texts() -> tuple[str, ...]:
    paths = sorted((FIXTURES / "letters").glob("*.txt"))
    if REAL_LETTERS.is_dir():
        paths += [*sorted(REAL_LETTERS.glob("*.pdf")), SEED]
    return tuple(normalise(d.text) for d in iter_documents([str(p) for p in paths]))


def record_without_source(text: str) -> dict:
    record = dict(parse_text(text, "letter"))
    record.pop("source")
    return record


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    index=st.integers(min_value=0),
    kinds=st.lists(st.sampled_from(sorted(NOISE_KINDS)), min_size=1, unique=True),
    seed=st.integers(min_value=0, max_value=2**32),
)
def test_extraction_noise_leaves_the_record_unchanged(index, kinds, seed):
    clean = fixture_texts()[index % len(fixture_texts())]
    noisy = add_noise(clean, random.Random(seed), kinds)
    assert record_without_source(noisy) == record_without_source(clean)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=4000))
def test_arbitrary_bytes_give_a_record_or_a_clean_error(data):
    for document in documents_from_bytes(data, "blob"):
        assert (document.text is None) != (document.error is None)
        if document.text is not None:
            try:
                parse_text(document.text, "blob")
            except NotALetter as err:
                assert str(err)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    index=st.integers(min_value=0),
    cut=st.tuples(st.floats(0, 1), st.floats(0, 1)),
    insert=st.text(max_size=300),
)
def test_damaged_letters_never_crash(index, cut, insert):
    text = fixture_texts()[index % len(fixture_texts())]
    start, end = sorted(int(f * len(text)) for f in cut)
    damaged = text[:start] + insert + text[end:]
    try:
        record = parse_text(damaged, "damaged")
    except NotALetter:
        return
    for item in record["items"]:
        assert item["decision"] in ("upheld", "overturned", None)
        assert isinstance(item["treatment"], str)


# Pieces of the cues the generic item reader looks for, to be shuffled with arbitrary text.
_CUES = st.sampled_from(
    [
        "Item 1: ",
        "2) ",
        "Decision: UPHELD. ",
        "decision: overturned",
        ": Upheld",
        "OVERTURN",
        " is not medically necessary",
        "the request for ",
        "Claims Administrator guideline: ",
        "Guideline(s) relied upon by the reviewer:",
        "Rationale: ",
        "References:",
        "Final Determination: UPHOLD",
        "APPEAL RIGHTS",
        "Sincerely",
        "\n",
        ". ",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(_CUES, st.text(max_size=40)), max_size=40))
def test_generic_reader_reads_any_text_without_crashing(pieces):
    items, warnings = read_items(normalise("".join(pieces)))
    for item in items:
        assert item["decision"] in ("upheld", "overturned", None)
        assert item["treatment"] == " ".join(item["treatment"].split())
    assert all(isinstance(warning, str) for warning in warnings)
