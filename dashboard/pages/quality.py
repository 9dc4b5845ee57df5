"""Data quality: how much the parser could read, the files it could not load, how the parsed letters
agree with the DWC's own listing of them, the refreshes."""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboard import queries, reconciliation, settings, sharing, ui

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

st.subheader("The DWC's listing against the parsed letters")
if not ui.unfiltered(reconciliation.listed_rows):
    st.caption(
        "No DWC listing loaded: `python -m etl download --out letters/` fetches the letters with the DWC's "
        "own listing of their treatments (`dwc-listing.csv`), `python -m etl refresh --source letters/` "
        "loads both, and this section then shows how often the two readings agree."
    )
else:
    counted = ui.unfiltered(reconciliation.sides).row(0, named=True)
    st.caption(
        f"The DWC lists {counted['listed_cases']:,} cases: {counted['both_sides']:,} with a parsed letter, "
        f"{counted['listing_only']:,} without one; {counted['letter_only']:,} real letters are not in its "
        "listing. Per case, the DWC's treatments are set against the letter's items in order (treatment "
        "1 with item 1 …); words compared ignoring case and spacing, the DWC's decision words read "
        "through `etl/rules/dwc-decisions.csv` (view `dwc_reconciliation`, docs/database.md)."
    )
    rates = ui.unfiltered(reconciliation.agreement)
    for row_start in range(0, rates.height, 3):
        for column, rate in zip(st.columns(3), rates.slice(row_start, 3).iter_rows(named=True), strict=False):
            column.metric(
                rate["measure"],
                ui.percent(rate["share"]),
                f"{rate['agree']:,} of {rate['n']:,}",
                delta_color="off",
                delta_arrow="off",
            )
    links = {"letter": st.column_config.LinkColumn("letter", display_text="open", help="On the Letters page")}
    disagreeing = ui.unfiltered(reconciliation.disagreement_counts).row(0, named=True)
    if disagreeing["positions"]:
        shown = ui.unfiltered(reconciliation.disagreements)
        cut = f" (the first {shown.height:,} shown)" if shown.height < disagreeing["positions"] else ""
        st.markdown(
            f"**Where they differ**: {disagreeing['positions']:,} treatment(s) of "
            f"{disagreeing['letters']:,} letter(s){cut}"
        )
        ui.table(shown, "dwc-disagreements", links)
    else:
        st.success("Every treatment of every letter on both sides agrees.")
    with st.expander(f"Cases the DWC lists without a parsed letter ({counted['listing_only']:,})"):
        ui.table(ui.unfiltered(reconciliation.listing_only), "dwc-listing-only")
    with st.expander(f"Real letters not in the DWC's listing ({counted['letter_only']:,})"):
        ui.table(ui.unfiltered(reconciliation.letter_only), "dwc-letter-only", links)

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
