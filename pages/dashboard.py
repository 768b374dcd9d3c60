"""Bảng điều khiển: plan against committed and paid for the user's scope, in pictures; a selection on
any chart opens the rows behind it, which can be downloaded."""

from __future__ import annotations

import io

import pandas as pd
import streamlit as st

from ledger.domain.formatting import format_date, format_scaled, format_vnd
from ledger.reports import charts
from ledger.reports.dashboard import DashboardFilters, dashboard, drill
from pages.common import (
    attempt,
    catalogues,
    database,
    lang,
    optional,
    policies_for,
    require_actor,
    select_year,
    t,
    unit_label,
    units_for,
)

current = require_actor()
db = database()

st.title(t("ui.page_dashboard"))
labels = catalogues(db)
units = units_for(db, current)
unit_labels = {u["code"]: unit_label(u) for u in units}
policies = policies_for(db, current)

cols = st.columns([1, 2, 1, 1, 2, 1])
with cols[0]:
    year = select_year(db, key="d_year")
with cols[1]:
    unit_code = st.selectbox(t("ui.unit"), ["", *unit_labels], format_func=optional(unit_labels), key="d_unit")
with cols[2]:
    source = st.selectbox(t("ui.source"), ["", *labels["source"]], format_func=optional(labels["source"]), key="d_source")
with cols[3]:
    category = st.selectbox(t("ui.category"), ["", *labels["category"]], format_func=optional(labels["category"]), key="d_category")
with cols[4]:
    policy = st.selectbox(t("ui.policy"), ["", *policies], format_func=optional(policies), key="d_policy")
with cols[5]:
    scale_names = {s: charts.SCALE_NAMES[s][lang()] for s in charts.SCALES}  # labels fixed at render time
    scale = st.selectbox(t("ui.d_scale"), list(scale_names), format_func=scale_names.get, key="d_scale")

filters = DashboardFilters(year=year, unit_code=unit_code or None, source=source or None, category=category or None, policy_code=policy or None)
data = attempt(lambda: dashboard(db, current, filters))
if data is None:
    st.stop()


def pct(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f} %".replace(".", ",")


# --- headline figures ---------------------------------------------------------------------------
for source_code in ("ALL", "NSNN", "XHH"):
    figures = data["headline"][source_code]
    title = t("ui.d_all_sources") if source_code == "ALL" else labels["source"].get(source_code, source_code)
    st.markdown(f"**{title}** · {scale_names[scale]}")
    row = st.columns(5)
    # In the chosen scale (named in the heading) so that national figures fit; exact đồng on hover.
    for column, (label, key) in zip(row, (("ui.d_allocated", "allocated"), ("ui.d_committed", "committed"), ("ui.d_paid", "paid"), ("ui.d_available", "available")), strict=False):
        column.metric(t(label), format_scaled(figures[key], scale), help=format_vnd(figures[key]))
    row[4].metric(t("ui.d_execution"), pct(figures["execution"]))

selections: list[list] = []


def chart(fig, key: str) -> None:
    event = st.plotly_chart(fig, key=key, on_select="rerun", selection_mode=("points", "box"))
    points = (event or {}).get("selection", {}).get("points", []) if isinstance(event, dict) else getattr(getattr(event, "selection", None), "points", [])
    for point in points or []:
        if point.get("customdata"):
            selections.append(point["customdata"])


left, right = st.columns(2)
with left:
    st.subheader(t("ui.d_by_category"))
    chart(charts.plan_vs_actual(data["category"], "category", scale, lang()), "chart_category")
with right:
    st.subheader(t("ui.d_by_source"))
    chart(charts.plan_vs_actual(data["source"], "source", scale, lang()), "chart_source")

st.subheader(t("ui.d_by_unit"))
if data["unit"]:
    chart(charts.plan_vs_actual(data["unit"], "unit", scale, lang(), label_key="code"), "chart_unit")
    unit_table = pd.DataFrame(
        {
            t("ui.unit"): [f"{u['code']} – {u['name']}" for u in data["unit"]],
            t("ui.d_allocated"): [u["allocated"] for u in data["unit"]],
            t("ui.d_committed"): [u["committed"] for u in data["unit"]],
            t("ui.d_paid"): [u["paid"] for u in data["unit"]],
            t("ui.d_available"): [u["available"] for u in data["unit"]],
            t("ui.d_execution"): [u["execution"] for u in data["unit"]],
        }
    )
    money_format = st.column_config.NumberColumn(format="localized")
    st.dataframe(
        unit_table,
        hide_index=True,
        width="stretch",
        column_config={
            **{t(k): money_format for k in ("ui.d_allocated", "ui.d_committed", "ui.d_paid", "ui.d_available")},
            t("ui.d_execution"): st.column_config.NumberColumn(format="%.1f %%"),
        },
    )

