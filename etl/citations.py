"""A guideline paragraph → its citations (source, document, year, section, pages).

2015+ letters write "Decision based on MTUS <book> <year>, Section(s): … . Decision based on
Non-MTUS Citation <ODG chapter> …"; 2013–14 letters write prose ("The Expert Reviewer based
his/her decision on the <book> (2009), <topic>, pages 74-96, which is part of the MTUS.").
Books, chapters and the names of the guidelines themselves come from `etl/rules/guidelines.csv`,
edition noise ("(updated 05/10/16)", "Online Version") from `etl/rules/guideline-noise.csv`.

A non-MTUS sentence may name several guidelines ("ODG, Pain Chapter, Opioids and UpToDate: …",
"… and Other Medical Treatment Guidelines http://…"): each is its own citation. One that lists
several ODG chapters ("Low back, Manipulation; Neck and Upper back, Manipulation") gives one
citation per chapter. Noise is blanked with spaces rather than cut out, so a position found in
the blanked sentence also slices the sentence as written (the citation's `text`).
"""

from __future__ import annotations

import re
from functools import cache, lru_cache
from typing import NamedTuple

from etl import rules
from etl.records import Citation

_DECISION_BASED_ON = re.compile(r"Decision based on\s+")
_PROSE_SENTENCE = re.compile(
    r"[^.]*?\b(?:based (?:its|his/her|his|her|their) decision on|relied (?:up)?on|also cited)\s+"
    r"(?P<body>(?:[^.]|\.(?=\S)|\.\s+(?=\d))*\.)",
)
_NOT_CITED = re.compile(r"did not cite any", re.IGNORECASE)
_OUTSIDE_MTUS = re.compile(r"based their decision on recommendation\(s\) outside of the MTUS")
# What may stand between the guideline's name and its chapter: punctuation, the edition year,
# "Chapter 7", "Chapter:", "14th Edition" (when not blanked as noise).
_LEAD_FILLER = re.compile(
    r"[\s:,\-–/()]+|(?P<year>(?:19|20)\d{2})(?![\d/])|Chapters?(?:\s+\d+)?\b"
    r"|\d{1,2}(?:st|nd|rd|th)\s+Edition\b",
    re.IGNORECASE,
)
_QUALIFIER = re.compile(r"(?:\s*\b(?:chapters?(?:\s+\d+\b)?|sections?|guidelines?)\b)+", re.IGNORECASE)
_CHAPTER_LIST = re.compile(r"\s*[,;]\s*|\s+(?:and|&)\s+", re.IGNORECASE)
_CHAPTER_FOLLOWER = re.compile(r"\s*(?:$|[,.;:/(\-–])|\s+(?:chapters?|sections?|and|&)(?!\w)", re.IGNORECASE)
# Before a guideline's name: what joins it to the previous one ("…, Opioids and UpToDate").
_JOINER = re.compile(
    r"(?:(?P<stop>[.;])|,|(?P<word>\s(?:and|&|as well as)))\s*(?P<the>the\s+)?\Z", re.IGNORECASE
)
_JOINER_REACH = 16
_TAIL_MARKS = (" and", "&", ";", ". ")  # the joiners after which an MTUS sentence may go on
# "Non-MTUS Citation", or the "the" of "… and the UpToDate …" (when a guideline's name follows).
_OPENING = re.compile(r"(?:the\s+)?(?P<label>Non-MTUS(?:\s+Citation)?)|the\s+", re.IGNORECASE)
_AND = re.compile(r"\band\s+", re.IGNORECASE)
_SEMICOLON = re.compile(r";\s+")
_SEPARATORS = re.compile(r"[\s,:-]*")
_MTUS_WORD = re.compile(r"MTUS\s+")
_YEAR_AFTER = re.compile(
    r"^[\s,]*(?:\((?=[^()]*(?:ACOEM|Edition))[^()]*?\(?((?:19|20)\d{2})\)?[^()]*\)"
    r"|\(?(?:(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?\s+(?:\d{1,2},?\s+)?)?"
    r"((?:19|20)\d{2})\)?(?![\d/]))"
)
_SECTIONS = re.compile(r"Section(?:\(s\)|s)?\s*:\s*", re.IGNORECASE)
_PAGE_NUMBERS = r"\d+(?:\s*(?:[-–]|to)\s*\d+)?"
_PAGES = re.compile(
    r"(?=[pP])(?<![\w/.=?&-])(?:Page\(s\)|(?:pages?|pgs?|pp|p)\b)\.?\s*:?\s*"
    rf"(?P<pages>{_PAGE_NUMBERS}(?:\s*(?:,\s*(?:and|&)?|and|&)\s*{_PAGE_NUMBERS})*)(?:\s+of\s+\d+)?\)?",
    re.IGNORECASE,
)
_PAGE_LIST = re.compile(r",|\band\b|&")
_PAGE_RANGE = re.compile(r"\s*(?:[-–]|to)\s*")
_URL = re.compile(
    r"\b(?:https?://|www\.)\S+"
    r"|(?<![\w.@/-])[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:gov|com|org|net|edu|int|info)(?:/\S*)?(?![\w-])",
    re.IGNORECASE,
)
_URL_TAIL = ".,;:!?)]'\""
_DOMAIN_HINT = re.compile(r"\.(?:gov|com|org|net|edu|int|info)\b")  # on lower-case text
_MTUS_CLAUSE = re.compile(
    r",?\s*(?:which|that)\s+(?:is|are)\s+(?:not\s+)?(?:a\s+)?(?:part of the (?:MTUS|Medical Treatment "
    r"Utilization Schedule)(?:\s*\(MTUS\))?|(?:an?\s+)?(?:evidence-based\s+)?medical\s+treatment\s+"
    r"guidelines?(?:\s*\(MTGs?\))?(?:,?\s+(?:that|which)\s+is\s+(?:not\s+)?part\s+of\s+the\s+MTUS)?)\.?$"
    r"|,?\s*(?:not\s+)?part of the MTUS\.?$",
    re.IGNORECASE,
)
_MTUS_PREFIX = re.compile(r"^(?:the\s+)?(?:CA\s+|California\s+)?MTUS\s*(?:\(\w+\)\s*)?", re.IGNORECASE)
_IN_MTUS = re.compile(r"(?<!not )part of the (?:MTUS|Medical Treatment Utilization)")
_WRAPPED = re.compile(r"\((.*)\)")
_CHAPTER_NUMBER = re.compile(r"^(?:chapter|ch\.)\s*\d+\b[\s,;:.]*", re.IGNORECASE)
_FILLER = re.compile(r"(?:the|a|an|and|of|which|that|these|those)", re.IGNORECASE)
_ARTICLE = re.compile(r"^the\s+", re.IGNORECASE)
_TOPIC_COLON = re.compile(r"(?<=[^\W\d_])\s*:(?=\s)")  # "UpToDate: Lumbar stenosis", not "2009;10(2):113"
_BLANK_RUN = re.compile(r"\s*([,;:]?)\s{2,}([,;:]?)\s*")
_EDGE = " ,;:-–/."
_TOPIC_MARKS = ",;:-–/."
# Flexible spelling of a rule phrase: "Forearm, Wrist & Hand" also reads "Forearm, Wrist, and
# Hand", "Low Back - Lumbar & Thoracic" also "Low Back, Lumbar and Thoracic".
_PHRASE_TOKEN = re.compile(r"\{\w+\}|&|\band\b|\w+|['’]|[^\w\s,\-–—'’]", re.IGNORECASE)
# Between a phrase's words; ASCII only (a non-ASCII character in a class makes each gap slow to
# compile), so an en or em dash is allowed only where the phrase itself has a dash.
_PHRASE_GAP = r"[\s,:-]*"
_PHRASE_DASH_GAP = r"[\s,:-]*(?:(?:–|—)[\s,:-]*)?"
_APOSTROPHE = "(?:'|’)?"
_DASHES = ("-", "–", "—")
_PLACEHOLDERS = {
    "{date}": r"(?:\d{1,2}[/.-]\d{1,2}[/.-](?:\d{4}|\d{2})(?!\d)|\d{1,2}/(?:\d{4}|\d{2})(?!\d)"
    r"|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+(?:\d{1,2},?\s+)?\d{4}"
    r"|(?:19|20)\d{2}(?!\d))",
    "{ordinal}": r"\d{1,2}(?:st|nd|rd|th)",
}
_KEY_WORD = re.compile(r"[a-z0-9]+")
_PLACEHOLDER = re.compile(r"\{\w+\}")


