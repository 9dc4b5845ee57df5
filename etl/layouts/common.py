"""Pieces every layout shares: header dates, the case summary, reviewer credentials.

All functions take normalised text and return plain values; a piece that cannot be read gives
None (or an empty list) and the caller records a warning.
"""

from __future__ import annotations

import re
from datetime import date
from functools import cache, lru_cache
from typing import NamedTuple, TypedDict

from etl import rules

DATE = r"\d{1,2}\s*[/-]\s*\d{1,2}\s*[/-]\s*\d{2,4}"
MONTHS = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
NAMED_DATE = r"(?:" + "|".join(m.capitalize() for m in MONTHS) + r")\s+\d{1,2},?\s+\d{4}"
_DATE_PARTS = re.compile(r"\s*[/-]\s*")
_NAMED_PARTS = re.compile(r"([A-Za-z]+)\s+(\d{1,2}),?\s+(\d{4})")
_SPECIALTY_LIST = re.compile(r"\s*[,;]\s*")
_HEADER_LABELS = {
    "date_assigned": r"Date\s+Assigned",
    "date_of_injury": r"Date\s+of\s+Injury",
    "decision_date": r"Decision\s+Date|Dated",
    "ur_denial_date": r"UR\s+Denial\s+Date",
    "application_received": r"Application\s+Received",
}
_HEADER_STOPS = r"HOW THE IMR|DOCUMENTS REVIEWED|CLINICAL CASE SUMMARY|DEAR\b|Dear\b"
# The first characters any header token can start with (a date starts with a digit): the regex
# engine skips every other position at once.
_HEADER_TOKEN_STARTS = "".join(
    sorted({word[0] for words in (*_HEADER_LABELS.values(), _HEADER_STOPS) for word in words.split("|")})
)
_HEADER_TOKENS = re.compile(
    rf"(?=[{_HEADER_TOKEN_STARTS}\d])(?:"
    + "|".join(f"(?P<{key}>(?:{label})\\s*:)" for key, label in _HEADER_LABELS.items())
    + f"|(?P<date>{DATE})"
    + f"|(?P<stop>{_HEADER_STOPS}))",
)
_HEADER_ENDS = ("HOW THE IMR", "DOCUMENTS REVIEWED", "CLINICAL CASE SUMMARY", "DEAR ", "Dear ")
_CASE_NUMBER = re.compile(r"\bCM\d{2}-\d{5,8}\b")
_PRIORITY = re.compile(r"Priority\s*:\s*(Standard|Expedited|Regular|Urgent)", re.IGNORECASE)
# "\b(\d{1,3}) …" led by the digit, with the word boundary checked behind it: a regex that starts
# with a character set is scanned for at C speed, one that starts with "\b" is tried at every
# position (the same matches; a case summary's search 3.9 -> 2.3 us).
_AGE_WORDS = r"(\d(?<!\w\d)\d{0,2})\s*-?\s*(?:year|yr)s?\s*-?\s*old\b"
_AGE_GENDER = re.compile(_AGE_WORDS + r"[^.]{0,40}?\b(male|female|man|woman|gentleman|lady)\b", re.IGNORECASE)
_AGE = re.compile(_AGE_WORDS, re.IGNORECASE)
_GENDER = re.compile(r"\b(male|female|man|woman|gentleman|lady)\b", re.IGNORECASE)
_GENDERS = {
    "male": "male",
    "man": "male",
    "gentleman": "male",
    "female": "female",
    "woman": "female",
    "lady": "female",
}
_INJURY_DATE = re.compile(
    r"(?=[ica])"  # where one of the words can start: other positions are skipped at once
    rf"(?:injury|injured|claim|accident)\b[^.]{{0,40}}?\b(?:on|of|from|dated)\s+({DATE}|{NAMED_DATE})",
    re.IGNORECASE,
)
_STATES_LINE = re.compile(r"State\(s\) of Licensure\s*:\s*(.*?)\s*(?=Certification|\Z)", re.S)
_SPECIALTY_LINE = re.compile(
    r"Certification\(s\)\s*/\s*Specialty\s*:\s*(.*?)\s*(?=CLINICAL CASE SUMMARY|\Z)", re.S
)
_PROSE_CREDENTIALS = re.compile(
    r"Board[\s-]+Certified\s+in\s+(?P<specialties>.+?)"
    r"(?:,?\s+and\s+(?:is\s+)?(?:licensed|has a license)\s+to\s+practice\s+in\s+(?P<states>[^.]+?))?\s*\.",
    re.S | re.IGNORECASE,
)
_PROSE_STATES = re.compile(
    r"(?:licensed|has a license)\s+to\s+practice\s+in\s+(?P<states>[^.]+?)\s*\.", re.IGNORECASE
)
_SUBSPECIALTY = re.compile(r",?\s*(?:and\s+)?(?:has a |with a )?sub-?specialty (?:certification )?in\s+")
# A modified request: "X was the original request. X' was authorized by the Claims Administrator.
# The remaining IMR eligible portion of the original request, Y is: Upheld" decides Y.
_WAS_THE_ORIGINAL_REQUEST = re.compile(r"\s+was\s+the\s+original\s+request\b", re.IGNORECASE)
_DECIDED_PORTION = re.compile(
    r"(?:remaining\s+IMR\s+eligible\s+portion\s+of\s+the\s+original\s+request|"
    r"(?-i:The)\s+original\s+request(?=\s*,))\s*,?\s*",
    re.IGNORECASE,
)
_TRAILING_IS = re.compile(r"\s+is\s*:?\s*$")
# Written in lower case and compiled twice: case-insensitive, and as is for the lower-cased text when
# it is ASCII (the same matches), where the regex engine scans for the phrases' first letters
# instead of trying each position (2.4 -> 0.7 us a sentence end; one or two a letter).
_MODIFIED_REQUEST_WORDS = (
    r"(?:was\s+the\s+original\s+request|authorized\s+by\s+the\s+claims\s+administrator|"
    r"original\s+request\s+imr\s+eligible|modified\s+by\s+the\s+claims\s+administrator)\s*[.!?]$"
)
_MODIFIED_REQUEST_SENTENCE = re.compile(_MODIFIED_REQUEST_WORDS, re.IGNORECASE)
_MODIFIED_REQUEST_SENTENCE_LOWER = re.compile(_MODIFIED_REQUEST_WORDS)
_LIST_SEPARATORS = re.compile(r"\s*(?:,|;|/|\band\b|&(?=\s*[A-Z][a-z]+\s*$))\s*")


