"""`python -m etl parse | eval | refresh | synth | download`: argument parsing and output only."""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import date
from pathlib import Path

from etl.extract import iter_documents
from etl.parse import NotALetter, parse_text

# The labelled sets `eval` reports by default, each with what its figure means.
FIXTURES = Path("tests/fixtures")
DEFAULT_SETS = (
    ("fixtures: the rules were written against these", [FIXTURES / "real", FIXTURES / "letters"]),
    ("blind dev: never seen before its first score, then used to fix rules", [FIXTURES / "blind" / "dev"]),
    ("blind holdout: never seen by the rule writer", [FIXTURES / "blind" / "holdout"]),
    (
        "blind holdout-2: written after the holdout's fixes, never tuned on",
        [FIXTURES / "blind" / "holdout-2"],
    ),
    (
        "reasons of the 60 real letters: labelled before the tagger existed, scored once, then tuned on",
        [FIXTURES / "reasons" / "real"],
    ),
    (
        "reasons of the blind holdout letters: labelled by another helper, scored blind once, then tuned on",
        [FIXTURES / "reasons" / "blind"],
    ),
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m etl", description="IMR Atlas ETL")
    commands = parser.add_subparsers(dest="command", required=True)

    parse = commands.add_parser("parse", help="letters (text, PDF, zip, folders) → JSON Lines")
    parse.add_argument("paths", nargs="+", metavar="PATH")

    evaluate = commands.add_parser("eval", help="field-level accuracy against labelled fixtures")
    evaluate.add_argument(
        "truth",
        nargs="*",
        type=Path,
        metavar="TRUTH",
        help="truth files, truth.jsonl or folders (default: each labelled set under tests/fixtures)",
    )
    evaluate.add_argument("--show", type=int, default=20, help="mismatches to list")

    refresh = commands.add_parser("refresh", help="load new and changed letters into the database")
    refresh.add_argument(
        "--source",
        action="append",
        required=True,
        metavar="PATH",
        help="a folder, zip or letter file (repeatable)",
    )
    refresh.add_argument("--db", help="database file (default: $IMR_DB, else data/imr.duckdb)")
    refresh.add_argument("--workers", type=int, help="parallel parsers (default: all cores)")
    refresh.add_argument(
        "--full", action="store_true", help="rebuild from the sources, ignoring the manifest"
    )
    refresh.add_argument(
        "--rescan",
        action="store_true",
        help="list every folder, not only those changed since the last refresh (finds files rewritten "
        "in place)",
    )

    synth = commands.add_parser("synth", help="write generated (synthetic) letters and truth.jsonl")
    synth.add_argument("--count", type=int, required=True)
    synth.add_argument("--out", type=Path, required=True)
    synth.add_argument("--seed", type=int, default=0)
    synth.add_argument("--pdf-share", type=_share, default=0.0)
    synth.add_argument("--noise-share", type=_share, default=0.0)

    download = commands.add_parser(
        "download", help="fetch the DWC's IMR letters (PDF) and its per-treatment listing"
    )
    download.add_argument("--out", type=Path, required=True, metavar="DIR")
    download.add_argument("--decided-from", type=_iso_date, metavar="YYYY-MM-DD")
    download.add_argument("--decided-to", type=_iso_date, metavar="YYYY-MM-DD")
    download.add_argument("--base-url", help="the DWC site (default: https://www.dir.ca.gov)")
    download.add_argument("--delay", type=_seconds, help="pause between requests (default: 1 s)")
    download.add_argument("--retry-wait", type=_seconds, help="first backoff before a retry (default: 2 s)")

    args = parser.parse_args(argv)
    if args.command == "parse":
        return run_parse(args.paths)
    if args.command == "eval":
        return run_eval(args.truth, args.show)
    if args.command == "refresh":
        return run_refresh(args)
    if args.command == "download":
        return run_download(args)
    return run_synth(args)


def _share(value: str) -> float:
    share = float(value)
    if not 0.0 <= share <= 1.0:
        raise argparse.ArgumentTypeError("must be between 0 and 1")
    return share


def _iso_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError("must be a date as YYYY-MM-DD") from None


def _seconds(value: str) -> float:
    seconds = float(value)
    if seconds < 0:
        raise argparse.ArgumentTypeError("must not be negative")
    return seconds


def run_parse(paths: list[str]) -> int:
    started = time.perf_counter()
    letters = errors = warned = 0
    out = sys.stdout
    for document in iter_documents(paths):
        if document.text is None:
            record: dict = {"source": document.source, "error": document.error}
        else:
            try:
                record = dict(parse_text(document.text, document.source, document.warnings))
            except NotALetter as err:
                record = {"source": document.source, "error": str(err)}
        if "error" in record:
            errors += 1
            print(f"{record['source']}: {record['error']}", file=sys.stderr)
        else:
            letters += 1
            warned += bool(record["warnings"])
        out.write(json.dumps(record, ensure_ascii=False) + "\n")
    seconds = time.perf_counter() - started
    print(
        f"parsed {letters} letters ({warned} with warnings), {errors} rejected, in {seconds:.2f} s",
        file=sys.stderr,
    )
    return 1 if errors else 0


def run_eval(truth: list[Path], show: int) -> int:
    from etl.evaluate import evaluate

    sets = [(None, truth)] if truth else [(name, paths) for name, paths in DEFAULT_SETS]
    missing = [str(p) for _, paths in sets for p in paths if not p.exists()]
    if missing:
        print(f"no such truth file or folder: {', '.join(missing)}", file=sys.stderr)
        return 2
    for name, paths in sets:
        if name:
            print(f"## {name}\n")
        print(evaluate(paths).render(show) + "\n")
    return 0


def run_refresh(args: argparse.Namespace) -> int:
    from etl.config import database_path
    from etl.refresh import EXIT_FATAL, UsageError, refresh

    try:
        return refresh(args.source, database_path(args.db), args.workers, args.full, rescan=args.rescan)
    except UsageError as err:
        print(f"refresh: {err}", file=sys.stderr)
        return EXIT_FATAL
    except KeyboardInterrupt:
        print("refresh interrupted: the database is unchanged", file=sys.stderr)
        return 130
    except Exception as err:  # a fatal error: one clear line, the live database untouched
        print(f"refresh failed: {type(err).__name__}: {err}", file=sys.stderr)
        return EXIT_FATAL


def run_download(args: argparse.Namespace) -> int:
    from etl.download import download

    try:
        options = {"base_url": args.base_url, "delay": args.delay, "retry_wait": args.retry_wait}
        given = {name: value for name, value in options.items() if value is not None}
        return download(args.out, args.decided_from, args.decided_to, **given)
    except KeyboardInterrupt:
        print("download interrupted: run it again to resume", file=sys.stderr)
        return 130


def run_synth(args: argparse.Namespace) -> int:
    from etl.synth.generate import write_corpus

    if args.count < 1:
        print("--count must be at least 1", file=sys.stderr)
        return 2
    write_corpus(
        args.count,
        args.out,
        seed=args.seed,
        pdf_share=args.pdf_share,
        noise_share=args.noise_share,
        progress=_progress(args.count),
    )
    print(f"wrote {args.count} synthetic letters and truth.jsonl to {args.out}", file=sys.stderr)
    return 0


def _progress(total: int):
    interactive = sys.stderr.isatty()
    step = max(1, total // 20)

    def report(done: int) -> None:
        if done == total or done % step == 0:
            end = "\r" if interactive and done < total else "\n"
            print(f"  {done}/{total} letters", end=end, file=sys.stderr, flush=True)

    return report
