"""Parse throughput, single process: `python bench/bench_parse.py [--letters 10000] [--runs 5]`.

Corpus: the 60 real letters, the seed and the labelled fixture letters, cycled to `--letters`
texts; a share `--noise-share` (default 0.2, as in the bundled sample) gets extra extraction noise
(wrapping, hyphenation, footers, ligatures …), the rest is exactly as extracted from the PDFs.
Measures, in one run:
- baseline: one regex pass over each letter (the floor any parser pays),
- parser: `etl.parse.parse_text` over every letter (in memory), as it runs in a batch,
- parser, cold: the same with the guideline-sentence and reason-sentence caches emptied before
  every letter (the cost when no letter repeats a sentence of an earlier one),
- end to end: `python -m etl parse FOLDER > /dev/null` on the same letters written as files.
Prints a markdown table for docs/benchmarks.md; quotes medians.
"""

from __future__ import annotations

import argparse
import platform
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from etl.citations import _paragraph_citations, _prose_citations, _sentence_citations  # noqa: E402
from etl.extract import iter_documents  # noqa: E402
from etl.normalise import normalise  # noqa: E402
from etl.parse import parse_text  # noqa: E402
from etl.reasons import sentence_codes  # noqa: E402
from etl.synth.noise import add_noise  # noqa: E402

SHARED = ROOT.parent / "shared"
FLOOR = re.compile(r"(Upheld|Overturned|medically necessary)")


def corpus(size: int, noise_share: float) -> list[str]:
    paths = [*sorted((SHARED / "real-letters").glob("*.pdf")), SHARED / "seed" / "000_bba14da3171408a6.txt"]
    paths += sorted((ROOT / "tests" / "fixtures" / "letters").glob("*.txt"))
    extracted = [d.text for d in iter_documents([str(p) for p in paths if p.exists()]) if d.text]
    rng = random.Random(2026)
    return [
        add_noise(normalise(text), rng) if rng.random() < noise_share else text
        for text in (extracted[i % len(extracted)] for i in range(size))
    ]


def timed(function, texts: list[str]) -> float:
    started = time.perf_counter()
    for text in texts:
        function(text)
    return time.perf_counter() - started


def end_to_end(texts: list[str], runs: int) -> list[float]:
    with tempfile.TemporaryDirectory() as folder:
        for index, text in enumerate(texts):
            Path(folder, f"{index:06d}.txt").write_text(text, encoding="utf-8")
        seconds = []
        for _ in range(runs):
            started = time.perf_counter()
            subprocess.run(
                [sys.executable, "-m", "etl", "parse", folder],
                cwd=ROOT,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                check=False,
            )
            seconds.append(time.perf_counter() - started)
    return seconds


def _forget_sentences() -> None:
    _paragraph_citations.cache_clear()
    _sentence_citations.cache_clear()
    _prose_citations.cache_clear()
    sentence_codes.cache_clear()


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__)
    options.add_argument("--letters", type=int, default=10_000)
    options.add_argument("--runs", type=int, default=5)
    options.add_argument("--noise-share", type=float, default=0.2)
    args = options.parse_args()
    texts = corpus(args.letters, args.noise_share)
    megabytes = sum(len(t) for t in texts) / 1e6
    parse_text(texts[0], "warm-up")
    floor = [timed(FLOOR.findall, texts) for _ in range(args.runs)]
    parser = [timed(lambda t: parse_text(t, "bench"), texts) for _ in range(args.runs)]
    cold = [timed(lambda t: (_forget_sentences(), parse_text(t, "bench")), texts) for _ in range(args.runs)]
    files = end_to_end(texts, max(1, args.runs // 2))
    rate = lambda seconds: args.letters / statistics.median(seconds)  # noqa: E731
    print(
        f"{date.today()} · {platform.processor() or platform.machine()} · {platform.python_version()} · "
        f"{args.letters} letters ({megabytes:.1f} MB; real and fixture letters, {args.noise_share:.0%} "
        f"with extra noise) · median of "
        f"{args.runs} runs (end to end: {len(files)})\n"
    )
    print("| measure | letters/s (median) | ms per letter |")
    print("|---|---|---|")
    for name, seconds in (
        ("baseline: one regex pass", floor),
        ("parse_text, single process", parser),
        ("parse_text, cold sentence caches", cold),
        ("`python -m etl parse DIR`, files to JSON Lines", files),
    ):
        print(f"| {name} | {rate(seconds):,.0f} | {1000 / rate(seconds):.3f} |")


if __name__ == "__main__":
    main()
