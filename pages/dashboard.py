"""Bảng điều khiển: plan against committed and paid for the user's scope, in pictures; a selection on
any chart opens the rows behind it, which can be downloaded."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import streamlit as st

from ledger.domain import codes
from ledger.domain.formatting import format_scaled, format_vnd
from ledger.reports import charts, drilldown
from ledger.reports.dashboard import Bar, DashboardFilters, dashboard
from ledger.reports.drilldown import ANSWERS, drill
from pages.common import (
    attempt,
    catalogues,
    lang,
    optional,
    policies_for,
    select_year,
    t,
)
from pages.parts import plan_coverage, team_coverage
from pages.parts.screen import open_screen, scope_units, unit_picker

current, db = open_screen("ui.page_dashboard")
labels = catalogues(db)
unit_labels = scope_units(db, current)
policies = policies_for(db, current)

# The money-unit box is wide enough for "triệu đồng" at 1366 px (issue 10: it read "triệu đồr").
cols = st.columns([1, 2, 1.2, 1.2, 2, 1.5])
with cols[0]:
    year = select_year(db, key="d_year")
with cols[1]:
    unit_code = unit_picker(unit_labels, "d_unit")
with cols[2]:
    source = st.selectbox(t("ui.source"), ["", *labels["source"]], format_func=optional(labels["source"]), key="d_source")
with cols[3]:
    category = st.selectbox(t("ui.category"), ["", *labels["category"]], format_func=optional(labels["category"]), key="d_category")
with cols[4]:
    policy = st.selectbox(t("ui.policy"), ["", *policies], format_func=optional(policies), key="d_policy")
with cols[5]:
    scale_names = {s: charts.axis_title(s, lang()) for s in charts.SCALES}  # labels fixed at render time
    scale = st.selectbox(t("ui.d_scale"), list(scale_names), format_func=scale_names.get, key="d_scale")

filters = DashboardFilters(year=year, unit_code=unit_code or None, source=source or None, category=category or None, policy_code=policy or None)
data = attempt(lambda: dashboard(db, current, filters))
if data is None:
    st.stop()


def pct(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f} %".replace(".", ",")


# --- headline figures ---------------------------------------------------------------------------
for source_code in ("ALL", "NSNN", "XHH"):
    figures = data.headline.of(source_code)
    title = t("ui.d_all_sources") if source_code == "ALL" else labels["source"].get(source_code, source_code)
    st.markdown(f"**{title}** · {scale_names[scale]}")
    row = st.columns(6)
    # In the chosen scale (named in the heading) so that national figures fit; each help says what the
    # figure counts and gives it to the đồng. Allocated = committed + direct spending + available.
    for column, key in zip(row, ("allocated", "committed", "direct", "available", "paid"), strict=False):
        amount = getattr(figures, key)
        column.metric(t(f"ui.d_{key}"), format_scaled(amount, scale), help=t(f"ui.d_help_{key}", amount=format_vnd(amount)))
    row[5].metric(t("ui.d_execution"), pct(figures.execution), help=t("ui.d_help_execution"))

selections: list[list] = []
agency_names = {a.code: f"{a.code} – {a.name}" for a in data.press.agencies if a.code}


def bar_name(dimension: str, key) -> str:
    """The chosen bar in words, for the drill-down's caption."""
    if key is None:
        return t("chart.others")
    names = {"category": labels["category"], "source": labels["source"], "agency": agency_names}
    found = names.get(dimension, {}).get(key, key)
    return f"{t('ui.d_month')} {found}" if dimension == "month" else str(found)


def chart(fig, key: str) -> None:
    # Keyed by the filters: a selection made under other filters does not outlive them.
    event = st.plotly_chart(fig, key=f"{key}_{abs(hash(filters)) % 10**8}", on_select="rerun", selection_mode=("points", "box"))
    points = (event or {}).get("selection", {}).get("points", []) if isinstance(event, dict) else getattr(getattr(event, "selection", None), "points", [])
    for point in points or []:
        if point.get("customdata"):
            selections.append(point["customdata"])


left, right = st.columns(2)
with left:
    st.subheader(t("ui.d_by_category"))
    chart(charts.plan_vs_actual(data.category, "category", scale, lang()), "chart_category")
with right:
    st.subheader(t("ui.d_by_source"))
    chart(charts.plan_vs_actual(data.source, "source", scale, lang()), "chart_source")

st.subheader(t("ui.d_by_unit"))
if data.unit:
    chart(charts.plan_vs_actual(data.unit, "unit", scale, lang()), "chart_unit")
    # In the money unit chosen above (as the charts), and one percent style (61,8 %) with the headline.
    money_keys = ("allocated", "committed", "paid", "available")
    unit_table = pd.DataFrame(
        {
            t("ui.unit"): [f"{u.code} – {u.name}" for u in data.unit],
            **{f"{t(f'ui.d_{k}')} ({scale_names[scale]})": [format_scaled(getattr(u, k), scale) for u in data.unit] for k in money_keys},
            t("ui.d_execution"): [pct(u.execution) for u in data.unit],
        }
    )
    right_aligned = {name: st.column_config.TextColumn(name, alignment="right") for name in unit_table.columns[1:]}
    st.dataframe(unit_table, hide_index=True, width="stretch", column_config=right_aligned)

st.subheader(t("ui.d_monthly"))
chart(charts.monthly_curve(data.monthly, scale, lang()), "chart_monthly")

