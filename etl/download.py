"""`python -m etl download`: walk the DWC's treatment search by decision-date windows, keep its listing
beside the letters and fetch each case's PDF once.

Politeness and resumability come first: one connection, a pause between requests, an honest
User-Agent, backoff on server trouble; a PDF is written aside and renamed into place only once it
opens, and the listing is append-only and keyed, so any interruption (kill -9 included) resumes.
"""

from __future__ import annotations

import csv
import fcntl
import os
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TextIO, TypeVar
from urllib.parse import urlsplit

import httpx
import pypdfium2 as pdfium

from etl.dwc_listing import LISTING, LISTING_COLUMNS
from etl.dwc_search import (
    SEARCH_PATH,
    ResultPage,
    TreatmentRow,
    UnexpectedPage,
    parse_results_page,
    search_form,
)
from etl.progress import Progress

# Honest and stable: names the tool and its purpose (no address is claimed that we do not run).
USER_AGENT = "IMR-Atlas/0.1 (IMR decision research tool; research use)"
DEFAULT_BASE_URL = "https://www.dir.ca.gov"
DEFAULT_DELAY, DEFAULT_RETRY_WAIT = 1.0, 2.0  # seconds between requests; first backoff, doubled each retry
WINDOW = timedelta(days=7)
FIRST_RUN_DAYS = 30
PAGE_REACH_ROWS = 2500  # a window matching more rows than this is split, so paging never has to go deep
ATTEMPTS = 4
MAX_PDF_BYTES = 50 * 1024 * 1024  # refresh rejects larger files; a letter is rarely over 1 MB
EXIT_SOME_FAILED, EXIT_FATAL, EXIT_LOCKED = 1, 2, 3
T = TypeVar("T")


class FetchFailed(Exception):
    """A request still failed after every retry, or failed in a way retrying cannot mend."""


class Retry(Exception):
    """A failure worth another attempt (5xx, timeout, dropped connection, a PDF that does not open)."""


@dataclass
class Summary:
    pages: int = 0
    rows_listed: int = 0
    rows_known: int = 0
    downloaded: int = 0
    already_there: int = 0
    failed: int = 0
    windows_short: int = 0  # windows whose rows paging could not all reach

    def render(self) -> str:
        short = f"; {self.windows_short} windows not fully reachable" if self.windows_short else ""
        return (
            f"download: {self.pages} pages read, {self.rows_listed} rows listed "
            f"({self.rows_known} already listed); PDFs: {self.downloaded} downloaded, "
            f"{self.already_there} already there, {self.failed} failed{short}"
        )


class PoliteClient:
    """One connection, a pause before every request after the first, retries with exponential backoff."""

    def __init__(self, base_url: str, delay: float, retry_wait: float, timeout: float = 60.0) -> None:
        self.base_url, self.delay, self.retry_wait = base_url.rstrip("/"), delay, retry_wait
        self.http = httpx.Client(
            headers={"User-Agent": USER_AGENT},
            timeout=timeout,
            limits=httpx.Limits(max_connections=1, max_keepalive_connections=1),
            follow_redirects=True,
        )
        self.last_request: float | None = None

    def close(self) -> None:
        self.http.close()

    def search(self, form: dict[str, str]) -> tuple[str, str]:
        """One results page: its text and its URL (for resolving its links)."""

        def post() -> tuple[str, str]:
            response = self.http.post(self.base_url + SEARCH_PATH, data=form)
            _raise_for_status(response)
            return response.text, str(response.url)

        return self._with_retries(post, f"search page {form.get('newpageno', '1')}")

    def fetch_pdf(self, url: str, destination: Path) -> None:
        """Stream the PDF to a `.part` file beside `destination`; rename it into place once it opens."""
        part = destination.with_name(destination.name + ".part")

        def fetch() -> None:
            try:
                with self.http.stream("GET", url) as response:
                    _raise_for_status(response)
                    with part.open("wb") as out:
                        for chunk in response.iter_bytes():
                            if out.tell() + len(chunk) > MAX_PDF_BYTES:
                                raise FetchFailed(f"{url}: over {MAX_PDF_BYTES:,} bytes, not a letter")
                            out.write(chunk)
                        out.flush()
                        os.fsync(out.fileno())
                problem = pdf_problem(part)
                if problem:
                    raise Retry(problem)
                os.replace(part, destination)
            finally:
                part.unlink(missing_ok=True)

        self._with_retries(fetch, url)

    def _with_retries(self, action: Callable[[], T], what: str) -> T:
        failure: Exception | None = None
        for attempt in range(ATTEMPTS):
            if attempt:
                time.sleep(self.retry_wait * 2 ** (attempt - 1))
            self._pause()
            try:
                return action()
            except (Retry, httpx.RequestError) as err:  # timeouts, dropped connections, bad bodies
                failure = err
        reason = str(failure) or type(failure).__name__
        raise FetchFailed(f"{what}: {reason} (after {ATTEMPTS} attempts)") from failure

    def _pause(self) -> None:
        if self.last_request is not None:
            time.sleep(max(0.0, self.last_request + self.delay - time.monotonic()))
        self.last_request = time.monotonic()


