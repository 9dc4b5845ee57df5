"""Dashboard query speed: `python bench/bench_dashboard.py [--db PATH] [--letters N] [--runs 5] [--only …]`.

Builds (once, if missing) a database of generated letters straight from the generator's truth
records — no parsing — into bench/out/ (git-ignored). Then, in one run: each page's queries
(dashboard.queries, exactly as the pages call them, without Streamlit's cache), then the same
aggregations in pandas over the same flat tables held in memory, unfiltered and filtered; and the
Letters page's searches (whole letters, prefix, multi-word, items only) against the plain way in
DuckDB, `ILIKE` over every letter text. Prints markdown tables of medians for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import date
from multiprocessing import get_context
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.peak import peak_mb  # noqa: E402
from dashboard import queries  # noqa: E402
from dashboard.connection import Database, file_identity  # noqa: E402
from dashboard.filters import Filters  # noqa: E402
from etl import dashboard_tables  # noqa: E402
from etl.dashboard_tables import (  # noqa: E402
    ATTACHED_AS,
    FILE,
    ITEMS_TABLE,
    LETTER_TERMS_TABLE,
    SCHEMA,
    SOURCE_SETS,
    SPECIALTY_SETS,
    STATE_SETS,
    TERMS_TABLE,
)
from etl.load import LoadedLetter, create_schema, insert_letters  # noqa: E402
from etl.refresh import DUCKDB_SETTINGS, build_dashboard_tables  # noqa: E402
from etl.search_terms import term_hash  # noqa: E402
from etl.synth.generate import generate_letter  # noqa: E402

BATCH = 20_000
SEED = "bench"
PARSER_VERSION = "synth-truth"


def generate_batch(indexes: range) -> list[LoadedLetter]:
    """One batch of generated letters, marked synthetic (they are)."""
    letters = []
    for index in indexes:
        text, record = generate_letter(random.Random(f"{SEED}:{index}"), index)
        letters.append(LoadedLetter(record, text, synthetic=True))
    return letters


def build(path: Path, count: int) -> None:
    """Write the database beside `path` and move it into place only when complete."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".building")
    partial.unlink(missing_ok=True)
    started = time.perf_counter()
    con = duckdb.connect(str(partial))
    create_schema(con)
    batches = [range(start, min(start + BATCH, count)) for start in range(0, count, BATCH)]
    letters = items = 0
    with get_context("fork").Pool(os.cpu_count() or 1) as pool:
        for batch in pool.imap(generate_batch, batches):
            added = insert_letters(con, batch, PARSER_VERSION, run_id=1)
            letters, items = letters + added[0], items + added[1]
            print(f"\r{letters:,} letters, {items:,} items", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    con.execute(
        "INSERT INTO etl_runs (run_id, started_at, finished_at, status, parser_version, full_rebuild,"
        " letters_loaded, items_loaded, seconds) VALUES (1, now(), now(), 'ok', ?, true, ?, ?, ?)",
        [PARSER_VERSION, letters, items, time.perf_counter() - started],
    )
    con.execute("CHECKPOINT")
    con.close()
    os.replace(partial, path)
    print(f"built {path} in {time.perf_counter() - started:.0f} s", file=sys.stderr)


def ensure_dashboard_tables(path: Path) -> float:
    """Build the dashboard's tables into `path` as a refresh does (its settings, every core) when
    they are missing or of an older version; the seconds it took (0 when they were current). Run
    it in a fresh process (`--build-tables`) to measure its peak memory."""
    con = duckdb.connect(str(path), config=DUCKDB_SETTINGS)
    started = time.perf_counter()
    if dashboard_tables.built_version(con) != dashboard_tables.VERSION:
        build_dashboard_tables(con, os.cpu_count() or 1, sys.stderr)
        con.execute("CHECKPOINT")
    con.close()
    return time.perf_counter() - started


ALL = Filters(include_synthetic=True)
FILTERED = Filters(
    include_synthetic=True,
    date_from=date(2016, 1, 1),
    categories=("Pharmaceuticals",),
    specialties=("Physical Medicine & Rehabilitation",),
)
SEARCH = "norco"
# (what it shows, search, scope). The rare drug: the drug of etl/rules/drugs.csv that generated
# letters name most often only in their case summaries (naloxone: in about 1 letter in 750, named
# by an item of the letter in a quarter of them); the bench prints how many letters hold it.
RARE_SUMMARY_DRUG = "naloxone"
SEARCHES = (
    ("plain word", "norco", "letter"),
    ("prefix", "gabapent*", "letter"),
    ("rare drug, mostly in case summaries", RARE_SUMMARY_DRUG, "letter"),
    ("multi-word", "lumbar epidural injection", "letter"),
    ("plain word, items only (the previous search)", "norco", "item"),
)
PANDAS_ENUMS = (
    "age_band",
    "gender",
    "layout",
    "category",
    "subcategory",
    "decision",
    "reviewer_source",
    "claims_source",
)


def duckdb_pages(db: Database, filters: Filters, category: str) -> dict[str, Callable[[], object]]:
    """Each page's queries as the page runs them (the sidebar's options are cached per refresh)."""
    c = db.cursor

    def letters(search: str | None) -> Callable[[], object]:
        def run() -> object:
            found = queries.search(c(), search, "item") if search else None
            page = queries.explorer_page(c(), filters, found, 0)
            doc_id = page["doc_id"][0]
            return (
                queries.headline(c(), filters),
                queries.explorer_count(c(), filters, found),
                queries.letter(c(), doc_id),
                queries.letter_items(c(), doc_id),
            )

        return run

    return {
        "Overview": lambda: (
            queries.headline(c(), filters),
            queries.monthly(c(), filters),
            queries.by_category(c(), filters),
            queries.last_refresh(c()),
        ),
        "Treatment types": lambda: (
            queries.headline(c(), filters),
            queries.by_category(c(), filters),
            queries.by_subcategory(c(), filters, category),
            queries.top_treatments(c(), filters, category),
        ),
        "Reviewer specialties": lambda: (
            queries.headline(c(), filters),
            queries.by_specialty(c(), filters),
            queries.specialty_by_category(c(), filters),
            queries.by_state(c(), filters),
        ),
        "Guidelines": lambda: (
            queries.headline(c(), filters),
            queries.citation_sources_by_year(c(), filters),
            queries.by_guideline(c(), filters, "document", 30),
            queries.source_agreement(c(), filters),
            queries.differing_sources(c(), filters),
        ),
        "Letters": letters(None),
        f"Letters, search '{SEARCH}'": letters(SEARCH),
        "Data quality": lambda: (
            queries.headline(c(), filters),
            queries.coverage(c(), filters),
            queries.letter_coverage(c()),
            queries.warnings_by_kind(c()),
            queries.rejects_by_reason(c()),
            queries.rejects(c()),
            queries.refresh_runs(c()),
        ),
    }


def search_page(db: Database, filters: Filters, search: str, scope: str) -> Callable[[], int]:
    """The Letters page with a search, as the page runs it: the search's words looked up, the
    count, the first page, the first letter with its items. Returns the count."""
    c = db.cursor

    def run() -> int:
        found = queries.search(c(), search, scope)
        page = queries.explorer_page(c(), filters, found, 0)
        count = queries.explorer_count(c(), filters, found)
        if not page.is_empty():
            queries.letter(c(), page["doc_id"][0])
            queries.letter_items(c(), page["doc_id"][0])
        return count

    return run


def ilike_page(db: Database, filters: Filters, search: str, scope: str) -> Callable[[], int]:
    """The baseline: the same page with every word (a prefix's stem) matched by `ILIKE` over the
    letter texts in the file (scope `item`: the items' treatment and rationale) — one scan of every
    text — then counted and paged like the page."""
    c = db.cursor
    stems = [word.strip("*") for word in search.split()]
    key, texts, text = (
        ("doc_id", "letter_texts", "text")
        if scope == "letter"
        else ("item_id", "items", "treatment || ' ' || coalesce(rationale, '')")
    )

    def run() -> int:
        cursor = c()
        condition, params = queries.where(filters, cursor)
        cursor.execute(
            f"CREATE OR REPLACE TEMP TABLE bench_hits AS SELECT {key} FROM {FILE}.{texts} "
            f"WHERE {' AND '.join([f'{text} ILIKE ?'] * len(stems))}",
            [f"%{stem}%" for stem in stems],
        )
        matching = f"{condition} AND {key} IN (SELECT {key} FROM bench_hits)"
        count = cursor.execute(f"SELECT count(*) FROM {ITEMS_TABLE} WHERE {matching}", params).fetchone()[0]
        page = cursor.execute(
            f"SELECT doc_id FROM {ITEMS_TABLE} WHERE {matching} ORDER BY page_key LIMIT 50", params
        ).fetchall()
        if page:
            queries.letter(c(), page[0][0])
            queries.letter_items(c(), page[0][0])
        return count

    return run


def wall_and_cpu_ms(function: Callable[[], object], runs: int) -> tuple[float, float]:
    """Median wall and CPU milliseconds of `runs` calls (CPU: every thread of this process, which
    runs DuckDB's; on a machine others keep busy, wall time grows while CPU time does not)."""
    walls, cpus = [], []
    for _ in range(runs):
        wall, cpu = time.perf_counter(), time.process_time()
        function()
        walls.append((time.perf_counter() - wall) * 1000)
        cpus.append((time.process_time() - cpu) * 1000)
    return statistics.median(walls), statistics.median(cpus)


def search_table(db: Database, filter_sets: tuple, runs: int, baseline: bool = True) -> list[str]:
    """Markdown rows: each search, filtered and not, against the ILIKE baseline (timed once: each
    run scans gigabytes of text at a million letters; left out without `baseline`)."""
    lines = (
        [
            "| search | scope | filters | items found | DuckDB (ms) | DuckDB CPU (ms) | ILIKE items "
            "| ILIKE (ms) | ILIKE CPU (ms) | speed-up (CPU) | under 300 ms |",
            "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---|",
        ]
        if baseline
        else [
            "| search | scope | filters | items found | DuckDB (ms) | DuckDB CPU (ms) | under 300 ms |",
            "|---|---|---|---:|---:|---:|---|",
        ]
    )
    for label, filters in filter_sets:
        for what, search, scope in SEARCHES:
            ours = search_page(db, filters, search, scope)
            found = ours()  # also the warm-up
            ours_ms, ours_cpu = wall_and_cpu_ms(ours, runs)
            row = f"| {what}: `{search}` | {queries.SEARCH_SCOPES[scope][0]} | {label} | {found:,} | "
            row += f"{ours_ms:.0f} | {ours_cpu:.0f} | "
            if baseline:
                theirs = ilike_page(db, filters, search, scope)
                matched = theirs()
                theirs_ms, theirs_cpu = wall_and_cpu_ms(theirs, 1)
                row += f"{matched:,} | {theirs_ms:.0f} | {theirs_cpu:.0f} | {theirs_cpu / ours_cpu:.0f}× | "
            lines.append(row + f"{'yes' if ours_ms < 300 else 'no'} |")
    return lines


def rare_drug_letters(db: Database) -> tuple[int, int]:
    """(letters naming the rare drug, of which no item names it in its treatment or rationale)."""
    hashed = term_hash(RARE_SUMMARY_DRUG)
    cursor = db.cursor()
    letters = cursor.execute(f"SELECT count(*) FROM {LETTER_TERMS_TABLE} WHERE term_hash = ?", [hashed])
    in_letters = letters.fetchone()[0]
    items = cursor.execute(
        f"""SELECT count(DISTINCT d.letter_row) FROM {TERMS_TABLE} t JOIN {ITEMS_TABLE} d USING (item_row)
            WHERE t.term_hash = ?""",
        [hashed],
    )
    return in_letters, in_letters - items.fetchone()[0]


def _texts(path: str, chunk: int = 100_000) -> pd.Series:
    """Every letter's text by doc_id, held as Arrow strings and read in chunks through a
    connection of its own, closed afterwards: the texts take gigabytes at a million letters, and
    a query result plus its pandas copy, or the file blocks a reading connection keeps cached,
    would not fit in memory beside the dashboard's tables."""
    cursor = duckdb.connect(path, read_only=True)
    count = cursor.execute("SELECT count(*) FROM letter_texts").fetchone()[0]
    parts = [
        cursor.execute(
            "SELECT doc_id, text FROM letter_texts WHERE rowid >= ? AND rowid < ?", [start, start + chunk]
        ).to_arrow_table()
        for start in range(0, count, chunk)
    ]
    cursor.close()
    table = pa.concat_tables(parts)
    index = pd.Index(table.column("doc_id").to_pylist(), name="doc_id")
    return pd.Series(pd.arrays.ArrowExtensionArray(table.column("text")), index=index, name="text")


class PandasBaseline:
    """The same aggregations in pandas, over the same flat tables loaded into memory once."""

    def __init__(self, db: Database) -> None:
        cursor = db.cursor()
        cursor.execute(f"SET search_path = '{ATTACHED_AS}.{SCHEMA},{FILE}'")  # its tables, then the file's
        # The flat item table as the dashboard's first version held it: its list columns in place
        # of the dashboard tables' list numbers, ENUMs as text.
        self.items = cursor.execute(
            f"""SELECT d.letter_row, d.item_id, d.doc_id, d.item_no, d.case_number, d.decision_date,
                       d.decision_year::BIGINT AS decision_year, d.decision_month,
                       {", ".join(f"d.{column}::VARCHAR AS {column}" for column in PANDAS_ENUMS)},
                       d.synthetic, d.treatment, d.treatment_key, d.upheld, sp.value_list AS specialties,
                       st.value_list AS states, so.value_list AS reviewer_sources, i.rationale
                FROM {ITEMS_TABLE} d
                JOIN {SPECIALTY_SETS} sp ON sp.set_no = d.specialty_set
                JOIN {STATE_SETS} st ON st.set_no = d.state_set
                JOIN {SOURCE_SETS} so ON so.set_no = d.source_set
                JOIN items i ON i.doc_id = d.doc_id AND i.item_no = d.item_no
                ORDER BY d.letter_row, d.item_no"""
        ).df()
        self.citations = cursor.execute(
            "SELECT letter_row, decision_date, decision_year::BIGINT AS decision_year, "
            "category::VARCHAR AS category, upheld, "
            "source::VARCHAR AS source, document::VARCHAR AS document, section::VARCHAR AS section, pages "
            "FROM dash_reviewer_citations"
        ).df()
        self.specialties = self.items.drop_duplicates("letter_row")[["letter_row", "specialties"]].explode(
            "specialties"
        )
        self.specialties = self.specialties.rename(columns={"specialties": "specialty"}).dropna()
        self.letters = cursor.execute("SELECT doc_id, warnings, item_count FROM letters").df()
        self.texts = _texts(db.identity.path)
        self.rejects = cursor.execute("SELECT * FROM rejects").df()
        self.runs = cursor.execute("SELECT * FROM etl_runs").df()

    def mask(self, frame: pd.DataFrame, filters: Filters) -> pd.Series:
        keep = pd.Series(True, index=frame.index)
        if filters.date_from:
            keep &= frame["decision_date"] >= pd.Timestamp(filters.date_from)
        if filters.categories:
            keep &= frame["category"].isin(filters.categories)
        if filters.specialties:
            rows = self.specialties.loc[self.specialties["specialty"].isin(filters.specialties), "letter_row"]
            keep &= frame["letter_row"].isin(rows)
        return keep

    @staticmethod
    def rates(grouped) -> pd.DataFrame:
        out = grouped.agg(items=("upheld", "size"), n=("upheld", "count"), upheld=("upheld", "sum"))
        return out.assign(uphold_rate=out["upheld"] / out["n"])

    def pages(self, filters: Filters, category: str) -> dict[str, Callable[[], object]]:
        items = lambda: self.items[self.mask(self.items, filters)]  # noqa: E731
        cites = lambda: self.citations[self.mask(self.citations, filters)]  # noqa: E731

        def headline() -> object:
            shown = items()
            return len(shown), shown["letter_row"].nunique(), shown["upheld"].count(), shown["upheld"].sum()

        def letters(search: str | None) -> Callable[[], object]:
            def run() -> object:
                shown = items()
                if search:
                    text = shown["treatment"].fillna("") + " " + shown["rationale"].fillna("")
                    shown = shown[text.str.contains(search, case=False, regex=False)]
                page = shown.sort_values(["decision_date", "item_id"], ascending=[False, True]).head(50)
                doc_id = page["doc_id"].iloc[0]
                return headline(), len(shown), self.texts[doc_id], self.items[self.items["doc_id"] == doc_id]

            return run

        def by_list(column: str, *also: str) -> object:
            return self.rates(items()[[column, *also, "upheld"]].explode(column).groupby([column, *also]))

        def top_treatments() -> object:
            chosen = items()
            chosen = chosen[chosen["category"] == category]
            top = chosen["treatment_key"].value_counts().head(25).index
            chosen = chosen[chosen["treatment_key"].isin(top)]
            grouped = chosen.groupby("treatment_key")
            return (
                self.rates(grouped),
                grouped["treatment"].nunique(),
                grouped["treatment"].agg(lambda s: s.mode()[0]),
            )

        def agreement() -> object:
            shown = items()
            reviewer, claims = shown["reviewer_source"], shown["claims_source"]
            group = np.select(
                [reviewer.isna() & claims.isna(), claims.isna(), reviewer.isna(), reviewer == claims],
                ["neither", "reviewer only", "claims administrator only", "same source"],
                "different source",
            )
            return self.rates(shown.groupby(group))

        def differing() -> object:
            shown = items()
            shown = shown[shown["reviewer_source"].notna() & shown["claims_source"].notna()]
            shown = shown[shown["reviewer_source"] != shown["claims_source"]]
            return self.rates(shown.groupby(["claims_source", "reviewer_source"]))

        def quality() -> object:
            shown = items()
            warnings = self.letters["warnings"].explode().dropna().str.split(":").str[0].value_counts()
            return (
                headline(),
                (shown["decision"] == "unknown").sum(),
                shown["reviewer_sources"].map(len).eq(0).sum(),
                (self.letters["warnings"].map(len) > 0).sum(),
                warnings,
                self.rejects.groupby("reason").size(),
                self.runs.sort_values("run_id"),
            )

        return {
            "Overview": lambda: (
                headline(),
                self.rates(items().groupby("decision_month")),
                self.rates(items().groupby("category")),
                self.runs.sort_values("run_id").tail(1),
            ),
            "Treatment types": lambda: (
                headline(),
                self.rates(items().groupby("category")),
                self.rates(items()[items()["category"] == category].groupby("subcategory", dropna=False)),
                top_treatments(),
            ),
            "Reviewer specialties": lambda: (
                headline(),
                by_list("specialties"),
                by_list("specialties", "category"),
                by_list("states"),
            ),
            "Guidelines": lambda: (
                headline(),
                cites().groupby(["decision_year", "source"]).size(),
                self.rates(cites().groupby(["source", "document"])).nlargest(30, "items"),
                agreement(),
                differing(),
            ),
            "Letters": letters(None),
            f"Letters, search '{SEARCH}'": letters(SEARCH),
            "Data quality": quality,
        }


def median_ms(function: Callable[[], object], runs: int) -> float:
    function()  # warm: the first run pays for loading columns into memory
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=ROOT / "bench" / "out" / "bench-1m.duckdb")
    parser.add_argument(
        "--letters", type=int, default=1_000_000, help="letters to generate if --db is missing"
    )
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--build-tables", type=Path, help=argparse.SUPPRESS)  # the child process's part
    parser.add_argument(
        "--only",
        choices=("all", "search", "duckdb"),
        default="all",
        help="search: the search table alone; duckdb: every page and search without the pandas and ILIKE "
        "baselines (for sizes they do not fit in memory or time: pandas ~18 GB at a million letters)",
    )
    args = parser.parse_args(argv)
    if args.build_tables:
        print(json.dumps({"seconds": ensure_dashboard_tables(args.build_tables), "peak_mb": peak_mb()}))
        return 0
    if not args.db.exists():
        build(args.db, args.letters)
    writer = subprocess.run(
        [sys.executable, __file__, "--build-tables", str(args.db)],
        check=True,
        stdout=subprocess.PIPE,  # its errors reach the terminal
        text=True,
    )
    writer_seconds, writer_peak_mb = json.loads(writer.stdout.strip().splitlines()[-1]).values()

    started = time.perf_counter()
    db = Database(file_identity(args.db))
    open_seconds = time.perf_counter() - started
    letters, items = (
        db.cursor().execute("SELECT count(DISTINCT letter_row), count(*) FROM dash_items").fetchone()
    )
    postings = db.cursor().execute(f"SELECT count(*) FROM {LETTER_TERMS_TABLE}").fetchone()[0]
    filter_sets = (("none", ALL), ("2016+, Pharmaceuticals, PM&R reviewer", FILTERED))
    machine = (
        f"{letters:,} generated letters, {items:,} items; {args.db.stat().st_size / 1e9:.1f} GB file; "
        f"{os.cpu_count()} cores ({platform.processor() or platform.machine()}); "
        f"duckdb {duckdb.__version__}, pandas {pd.__version__}; median of {args.runs} runs."
    )
    # The searches first, before the pandas frames fill the memory.
    searches = search_table(db, filter_sets, args.runs, baseline=args.only != "duckdb")
    rare, rare_outside_items = rare_drug_letters(db)
    print(
        f"{machine}\n\nOpening the database: {open_seconds:.2f} s. "
        + (
            f"The dashboard's tables, built first as a refresh builds them: {writer_seconds:.0f} s "
            f"(peak memory of the process {writer_peak_mb / 1024:.1f} GiB).\n"
            if writer_seconds >= 0.1
            else "(The dashboard's tables were already built.)\n"
        )
    )
    print(
        f"Whole-letter postings: {postings:,}. '{RARE_SUMMARY_DRUG}': in {rare:,} letters, "
        f"{rare_outside_items:,} of them naming it in no item's treatment or rationale.\n"
    )
    print("\n".join(searches) + "\n")
    if args.only == "search":
        db.close()
        return 0
    category = queries.by_category(db.cursor(), ALL)["category"][0]
    options_ms = median_ms(lambda: queries.filter_options(db.cursor()), args.runs)
    # DuckDB is timed before the pandas frames (18 GB) exist, as the dashboard runs: without
    # another engine's data crowding the memory of a 24 GB machine.
    ours = {
        label: {page: median_ms(run, args.runs) for page, run in duckdb_pages(db, filters, category).items()}
        for label, filters in filter_sets
    }
    if args.only == "duckdb":
        print(f"Sidebar filter options {options_ms:.0f} ms.\n")
        print("| page | filters | DuckDB (ms) | under 300 ms |")
        print("|---|---|---:|---|")
        for label, _ in filter_sets:
            for page, duckdb_ms in ours[label].items():
                print(f"| {page} | {label} | {duckdb_ms:.0f} | {'yes' if duckdb_ms < 300 else 'no'} |")
        db.close()
        return 0
    started = time.perf_counter()
    baseline = PandasBaseline(db)
    pandas_seconds = time.perf_counter() - started

    for filters in (ALL, FILTERED):  # the two engines must agree
        mine = queries.headline(db.cursor(), filters).row(0, named=True)
        shown = baseline.items[baseline.mask(baseline.items, filters)]
        assert (mine["items"], mine["n"], mine["upheld"]) == (
            len(shown),
            shown["upheld"].count(),
            shown["upheld"].sum(),
        )

    print(f"Pandas baseline load {pandas_seconds:.1f} s; sidebar filter options {options_ms:.0f} ms.\n")
    print("| page | filters | DuckDB (ms) | pandas (ms) | speed-up | under 300 ms |")
    print("|---|---|---:|---:|---:|---|")
    for label, filters in filter_sets:
        theirs = baseline.pages(filters, category)
        for page, duckdb_ms in ours[label].items():
            pandas_ms = median_ms(theirs[page], args.runs)
            print(
                f"| {page} | {label} | {duckdb_ms:.0f} | {pandas_ms:.0f} | {pandas_ms / duckdb_ms:.1f}× | "
                f"{'yes' if duckdb_ms < 300 else 'no'} |"
            )
    db.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
