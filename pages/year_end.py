"""Khóa sổ cuối năm / Year end: the preview of the year-end run with its legal bases, a confirmation
naming the amounts, the result, and the settlement statement (screen and .xlsx)."""

from __future__ import annotations

import streamlit as st

from ledger.domain import codes
from ledger.domain import year_end as rules
from ledger.domain.formatting import format_date
from ledger.reports.settlement import settlement, settlement_xlsx
from ledger.services.year_end import apply_year_end, preview
from pages.common import amount_column, attempt, code_label, flash_and_rerun, lang, money, select_year, t
from pages.parts.screen import open_screen, scope_units

current, db = open_screen("ui.page_year_end")

year = select_year(db, key="ye_year")
units = scope_units(db, current)
# An administrator may run it for every unit at once; an officer for a unit of their subtree.
choices = ["", *units] if current.role == "admin" else list(units)
unit_code = st.selectbox(t("ui.ye_unit"), choices, format_func=lambda c: units.get(c) or t("ui.ye_all_units"), key="ye_unit") or None

shown = attempt(lambda: preview(db, current, year, unit_code))
if shown is None:
    st.stop()
law = shown.rule_set.law_en if lang() == "en" else shown.rule_set.law_vi
st.caption(t("ui.ye_rule_set", year=year, law=law))

tab_preview, tab_settlement = st.tabs([t("ui.ye_preview"), t("ui.ye_settlement")])

with tab_preview:
    if not shown.lines:
        st.info(t("ui.ye_nothing", year=year))
    else:
        a, b, c = st.columns(3)
        a.metric(t("ui.ye_carried"), money(shown.carried))
        b.metric(t("ui.ye_cancelled"), money(shown.cancelled))
        c.metric(t("ui.ye_refunds", date=format_date(shown.refund_deadline)), money(shown.refunds))
        st.dataframe(
            [
                {
                    t("settlement.code"): line.code,
                    t("settlement.unit_code"): line.unit_code,
                    t("settlement.category_code"): code_label(codes.CATEGORIES, line.category_code),
                    t("settlement.source_code"): line.source_code,
                    t("settlement.allocated"): money(line.allocated),
                    t("settlement.paid"): money(line.paid),
                    t("settlement.carried"): money(line.carried),
                    t("settlement.cancelled"): money(line.cancelled),
                }
                for line in shown.lines
            ],
            hide_index=True,
            column_config={t(f"settlement.{k}"): amount_column(t(f"settlement.{k}")) for k in ("allocated", "paid", "carried", "cancelled")},
            key="ye_lines",
        )
        st.subheader(t("ui.ye_basis"))
        st.dataframe(
            [
                {
                    t("settlement.code"): line.code,
                    t("ui.ye_kind"): t(f"year_end.{part.kind}"),
                    t("ui.ye_amount"): money(part.amount),
                    t("ui.ye_basis"): rules.basis_text(part.basis, shown.rule_set, lang()),
                }
                for line in shown.lines
                for part in line.parts
            ],
            hide_index=True,
            key="ye_parts",
        )
        refunds = [(line.code, reference, amount) for line in shown.lines for _, reference, amount in line.refunds]
        if refunds:
            st.subheader(t("ui.ye_refunds", date=format_date(shown.refund_deadline)))
            st.dataframe(
                [{t("settlement.code"): code, t("ui.ye_reference"): ref, t("ui.ye_amount"): money(amount)} for code, ref, amount in refunds],
                hide_index=True,
                key="ye_refund_rows",
            )
        for blocker in shown.blockers:
            st.warning(t(blocker.key, **blocker.params))
        if current.role in ("officer", "admin") and not shown.blockers:
            with st.form("ye_apply_form"):
                decision = st.text_input(t("ui.decision_no"), key="ye_decision")
                confirmed = st.checkbox(
                    t("ui.ye_confirm", year=year, lines=len(shown.lines), carried=money(shown.carried), cancelled=money(shown.cancelled), refunds=money(shown.refunds)),
                    key="ye_confirm",
                )
                clicked = st.form_submit_button(t("ui.ye_apply"), type="primary", key="ye_apply")
            if clicked:
                if not confirmed:
                    st.error(t("ui.ye_confirm_needed"))
                else:
                    run = attempt(lambda: apply_year_end(db, current, year, unit_code, decision))
                    if run is not None:
                        flash_and_rerun(t("year_end.applied", year=year, carried=money(run.carried), cancelled=money(run.cancelled)))

with tab_settlement:
    statement = attempt(lambda: settlement(db, current, year, unit_code))
    if statement is not None:
        figures = ("estimate", "adjustments", "allocated", "paid", "carried", "cancelled")
        carried_in = [r for r in statement.lines if r.carried_from]
        cells = st.columns(5)
        totals = (("ui.ye_s_allocated", "allocated"), ("ui.ye_s_paid", "paid"), ("ui.ye_s_carried", "carried"), ("ui.ye_s_cancelled", "cancelled"))
        for cell, (label, figure) in zip(cells, totals, strict=False):
            cell.metric(t(label), money(statement.total(figure)))
        cells[4].metric(t("ui.ye_s_carried_in", year=year - 1), money(sum(r.estimate for r in carried_in)), t("ui.ye_s_lines", count=len(carried_in)), delta_color="off")
        money_columns = {t(f"settlement.{k}"): amount_column(t(f"settlement.{k}")) for k in figures}
        st.dataframe(
            [
                {
                    t("settlement.category_code"): code_label(codes.CATEGORIES, g.category_code),
                    t("settlement.source_code"): g.source_code,
                    **{t(f"settlement.{k}"): money(getattr(g, k)) for k in figures},
                }
                for g in statement.groups
            ],
            hide_index=True,
            column_config=money_columns,
            key="ye_groups",
        )
        st.dataframe(
            [
                {
                    t("settlement.code"): r.code,
                    t("settlement.unit_code"): r.unit_code,
                    t("settlement.description"): r.description,
                    t("settlement.carried_from"): r.carried_from or "",
                    **{t(f"settlement.{k}"): money(getattr(r, k)) for k in figures},
                }
                for r in statement.lines
            ],
            hide_index=True,
            column_config=money_columns,
            key="ye_settlement_lines",
        )
        st.caption(t("ui.ye_sponsorship", received=money(statement.sponsorship_received), used=money(statement.sponsorship_used)))
        st.download_button(
            t("ui.ye_download"), settlement_xlsx(statement, lang()), file_name=f"quyet-toan-{year}.xlsx",
            mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key="ye_download",
        )
