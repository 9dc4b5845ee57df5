"""The SQL page's attack list through the real runner (a query process per statement) and the
real page: every statement refused with a message, the file unchanged, nothing written to disk,
and no query — crashing, runaway or greedy — able to take the dashboard down or starve it."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard import settings, sql_runner
from dashboard.sql_runner import RefusedQuery, RunningQuery
from tests.conftest import ROOT
from tests.security.attacks import SQL_ATTACKS

ATTACKS = [(kind, statement) for kind, statements in SQL_ATTACKS.items() for statement in statements]
HOSTNAME = Path("/etc/hostname").read_text().strip() if Path("/etc/hostname").exists() else ""


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def untouched(fixture_db: Path):
    """The database's bytes before the attacks; checked again after all of them."""
    before = sha256(fixture_db)
    yield
    assert sha256(fixture_db) == before


@pytest.mark.usefixtures("untouched")
@pytest.mark.parametrize(("kind", "statement"), ATTACKS, ids=[f"{k[:20]}:{s[:50]}" for k, s in ATTACKS])
def test_every_attack_is_refused_with_a_message(fixture_db: Path, kind: str, statement: str) -> None:
    with pytest.raises(RefusedQuery) as refusal:
        sql_runner.run(str(fixture_db), statement, row_cap=10, timeout=10)
    message = str(refusal.value)
    assert len(message) > 20
    assert "Traceback" not in message
    if HOSTNAME and len(HOSTNAME) > 3:
        assert HOSTNAME not in message  # no file content leaks through an error message
    for written in ("/tmp/letters.csv", "/tmp/letters.parquet", "/tmp/imr-export", "/tmp/imr-logs"):
        assert not Path(written).exists(), written
    # and the next query still runs
    assert sql_runner.run(str(fixture_db), "SELECT count(*) AS n FROM letters", row_cap=10).rows["n"][0] > 0


def test_the_query_process_has_its_limits(fixture_db: Path) -> None:
    result = sql_runner.run(
        str(fixture_db),
        "SELECT current_setting('threads') AS threads, current_setting('memory_limit') AS memory, "
        "current_setting('enable_external_access') AS external, "
        "current_setting('lock_configuration') AS locked",
        row_cap=10,
    )
    row = result.rows.row(0, named=True)
    assert int(row["threads"]) == settings.SQL_THREADS
    assert row["memory"].endswith(("MiB", "GiB")) and not row["external"] and row["locked"]


def test_a_runaway_query_is_interrupted_at_the_time_limit(fixture_db: Path) -> None:
    started = time.perf_counter()
    with pytest.raises(RefusedQuery, match=r"longer than 1 s"):
        sql_runner.run(
            str(fixture_db), "SELECT count(*) FROM range(1000000000000) a, range(10) b", 10, timeout=1
        )
    assert time.perf_counter() - started < 1 + settings.SQL_KILL_GRACE_SECONDS + 5


def test_a_query_deaf_to_the_interruption_is_killed(fixture_db: Path) -> None:
    """The process's own timer is set far off; the dashboard's side still ends it on time."""
    query = RunningQuery(str(fixture_db), "SELECT count(*) FROM range(1000000000000) a", 10, timeout=600)
    query.limits["timeout_s"] = 0.5  # the dashboard's view of the limit, not the process's
    started = time.perf_counter()
    try:
        with pytest.raises(RefusedQuery, match="its process was ended"):
            while query.result() is None:
                time.sleep(0.05)
    finally:
        query.stop()
    assert time.perf_counter() - started < 0.5 + settings.SQL_KILL_GRACE_SECONDS + 3
    assert query.process.poll() is not None and not query.folder.exists()


def test_a_crash_of_the_query_process_is_reported_not_shared(fixture_db: Path) -> None:
    query = RunningQuery(str(fixture_db), "SELECT count(*) FROM range(1000000000000) a", 10, timeout=60)
    try:
        time.sleep(1.0)
        os.kill(query.process.pid, signal.SIGSEGV)
        with pytest.raises(
            RefusedQuery, match=r"ended without an answer \(signal SIGSEGV\).*dashboard is unaffected"
        ):
            while query.result() is None:
                time.sleep(0.05)
    finally:
        query.stop()


def test_a_memory_hog_gets_a_clear_message(fixture_db: Path) -> None:
    with pytest.raises(RefusedQuery, match="needs more memory than the SQL page allows"):
        sql_runner.run(str(fixture_db), "SELECT list(i) FROM range(400000000) t(i)", 10, timeout=60)


def test_spilling_to_disk_is_capped(fixture_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(settings, "SQL_MEMORY_MB", 64)
    monkeypatch.setattr(settings, "SQL_TEMP_MB", 16)
    with pytest.raises(RefusedQuery, match="more disk to spill to"):
        sql_runner.run(
            str(fixture_db),
            "SELECT i, md5(i::varchar) AS h FROM range(20000000) t(i) ORDER BY h",
            10,
            timeout=60,
        )


def test_a_huge_result_is_cut_by_bytes_not_only_rows(fixture_db: Path) -> None:
    result = sql_runner.run(str(fixture_db), "SELECT repeat('x', 1000000) AS s FROM range(300)", 100_000)
    assert result.byte_capped and result.total_rows == 300
    assert 0 < result.rows.height < 300
    assert result.rows.estimated_size() <= settings.SQL_RESULT_BYTE_CAP


def test_the_query_process_dies_with_the_dashboard(fixture_db: Path, tmp_path: Path) -> None:
    """A dashboard killed with -9 leaves no query process behind."""
    script = (
        "import sys, time\n"
        "from dashboard.sql_runner import RunningQuery\n"
        f"q = RunningQuery({str(fixture_db)!r}, 'SELECT count(*) FROM range(1000000000000) a', 10, 600)\n"
        "print(q.process.pid, flush=True)\n"
        "time.sleep(600)\n"
    )
    dashboard = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    child = int(dashboard.stdout.readline())
    time.sleep(1.0)
    dashboard.kill()
    dashboard.wait()
    deadline = time.monotonic() + 10
    while Path(f"/proc/{child}").exists() and time.monotonic() < deadline:
        if Path(f"/proc/{child}/stat").read_text().split(") ")[-1].startswith("Z"):
            break  # a zombie waiting for init to reap it holds no memory
        time.sleep(0.1)
    alive = Path(f"/proc/{child}").exists() and not Path(f"/proc/{child}/stat").read_text().split(") ")[
        -1
    ].startswith("Z")
    assert not alive


# The page -----------------------------------------------------------------------------------


def run_on_page(at: AppTest, statement: str) -> AppTest:
    at.text_area(key="sql_text").set_value(statement)
    at.get("form_submit_button")[0].click()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.mark.usefixtures("imr_db")
def test_the_page_survives_the_crashing_statements_and_answers_the_next_query() -> None:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    at.switch_page(str(ROOT / "dashboard" / "pages" / "sql.py")).run()
    for statement in SQL_ATTACKS["SQL that crashes the engine (enable_logging to a file)"]:
        run_on_page(at, statement)
        assert at.error and "enable\\_logging" in at.error[0].value
    run_on_page(at, "SELECT count(*) AS n FROM letters")
    assert not at.error and at.dataframe[0].value["n"][0] > 0
