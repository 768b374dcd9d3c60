"""The plotly timeline of a policy: its fine stages as bands (with the money planned, committed and
paid in each), and the activities of its current plans as bars coloured by channel.

Amounts stay int đồng until the hover text, formatted the Vietnamese way; dates become the
milliseconds plotly measures a date axis in only here.
"""

from __future__ import annotations

import datetime as dt

import plotly.graph_objects as go

from ledger.domain import clock, codes
from ledger.domain.formatting import format_vnd
from ledger.i18n import t
from ledger.reports.plans import PolicyPage

DAY_MS = 86_400_000
STAGE_COLOUR = "#9fb3c8"
CHANNEL_COLOURS = dict(zip(codes.CHANNELS, ("#b3261e", "#e0a458", "#3b7dd8", "#6a4c93", "#2a9d8f", "#8ab17d", "#264653", "#999999"), strict=True))


def _span_ms(start: dt.date, end: dt.date) -> float:
    return float((end - start).days * DAY_MS)


def policy_timeline(page: PolicyPage, lang: str = "vi", today: dt.date | None = None) -> go.Figure:
    """Stages first (top), then each current plan's activities, one row each."""
    today = today or clock.today()
    money = {m.stage: m for m in page.stage_money}
    activities = [a for plan in page.plans if plan.current and plan.status != "DA_HUY" for a in plan.activities]
    last = max([today, *(a.end_on for a in activities), *(s.start for s in page.profile.spans)])
    fig = go.Figure()
    for span in page.profile.spans:
        end = span.end or last + dt.timedelta(days=1)
        sums = money[span.stage]
        name = codes.label(codes.POLICY_STAGES, span.stage, lang)
        fig.add_trace(
            go.Bar(
                y=[t("ui.plans_chart_stages", lang)], x=[_span_ms(span.start, end)], base=[span.start.isoformat()], orientation="h",
                marker_color=STAGE_COLOUR, marker_line_color="white", marker_line_width=2, text=[name], textposition="inside",
                name=name, showlegend=False,
                hovertext=[t("ui.plans_chart_stage_hover", lang, stage=name, planned=format_vnd(sums.planned), committed=format_vnd(sums.committed), paid=format_vnd(sums.paid))],
                hoverinfo="text",
            )
        )
    shown: set[str] = set()
    for activity in activities:
        channel = codes.label(codes.CHANNELS, activity.channel, lang)
        fig.add_trace(
            go.Bar(
                y=[f"{activity.code} · {activity.content[:40]}"], x=[_span_ms(activity.start_on, activity.end_on + dt.timedelta(days=1))],
                base=[activity.start_on.isoformat()], orientation="h", marker_color=CHANNEL_COLOURS.get(activity.channel, "#999999"),
                name=channel, legendgroup=activity.channel, showlegend=activity.channel not in shown,
                hovertext=[t("ui.plans_chart_activity_hover", lang, content=activity.content, channel=channel, planned=format_vnd(activity.estimated_cost), committed=format_vnd(activity.committed), paid=format_vnd(activity.paid))],
                hoverinfo="text",
            )
        )
        shown.add(activity.channel)
    fig.update_layout(
        barmode="overlay", height=200 + 28 * len(activities), margin={"l": 10, "r": 10, "t": 10, "b": 10},
        legend={"orientation": "h", "y": -0.2, "title": t("ui.plans_channel", lang)}, separators=",.",
    )
    fig.update_xaxes(type="date", tickformat="%d/%m/%Y")
    fig.update_yaxes(autorange="reversed")
    return fig
