"""Letter text → contract record: normalise, recognise the layout, read it, then cite and classify.

Pure: no I/O, so the same function serves `parse`, `refresh` and `eval`, in any process.
"""

from __future__ import annotations

from collections.abc import Iterable

from etl import rules
from etl.citations import parse_guidelines
from etl.classify import classify_item
from etl.layouts import read
from etl.layouts.base import RawItem
from etl.layouts.unknown import NotALetter
from etl.normalise import normalise
from etl.reasons import tag
from etl.records import Citation, Item, Letter, doc_id

MIN_LETTER_CHARACTERS = 200
PARSER_CODE_VERSION = "2026.12.02-reasons-clauses-modified-letter-search"
# A refresh re-derives every stored letter when this changes: after a parser release, or when an
# analyst edits a rule file (the fingerprint covers etl/rules/*.csv).
PARSER_VERSION = f"{PARSER_CODE_VERSION}+rules.{rules.fingerprint()}"

__all__ = ["PARSER_VERSION", "NotALetter", "parse_clean", "parse_text"]


def parse_text(text: str, source: str, extraction_warnings: Iterable[str] = ()) -> Letter:
    """The record of one letter; raises NotALetter for anything that is not a determination.
    `extraction_warnings` (text the extraction could not read) join the parser's warnings."""
    return parse_clean(normalise(text), source, extraction_warnings)


def parse_clean(clean: str, source: str, extraction_warnings: Iterable[str] = ()) -> Letter:
    """`parse_text` of a text already normalised (`normalise`): the refresh keeps that text for
    the search postings and the modified-request flags, so it is normalised once."""
    if len(clean) < MIN_LETTER_CHARACTERS:
        raise NotALetter("not an IMR determination: too little text" if clean else "empty document")
    format_name, result = read(clean)
    warnings = list(result["warnings"])
    items = [_item(raw, warnings) for raw in result["items"]]
    if not items:
        warnings.append("no disputed items found")
    warnings += extraction_warnings
    header = result["header"]
    return Letter(
        source=source,
        doc_id=doc_id(clean),
        format=format_name,
        case_number=header["case_number"],
        date_of_injury=header["date_of_injury"],
        date_assigned=header["date_assigned"],
        decision_date=header["decision_date"],
        ur_denial_date=header["ur_denial_date"],
        application_received=header["application_received"],
        priority=header["priority"],
        patient_age=result["patient_age"],
        patient_gender=result["patient_gender"],
        reviewer_states=result["reviewer_states"],
        reviewer_specialties=result["reviewer_specialties"],
        items=items,
        warnings=warnings,
    )


def _item(raw: RawItem, warnings: list[str]) -> Item:
    reviewer = parse_guidelines(raw["reviewer_paragraph"])
    claims = parse_guidelines(raw["claims_paragraph"])
    classification = classify_item(raw["treatment"], cited_topics(reviewer + claims))
    if classification.method == "none":
        warnings.append(f"treatment not classified: {raw['treatment'][:80]!r}")
    return Item(
        treatment=raw["treatment"],
        original_request=raw["original_request"],
        decision=raw["decision"],  # type: ignore[typeddict-item]
        category=classification.category,
        subcategory=classification.subcategory,
        reviewer_guidelines=reviewer,
        claims_guidelines=claims,
        rationale=raw["rationale"],
        classified_by=classification.classified_by,  # type: ignore[typeddict-item]
        reasons=tag(raw["rationale"], raw["decision"]),
    )


def cited_topics(citations: list[Citation]) -> tuple[str, ...]:
    """The sections, then the books, an item cites, reviewer's first: the classifier's second
    signal (a section names a topic; a book such as the Acupuncture guidelines may too)."""
    sections = [c["section"] for c in citations if c["section"]]
    documents = [c["document"] for c in citations if c["document"]]
    return tuple(dict.fromkeys(sections + documents))
