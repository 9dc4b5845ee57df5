"""Rationale → reason codes: why a decision went its way (`../shared/reference/reasons.md`).

Pure, like the parser. The patterns live in `etl/rules/reasons.csv` (one row per way of stating a
ground) and the scope words in `etl/rules/reason-scope.csv` (negation, clause breaks, guideline
quotes, the closing verdict); this module only applies them:

- a row fires on a sentence when its pattern matches inside one clause, with the negation the
  row asks for ("no documentation of functional improvement", not "there is documentation of");
- a sentence that only reports what a guideline says ("ODG recommends 10 visits") is a quote,
  not a ground, unless the row's scope is "any"; a "case_only" row needs a sentence about this
  patient or request; the closing verdict ("Therefore, the request … is not medically
  necessary") is no ground;
- fallback rows (a guideline's plain refusal, the bare "is medically necessary") count only when
  no other row found a ground for the item;
- each code at most once per item, with the first sentence that states it as evidence.

Speed: the parser tags every item, so patterns are not searched through the text one by one.
One Aho-Corasick automaton per decision holds the literal beginnings of every rule and scope
pattern (read from the regexes themselves) and the words each rule's every match contains; one
pass over a sentence finds where a rule may start (if its words are there) and where a negation,
clause break, quote or case cue may, and regexes are tried there only. Answers are cached per
sentence.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, lru_cache
from re import _constants as sre  # the parsed form of a regex, to read its literal beginnings
from re import _parser as sre_parse
from typing import TypedDict

import ahocorasick

from etl.rules import reason_rules, reason_scope

# A sentence ends at . ! ? (perhaps closed by a quote or bracket) followed by space and a capital,
# digit or opening mark, except after the abbreviations letters use ("e.g.", "Dr.", "No."). The
# abbreviations are grouped by length, one look-behind per length (a look-behind has one width):
# each period costs 4 look-behinds instead of 16.
_SENTENCE_END_AFTER_MARK = (
    r"(?i:(?<!\b[a-z]\.)(?<!\b(?:vs|dr|mr|ms|no|pg|pp|ca|st)\.)(?<!\b(?:e\.g|i\.e|etc|mrs|nos|fig)\.)"
    r"(?<!\bapprox\.))[\"')\]]?(\s+)(?=[\"'(\[A-Z0-9])"
)
_SENTENCE_END = re.compile(r"[.!?]" + _SENTENCE_END_AFTER_MARK)
# The same for a text without ! or ?: led by one literal, the regex engine finds candidates 3x faster.
_SENTENCE_END_AT_PERIOD = re.compile(r"\." + _SENTENCE_END_AFTER_MARK)
SENTENCE_CACHE = 50_000  # sentences whose codes are kept (a few MB): rationales repeat them
REQUIRED_LENGTH = 4  # characters of the shortest word that rules a pattern out when absent
ANCHOR_LENGTH = 10  # characters of a pattern's beginning that locate it
_MAX_ANCHORS = 20_000  # per pattern; beyond, the pattern is searched instead


class Reason(TypedDict):
    code: str
    evidence: str


class Anchored:
    """A regex searched by its literal beginnings: an Aho-Corasick pass finds where a match may
    start (at a word start), and the regex is tried only there. Patterns whose matches can begin
    with something that is not a literal are searched as usual."""

    def __init__(self, pattern: str) -> None:
        self.regex = re.compile(pattern)
        beginnings = literal_beginnings(pattern)
        self._automaton: ahocorasick.Automaton | None = None
        if beginnings:
            self._automaton = ahocorasick.Automaton()
            for beginning in beginnings:
                self._automaton.add_word(beginning, len(beginning))
            self._automaton.make_automaton()

    def search(self, text: str, start: int = 0, end: int | None = None) -> re.Match[str] | None:
        end = len(text) if end is None else end
        if self._automaton is None:
            return self.regex.search(text, start, end)
        tried = set()
        for last, length in self._automaton.iter(text, start, end):
            begin = last - length + 1
            if begin in tried or (begin and text[begin - 1].isalnum()):
                continue
            tried.add(begin)
            match = self.regex.match(text, begin, end)
            if match:
                return match
        return None


@dataclass(frozen=True)
class ReasonRule:
    code: str
    decision: str
    pattern: re.Pattern[str]
    negation: str  # required | forbidden | any
    scope: str  # any | no_quotes | case_only (the sentence must be about this case)
    fallback: bool  # only when no other row found a ground; may fire on the closing verdict
    context: Anchored | None  # must match somewhere in the rationale
    veto: Anchored | None  # cancels the row on a sentence it matches


def tag(rationale: str | None, decision: str | None) -> list[Reason]:
    """The reason codes the rationale states for this decision, each with its sentence."""
    if not rationale or decision not in ("upheld", "overturned"):
        return []
    text = _collapsed(rationale)
    lower = text.lower()
    bounds = _sentence_bounds(text)
    has_context: dict[int, bool] = {}  # rule with a context → the rationale has it (asked once)
    found: dict[bool, dict[str, int]] = {False: {}, True: {}}  # fallback? → code → sentence
    for number, (start, end) in enumerate(bounds):
        for code, fallback, needs_context in sentence_codes(lower[start:end], decision):
            if needs_context is not None:
                if needs_context not in has_context:
                    has_context[needs_context] = bool(_rules()[needs_context].context.search(lower))  # type: ignore[union-attr]
                if not has_context[needs_context]:
                    continue
            found[fallback].setdefault(code, number)
    chosen = found[False] or found[True]
    return [
        Reason(code=code, evidence=text[slice(*bounds[number])])
        for code, number in sorted(chosen.items(), key=lambda pair: pair[1])
    ]


def _collapsed(text: str) -> str:
    """The text with each run of white space as one space. The parser's rationales already are,
    which C-speed checks tell (every white space but the space is unprintable) without the split."""
    if text.isprintable() and "  " not in text and text[:1] != " " and text[-1:] != " ":
        return text
    return " ".join(text.split())


def _sentence_bounds(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence of a whitespace-collapsed text."""
    bounds, start = [], 0
    sentence_end = _SENTENCE_END if "!" in text or "?" in text else _SENTENCE_END_AT_PERIOD
    for match in sentence_end.finditer(text):
        bounds.append((start, match.start(1)))
        start = match.end()
    bounds.append((start, len(text)))
    return [(start, end) for start, end in bounds if end > start]


