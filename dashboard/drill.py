"""From a chart's group to its letters: the filters of the view narrowed to the group a click selected.

Pure (no Streamlit). A chart's selection (`st.altair_chart(..., on_select=...)`) names the clicked
mark by the values of its group columns (`{"category": "Surgery", "year": 2017}`); each column
narrows one filter. The result is what the Letters page opens with, and what the URL carries.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime

from dashboard.filters import NO_CITATION, Filters
from etl.dashboard_tables import NO_REASON

SELECTION = "pick"  # the name of every chart's point selection


def _one(name: str) -> Callable[[Filters, object], Filters]:
    """Narrow a list filter to the clicked value."""
    return lambda filters, value: replace(filters, **{name: (str(value),)})


def _day(value: object) -> date:
    """A temporal value as Vega-Lite hands it back (milliseconds since the epoch, UTC) or as text."""
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value / 1000, tz=UTC).date()
    return date.fromisoformat(str(value)[:10])


def _within(filters: Filters, first: date, last: date) -> Filters:
    """The decision dates narrowed to [first, last] (intersected with the dates already chosen)."""
    start = max(first, filters.date_from) if filters.date_from else first
    end = min(last, filters.date_to) if filters.date_to else last
    return replace(filters, date_from=start, date_to=end)


def _month(filters: Filters, value: object) -> Filters:
    day = _day(value)
    last = calendar.monthrange(day.year, day.month)[1]
    return _within(filters, day.replace(day=1), day.replace(day=last))


def _year(filters: Filters, value: object) -> Filters:
    year = int(str(value)[:4]) if not isinstance(value, int | float) else int(value)
    return _within(filters, date(year, 1, 1), date(year, 12, 31))


def _source(filters: Filters, value: object) -> Filters:
    return replace(filters, sources=(NO_CITATION if value == NO_CITATION else str(value),))


# Group column → how it narrows the filters. Column names are those of dashboard.queries' frames.
NARROWS: dict[str, Callable[[Filters, object], Filters]] = {
    "category": _one("categories"),
    "subcategory": _one("subcategories"),
    "treatment": _one("treatments"),
    "specialty": _one("specialties"),
    "state": _one("states"),
    "source": _source,
    "decision": _one("decisions"),
    "guideline": _one("guidelines"),
    "agreement": _one("agreements"),
    "claims_source": _one("claims_first_sources"),
    "reviewer_source": _one("reviewer_first_sources"),
    "request": _one("requests"),
    "month": _month,
    "year": _year,
    "decision_year": _year,
}


def narrowed(
    filters: Filters,
    picked: Mapping[str, object],
    fixed: Mapping[str, object] | None = None,
    reason_codes: Sequence[str] = (),
) -> Filters:
    """`filters` narrowed to the clicked group `picked` and to the chart's own `fixed` group (e.g.
    the Why page's upheld side). A reason narrows the reason filter; with `items_carrying` =
    "without" it excludes the reason instead, and "(none found)" excludes every code
    (`reason_codes`), which is what an item without a reason is. Unknown columns are ignored."""
    group = {**(fixed or {}), **picked}
    for column, value in group.items():
        if column in NARROWS and value is not None:
            filters = NARROWS[column](filters, value)
    if "reason" in group:
        reason = str(group["reason"])
        if reason == NO_REASON:
            filters = replace(filters, reasons_absent=tuple(reason_codes))
        elif group.get("items_carrying") == "without":
            filters = replace(filters, reasons_absent=(reason,))
        else:
            filters = replace(filters, reasons=(reason,))
    return filters


def picked_group(selection: Mapping[str, object]) -> dict[str, object] | None:
    """The first clicked mark of a chart's selection state (None when nothing is selected)."""
    points = selection.get(SELECTION) if selection else None
    if not points:
        return None
    first = points[0] if isinstance(points, list | tuple) else points
    return dict(first) if isinstance(first, Mapping) and first else None