class _Piece(NamedTuple):
    """One citation's stretch of a sentence: `text` as written, `body` blanked and without the
    guideline's name; `title` the edition's title (a document when no chapter is named)."""

    text: str
    body: str
    year: int | None = None
    title: str | None = None


class _Mention(NamedTuple):
    """A guideline named in a sentence (ODG, ACOEM, UpToDate, a web address)."""

    start: int
    end: int
    family: str
    address: bool = False


def parse_guidelines(paragraph: str) -> list[Citation]:
    """Citations of one guideline paragraph; boilerplate without a guideline gives none.

    Letters repeat the same guideline sentences endlessly (in ever new combinations), so
    results are cached by paragraph and by sentence; each call gets its own copies."""
    return [
        {**citation, "pages": list(citation["pages"])}  # a Citation, with its own page list
        for citation in _paragraph_citations(" ".join(paragraph.split()))
    ]


@lru_cache(maxsize=32768)
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
    return tuple(
        citation
        for match in _PROSE_SENTENCE.finditer(flat)
        for citation in _prose_citations(match.group(0).strip(), match.group("body").strip())
    )


@lru_cache(maxsize=8192)
def _sentence_citations(sentence: str) -> tuple[Citation, ...]:
    blanked = _blank_noise(sentence)
    mtus_end, others_start = _mtus_end(blanked) if sentence.startswith("MTUS") else (0, 0)
    mtus = [
        _citation(_mtus_piece(sentence[start:end].strip(), blanked[start:end].strip()), "MTUS")
        for start, end in (_mtus_parts(blanked, mtus_end) if mtus_end else ())
    ]
    if others_start >= len(sentence):
        return tuple(mtus)
    return (
        *mtus,
        *(
            _citation(piece, source)
            for start, end, source in _guidelines(blanked, others_start)
            for piece in _chapters(sentence, blanked, start, end, source)
        ),
    )


