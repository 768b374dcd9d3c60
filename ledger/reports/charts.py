"""Plotly figures for the dashboard, from the frozen rows of ``ledger.reports.dashboard``.

Amounts stay int đồng until here; they become floats in the chosen scale (triệu/tỷ đồng, named in
the axis title) only at the plotly boundary. Each bar carries ``customdata`` = (dimension, key,
measure) so that a selection on the chart can be drilled down to its rows. Long names (policies,
agencies, categories) are shortened to ``LABEL_LIMIT`` characters on the axis, with the full name in
the hover text, so that they never squeeze the bars to a sliver.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import plotly.graph_objects as go

from ledger.domain.formatting import SCALE_LABELS
from ledger.i18n import t

if TYPE_CHECKING:  # the rows' types only: drawing needs no database code
    from ledger.reports.dashboard import Bar, CodeFigures, MonthFigures, UnitFigures

SCALES = {"trieu": 1_000_000, "ty": 1_000_000_000}
MEASURE_COLORS = {"allocated": "#9fb3c8", "committed": "#e0a458", "paid": "#b3261e"}
LABEL_LIMIT = 40  # characters of a category label on an axis; the hover text holds the full name


def short_labels(names: list[str], limit: int = LABEL_LIMIT) -> list[str]:
    """Each name cut to ``limit`` characters with "…"; distinct names stay distinct on the axis
    (plotly merges equal category labels into one bar)."""
    shown: list[str] = []
    for name in names:
        text = " ".join(str(name).split())
        label = text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
        number = 2
        while label in shown:
            tail = f"… ({number})"
            label = text[: limit - len(tail)].rstrip() + tail
            number += 1
        shown.append(label)
    return shown


def _scaled(amount: int, scale: str) -> float:
    return amount / SCALES[scale]


def axis_title(scale: str, lang: str) -> str:
    return SCALE_LABELS[scale][lang]


def _layout(fig: go.Figure, scale: str, lang: str, *, horizontal: bool = False, height: int = 360) -> go.Figure:
    fig.update_layout(
        barmode="group",
        height=height,
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        legend={"orientation": "h", "y": 1.12},
        separators=",.",  # Vietnamese: decimal comma, thousands dot
        clickmode="event+select",
    )
    # The label margins grow with the (shortened) names instead of cutting them or squeezing the bars.
    fig.update_xaxes(automargin=True)
    fig.update_yaxes(automargin=True)
    # Thousands grouped the Vietnamese way on the value axis: 1.200, not 1200.
    if horizontal:
        fig.update_xaxes(title=axis_title(scale, lang), tickformat=",~f")
    else:
        fig.update_yaxes(title=axis_title(scale, lang), tickformat=",~f")
    return fig


def plan_vs_actual(rows: Sequence[CodeFigures | UnitFigures], dimension: str, scale: str, lang: str) -> go.Figure:
    """Grouped bars of allocated / committed / paid for each row (category, source or unit), named
    by the row's label (a category's or source's name in ``lang``, a unit's code)."""
    names = [r.label(lang) for r in rows]
    labels = short_labels(names)
    fig = go.Figure()
    for measure in ("allocated", "committed", "paid"):
        fig.add_bar(
            name=t(f"chart.{measure}", lang),
            x=labels,
            y=[_scaled(getattr(r, measure), scale) for r in rows],
            marker_color=MEASURE_COLORS[measure],
            customdata=[[dimension, r.code, measure] for r in rows],
            hovertext=names,
            hovertemplate="%{hovertext}<br>%{y:,.1f} " + axis_title(scale, lang) + "<extra>" + t(f"chart.{measure}", lang) + "</extra>",
        )
    return _layout(fig, scale, lang)


def monthly_curve(rows: Sequence[MonthFigures], scale: str, lang: str) -> go.Figure:
    months = [r.month for r in rows]
    fig = go.Figure()
    fig.add_bar(
        name=t("chart.paid", lang),
        x=months,
        y=[_scaled(r.paid, scale) for r in rows],
        marker_color="#f2c4c0",
        customdata=[["month", r.month, "paid"] for r in rows],
    )
    fig.add_scatter(name=t("chart.cumulative", lang), x=months, y=[_scaled(r.cumulative_paid, scale) for r in rows], mode="lines+markers", line={"color": MEASURE_COLORS["paid"], "width": 3})
    fig.add_scatter(name=t("chart.plan", lang), x=months, y=[_scaled(r.cumulative_plan, scale) for r in rows], mode="lines", line={"color": "#4a6fa5", "dash": "dash"})
    fig.add_scatter(name=t("chart.previous", lang), x=months, y=[_scaled(r.cumulative_previous, scale) for r in rows], mode="lines", line={"color": "#9e9e9e", "dash": "dot"})
    fig.update_xaxes(title=t("chart.month", lang), tickmode="array", tickvals=months)
    return _layout(fig, scale, lang)


def ranked_bars(rows: Sequence[Bar], dimension: str, scale: str, lang: str, *, measure: str = "committed") -> go.Figure:
    """Horizontal bars, largest on top (press agencies, policies, media types), named by the bar's
    name, else its code."""
    ordered = list(reversed(rows))
    names = []
    for r in ordered:
        if r.others:
            names.append(t("chart.others", lang, n=r.others))
        else:
            names.append(str(r.name or r.code or t("chart.none", lang)))
    fig = go.Figure(
        go.Bar(
            x=[_scaled(r.amount, scale) for r in ordered],
            y=short_labels(names),
            orientation="h",
            marker_color=MEASURE_COLORS["committed"],
            customdata=[[dimension, r.code, measure] for r in ordered],
            hovertext=names,
            hovertemplate="%{hovertext}<br>%{x:,.1f} " + axis_title(scale, lang) + "<extra></extra>",
        )
    )
    return _layout(fig, scale, lang, horizontal=True, height=max(240, 28 * len(rows) + 80))
