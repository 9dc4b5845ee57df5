"""A refresh worker's CPU per letter: `python bench/bench_stage.py [--letters 4000] [--warm 100]
[--runs 3] [--baseline-code DIR]`.

`etl.staging.stage_files` (read, parse, table rows, Parquet parts) over the first `--letters`
generated text letters of the refresh bench's corpus (`bench/out/letters-100000-pdf0`, built by
`bench_refresh.py` when missing), in one process, as a worker runs it: chunks of 500, one polars
thread, the workers' garbage-collector settings, files already in the page cache. Each run is a
fresh process; it first stages `--warm` other letters of the corpus (imports, rule files and
regexes loaded; with tens of thousands, the sentence caches as warm as they get in the middle of a
refresh), then measures the CPU time of the process (not wall time: the measure holds on a busy
machine). With `--baseline-code` (another checkout) its runs alternate with this code's, so both
meet the same machine load. Prints a markdown table for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHUNK = 500
WARM_FROM = 60_000  # the warm-up letters: far from the measured ones


def measure(letters: int, warm: int) -> float:
    """CPU µs per letter of `stage_files` in this process (imported from the checkout in cwd)."""
    sys.path.insert(0, os.getcwd())
    from bench_refresh import corpus

    from etl.parse import PARSER_VERSION
    from etl.sources import SourceFile
    from etl.staging import Chunk, stage_files

    folder = corpus(100_000, 0.0)

    def files(numbers: range) -> list[SourceFile]:
        paths = [folder / f"synthetic-{n:07d}.txt" for n in numbers]
        return [SourceFile(str(p), str(folder), p.stat().st_size, p.stat().st_mtime_ns) for p in paths]

    def stage(batch: list[SourceFile], parts: str, first_chunk: int) -> None:
        for n, start in enumerate(range(0, len(batch), CHUNK)):
            stage_files((Chunk(first_chunk + n, parts, PARSER_VERSION, 1), batch[start : start + CHUNK]))

    measured = files(range(letters))
    for source in measured:
        Path(source.path).read_bytes()  # page cache
    gc.freeze()
    gc.set_threshold(50_000, 20, 20)  # as etl.refresh's workers
    parts = tempfile.mkdtemp(prefix="bench-stage-")
    try:
        stage(files(range(WARM_FROM, WARM_FROM + warm)), parts, 100_000)
        started = time.process_time()
        stage(measured, parts, 0)
        return (time.process_time() - started) / letters * 1e6
    finally:
        shutil.rmtree(parts)


def run(code: Path, letters: int, warm: int) -> float:
    """One measurement in a fresh process of the checkout `code`, in a refresh worker's environment
    (this checkout's)."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from etl.workers import WORKER_ENVIRONMENT

    environment = os.environ | WORKER_ENVIRONMENT
    command = [sys.executable, __file__, "--measure", "--letters", str(letters), "--warm", str(warm)]
    output = subprocess.run(command, cwd=code, env=environment, check=True, capture_output=True, text=True)
    return float(output.stdout.strip().splitlines()[-1])


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    options.add_argument("--letters", type=int, default=4000)
    options.add_argument("--warm", type=int, default=100)
    options.add_argument("--runs", type=int, default=3)
    options.add_argument("--baseline-code", type=Path, help="another checkout, timed alternately")
    options.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    args = options.parse_args()
    if args.measure:
        print(f"{measure(args.letters, args.warm):.1f}")
        return
    codes = {"this code": ROOT} | (
        {"baseline code": args.baseline_code.resolve()} if args.baseline_code else {}
    )
    cpu: dict[str, list[float]] = {name: [] for name in codes}
    for _ in range(args.runs):
        for name, code in codes.items():
            cpu[name].append(run(code, args.letters, args.warm))
    print(
        f"{date.today()} · {platform.machine()}, {os.cpu_count()} cores · "
        f"Python {platform.python_version()} · "
        f"`stage_files` over {args.letters:,} generated letters after {args.warm:,} warm-up letters · "
        f"CPU µs per letter, fresh process per run\n"
    )
    print("| code | " + " | ".join(f"run {n + 1}" for n in range(args.runs)) + " | median |")
    print("|---|" + "---|" * (args.runs + 1))
    for name, runs in cpu.items():
        print(f"| {name} | " + " | ".join(f"{us:.0f}" for us in runs) + f" | {statistics.median(runs):.0f} |")


if __name__ == "__main__":
    main()