press = data.press
st.subheader(t("ui.d_press"))
if press.total:
    st.caption(t("ui.d_top_five", share=pct(press.top_five_share), total=format_vnd(press.total)))
    a, b = st.columns(2)
    with a:
        st.markdown(f"**{t('ui.d_chart_agency')}**")  # every chart has a title (issue 10)
        chart(charts.ranked_bars(press.agencies, "agency", scale, lang()), "chart_agency")
    with b:
        media = [replace(m, name=codes.label(codes.MEDIA_TYPES, m.code, lang())) for m in press.media]
        st.markdown(f"**{t('ui.d_chart_media')}**")  # every chart has a title (issue 10)
        chart(charts.ranked_bars(media, "media", scale, lang()), "chart_media")
    c, d = st.columns(2)
    with c:
        st.markdown(f"**{t('ui.d_chart_policy')}**")  # every chart has a title (issue 10)
        chart(charts.ranked_bars(press.policy, "policy", scale, lang()), "chart_policy")
    with d:
        stages = [replace(s, name=codes.label(codes.STAGES, s.code, lang()) if s.code else None) for s in press.stage]
        st.markdown(f"**{t('ui.d_chart_stage')}**")  # every chart has a title (issue 10)
        chart(charts.ranked_bars(stages, "stage", scale, lang()), "chart_stage")
else:
    st.info(t("ui.d_no_press"))

a, b = st.columns(2)
with a:
    st.subheader(t("ui.d_training"))
    tr = data.training
    m = st.columns([1, 1, 2])  # the cost per participant, in đồng, needs the room of the other two
    m[0].metric(t("ui.d_courses"), f"{tr.courses:,}".replace(",", "."))
    m[1].metric(t("ui.d_participants"), f"{tr.participants:,}".replace(",", "."))
    m[2].metric(t("ui.d_cost_per_participant"), format_vnd(tr.cost_per_participant) if tr.cost_per_participant is not None else "–",
                help=t("ui.d_help_cost_per_participant"))
with b:
    st.subheader(t("ui.d_it"))
    if data.it:
        by_type: dict[str, tuple[int, int]] = {}  # service type → (amount, contracts), over its stages
        for r in data.it:
            amount, contracts = by_type.get(r.service_type, (0, 0))
            by_type[r.service_type] = (amount + r.amount, contracts + r.contracts)
        it_bars = [Bar(k, codes.label(codes.SERVICE_TYPES, k, lang()), amount, contracts) for k, (amount, contracts) in by_type.items()]
        st.markdown(f"**{t('ui.d_chart_service_type')}**")
        chart(charts.ranked_bars(it_bars, "service_type", scale, lang()), "chart_it")
    else:
        st.info(t("ui.d_no_it"))

# --- for leaders: the communication team's coverage and Decision 407's plans (letter 837, items 1–2)
if current.role == "leader":
    st.divider()
    st.header(t("ui.d_leaders"))
    team_coverage.render(db, current)
    plan_coverage.render(db, current, key="d_407_gaps")

# --- drill-down ---------------------------------------------------------------------------------
st.divider()
st.subheader(t("ui.d_drill"))
# A choice belongs to the filters it was made under: new filters drop it (and the charts' selections
# are keyed by the filters, so they start empty too).
if st.session_state.get("d_drill_filters") != filters:
    st.session_state.pop("d_drill", None)
    st.session_state["d_drill_filters"] = filters
if selections:
    st.session_state["d_drill"] = selections[-1]
choice = st.session_state.get("d_drill")
with st.expander(t("ui.d_drill_pick"), expanded=choice is None):
    dims = {"category": t("ui.category"), "source": t("ui.source"), "unit": t("ui.unit"), "month": t("ui.d_month"), "agency": t("ui.press_agency")}
    dim = st.selectbox(t("ui.d_chart"), list(dims), format_func=dims.get, key="d_drill_dim")
    options = {
        "category": labels["category"],
        "source": labels["source"],
        "unit": {u.code: u.code for u in data.unit},
        "month": {str(m): str(m) for m in range(1, 13)},
        "agency": agency_names,
    }[dim]
    key = st.selectbox(t("ui.d_bar"), list(options), format_func=lambda k: options.get(k, k), key="d_drill_key")
    # Only the measures the drill-down can answer for this chart (a month's bar is what was paid in it).
    measures = {m: t(f"ui.d_{m}") for m in ("allocated", "committed", "paid") if dim in ANSWERS[m]}
    measure = st.selectbox(t("ui.d_measure"), list(measures), format_func=measures.get, key="d_drill_measure")
    if st.button(t("ui.d_show_rows"), key="d_drill_show"):
        st.session_state["d_drill"] = [dim, int(key) if dim == "month" else key, measure]
        choice = st.session_state["d_drill"]

if choice:
    dim, key, measure = choice
    result = attempt(lambda: drill(db, current, filters, dim, key, measure))
    if result:
        st.markdown(drilldown.caption(measure, result, bar_name(dim, key), lang()))
        shown = drilldown.for_screen(result["rows"], measure, lang())
        st.dataframe(shown, hide_index=True, width="stretch", key="d_drill_rows")
        name = f"chi-tiet-{year}-{dim}-{key}-{measure}"
        a, b = st.columns(2)
        # CSV with a byte-order mark, so that Excel opens the Vietnamese intact; .xlsx as the extract.
        a.download_button(t("ui.d_download"), data=lambda: pd.DataFrame(shown).to_csv(index=False).encode("utf-8-sig"), file_name=f"{name}.csv", mime="text/csv", key="d_download")
        b.download_button(t("ui.d_download_xlsx"), data=lambda: drilldown.workbook(result["rows"], measure, lang()), file_name=f"{name}.xlsx", mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key="d_download_xlsx")
