"""Search terms: what the term index holds for an item and what a search looks for."""

from __future__ import annotations

from zlib import crc32

from hypothesis import given
from hypothesis import strategies as st

from etl.search_terms import SearchedWord, hashes, searched_words, term_hash, terms, words


def test_terms_are_lower_case_words_without_stopwords_or_single_characters():
    found = terms("Norco 10/325mg #120 is NOT medically necessary for the patient's pain")
    assert found == {"norco", "10", "325mg", "120", "medically", "necessary", "patient", "pain"}


def test_hash_is_crc32_so_any_tool_can_reproduce_it():
    assert term_hash("norco") == crc32(b"norco") == 1204625911


def test_a_search_matches_the_words_the_text_was_indexed_with():
    indexed = words("Norco 10/325 #60 Opioids are not recommended for chronic pain.")
    assert {word.text.encode() for word in searched_words("NORCO chronic")} <= indexed
    assert not {word.text.encode() for word in searched_words("norco tramadol")} <= indexed


def test_a_trailing_star_makes_a_prefix_and_unindexed_words_are_dropped():
    assert searched_words("Gabapent* the lumbar-MRI x norco NORCO a*") == [
        SearchedWord("gabapent", prefix=True),
        SearchedWord("lumbar", prefix=False),
        SearchedWord("mri", prefix=False),
        SearchedWord("norco", prefix=False),
        SearchedWord("a", prefix=True),  # kept, so that the page can say it is too short
    ]


def test_a_search_of_only_stopwords_or_punctuation_has_nothing_to_match():
    assert searched_words("the / of a") == []


@given(st.text())
def test_hashes_are_distinct_unsigned_32_bit_values(text):
    found = hashes(words(text))
    assert len(found) == len(set(found))
    assert all(0 <= value < 2**32 for value in found)


@given(
    st.text(alphabet=st.characters(codec="ascii")) | st.text(),
    st.none() | st.text(alphabet=st.characters(codec="ascii")) | st.text(),
)
def test_indexed_words_are_the_terms_a_search_would_use(treatment, rationale):
    """The byte-level tokeniser used for ASCII text agrees with `terms`, which searches use."""
    text = f"{treatment} {rationale or ''}"
    assert words(text) == {term.encode() for term in terms(text)}
    assert sorted(hashes(words(text))) == sorted(term_hash(term) for term in terms(text))
