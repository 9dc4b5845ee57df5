"""IMR Atlas dashboard: page navigation and the shared sidebar filters, nothing else.

Run with `streamlit run app.py`; the database is `IMR_DB` (default data/imr.duckdb).
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import streamlit as st

from dashboard import connection, settings, sharing, sidebar, ui
from dashboard.queries import filter_options
from dashboard.safe_text import markdown_literal

PAGES = Path(__file__).parent / "dashboard" / "pages"
ICON = Path(__file__).parent / "dashboard" / "icon.png"

# A local icon: a Material icon here makes every browser fetch it from fonts.gstatic.com.
st.set_page_config(page_title="IMR Atlas", page_icon=str(ICON), layout="wide")

if sharing.login_configured() and not st.user.get("is_logged_in"):
    st.navigation([st.Page(PAGES / "sign_in.py", title="Sign in", icon=":material/login:")]).run()
    st.stop()
if sharing.login_configured():
    st.sidebar.caption(
        f"Signed in as {markdown_literal(str(st.user.get('email') or st.user.get('name') or ''))}"
    )
    st.sidebar.button("Sign out", on_click=st.logout)

try:
    db = connection.current()
except duckdb.Error:  # not a DuckDB file, or another version's: the getting-started page says so
    db = None
if db is None or not db.is_ready:
    page = st.navigation([st.Page(PAGES / "no_data.py", title="Getting started", icon=":material/build:")])
else:
    sidebar.show(ui.unfiltered(filter_options))
    page = st.navigation(
        [
            st.Page(PAGES / "overview.py", title="Overview", icon=":material/monitoring:", default=True),
            st.Page(
                PAGES / "treatments.py",
                title="Treatment types",
                icon=":material/medication:",
                url_path="treatments",
            ),
            st.Page(
                PAGES / "specialties.py",
                title="Reviewer specialties",
                icon=":material/stethoscope:",
                url_path="specialties",
            ),
            st.Page(
                PAGES / "guidelines.py",
                title="Guidelines",
                icon=":material/menu_book:",
                url_path="guidelines",
            ),
            st.Page(PAGES / "why.py", title="Why", icon=":material/help:", url_path="why"),
            st.Page(
                PAGES / "timeliness.py",
                title="Timeliness & modified",
                icon=":material/schedule:",
                url_path="timeliness",
            ),
            st.Page(PAGES / "letters.py", title="Letters", icon=":material/mail:", url_path="letters"),
            *(
                [st.Page(PAGES / "sql.py", title="SQL", icon=":material/terminal:", url_path="sql")]
                if settings.SQL_PAGE_ENABLED
                else []
            ),
            st.Page(
                PAGES / "quality.py", title="Data quality", icon=":material/fact_check:", url_path="quality"
            ),
        ]
    )
page.run()