@lru_cache(maxsize=8192)
def _prose_citations(sentence: str, written_body: str) -> tuple[Citation, ...]:
    """2013–14: one citation per guideline the sentence names, each with the sentence as text
    (cached: the same sentences recur in letter after letter, as the 2015+ ones do)."""
    body = _MTUS_CLAUSE.sub("", written_body).strip()
    blanked = _blank_noise(body)
    citations, others_start = [], 0
    if _IN_MTUS.search(sentence) or _MTUS_PREFIX.match(body):
        mtus_end, others_start = _mtus_end(blanked)  # "…, which is part of the MTUS, and the ODG …"
        mtus = _MTUS_CLAUSE.sub("", blanked[:mtus_end].rstrip(" ,"))
        citations.append(_citation(_mtus_piece(sentence, mtus), "MTUS"))
    if others_start < len(blanked):
        for start, end, source in _guidelines(blanked, others_start):
            first = _chapters(body, blanked, start, end, source)[0]
            citations.append(_citation(_Piece(sentence, first.body, first.year, first.title), source))
    return tuple(citations)


def _mtus_piece(text: str, blanked: str) -> _Piece:
    body = _MTUS_PREFIX.sub("", blanked)
    end, year, _ = _lead(body, 0, len(body), "MTUS")
    return _Piece(text, body[end:], year)


def _mtus_parts(blanked: str, end: int) -> list[tuple[int, int]]:
    """ ", and Chronic Pain Medical Treatment 2016, …" starts a second MTUS citation."""
    bounds = [0]
    books = _alias_pattern("MTUS")
    for split in _AND.finditer(blanked, 0, end) if " and " in blanked.lower() else ():
        if books.match(blanked, _skip(_MTUS_WORD, blanked, split.end(), end), end):
            before = blanked[: split.start()].rstrip()
            bounds += [len(before) - before.endswith(","), split.end()]
    bounds.append(end)
    return [(bounds[i], bounds[i + 1]) for i in range(0, len(bounds), 2)]


def _mtus_end(blanked: str) -> tuple[int, int]:
    """Where an MTUS sentence's books end and the non-MTUS guideline it goes on to name begins
    ("MTUS …, Section(s): Opioids, and ODG Pain Chapter"); (len, len) when it names none. Only
    after "and", ";" or ".", not a comma, which introduces what the book is ("MTUS Low Back
    Complaints, ACOEM Practice Guidelines, 2nd Edition"); an MTUS book stays MTUS ("and ACOEM
    Low Back Disorders")."""
    lowered = blanked.lower()
    if not any(mark in lowered for mark in _TAIL_MARKS):
        return len(blanked), len(blanked)
    books = _alias_pattern("MTUS")
    for mention in _mentions(blanked):
        joiner = _joiner(blanked, mention)
        if not joiner or not (joiner.group("word") or joiner.group("stop")):
            continue
        if not books.match(blanked, joiner.start("the") if joiner.group("the") else mention.start):
            return _bounds(joiner, mention)
    return len(blanked), len(blanked)


