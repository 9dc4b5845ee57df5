"""Pieces every page uses: cached queries, the synthetic banner, a chart with its table."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import altair as alt
import polars as pl
import streamlit as st

from dashboard import charts, connection, drill, queries, settings, sidebar
from dashboard.connection import Database, FileIdentity
from dashboard.filters import Filters

PERCENT_SUFFIXES = ("rate", "rate_low", "rate_high", "share", "share_low", "share_high")
LETTERS_PAGE = Path(__file__).parent / "pages" / "letters.py"
OPEN_LETTERS = "open_letters_of_selection"  # set by a chart's click, acted on after the chart is drawn


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


def _open_letters(chart_key: str, fixed: Mapping[str, object] | None) -> None:
    """A chart's selection callback (it runs before the script, so the sidebar and the URL show the
    group): the filters narrowed to the clicked group, and the Letters page asked for."""
    picked = drill.picked_group(st.session_state[chart_key].selection)
    if picked is None:
        return
    codes = unfiltered(queries.filter_options).reasons
    sidebar.choose_all(drill.narrowed(sidebar.active(), picked, fixed, codes))
    st.session_state[OPEN_LETTERS] = True


def chart_and_table(
    chart: alt.TopLevelMixin, frame: pl.DataFrame, name: str, fixed: Mapping[str, object] | None = None
) -> None:
    """Every chart comes with the table behind it and a download. A click on a group opens the
    Letters page with the current filters narrowed to it (and to `fixed`, the chart's own group)."""
    chart_tab, table_tab = st.tabs(["Chart", "Table"])
    key = f"chart_{name}"
    with chart_tab:
        if frame.is_empty():
            st.info("Nothing to show for these filters.")
        else:
            st.altair_chart(
                chart,
                width="stretch",
                key=key,
                on_select=lambda: _open_letters(key, fixed),
                selection_mode=drill.SELECTION,
            )
    with table_tab:
        table(frame, name)
    if st.session_state.pop(OPEN_LETTERS, False):
        st.switch_page(LETTERS_PAGE)


def compare_control(key: str) -> str | None:
    """The dimension the page's rate charts are split by, side by side (None: not split)."""
    return st.selectbox(
        "Compare by",
        list(queries.COMPARE_BY),
        index=None,
        format_func=queries.COMPARE_BY.get,
        key=key,
        placeholder="nothing (one rate per group)",
        help="Split each uphold-rate chart by a second dimension: one dot and 95% interval per value, side "
        "by side. A reviewer listing several specialties (or states, or cited sources) counts under each.",
    )


def in_order_of(parts: pl.DataFrame, frame: pl.DataFrame, label: str) -> pl.DataFrame:
    """The split rows of the groups `frame` shows, in its order (its sort, its top-n)."""
    order = frame.select(label).with_row_index("group_order")
    return (
        parts.join(order, on=label)
        .filter(pl.col("n") >= 1)
        .sort("group_order", maintain_order=True)
        .drop("group_order")
    )


def rates(
    frame: pl.DataFrame,
    label: str,
    title: str,
    name: str,
    min_n: int,
    compare: str | None = None,
    group: str | None = None,
    category: str | None = None,
    pick: Sequence[str] | None = None,
) -> None:
    """An uphold-rate chart with its table; split by `compare` (queries.compared_rates of `group`,
    the groups and order of `frame`) when one is chosen and it is not the chart's own dimension."""
    if compare is None or group is None or compare == group:
        chart_and_table(charts.rate_bars(frame, label, title, min_n=min_n, pick=pick), frame, name)
        return
    parts = in_order_of(filtered(queries.compared_rates, group, compare, category), frame, label)
    chart = charts.rate_pairs(parts, label, compare, title, min_n=min_n, pick=[*(pick or [label]), compare])
    chart_and_table(chart, parts, f"{name}-by-{compare}")


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


def adaptive_min_n(decided: int) -> int:
    """The default minimum n for `decided` items shown: a share of them (settings.MIN_N_SHARE), at
    least 1 and at most settings.MIN_N_DEFAULT, so that a database of a few hundred letters does
    not draw most groups faint, and a large one keeps the usual threshold."""
    return min(settings.MIN_N_DEFAULT, max(1, math.ceil(decided * settings.MIN_N_SHARE)))


def min_n_control(
    key: str,
    decided: int,
    help: str = "Groups with fewer decided items are drawn faint, showing their n; none is hidden. "
    "Empty: chosen from the number of decided items shown.",
) -> int:
    """The minimum n: the analyst's number, or (left empty) `adaptive_min_n` of the items shown."""
    automatic = adaptive_min_n(decided)
    chosen = st.number_input(
        "Minimum decided items (n)",
        min_value=1,
        value=None,
        step=5,
        key=key,
        placeholder=f"automatic: {automatic}",
        help=help,
    )
    return automatic if chosen is None else int(chosen)


def percent(value: float | None) -> str:
    return "–" if value is None else f"{value:.1%}"
