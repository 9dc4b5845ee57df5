"""Who can reach the dashboard: the real server listens on loopback only unless configured, a
configured login (OIDC, secrets.toml [auth]) shows nothing but the sign-in page, the SQL page can
be switched off, and the Data quality page says which mode is on."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard import settings
from tests.conftest import ROOT
from tests.security.served_app import served_app

APP = str(ROOT / "app.py")
PAGES = ROOT / "dashboard" / "pages"
AUTH = {
    "redirect_uri": "http://localhost:8501/oauth2callback",
    "cookie_secret": "a-test-secret-of-some-length-0123456789",
    "client_id": "imr-atlas",
    "client_secret": "not-a-secret",
    "server_metadata_url": "https://login.example.invalid/.well-known/openid-configuration",
}


def listening_addresses(port: int) -> set[str]:
    """Local addresses of the sockets listening on `port`, from /proc/net/tcp and tcp6."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            address, port_hex = fields[1].rsplit(":", 1)
            if int(port_hex, 16) == port and fields[3] == "0A":  # 0A: LISTEN
                found.add(address)
    return found


LOOPBACK = {"0100007F", "00000000000000000000000001000000"}  # 127.0.0.1 and ::1 as /proc writes them


@pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="reads Linux's socket table")
def test_the_server_listens_on_loopback_only_by_default(fixture_db: Path) -> None:
    """`streamlit run app.py` as the README runs it, with the repository's .streamlit/config.toml."""
    with served_app(fixture_db) as port:
        addresses = listening_addresses(port)
        assert addresses and addresses <= LOOPBACK, addresses


@pytest.mark.usefixtures("imr_db")
def test_with_a_login_configured_visitors_see_only_the_sign_in_page() -> None:
    at = AppTest.from_file(APP, default_timeout=60)
    at.secrets["auth"] = AUTH
    at.run()
    assert not at.exception
    assert [button.label for button in at.button] == ["Sign in"]
    assert not at.metric and not at.dataframe
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page(str(PAGES / "letters.py"))


@pytest.mark.usefixtures("imr_db")
def test_the_sql_page_can_be_switched_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(settings, "SQL_PAGE_ENABLED", False)
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page(str(PAGES / "sql.py"))
    at.switch_page(str(PAGES / "quality.py")).run()
    assert "the SQL page is off" in at.info[0].value


@pytest.mark.parametrize(("value", "enabled"), [("off", False), ("OFF", False), ("0", False), ("on", True)])
def test_the_switch_is_read_from_the_environment(value: str, enabled: bool) -> None:
    shown = subprocess.run(
        [sys.executable, "-c", "from dashboard import settings; print(settings.SQL_PAGE_ENABLED)"],
        cwd=ROOT, env={**os.environ, "IMR_SQL_PAGE": value}, capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    assert shown == str(enabled)


@pytest.mark.usefixtures("imr_db")
def test_the_quality_page_shows_the_mode() -> None:
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.switch_page(str(PAGES / "quality.py")).run()
    assert "Private: only this machine can reach it (listening on localhost)" in at.info[0].value
    assert "SQL page limits, per query" in " ".join(caption.value for caption in at.caption)


@pytest.mark.usefixtures("imr_db")
def test_a_shared_address_without_login_is_flagged(monkeypatch: pytest.MonkeyPatch) -> None:
    from dashboard import sharing

    monkeypatch.setattr(sharing, "current", lambda: sharing.SharingMode("0.0.0.0", False, True))
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.switch_page(str(PAGES / "quality.py")).run()
    assert "Shared" in at.warning[-1].value and "sign-in" in at.warning[-1].value
