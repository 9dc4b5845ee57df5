"""The words of an item that text search can find, as integer hashes for the `item_terms` table.

Workers compute them while parsing, so a refresh appends postings instead of rebuilding a
full-text index over the whole database; the dashboard turns a search into the same hashes.
A search matches an item when every searched word is a word of its treatment or rationale.
"""

from __future__ import annotations

import re
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
    """Stopwords and one-character words, as the byte strings `item_hashes` meets them."""
    single = {bytes([byte]) for byte in set(_ASCII_WORDS) - {32}}
    return frozenset(word.encode() for word in rules.search_stopwords()) | single


def item_hashes(treatment: str | None, rationale: str | None) -> list[int]:
    """The term hashes of one item (computed in the refresh workers, for every item)."""
    text = f"{treatment or ''} {rationale or ''}"
    if not text.isascii():
        return [term_hash(term) for term in terms(text)]
    words = set(text.encode().translate(_ASCII_WORDS).split())
    return list(map(crc32, words - _unindexed_bytes()))


def query_hashes(search: str) -> list[int]:
    """The hashes a search must all match; empty when it has no searchable word."""
    return sorted({term_hash(term) for term in terms(search)})
