"""What write_corpus puts on disk: marked synthetic, contract-complete, readable."""

from __future__ import annotations

import json
import random

import pypdfium2 as pdfium
import pytest

from etl.normalise import normalise
from etl.records import CITATION_KEYS, LABELLED_ITEM_KEYS, LETTER_KEYS, doc_id
from etl.synth.generate import TRUTH_FILE, generate_letter, write_corpus
from etl.synth.letter import build
from etl.synth.noise import add_noise

COUNT = 80


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    folder = tmp_path_factory.mktemp("corpus")
    seen: list[int] = []
    write_corpus(COUNT, folder, seed=21, pdf_share=0.25, noise_share=0.3, progress=seen.append, workers=1)
    records = [json.loads(line) for line in (folder / TRUTH_FILE).read_text().splitlines()]
    return folder, records, seen


def test_truth_lines_have_every_contract_key_and_the_synthetic_mark(corpus):
    _, records, _ = corpus
    assert len(records) == COUNT
    for record in records:
        assert list(record) == [*LETTER_KEYS, "synthetic"] and record["synthetic"] is True
        assert record["warnings"] == []
        for item in record["items"]:
            assert tuple(item) == LABELLED_ITEM_KEYS
            for citation in item["claims_guidelines"] + item["reviewer_guidelines"]:
                assert tuple(citation) == CITATION_KEYS


def test_files_are_named_synthetic_and_match_truth_sources(corpus):
    folder, records, _ = corpus
    letters = sorted(p.name for p in folder.iterdir() if p.name != TRUTH_FILE)
    assert letters == sorted(record["source"] for record in records)
    assert all(name.startswith("synthetic-") for name in letters)


def test_progress_reports_counts_up_to_the_total(corpus):
    _, _, seen = corpus
    assert seen == sorted(seen) and seen[-1] == COUNT


def test_pdfs_open_and_carry_the_letter_text(corpus):
    folder, records, _ = corpus
    pdfs = [r for r in records if r["source"].endswith(".pdf")]
    assert pdfs
    for record in pdfs:
        document = pdfium.PdfDocument(folder / record["source"])
        text = "\f".join(page.get_textpage().get_text_range() for page in document)
        if record["case_number"]:
            assert record["case_number"] in text
        assert doc_id(normalise(text)) == record["doc_id"]


def test_text_files_decode_to_the_letter(corpus):
    folder, records, _ = corpus
    for record in records:
        if record["source"].endswith(".txt"):
            raw = (folder / record["source"]).read_bytes()
            try:
                text = raw.decode("utf-8-sig")
            except UnicodeDecodeError:
                text = raw.decode("cp1252")
            assert doc_id(normalise(text)) == record["doc_id"]


def test_noise_leaves_the_normalised_text_unchanged():
    for index in range(200):
        text, record = generate_letter(random.Random(f"n:{index}"), index)
        noisy = add_noise(text, random.Random(f"noise:{index}"))
        assert doc_id(normalise(noisy)) == record["doc_id"]


def test_truth_strings_are_what_the_text_says():
    """Treatment, rationale and citation texts appear in the whitespace-collapsed letter."""
    for index in range(300):
        draft = build(random.Random(f"t:{index}"), index)
        flat = " ".join(draft.text.split())
        assert draft.text.isascii()
        for item in draft.record["items"]:
            strings = [item["treatment"], item["rationale"], item["original_request"] or ""]
            strings += [c["text"] for c in item["claims_guidelines"] + item["reviewer_guidelines"]]
            for string in strings:
                assert string == " ".join(string.split()) and string in flat, string
            assert not item["treatment"].endswith(".")
            modern = draft.record["format"] == "fdl-2015"
            assert item["rationale"].endswith(" necessary." if modern else " necessary and appropriate.")
            negated = " not medically necessary" in item["rationale"][-60:]
            assert negated == (item["decision"] == "upheld"), item["rationale"][-80:]
