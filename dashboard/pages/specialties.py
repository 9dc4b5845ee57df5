"""Reviewer specialties: uphold rate per canonical specialty, specialty × category, states."""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboard import charts, queries, ui

st.title("Reviewer specialties")
head = ui.headline_with_banner()
st.caption(
    "Specialties as canonicalised from the letters; a reviewer listing several counts under each, "
    "so the groups add up to more than the items shown. Uphold rate = upheld / decided items (n), "
    "with its 95% Wilson interval. Groups with fewer decided items than the minimum are drawn faint, "
    "showing their n. Click a group or a cell to read its letters."
)
min_n_column, compare_column = st.columns(2)
with min_n_column:
    min_n = ui.min_n_control("specialties_min_n", head["n"])
with compare_column:
    compare = ui.compare_control("specialties_compare")

st.subheader("By specialty")
specialties = ui.filtered(queries.by_specialty).filter(pl.col("n") >= 1)
ui.rates(specialties, "specialty", "specialty", "uphold-rate-by-specialty", min_n, compare, "specialty")

st.subheader("Specialty × category")
st.caption(f"Cells with fewer than {min_n} decided items are faint and show their n; hover for the rate.")
cells = ui.filtered(queries.specialty_by_category).filter(pl.col("n") >= 1)
ui.chart_and_table(charts.heatmap(cells, "category", "specialty", min_n), cells, "specialty-by-category")

st.subheader("States of licensure")
states = ui.filtered(queries.by_state).filter(pl.col("n") >= 1)
ui.rates(states, "state", "state", "uphold-rate-by-state", min_n, compare, "state")
