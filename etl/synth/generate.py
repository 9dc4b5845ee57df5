"""`python -m etl synth`: a corpus of synthetic letters and their truth records.

Each letter depends only on (seed, index) — `random.Random(f"{seed}:{index}")` — so the
output is the same whatever the number of worker processes. File-level choices (PDF, noise,
encoding) use a second generator per index, so a letter's text and truth do not depend on
`pdf_share` or `noise_share`.
"""

from __future__ import annotations

import json
import os
import random
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path

from etl.records import Letter
from etl.synth.data import figures, load_all
from etl.synth.letter import Draft, build, file_stem
from etl.synth.noise import add_noise
from etl.synth.pdf import render_pdf

TRUTH_FILE = "truth.jsonl"
CHUNK_SIZE = 250


def generate_letter(rng: random.Random, index: int) -> tuple[str, Letter]:
    """Clean text of one letter and its contract record (source = its .txt file name)."""
    draft = build(rng, index)
    return draft.text, draft.record


@dataclass(frozen=True)
class CorpusSettings:
    out: Path
    seed: int
    pdf_share: float
    noise_share: float


def write_corpus(
    count: int,
    out: Path,
    seed: int = 0,
    pdf_share: float = 0.0,
    noise_share: float = 0.0,
    progress: Callable[[int], None] | None = None,
    workers: int | None = None,
) -> None:
    """Write `count` letters into `out` and their truth records into `out/truth.jsonl`."""
    out.mkdir(parents=True, exist_ok=True)
    settings = CorpusSettings(out, seed, pdf_share, noise_share)
    chunks = [range(start, min(start + CHUNK_SIZE, count)) for start in range(0, count, CHUNK_SIZE)]
    done = 0
    with (out / TRUTH_FILE).open("w", encoding="utf-8") as truth:
        for lines in _run(settings, chunks, workers):
            truth.write("".join(lines))
            done += len(lines)
            if progress:
                progress(done)


def _run(settings: CorpusSettings, chunks: list[range], workers: int | None) -> Iterator[list[str]]:
    """Chunks in order, in this process or spread over worker processes."""
    load_all()
    workers = workers or os.cpu_count() or 1
    if workers == 1 or len(chunks) <= 1:
        yield from (write_chunk(settings, chunk) for chunk in chunks)
        return
    with get_context("fork").Pool(workers) as pool:
        yield from pool.imap(_ChunkWriter(settings), chunks)


@dataclass(frozen=True)
class _ChunkWriter:
    settings: CorpusSettings

    def __call__(self, chunk: range) -> list[str]:
        return write_chunk(self.settings, chunk)


def write_chunk(settings: CorpusSettings, indexes: Iterable[int]) -> list[str]:
    """Write the letters of `indexes`; return their truth lines."""
    return [_write_letter(settings, index) for index in indexes]


def _write_letter(settings: CorpusSettings, index: int) -> str:
    draft = build(random.Random(f"{settings.seed}:{index}"), index)
    choices = random.Random(f"{settings.seed}:{index}:file")
    if choices.random() < settings.pdf_share:
        name = f"{file_stem(index)}.pdf"
        (settings.out / name).write_bytes(render_pdf(draft.paragraphs))
    else:
        name = f"{file_stem(index)}.txt"
        (settings.out / name).write_bytes(_text_bytes(draft, choices, settings.noise_share))
    record = {**draft.record, "source": name, "synthetic": True}
    return json.dumps(record, ensure_ascii=False) + "\n"


def _text_bytes(draft: Draft, choices: random.Random, noise_share: float) -> bytes:
    """UTF-8 mostly; a few letters as Windows-1252 (when every character fits) or with a BOM."""
    text = add_noise(draft.text, choices) if choices.random() < noise_share else draft.text
    shares = figures()["output"]
    encoding = choices.random()
    if encoding < shares["cp1252_share"]:
        try:
            return text.encode("cp1252")
        except UnicodeEncodeError:
            return text.encode("utf-8")
    if encoding < shares["cp1252_share"] + shares["bom_share"]:
        return text.encode("utf-8-sig")
    return text.encode("utf-8")
