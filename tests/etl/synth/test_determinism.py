"""Same seed → same bytes (text, PDF, truth), whatever the number of workers."""

from __future__ import annotations

import os
import random
import subprocess
import sys
from pathlib import Path

from etl.synth.generate import generate_letter, write_corpus
from etl.synth.letter import build
from etl.synth.pdf import render_pdf
from tests.conftest import ROOT

COUNT = 60


def _files(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


def _corpus(folder: Path, seed: int, workers: int) -> dict[str, bytes]:
    write_corpus(COUNT, folder, seed=seed, pdf_share=0.3, noise_share=0.5, workers=workers)
    return _files(folder)


def test_same_seed_same_bytes_any_worker_count(tmp_path):
    first = _corpus(tmp_path / "a", seed=3, workers=1)
    again = _corpus(tmp_path / "b", seed=3, workers=1)
    parallel = _corpus(tmp_path / "c", seed=3, workers=2)
    assert first == again == parallel
    assert any(name.endswith(".pdf") for name in first)
    assert sum(name.endswith(".txt") for name in first) > COUNT // 2


def test_different_seeds_differ(tmp_path):
    one = _corpus(tmp_path / "a", seed=3, workers=1)
    two = _corpus(tmp_path / "b", seed=4, workers=1)
    assert one["truth.jsonl"] != two["truth.jsonl"]
    shared = set(one) & set(two)
    assert sum(one[name] != two[name] for name in shared) >= len(shared) - 1


def test_pdf_bytes_are_reproducible():
    paragraphs = build(random.Random("1:1"), 1).paragraphs
    assert render_pdf(paragraphs) == render_pdf(paragraphs)


def test_letter_text_does_not_depend_on_output_shares(tmp_path):
    """PDF and noise choices use their own generator: the truth stays the same."""
    write_corpus(20, tmp_path / "plain", seed=8, workers=1)
    write_corpus(20, tmp_path / "mixed", seed=8, pdf_share=0.5, noise_share=1.0, workers=1)
    plain = (tmp_path / "plain" / "truth.jsonl").read_text().splitlines()
    mixed = (tmp_path / "mixed" / "truth.jsonl").read_text().splitlines()
    strip = [line.replace(".pdf", ".txt") for line in mixed]
    assert plain == strip


def test_generate_letter_is_a_pure_function_of_rng_and_index():
    assert generate_letter(random.Random("x:5"), 5) == generate_letter(random.Random("x:5"), 5)


def test_same_bytes_across_interpreters(tmp_path):
    """Nothing depends on string hashing or process state: fresh interpreters agree."""
    folders = []
    for hash_seed in ("1", "2"):
        folder = tmp_path / hash_seed
        code = (
            "import sys; from pathlib import Path; from etl.synth.generate import write_corpus; "
            "write_corpus(30, Path(sys.argv[1]), seed=9, pdf_share=0.5, noise_share=0.5, workers=1)"
        )
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        subprocess.run([sys.executable, "-c", code, str(folder)], cwd=ROOT, env=env, check=True)
        folders.append(_files(folder))
    assert folders[0] == folders[1]
