"""Plotly figures for the dashboard, from the shaped figures of ``ledger.dashboard``.

Amounts stay int đồng until here; they become floats in the chosen scale (triệu/tỷ đồng, named in
the axis title) only at the plotly boundary. Each bar carries ``customdata`` = (dimension, key,
measure) so that a selection on the chart can be drilled down to its rows.
"""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go

from ledger.domain.formatting import SCALE_LABELS
from ledger.i18n import t

SCALES = {"trieu": 1_000_000, "ty": 1_000_000_000}
MEASURE_COLORS = {"allocated": "#9fb3c8", "committed": "#e0a458", "paid": "#b3261e"}


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
    # Thousands grouped the Vietnamese way on the value axis: 1.200, not 1200.
    if horizontal:
        fig.update_xaxes(title=axis_title(scale, lang), tickformat=",~f")
    else:
        fig.update_yaxes(title=axis_title(scale, lang), tickformat=",~f")
    return fig


def plan_vs_actual(rows: list[dict[str, Any]], dimension: str, scale: str, lang: str, *, label_key: str | None = None) -> go.Figure:
    """Grouped bars of allocated / committed / paid for each row (category, source or unit)."""
    labels = [r[label_key] if label_key else r.get(f"label_{lang}") or r["code"] for r in rows]
    fig = go.Figure()
    for measure in ("allocated", "committed", "paid"):
        fig.add_bar(
            name=t(f"chart.{measure}", lang),
            x=labels,
            y=[_scaled(r[measure], scale) for r in rows],
            marker_color=MEASURE_COLORS[measure],
            customdata=[[dimension, r["code"], measure] for r in rows],
            hovertemplate="%{x}<br>%{y:,.1f} " + axis_title(scale, lang) + "<extra>" + t(f"chart.{measure}", lang) + "</extra>",
        )
    return _layout(fig, scale, lang)


def monthly_curve(rows: list[dict[str, Any]], scale: str, lang: str) -> go.Figure:
    months = [r["month"] for r in rows]
    fig = go.Figure()
    fig.add_bar(
        name=t("chart.paid", lang),
        x=months,
        y=[_scaled(r["paid"], scale) for r in rows],
        marker_color="#f2c4c0",
        customdata=[["month", r["month"], "paid"] for r in rows],
    )
    fig.add_scatter(name=t("chart.cumulative", lang), x=months, y=[_scaled(r["cumulative_paid"], scale) for r in rows], mode="lines+markers", line={"color": MEASURE_COLORS["paid"], "width": 3})
    fig.add_scatter(name=t("chart.plan", lang), x=months, y=[_scaled(r["cumulative_plan"], scale) for r in rows], mode="lines", line={"color": "#4a6fa5", "dash": "dash"})
    fig.add_scatter(name=t("chart.previous", lang), x=months, y=[_scaled(r["cumulative_previous"], scale) for r in rows], mode="lines", line={"color": "#9e9e9e", "dash": "dot"})
    fig.update_xaxes(title=t("chart.month", lang), tickmode="array", tickvals=months)
    return _layout(fig, scale, lang)


def ranked_bars(rows: list[dict[str, Any]], dimension: str, scale: str, lang: str, *, label: str = "name", measure: str = "committed") -> go.Figure:
    """Horizontal bars, largest on top (press agencies, policies, media types)."""
    ordered = list(reversed(rows))
    labels = []
    for r in ordered:
        if r.get("others"):
            labels.append(t("chart.others", lang, n=r["others"]))
        else:
            labels.append(r.get(label) or r.get("code") or t("chart.none", lang))
    fig = go.Figure(
        go.Bar(
            x=[_scaled(r["amount"], scale) for r in ordered],
            y=labels,
            orientation="h",
            marker_color=MEASURE_COLORS["committed"],
            customdata=[[dimension, r.get("code"), measure] for r in ordered],
            hovertemplate="%{y}<br>%{x:,.1f} " + axis_title(scale, lang) + "<extra></extra>",
        )
    )
    return _layout(fig, scale, lang, horizontal=True, height=max(240, 28 * len(rows) + 80))
