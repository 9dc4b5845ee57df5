"""Shown instead of the analysis pages while there is no database to read (or it holds no
letters, or its dashboard tables are from another version): says which file was looked for and
which command builds it."""

from __future__ import annotations

import duckdb
import streamlit as st

from dashboard import connection, settings
from etl.config import database_path

path = database_path()
try:
    db = connection.current()
    problem = (
        "does not exist yet"
        if db is None
        else f"has no {', '.join(db.missing_tables)} table(s): it is not an IMR Atlas database"
        if db.missing_tables
        else "was written by another version of IMR Atlas: its dashboard tables must be rebuilt "
        "(the refresh below does it without parsing any letter again)"
        if db.tables_outdated
        else "holds no letters yet"
    )
except duckdb.Error as error:
    problem = f"cannot be opened ({error})"

st.title("IMR Atlas")
st.write(
    "California workers' compensation Independent Medical Review determinations: how often "
    "utilization-review denials are upheld, by treatment, reviewer and guideline."
)
st.warning(f"The database `{path}` {problem}.", icon=":material/build:")
st.markdown(
    f"""
**Build it** from the bundled sample letters (generated, labelled synthetic) — or point
`--source` at your own folders of letters (text, PDF, zip):

```sh
{settings.REFRESH_COMMAND}
```

The dashboard reads the database named by the `IMR_DB` environment variable (default
`data/imr.duckdb`) and picks up each finished refresh by itself: reload this page when the
command is done.
"""
)
