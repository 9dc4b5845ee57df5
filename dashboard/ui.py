"""Pieces every page uses: cached queries, the synthetic banner, a chart with its table."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import altair as alt
import polars as pl
import streamlit as st

from dashboard import connection, queries, settings, sidebar
from dashboard.connection import Database, FileIdentity
from dashboard.filters import Filters

PERCENT_SUFFIXES = ("rate", "rate_low", "rate_high", "share", "share_low", "share_high")


def database() -> Database:
    """The open database; app.py has checked that it exists and holds letters."""
    db = connection.current()
    assert db is not None and db.is_ready
    return db


@st.cache_data(max_entries=512, show_spinner=False)
def _cached(name: str, identity: FileIdentity, filters: Filters | None, args: tuple, _query: Callable) -> Any:
    """Results keyed on the file's identity: a refresh (new file) never serves stale figures."""
    cursor = database().cursor()
    try:
        return _query(cursor, filters, *args) if filters is not None else _query(cursor, *args)
    finally:
        cursor.close()


def filtered(query: Callable, *args: Any, cached: bool = True) -> Any:
    """`query(cursor, active filters, *args)`, cached unless the arguments are too big to hash."""
    if cached:
        return _cached(query.__qualname__, database().identity, sidebar.active(), args, _query=query)
    return deferred(query, *args)()


def unfiltered(query: Callable, *args: Any) -> Any:
    """`query(cursor, *args)`, cached."""
    return _cached(query.__qualname__, database().identity, None, args, _query=query)


def deferred(query: Callable, *args: Any) -> Callable[[], Any]:
    """`query(cursor, active filters, *args)` run later, e.g. when a download button is clicked."""
    db, filters = database(), sidebar.active()

    def run() -> Any:
        cursor = db.cursor()
        try:
            return query(cursor, filters, *args)
        finally:
            cursor.close()

    return run


def column_config(frame: pl.DataFrame) -> dict[str, Any]:
    """Rates and shares shown as percentages (the downloads keep the fractions), dates as dates."""
    config: dict[str, Any] = {}
    for name, dtype in frame.schema.items():
        if name.endswith(PERCENT_SUFFIXES):
            config[name] = st.column_config.NumberColumn(name, format="percent")
        elif dtype == pl.Date:
            config[name] = st.column_config.DateColumn(name, format="YYYY-MM-DD")
    return config


def table(frame: pl.DataFrame, name: str, config: dict[str, Any] | None = None) -> None:
    """A table and its CSV download; `config` adds column settings (e.g. a link column)."""
    st.dataframe(
        frame, column_config={**column_config(frame), **(config or {})}, hide_index=True, width="stretch"
    )
    st.download_button(
        "Download CSV",
        frame.write_csv(),
        file_name=f"{name}.csv",
        mime="text/csv",
        key=f"download_{name}",
        on_click="ignore",
    )


def chart_and_table(chart: alt.TopLevelMixin, frame: pl.DataFrame, name: str) -> None:
    """Every chart comes with the table behind it and a download."""
    chart_tab, table_tab = st.tabs(["Chart", "Table"])
    with chart_tab:
        if frame.is_empty():
            st.info("Nothing to show for these filters.")
        else:
            st.altair_chart(chart, width="stretch")
    with table_tab:
        table(frame, name)


def headline_with_banner() -> dict[str, Any]:
    """The filtered headline figures, after warning when any of them come from generated letters."""
    head = filtered(queries.headline).row(0, named=True)
    synthetic_banner(head["synthetic_items"], head["items"])
    return head


def synthetic_banner(synthetic_items: int, items: int) -> None:
    """Generated letters must never pass for real determinations."""
    if synthetic_items:
        share = "all" if synthetic_items == items else f"{synthetic_items:,} of {items:,}"
        st.warning(
            f"**Synthetic data**: {share} items shown come from generated letters, not real IMR "
            "determinations. Untick *Include generated (synthetic) letters* in the sidebar to leave "
            "them out.",
            icon=":material/warning:",
        )


def min_n_control(
    key: str, help: str = "Groups with fewer decided items are hidden (tables, bars) or greyed (heatmap)."
) -> int:
    return int(
        st.number_input(
            "Minimum decided items (n)", min_value=1, value=settings.MIN_N_DEFAULT, step=5, key=key, help=help
        )
    )


def percent(value: float | None) -> str:
    return "–" if value is None else f"{value:.1%}"
