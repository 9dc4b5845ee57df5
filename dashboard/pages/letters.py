"""Letters: the filtered items page by page (paged in SQL), text search over the whole letters (or
only the items' treatment and rationale) with prefixes, the full letter with the chosen item, the
evidence of its reasons and the searched words highlighted, and exports."""

from __future__ import annotations

import math

import polars as pl
import streamlit as st

from dashboard import queries, settings, ui
from dashboard.highlight import highlighted
from dashboard.safe_text import markdown_literal

st.title("Letters")
ui.headline_with_banner()

search_column, scope_column = st.columns([3, 1])
search = search_column.text_input(
    "Search letters",
    key="letters_search",
    placeholder="e.g. gabapentin, gabapent*, lumbar MRI",
    help="Items whose letter (or, if chosen, whose own treatment and rationale) holds every word: "
    "whole words of two or more letters or digits, common words such as *the* or *and* ignored; "
    f"a word ending in \\* is a prefix (at least {settings.SEARCH_PREFIX_MIN} letters), and a word no "
    "letter holds is completed as a prefix. Newest decisions first.",
)
scope = scope_column.radio(
    "Search in",
    list(queries.SEARCH_SCOPES),
    format_func=lambda key: queries.SEARCH_SCOPES[key][0],
    key="letters_search_scope",
)
found = ui.unfiltered(queries.search, search, scope) if search.strip() else None
if found is not None and found.problem:
    st.warning(markdown_literal(found.problem))
for word in found.words if found is not None else ():
    if word.prefix or word.completed:
        shown = ", ".join(word.forms[:20]) + (" …" if len(word.forms) > 20 else "")
        how = "no letter has this word; searched as a prefix: " if word.completed else ""
        st.caption(markdown_literal(f"{word.typed}: {how}{shown or 'no word starts so'}"))
total = ui.filtered(queries.explorer_count, found)
pages = max(1, math.ceil(total / settings.PAGE_SIZE))
count_column, page_column = st.columns([3, 1])
st.session_state["letters_page"] = min(st.session_state.get("letters_page", 1), pages)
page = int(page_column.number_input(f"Page (of {pages:,})", 1, pages, key="letters_page")) - 1
count_column.markdown(
    f"**{total:,}** items match; showing {page * settings.PAGE_SIZE + 1:,}–"
    f"{min(total, (page + 1) * settings.PAGE_SIZE):,}, newest decisions first."
    if total
    else "No items match."
)
rows = ui.filtered(queries.explorer_page, found, page)
st.dataframe(
    rows,
    hide_index=True,
    width="stretch",
    column_config={
        **ui.column_config(rows),
        "synthetic": st.column_config.CheckboxColumn("synthetic", help="Generated letter"),
    },
)

csv_column, parquet_column = st.columns(2)
for column, file_format, mime in ((csv_column, "csv", "text/csv"), (parquet_column, "parquet", None)):
    column.download_button(
        f"Export all {total:,} rows as {file_format.upper()}",
        ui.deferred(queries.export, found, file_format),
        file_name=f"imr-items.{file_format}",
        mime=mime or "application/octet-stream",
        key=f"export_{file_format}",
        on_click="ignore",
        disabled=not total,
        help="Every column of `decisions`, the rationale, and every citation of each side in one cell "
        '("MTUS: Chronic Pain Medical Treatment Guidelines 2016, Opioids, p. 76-78; ODG: Pain Chapter"). '
        'Lists are "a; b" cells in CSV and lists in Parquet.',
    )

st.subheader("Letter")
if rows.is_empty():
    st.info("Choose filters or a search that match some items.")
    st.stop()
labels = [
    f"{row['case_number'] or row['doc_id']} · item {row['item_no']} · {row['treatment']}"
    for row in rows.iter_rows(named=True)
]
chosen = rows.row(labels.index(st.selectbox("Item", labels, key="letters_item")), named=True)
letter = ui.unfiltered(queries.letter, chosen["doc_id"]).row(0, named=True)

if letter["synthetic"]:
    st.warning(
        "**Synthetic letter**: generated for testing, not a real IMR determination.",
        icon=":material/warning:",
    )
st.markdown(
    f"**{markdown_literal(letter['case_number'] or 'No case number')}** · "
    f"decided {letter['decision_date'] or 'date unknown'} · "
    f"layout {markdown_literal(letter['layout'])} · "
    f"file {markdown_literal(letter['source_file'] or 'unknown')}"
)
if letter["warnings"]:
    st.caption("Parser warnings: " + markdown_literal("; ".join(letter["warnings"])))
st.dataframe(ui.unfiltered(queries.letter_items, chosen["doc_id"]), hide_index=True, width="stretch")

st.markdown("**Why the chosen item was decided so**")
item_reasons = ui.unfiltered(queries.letter_reasons, chosen["doc_id"]).filter(
    pl.col("item_no") == chosen["item_no"]
)
evidence = [sentence for sentence in item_reasons["evidence"] if sentence]
if item_reasons.is_empty():
    st.caption("Its rationale states none of the grounds the reason tagger recognises.")
else:
    st.caption(
        "In the letter below the treatment is marked yellow, the evidence of each reason blue"
        + (", the searched words orange." if found is not None else ".")
    )
    st.dataframe(item_reasons.select("label", "reason", "evidence"), hide_index=True, width="stretch")


st.html(
    '<div style="white-space: pre-wrap; font-family: monospace; font-size: 0.85rem; max-height: 40rem; '
    'overflow-y: auto; border: 1px solid #ddd; padding: 0.75rem;">'
    f"{highlighted(letter['text'], chosen['treatment'], evidence, found.forms if found else ())}</div>"
)