def _raise_for_status(response: httpx.Response) -> None:
    if response.status_code >= 500:
        raise Retry(f"HTTP {response.status_code}")
    if response.status_code != 200:
        raise FetchFailed(f"{response.request.url}: HTTP {response.status_code}")


def pdf_problem(path: Path) -> str | None:
    """Why the file is not a whole PDF, or None. The %%EOF check catches a cut that pdfium would repair."""
    with path.open("rb") as handle:
        head = handle.read(5)
        handle.seek(max(0, path.stat().st_size - 1024))
        tail = handle.read()
    if head != b"%PDF-":
        return "not a PDF (no %PDF- header)"
    if b"%%EOF" not in tail:
        return "truncated PDF (no %%EOF at the end)"
    try:
        pdfium.PdfDocument(str(path)).close()
    except pdfium.PdfiumError as err:
        return f"PDF does not open: {err}"
    return None


def windows(first: date, last: date, size: timedelta = WINDOW) -> Iterator[tuple[date, date]]:
    """Consecutive inclusive date windows covering first..last."""
    start = first
    while start <= last:
        end = min(start + size - timedelta(days=1), last)
        yield start, end
        start = end + timedelta(days=1)


class Listing:
    """The append-only CSV of every treatment row seen, keyed by (case number, treatment number).
    Only the keys and each case's decision date are held in memory: the full listing runs to millions."""

    def __init__(self, path: Path) -> None:
        self.listed: set[tuple[str, str]] = set()
        self.decided: dict[str, date] = {}
        if path.exists():
            _drop_partial_last_line(path)
            with path.open(newline="", encoding="utf-8") as handle:
                for row in csv.DictReader(handle):
                    self.listed.add((row["case_number"], row["treatment_no"]))
                    self.decided[row["case_number"]] = date.fromisoformat(row["decision_date"])
        new = not path.exists() or path.stat().st_size == 0
        self.handle: TextIO = path.open("a", newline="", encoding="utf-8")
        self.writer = csv.writer(self.handle)
        if new:
            self.writer.writerow(LISTING_COLUMNS)

    def add(self, row: TreatmentRow, treatment_no: int) -> bool:
        """Append the row unless it is already listed; True when appended."""
        key = (row.case_number, str(treatment_no))
        if key in self.listed:
            return False
        self.listed.add(key)
        self.decided[row.case_number] = row.decision_date
        self.writer.writerow(_listing_values(row, treatment_no))
        return True

    def flush(self) -> None:
        self.handle.flush()
        os.fsync(self.handle.fileno())

    def close(self) -> None:
        self.handle.close()

    def resume_from(self, folder: Path) -> date | None:
        """Where a run without --decided-from starts: the newest listed decision, or earlier if a listed
        case's PDF is still missing (interrupted or failed), so that it is fetched again."""
        if not self.decided:
            return None
        missing = [day for case, day in self.decided.items() if not pdf_path(folder, case, day).exists()]
        return min([max(self.decided.values()), *missing])


def _listing_values(row: TreatmentRow, treatment_no: int) -> list[str]:
    def iso(day: date | None) -> str:
        return day.isoformat() if day else ""

    return [
        row.case_number,
        str(treatment_no),
        iso(row.decision_date),
        iso(row.injury_date),
        iso(row.received_date),
        row.specialty,
        row.category,
        row.subcategory,
        row.decision,
        row.pdf_url,
    ]


def _drop_partial_last_line(path: Path) -> None:
    """A kill mid-write can leave half a line; cut the file back to its last complete line."""
    data = path.read_bytes()
    if data and not data.endswith(b"\n"):
        with path.open("r+b") as handle:
            handle.truncate(data.rfind(b"\n") + 1)


def lock_folder(folder: Path) -> TextIO | None:
    """One download per folder (two would append the same rows and race on the same files): the open,
    locked file, or None when another download holds it. The kernel drops the lock when the process
    ends, however it ends."""
    handle = (folder / ".download.lock").open("a")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        return None
    return handle


def pdf_path(folder: Path, case_number: str, decided: date) -> Path:
    """Where a case's letter lives; the name comes only from a validated case number."""
    return folder / str(decided.year) / f"{case_number}.pdf"


