"""The words of an item that text search can find, as integer hashes for the `item_terms` table.

Workers compute them while parsing, so a refresh appends postings instead of rebuilding a
full-text index over the whole database; the dashboard turns a search into the same hashes.
A search matches an item when every searched word is a word of its treatment or rationale.
"""

from __future__ import annotations

import re
from zlib import crc32

from etl import rules

_WORD = re.compile(r"[a-z0-9]{2,}")  # one-character words are not indexed (nor searchable)


def terms(text: str) -> set[str]:
    """Distinct lower-case words of two or more letters or digits, stopwords left out."""
    return set(_WORD.findall(text.lower())) - rules.search_stopwords()


def term_hash(term: str) -> int:
    """Stable across processes and versions (unlike `hash()`); fits DuckDB's UINTEGER."""
    return crc32(term.encode())


class _KnownHashes(dict[str, int]):
    """Hashes of the words met so far: most words of a letter were met in earlier letters."""

    LIMIT = 200_000  # words; then start again, so memory stays bounded on any corpus

    def __missing__(self, term: str) -> int:
        if len(self) >= self.LIMIT:
            self.clear()
        value = self[term] = term_hash(term)
        return value


_known = _KnownHashes()


def item_hashes(treatment: str | None, rationale: str | None) -> list[int]:
    return list(map(_known.__getitem__, terms(f"{treatment or ''} {rationale or ''}")))


def query_hashes(search: str) -> list[int]:
    """The hashes a search must all match; empty when it has no searchable word."""
    return sorted({term_hash(term) for term in terms(search)})
