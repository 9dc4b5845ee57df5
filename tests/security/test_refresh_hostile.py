"""The refresh takes any file system: odd names, special files, unreadable folders, zip bombs and
a killed parent neither stop a run nor hide a file; what cannot be loaded is in `rejects`."""

from __future__ import annotations

import os
import random
from pathlib import Path

import pytest

from etl.refresh import EXIT_OK
from etl.synth.generate import generate_letter
from tests.etl.test_refresh import one, query, run, write_letters


def letter_text(seed: str) -> str:
    return generate_letter(random.Random(seed), 0)[0]


@pytest.fixture
def sources(tmp_path: Path) -> tuple[Path, Path]:
    """A folder of five good letters, and where the database goes."""
    letters = tmp_path / "letters"
    write_letters(letters, 0, 5)
    return letters, tmp_path / "db" / "imr.duckdb"


def test_a_name_that_is_not_utf8_loads_and_is_stored_losslessly(sources):
    letters, db = sources
    undecodable = letters / os.fsdecode(b"bad-\xff-name.txt")
    undecodable.write_text(letter_text("undecodable"), encoding="utf-8")
    (letters / r"bad-\xff-name.txt").write_text(letter_text("backslash"), encoding="utf-8")
    code, summary = run([letters], db)
    assert code == EXIT_OK, summary
    assert one(db, "SELECT count(*) FROM letters") == 7
    stored = {row[0] for row in query(db, "SELECT path FROM files WHERE status = 'ok'")}
    assert {f"{letters}/bad-\\xff-name.txt", f"{letters}/bad-\\\\xff-name.txt"} <= stored

    code, summary = run([letters], db)
    assert code == EXIT_OK and "0 new, 0 changed, 7 unchanged" in summary

    undecodable.unlink()
    code, summary = run([letters], db)
    assert code == EXIT_OK and "1 missing" in summary
    assert query(db, "SELECT path FROM files WHERE missing_since IS NOT NULL") == [
        (f"{letters}/bad-\\xff-name.txt",)
    ]
