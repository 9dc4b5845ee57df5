"""Search terms: what the term index holds for an item and what a search looks for."""

from __future__ import annotations

from zlib import crc32

from hypothesis import given
from hypothesis import strategies as st

from etl.search_terms import item_hashes, query_hashes, term_hash, terms


def test_terms_are_lower_case_words_without_stopwords_or_single_characters():
    found = terms("Norco 10/325mg #120 is NOT medically necessary for the patient's pain")
    assert found == {"norco", "10", "325mg", "120", "medically", "necessary", "patient", "pain"}


def test_hash_is_crc32_so_any_tool_can_reproduce_it():
    assert term_hash("norco") == crc32(b"norco") == 1204625911


def test_a_search_matches_the_words_the_item_was_indexed_with():
    indexed = set(item_hashes("Norco 10/325 #60", "Opioids are not recommended for chronic pain."))
    assert set(query_hashes("NORCO chronic")) <= indexed
    assert not set(query_hashes("norco tramadol")) <= indexed


def test_a_search_of_only_stopwords_or_punctuation_has_nothing_to_match():
    assert query_hashes("the / of a") == []


@given(st.text())
def test_item_hashes_are_distinct_unsigned_32_bit_values(text):
    hashes = item_hashes(text, text)
    assert len(hashes) == len(set(hashes))
    assert all(0 <= value < 2**32 for value in hashes)


@given(
    st.text(alphabet=st.characters(codec="ascii")) | st.text(),
    st.none() | st.text(alphabet=st.characters(codec="ascii")) | st.text(),
)
def test_indexed_hashes_are_the_hashes_of_the_terms_a_search_would_use(treatment, rationale):
    """The byte-level tokeniser used for ASCII items agrees with `terms`, which searches use."""
    expected = {term_hash(term) for term in terms(f"{treatment} {rationale or ''}")}
    assert sorted(item_hashes(treatment, rationale)) == sorted(expected)
