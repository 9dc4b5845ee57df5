"""Treatment types: uphold rate per category, then a category's subcategories and its most
frequent treatments (strengths and quantities folded)."""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboard import queries, ui
from dashboard.safe_text import markdown_literal

SORTS = {"Volume (most items first)": ("items", True), "Uphold rate (lowest first)": ("uphold_rate", False)}


def ranked(frame: pl.DataFrame, sort: str) -> pl.DataFrame:
    """The groups with a rate (at least one decided item), in the chosen order."""
    column, descending = SORTS[sort]
    return frame.filter(pl.col("n") >= 1).sort(column, descending=descending, nulls_last=True)


st.title("Treatment types")
head = ui.headline_with_banner()
st.caption(
    "Uphold rate = upheld / decided items (n), with its 95% Wilson interval. Groups with fewer "
    "decided items than the minimum are drawn faint, showing their n. Click a group to read its letters."
)

sort_column, min_n_column, compare_column = st.columns(3)
sort = sort_column.radio("Sort by", list(SORTS), horizontal=True, key="treatments_sort")
with min_n_column:
    min_n = ui.min_n_control("treatments_min_n", head["n"])
with compare_column:
    compare = ui.compare_control("treatments_compare")

categories = ranked(ui.filtered(queries.by_category), sort).drop(
    "all_items", "share", "share_low", "share_high"
)
st.subheader("By category")
ui.rates(categories, "category", "category", "uphold-rate-by-category", min_n, compare, "category")

st.subheader("Drill down")
names = categories["category"].to_list()
if not names:
    st.info("No category has a decided item for these filters.")
else:
    category = st.selectbox("Category", names, key="treatments_category")
    in_category = pl.lit(category).alias("category")
    subcategories = ranked(ui.filtered(queries.by_subcategory, category), sort).insert_column(0, in_category)
    st.markdown(f"**{markdown_literal(category)}: subcategories**")
    ui.rates(
        subcategories,
        "subcategory",
        "subcategory",
        "uphold-rate-by-subcategory",
        min_n,
        compare,
        "subcategory",
        category,
        pick=["category", "subcategory"],
    )
    st.markdown(f"**{markdown_literal(category)}: most frequent treatments**")
    st.caption(
        "One row per treatment with strengths, quantities and dates removed "
        '("Norco 10/325mg #120" and "Norco 10/325 #60" are one row); `spellings` counts the '
        "distinct ways it was written, `most_written` is the commonest."
    )
    treatments = ranked(ui.filtered(queries.top_treatments, category), sort).insert_column(0, in_category)
    ui.rates(
        treatments,
        "treatment",
        "treatment",
        "top-treatments",
        min_n,
        compare,
        "treatment",
        category,
        pick=["category", "treatment"],
    )
