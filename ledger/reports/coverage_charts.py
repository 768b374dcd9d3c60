"""Plotly figures of the team's coverage (``ledger.reports.coverage``): units by coverage and the
trend by year. Counts of people, no money, so no scale; the labels come from the catalogue."""

from __future__ import annotations

import plotly.graph_objects as go

from ledger.i18n import t
from ledger.reports.coverage import Coverage, YearCoverage

COLORS = {"dedicated": "#1f5f8b", "part_time": "#9fb3c8", "policy": "#e0a458", "crisis": "#b3261e", "flagged": "#b3261e"}


def _layout(fig: go.Figure, height: int) -> go.Figure:
    fig.update_layout(height=height, margin={"l": 10, "r": 10, "t": 30, "b": 10}, separators=",.")
    if not fig.layout.legend.orientation:
        fig.update_layout(legend={"orientation": "h", "y": 1.12})
    return fig


def _whole_ticks(largest: int) -> dict:
    """Axis ticks on whole people: one a person while few, plotly's choice (as integers) beyond."""
    return {"tickformat": ",d", "dtick": 1} if largest <= 10 else {"tickformat": ",d"}


def units_chart(coverage: Coverage, lang: str) -> go.Figure:
    """One horizontal bar per unit of the subtree: dedicated and part-time people stacked; units
    without a spokesperson are marked with a ✗ and drawn last (at the top)."""
    units = sorted((u for u in coverage.units if u.kind != "national"), key=lambda u: (not u.has_spokesperson, u.people, u.code))
    names = [("✗ " if not u.has_spokesperson else "") + u.code for u in units]
    fig = go.Figure()
    fig.add_bar(name=t("ui.cov_dedicated", lang), y=names, x=[u.dedicated for u in units], orientation="h", marker_color=COLORS["dedicated"])
    fig.add_bar(name=t("ui.cov_part_time", lang), y=names, x=[u.part_time for u in units], orientation="h", marker_color=COLORS["part_time"])
    fig.update_layout(barmode="stack", legend={"orientation": "h", "y": 1.12, "traceorder": "normal"})
    fig.update_xaxes(title=t("ui.cov_people", lang), rangemode="tozero", **_whole_ticks(max((u.people for u in units), default=0)))
    return _layout(fig, max(260, 28 * len(units) + 90))


def trend_chart(trend: list[YearCoverage], lang: str) -> go.Figure:
    """Per year (as of 31/12, or today): people assigned, dedicated, trained in each topic, and the
    number of units without a spokesperson."""
    years = [str(y.year) for y in trend]
    fig = go.Figure()
    series = (
        ("ui.cov_people", [y.people for y in trend], "#555555"),
        ("ui.cov_dedicated", [y.dedicated for y in trend], COLORS["dedicated"]),
        ("ui.cov_trained_policy", [y.trained_policy for y in trend], COLORS["policy"]),
        ("ui.cov_trained_crisis", [y.trained_crisis for y in trend], COLORS["crisis"]),
    )
    for key, values, color in series:
        fig.add_scatter(name=t(key, lang), x=years, y=values, mode="lines+markers", line={"color": color})
    fig.add_bar(name=t("ui.cov_no_spokesperson", lang), x=years, y=[y.without_spokesperson for y in trend], marker_color=COLORS["flagged"], opacity=0.35)
    fig.update_yaxes(rangemode="tozero", **_whole_ticks(max((y.people for y in trend), default=0)))
    fig.update_xaxes(type="category")
    return _layout(fig, 320)