class Label(NamedTuple):
    """Where a label phrase occurs (a tuple: a letter has dozens)."""

    kind: str
    start: int
    end: int


def find_labels(flat: str, phrases: dict[str, tuple[str, ...]], start: int = 0) -> list[Label]:
    """Every occurrence of the given literal phrases, in text order.

    `flat` is the normalised text with line breaks turned into spaces (same length, so positions
    hold in the original); plain `str.find` is ten times faster here than a regex alternation.
    """
    labels = []
    for kind, variants in phrases.items():
        for phrase in variants:
            at = flat.find(phrase, start)
            while at != -1:
                labels.append(Label(kind, at, at + len(phrase)))
                at = flat.find(phrase, at + len(phrase))
    return sorted(labels, key=lambda label: label.start)


class Header(TypedDict):
    case_number: str | None
    date_of_injury: str | None
    date_assigned: str | None
    decision_date: str | None
    ur_denial_date: str | None
    application_received: str | None
    priority: str | None


@lru_cache(maxsize=65_536)  # letters repeat dates endlessly; a refresh parses millions of them
def iso_date(text: str) -> str | None:
    """Dates as letters write them ("10/20/2011", "10-13-16", "August 27, 2000") → ISO;
    None when it is not a real date."""
    named = _NAMED_PARTS.fullmatch(text.strip())
    if named:
        text = f"{MONTHS.index(named.group(1).lower()) + 1}/{named.group(2)}/{named.group(3)}"
    parts = _DATE_PARTS.split(text.strip())
    if len(parts) != 3:
        return None
    month, day, year = (int(p) for p in parts)
    if len(parts[2]) == 2:
        year += 2000 if year < 70 else 1900
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return None


def read_header(text: str, limit: int = 2500) -> Header:
    """Header dates, read label by label; a date goes to the oldest label still waiting for one,
    which keeps values right when the PDF put them a line after their labels."""
    flat = text[:limit].replace("\n", " ")
    end = limit
    for stop in _HEADER_ENDS:  # each search stops where the earliest heading found so far starts
        at = flat.find(stop, 0, end + len(stop))
        if at != -1:
            end = min(end, at)
    head = text[:end]
    dates: dict[str, str | None] = dict.fromkeys(_HEADER_LABELS)
    waiting: list[str] = []
    for token in _HEADER_TOKENS.finditer(head):
        kind = token.lastgroup
        if kind == "stop":
            break
        if kind == "date":
            if waiting:
                dates[waiting.pop(0)] = iso_date(token.group())
        elif kind and dates[kind] is None and kind not in waiting:
            waiting.append(kind)
    case = _CASE_NUMBER.search(head)
    priority = _PRIORITY.search(head)
    return Header(
        case_number=case.group() if case else None,
        priority=priority_of(priority.group(1)) if priority else None,
        **dates,  # type: ignore[typeddict-item]
    )


def priority_of(word: str) -> str:
    """ "Expedited" or "Standard", however the letter words it ("Urgent", "Regular")."""
    return "Expedited" if word.lower() in ("expedited", "urgent") else "Standard"


