"""Reasons in the generated truth: reasons.md's codes, on the decision's side, each quoting the
sentence of the rationale that states it; traps (quotes, concessions, stock asides) carry none."""

from __future__ import annotations

import random
import re
from collections import Counter

import pytest

from etl.synth.clinical import UNCODED, stated_reasons
from etl.synth.data import phrases
from etl.synth.generate import generate_letter
from etl.synth.letter import compose
from etl.synth.model import Sentence
from tests.conftest import SHARED

REASONS_FILE = SHARED / "reference" / "reasons.md"
LETTERS = 2000
MIN_PHRASINGS = 6
MIN_TRAPS = 20

pytestmark = pytest.mark.skipif(not REASONS_FILE.is_file(), reason="../shared/reference/reasons.md missing")


def reference_codes() -> dict[str, set[str]]:
    """Decision -> codes, from the two tables of reasons.md."""
    text = REASONS_FILE.read_text(encoding="utf-8")
    upholding = text.split("## Grounds for upholding", 1)[1].split("## Grounds for overturning", 1)[0]
    overturning = text.split("## Grounds for overturning", 1)[1].split("## Judgement calls", 1)[0]

    def codes(section: str) -> set[str]:
        return set(re.findall(r"^\| `(\w+)` \|", section, re.MULTILINE))

    return {"upheld": codes(upholding), "overturned": codes(overturning)}


def _wording_by_side() -> dict[str, list[dict[str, list[str]]]]:
    """Every code -> templates table of the data file, by the decision side it serves."""
    texts = phrases()["rationale"]
    topics = phrases()["topic_phrases"].values()
    return {
        side: [texts["grounds"][side], texts["adjunct"][side]]
        + ([texts["adjunct"]["alone"]] if side == "upheld" else [])
        + [topic.get(side, {}) for topic in topics]
        for side in ("upheld", "overturned")
    }


def _conditional_rules() -> list[dict[str, str]]:
    topics = phrases()["topic_phrases"].values()
    return phrases()["rationale"]["conditional"] + [rule for t in topics for rule in t.get("conditional", [])]


@pytest.fixture(scope="module")
def generated() -> list[tuple[list[list[Sentence]], dict]]:
    """2,000 letters: each item's sentences (as composed) and the letter's truth record."""
    letters = []
    for index in range(LETTERS):
        seed = f"reasons:{index}"
        _, record = generate_letter(random.Random(seed), index)
        composed = compose(random.Random(seed), index)
        letters.append(([item.sentences for item in composed.items], record))
    return letters


def _items(generated):
    for sentences, record in generated:
        yield from zip(sentences, record["items"], strict=True)


def test_data_names_only_reference_codes():
    codes = reference_codes()
    texts = phrases()["rationale"]
    for side, tables in _wording_by_side().items():
        assert set(texts["weights"][side]) == codes[side] | {UNCODED}, side
        for table in tables:
            assert set(table) <= codes[side] | {UNCODED}, (side, table)
    lures = set(texts["quote_traps"]) | {entry["negates"] for entry in texts["granted"]}
    lures |= {lure for topic in phrases()["topic_phrases"].values() for lure in topic.get("asides", {})}
    assert lures <= codes["upheld"]
    assert {rule["code"] for rule in _conditional_rules()} <= codes["upheld"] - {"not_recommended"}


def test_every_code_has_varied_wording():
    """At least six phrasings per code, counting a conditional rule applied as one."""
    phrasings: Counter[str] = Counter()
    for tables in _wording_by_side().values():
        for table in tables:
            for code, templates in table.items():
                phrasings[code] += len(set(templates))
    phrasings.update(rule["code"] for rule in _conditional_rules())
    for codes in reference_codes().values():
        for code in codes:
            assert phrasings[code] >= MIN_PHRASINGS, (code, phrasings[code])


def test_truth_reasons_are_the_coded_sentences(generated):
    for sentences, item in _items(generated):
        assert item["rationale"] == " ".join(sentence.text for sentence in sentences)
        assert item["reasons"] == stated_reasons(sentences)


def test_evidence_is_a_sentence_of_the_rationale_in_order(generated):
    for _, item in _items(generated):
        positions = [item["rationale"].find(reason["evidence"]) for reason in item["reasons"]]
        assert all(position >= 0 for position in positions), item
        assert positions == sorted(positions), item
        assert all(reason["evidence"].endswith(".") for reason in item["reasons"])
        codes = [reason["code"] for reason in item["reasons"]]
        assert len(codes) == len(set(codes)), item


def test_codes_match_the_decision(generated):
    codes = reference_codes()
    for _, item in _items(generated):
        assert {reason["code"] for reason in item["reasons"]} <= codes[item["decision"]], item


def test_every_code_appears(generated):
    seen = Counter(reason["code"] for _, item in _items(generated) for reason in item["reasons"])
    every = set().union(*reference_codes().values())
    assert every <= set(seen), every - set(seen)
    opioids = [item for _, item in _items(generated) if item["subcategory"] == "Opioids"]
    assert any("weaning" in _codes(item) for item in opioids)


def test_some_decided_items_state_no_ground(generated):
    assert any(item["reasons"] == [] for _, item in _items(generated))


def test_traps_appear_and_are_not_tagged_as_their_lure(generated):
    kinds: Counter[tuple[str, bool]] = Counter()
    concessions = {entry["negates"] for entry in phrases()["rationale"]["granted"]}
    for sentences, item in _items(generated):
        for sentence in sentences:
            if sentence.lure is None:
                continue
            assert sentence.code != sentence.lure, sentence
            if sentence.lure in concessions and sentence.code != sentence.lure:
                assert sentence.lure not in _codes(item), (sentence, item["reasons"])
            kinds[sentence.lure, sentence.code is not None] += 1
    stated_quotes = ("not_recommended", False), ("exceeds_guideline_limits", False)
    stock_asides, applied_rules = ("weaning", False), ("not_recommended", True)
    for kind in (*stated_quotes, stock_asides, applied_rules, ("no_functional_improvement", True)):
        assert kinds[kind] >= MIN_TRAPS, (kind, kinds)


def test_the_stock_weaning_sentence_is_no_ground(generated):
    stock = "most appropriate method for weaning"
    found = 0
    for _, item in _items(generated):
        if stock in item["rationale"]:
            found += 1
            assert all(stock not in reason["evidence"] for reason in item["reasons"])
    assert found >= MIN_TRAPS


def test_adjuncts_follow_their_procedure():
    """reasons.md: denied with its denied procedure is ancillary_to_denied; approved with its
    approved procedure is criteria_met."""
    adjunct = phrases()["rationale"]["adjunct"]
    assert set(adjunct["upheld"]) == {"ancillary_to_denied"}
    assert set(adjunct["overturned"]) == {"criteria_met"}


def test_reasons_are_deterministic():
    first = generate_letter(random.Random("reasons:again"), 7)[1]
    again = generate_letter(random.Random("reasons:again"), 7)[1]
    assert [item["reasons"] for item in first["items"]] == [item["reasons"] for item in again["items"]]


def test_stated_reasons_keep_the_first_sentence_of_each_code():
    sentences = [
        Sentence("A quote.", lure="not_recommended"),
        Sentence("First.", "missing_findings"),
        Sentence("Second.", "exceeds_guideline_limits"),
        Sentence("Again.", "missing_findings"),
    ]
    assert stated_reasons(sentences) == [
        {"code": "missing_findings", "evidence": "First."},
        {"code": "exceeds_guideline_limits", "evidence": "Second."},
    ]


def _codes(item: dict) -> set[str]:
    return {reason["code"] for reason in item["reasons"]}
