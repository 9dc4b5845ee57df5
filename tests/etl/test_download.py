import csv
import io
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import date, timedelta

import pytest

from etl.cli import main
from etl.download import LISTING, USER_AGENT, download, lock_folder, pdf_problem, windows
from tests.conftest import ROOT
from tests.etl.dwc_stand_in import Case, StandIn, make_cases, serve

FIRST_DAY = date(2024, 3, 4)
RANGE = ("--decided-from", "2024-03-04", "--decided-to", "2024-03-24")


@pytest.fixture
def stand_in():
    site = StandIn(make_cases(60, FIRST_DAY))  # 20 days, 100 treatment rows, weeks of 3 to 2 pages
    server = serve(site)
    yield site
    server.shutdown()
    server.server_close()


def run(stand_in: StandIn, out, **options) -> tuple[int, str]:
    errors = io.StringIO()
    code = download(
        out,
        date(2024, 3, 4),
        date(2024, 3, 24),
        base_url=stand_in.url,
        delay=0,
        retry_wait=0,
        errors=errors,
        **options,
    )
    return code, errors.getvalue()


def listing(out) -> list[dict[str, str]]:
    with (out / LISTING).open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def pdfs(out) -> list[str]:
    return sorted(path.name for path in out.rglob("*.pdf"))


def expected_pdfs(stand_in: StandIn) -> list[str]:
    return sorted(f"{case.number}.pdf" for case in stand_in.cases)


def test_walks_every_page_lists_every_treatment_and_fetches_each_pdf_once(stand_in, tmp_path):
    code, errors = run(stand_in, tmp_path)
    assert code == 0, errors
    rows = listing(tmp_path)
    assert len(rows) == sum(len(case.treatments) for case in stand_in.cases) == 100
    assert len({(row["case_number"], row["treatment_no"]) for row in rows}) == 100
    tens = next(row for row in rows if row["treatment_no"] == "2")
    assert (tens["subcategory"], tens["decision"], tens["decision_date"]) == (
        "TENS <unit> & pads",
        "Overturned",
        "2024-03-04",
    )
    assert tens["pdf_url"] == f"{stand_in.url}/dwc/imr/letters/{tens['case_number']}.pdf"
    assert pdfs(tmp_path) == expected_pdfs(stand_in)
    assert all((tmp_path / "2024" / name).is_file() for name in pdfs(tmp_path))
    assert all(pdf_problem(path) is None for path in tmp_path.rglob("*.pdf"))
    assert max(count for key, count in stand_in.requests.items() if key.startswith("pdf")) == 1
    assert "60 downloaded, 0 already there, 0 failed" in errors


def test_second_run_downloads_nothing_and_lists_nothing_twice(stand_in, tmp_path):
    run(stand_in, tmp_path)
    before = (tmp_path / LISTING).read_bytes()
    pdf_requests = sum(count for key, count in stand_in.requests.items() if key.startswith("pdf"))
    code, errors = run(stand_in, tmp_path)
    assert code == 0
    assert (tmp_path / LISTING).read_bytes() == before
    assert sum(count for key, count in stand_in.requests.items() if key.startswith("pdf")) == pdf_requests
    assert "0 rows listed (100 already listed); PDFs: 0 downloaded, 60 already there, 0 failed" in errors


def test_without_decided_from_a_first_run_takes_30_days_and_the_next_continues(tmp_path):
    today = date.today()
    site = StandIn(make_cases(12, today - timedelta(days=40), per_day=1))  # one case a day, 40..29 days ago
    server = serve(site)
    try:
        options = {"base_url": site.url, "delay": 0, "retry_wait": 0, "errors": io.StringIO()}
        assert download(tmp_path, **options) == 0
        assert pdfs(tmp_path) == sorted(f"{case.number}.pdf" for case in site.cases[10:])
        site.cases.append(Case(f"CM{today.year % 100:02d}-9999999", today, [("DME", "Cane", "Upheld")]))
        errors = io.StringIO()
        assert download(tmp_path, **options | {"errors": errors}) == 0
        assert f"decisions {today - timedelta(days=29)} to {today}" in errors.getvalue()
        assert len(pdfs(tmp_path)) == 3
    finally:
        server.shutdown()
        server.server_close()


def test_a_500_on_a_results_page_is_retried(stand_in, tmp_path):
    stand_in.results_failures = 2
    code, errors = run(stand_in, tmp_path)
    assert code == 0, errors
    assert len(listing(tmp_path)) == 100


def test_results_that_keep_failing_stop_the_run_with_a_clear_error(stand_in, tmp_path):
    stand_in.results_failures = 99
    code, errors = run(stand_in, tmp_path)
    assert code == 2
    assert "download stopped: search page 1: HTTP 500 (after 4 attempts)" in errors


