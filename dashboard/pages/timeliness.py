"""Timeliness and modified requests: how many days IMR takes from the application and from the
assignment to the decision, by month and category; how many items were modified requests and how
often their remaining portion was upheld."""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboard import charts, queries, ui

st.title("Timeliness and modified requests")
ui.headline_with_banner()

st.header("Days to decision")
st.caption(
    "Calendar days from the *Application Received* date and from the *Date Assigned* date of the "
    "letter's header to its *Decision Date* (`days_from_received`, `days_from_assigned` in "
    "`decisions`). n counts letters: a letter decides all its items on one date, so it counts once "
    "per month, and once under each category of its items shown. Letters without the date (2015 "
    "bodies without their page-1 header; 2013–14 letters state no assignment date) are left out of "
    "that measure. Lines and dots: medians; bands and thick lines: the middle half (25th–75th "
    "percentile); thin lines: 10th–90th percentile."
)
by_month = ui.filtered(queries.days_to_decision, "month")
if by_month.is_empty():
    st.info("No letter shown states its application or assignment date.")
else:
    columns = st.columns(len(queries.DAY_MEASURES))
    overall = ui.filtered(queries.days_to_decision)
    for column, row in zip(columns, overall.iter_rows(named=True), strict=False):
        column.metric(
            f"Median days from {row['measure']}",
            f"{row['median']:.0f}",
            help=f"Over {row['n']:,} letters; middle half {row['q1']:.0f}–{row['q3']:.0f} days.",
        )
st.subheader("By month of decision")
ui.chart_and_table(charts.days_over_time(by_month), by_month, "days-to-decision-by-month")
st.subheader("By category")
by_category = ui.filtered(queries.days_to_decision, "category")
ui.chart_and_table(charts.days_by_group(by_category, "category"), by_category, "days-to-decision-by-category")

st.header("Modified requests")
st.caption(
    "A modified request: utilization review authorized part of the request and IMR decided the "
    'remaining portion ("… was the original request. … was authorized by the Claims Administrator. '
    'The remaining IMR eligible portion of the original request, …"; `modified` in `decisions`, '
    "read with `etl/rules/modified-requests.csv`). Only letters that state it per item can show it "
    "(the 2015+ layout). Share = items of that kind / items shown; uphold rate = upheld / decided "
    "items (n); both with their 95% Wilson interval."
)
overall = ui.filtered(queries.modified_requests)
modified = overall.filter(pl.col("request") == "modified")
if not modified.is_empty():
    row = modified.row(0, named=True)
    share, rate = st.columns(2)
    share.metric(
        "Modified requests",
        ui.percent(row["share"]),
        help=f"{row['items']:,} of {row['group_items']:,} items "
        f"(95% CI {ui.percent(row['share_low'])}–{ui.percent(row['share_high'])}).",
    )
    rate.metric(
        "Uphold rate of modified requests",
        ui.percent(row["uphold_rate"]),
        help=f"{row['upheld']:,} of {row['n']:,} decided "
        f"(95% CI {ui.percent(row['uphold_rate_low'])}–{ui.percent(row['uphold_rate_high'])}).",
    )
st.subheader("Uphold rate: modified vs not modified")
ui.chart_and_table(charts.rate_bars(overall, "request", "request"), overall, "modified-requests")
st.subheader("By category")
by_category = ui.filtered(queries.modified_requests, "category").rename({"group": "category"})
shares = by_category.filter(pl.col("request") == "modified")
st.markdown("**Share of the category's items that were modified requests**")
ui.chart_and_table(
    charts.rate_bars(shares, "category", "category", rate="share", n="group_items"),
    shares,
    "modified-share-by-category",
    fixed={"request": "modified"},
)
st.markdown("**Uphold rate, modified vs not modified**")
ui.chart_and_table(
    charts.rate_pairs(by_category, "category", "request", "category"),
    by_category,
    "modified-uphold-by-category",
)
