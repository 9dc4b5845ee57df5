"""End-to-end refresh: `python bench/bench_refresh.py [--letters 100000] [--runs 3] [--pdf-share 0.1]
[--baseline-code DIR] [--db PATH] [--added 5000] [--no-io-floor] [--no-parse-baseline]`.

Builds (once, under bench/out/) a corpus of generated letters with `python -m etl synth`, then
measures, in the same run:
- baseline: reading every file (the I/O floor) and `python -m etl parse` single process,
- with PDFs in the corpus, the ceiling of PDF input: pypdfium2's text extraction alone over the
  same PDF files, as many processes as the refresh's workers (no parsing, nothing stored),
- a refresh into an empty database (all cores), its peak memory (the whole process tree, sampled
  from /proc), its CPU time split between the main process (the one writer: walk, load, the
  dashboard's tables) and its workers, and the database size,
- a refresh with nothing changed;
- with `--added N`: after each of those, a refresh that finds N letters more (generated with another
  seed into a new folder, given as a second source) and appends them, as a nightly run does;
- with `--baseline-code` (another checkout, e.g. `git archive <commit>` unpacked): the same two
  refreshes by that code, run alternately with this code's, so both meet the same machine load.
`--db` puts the database elsewhere (on another file system, say one that can reflink) and keeps
it after the run. Quotes medians; prints a markdown table for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import date
from multiprocessing import get_context
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"


def corpus(letters: int, pdf_share: float, seed: int = 7, name: str | None = None) -> Path:
    folder = OUT / (name or f"letters-{letters}-pdf{int(pdf_share * 100)}")
    if not (folder / "truth.jsonl").exists():
        subprocess.run(
            [
                sys.executable,
                "-m",
                "etl",
                "synth",
                "--count",
                str(letters),
                "--out",
                str(folder),
                "--seed",
                str(seed),
                "--pdf-share",
                str(pdf_share),
                "--noise-share",
                "0.2",
            ],
            cwd=ROOT,
            check=True,
        )
    return folder


def tree_rss(pid: int) -> int:
    """Resident memory of a process and all its descendants, in bytes."""
    total, pending = 0, [pid]
    while pending:
        current = pending.pop()
        try:
            with open(f"/proc/{current}/statm") as statm:
                total += int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
            with open(f"/proc/{current}/task/{current}/children") as children:
                pending += [int(child) for child in children.read().split()]
        except (FileNotFoundError, ProcessLookupError):
            continue
    return total


def children_cpu_seconds() -> float:
    """CPU time (user + system) of every finished child process and the children they waited for."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def own_cpu_seconds(pid: int) -> float | None:
    """CPU time (user + system) a live process has spent itself, its children's not counted."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Timed(NamedTuple):
    seconds: float
    peak: int  # bytes, the whole process tree
    own_cpu: float  # the command's own process, without its children (its last 0.1 s missed)


def timed_command(command: list[str], code: Path = ROOT) -> Timed:
    """Wall seconds, peak tree memory and the main process's own CPU of a command run in the
    checkout `code` (sampled every 0.1 s from /proc)."""
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=code, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peak = 0
    own_cpu = 0.0
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak, own_cpu
        while not stop.is_set():
            peak = max(peak, tree_rss(process.pid))
            own_cpu = own_cpu_seconds(process.pid) or own_cpu
            time.sleep(0.1)

    sampler = threading.Thread(target=sample)
    sampler.start()
    process.wait()
    stop.set()
    sampler.join()
    if process.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(command)} exited {process.returncode}")
    return Timed(time.perf_counter() - started, peak, own_cpu)


def read_all(folder: Path) -> float:
    started = time.perf_counter()
    for path in folder.rglob("*"):
        if path.is_file():
            path.read_bytes()
    return time.perf_counter() - started


def extract_pdfs(paths: list[str]) -> int:
    """pypdfium2 alone: every page's text of each PDF, as the refresh extracts it (the floor of the
    work a PDF costs). Returns the pages read."""
    import pypdfium2 as pdfium

    pages = 0
    for path in paths:
        document = pdfium.PdfDocument(Path(path).read_bytes())
        for index in range(len(document)):
            page = document[index]
            textpage = page.get_textpage()
            textpage.get_text_range()
            textpage.close()
            page.close()
            pages += 1
        document.close()
    return pages


def extraction_ceiling(folder: Path, workers: int) -> tuple[float, int] | None:
    """Seconds to extract the text of every PDF in `folder` with `workers` processes (already
    started, as the refresh's are when it reads), and how many PDFs; None without PDFs."""
    pdfs = sorted(str(path) for path in folder.rglob("*.pdf"))
    if not pdfs:
        return None
    chunks = [pdfs[start : start + 200] for start in range(0, len(pdfs), 200)]
    with ProcessPoolExecutor(workers, mp_context=get_context("spawn")) as pool:
        list(pool.map(extract_pdfs, [[]] * workers))  # start every process before the clock
        started = time.perf_counter()
        list(pool.map(extract_pdfs, chunks))
        return time.perf_counter() - started, len(pdfs)


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__)
    options.add_argument("--letters", type=int, default=100_000)
    options.add_argument("--runs", type=int, default=3)
    options.add_argument("--pdf-share", type=float, default=0.0)
    options.add_argument("--workers", type=int, default=os.cpu_count())
    options.add_argument("--baseline-code", type=Path, help="another checkout, timed alternately")
    options.add_argument(
        "--no-parse-baseline", action="store_true", help="skip the single-process parse (the slowest step)"
    )
    options.add_argument("--no-io-floor", action="store_true", help="skip reading every file first")
    options.add_argument(
        "--db", type=Path, help="the database (kept); default bench/out/bench-refresh.duckdb"
    )
    options.add_argument("--added", type=int, default=0, help="letters a nightly run adds, timed after")
    options.add_argument(
        "--existing", action="store_true", help="time only the runs on the database --db already holds"
    )
    args = options.parse_args()
    folder = corpus(args.letters, args.pdf_share)
    codes = {"this code": ROOT} | (
        {"baseline code": args.baseline_code.resolve()} if args.baseline_code else {}
    )
    db = (args.db or OUT / "bench-refresh.duckdb").absolute()
    io_floor = [] if args.no_io_floor else [read_all(folder) for _ in range(args.runs)]
    parse_only = (
        []
        if args.no_parse_baseline
        else [timed_command([sys.executable, "-m", "etl", "parse", str(folder)]).seconds]
    )
    ceiling = [extraction_ceiling(folder, args.workers) for _ in range(args.runs)]
    builds: dict[str, list[float]] = {name: [] for name in codes}
    peaks: dict[str, list[int]] = {name: [] for name in codes}
    cpu: dict[str, list[float]] = {name: [] for name in codes}
    main_cpu: dict[str, list[float]] = {name: [] for name in codes}
    unchanged: dict[str, list[float]] = {name: [] for name in codes}
    added: dict[str, list[Timed]] = {name: [] for name in codes}
    sizes: dict[str, int] = {}
    for _ in range(args.runs):
        for name, code in codes.items():
            refresh = [sys.executable, "-m", "etl", "refresh", "--source", str(folder), "--db", str(db)]
            refresh += ["--workers", str(args.workers)]
            if not args.existing:
                for leftover in db.parent.glob(db.name + "*"):
                    leftover.unlink()
                cpu_before = children_cpu_seconds()
                timed = timed_command(refresh, code)
                cpu[name].append(children_cpu_seconds() - cpu_before)
                main_cpu[name].append(timed.own_cpu)
                builds[name].append(timed.seconds)
                peaks[name].append(timed.peak)
            unchanged[name].append(timed_command(refresh, code).seconds)
            sizes[name] = db.stat().st_size
            if args.added:
                nights = len(list(OUT.glob(f"letters-{args.added}-night-*")))
                night = corpus(
                    args.added, args.pdf_share, seed=100 + nights, name=f"letters-{args.added}-night-{nights}"
                )
                added[name].append(timed_command([*refresh, "--source", str(night)], code))
    median = statistics.median
    machine = f"{platform.machine()}, {os.cpu_count()} cores · Python {platform.python_version()}"
    filesystem = subprocess.run(["stat", "-f", "-c", "%T", str(db.parent)], capture_output=True, text=True)
    print(
        f"{date.today()} · {machine} · "
        f"{args.letters:,} generated letters, {args.pdf_share:.0%} PDF, 20% with extraction noise · "
        f"{args.workers} workers · median of {args.runs} runs (parse-only baseline: 1 run) · "
        f"database on {filesystem.stdout.strip() or 'an unknown file system'}\n"
    )
    print("| measure | seconds (median) | letters/s | peak memory |")
    print("|---|---|---|---|")
    if io_floor:
        print(
            f"| baseline: read every file | {median(io_floor):.1f} | "
            f"{args.letters / median(io_floor):,.0f} | |"
        )
    if parse_only:
        print(
            f"| baseline: `python -m etl parse`, 1 process | {median(parse_only):.1f} | "
            f"{args.letters / median(parse_only):,.0f} | |"
        )
    if ceiling[0] is not None:
        pdfs = ceiling[0][1]
        seconds = median(run[0] for run in ceiling)
        print(
            f"| ceiling: pypdfium2 text extraction alone, {pdfs:,} PDFs, {args.workers} processes | "
            f"{seconds:.1f} | {pdfs / seconds:,.0f} PDFs/s | |"
        )
    for name in codes:
        label = "" if len(codes) == 1 else f", {name}"
        if builds[name]:
            print(
                f"| refresh into an empty database{label} | {median(builds[name]):.1f} | "
                f"{args.letters / median(builds[name]):,.0f} | {max(peaks[name]) / 2**20:,.0f} MB (max) |"
            )
            print(
                f"| refresh into an empty database{label}, CPU time of the process tree | "
                f"{median(cpu[name]):.1f} | {args.letters / median(cpu[name]):,.0f} per CPU second | |"
            )
            for part, seconds in (
                ("the main process (walk, load, dashboard tables)", median(main_cpu[name])),
                (
                    "the workers",
                    median(tree - own for tree, own in zip(cpu[name], main_cpu[name], strict=True)),
                ),
            ):
                print(
                    f"| … of which {part}{label} | {seconds:.1f} | "
                    f"{seconds / args.letters * 1e6:,.0f} µs a letter | |"
                )
        print(f"| refresh, nothing changed{label} | {median(unchanged[name]):.1f} | | |")
        if added[name]:
            seconds = median(run.seconds for run in added[name])
            print(
                f"| refresh, {args.added:,} letters added{label} | {seconds:.1f} | "
                f"{args.added / seconds:,.0f} | "
                f"{max(run.peak for run in added[name]) / 2**20:,.0f} MB (max) |"
            )
    if ceiling[0] is not None and ceiling[0][1] == args.letters and not args.existing:  # every letter a PDF
        for name in codes:
            share = median(run[0] for run in ceiling) / median(builds[name])
            label = "" if len(codes) == 1 else f" ({name})"
            print(f"\nrefresh{label}: {share:.0%} of the extraction ceiling (letters/s over its PDFs/s)")
    for name in codes:
        label = "" if len(codes) == 1 else f" ({name})"
        print(f"\ndatabase size{label}: {sizes[name] / 2**20:,.0f} MB")
    if len(codes) > 1:
        for name in codes:
            walls = ", ".join(f"{seconds:.1f}" for seconds in builds[name])
            cpus = ", ".join(f"{seconds:.1f}" for seconds in cpu[name])
            print(f"\n{name}, each refresh into an empty database in run order: {walls} s ({cpus} CPU s)")


if __name__ == "__main__":
    main()
