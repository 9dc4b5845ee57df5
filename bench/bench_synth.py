"""Generator throughput: `python bench/bench_synth.py [--letters 10000] [--runs 3]`.

Writes `--letters` letters with `etl.synth.generate.write_corpus` into a temporary folder
(files and truth.jsonl, as `python -m etl synth` does), text only and with 10% PDF, in one
process and with 2 worker processes. Prints a markdown table of letters per second (median of
`--runs` runs) for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from etl.synth.generate import write_corpus  # noqa: E402

CASES = (("text only", 0.0, 1), ("text only", 0.0, 2), ("10% PDF", 0.1, 1), ("10% PDF", 0.1, 2))


def letters_per_second(letters: int, pdf_share: float, workers: int) -> float:
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        write_corpus(letters, Path(folder), seed=1, pdf_share=pdf_share, noise_share=0.2, workers=workers)
        return letters / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--letters", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print(
        f"{args.letters} letters per run, median of {args.runs} runs; {platform.python_version()}, "
        f"{os.cpu_count()} CPUs, {platform.machine()}\n"
    )
    print("| output | workers | letters/s | 100,000 letters |")
    print("|---|---|---|---|")
    for label, pdf_share, workers in CASES:
        rate = statistics.median(
            letters_per_second(args.letters, pdf_share, workers) for _ in range(args.runs)
        )
        print(f"| {label} | {workers} | {rate:,.0f} | {100_000 / rate / 60:.1f} min |")


if __name__ == "__main__":
    main()
