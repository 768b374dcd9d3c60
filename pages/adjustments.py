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
    flash_and_rerun,
    is_officer,
    money,
    select_year,
    t,
    yes_no,
)
from pages.parts import posting
from pages.parts.line_forms import adjustment_inputs
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
            typed = adjustment_inputs(
                "transfer", "tr", year, amount_label="ui.transfer_amount", amount_example="20.000.000",
                amount_help="ui.amount_help", decision_example="215/QĐ-BYT", submit="ui.transfer_submit",
            )
        token = posting.token("transfer")
        # The twin to look for is the leg that leaves the source line.
        if typed.clicked and posting.twin_allows(db, "transfer", "adjustment", f"-{typed.amount}", typed.when, line_id=from_line, decision_no=typed.decision):
            legs = attempt(lambda: transfer(db, current, from_line, to_line, typed.amount, typed.when, typed.decision, typed.reason, token=token))
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
