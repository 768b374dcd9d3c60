"""Plotly figures of a consolidated report for leaders (no map): who reported, what each unit below
spent, and the share of spending per category and per source. Money is int đồng until here; plotly
gets floats in millions of đồng (the display boundary)."""

from __future__ import annotations

import plotly.graph_objects as go

from ledger.domain import codes
from ledger.i18n import t
from ledger.reports.ministry.consolidation import Report

STATE_COLORS = {"CHUA_NOP": "#b3261e", "NOP_MUON": "#e0a458", "DA_NOP": "#1f5f8b", "DA_TIEP_NHAN": "#2e7d32"}
MILLION = 1_000_000


def _layout(fig: go.Figure, height: int) -> go.Figure:
    fig.update_layout(height=height, margin={"l": 10, "r": 10, "t": 40, "b": 10}, separators=",.", legend={"orientation": "h", "y": 1.12})
    return fig


def states_chart(report: Report, lang: str) -> go.Figure:
    """How many units below are in each state of their report."""
    states = [c.state for c in report.children if not c.own]
    order = [s for s in STATE_COLORS if s in states]
    fig = go.Figure(go.Bar(
        x=[codes.label(codes.REPORT_STATES, s, lang) for s in order], y=[states.count(s) for s in order],
        marker_color=[STATE_COLORS[s] for s in order], text=[states.count(s) for s in order], textposition="auto",
    ))
    fig.update_yaxes(title=t("ui.rp_units", lang), tickformat=",d", rangemode="tozero")
    fig.update_layout(title=t("ui.rp_who_reported", lang))
    return _layout(fig, 300)


def spending_chart(report: Report, lang: str) -> go.Figure:
    """Paid per unit below (its submitted figures when it submitted), largest first, coloured by state."""
    rows = sorted((c for c in report.children), key=lambda c: c.figures["paid"])
    fig = go.Figure(go.Bar(
        y=[c.code for c in rows], x=[c.figures["paid"] / MILLION for c in rows], orientation="h",
        marker_color=[STATE_COLORS.get(c.state, "#9fb3c8") for c in rows],
        customdata=[c.name for c in rows], hovertemplate="%{customdata}: %{x:,.0f}<extra></extra>",
    ))
    fig.update_xaxes(title=t("ui.rp_paid_millions", lang), tickformat=",.0f", rangemode="tozero")
    fig.update_layout(title=t("ui.rp_spending_by_unit", lang))
    return _layout(fig, max(300, 22 * len(rows) + 100))


def share_chart(report: Report, lang: str) -> go.Figure:
    """Paid per category within each source (a sunburst: source, then category)."""
    rows = [r for r in report.figures["money"]["rows"] if r["paid"]]
    sources = sorted({r["source"] for r in rows})
    labels = [codes.label(codes.SOURCES, s, lang) for s in sources] + [codes.label(codes.CATEGORIES, r["category"], lang) for r in rows]
    ids = sources + [f"{r['source']}/{r['category']}" for r in rows]
    parents = [""] * len(sources) + [r["source"] for r in rows]
    values = [sum(r["paid"] for r in rows if r["source"] == s) / MILLION for s in sources] + [r["paid"] / MILLION for r in rows]
    fig = go.Figure(go.Sunburst(ids=ids, labels=labels, parents=parents, values=values, branchvalues="total", hovertemplate="%{label}: %{value:,.0f} (%{percentRoot:.1%})<extra></extra>"))
    fig.update_layout(title=t("ui.rp_share", lang))
    return _layout(fig, 360)