@lru_cache(maxsize=SENTENCE_CACHE)
def sentence_codes(sentence: str, decision: str) -> tuple[tuple[str, bool, int | None], ...]:
    """(code, fallback, rule whose context the rationale must have, or None) for every rule that
    fires in one lower-case sentence, each code once (and once more per context rule).

    Everything a rule looks at is in its sentence, but for a context (opioids …) which `tag` asks
    of the whole rationale, so the answer is cached: rationales repeat sentences (guideline
    quotes, stock phrases) across letters."""
    scanned = _Scanned(sentence, decision)
    rules = _rules()
    fired: dict[tuple[str, bool, int | None], None] = {}
    possible = scanned.possible
    for start, number in sorted(scanned.anchors):
        if not possible >> number & 1:
            continue  # a word every match of the rule contains is absent
        rule = rules[number]
        key = (rule.code, rule.fallback, number if rule.context else None)
        if key in fired:
            continue
        match = rule.pattern.match(sentence, start)
        if match is not None and scanned.fires(rule, match):
            fired[key] = None
    return tuple(fired)


class _Scanned:
    """One lower-case sentence after one pass of its decision's automaton: where each rule may
    match (a literal beginning at a word start, the rule's required words present) and where
    each scope pattern may (negation, clause breaks, quotes, case cues). What a sentence is — a
    guideline quote, about the case, the closing verdict — is answered once, when a rule asks."""

    __slots__ = ("_breaks", "_kinds", "anchors", "located", "possible", "sentence")

    def __init__(self, sentence: str, decision: str) -> None:
        automaton, possible = _automaton(decision)
        self.sentence = sentence
        located: dict[str, list[tuple[int, int]]] = {}  # scope kind → (start, end) of its beginnings
        anchors = []
        for last, (length, required, numbers, kinds) in automaton.iter(sentence):
            possible |= required
            if numbers or kinds:
                start = last - length + 1
                if start and sentence[start].isalnum() and sentence[start - 1].isalnum():
                    continue  # inside a word
                for number in numbers:
                    anchors.append((start, number))
                for kind in kinds:
                    located.setdefault(kind, []).append((start, last + 1))
        self.located = located
        self.anchors = anchors  # (start, rule number), each once: a rule's beginnings are prefix-free
        self.possible = possible  # bits of the rules whose words are all there
        self._kinds: dict[str, bool] = {}
        self._breaks: list[int] | None = None

    def fires(self, rule: ReasonRule, match: re.Match[str]) -> bool:
        if not rule.fallback and self._is("conclusion"):
            return False
        if rule.scope != "any":
            about_case = self._is("case")
            if rule.scope == "case_only" and not about_case:
                return False
            if not about_case and self._is("quote"):
                return False
        if rule.veto and rule.veto.search(self.sentence):
            return False
        if rule.negation == "any":
            return True
        return (rule.negation == "required") == self._negated(match)

    def _is(self, kind: str) -> bool:
        if kind not in self._kinds:
            if kind == "conclusion":
                self._kinds[kind] = bool(_scope().conclusion.match(self.sentence))
            else:
                self._kinds[kind] = self._found(kind, 0, len(self.sentence))
        return self._kinds[kind]

    def _found(self, kind: str, start: int, end: int) -> bool:
        """Whether scope pattern `kind` matches inside sentence[start:end]."""
        regex = getattr(_scope(), kind)
        return any(
            start <= begin and stop <= end and regex.match(self.sentence, begin, end)
            for begin, stop in self.located.get(kind, ())
        )

    def _negated(self, match: re.Match[str]) -> bool:
        """A denial before the phrase in its clause, or right after it ("… was not documented")."""
        if self._breaks is None:
            regex = _scope().clause_break
            located = self.located.get("clause_break", ())
            self._breaks = sorted({begin for begin, _ in located if regex.match(self.sentence, begin)})
        clause_start, clause_end = 0, len(self.sentence)
        for brk in self._breaks:
            if brk <= match.start():
                clause_start = brk
            else:
                clause_end = brk
                break
        if self._found("negation_before", clause_start, match.start()):
            return True
        return bool(_scope().negation_after.search(self.sentence[match.end() : clause_end]))


