"""SQL: ad-hoc read-only queries against the database, with a schema browser and examples.

The query runs in its own process (dashboard.sql_runner) while this script waits and shows the
elapsed time; pressing Stop (any rerun) or the time limit ends that process.
"""

from __future__ import annotations

import time

import streamlit as st

from dashboard import settings, sql_runner, ui
from dashboard.safe_text import markdown_literal
from dashboard.sql_runner import RefusedQuery, RunningQuery, SqlResult

STOPPED = "sql_stopped"


def run_stoppably(path: str, text: str) -> SqlResult:
    """Wait for the query's process while drawing the elapsed time: each draw lets Streamlit stop
    this run when the analyst presses Stop, and then the process is ended too."""
    query = RunningQuery(path, text, settings.SQL_DOWNLOAD_ROW_CAP)
    elapsed = st.empty()
    st.button("Stop", key="sql_stop")
    st.session_state[STOPPED] = True
    try:
        while (result := query.result()) is None:
            elapsed.caption(f"Running… {query.elapsed:.1f} s")
            time.sleep(0.1)
    finally:
        query.stop()
    st.session_state[STOPPED] = False
    elapsed.empty()
    return result


st.title("SQL")
st.caption(
    "Read-only SQL against the whole database (the sidebar filters do not apply here). "
    f"Results show the first {settings.SQL_ROW_CAP:,} rows with the true row count; queries stop "
    f"after {settings.SQL_TIMEOUT_SECONDS:g} s, each in its own process with "
    f"{settings.SQL_MEMORY_MB:,} MB of memory and {settings.SQL_THREADS} thread. "
    "The `decisions` view has one row per disputed item (see docs/database.md)."
)
db = ui.database()

example = st.selectbox("Example queries", ["", *sql_runner.EXAMPLES], key="sql_example")
if example and st.session_state.get("sql_example_loaded") != example:
    st.session_state["sql_text"] = sql_runner.EXAMPLES[example]
    st.session_state["sql_example_loaded"] = example

with st.form("sql_form"):
    text = st.text_area("Query", key="sql_text", height=180, placeholder="SELECT * FROM decisions LIMIT 10")
    submitted = st.form_submit_button("Run", type="primary")

if st.session_state.pop(STOPPED, False) and not submitted:
    st.info("The last query was stopped.")
if submitted:
    try:
        result = run_stoppably(db.identity.path, text)
    except RefusedQuery as refusal:
        st.error(markdown_literal(str(refusal)))
    else:
        shown = result.rows.head(settings.SQL_ROW_CAP)
        st.success(
            f"{result.total_rows:,} rows in {result.seconds:.2f} s"
            + (f"; showing the first {shown.height:,}." if shown.height < result.total_rows else ".")
            + (
                f" Rows beyond {settings.SQL_RESULT_BYTE_CAP // 2**20} MB of result were left out."
                if result.byte_capped
                else ""
            )
        )
        st.dataframe(shown, hide_index=True, width="stretch")
        st.download_button(
            f"Download CSV ({result.rows.height:,} rows"
            + (
                f", capped at {settings.SQL_DOWNLOAD_ROW_CAP:,})"
                if result.rows.height < result.total_rows
                else ")"
            ),
            sql_runner.csv(result.rows),
            file_name="query.csv",
            mime="text/csv",
            on_click="ignore",
        )

with st.expander("Schema: tables, views and columns"):
    columns = ui.unfiltered(sql_runner.schema)
    for name, group in columns.group_by("kind", "name", maintain_order=True):
        st.markdown(
            f"**{name[1]}** ({name[0]}): "
            + ", ".join(f"`{c}` {t}" for c, t in group.select("column", "type").iter_rows())
        )
