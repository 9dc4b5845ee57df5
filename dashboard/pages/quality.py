"""Data quality: how much the parser could read, the files it could not load, the refreshes."""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboard import queries, settings, sharing, ui

st.title("Data quality")
ui.headline_with_banner()

st.subheader("Parse coverage of the items shown")
covered = ui.filtered(queries.coverage).row(0, named=True)
items = covered["items"]


def of_items(count: int) -> str:
    return f"{count / items:.1%} of {items:,}" if items else "–"


COVERAGE = (
    ("Items without a decision", "no_decision"),
    ("Items not classified (category Other)", "unclassified"),
    ("Items without a reviewer citation", "no_reviewer_citation"),
)
for column, (label, key) in zip(st.columns(len(COVERAGE)), COVERAGE, strict=True):
    column.metric(label, f"{covered[key]:,}", of_items(covered[key]), delta_color="off", delta_arrow="off")

st.subheader("Letters (whole database)")
letters = ui.unfiltered(queries.letter_coverage).row(0, named=True)
total, warned, empty = st.columns(3)
total.metric("Letters", f"{letters['letters']:,}")
warned.metric("Letters with parser warnings", f"{letters['with_warnings']:,}")
empty.metric("Letters with no item found", f"{letters['without_items']:,}")
ui.table(ui.unfiltered(queries.warnings_by_kind), "parser-warnings")

st.subheader("Rejected files")
reasons = ui.unfiltered(queries.rejects_by_reason)
if reasons.is_empty():
    st.success("No file was rejected.")
else:
    st.caption(f"{reasons['files'].sum():,} files could not be loaded.")
    ui.table(reasons, "rejects-by-reason")
    with st.expander("The rejected files"):
        ui.table(ui.unfiltered(queries.rejects), "rejects")

st.subheader("Refresh runs")
runs = ui.unfiltered(queries.refresh_runs)
ui.table(runs.with_columns(pl.col(pl.List(pl.String)).list.join(", ")), "refresh-runs")

st.subheader("Sharing")
mode = sharing.current()
if mode.exposed_without_login:
    st.warning(
        mode.describe() + " Anyone who can reach this address reads every letter: put a login in front "
        "(docs/sharing.md).",
        icon=":material/lock_open:",
    )
else:
    st.info(mode.describe(), icon=":material/lock:")
if mode.sql_page:
    st.caption(
        f"SQL page limits, per query: {settings.SQL_TIMEOUT_SECONDS:g} s, "
        f"{settings.SQL_MEMORY_MB:,} MB in the engine ({settings.SQL_ADDRESS_SPACE_MB:,} MB for its "
        f"process), {settings.SQL_THREADS} thread, "
        f"{settings.SQL_TEMP_MB:,} MB of spill, {settings.SQL_DOWNLOAD_ROW_CAP:,} rows and "
        f"{settings.SQL_RESULT_BYTE_CAP // 2**20} MB of result. Set IMR_SQL_PAGE=off to turn the page off."
    )
