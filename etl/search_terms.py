"""The words text search can find, as integer hashes: per item (`item_terms`: its treatment and
rationale), per letter (`letter_terms`: the whole normalised text, case summary included), and the
words themselves with their hashes (`search_terms`, so a prefix can be expanded to the words it
starts).

Workers compute them while parsing, so a refresh appends postings instead of rebuilding a
full-text index over the whole database; the dashboard turns a search into the same hashes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from zlib import crc32

from etl import rules

_WORD = re.compile(r"[a-z0-9]{2,}")  # one-character words are not indexed (nor searchable)


def terms(text: str) -> set[str]:
    """Distinct lower-case words of two or more letters or digits, stopwords left out."""
    return set(_WORD.findall(text.lower())) - rules.search_stopwords()


def term_hash(term: str) -> int:
    """Stable across processes and versions (unlike `hash()`); fits DuckDB's UINTEGER."""
    return crc32(term.encode())


# ASCII bytes → the same byte lower-cased if it is a letter or digit, else a space: for ASCII
# text, `bytes.translate` + `split` gives the words of `_WORD` several times faster than a regex.
_ASCII_WORDS = bytes(
    byte + 32 if 65 <= byte <= 90 else byte if 48 <= byte <= 57 or 97 <= byte <= 122 else 32
    for byte in range(256)
)


@cache
def _unindexed_bytes() -> frozenset[bytes]:
    """Stopwords and one-character words, as the byte strings `words` meets them."""
    single = {bytes([byte]) for byte in set(_ASCII_WORDS) - {32}}
    return frozenset(word.encode() for word in rules.search_stopwords()) | single


def words(text: str) -> set[bytes]:
    """The indexed words (`terms`) of a text, UTF-8 encoded: for ASCII text — nearly every letter —
    the words are cut from the bytes, several times faster than the regex, and a letter's whole
    text is cut on every refresh of it."""
    if not text.isascii():
        return {term.encode() for term in terms(text)}
    found = set(text.encode().translate(_ASCII_WORDS).split())
    found -= _unindexed_bytes()  # in place: a hundred removals instead of copying hundreds of words
    return found


def hashes(encoded_words: set[bytes]) -> list[int]:
    """`term_hash` of each word of `words`."""
    return list(map(crc32, encoded_words))


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