def _guidelines(blanked: str, start: int = 0) -> list[tuple[int, int, str]]:
    """(start, end, source) of each guideline a non-MTUS sentence names.

    Another guideline starts where a differently named one follows a joiner ("…, Opioids and
    UpToDate", "ACOEM guidelines and the ODG"), where a new sentence names one ("… . Official
    Disability Guidelines (ODG) …"), or where a second other source follows "and"/";". The same
    guideline named again ("Manipulation and ODG Chiropractic Guidelines") stays in the topic."""
    spans: list[tuple[int, int, str]] = []
    family = None
    for mention in _mentions(blanked):
        if mention.start < start:
            continue
        if family is None:
            family = mention.family
            continue
        joiner = _joiner(blanked, mention)
        if not joiner or not _starts_another(family, mention, joiner):
            continue
        end, following = _bounds(joiner, mention)
        spans.append((start, end, family))
        start, family = following, mention.family
    spans.append((start, len(blanked), family or "Other"))
    return spans


def _joiner(blanked: str, mention: _Mention) -> re.Match[str] | None:
    return _JOINER.search(blanked, max(0, mention.start - _JOINER_REACH), mention.start)


def _bounds(joiner: re.Match[str], mention: _Mention) -> tuple[int, int]:
    """Where the citation before a joiner ends (keeping its "," ";" or ".", not "and") and the
    next begins (at "the" when written)."""
    end = joiner.start() + (0 if joiner.group(0)[0].isspace() else 1)
    return end, joiner.start("the") if joiner.group("the") else mention.start


def _starts_another(family: str, mention: _Mention, joiner: re.Match[str]) -> bool:
    """A differently named guideline after any joiner; the same one named again after "." or
    ";"; a second other source (two web addresses) after "and" or ";" — but a web address
    after its source's name ("Other Medical Treatment Guidelines http://…") is that source's."""
    if mention.family != family:
        return True
    if joiner.group("stop") and not mention.address:
        return True
    return family == "Other" and bool(joiner.group("word") or joiner.group("stop") == ";")


def _mentions(blanked: str) -> list[_Mention]:
    """Guideline names and web addresses in order; a name inside an address is the address."""
    families = _source_families()
    names = [
        _Mention(match.start(), match.end(), families[_key(match.group())])
        for match in _source_pattern().finditer(blanked)
    ]
    urls = [_Mention(start, end, "Other", address=True) for start, end in _urls(blanked)]
    if not urls:
        return names
    names = [name for name in names if not any(url.start <= name.start < url.end for url in urls)]
    return sorted(urls + names, key=lambda mention: mention.start)


def _urls(text: str) -> list[tuple[int, int]]:
    """Web addresses, without the sentence's punctuation after them (a ")" only when unopened)."""
    if "://" not in text and "www" not in text.lower() and not _DOMAIN_HINT.search(text.lower()):
        return []
    spans = []
    for match in _URL.finditer(text):
        url = match.group()
        while url and url[-1] in _URL_TAIL and not (url[-1] == ")" and url.count("(") >= url.count(")")):
            url = url[:-1]
        spans.append((match.start(), match.start() + len(url)))
    return spans


