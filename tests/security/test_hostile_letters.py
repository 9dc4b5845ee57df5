"""Letters and file names that carry Markdown, HTML and `javascript:` links, loaded by the real
refresh and shown by the real pages: nothing of them is interpreted — no element renders them as
Markdown, and a real browser opening the letter makes no request outside the dashboard."""

from __future__ import annotations

import io
import os
import random
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from etl.refresh import refresh
from etl.synth.generate import generate_letter
from tests.conftest import ROOT
from tests.security.attacks import EVIL_HOST, HOSTILE_FILE_NAME, HOSTILE_MEMBER_NAME, HOSTILE_TREATMENT
from tests.security.served_app import served_app

CHROMIUM = Path("/usr/bin/chromium")
UNESCAPED_MARKUP = re.compile(r"(?<!\\)(!\[|\]\(|<[a-zA-Z/]|javascript:|:red\[)")


def hostile_letter(seed: str) -> str:
    """A generated letter whose first treatment is HOSTILE_TREATMENT wherever it is written."""
    text, record = generate_letter(random.Random(seed), 0)
    return text.replace(record["items"][0]["treatment"], HOSTILE_TREATMENT)


@pytest.fixture(scope="module")
def hostile_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("hostile-letters")
    (folder / HOSTILE_FILE_NAME).write_text(hostile_letter("hostile-file"), encoding="utf-8")
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.writestr(HOSTILE_MEMBER_NAME, hostile_letter("hostile-member"))
    (folder / "bundle.zip").write_bytes(archive.getvalue())
    database = folder.parent / "hostile.duckdb"
    assert refresh([str(folder)], database, workers=1, out=io.StringIO(), err=io.StringIO()) == 0
    return database


def letters_page(database: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("IMR_DB", str(database))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    at.switch_page(str(ROOT / "dashboard" / "pages" / "letters.py")).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def rendered_markdown(at: AppTest) -> list[str]:
    return [
        element.value
        for kind in ("markdown", "caption", "warning", "info", "error")
        for element in at.get(kind)
    ]


def test_no_letter_text_or_file_name_reaches_markdown_unescaped(hostile_db: Path, monkeypatch) -> None:
    at = letters_page(hostile_db, monkeypatch)
    options = at.selectbox(key="letters_item").options
    hostile = [option for option in options if "![pixel]" in option]
    assert len(hostile) == 2  # one letter from each hostile file, the treatment intact
    for option in hostile:
        at.selectbox(key="letters_item").set_value(option).run()
        shown = rendered_markdown(at)
        assert any("bundle" in text or "file" in text for text in shown)
        for text in shown:
            assert not UNESCAPED_MARKUP.search(text), text


def test_searched_words_of_a_hostile_letter_are_marked_and_nothing_is_interpreted(
    hostile_db: Path, monkeypatch
) -> None:
    from dashboard.highlight import SEARCH_MARK

    at = letters_page(hostile_db, monkeypatch)
    at.text_input(key="letters_search").set_value("scrip* pixel javascript").run()
    assert not at.exception, [e.value for e in at.exception]
    assert "**2** items match" in " ".join(m.value for m in at.markdown)  # the hostile item of each
    for text in rendered_markdown(at):
        assert not UNESCAPED_MARKUP.search(text), text
    shown = at.get("html")[0].proto.body
    for word in ("script", "pixel", "javascript"):
        assert f"{SEARCH_MARK}{word}</mark>" in shown
    assert "<script" not in shown and "<img" not in shown


# A real browser -------------------------------------------------------------------------------

sync_api = pytest.importorskip("playwright.sync_api")


@pytest.fixture(scope="module")
def server(hostile_db: Path) -> Iterator[str]:
    with served_app(hostile_db) as port:
        yield f"http://localhost:{port}"


@pytest.mark.skipif(not CHROMIUM.exists() and not os.environ.get("CI"), reason="no /usr/bin/chromium")
def test_a_browser_opening_hostile_letters_requests_nothing_outside(server: str) -> None:
    outside: list[str] = []
    dialogs: list[str] = []
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=["--headless", "--no-sandbox", "--disable-gpu"]
        )
        tab = browser.new_page(viewport={"width": 1400, "height": 2400})
        tab.set_default_timeout(30_000)
        tab.on(
            "request", lambda request: None if request.url.startswith(server) else outside.append(request.url)
        )
        tab.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        tab.goto(f"{server}/letters")
        tab.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"] h1')
        for _ in range(2):  # each hostile letter in turn
            tab.locator('[data-testid="stSelectbox"]', has_text="Item").last.click()
            tab.get_by_role("option").filter(has_text="![pixel]").nth(_).click()
            tab.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"] h1')
            tab.wait_for_timeout(1500)
            body = tab.inner_text("body")
            assert "![pixel](http://" in body  # shown as written, not as an image
            for link in tab.locator("a").all():
                assert not (link.get_attribute("href") or "").lower().startswith("javascript:")
        browser.close()
    assert not [url for url in outside if EVIL_HOST in url or not url.startswith(("data:", "blob:"))], outside
    assert not dialogs
