"""The one way text from a letter or a path reaches an element that renders Markdown (st.markdown,
st.caption, st.warning …): every character Markdown, Streamlit's directives (":red[…]",
":material/…:", "$math$") or an autolink could read as syntax is backslash-escaped, so a
treatment or a file name is shown as written — never fetched as an image, linked or formatted."""

from __future__ import annotations

import re

MARKDOWN_SPECIALS = "\\`*_{}[]()<>#+-.!|~&$:=^\"'"
_SPECIAL = re.compile("([" + re.escape(MARKDOWN_SPECIALS) + "])")


def markdown_literal(text: object) -> str:
    """`text` as Markdown that renders to exactly its characters (line breaks become spaces: a
    caption or a label holds one line)."""
    return _SPECIAL.sub(r"\\\1", " ".join(str(text).split()))