def _chapters(text: str, blanked: str, start: int, end: int, source: str) -> list[_Piece]:
    """The pieces of one guideline's stretch: one per chapter it lists ("Shoulder Chapter, Hand
    Chapter, Physical therapy." → two; "Low back, Manipulation; Neck and Upper back, …" → two);
    the first keeps the guideline's name in its text."""
    body_start, year, title = _lead(blanked, start, end, source)
    pattern = _alias_pattern(source)
    pieces: list[_Piece] = []
    text_start = start
    parts = _semicolon_parts(blanked, body_start, end, source)
    for index, (part_start, part_end) in enumerate(parts):
        if index:
            text_start = body_start = part_start
        position = part_start
        while chapter := pattern.match(blanked, position, part_end):
            after = _skip(_QUALIFIER, blanked, chapter.end(), part_end)
            separator = _CHAPTER_LIST.match(blanked, after, part_end)
            following = separator and pattern.match(blanked, separator.end(), part_end)
            if not following or not _lists_a_chapter(blanked, following, part_end):
                break
            cut = after + _kept(separator.group())
            pieces.append(_Piece(text[text_start:cut].strip(), blanked[body_start:cut], year, title))
            text_start = body_start = position = separator.end()
        if index < len(parts) - 1:
            piece_text = text[text_start:part_end].strip()
            pieces.append(_Piece(piece_text, blanked[body_start:part_end], year, title))
    pieces.append(_Piece(text[text_start:end].strip(), blanked[body_start:end], year, title))
    return pieces


def _lists_a_chapter(blanked: str, name: re.Match[str], end: int) -> bool:
    """Whether a chapter's name after a separator is another chapter of the list, not the start
    of a topic ("Knee Chapter, Knee brace"): it says "Chapter", or a mark or the end follows."""
    return "chapter" in name.group().lower() or bool(_CHAPTER_FOLLOWER.match(blanked, name.end(), end))


def _kept(separator: str) -> int:
    """How much of a separator stays with the piece before it: its "," or ";", not "and"."""
    mark = separator.strip()
    return separator.index(mark) + 1 if mark in (",", ";") else 0


def _skip(pattern: re.Pattern[str], text: str, start: int, end: int) -> int:
    match = pattern.match(text, start, end)
    return match.end() if match else start


def _semicolon_parts(blanked: str, start: int, end: int, source: str) -> list[tuple[int, int]]:
    """ "Low back, Manipulation; Neck and Upper back, Manipulation": each chapter after a ";"
    starts another part; a part ends just after its ";"."""
    parts = []
    chapters = _alias_pattern(source)
    for split in _SEMICOLON.finditer(blanked, start, end):
        if chapters.match(blanked, split.end(), end):
            parts.append((start, split.start() + 1))
            start = split.end()
    return [*parts, (start, end)]


def _names_a_guideline(blanked: str, start: int, end: int) -> bool:
    return bool(_source_pattern().match(blanked, start, end) or _URL.match(blanked, start, end))


def _lead(blanked: str, start: int, end: int, source: str) -> tuple[int, int | None, str | None]:
    """Where the body starts after "Non-MTUS Citation", the guideline's names ("Official
    Disability Guidelines (ODG), Treatment in Workers' Comp, 2016,"), with the edition year and
    the edition's title they hold."""
    position, year, title = start, None, None
    prefix = _OPENING.match(blanked, position, end)
    if prefix and (prefix.group("label") or _names_a_guideline(blanked, prefix.end(), end)):
        position = prefix.end()
    names = _lead_pattern()
    while position < end:
        name = names.match(blanked, position, end)
        if name:
            alias = _lookup().get((source, _key(name.group("name"))))
            title = title or (alias.document if alias and alias.role == "title" else None)
        else:
            name = _LEAD_FILLER.match(blanked, position, end)
            if name and name.group("year"):
                year = int(name.group("year"))
        if not name or name.end() == position:
            break
        position = name.end()
    return position, year, title


def _citation(piece: _Piece, source: str) -> Citation:
    body, pages = _pages(piece.body)
    document, rest = _document(body.lstrip(), source)
    year = piece.year
    year_match = _YEAR_AFTER.match(rest) if document else None
    if year_match:
        year = int(year_match.group(1) or year_match.group(2))
        rest = rest[_skip(_QUALIFIER, rest, year_match.end(), len(rest)) :]
    described = _SEPARATORS.match(rest)
    if document and _lead_pattern().match(rest, described.end()):
        end, edition, _ = _lead(rest, described.end(), len(rest), source)
        rest, year = rest[end:], year or edition
    sections = _SECTIONS.search(rest)
    if sections:
        rest = rest[sections.end() :]
    return Citation(
        text=piece.text,
        source=source,
        document=document or piece.title,
        year=year,
        section=_clean_section(rest),
        pages=pages,
    )


