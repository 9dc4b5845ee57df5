"""A small database for the dashboard and security tests, built like a refresh would build it.

Letters: the labelled fixture letters (and the real ones in ../shared when it is there), parsed
and loaded as real; generated letters loaded as synthetic, so the banner and the synthetic
filter have both kinds. Plus a few `etl_runs`, `files` and `rejects` rows.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from etl import dashboard_tables
from etl.extract import iter_documents
from etl.load import LoadedLetter, create_schema, insert_letters
from etl.parse import parse_text
from tests.conftest import FIXTURES, REAL_LETTERS, SEED

GENERATED = 240
PARSER_VERSION = "test"


def parsed_letters() -> list[LoadedLetter]:
    paths = [FIXTURES / "letters", SEED, REAL_LETTERS]
    documents = iter_documents(str(path) for path in paths if path.exists())
    return [
        LoadedLetter(parse_text(document.text, document.source), document.text, synthetic=False)
        for document in documents
        if document.text
    ]


def generated_letters(count: int) -> list[LoadedLetter]:
    from etl.synth.generate import generate_letter

    letters = []
    for index in range(count):
        text, record = generate_letter(random.Random(f"dashboard-tests:{index}"), index)
        letters.append(LoadedLetter(record, text, synthetic=True))
    return letters


def build_database(path: Path, letters: list[LoadedLetter]) -> None:
    con = duckdb.connect(str(path))
    create_schema(con)
    insert_letters(con, letters[: len(letters) // 2], PARSER_VERSION, run_id=1)
    insert_letters(con, letters[len(letters) // 2 :], PARSER_VERSION, run_id=2)
    runs = [
        (1, datetime(2026, 1, 5, 9, 0), datetime(2026, 1, 5, 9, 2), "ok", len(letters) // 2),
        (2, datetime(2026, 2, 1, 8, 30), datetime(2026, 2, 1, 8, 31), "ok", len(letters) - len(letters) // 2),
    ]
    con.executemany(
        "INSERT INTO etl_runs (run_id, started_at, finished_at, status, parser_version, letters_loaded)"
        " VALUES (?, ?, ?, ?, 'test', ?)",
        runs,
    )
    con.execute(
        """INSERT INTO files (path, size, mtime_ns, doc_id, status, first_seen_run)
           SELECT 'letters/' || coalesce(case_number, doc_id) || '.txt', 1000, 0, doc_id, 'ok', loaded_run
           FROM letters"""
    )
    con.executemany(
        "INSERT INTO rejects (path, reason, size, run_id, rejected_at) VALUES (?, ?, 10, ?, ?)",
        [
            ("letters/scan.pdf", "no text layer (scanned?)", 1, datetime(2026, 1, 5, 9, 1)),
            ("letters/ur-letter.txt", "not an IMR determination", 2, datetime(2026, 2, 1, 8, 31)),
            ("letters/progress.txt", "not an IMR determination", 2, datetime(2026, 2, 1, 8, 31)),
        ],
    )
    dashboard_tables.build(con)
    con.close()


@pytest.fixture(scope="session")
def fixture_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("dashboard") / "imr.duckdb"
    build_database(path, parsed_letters() + generated_letters(GENERATED))
    return path


@pytest.fixture
def imr_db(fixture_db: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The app reads the fixture database (through IMR_DB, as in production)."""
    monkeypatch.setenv("IMR_DB", str(fixture_db))
    return fixture_db


@pytest.fixture
def reference(fixture_db: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A plain read-only connection for computing the expected figures from `decisions`."""
    con = duckdb.connect(str(fixture_db), read_only=True)
    yield con
    con.close()
