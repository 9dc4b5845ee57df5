"""The words text search can find, as integer hashes: per item (`item_terms`: its treatment and
rationale), per letter (`letter_terms`: the whole normalised text, case summary included), and the
words themselves with their hashes (`search_terms`, so a prefix can be expanded to the words it
starts).

Workers compute them while parsing, so a refresh appends postings instead of rebuilding a
full-text index over the whole database; the dashboard turns a search into the same hashes.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from zlib import crc32

import polars as pl

from etl import rules

_WORD = re.compile(r"[a-z0-9]{2,}")  # one-character words are not indexed (nor searchable)


def terms(text: str) -> set[str]:
    """Distinct lower-case words of two or more letters or digits, stopwords left out."""
    return set(_WORD.findall(text.lower())) - rules.search_stopwords()


def term_hash(term: str) -> int:
    """Stable across processes and versions (unlike `hash()`); fits DuckDB's UINTEGER."""
    return crc32(term.encode())


# ASCII bytes → the same byte lower-cased if it is a letter or digit, else a space: for ASCII
# text, `bytes.translate` blanks everything that is not part of a word at C speed.
_ASCII_WORDS = bytes(
    byte + 32 if 65 <= byte <= 90 else byte if 48 <= byte <= 57 or 97 <= byte <= 122 else 32
    for byte in range(256)
)


def spaced_words(text: str) -> str:
    """The text's words in lower case between spaces, everything else blanked, so that splitting
    at spaces gives the words of `terms` (with one-character words, stopwords and empty strings
    left to drop). A text that is not ASCII — rare — gives its `terms` themselves."""
    if not text.isascii():
        return " ".join(sorted(terms(text)))
    return text.encode().translate(_ASCII_WORDS).decode()


def word_postings(keys: pl.DataFrame, texts: Sequence[str]) -> pl.DataFrame:
    """`keys` (one row per text) with a `term` column: one row per indexed word (`terms`) of each
    text, each word once per text. A refresh indexes every word of every letter: polars splits,
    de-duplicates and filters a whole chunk's texts at once, where sets built word by word in
    Python cost twice as much."""
    unindexed = pl.Series(sorted(rules.search_stopwords()), dtype=pl.String).implode()
    spaced = pl.Series("term", map(spaced_words, texts), dtype=pl.String)
    return (
        keys.with_columns(spaced.str.split(" ").list.unique(maintain_order=True))
        .explode("term")
        .filter(pl.col("term").str.len_bytes() > 1, ~pl.col("term").is_in(unindexed))
    )


def dictionary(words: pl.Series) -> pl.DataFrame:
    """Each distinct word once with its `term_hash`: a chunk's letters share most of their words,
    so each is hashed once, not once per posting."""
    distinct = words.unique(maintain_order=True)
    return pl.DataFrame(
        {"term": distinct, "term_hash": pl.Series(map(term_hash, distinct), dtype=pl.UInt32)},
        schema={"term": pl.String, "term_hash": pl.UInt32},
    )


def hashed_terms(words: pl.DataFrame) -> pl.Expr:
    """A frame's `term` column as its hashes, looked up in the `dictionary` that holds its words."""
    return pl.col("term").replace_strict(words["term"], words["term_hash"], return_dtype=pl.UInt32)


@dataclass(frozen=True)
class SearchedWord:
    """A word of a search as the index cuts words; `prefix` when typed with a trailing `*`."""

    text: str
    prefix: bool


_SEARCHED = re.compile(r"([a-z0-9]+)(\*?)")


def searched_words(search: str) -> list[SearchedWord]:
    """The words a search asks for, in order, each once. Stopwords and one-character words that
    are not prefixes are dropped: the index holds none."""
    found = [SearchedWord(word, bool(star)) for word, star in _SEARCHED.findall(search.lower())]
    unindexed = rules.search_stopwords()
    kept = [w for w in found if w.prefix or (len(w.text) > 1 and w.text not in unindexed)]
    return list(dict.fromkeys(kept))