def _pages(body: str) -> tuple[str, list[str]]:
    """The body without its page references, and the pages ("Page(s): 41-42, 64", "pp. 8-9",
    "pg 79", "pages 74 to 96"; "of 127" is the book's length, not a page)."""
    pages: list[str] = []
    kept: list[str] = []
    position = 0
    for match in _PAGES.finditer(body):
        listed = _PAGE_LIST.split(match.group("pages"))
        pages += [_PAGE_RANGE.sub("-", page.strip()) for page in listed if page.strip()]
        kept.append(body[position : match.start()].rstrip(" ,;("))
        position = match.end()
    kept.append(body[position:])
    return "".join(kept), pages


def _document(body: str, source: str) -> tuple[str | None, str]:
    """The canonical book or chapter and the text that names its section. Another source known
    by name is its document only when its topic follows a mark ("UpToDate: Lumbar stenosis",
    "American Pain Society guidelines"); else its whole title is ("CDC Guideline for …")."""
    pattern = _alias_pattern(source)
    match = pattern.match(body) or (pattern.search(body) if source != "Other" else None)
    after = body[_skip(_QUALIFIER, body, match.end(), len(body)) :] if match else ""
    if not match or (source == "Other" and after.strip() and after.lstrip()[0] not in _TOPIC_MARKS):
        return _named_work(body) if source == "Other" else (None, body)
    document = _lookup()[(source, _key(match.group()))].document
    if match.start() > 0 and not after.strip(_EDGE):
        return document, body[: match.start()]  # "MRI shoulder": the topic comes first
    return document, after


def _named_work(body: str) -> tuple[str | None, str]:
    """Another source: a web address is its document (a title before it is the topic);
    otherwise its name as written ("Medscape Reference."), with a topic after a colon."""
    urls = _urls(body)
    if urls:
        start, end = urls[0]
        return body[start:end], f"{body[:start].strip(_EDGE)}  {body[end:]}"
    colon = _TOPIC_COLON.search(body) if ":" in body else None
    name, topic = (body[: colon.start()], body[colon.end() :]) if colon else (body, "")
    return (_ARTICLE.sub("", _tidy(name)) or None), topic


def _tidy(text: str) -> str:
    """Whitespace collapsed, edges trimmed, and where noise was blanked one separator left:
    "Opioids (updated 5/10/16), criteria" → "Opioids, criteria"."""
    if "  " in text:
        text = _BLANK_RUN.sub(lambda m: f"{m.group(1) or m.group(2)} ", text)
    return " ".join(text.split()).strip(_EDGE)


def _clean_section(rest: str) -> str | None:
    """The section as written, without a leading "Chapter 12," (a chapter's number names no
    topic) and never a lone filler word."""
    rest = _CHAPTER_NUMBER.sub("", _tidy(rest))
    unwrapped = _WRAPPED.fullmatch(rest)
    if unwrapped and unwrapped.group(1).count("(") == unwrapped.group(1).count(")"):
        rest = unwrapped.group(1).strip(_EDGE)
    return None if not rest or _FILLER.fullmatch(rest) else rest


def _blank_noise(text: str) -> str:
    """The text with edition noise replaced by as many spaces (positions stay valid)."""
    lowered = text.lower()
    if not any(hint in lowered for hint in _noise_hints()):
        return text
    return _noise_pattern().sub(lambda m: " " * len(m.group()), text)


@lru_cache(maxsize=1024)
def _key(text: str) -> str:
    """One spelling for all the ways a rule phrase may be written."""
    return " ".join(_KEY_WORD.findall(text.lower().replace("&", " and ")))


def _flexible(phrase: str) -> str:
    """A rule phrase as a regex that allows its variant spellings (see _PHRASE_TOKEN). An
    apostrophe is optional and sticks to its word, so that no two gaps meet (a run of spaces
    could otherwise be shared between them in many ways: backtracking); parentheses hold their
    words tight ("(Chronic)"), so that "(chronic" is a test for the phrase (_noise_hints)."""
    regex, end, previous = "", 0, ""
    for match in _PHRASE_TOKEN.finditer(phrase):
        token, gap = match.group(), phrase[end : match.start()]
        end = match.end()
        if token in ("'", "’"):
            regex += _APOSTROPHE
            continue
        if regex and previous != "(" and token != ")":
            regex += _PHRASE_DASH_GAP if any(dash in gap for dash in _DASHES) else _PHRASE_GAP
        previous = token
        if token in _PLACEHOLDERS:
            regex += _PLACEHOLDERS[token]
        elif token.lower() in ("&", "and"):
            regex += "(?:&|and)"
        else:
            regex += re.escape(token)
    return regex


