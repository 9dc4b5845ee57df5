"""Altair builders. Each takes an aggregated frame from dashboard.queries (never item rows),
gives every mark a tooltip with the rate, its 95% interval and n, draws groups with fewer decided
items than the minimum n faint with their n (never hides them), and lets a click select a group
(the point selection `drill.SELECTION` over the group's columns: the page opens its letters)."""

from __future__ import annotations

from collections.abc import Sequence

import altair as alt
import polars as pl

from dashboard.drill import SELECTION

RATE_SCALE = alt.Scale(domain=[0, 1])
LABEL_LIMIT = 320  # pixels of a group's name before Vega-Lite cuts it
FAINT = 0.3  # opacity of a group under the minimum n


def _pickable(layer: alt.Chart, fields: Sequence[str]) -> alt.Chart:
    """The layer whose marks a click selects, by the group's columns."""
    return layer.add_params(alt.selection_point(name=SELECTION, fields=list(fields), on="click"))


def _faint_under(min_n: int, n: str = "n", full: float = 1.0) -> alt.OpacityValue:
    """Opacity `full`, or a FAINT share of it for a group with fewer than `min_n` decided items."""
    return alt.condition(alt.datum[n] >= min_n, alt.value(full), alt.value(full * FAINT))


def _small_n_labels(base: alt.Chart, x: str, n: str, min_n: int) -> alt.Chart:
    """ "n=12" after the interval of each group under the minimum n: small, and seen to be small."""
    return (
        base.transform_filter(alt.datum[n] < min_n)
        .transform_calculate(n_label="n=" + alt.datum[n])
        .mark_text(align="left", dx=6, fontSize=10, color="gray")
        .encode(x=f"{x}:Q", text="n_label:N")
    )


def _rate_tooltip(*labels: alt.Tooltip, rate: str = "uphold_rate", n: str = "n") -> list[alt.Tooltip]:
    title = "share" if rate == "share" else "uphold rate"
    return [
        *labels,
        alt.Tooltip(f"{rate}:Q", title=title, format=".1%"),
        alt.Tooltip(f"{rate}_low:Q", title="95% CI low", format=".1%"),
        alt.Tooltip(f"{rate}_high:Q", title="95% CI high", format=".1%"),
        alt.Tooltip(f"{n}:Q", title="n", format=","),
    ]


def rate_bars(
    frame: pl.DataFrame,
    label: str,
    title: str,
    rate: str = "uphold_rate",
    n: str = "n",
    min_n: int = 1,
    pick: Sequence[str] | None = None,
) -> alt.LayerChart:
    """One row per group in the frame's order: a rate as a dot, a share as a bar, each with its
    95% interval as a line; a click selects the group by `pick` (default: `label`)."""
    y = alt.Y(f"{label}:N", sort=None, title=None, axis=alt.Axis(labelLimit=LABEL_LIMIT))
    tooltip = _rate_tooltip(alt.Tooltip(f"{label}:N", title=title), rate=rate, n=n)
    axis_title = "share (95% CI)" if rate == "share" else "uphold rate (95% CI)"
    base = alt.Chart(frame).encode(y=y, tooltip=tooltip)
    x = alt.X(f"{rate}:Q", scale=RATE_SCALE, axis=alt.Axis(format="%"), title=axis_title)
    if rate == "share":
        value = base.mark_bar().encode(x=x, opacity=_faint_under(min_n, n, full=0.6))
    else:
        value = base.mark_point(filled=True, size=90).encode(x=x, opacity=_faint_under(min_n, n))
    interval = base.mark_rule(strokeWidth=3).encode(
        x=f"{rate}_low:Q",
        x2=f"{rate}_high:Q",
        opacity=_faint_under(min_n, n, full=0.5),
    )
    small = _small_n_labels(base, f"{rate}_high", n, min_n)
    return (interval + small + _pickable(value, pick or [label])).properties(height=alt.Step(22))