def patient(summary: str) -> tuple[int | None, str | None]:
    """Age and gender from the first "48 year old male" of the case summary."""
    both = _AGE_GENDER.search(summary)
    if both:
        return int(both.group(1)), _GENDERS[both.group(2).lower()]
    age = _AGE.search(summary)
    gender = _GENDER.search(summary[:400])
    return (int(age.group(1)) if age else None, _GENDERS[gender.group(1).lower()] if gender else None)


def injury_date(summary: str) -> str | None:
    match = _INJURY_DATE.search(summary)
    return iso_date(match.group(1)) if match else None


def states(phrase: str) -> tuple[list[str], list[str]]:
    """USPS codes of "California,North Carolina"; the names it could not read."""
    codes, unknown = [], []
    table = rules.states()
    for name in _LIST_SEPARATORS.split(" ".join(phrase.split())):
        name = name.strip(" .")
        if not name:
            continue
        code = table.get(name.lower())
        if code:
            codes.append(code)
        else:
            unknown.append(name)
    return codes, unknown


def listed_credentials(text: str) -> tuple[list[str], list[str], list[str]]:
    """2015+ "State(s) of Licensure:" and "Certification(s)/Specialty:" lines."""
    flat = text.replace("\n", " ")
    states_match = _STATES_LINE.search(flat)
    specialty_match = _SPECIALTY_LINE.search(flat)
    codes, unknown = states(states_match.group(1)) if states_match else ([], [])
    specialties = []
    if specialty_match:
        flat = " ".join(specialty_match.group(1).split())
        specialties = [s.strip(" .") for s in _SPECIALTY_LIST.split(flat) if s.strip(" .")]
    return codes, specialties, unknown


def prose_credentials(text: str) -> tuple[list[str], list[str], list[str]]:
    """2013–14 prose: "is Board Certified in X, has a subspecialty in Y and is licensed to practice
    in California and Texas." Specialty names are found from the specialty rule file, so names
    that contain "and" ("Physical Medicine and Rehabilitation") stay whole."""
    match = _PROSE_CREDENTIALS.search(text)
    if not match:
        state_match = _PROSE_STATES.search(text)
        codes, unknown = states(state_match.group("states")) if state_match else ([], [])
        return codes, [], unknown
    phrase = " ".join(match.group("specialties").split())
    phrase = _SUBSPECIALTY.sub(", ", phrase)
    codes, unknown = states(match.group("states")) if match.group("states") else ([], [])
    return codes, split_specialties(phrase), unknown


def split_specialties(phrase: str) -> list[str]:
    found = [m.group(0) for m in _specialty_pattern().finditer(phrase)]
    if found:
        return found
    return [p for p in _LIST_SEPARATORS.split(phrase) if p]


@cache
def _specialty_pattern() -> re.Pattern[str]:
    names = sorted(rules.specialties(), key=len, reverse=True)
    return re.compile(r"(?<!\w)(?:" + "|".join(re.escape(n) for n in names) + r")(?!\w)", re.IGNORECASE)


def modified_request(head: str) -> tuple[str, str | None]:
    """ "X was the original request. … The remaining … portion of the original request, Y is" →
    (Y, X): the decided portion and the original request; any other head → (head, None)."""
    original = _WAS_THE_ORIGINAL_REQUEST.search(head)
    if original is None or original.start() == 0:
        return head, None
    portion = _DECIDED_PORTION.search(head, original.end())  # two searches, not one regex: linear
    decided = _TRAILING_IS.sub("", head[portion.end() :]).strip(" :,") if portion else ""
    if not decided:
        return head, None
    return decided, head[: original.start()].strip()


def closes_modified_request_sentence(text: str) -> bool:
    """Whether `text` ends with a sentence of a modified request's head ("… was the original
    request."), which belongs to the treatment that follows, not to the text before."""
    if text.isascii():
        return _MODIFIED_REQUEST_SENTENCE_LOWER.search(text.lower()) is not None
    return _MODIFIED_REQUEST_SENTENCE.search(text) is not None


def section(text: str, starts: tuple[str, ...], ends: tuple[str, ...]) -> str:
    """The text after the first heading of `starts` up to the first of `ends` (empty when absent).

    Headings are literal and read with line breaks as spaces, so a wrapped heading still counts."""
    flat = text.replace("\n", " ")
    begins = [(at, at + len(s)) for s in starts if (at := flat.find(s)) != -1]
    if not begins:
        return ""
    begin = min(begins)[1]
    stops = [at for end in ends if (at := flat.find(end, begin)) != -1]
    return text[begin : min(stops, default=len(text))]


def contains_any(text: str, phrases: tuple[str, ...]) -> bool:
    """Whether any literal phrase occurs, line breaks read as spaces."""
    flat = text.replace("\n", " ")
    return any(phrase in flat for phrase in phrases)


def collapse(text: str) -> str:
    return " ".join(text.split())
