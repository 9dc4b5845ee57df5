"""Guidelines: which sources reviewers cite over time, the uphold rate per guideline document,
section and page, and whether the reviewer relied on the claims administrator's source."""

from __future__ import annotations

import streamlit as st

from dashboard import charts, queries, ui

st.title("Guidelines")
head = ui.headline_with_banner()
st.caption("Click a bar, a dot or a group to read its letters.")

st.subheader("Reviewer citations by source")
st.caption(
    "Share of the reviewers' guideline citations per source (MTUS, ODG, ACOEM, other) by decision year."
)
sources = ui.filtered(queries.citation_sources_by_year)
ui.chart_and_table(
    charts.share_by_period(sources, "year", "source", "share of reviewer citations"),
    sources,
    "citations-by-source",
)

st.subheader("Uphold rate by guideline")
level_column, min_n_column, compare_column = st.columns(3)
level = level_column.radio("Rank by", list(queries.GUIDELINE_KEYS), horizontal=True, key="guidelines_level")
with min_n_column:
    min_n = ui.min_n_control("guidelines_min_n", head["n"])
with compare_column:
    compare = ui.compare_control("guidelines_compare")
st.caption(
    f"The most cited guideline {level}s with a decided item; one row per reviewer citation, so an item "
    f"citing two pages counts for both. Those with fewer than {min_n} decided items are drawn faint."
)
ranked = ui.filtered(queries.by_guideline, level)
ui.rates(ranked, "guideline", level, f"uphold-rate-by-guideline-{level}", min_n, compare, level)

st.subheader("Did the reviewer rely on the claims administrator's source?")
st.caption(
    "Compares the first source each side cited for an item. Share = items in the group / items shown; "
    "uphold rate = upheld / decided items of the group."
)
agreement = ui.filtered(queries.source_agreement)
left, right = st.columns(2)
with left:
    st.markdown("**How often**")
    ui.chart_and_table(
        charts.rate_bars(agreement, "agreement", "first sources", rate="share", n="all_items"),
        agreement.select("agreement", "items", "all_items", "share", "share_low", "share_high"),
        "source-agreement-share",
    )
with right:
    st.markdown("**Uphold rate**")
    ui.rates(
        agreement.select(
            "agreement", "items", "n", "upheld", "uphold_rate", "uphold_rate_low", "uphold_rate_high"
        ),
        "agreement",
        "first sources",
        "source-agreement-uphold-rate",
        min_n,
        compare,
        "agreement",
    )
st.markdown("**When they differ**: claims administrator's source → reviewer's source")
pairs = ui.filtered(queries.differing_sources)
ui.rates(
    pairs,
    "pair",
    "sources",
    "differing-sources",
    min_n,
    compare,
    "pair",
    pick=["claims_source", "reviewer_source"],
)