def rate_over_time(
    frame: pl.DataFrame, time: str = "month", min_n: int = 1, compare: str | None = None
) -> alt.LayerChart:
    """Uphold rate per period as a line with its 95% band, one line per value of `compare` when
    given; a click on a period's point selects it (and its compared value)."""
    x = alt.X(f"{time}:T", title="decision date")
    labels = [alt.Tooltip(f"{time}:T", title=time, format="%Y-%m")]
    if compare:
        labels.append(alt.Tooltip(f"{compare}:N"))
    tooltip = _rate_tooltip(*labels)
    base = alt.Chart(frame).encode(x=x, tooltip=tooltip)
    if compare:
        base = base.encode(color=alt.Color(f"{compare}:N", title=compare))
    band = base.mark_area(opacity=0.15 if compare else 0.25).encode(
        y=alt.Y(
            "uphold_rate_low:Q",
            scale=alt.Scale(zero=False),
            axis=alt.Axis(format="%"),
            title="uphold rate (95% band)",
        ),
        y2="uphold_rate_high:Q",
    )
    line = base.mark_line().encode(y="uphold_rate:Q")
    points = base.mark_point(filled=True, size=60).encode(y="uphold_rate:Q", opacity=_faint_under(min_n))
    return (band + line + _pickable(points, [time, *([compare] if compare else [])])).properties(height=320)


def share_by_period(frame: pl.DataFrame, period: str, group: str, title: str) -> alt.Chart:
    """Stacked shares per period (e.g. reviewer citations by source per year); a click on a bar's
    part selects its period and group."""
    return _pickable(
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=alt.X(f"{period}:O", title=period),
            y=alt.Y("share:Q", stack="normalize", axis=alt.Axis(format="%"), title=title),
            color=alt.Color(f"{group}:N", title=group),
            tooltip=_rate_tooltip(
                alt.Tooltip(f"{period}:O"),
                alt.Tooltip(f"{group}:N"),
                alt.Tooltip("citations:Q", format=","),
                rate="share",
                n="year_citations",
            ),
        ),
        [period, group],
    ).properties(height=320)


def heatmap(frame: pl.DataFrame, x: str, y: str, min_n: int) -> alt.LayerChart:
    """Uphold rate per (x, y) cell; cells with fewer than `min_n` decided items are faint and show
    their n; a click selects the cell's (x, y)."""
    enough = alt.datum.n >= min_n
    base = alt.Chart(frame).encode(
        x=alt.X(f"{x}:N", title=x),
        y=alt.Y(f"{y}:N", title=None, axis=alt.Axis(labelLimit=LABEL_LIMIT)),
        tooltip=_rate_tooltip(alt.Tooltip(f"{y}:N"), alt.Tooltip(f"{x}:N")),
    )
    cells = base.mark_rect().encode(
        color=alt.Color(
            "uphold_rate:Q",
            scale=alt.Scale(scheme="viridis"),
            legend=alt.Legend(format="%"),
            title="uphold rate",
        ),
        opacity=_faint_under(min_n),
    )
    small = (
        base.transform_filter(~enough)
        .transform_calculate(n_label="n=" + alt.datum.n)
        .mark_text(fontSize=9, color="black")
        .encode(text="n_label:N")
    )
    return (_pickable(cells, [x, y]) + small).properties(height=alt.Step(20))


def share_heatmap(frame: pl.DataFrame, group: str, min_n: int) -> alt.LayerChart:
    """Share per (reason, group) cell, written in the cell: reasons down (their labels are long),
    groups across. Cells whose base (`decided`) is under `min_n` are faint and show their base
    instead ("n=12"), so a small group is seen as small, not hidden. A click selects the cell's
    reason and group."""
    enough = alt.datum.decided >= min_n
    base = (
        alt.Chart(frame)
        .transform_calculate(
            cell=alt.expr.if_(enough, alt.expr.format(alt.datum.share, ".0%"), "n=" + alt.datum.decided)
        )
        .encode(
            x=alt.X(
                f"{group}:N",
                title=None,
                axis=alt.Axis(labelAngle=-40, labelLimit=180, labelOverlap=False, orient="top"),
            ),
            y=alt.Y(
                "label:N",
                title=None,
                sort=alt.EncodingSortField("items", op="sum", order="descending"),  # commonest first
                axis=alt.Axis(labelLimit=LABEL_LIMIT),
            ),
            tooltip=_rate_tooltip(
                alt.Tooltip(f"{group}:N"),
                alt.Tooltip("label:N", title="reason"),
                alt.Tooltip("items:Q", title="items with it", format=","),
                rate="share",
                n="decided",
            ),
        )
    )
    cells = base.mark_rect().encode(
        color=alt.Color(
            "share:Q",
            scale=alt.Scale(scheme="blues", domain=[0, 1]),
            legend=alt.Legend(format="%", gradientLength=80),
            title="share",
        ),
        opacity=alt.condition(enough, alt.value(1.0), alt.value(FAINT)),
    )
    labels = base.mark_text(fontSize=10).encode(
        text="cell:N",
        color=alt.condition(enough & (alt.datum.share > 0.5), alt.value("white"), alt.value("black")),
    )
    return (_pickable(cells, ["reason", group]) + labels).properties(height=alt.Step(24))


