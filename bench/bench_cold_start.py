"""The dashboard's cold start: `python bench/bench_cold_start.py [--letters 20000 200000] [--runs 3]`.

What the first visitor after a refresh waits for, and what a dashboard process then holds: for
each size, a fresh process opens the app's first page through `streamlit.testing.v1.AppTest` on
a database of that many generated letters (built once under bench/out/ by bench_dashboard's
`build`, straight from the generator's truth — no parsing) and reports the seconds to the first
page and its peak resident memory. Before that, a database without the dashboard's tables (or
with an older version of them) gets them as a refresh builds them (`bench_dashboard.py
--build-tables`: the writer's settings, every core), in its own process, timed with its peak
memory: the cost the readers no longer pay. Prints a markdown table of medians for
docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def first_page(database: str) -> dict[str, float]:
    """In this (fresh) process: the app's first page on `database`, timed; its peak memory."""
    os.environ["IMR_DB"] = database
    from streamlit.testing.v1 import AppTest

    started = time.perf_counter()
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=3600)
    app.run()
    seconds = time.perf_counter() - started
    if app.exception:
        raise SystemExit(f"the first page failed: {app.exception[0].message}")
    from bench.peak import peak_mb

    return {"seconds": seconds, "peak_mb": peak_mb()}


def in_child(script: str, mode: str, database: Path) -> dict[str, float]:
    """A bench script's measured part (`mode`) in a fresh Python process, so that nothing is
    cached or imported before."""
    result = subprocess.run(
        [sys.executable, script, mode, str(database)],
        cwd=ROOT,
        check=True,
        stdout=subprocess.PIPE,  # its errors reach the terminal
        text=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def cold_start(database: Path) -> dict[str, float]:
    return in_child(__file__, "--first-page", database)


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--letters", type=int, nargs="+", default=[20_000, 200_000])
    options.add_argument("--runs", type=int, default=3)
    options.add_argument("--first-page", help=argparse.SUPPRESS)  # the child process's part
    args = options.parse_args()
    if args.first_page:
        print(json.dumps(first_page(args.first_page)))
        return
    rows = []
    for letters in args.letters:
        database = ROOT / "bench" / "out" / f"bench-{letters}.duckdb"
        if letters == 1_000_000:
            database = ROOT / "bench" / "out" / "bench-1m.duckdb"  # bench_dashboard's database
        if not database.exists():
            from bench.bench_dashboard import build  # not in the measured process: it loads pandas

            build(database, letters)
        writer = in_child(str(ROOT / "bench" / "bench_dashboard.py"), "--build-tables", database)
        runs = [cold_start(database) for _ in range(args.runs)]
        rows.append(
            (
                letters,
                database.stat().st_size,
                statistics.median(run["seconds"] for run in runs),
                max(run["peak_mb"] for run in runs),
                writer,
            )
        )
    print(
        f"{date.today()} · {platform.machine()}, {os.cpu_count()} cores · Python {platform.python_version()}"
        f" · median of {args.runs} fresh processes\n"
    )
    print(
        "| letters | database file | first page, cold (s) | peak memory of the dashboard process "
        "| the writer's build of the dashboard tables (s, peak memory) |"
    )
    print("|---:|---:|---:|---:|---:|")
    for letters, size, seconds, peak, writer in rows:
        built = (
            f"{writer['seconds']:.1f} s, {writer['peak_mb']:,.0f} MB"
            if writer["seconds"] >= 0.1
            else "(already built)"
        )
        print(f"| {letters:,} | {size / 2**20:,.0f} MB | {seconds:.1f} | {peak:,.0f} MB | {built} |")


if __name__ == "__main__":
    main()