_LOCATED_SCOPES = ("negation_before", "clause_break", "quote", "case")  # found by their beginnings


@cache
def _automaton(decision: str) -> tuple[ahocorasick.Automaton, int]:
    """One automaton for a decision's sentences. Each string's value: its length, the bits of the
    rules whose every match contains it, the rules that may begin with it, the scope patterns
    that may begin with it. And the bits of the rules that need no word (always possible)."""
    strings: dict[str, tuple[int, list[int], list[str]]] = {}

    def add(string: str, required: int = 0, number: int | None = None, kind: str | None = None) -> None:
        mask, numbers, kinds = strings.get(string, (0, [], []))
        numbers += [number] if number is not None else []
        kinds += [kind] if kind is not None else []
        strings[string] = (mask | required, numbers, kinds)

    always = 0
    for number, rule in enumerate(_rules()):
        if rule.decision != decision:
            continue
        for beginning in _beginnings(rule.pattern.pattern, f"reasons.csv rule {number + 1} ({rule.code})"):
            add(beginning, number=number)
        words = required_literals(rule.pattern.pattern)
        if words is None:
            always |= 1 << number
        for word in _without_containing(words or ()):
            add(word, required=1 << number)
    patterns = reason_scope()
    for kind in _LOCATED_SCOPES:
        for beginning in _beginnings(patterns[kind], f"reason-scope.csv {kind}"):
            add(beginning, kind=kind)
    automaton = ahocorasick.Automaton()
    for string, (mask, numbers, kinds) in strings.items():
        automaton.add_word(string, (len(string), mask, tuple(numbers), tuple(kinds)))
    automaton.make_automaton()
    return automaton, always


def _beginnings(pattern: str, where: str) -> list[str]:
    """The pattern's literal beginnings without those another one begins: where a longer one is
    found the shorter is too, at the same place (so each place is found once)."""
    beginnings = literal_beginnings(pattern)
    if not beginnings:
        raise ValueError(f"{where}: every match must begin with literal text (a word), so it can be located")
    return [b for b in beginnings if not any(b != other and b.startswith(other) for other in beginnings)]


def _without_containing(words: Iterable[str]) -> list[str]:
    """Required words without those containing another: a text holding the longer holds the shorter."""
    words = set(words)
    return [word for word in words if not any(word != other and other in word for other in words)]