def _alternation(phrases: list[str]) -> str:
    """Phrases as whole words, led by a lookahead of their first characters: the regex engine
    then skips every other position quickly (a search is about four times faster)."""
    return _first_characters(phrases) + r"(?<!\w)(?:" + _branches(phrases) + r")(?!\w)"


def _branches(phrases: list[str]) -> str:
    """The phrases' regexes with those starting with the same letter under one branch ("[pP](?:ain
    Chapter|ain)"): the engine tries one branch at a position instead of every phrase (twice as
    fast with some fifty phrases); the rule file's order (longest first) is kept within a branch."""
    groups: dict[str, list[str]] = {}
    for phrase in phrases:
        regex = _flexible(phrase)
        letter = regex[0].isalnum()
        groups.setdefault(regex[0].lower() if letter else regex, []).append(regex[1:] if letter else regex)
    return "|".join(
        f"[{key}{key.upper()}](?:{'|'.join(rests)})" if len(key) == 1 and key.isalnum() else rests[0]
        for key, rests in groups.items()
    )


def _first_characters(phrases: list[str]) -> str:
    characters: set[str] = set()
    for phrase in phrases:
        first = _PHRASE_TOKEN.search(phrase)
        token = first.group() if first else ""
        if token == "{ordinal}":
            characters.update("0123456789")
        elif not token or token in _PLACEHOLDERS:
            return ""
        elif token.lower() in ("&", "and"):
            characters.update("&aA")
        else:
            characters.update((token[0].lower(), token[0].upper()))
    return "(?=[" + re.escape("".join(sorted(characters))) + "])" if characters else ""


@cache
def _lookup() -> dict[tuple[str, str], rules.GuidelineAlias]:
    table: dict[tuple[str, str], rules.GuidelineAlias] = {}
    for alias in rules.guideline_aliases():
        table.setdefault((alias.family, _key(alias.alias)), alias)
    return table


@cache
def _source_families() -> dict[str, str]:
    """Spelling key → family of every name that starts a guideline (ODG, ACOEM, UpToDate …)."""
    return {_key(a.alias): a.family for a in rules.guideline_aliases() if _is_source_name(a)}


def _is_source_name(alias: rules.GuidelineAlias) -> bool:
    return alias.role == "source" or (alias.family == "Other" and alias.role == "chapter")


@cache
def _source_pattern() -> re.Pattern[str]:
    names = [a.alias for a in rules.guideline_aliases() if _is_source_name(a)]
    return re.compile(_alternation(names), re.IGNORECASE)


@cache
def _lead_pattern() -> re.Pattern[str]:
    names = [a.alias for a in rules.guideline_aliases() if a.role in ("source", "title")]
    return re.compile(
        r"(?:the\s+)?(?P<name>" + _alternation(names) + r")(?:\s+(?:Practice\s+)?Guidelines?\b)?",
        re.IGNORECASE,
    )


@cache
def _alias_pattern(family: str) -> re.Pattern[str]:
    aliases = [a.alias for a in rules.guideline_aliases() if a.family == family and a.role == "chapter"]
    return re.compile(_alternation(aliases), re.IGNORECASE)


@cache
def _noise_pattern() -> re.Pattern[str]:
    return re.compile(_alternation(list(rules.guideline_noise())), re.IGNORECASE)


@cache
def _noise_hints() -> frozenset[str]:
    """One word each noise phrase cannot be written without (with its "(" when it opens the
    phrase): a sentence holding none has no noise, and most sentences hold none. The word is
    one the guidelines' names do not use when the phrase has such a word ("index", not
    "treatment", for "Treatment Index"), so that the test rarely passes in vain."""
    common = {word for alias in rules.guideline_aliases() for word in _KEY_WORD.findall(alias.alias.lower())}
    hints = set()
    for phrase in rules.guideline_noise():
        words = [w for w in _KEY_WORD.findall(_PLACEHOLDER.sub(" ", phrase.lower())) if not w.isdigit()]
        rare = [w for w in words if w not in common] or words
        hint = max(rare, key=len)
        opening = re.match(r"\(\s*(\w+)", phrase)
        hints.add("(" + hint if opening and opening.group(1).lower() == hint else hint)
    return frozenset(hints)
