"""Generated letters, with extraction noise, parse back to their truth records.

Run with `-s` to see the field accuracy table (the same one `python -m etl eval` prints).
"""

from __future__ import annotations

import random

import pytest

from etl.synth.generate import TRUTH_FILE, generate_letter, write_corpus
from etl.synth.noise import add_noise

parse = pytest.importorskip("etl.parse")
evaluate = pytest.importorskip("etl.evaluate")

LETTERS = 2000


@pytest.fixture(scope="module")
def report():
    report = evaluate.Report()
    for index in range(LETTERS):
        text, truth = generate_letter(random.Random(f"roundtrip:{index}"), index)
        noisy = add_noise(text, random.Random(f"roundtrip:{index}:noise"))
        got = dict(parse.parse_text(noisy, truth["source"]))
        report.letters += 1
        evaluate.compare(truth, got, truth["source"], report)
    print("\n" + report.render(show=40))
    return report


def test_every_layout_is_recognised(report):
    assert report.accuracy("format") == 1.0


def test_items_and_decisions_parse_back(report):
    assert report.accuracy("items") >= 0.99
    assert report.accuracy("decision") >= 0.99
    assert report.accuracy("treatment") >= 0.98


def test_categories_parse_back(report):
    assert report.accuracy("category") >= 0.99
    assert report.accuracy("subcategory") >= 0.98


def test_header_and_summary_fields_parse_back(report):
    for name in ("case_number", "decision_date", "patient_age", "patient_gender", "reviewer_states"):
        assert report.accuracy(name) >= 0.97, name


def test_written_files_parse_back(tmp_path):
    """PDFs, noisy and re-encoded text files, read the way `python -m etl eval` reads them."""
    write_corpus(100, tmp_path, seed=31, pdf_share=0.5, noise_share=0.5, workers=1)
    files = evaluate.evaluate([tmp_path / TRUTH_FILE])
    assert files.letters == 100
    assert files.accuracy("items") >= 0.99 and files.accuracy("decision") >= 0.99


def test_reasons_parse_back(report):
    """The generator's grounds, traps and wording were written without seeing the tagger: a floor
    under its precision and recall at scale (docs/accuracy.md has the figures)."""
    precision, recall, _ = report.reason_scores()["micro"]
    assert precision >= 0.85 and recall >= 0.70
