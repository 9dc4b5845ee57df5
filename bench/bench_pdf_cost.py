"""A PDF letter's CPU in a refresh worker, against its text extraction alone, on real and on
generated PDFs: `python bench/bench_pdf_cost.py [--real ../shared/real-letters] [--generated 60]
[--runs 5]`.

The refresh bench's PDF row (`bench_refresh.py --pdf-share 1.0`) compares a whole refresh with
pypdfium2's extraction alone, on generated PDFs. How close a refresh can come to that ceiling
depends on how dear extraction is next to everything else a worker does with the letter
(normalising, parsing, tagging, table rows, Parquet), and generated PDFs (one font, no images,
not encrypted) extract faster than the DWC's. This measures both costs per letter on the real,
redacted letters (read where they lie, never copied) and on as many generated PDFs: each run a
fresh process that first stages `--warm` generated text letters (the caches as in the middle of a
refresh), then takes, in CPU time, pypdfium2's extraction of every page of each PDF
(`bench_refresh.extract_pdfs`, the ceiling's own function) and `etl.staging.stage_files` on the
same files (which extracts them again, then does the rest). Prints a markdown table.
"""

from __future__ import annotations

import argparse
import json
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


def measure(pdfs: list[str], warm: int) -> dict[str, float]:
    """CPU µs per PDF in this process: extraction alone, then a worker's whole staging."""
    sys.path.insert(0, str(ROOT / "bench"))
    from bench_refresh import corpus, extract_pdfs

    from etl.parse import PARSER_VERSION
    from etl.sources import SourceFile
    from etl.staging import Chunk, stage_files

    def sources(paths: list[Path]) -> list[SourceFile]:
        return [SourceFile(str(p), str(p.parent), p.stat().st_size, p.stat().st_mtime_ns) for p in paths]

    text = corpus(100_000, 0.0)
    parts = tempfile.mkdtemp(prefix="bench-pdf-cost-")
    try:
        warm_files = sources([text / f"synthetic-{n:07d}.txt" for n in range(60_000, 60_000 + warm)])
        for n, start in enumerate(range(0, len(warm_files), 500)):
            stage_files((Chunk(n, parts, PARSER_VERSION, 1), warm_files[start : start + 500]))
        for path in pdfs:
            Path(path).read_bytes()  # page cache
        started = time.process_time()
        extract_pdfs(pdfs)
        extraction = time.process_time() - started
        started = time.process_time()
        stage_files((Chunk(10_000, parts, PARSER_VERSION, 1), sources([Path(p) for p in pdfs])))
        staging = time.process_time() - started
    finally:
        shutil.rmtree(parts)
    return {"extraction": extraction / len(pdfs) * 1e6, "staging": staging / len(pdfs) * 1e6}


def run_once(pdfs: list[str], warm: int) -> dict[str, float]:
    """`measure` in a fresh process, in a refresh worker's environment."""
    from etl.workers import WORKER_ENVIRONMENT

    environment = os.environ | WORKER_ENVIRONMENT
    code = f"import json, bench_pdf_cost as b; print(json.dumps(b.measure({pdfs!r}, {warm})))"
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=environment | {"PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "bench")])},
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__)
    options.add_argument("--real", type=Path, default=ROOT.parent / "shared" / "real-letters")
    options.add_argument("--generated", type=int, default=60, help="generated PDFs measured")
    options.add_argument("--warm", type=int, default=2_000, help="generated text letters staged first")
    options.add_argument("--runs", type=int, default=5)
    args = options.parse_args()
    sys.path[:0] = [str(ROOT), str(ROOT / "bench")]
    from bench_refresh import corpus

    real = sorted(str(path) for path in args.real.glob("*.pdf"))
    if not real:
        raise SystemExit(f"no PDFs in {args.real}")
    generated = sorted(str(path) for path in corpus(args.generated, 1.0).glob("*.pdf"))
    results: dict[str, list[dict[str, float]]] = {"real": [], "generated": []}
    for _ in range(args.runs):  # the two sets alternately, so both meet the same machine load
        results["real"].append(run_once(real, args.warm))
        results["generated"].append(run_once(generated, args.warm))
    print(
        f"{date.today()} · {platform.machine()}, {os.cpu_count()} cores · "
        f"Python {platform.python_version()} · "
        f"{len(real)} real and {len(generated)} generated PDFs · {args.warm} letters staged first · "
        f"median of {args.runs} runs (fresh process each)\n"
    )
    print("| PDFs | extraction alone (µs a letter) | a worker's staging (µs a letter) | extraction's share |")
    print("|---|---:|---:|---:|")
    for name, runs in results.items():
        extraction = statistics.median(run["extraction"] for run in runs)
        staging = statistics.median(run["staging"] for run in runs)
        print(f"| {name} | {extraction:,.0f} | {staging:,.0f} | {extraction / staging:.0%} |")
    print("\neach run (extraction, staging):")
    for name, runs in results.items():
        print(f"- {name}: " + "; ".join(f"{run['extraction']:,.0f}, {run['staging']:,.0f}" for run in runs))


if __name__ == "__main__":
    main()
