"""A guideline paragraph → its citations (source, document, year, section, pages).

2015+ letters write "Decision based on MTUS <book> <year>, Section(s): … . Decision based on
Non-MTUS Citation <ODG chapter> …"; 2013–14 letters write prose ("The Expert Reviewer based
his/her decision on the <book> (2009), <topic>, pages 74-96, which is part of the MTUS.").
Books and chapters are recognised from `etl/rules/guidelines.csv`; one non-MTUS sentence that
names several ODG chapters ("Low back, Manipulation; Neck and Upper back, Manipulation") gives
one citation per chapter.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache

from etl import rules
from etl.records import Citation

_DECISION_BASED_ON = re.compile(r"Decision based on\s+")
_PROSE_SENTENCE = re.compile(
    r"[^.]*?\b(?:based (?:its|his/her|his|her|their) decision on|relied (?:up)?on)\s+"
    r"(?P<body>(?:[^.]|\.(?=\S)|\.\s+(?=\d))*\.)",
)
_NOT_CITED = re.compile(r"did not cite any", re.IGNORECASE)
_OUTSIDE_MTUS = re.compile(r"based their decision on recommendation\(s\) outside of the MTUS")
_ODG = re.compile(r"Official Disability Guidelines|\bODG\b")
_ACOEM = re.compile(r"\bACOEM\b|American College of Occupational")
_NON_MTUS = re.compile(r"^Non-MTUS\s*(?:Citation)?\s*:?\s*")
_GUIDELINE_NAME = re.compile(
    r"^(?:the\s+)?(?:Official Disability Guidelines|ODG|American College of Occupational and "
    r"Environmental Medicine|ACOEM)(?:\s*\((?:ODG|ACOEM)\))?(?:\s+Guidelines?)?"
    r"(?:\s*,?\s*\d+(?:st|nd|rd|th)\s+Edition)?(?:\s*,?\s*\(?(?P<year>(?:19|20)\d{2})\)?)?"
    r"(?:\s*,?\s*Chapter\s+\d+)?[\s:,\-–]*",
    re.IGNORECASE,
)
_QUALIFIER = re.compile(
    r"^(?:\s*[-–,]?\s*Lumbar\s*&\s*Thoracic|\s*\((?:Chronic|Acute\s*(?:&|and)\s*Chronic|Online "
    r"version|updated[^)]*)\)|\s*\b(?:chapters?|sections?)\b)+",
    re.IGNORECASE,
)
_CHAPTER_LIST = re.compile(r"^(?P<sep>\s*[,;]\s*|\s+and\s+)")
_CHAPTER_FOLLOWER = re.compile(r"^(?:$|[\s,.;:/(\-–]|\s*(?:chapters?|sections?)\b)", re.IGNORECASE)
_YEAR_AFTER = re.compile(
    r"^[\s,]*(?:\((?=[^()]*(?:ACOEM|Edition))[^()]*?\(?((?:19|20)\d{2})\)?[^()]*\)"
    r"|\(?((?:19|20)\d{2})\)?(?![\d/]))"
)
_SECTIONS = re.compile(r"Section\(s\):\s*", re.IGNORECASE)
_PAGES = re.compile(
    r"[\s,;]*\b(?:Page\(s\):?|pages?|pp\.?|p\.)\s*(?P<pages>\d+(?:\s*[-–]\s*\d+)?"
    r"(?:\s*(?:,|and|&)\s*\d+(?:\s*[-–]\s*\d+)?)*)",
    re.IGNORECASE,
)
_MTUS_CLAUSE = re.compile(
    r",?\s*(?:which|that)\s+(?:is|are)\s+(?:not\s+)?(?:a\s+)?part of the (?:MTUS|Medical Treatment "
    r"Utilization Schedule)(?:\s*\(MTUS\))?\.?$|,?\s*(?:not\s+)?part of the MTUS\.?$",
    re.IGNORECASE,
)
_MTUS_PREFIX = re.compile(r"^(?:the\s+)?(?:CA\s+|California\s+)?MTUS\s*(?:\(\w+\)\s*)?", re.IGNORECASE)
_OTHER_GUIDELINE = re.compile(
    r"^and (?:the )?(?:Official Disability Guidelines|ODG|ACOEM)(?: \((?:ODG|ACOEM)\))?$"
)
_IN_MTUS = re.compile(r"(?<!not )part of the (?:MTUS|Medical Treatment Utilization)")
_PAGE_LIST = re.compile(r",|\band\b|&")
_WRAPPED = re.compile(r"\((.*)\)")
_FAMILIES = {"MTUS": ("MTUS",), "ODG": ("ODG",), "ACOEM": ("ACOEM",)}
_EDGE = " ,;:-–/."


@dataclass(frozen=True)
class _Piece:
    text: str
    body: str
    year: int | None = None


def parse_guidelines(paragraph: str) -> list[Citation]:
    """Citations of one guideline paragraph; boilerplate without a guideline gives none.

    Letters repeat the same guideline sentences endlessly (in ever new combinations), so
    results are cached by paragraph and by sentence; each call gets its own copies."""
    return [
        {**citation, "pages": list(citation["pages"])}  # a Citation, with its own page list
        for citation in _paragraph_citations(" ".join(paragraph.split()))
    ]


@lru_cache(maxsize=8192)
def _paragraph_citations(flat: str) -> tuple[Citation, ...]:
    if _DECISION_BASED_ON.search(flat):
        return tuple(
            citation
            for chunk in _DECISION_BASED_ON.split(flat)[1:]
            if chunk.strip()
            for citation in _sentence_citations(chunk.strip())
        )
    if _NOT_CITED.search(flat) or _OUTSIDE_MTUS.search(flat):
        return ()
    return tuple(_prose_citation(match) for match in _PROSE_SENTENCE.finditer(flat))


@lru_cache(maxsize=8192)
def _sentence_citations(sentence: str) -> tuple[Citation, ...]:
    if sentence.startswith("MTUS"):
        parts = [p.strip() for p in _mtus_split().split(sentence) if p.strip()]
        return tuple(_citation(_Piece(part, _MTUS_PREFIX.sub("", part)), "MTUS") for part in parts)
    source = _non_mtus_source(sentence)
    return tuple(
        _citation(piece, source)
        for part in _sentence_split().split(sentence)
        for piece in _chapters(part.strip(), source)
    )


def _prose_citation(match: re.Match[str]) -> Citation:
    sentence = match.group(0).strip()
    body = _MTUS_CLAUSE.sub("", match.group("body").strip()).strip()
    in_mtus = _IN_MTUS.search(sentence)
    if in_mtus or _MTUS_PREFIX.match(body):
        return _citation(_Piece(sentence, _MTUS_PREFIX.sub("", body)), "MTUS")
    source = _non_mtus_source(body)
    pieces = _chapters(body, source)
    return _citation(_Piece(sentence, pieces[0].body, pieces[0].year), source)


def _non_mtus_source(text: str) -> str:
    odg, acoem = _ODG.search(text), _ACOEM.search(text)
    if odg and (not acoem or odg.start() < acoem.start()):
        return "ODG"
    return "ACOEM" if acoem else "Other"


def _chapters(sentence: str, source: str) -> list[_Piece]:
    """Split a non-MTUS sentence at each further chapter it lists ("Shoulder Chapter, Hand
    Chapter, Physical therapy." → two pieces); the first piece keeps the sentence's prefix."""
    body = _NON_MTUS.sub("", sentence)
    year = None
    name = _GUIDELINE_NAME.match(body)
    while name and name.end() > 0:
        year = int(name.group("year")) if name.group("year") else year
        body = body[name.end() :]
        name = _GUIDELINE_NAME.match(body)
    prefix_length = len(sentence) - len(body)
    pattern = _alias_pattern(_families(source))
    pieces: list[_Piece] = []
    start = 0
    position = 0
    while True:
        chapter = pattern.match(body, position)
        if not chapter:
            break
        after = chapter.end()
        qualifier = _QUALIFIER.match(body[after:])
        after += qualifier.end() if qualifier else 0
        separator = _CHAPTER_LIST.match(body[after:])
        if not separator:
            break
        following = pattern.match(body, after + separator.end())
        if not following or not _CHAPTER_FOLLOWER.match(body[following.end() :]):
            break
        keep = separator.group("sep").strip()
        cut = after + (len(separator.group("sep").rstrip()) if keep in ",;" else 0)
        text_start = 0 if not pieces else start
        piece_text = sentence[: prefix_length + cut] if not pieces else body[text_start:cut]
        pieces.append(_Piece(piece_text.strip(), body[start:cut], year))
        start = after + separator.end()
        position = start
    first_text = sentence if not pieces else body[start:]
    pieces.append(_Piece(first_text.strip(), body[start:], year))
    return pieces


def _families(source: str) -> tuple[str, ...]:
    return _FAMILIES.get(source, ("Other",))


def _citation(piece: _Piece, source: str) -> Citation:
    document, rest = _document(piece.body, source)
    year = piece.year
    year_match = _YEAR_AFTER.match(rest) if document else None
    if year_match:
        year = int(year_match.group(1) or year_match.group(2))
        rest = rest[year_match.end() :]
    pages: list[str] = []
    pages_match = _PAGES.search(rest)
    if pages_match:
        pages = [
            "".join(p.split()).replace("–", "-")
            for p in _PAGE_LIST.split(pages_match.group("pages"))
            if p.strip()
        ]
        rest = rest[: pages_match.start()] + rest[pages_match.end() :]
    sections = _SECTIONS.search(rest)
    if sections:
        rest = rest[sections.end() :]
    return Citation(
        text=piece.text,
        source=source,
        document=document,
        year=year,
        section=_clean_section(rest),
        pages=pages,
    )


def _document(body: str, source: str) -> tuple[str | None, str]:
    """The canonical book or chapter and the text that names its section."""
    pattern = _alias_pattern(_families(source))
    match = pattern.match(body) or pattern.search(body)
    if not match and source == "Other":
        return _named_work(body)
    if not match:
        return None, body
    document = _alias_lookup()[match.group(0).lower()].document
    after = body[match.end() :]
    qualifier = _QUALIFIER.match(after)
    after = after[qualifier.end() :] if qualifier else after
    if match.start() > 0 and not after.strip(_EDGE):
        return document, body[: match.start()]  # "MRI shoulder": the topic comes first
    return document, after


def _named_work(body: str) -> tuple[str | None, str]:
    """Another source ("UpToDate: Lumbar stenosis", "Medscape Reference."): its name as written
    is the document, what follows a colon the section."""
    name, _, topic = body.partition(":")
    return (name.strip(_EDGE) or None), topic


def _clean_section(rest: str) -> str | None:
    rest = " ".join(rest.split()).strip(_EDGE)
    rest = _OTHER_GUIDELINE.sub("", rest)
    unwrapped = _WRAPPED.fullmatch(rest)
    if unwrapped and unwrapped.group(1).count("(") == unwrapped.group(1).count(")"):
        rest = unwrapped.group(1).strip(_EDGE)
    return rest or None


@cache
def _alias_lookup() -> dict[str, rules.GuidelineAlias]:
    table: dict[str, rules.GuidelineAlias] = {}
    for alias in rules.guideline_aliases():
        table.setdefault(alias.alias.lower(), alias)
    return table


@cache
def _alias_pattern(families: tuple[str, ...]) -> re.Pattern[str]:
    aliases = [a.alias for a in rules.guideline_aliases() if a.family in families]
    return re.compile(r"(?<!\w)(?:" + "|".join(re.escape(a) for a in aliases) + r")(?!\w)", re.IGNORECASE)


@cache
def _sentence_split() -> re.Pattern[str]:
    """ "Low back, Manipulation; Neck and Upper back, …" and "… . Official Disability Guidelines
    (ODG) Physical Therapy Guidelines." each start another citation inside one sentence."""
    chapters = [re.escape(a.alias) for a in rules.guideline_aliases() if a.family == "ODG"]
    return re.compile(
        rf"(?<=;)\s+(?=(?:{'|'.join(chapters)})\b)|(?<=\.)\s+(?=Official Disability Guidelines|ODG\b)",
        re.IGNORECASE,
    )


@cache
def _mtus_split() -> re.Pattern[str]:
    """ ", and Chronic Pain Medical Treatment 2016, …" starts a second MTUS citation."""
    books = [re.escape(a.alias) for a in rules.guideline_aliases() if a.family == "MTUS"]
    return re.compile(rf",?\s+and\s+(?=(?:MTUS\s+)?(?:{'|'.join(books)})\b)")
