"""Điều chỉnh dự toán: the year's adjustments in scope, and transfers between lines (officers)."""

from __future__ import annotations

import streamlit as st

from ledger.domain.formatting import format_date
from ledger.queries.lines import LineFilters, adjustments_in_scope, line_detail, list_lines
from ledger.services.budget import transfer
from pages.common import (
    adjustment_kind,
    amount_column,
    attempt,
    date_in_year,
    flash_and_rerun,
    is_officer,
    money,
    select_year,
    t,
    yes_no,
)
from pages.parts import posting
from pages.parts.screen import open_screen

current, db = open_screen("ui.page_adjustments")

year = select_year(db, key="adjustments_year")
rows = adjustments_in_scope(db, current, year)
st.caption(t("ui.adjustments_found", count=len(rows), net=money(sum(r.amount for r in rows))))
if rows:
    st.dataframe(
        [
            {
                "#": r.id,
                t("ui.date"): format_date(r.date),
                t("ui.line_code"): r.line_code,
                t("ui.unit"): r.unit_code,
                t("ui.amount"): money(r.amount),
                t("ui.decision_no"): r.decision_no,
                t("ui.reason"): r.reason,
                t("ui.kind"): adjustment_kind(r),
                t("ui.reversed"): yes_no(r.reversed),
                t("ui.created_by"): r.created_by,
            }
            for r in rows
        ],
        hide_index=True,
        column_config={t("ui.amount"): amount_column(t("ui.amount"))},
        key="adjustments_table",
    )
else:
    st.info(t("ui.no_adjustments_year", year=year))

if is_officer(current):
    st.subheader(t("ui.transfer"))
    st.caption(t("ui.transfer_intro"))
    lines = list_lines(db, current, LineFilters(year=year))
    choices = {
        line.id: f"{line.code} · {line.source_code} · {money(line.allocated)} – {line.description[:60]}"
        for line in lines
    }
    if len(choices) < 2:
        st.info(t("ui.transfer_needs_two"))
    else:
        with st.form("transfer_form"):
            a, b = st.columns(2)
            from_line = a.selectbox(t("ui.from_line"), list(choices), format_func=choices.get, key="tr_from")
            to_line = b.selectbox(t("ui.to_line"), list(choices), index=1, format_func=choices.get, key="tr_to")
            a, b = st.columns(2)
            amount = a.text_input(
                t("ui.transfer_amount"), key="tr_amount", placeholder="20.000.000", help=t("ui.amount_help")
            )
            when = b.date_input(t("ui.date"), format="DD/MM/YYYY", key="tr_date", **date_in_year(year))
            a, b = st.columns(2)
            decision = a.text_input(t("ui.decision_no"), key="tr_decision", placeholder="215/QĐ-BYT")
            reason = b.text_input(t("ui.reason"), key="tr_reason")
            posting.twin_box("transfer")
            clicked = st.form_submit_button(t("ui.transfer_submit"), type="primary", key="tr_submit")
        token = posting.token("transfer")
        if clicked and posting.twin_allows(db, "transfer", "adjustment", f"-{amount}", when, line_id=from_line, decision_no=decision):
            legs = attempt(lambda: transfer(db, current, from_line, to_line, amount, when, decision, reason, token=token))
            if legs is not None:
                out, into = legs
                source_after = line_detail(db, current, out.line_id)
                target_after = line_detail(db, current, into.line_id)
                posting.posted("transfer", "tr_amount", "tr_decision", "tr_reason")
                flash_and_rerun(
                    t(
                        "ui.transferred",
                        amount=money(into.amount),
                        source=source_after.line.code,
                        source_allocated=money(source_after.allocated),
                        target=target_after.line.code,
                        target_allocated=money(target_after.allocated),
                    )
                )
