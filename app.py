"""IMR Atlas dashboard entry point.

Until the database and its pages land (ETL and dashboard issues), this page says what the
project can do today and how to parse the bundled letters.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

SAMPLE = Path(__file__).parent / "data" / "sample"

st.set_page_config(page_title="IMR Atlas", layout="wide")
st.title("IMR Atlas")
st.write(
    "California workers' compensation Independent Medical Review determinations: "
    "how often utilization-review denials are upheld, by treatment, reviewer and guideline."
)
st.info(
    "The database and the analysis pages are not built yet. Today the parser turns letters "
    "(text, PDF, zip) into structured records:\n\n"
    "`python -m etl parse data/sample > records.jsonl`",
    icon="ℹ️",
)
letters = sorted(p.name for p in SAMPLE.glob("*") if p.suffix in {".txt", ".pdf"}) if SAMPLE.is_dir() else []
st.metric("Bundled sample letters (synthetic)", len(letters))
