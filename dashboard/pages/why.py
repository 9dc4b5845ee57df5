"""Why: the grounds the rationales state for upholding or overturning, how often each appears
overall and per category, decision year and reviewer specialty, the uphold rate with and without
a documented shortfall, and a way into the letters behind a reason."""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboard import charts, queries, reasons, settings, sidebar, ui

SIDES = {
    "upheld": "Grounds for upholding the denial: share of upheld items",
    "overturned": "Grounds for overturning: share of overturned items",
}
SPLITS = {"category": "Category", "decision_year": "Decision year", "specialty": "Reviewer specialty"}

st.title("Why requests fail")
head = ui.headline_with_banner()
options = ui.unfiltered(queries.filter_options)
if not options.reasons:
    st.warning(
        "No item of this database states any of the grounds the reason tagger recognises "
        "(`etl/reasons.py`, `etl/rules/reasons.csv`).",
        icon=":material/info:",
    )
    st.stop()
st.caption(
    "Each decided item's rationale is read for the grounds it states for the decision (reason codes, "
    "`etl/reasons.py`). Share = items of that decision carrying the reason / all items of that "
    "decision (n), with its 95% Wilson interval. An item with several reasons counts under each, so "
    "the shares add up to more than 100%; *(no reason found)* counts items whose rationale states "
    "none the tagger recognises."
)

shares = ui.filtered(queries.reason_shares)
for side, title in SIDES.items():
    st.subheader(title)
    side_shares = shares.filter(pl.col("decision") == side).drop("decision")
    ui.chart_and_table(
        charts.rate_bars(side_shares, "label", "reason", rate="share", n="decided", pick=["reason"]),
        side_shares,
        f"reasons-{side}",
        fixed={"decision": side},
    )

st.subheader("By category, decision year or reviewer specialty")
split_column, min_n_column = st.columns(2)
by = split_column.radio("Split by", list(SPLITS), format_func=SPLITS.get, horizontal=True, key="why_by")
with min_n_column:
    min_n = ui.min_n_control(
        "why_min_n",
        head["n"],
        help="Groups with fewer items of that decision are drawn faint, showing their n. "
        "Empty: chosen from the number of decided items shown.",
    )
st.caption(
    "Each cell: the share of the group's upheld (or overturned) items carrying the reason. Groups with "
    f"fewer than {min_n} items of that decision are faint and show their n instead of the share; hover "
    "for the share, its interval and n. A reviewer listing several specialties counts under each."
)
split = ui.filtered(queries.reason_shares, by)
for side, title in SIDES.items():
    st.markdown(f"**{title}**")
    side_split = split.filter(pl.col("decision") == side).drop("decision")
    ui.chart_and_table(
        charts.share_heatmap(side_split, by, min_n),
        side_split,
        f"reasons-{side}-by-{by}",
        fixed={"decision": side},
    )

st.subheader("Uphold rate with and without a documented shortfall")
st.caption(
    "For each shortfall: the uphold rate of the decided items whose rationale states it, and of those "
    "whose rationale does not. A rationale states a ground for upholding only when it upholds, so the "
    "*with* rate is close to 100% by construction: the pair shows how often the shortfall appears "
    "behind a denial that stands (its n) and how the other items fare, not what the shortfall does "
    "to a decision."
)
compared = ui.filtered(queries.with_and_without, settings.REASONS_COMPARED)
ui.chart_and_table(
    charts.rate_pairs(compared, "label", "items_carrying", "reason", pick=["reason", "items_carrying"]),
    compared,
    "uphold-rate-with-and-without",
)

st.subheader("Read the letters behind a reason")
chosen = st.selectbox("Reason", options.reasons, format_func=reasons.label, key="why_reason")
st.caption(
    "Sets the sidebar's reason filter to this reason (the other filters stay) and opens the Letters "
    "page, where the chosen item's evidence sentences are marked in the letter."
)
if st.button("Open these letters", on_click=sidebar.choose, args=("reasons", [chosen]), key="why_open"):
    st.switch_page(ui.LETTERS_PAGE)
