"""How this dashboard is exposed — who can reach it, whether they must sign in, whether ad-hoc SQL
is on — read from Streamlit's configuration and secrets (docs/sharing.md says how to set each)."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st
from streamlit.errors import StreamlitSecretNotFoundError

from dashboard import settings

LOCAL_ADDRESSES = frozenset({"localhost", "127.0.0.1", "::1"})


@dataclass(frozen=True)
class SharingMode:
    address: str  # server.address; "" means every interface
    login_required: bool  # an [auth] section in .streamlit/secrets.toml: st.login (OIDC)
    sql_page: bool  # IMR_SQL_PAGE

    @property
    def private(self) -> bool:
        return self.address in LOCAL_ADDRESSES

    def describe(self) -> str:
        """One plain sentence for the Data quality page."""
        reach = (
            f"only this machine can reach it (listening on {self.address})"
            if self.private
            else f"it listens on {self.address or 'every network interface'}"
        )
        login = "visitors sign in (OIDC)" if self.login_required else "no sign-in"
        sql = "the SQL page is on" if self.sql_page else "the SQL page is off"
        return f"{'Private' if self.private else 'Shared'}: {reach}; {login}; {sql}."

    @property
    def exposed_without_login(self) -> bool:
        return not self.private and not self.login_required


def current() -> SharingMode:
    return SharingMode(
        address=st.get_option("server.address") or "",
        login_required=login_configured(),
        sql_page=settings.SQL_PAGE_ENABLED,
    )


def login_configured() -> bool:
    try:
        return "auth" in st.secrets
    except (StreamlitSecretNotFoundError, FileNotFoundError):
        return False