def test_503s_and_cut_pdfs_are_retried_and_a_truncated_pdf_is_never_kept(stand_in, tmp_path):
    busy, cut, short = (case.number for case in stand_in.cases[:3])
    stand_in.pdf_faults = {busy: ["503", "503"], cut: ["cut"], short: ["short"] * 9}
    code, errors = run(stand_in, tmp_path)
    assert code == 1
    assert stand_in.requests[f"pdf {busy}"] == 3
    assert stand_in.requests[f"pdf {cut}"] == 2
    assert f"{short}: PDF not downloaded:" in errors and "truncated PDF" in errors
    assert pdfs(tmp_path) == sorted(set(expected_pdfs(stand_in)) - {f"{short}.pdf"})
    assert not list(tmp_path.rglob("*.part"))
    assert "59 downloaded, 0 already there, 1 failed" in errors
    stand_in.pdf_faults = {}
    assert run(stand_in, tmp_path)[0] == 0
    assert pdfs(tmp_path) == expected_pdfs(stand_in)


def test_an_oversized_pdf_is_refused_and_not_kept(stand_in, tmp_path, monkeypatch):
    monkeypatch.setattr("etl.download.MAX_PDF_BYTES", 100)
    code, errors = run(stand_in, tmp_path)
    assert code == 1
    assert "over 100 bytes, not a letter" in errors and "60 failed" in errors
    assert pdfs(tmp_path) == [] and not list(tmp_path.rglob("*.part"))


def test_a_window_beyond_paging_reach_is_split(stand_in, tmp_path):
    code, errors = run(stand_in, tmp_path, reach_rows=30)
    assert code == 0, errors
    assert len(listing(tmp_path)) == 100
    assert pdfs(tmp_path) == expected_pdfs(stand_in)


def test_a_changed_page_shape_stops_with_the_message_and_the_saved_page(stand_in, tmp_path):
    stand_in.changed_shape = True
    code, errors = run(stand_in, tmp_path)
    assert code == 2
    assert 'the results page changed shape: expected a <table class="tabborder"> of results' in errors
    [saved] = tmp_path.glob("unexpected-page-*.html")
    assert str(saved) in errors
    assert "class='results'" in saved.read_text()


def test_off_site_links_are_refused(stand_in, tmp_path):
    page = stand_in.results_page
    stand_in.results_page = lambda form: page(form).replace("href='/dwc", "href='http://elsewhere.test/dwc")
    code, errors = run(stand_in, tmp_path)
    assert code == 1
    assert "link leaves" in errors and "refused" in errors
    assert "60 failed" in errors and pdfs(tmp_path) == []


def test_a_second_download_into_the_same_folder_does_nothing(stand_in, tmp_path):
    held = lock_folder(tmp_path)
    code, errors = run(stand_in, tmp_path)
    held.close()
    assert code == 3 and "another download is writing into" in errors
    assert stand_in.requests["results"] == 0


def test_cli_rejects_a_date_that_is_not_iso(tmp_path, capsys):
    with pytest.raises(SystemExit) as raised:
        main(["download", "--out", str(tmp_path), "--decided-from", "03/04/2024"])
    assert raised.value.code == 2
    assert "must be a date as YYYY-MM-DD" in capsys.readouterr().err


def test_windows_cover_the_range_without_overlap():
    assert list(windows(date(2024, 3, 1), date(2024, 3, 16))) == [
        (date(2024, 3, 1), date(2024, 3, 7)),
        (date(2024, 3, 8), date(2024, 3, 14)),
        (date(2024, 3, 15), date(2024, 3, 16)),
    ]


def cli(stand_in: StandIn, out, *args: str) -> subprocess.Popen:
    command = [sys.executable, "-m", "etl", "download", "--out", str(out), "--base-url", stand_in.url, *args]
    return subprocess.Popen(command, cwd=ROOT, stderr=subprocess.PIPE, text=True)


def test_resume_after_kill_9(stand_in, tmp_path):
    stand_in.pdf_seconds = 0.03
    first = cli(stand_in, tmp_path, *RANGE, "--delay", "0")
    deadline = time.monotonic() + 30
    while len(pdfs(tmp_path)) < 5 and time.monotonic() < deadline:
        time.sleep(0.01)
    first.send_signal(signal.SIGKILL)
    first.wait()
    assert 5 <= len(pdfs(tmp_path)) < 60
    stand_in.pdf_seconds = 0
    second = cli(stand_in, tmp_path, "--decided-to", "2024-03-24", "--delay", "0")  # resumes by itself
    assert second.wait(60) == 0, second.stderr.read()
    assert pdfs(tmp_path) == expected_pdfs(stand_in)
    assert all(pdf_problem(path) is None for path in tmp_path.rglob("*.pdf"))
    assert not list(tmp_path.rglob("*.part"))
    keys = Counter((row["case_number"], row["treatment_no"]) for row in listing(tmp_path))
    assert len(keys) == 100 and set(keys.values()) == {1}


def test_requests_name_the_project():
    assert USER_AGENT.startswith("IMR-Atlas/") and "research use" in USER_AGENT
