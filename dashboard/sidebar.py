"""The sidebar filters: widgets seeded once per session from the URL, and the URL rewritten from
the widgets on every run, so any view can be shared as a link and reopens the same."""

from __future__ import annotations

from datetime import date

import streamlit as st

from dashboard import reasons
from dashboard.filters import DECISIONS, DRILL_ONLY, URL_KEYS, FilterOptions, Filters, case_numbers
from dashboard.safe_text import markdown_literal

SEEDED = "filters_seeded_from_url"
CURRENT = "filters"
LABELS = {
    "categories": "Category",
    "subcategories": "Subcategory",
    "specialties": "Reviewer specialty",
    "states": "Reviewer state of licensure",
    "sources": "Guideline source cited by the reviewer",
    "decisions": "Decision",
    "age_bands": "Age band",
    "genders": "Gender",
    "layouts": "Letter layout",
    "reasons": "Reason given (any of)",
}
SHOWN_AS = {
    "reasons": reasons.label,
    "reasons_absent": reasons.label,
}  # filters whose values are codes, shown by their label
HELP = {"reasons": "Items whose rationale states any of these grounds (reason codes mined by the ETL)."}
# The filters only a chart's group sets, listed under the others with a button clearing each.
DRILL_LABELS = {
    "reasons_absent": "Reason not given (none of)",
    "treatments": "Treatment",
    "guidelines": "Guideline cited by the reviewer",
    "agreements": "First sources of both sides",
    "claims_first_sources": "Claims administrator's first source",
    "reviewer_first_sources": "Reviewer's first source",
    "requests": "Request (modified or not)",
}
assert set(DRILL_LABELS) == set(DRILL_ONLY)


def _key(name: str) -> str:
    return f"filter_{name}"


def _seed(filters: Filters) -> None:
    for name in URL_KEYS:
        value = getattr(filters, name)
        st.session_state[_key(name)] = list(value) if isinstance(value, tuple) else value
    st.session_state[_key("cases")] = " ".join(filters.cases)  # one text field


def _reset(options: FilterOptions) -> None:
    _seed(Filters(include_synthetic=options.default_synthetic))


def _clamped(day: date | None, options: FilterOptions) -> date | None:
    if day is None or options.date_min is None or options.date_max is None:
        return day
    return min(max(day, options.date_min), options.date_max)


def show(options: FilterOptions) -> Filters:
    """Draw the filters; return what they select (also kept for the pages: `active()`)."""
    if not st.session_state.get(SEEDED):
        params = {key: st.query_params.get_all(key) for key in st.query_params}
        linked = Filters.from_query_params(params, options.default_synthetic).restricted_to(options)
        _seed(linked)
        st.session_state[SEEDED] = True

    st.sidebar.header("Filters")
    for name in ("date_from", "date_to"):
        st.session_state[_key(name)] = _clamped(st.session_state.get(_key(name)), options)
    st.sidebar.date_input(
        "Decided from", key=_key("date_from"), min_value=options.date_min, max_value=options.date_max
    )
    st.sidebar.date_input(
        "Decided until", key=_key("date_to"), min_value=options.date_min, max_value=options.date_max
    )
    choices = options.choices()
    choices["subcategories"] = options.subcategories_of(st.session_state.get(_key("categories"), []))
    for name, label in LABELS.items():
        allowed = choices[name] if name != "decisions" else DECISIONS
        chosen = [value for value in st.session_state.get(_key(name), []) if value in allowed]
        st.session_state[_key(name)] = chosen
        st.sidebar.multiselect(
            label,
            allowed,
            key=_key(name),
            placeholder="All",
            format_func=SHOWN_AS.get(name, str),
            help=HELP.get(name),
        )
    cases = _key("cases")
    st.session_state[cases] = str(st.session_state.get(cases) or "")
    st.sidebar.text_input(
        "Case number",
        key=cases,
        placeholder="e.g. CM16-0231706",
        help="Only the letters with these case numbers (several: separated by spaces or commas).",
    )
    for name, label in DRILL_LABELS.items():
        chosen = st.session_state.get(_key(name)) or []
        st.session_state[_key(name)] = chosen
        if chosen:
            shown = ", ".join(SHOWN_AS.get(name, str)(value) for value in chosen)
            st.sidebar.caption(f"{label}: {markdown_literal(shown)}")
            st.sidebar.button(
                f"Clear: {label.lower()}", on_click=choose, args=(name, []), key=f"clear_{name}"
            )
    # Assigned on every run like the lists above: st.switch_page (the Why page's way to the letters)
    # reruns without the browser's widget values, and only state the script assigned survives it.
    synthetic = _key("include_synthetic")
    st.session_state[synthetic] = bool(st.session_state.get(synthetic, options.default_synthetic))
    st.sidebar.checkbox(
        "Include generated (synthetic) letters",
        key=_key("include_synthetic"),
        help="Generated letters test the pipeline; never mix them into published figures.",
    )
    st.sidebar.button("Reset filters", on_click=_reset, args=(options,))

    values = {name: st.session_state[_key(name)] for name in URL_KEYS}
    values["cases"] = case_numbers(values["cases"])
    filters = Filters(**{name: tuple(v) if isinstance(v, list) else v for name, v in values.items()})
    st.query_params.from_dict(filters.to_query_params(options.default_synthetic))
    st.session_state[CURRENT] = filters
    return filters


def choose(name: str, values: list[str]) -> None:
    """Set one filter (a button's callback: it runs before the sidebar is drawn, so the sidebar,
    the URL and the next page all show the choice)."""
    st.session_state[_key(name)] = values


def choose_all(filters: Filters) -> None:
    """Set every filter (a chart selection's callback: like `choose`, before the sidebar is drawn)."""
    _seed(filters)


def active() -> Filters:
    """The filters the sidebar drew in this run."""
    return st.session_state[CURRENT]
