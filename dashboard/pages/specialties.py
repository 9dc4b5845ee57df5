"""Reviewer specialties: uphold rate per canonical specialty, specialty × category, states."""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboard import charts, queries, ui

st.title("Reviewer specialties")
ui.headline_with_banner()
st.caption(
    "Specialties as canonicalised from the letters; a reviewer listing several counts under each, "
    "so the groups add up to more than the items shown. Uphold rate = upheld / decided items (n), "
    "with its 95% Wilson interval."
)
min_n = ui.min_n_control("specialties_min_n")

st.subheader("By specialty")
specialties = ui.filtered(queries.by_specialty).filter(pl.col("n") >= min_n)
ui.chart_and_table(
    charts.rate_bars(specialties, "specialty", "specialty"), specialties, "uphold-rate-by-specialty"
)

st.subheader("Specialty × category")
st.caption(f"Cells with fewer than {min_n} decided items are grey; hover for the rate, interval and n.")
cells = ui.filtered(queries.specialty_by_category)
shown = cells.filter(pl.col("specialty").is_in(specialties["specialty"].implode()))
ui.chart_and_table(charts.heatmap(shown, "category", "specialty", min_n), shown, "specialty-by-category")

st.subheader("States of licensure")
states = ui.filtered(queries.by_state).filter(pl.col("n") >= min_n)
ui.chart_and_table(charts.rate_bars(states, "state", "state"), states, "uphold-rate-by-state")
