"""The dashboard in a real browser: `streamlit run app.py` on localhost, driven by Playwright with
Debian's chromium (installed by .ci/run). Screenshots go to test-artifacts/browser/."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import duckdb
import pytest

from tests.conftest import ROOT

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "test-artifacts" / "browser"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PAGES = {
    "overview": "",
    "treatments": "treatments",
    "specialties": "specialties",
    "guidelines": "guidelines",
    "why": "why",
    "timeliness": "timeliness",
    "letters": "letters",
    "sql": "sql",
    "quality": "quality",
}

sync_api = pytest.importorskip("playwright.sync_api")
if not CHROMIUM.exists():
    if os.environ.get("CI"):
        raise RuntimeError(
            "CI must install Debian's chromium for the browser test (apt-get install chromium)"
        )
    pytest.skip("no /usr/bin/chromium (apt-get install chromium)", allow_module_level=True)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def server(fixture_db: Path) -> Iterator[str]:
    """`streamlit run app.py` on a free localhost port, reading the fixture database."""
    port = free_port()
    command = [
        sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"),
        "--server.headless", "true", "--server.address", "127.0.0.1", "--server.port", str(port),
        "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none",
    ]  # fmt: skip
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env={**os.environ, "IMR_DB": str(fixture_db)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("streamlit did not start") from None
                time.sleep(0.3)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=20)


@pytest.fixture(scope="module")
def page(server: str) -> Iterator[object]:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        tab = browser.new_page(viewport={"width": 1400, "height": 2400})
        tab.set_default_timeout(30_000)
        yield tab
        browser.close()


def settled(tab) -> None:
    """Wait until the app has finished running its script."""
    tab.wait_for_selector(
        '[data-testid="stApp"][data-test-script-state="notRunning"] [data-testid="stMain"] h1'
    )
    tab.wait_for_timeout(300)


def metric(tab, label: str) -> str:
    card = tab.locator('[data-testid="stMetric"]', has_text=label).first
    return card.locator('[data-testid="stMetricValue"]').inner_text().strip()


def expected_items(db: Path, where: str) -> int:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(f"SELECT count(*) FROM decisions WHERE NOT synthetic AND {where}").fetchone()[0]


@pytest.mark.parametrize("name", list(PAGES))
def test_every_page_opens_without_error(page, server: str, name: str) -> None:
    page.goto(f"{server}/{PAGES[name]}")
    settled(page)
    assert page.locator('[data-testid="stException"]').count() == 0
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_a_filter_changes_the_numbers_and_the_link(page, server: str, fixture_db: Path) -> None:
    page.goto(server)
    settled(page)
    assert metric(page, "Items") == f"{expected_items(fixture_db, 'true'):,}"

    category = page.locator(
        '[data-testid="stSidebar"] [data-testid="stMultiSelect"]', has_text="Category"
    ).first
    category.locator("input").fill("Pharmaceuticals")
    page.keyboard.press("Enter")
    page.keyboard.press("Escape")
    settled(page)
    page.wait_for_url(re.compile(r"category=Pharmaceuticals"))
    filtered = format(expected_items(fixture_db, "category = 'Pharmaceuticals'"), ",")
    assert metric(page, "Items") == filtered
    page.screenshot(path=str(ARTIFACTS / "overview-filtered.png"), full_page=True)

    shared_link = page.url
    page.goto("about:blank")
    page.goto(shared_link)
    settled(page)
    assert metric(page, "Items") == filtered


def test_a_click_on_a_chart_opens_the_letters_of_its_group(page, server: str, fixture_db: Path) -> None:
    page.goto(f"{server}/treatments")
    settled(page)
    chart = page.locator('[data-testid="stVegaLiteChart"]').first
    dots = chart.locator("g.mark-symbol path")
    dots.first.wait_for()
    dots.first.click()
    page.wait_for_url(re.compile(r"/letters\?.*category="))
    settled(page)
    category = parse_qs(urlparse(page.url).query)["category"]
    assert len(category) == 1
    expected = expected_items(fixture_db, f"category = '{category[0]}'")
    assert expected and f"{expected:,} items match" in page.inner_text('[data-testid="stMain"]')
    page.screenshot(path=str(ARTIFACTS / "letters-from-a-chart.png"), full_page=True)