@dataclass
class Walk:
    client: PoliteClient
    folder: Path
    listing: Listing
    summary: Summary
    progress: Progress
    reach_rows: int = PAGE_REACH_ROWS
    errors: TextIO = sys.stderr
    cases_handled: set[str] = field(default_factory=set)

    def window(self, first: date, last: date) -> None:
        """Every page of one window; a window matching more rows than paging reaches is split in two."""
        html, url = self.client.search(search_form(first, last))
        page = self._parse(html, url, None)
        if page.total > self.reach_rows and first < last:
            middle = first + (last - first) // 2
            self.window(first, middle)
            self.window(middle + timedelta(days=1), last)
            return
        self.progress.total += page.total
        seen, number, treatment_no = 0, 1, {}
        while True:
            self.summary.pages += 1
            for row in page.rows:
                treatment_no[row.case_number] = treatment_no.get(row.case_number, 0) + 1
                if self.listing.add(row, treatment_no[row.case_number]):
                    self.summary.rows_listed += 1
                else:
                    self.summary.rows_known += 1
            self.listing.flush()
            for row in page.rows:
                self._letter(row)
            seen += len(page.rows)
            self.progress.advance(len(page.rows))
            if not page.has_next or seen >= page.total:  # never page on past the announced total
                break
            number += 1
            html, url = self.client.search(search_form(first, last, number))
            page = self._parse(html, url, page.rows[-1] if page.rows else None)
        if seen < page.total:
            self.summary.windows_short += 1
            print(f"{first}..{last}: paging reached {seen} of {page.total} rows", file=self.errors)

    def _parse(self, html: str, url: str, carried: TreatmentRow | None) -> ResultPage:
        try:
            return parse_results_page(html, url, carried)
        except UnexpectedPage as err:
            saved = self.folder / f"unexpected-page-{datetime.now():%Y%m%d-%H%M%S}.html"
            saved.write_text(html, encoding="utf-8")
            raise UnexpectedPage(err.expected, f"{err.found} (page saved to {saved})") from err

    def _letter(self, row: TreatmentRow) -> None:
        """A case's PDF, once per run however many treatment rows it has; kept if already there."""
        if row.case_number in self.cases_handled:
            return
        self.cases_handled.add(row.case_number)
        destination = pdf_path(self.folder, row.case_number, row.decision_date)
        if destination.exists():
            self.summary.already_there += 1
            return
        if not _same_site(row.pdf_url, self.client.base_url):
            self._failed(row, f"link leaves {self.client.base_url}: refused")
            return
        destination.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.client.fetch_pdf(row.pdf_url, destination)
        except FetchFailed as err:
            self._failed(row, str(err))
            return
        self.summary.downloaded += 1

    def _failed(self, row: TreatmentRow, reason: str) -> None:
        self.summary.failed += 1
        print(f"{row.case_number}: PDF not downloaded: {reason}", file=self.errors)


def _same_site(url: str, base_url: str) -> bool:
    """Links are fetched from the DWC's own host only (scheme aside: the site may redirect to https)."""
    return urlsplit(url).netloc == urlsplit(base_url).netloc


def download(
    folder: Path,
    decided_from: date | None = None,
    decided_to: date | None = None,
    base_url: str = DEFAULT_BASE_URL,
    delay: float = DEFAULT_DELAY,
    retry_wait: float = DEFAULT_RETRY_WAIT,
    reach_rows: int = PAGE_REACH_ROWS,
    errors: TextIO = sys.stderr,
) -> int:
    """Run the walk; the exit code: 0, 1 when some PDFs failed, 2 when the run had to stop, 3 when
    another download holds the folder."""
    folder.mkdir(parents=True, exist_ok=True)
    lock = lock_folder(folder)
    if lock is None:
        print(f"download: another download is writing into {folder}; nothing done", file=errors)
        return EXIT_LOCKED
    for stale in folder.glob("*/*.pdf.part"):
        stale.unlink()
    listing = Listing(folder / LISTING)
    last = decided_to or date.today()
    first = decided_from or listing.resume_from(folder) or last - timedelta(days=FIRST_RUN_DAYS)
    summary = Summary()
    client = PoliteClient(base_url, delay, retry_wait)
    progress = Progress("download: treatment rows", 0, errors)
    walk = Walk(client, folder, listing, summary, progress, reach_rows, errors)
    print(f"download: decisions {first} to {last} from {base_url} into {folder}", file=errors)
    code = 0
    try:
        for start, end in windows(first, last):
            walk.window(start, end)
    except UnexpectedPage as err:
        print(f"download stopped: the results page changed shape: {err}", file=errors)
        code = EXIT_FATAL
    except FetchFailed as err:
        print(f"download stopped: {err}", file=errors)
        code = EXIT_FATAL
    finally:
        progress.finish()
        listing.close()
        client.close()
        lock.close()
    print(summary.render(), file=errors)
    return code or (EXIT_SOME_FAILED if summary.failed else 0)