def literal_beginnings(pattern: str, length: int = ANCHOR_LENGTH) -> frozenset[str] | None:
    """Every way a match of `pattern` can begin, as literal text of up to `length` characters
    (shorter where the pattern's literal part ends); None when some match begins with something
    that is not a literal (then the pattern must be searched)."""
    try:
        expanded = _expand(sre_parse.parse(pattern).data, length)
    except _NotLiteral:
        return None
    if any(not text for text, _ in expanded) or len(expanded) > _MAX_ANCHORS:
        return None
    return frozenset(text for text, _ in expanded)


def required_literals(pattern: str, shortest: int = REQUIRED_LENGTH) -> frozenset[str] | None:
    """Strings of which every match of `pattern` contains at least one (the most telling such set
    the regex shows), or None when it shows none of at least `shortest` characters."""
    try:
        words = _required(sre_parse.parse(pattern).data)
    except _NotLiteral:
        return None
    return frozenset(words) if words and min(map(len, words)) >= shortest else None


def _required(items: list) -> set[str] | None:
    options: list[set[str]] = []
    run = ""
    for op, value in items:
        if op is sre.LITERAL:
            run += chr(value)
            continue
        if run:
            options.append({run})
            run = ""
        if op is sre.SUBPATTERN:
            inner = _required(value[3])
        elif op is sre.BRANCH:
            branches = [_required(branch) for branch in value[1]]
            inner = None if any(b is None for b in branches) else set().union(*branches)  # type: ignore[arg-type]
        elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT) and value[0] >= 1:
            inner = _required(value[2])
        else:
            inner = None
        if inner:
            options.append(inner)
    if run:
        options.append({run})
    return max(options, key=lambda words: (min(map(len, words)), -len(words)), default=None)


class _NotLiteral(Exception):
    pass


def _expand(items: list, length: int) -> set[tuple[str, bool]]:
    """(text, open) pairs: the literal beginnings of a parsed sequence; open ones may go on."""
    current = {("", True)}
    for op, value in items:
        if all(not is_open or len(text) >= length for text, is_open in current):
            break
        continuations = _continuations(op, value, length)
        grown = set()
        for text, is_open in current:
            if not is_open or len(text) >= length:
                grown.add((text, False))
                continue
            grown.update((text + more, more_open) for more, more_open in continuations)
        current = grown
        if len(current) > _MAX_ANCHORS:
            raise _NotLiteral
    return {(text[:length], is_open and len(text) < length) for text, is_open in current}


def _continuations(op, value, length: int) -> set[tuple[str, bool]]:
    if op is sre.LITERAL:
        return {(chr(value), True)}
    if op is sre.AT:
        return {("", True)}  # \b and friends take no characters
    if op is sre.SUBPATTERN:
        return _expand(value[3], length)
    if op is sre.BRANCH:
        return set().union(*(_expand(branch, length) for branch in value[1]))
    if op is sre.IN and all(kind is sre.LITERAL for kind, _ in value) and len(value) <= 4:
        return {(chr(code), True) for _, code in value}
    if op in (sre.MAX_REPEAT, sre.MIN_REPEAT):
        low, high, body = value
        once = _expand(body, length)
        if low == 0 and high == 1:
            return {("", True), *once}
        if low >= 1:
            return {(text, False) for text, _ in once}
        if low == 0:
            return {("", False)}
    if op is sre.NOT_LITERAL or op is sre.IN or op is sre.ANY or op is sre.CATEGORY:
        return {("", False)}
    raise _NotLiteral


@dataclass(frozen=True)
class _Scope:
    """The scope patterns; all but the verdict are tried only where `_automaton` located one of
    their beginnings."""

    negation_before: re.Pattern[str]
    negation_after: re.Pattern[str]  # anchored at the phrase's end
    clause_break: re.Pattern[str]
    quote: re.Pattern[str]
    case: re.Pattern[str]
    conclusion: re.Pattern[str]  # anchored at the sentence's start


@cache
def _scope() -> _Scope:
    return _Scope(**{kind: re.compile(pattern) for kind, pattern in reason_scope().items()})


@cache
def _rules() -> tuple[ReasonRule, ...]:
    return tuple(
        ReasonRule(
            code=row["code"],
            decision=row["decision"],
            pattern=re.compile(row["pattern"]),
            negation=row["negation"] or "any",
            scope=row["scope"] or "no_quotes",
            fallback=row["fallback"] == "yes",
            context=Anchored(row["context"]) if row["context"] else None,
            veto=Anchored(row["veto"]) if row["veto"] else None,
        )
        for row in reason_rules()
    )
