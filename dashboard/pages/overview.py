"""Overview: the headline figures, the monthly uphold rate, the category mix, the last refresh."""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboard import charts, queries, ui

st.title("Overview")
head = ui.headline_with_banner()

letters, items, rate, overturned = st.columns(4)
letters.metric("Letters", f"{head['letters']:,}", help="Letters with at least one item matching the filters.")
items.metric(
    "Items", f"{head['items']:,}", help="Disputed treatment requests (a letter decides one or more)."
)
rate.metric(
    "Uphold rate",
    ui.percent(head["uphold_rate"]),
    help=(
        f"Upheld / decided items: {head['upheld']:,} / {head['n']:,} "
        f"(95% CI {ui.percent(head['uphold_rate_low'])}–{ui.percent(head['uphold_rate_high'])}); "
        f"{head['undecided']:,} items without a readable decision are left out."
    ),
)
overturned.metric("Overturned", f"{head['overturned']:,}", help="Decided items the reviewer overturned.")

refresh = ui.unfiltered(queries.last_refresh)
if refresh.is_empty():
    st.caption("No refresh recorded in `etl_runs`.")
else:
    run = refresh.row(0, named=True)
    st.caption(
        f"Data last refreshed {run['finished_at'] or run['started_at']:%Y-%m-%d %H:%M} "
        f"(run {run['run_id']}, {run['status']}, {run['letters_loaded'] or 0:,} letters loaded)."
    )

st.subheader("Uphold rate by month of decision")
min_n_column, compare_column = st.columns(2)
with min_n_column:
    min_n = ui.min_n_control(
        "overview_min_n",
        head["n"],
        help="Months with fewer decided items are drawn faint. Empty: chosen from the decided items shown.",
    )
with compare_column:
    compare = ui.compare_control("overview_compare")
st.caption(
    f"Months with fewer than {min_n} decided items are drawn faint. Click a month to read its letters."
)
if compare is None:
    by_month = ui.filtered(queries.monthly)
    ui.chart_and_table(charts.rate_over_time(by_month, min_n=min_n), by_month, "uphold-rate-by-month")
else:
    by_month = ui.filtered(queries.compared_rates, "month", compare).filter(pl.col("n") >= 1)
    ui.chart_and_table(
        charts.rate_over_time(by_month, min_n=min_n, compare=compare),
        by_month,
        f"uphold-rate-by-month-{compare}",
    )

st.subheader("Category mix")
st.caption("Share of the items shown per DWC treatment category. Click a category to read its letters.")
mix = ui.filtered(queries.by_category)
ui.chart_and_table(
    charts.rate_bars(mix, "category", "category", rate="share", n="all_items"), mix, "category-mix"
)