def rate_pairs(
    frame: pl.DataFrame,
    label: str,
    pair: str,
    title: str,
    min_n: int = 1,
    pick: Sequence[str] | None = None,
) -> alt.LayerChart:
    """Several uphold rates per group side by side, one per value of `pair` (items with and
    without a reason; a compared dimension), each a dot with its 95% interval; a click selects
    the group and the pair's value (by `pick`, default both)."""
    y = alt.Y(f"{label}:N", sort=None, title=None, axis=alt.Axis(labelLimit=LABEL_LIMIT))
    base = alt.Chart(frame).encode(
        y=y,
        yOffset=alt.YOffset(f"{pair}:N"),
        color=alt.Color(f"{pair}:N", title=pair.replace("_", " ")),
        tooltip=_rate_tooltip(alt.Tooltip(f"{label}:N", title=title), alt.Tooltip(f"{pair}:N")),
    )
    value = base.mark_point(filled=True, size=70).encode(
        x=alt.X("uphold_rate:Q", scale=RATE_SCALE, axis=alt.Axis(format="%"), title="uphold rate (95% CI)"),
        opacity=_faint_under(min_n),
    )
    interval = base.mark_rule(strokeWidth=3).encode(
        x="uphold_rate_low:Q",
        x2="uphold_rate_high:Q",
        opacity=_faint_under(min_n, full=0.5),
    )
    small = _small_n_labels(base, "uphold_rate_high", "n", min_n)
    return (interval + small + _pickable(value, pick or [label, pair])).properties(height=alt.Step(16))


def _days_tooltip(*labels: alt.Tooltip) -> list[alt.Tooltip]:
    return [
        *labels,
        alt.Tooltip("measure:N", title="from"),
        alt.Tooltip("median:Q", title="median days", format=".1f"),
        alt.Tooltip("q1:Q", title="25th percentile", format=".1f"),
        alt.Tooltip("q3:Q", title="75th percentile", format=".1f"),
        alt.Tooltip("p10:Q", title="10th percentile", format=".1f"),
        alt.Tooltip("p90:Q", title="90th percentile", format=".1f"),
        alt.Tooltip("n:Q", title="n (letters)", format=","),
    ]


def days_over_time(frame: pl.DataFrame, time: str = "month") -> alt.LayerChart:
    """Median days to decision per period, one line per measure, with the band between the
    quartiles."""
    x = alt.X(f"{time}:T", title="month of decision", axis=alt.Axis(format="%Y-%m", tickCount="month"))
    color = alt.Color("measure:N", title="days from")
    tooltip = _days_tooltip(alt.Tooltip(f"{time}:T", title=time, format="%Y-%m"))
    base = alt.Chart(frame).encode(x=x, color=color, tooltip=tooltip)
    band = base.mark_area(opacity=0.2).encode(
        y=alt.Y("q1:Q", title="days to decision (median, quartile band)", scale=alt.Scale(zero=False)),
        y2="q3:Q",
    )
    line = _pickable(base.mark_line(point=True).encode(y="median:Q"), [time])
    return (band + line).properties(height=320)


def days_by_group(frame: pl.DataFrame, label: str) -> alt.LayerChart:
    """Per group (in the frame's order) and measure: the median days as a dot, the quartiles as a
    thick line and the 10th–90th percentiles as a thin one."""
    y = alt.Y(f"{label}:N", sort=None, title=None, axis=alt.Axis(labelLimit=LABEL_LIMIT))
    base = alt.Chart(frame).encode(
        y=y,
        yOffset=alt.YOffset("measure:N"),
        color=alt.Color("measure:N", title="days from"),
        tooltip=_days_tooltip(alt.Tooltip(f"{label}:N")),
    )
    spread = base.mark_rule(strokeWidth=1).encode(
        x=alt.X("p10:Q", title="days to decision (median, quartiles, 10th–90th percentile)"), x2="p90:Q"
    )
    quartiles = base.mark_rule(strokeWidth=5, opacity=0.5).encode(x="q1:Q", x2="q3:Q")
    median = _pickable(base.mark_point(filled=True, size=70).encode(x="median:Q"), [label])
    return (spread + quartiles + median).properties(height=alt.Step(16))
