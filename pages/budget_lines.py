"""Dòng dự toán: find lines, add a line (officers), see a line's history and adjust or reverse it."""

from __future__ import annotations

import streamlit as st

from ledger.queries.lines import LineFilters, line_detail, list_lines
from pages.common import amount_column, attempt, catalogues, is_officer, money, optional, policies_for, select_year, t
from pages.parts import line_detail as shown
from pages.parts.line_forms import add_line_form, adjust_form, reverse_form
from pages.parts.screen import open_screen, scope_units, unit_picker

current, db = open_screen("ui.page_lines")
officer = is_officer(current)

labels = catalogues(db)
unit_labels = scope_units(db, current)
policies = policies_for(db, current)

# --- finding lines ------------------------------------------------------------------------------
row1 = st.columns(3)
with row1[0]:
    year = select_year(db, key="lines_year")
with row1[1]:
    unit_code = unit_picker(unit_labels, key="lines_unit")
with row1[2]:
    search = st.text_input(t("ui.search"), key="lines_search", placeholder=t("ui.search_hint"))
row2 = st.columns(3)
with row2[0]:
    category = st.selectbox(
        t("ui.category"), ["", *labels["category"]], format_func=optional(labels["category"]), key="lines_category"
    )
with row2[1]:
    source = st.selectbox(
        t("ui.source"), ["", *labels["source"]], format_func=optional(labels["source"]), key="lines_source"
    )
with row2[2]:
    policy = st.selectbox(
        t("ui.policy"),
        ["", *policies],
        format_func=optional({code: f"{code} – {name}" for code, name in policies.items()}),
        key="lines_policy",
    )

rows = list_lines(
    db,
    current,
    LineFilters(
        year=year,
        unit_code=unit_code or None,
        category=category or None,
        source=source or None,
        policy_code=policy or None,
        search=search or None,
    ),
)
st.caption(t("ui.lines_found", count=len(rows), allocated=money(sum(r.allocated for r in rows))))
table = [
    {
        t("ui.line_code"): r.code,
        t("ui.unit"): r.unit_code,
        t("ui.description"): r.description,
        t("ui.category"): labels["category"].get(r.category_code, r.category_code),
        t("ui.source"): r.source_code,
        t("ui.original_estimate"): money(r.original_estimate),
        t("ui.adjustments"): money(r.adjustments),
        t("ui.allocated"): money(r.allocated),
        t("ui.policy"): r.policy_code or "",
        t("ui.sector_code"): r.sector_code or "",
        t("ui.sub_item"): r.sub_item or "",
    }
    for r in rows
]
amount_names = [t("ui.original_estimate"), t("ui.adjustments"), t("ui.allocated")]
if table:
    st.dataframe(
        table,
        hide_index=True,
        column_config={
            t("ui.description"): st.column_config.TextColumn(t("ui.description"), width="medium"),
            **{name: amount_column(name) for name in amount_names},
        },
        key="lines_table",
    )
else:
    st.info(t("ui.no_lines_found"))

# --- adding a line (officers; the service checks the role and the unit again) -------------------
if officer:
    with st.expander(t("ui.add_line"), expanded=not rows):
        add_line_form(db, current, year, labels, unit_labels, policies)

# --- one line: figures, history, adjust and reverse ---------------------------------------------
st.subheader(t("ui.line_detail"))
choices = {r.id: f"{r.code} – {r.description[:90]}" for r in rows}
line_id = st.selectbox(t("ui.choose_line"), list(choices), index=None, format_func=choices.get, placeholder=t("ui.choose_line_hint"), key="line_select")
detail = attempt(lambda: line_detail(db, current, line_id)) if line_id is not None else None
if detail is not None:
    shown.show_facts(detail, labels)
    shown.show_activity(db, current, detail)
    shown.show_history(detail)
    if officer:
        adjust_form(db, current, detail)
        reverse_form(db, current, detail)