st.subheader(t("ui.d_monthly"))
chart(charts.monthly_curve(data["monthly"], scale, lang()), "chart_monthly")

press = data["press"]
st.subheader(t("ui.d_press"))
if press["total"]:
    st.caption(t("ui.d_top_five", share=pct(press["top_five_share"]), total=format_vnd(press["total"])))
    a, b = st.columns(2)
    with a:
        chart(charts.ranked_bars(press["agencies"], "agency", scale, lang()), "chart_agency")
    with b:
        media = [{**m, "name": t(f"ui.media_{m['code']}")} for m in press["media"]]
        chart(charts.ranked_bars(media, "media", scale, lang()), "chart_media")
    c, d = st.columns(2)
    with c:
        chart(charts.ranked_bars(press["policy"], "policy", scale, lang()), "chart_policy")
    with d:
        stages = [{**s, "name": t(f"ui.stage_{s['code']}") if s["code"] else None} for s in press["stage"]]
        chart(charts.ranked_bars(stages, "stage", scale, lang()), "chart_stage")
else:
    st.info(t("ui.d_no_press"))

a, b = st.columns(2)
with a:
    st.subheader(t("ui.d_training"))
    tr = data["training"]
    m = st.columns(3)
    m[0].metric(t("ui.d_courses"), f"{tr['courses']:,}".replace(",", "."))
    m[1].metric(t("ui.d_participants"), f"{tr['participants']:,}".replace(",", "."))
    m[2].metric(t("ui.d_cost_per_participant"), format_vnd(tr["cost_per_participant"]) if tr["cost_per_participant"] is not None else "–")
with b:
    st.subheader(t("ui.d_it"))
    if data["it"]:
        it_rows = {}
        for r in data["it"]:
            it_rows.setdefault(r["service_type"], 0)
            it_rows[r["service_type"]] += r["amount"]
        chart(
            charts.ranked_bars([{"code": k, "name": t(f"ui.service_{k}"), "amount": v} for k, v in it_rows.items()], "service_type", scale, lang()),
            "chart_it",
        )
    else:
        st.info(t("ui.d_no_it"))

# --- drill-down ---------------------------------------------------------------------------------
st.divider()
st.subheader(t("ui.d_drill"))
if selections:
    st.session_state["d_drill"] = selections[-1]
choice = st.session_state.get("d_drill")
with st.expander(t("ui.d_drill_pick"), expanded=choice is None):
    dims = {"category": t("ui.category"), "source": t("ui.source"), "unit": t("ui.unit"), "month": t("ui.d_month")}
    dim = st.selectbox(t("ui.d_chart"), list(dims), format_func=dims.get, key="d_drill_dim")
    options = {
        "category": labels["category"],
        "source": labels["source"],
        "unit": {u["code"]: u["code"] for u in data["unit"]},
        "month": {str(m): str(m) for m in range(1, 13)},
    }[dim]
    key = st.selectbox(t("ui.d_bar"), list(options), format_func=lambda k: options.get(k, k), key="d_drill_key")
    measures = {"allocated": t("ui.d_allocated"), "committed": t("ui.d_committed"), "paid": t("ui.d_paid")}
    if dim == "month":  # a month's bar is what was paid in it
        measures = {"paid": measures["paid"]}
    measure = st.selectbox(t("ui.d_measure"), list(measures), format_func=measures.get, key="d_drill_measure")
    if st.button(t("ui.d_show_rows"), key="d_drill_show"):
        st.session_state["d_drill"] = [dim, int(key) if dim == "month" else key, measure]
        choice = st.session_state["d_drill"]

if choice:
    dim, key, measure = choice
    result = attempt(lambda: drill(db, current, filters, dim, key, measure))
    if result:
        st.markdown(t("ui.d_drill_summary", count=f"{result['count']:,}".replace(",", "."), total=format_vnd(result["total"])))
        if result["truncated"]:
            st.caption(t("ui.d_truncated", shown=len(result["rows"])))
        frame = pd.DataFrame(result["rows"])
        if "date" in frame:
            frame["date"] = frame["date"].map(format_date)
        st.dataframe(frame, hide_index=True, width="stretch", key="d_drill_rows")

        def workbook() -> bytes:
            buffer = io.BytesIO()
            frame.to_csv(buffer, index=False, encoding="utf-8-sig")
            return buffer.getvalue()

        st.download_button(t("ui.d_download"), data=workbook, file_name=f"chi-tiet-{year}-{dim}-{key}-{measure}.csv", mime="text/csv", key="d_download")
