"""Tổng quan: the year's allocation by category × source for the signed-in user's scope."""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from ledger.domain.formatting import format_amount
from ledger.reports.overview import OverviewFilters, overview, totals
from pages.common import amount_column, attempt, lang, money, select_year, t
from pages.parts.screen import open_screen, scope_units, unit_picker

current, db = open_screen("ui.page_overview")

left, right = st.columns(2)
with left:
    year = select_year(db, key="overview_year")
with right:
    unit_code = unit_picker(scope_units(db, current), key="overview_unit", label_key="ui.unit_filter")

rows = attempt(lambda: overview(db, current, OverviewFilters(year=year, unit_code=unit_code or None)))
if rows is None:  # refused with its sentence (an unknown year or unit)
    st.stop()
suffix = "en" if lang() == "en" else "vi"
categories = list(dict.fromkeys(r["category_code"] for r in rows))
sources = list(dict.fromkeys(r["source_code"] for r in rows))
category_label = {r["category_code"]: r[f"category_{suffix}"] for r in rows}
source_label = {r["source_code"]: r[f"source_{suffix}"] for r in rows}
allocated = {(r["category_code"], r["source_code"]): r["allocated"] for r in rows}
by_source = {s: sum(allocated[c, s] for c in categories) for s in sources}
grand = totals(rows, "lines", "original_estimate", "adjustments", "allocated")

# Two per row: a figure in đồng is long ("1.675.000.000 đ") and must not be cut off.
headline = [(t("ui.total_allocated"), money(grand["allocated"])), (t("ui.line_count"), format_amount(grand["lines"]))]
headline += [(t("ui.allocated_of", source=source), money(by_source[source])) for source in sources]
for first in range(0, len(headline), 2):
    for column, (label, value) in zip(st.columns(2), headline[first : first + 2], strict=False):
        column.metric(label, value)

st.subheader(t("ui.allocated_by_category_source"))
pivot = []
for c in categories:
    row = {t("ui.category"): category_label[c]}
    for s in sources:
        row[source_label[s]] = money(allocated[c, s])
    row[t("ui.total")] = money(sum(allocated[c, s] for s in sources))
    pivot.append(row)
total_row = {t("ui.category"): t("ui.total")}
for s in sources:
    total_row[source_label[s]] = money(by_source[s])
total_row[t("ui.total")] = money(grand["allocated"])
pivot.append(total_row)
st.dataframe(
    pivot,
    hide_index=True,
    column_config={name: amount_column(name) for name in [*source_label.values(), t("ui.total")]},
    key="overview_table",
)

if grand["lines"]:
    figure = go.Figure()
    for s in sources:
        values = [allocated[c, s] for c in categories]
        figure.add_bar(
            name=source_label[s],
            x=[category_label[c] for c in categories],
            y=[float(v) for v in values],  # plotly takes floats; the figures stay integers everywhere else
            customdata=[money(v) for v in values],
            hovertemplate="%{x}<br>%{customdata}<extra>" + source_label[s] + "</extra>",
        )
    figure.update_layout(
        barmode="group",
        yaxis_title=t("ui.allocated_dong"),
        yaxis_tickformat=",d",
        separators=",.",
        margin={"t": 30, "b": 10},
        legend_title_text=t("ui.source"),
    )
    st.plotly_chart(figure, key="overview_chart")
else:
    st.info(t("ui.no_lines_year", year=year))

with st.expander(t("ui.overview_detail")):
    detail = [
        {
            t("ui.category"): category_label[r["category_code"]],
            t("ui.source"): source_label[r["source_code"]],
            t("ui.lines"): r["lines"],
            t("ui.original_estimate"): money(r["original_estimate"]),
            t("ui.adjustments"): money(r["adjustments"]),
            t("ui.allocated"): money(r["allocated"]),
        }
        for r in rows
    ]
    detail.append(
        {
            t("ui.category"): t("ui.total"),
            t("ui.source"): "",
            t("ui.lines"): grand["lines"],
            t("ui.original_estimate"): money(grand["original_estimate"]),
            t("ui.adjustments"): money(grand["adjustments"]),
            t("ui.allocated"): money(grand["allocated"]),
        }
    )
    amount_names = [t("ui.original_estimate"), t("ui.adjustments"), t("ui.allocated")]
    st.dataframe(
        detail,
        hide_index=True,
        column_config={name: amount_column(name) for name in amount_names},
        key="overview_detail",
    )
