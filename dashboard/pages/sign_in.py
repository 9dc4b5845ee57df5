"""Sign in: the only page a visitor sees when the dashboard requires a login (docs/sharing.md)."""

from __future__ import annotations

import streamlit as st

st.title("IMR Atlas")
st.write("This dashboard is shared with a team: sign in to see it.")
st.button("Sign in", type="primary", on_click=st.login)
