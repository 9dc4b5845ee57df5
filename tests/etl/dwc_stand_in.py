"""A local stand-in for the DWC's IMR decision search, written from the facts the downloader is built on:
treatment result pages of 25 rows, further treatments of a case in colspan="5" rows, the total in the
<strong> after the table, a Nextpage form while more pages follow, site-relative PDF links. Its PDFs
are a one-line page, or for `letter_cases` a generated letter the parser reads, so that a download
can be refreshed and reconciled with the listing."""

from __future__ import annotations

import html
import math
import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

from fpdf import FPDF

from etl.dwc_search import ROWS_PER_PAGE, SEARCH_PATH
from etl.synth.letter import build
from etl.synth.pdf import render_pdf


@dataclass
class Case:
    number: str
    decided: date
    treatments: list[tuple[str, str, str]]  # category, subcategory, decision
    specialty: str = "Orthopedic Surgery"
    letter_pdf: bytes | None = None  # what its PDF link serves, when not the one-line page


@dataclass
class StandIn:
    cases: list[Case]
    results_failures: int = 0  # the next N results requests answer 500
    pdf_faults: dict[str, list[str]] = field(default_factory=dict)  # case → faults to serve, in turn
    changed_shape: bool = False
    pdf_seconds: float = 0.0  # time to serve one PDF (for the kill test)
    requests: Counter = field(default_factory=Counter)
    url: str = ""

    def pdf_bytes(self, number: str) -> bytes:
        case = next((c for c in self.cases if c.number == number), None)
        if case is not None and case.letter_pdf is not None:
            return case.letter_pdf
        document = FPDF()
        document.add_page()
        document.set_font("Helvetica", size=12)
        document.cell(text=f"Independent Medical Review Final Determination {number}")
        return bytes(document.output())

    def results_page(self, form: dict[str, str]) -> str:
        start, end = (datetime.strptime(form[key], "%m/%d/%Y").date() for key in ("DecStart", "DecEnd"))
        matching = sorted((c for c in self.cases if start <= c.decided <= end), key=lambda c: c.number)
        rows = [(case, index) for case in matching for index in range(len(case.treatments))]
        page = int(form.get("newpageno", "1"))
        shown = rows[(page - 1) * ROWS_PER_PAGE : page * ROWS_PER_PAGE]
        body = "".join(self._row(case, index, first=n == 0) for n, (case, index) in enumerate(shown))
        header = "".join(f"<th>{name}</th>" for name in HEADER)
        table_class = "results" if self.changed_shape else "tabborder"
        more = page < math.ceil(len(rows) / ROWS_PER_PAGE)
        next_form = '<form name="Nextpage" method="post"><input name="newpageno"></form>' if more else ""
        return (
            f"<html><head><title>IMR Decisions</title></head><body><table class='{table_class}'>"
            f"<tr>{header}</tr>{body}</table>\n<p>Records found: <strong>{len(rows):,}</strong></p>"
            f"{next_form}</body></html>"
        )

    def _row(self, case: Case, index: int, first: bool) -> str:
        category, subcategory, decision = (html.escape(text) for text in case.treatments[index])
        if index and not first:
            return (
                f"<tr><td colspan='5'></td><td>{category}</td><td>{subcategory}</td><td>{decision}</td></tr>"
            )
        day = case.decided.strftime("%m/%d/%Y")
        return (
            f"<tr><td><a href='/dwc/imr/letters/{case.number}.pdf'>{case.number}</a></td><td>{day}</td>"
            f"<td>01/02/2012</td><td>{day}</td><td>{html.escape(case.specialty)}</td>"
            f"<td>{category}</td><td>{subcategory}</td><td>{decision}</td></tr>"
        )


HEADER = ("Case", "Decision Date", "Date of Injury", "Received", "Specialty", "Category", "Sub", "Decision")


def make_cases(count: int, first_day: date, per_day: int = 3) -> list[Case]:
    """`count` cases over consecutive days, every third with three treatments (one with markup in it)."""
    cases = []
    for n in range(count):
        treatments = [("Pharmaceuticals", "Opioids", "Upheld")]
        if n % 3 == 0:
            treatments += [("DME", "TENS <unit> & pads", "Overturned"), ("Injections", "Epidural", "Upheld")]
        cases.append(
            Case(
                f"CM{first_day.year % 100:02d}-{1000000 + n:07d}",
                first_day + timedelta(n // per_day),
                treatments,
            )
        )
    return cases


def letter_cases(count: int, first_day: date, per_day: int = 3) -> list[Case]:
    """`count` cases whose PDFs are generated letters (etl/synth) and whose treatment rows are those
    letters' items as the DWC would list them. Generated letters without a case number are passed
    over: the DWC lists none such."""
    cases: list[Case] = []
    index = 0
    while len(cases) < count:
        draft = build(random.Random(f"dwc-stand-in:{index}"), index)
        index += 1
        record = draft.record
        if not record["case_number"]:
            continue
        treatments = [
            (item["category"], item["subcategory"] or "", (item["decision"] or "").capitalize())
            for item in record["items"]
        ]
        case = Case(
            record["case_number"],
            first_day + timedelta(len(cases) // per_day),
            treatments,
            letter_pdf=render_pdf(draft.paragraphs),
        )
        cases.append(case)
    return cases


def serve(stand_in: StandIn) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:
            pass

        def do_POST(self) -> None:
            length = int(self.headers["Content-Length"])
            form = {key: values[0] for key, values in parse_qs(self.rfile.read(length).decode()).items()}
            stand_in.requests["results"] += 1
            if self.path != SEARCH_PATH:
                return self._send(404, b"not found", "text/plain")
            if stand_in.results_failures:
                stand_in.results_failures -= 1
                return self._send(500, b"Internal Server Error", "text/html")
            self._send(200, stand_in.results_page(form).encode(), "text/html")

        def do_GET(self) -> None:
            number = self.path.rsplit("/", 1)[-1].removesuffix(".pdf")
            stand_in.requests[f"pdf {number}"] += 1
            case = next((c for c in stand_in.cases if c.number == number), None)
            if case is None:
                return self._send(404, b"not found", "text/plain")
            faults = stand_in.pdf_faults.get(number) or []
            fault = faults.pop(0) if faults else None
            if fault == "503":
                return self._send(503, b"busy", "text/plain")
            pdf = stand_in.pdf_bytes(number)
            if stand_in.pdf_seconds:
                time.sleep(stand_in.pdf_seconds)
            if fault == "cut":  # the connection drops halfway through the announced length
                self.send_response(200)
                self.send_header("Content-Type", "application/pdf")
                self.send_header("Content-Length", str(len(pdf)))
                self.end_headers()
                self.wfile.write(pdf[: len(pdf) // 2])
                self.close_connection = True
                return None
            if fault == "short":  # a complete response that is only half a PDF
                pdf = pdf[: len(pdf) // 2]
            self._send(200, pdf, "application/pdf")

        def _send(self, status: int, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    stand_in.url = f"http://127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server
