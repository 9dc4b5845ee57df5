"""Search terms: what the term index holds for an item and what a search looks for."""

from __future__ import annotations

from zlib import crc32

import polars as pl
from hypothesis import given
from hypothesis import strategies as st

from etl.search_terms import (
    SearchedWord,
    dictionary,
    hashed_terms,
    searched_words,
    spaced_words,
    term_hash,
    terms,
    word_postings,
)


def test_terms_are_lower_case_words_without_stopwords_or_single_characters():
    found = terms("Norco 10/325mg #120 is NOT medically necessary for the patient's pain")
    assert found == {"norco", "10", "325mg", "120", "medically", "necessary", "patient", "pain"}


def test_hash_is_crc32_so_any_tool_can_reproduce_it():
    assert term_hash("norco") == crc32(b"norco") == 1204625911


def test_a_search_matches_the_words_the_text_was_indexed_with():
    indexed = set(indexed_words(["Norco 10/325 #60 Opioids are not recommended for chronic pain."])[0])
    assert {word.text for word in searched_words("NORCO chronic")} <= indexed
    assert not {word.text for word in searched_words("norco tramadol")} <= indexed


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


def indexed_words(texts: list[str]) -> dict[int, list[str]]:
    """`word_postings` of the texts, as each text's words in posting order."""
    keys = pl.DataFrame({"n": range(len(texts))}, schema={"n": pl.Int32})
    postings = word_postings(keys, texts)
    return {n: postings.filter(pl.col("n") == n)["term"].to_list() for n in range(len(texts))}


def test_spaced_words_blank_all_but_words_and_split_into_the_terms():
    assert spaced_words("Norco 10/325mg, TID.") == "norco 10 325mg  tid "
    assert set(spaced_words("Ｋg naïve Lyrica 75mg").split(" ")) == {"lyrica", "75mg", "na", "ve"}


def test_postings_hold_each_word_of_a_text_once_in_text_order_with_the_texts_keys():
    keys = pl.DataFrame(
        {"doc_key": [7, 8], "item_no": [1, 2]}, schema={"doc_key": pl.UInt64, "item_no": pl.UInt16}
    )
    postings = word_postings(keys, ["Pain, pain and MORE pain: Norco.", "a the I"])
    assert postings.to_dicts() == [
        {"doc_key": 7, "item_no": 1, "term": "pain"},
        {"doc_key": 7, "item_no": 1, "term": "more"},
        {"doc_key": 7, "item_no": 1, "term": "norco"},
    ]  # one-character words and stopwords ("and", "the") are not indexed; the second text has none
    assert word_postings(keys.clear(), []).columns == ["doc_key", "item_no", "term"]


def test_each_distinct_word_is_hashed_once_and_postings_take_its_hash():
    words = dictionary(pl.Series(["norco", "pain", "norco"]))
    assert words.to_dicts() == [
        {"term": "norco", "term_hash": term_hash("norco")},
        {"term": "pain", "term_hash": term_hash("pain")},
    ]
    postings = pl.DataFrame({"term": ["pain", "norco", "pain"]})
    assert postings.select(hashed_terms(words))["term"].to_list() == [
        term_hash(w) for w in ("pain", "norco", "pain")
    ]


@given(
    st.lists(st.text(alphabet=st.characters(codec="ascii")) | st.text(), max_size=4),
)
def test_indexed_words_are_the_terms_a_search_would_use(texts):
    """The polars tokeniser of a chunk's texts (ASCII blanked at C speed, any other text through
    `terms`) agrees with `terms`, which searches use."""
    found = indexed_words(texts)
    for n, text in enumerate(texts):
        assert sorted(found[n]) == sorted(terms(text))
