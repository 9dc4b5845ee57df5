"""Which items were modified requests: utilization review authorized part of the request and IMR
decided the rest ("X was the original request. Y was authorized by the Claims Administrator. The
remaining IMR eligible portion of the original request, Z is: Upheld").

The contract (../shared/contract/parse-output.md) has no such key, so the record stays as it is
and the database derives the flag when it loads a letter (etl/rows.py): from the sentences the
letter writes between an item's original request and its decided portion, read with the wordings
of rules/modified-requests.csv. An item whose letter states no original request is not modified;
so is one whose original request went to IMR whole ("The Claims Administrator did not certify
any part of the request, leaving the original request IMR eligible").
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache

from etl import rules
from etl.records import Item

_STATED = " was the original request"
# The decided portion closes the statement: "The remaining IMR eligible portion of the original
# request, Z" or "The original request, Z". The limit keeps a statement to its own sentences.
_DECIDED_PORTION = re.compile(r"remaining imr eligible portion|the original request ?,")
_STATEMENT_LIMIT = 600


@cache
def _wordings() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """(modified, not modified): each meaning's patterns as one alternation."""
    by_meaning: dict[bool, list[str]] = {True: [], False: []}
    for wording in rules.modified_request_wording():
        by_meaning[wording.modified].append(f"(?:{wording.pattern})")
    return re.compile("|".join(by_meaning[True])), re.compile("|".join(by_meaning[False]) or "(?!)")


def states_modification(statement: str) -> bool:
    """Whether a statement (lower case, single spaces) says that part of the request was
    authorized: a wording of a modified request, and none saying that no part was."""
    modified, not_modified = _wordings()
    return modified.search(statement) is not None and not_modified.search(statement) is None


def modification_statements(flat: str, original_request: str) -> list[str]:
    """Each "<original request> was the original request. … <decided portion>" of the letter
    (lower case, single spaces), from the end of its first sentence to its decided portion; a
    letter may state it twice (in its case summary and at the item)."""
    statements = []
    needle = original_request.lower() + _STATED
    at = flat.find(needle)
    while at != -1:
        start = at + len(needle)
        portion = _DECIDED_PORTION.search(flat, start, start + _STATEMENT_LIMIT)
        if portion:
            statements.append(flat[start : portion.end()])
        at = flat.find(needle, start)
    return statements


def modified_flags(clean_text: str, items: Sequence[Item]) -> list[bool]:
    """One flag per item of the letter, in item order, from its normalised text (`normalise`, as
    the refresh holds it for the search postings too: normalised once)."""
    if not any(item["original_request"] for item in items):
        return [False] * len(items)
    flat = " ".join(clean_text.split()).lower()
    return [
        bool(item["original_request"])
        and any(map(states_modification, modification_statements(flat, item["original_request"])))
        for item in items
    ]
