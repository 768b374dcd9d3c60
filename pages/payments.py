"""Thanh toán và tài trợ: the year's payments in scope, direct spending on a line, socialised (XHH)
contributions received, and reversals of either."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from ledger.domain.formatting import format_date
from ledger.services import spending
from ledger.services.budget import LineFilters, list_lines
from pages.common import (
    amount_column,
    attempt,
    clear_inputs,
    database,
    date_in_year,
    flash_and_rerun,
    is_officer,
    money,
    optional,
    require_actor,
    select_year,
    show_flash,
    t,
)

current = require_actor()
db = database()
officer = is_officer(current)

st.title(t("ui.page_payments"))
show_flash()
year = select_year(db, key="p_year")

payments = spending.payments_in_scope(db, current, year)
if payments:
    st.dataframe(
        pd.DataFrame(
            {
                t("ui.date"): [format_date(p["date"]) for p in payments],
                t("ui.c_voucher"): [p["voucher_no"] for p in payments],
                t("ui.c_entry"): [t(f"ui.pay_{p['kind']}") + (" ↺" if p["reverses_id"] else "") + (" ⚠" if p["excess_amount"] else "") for p in payments],
                t("ui.c_reference"): [p["reference"] or t("ui.p_direct") for p in payments],
                t("ui.line"): [p["line_code"] for p in payments],
                t("ui.unit"): [p["unit_code"] for p in payments],
                t("ui.amount"): [money(p["amount"]) for p in payments],
                t("ui.created_by"): [p["created_by"] for p in payments],
            }
        ),
        hide_index=True,
        width="stretch",
        column_config={t("ui.amount"): amount_column(t("ui.amount"))},
    )
    st.caption(t("ui.p_total", count=len(payments), total=money(sum(p["amount"] for p in payments))))
else:
    st.info(t("ui.p_none"))

if officer:
    lines = list_lines(db, current, LineFilters(year=year))
    all_lines = {r["id"]: f"{r['code']} – {r['description'][:60]}" for r in lines}
    xhh_lines = {r["id"]: all_lines[r["id"]] for r in lines if r["source_code"] == "XHH"}
    bounds = date_in_year(year)
    direct_tab, contribution_tab, reverse_tab = st.tabs([t("ui.p_direct_new"), t("ui.p_contribution_new"), t("ui.c_act_reverse")])
    with direct_tab:
        with st.form("p_direct_form"):
            line_id = st.selectbox(t("ui.line"), ["", *all_lines], format_func=optional(all_lines), key="p_line")
            voucher = st.text_input(t("ui.c_voucher"), key="p_voucher")
            when = st.date_input(t("ui.date"), format="DD/MM/YYYY", key="p_date", **bounds)
            amount = st.text_input(t("ui.amount"), key="p_amount", placeholder="1.000.000")
            if st.form_submit_button(t("ui.c_act_pay"), type="primary"):
                done = attempt(lambda: spending.record_payment(db, current, year=year, voucher_no=voucher, date=when, kind="THANH_TOAN", line=line_id or None, amount=amount))
                if done:
                    clear_inputs("p_voucher", "p_amount")
                    flash_and_rerun(t("ui.c_paid_done", amount=money(done.amount)))
    with contribution_tab:
        if not xhh_lines:
            st.info(t("ui.p_no_xhh"))
        with st.form("p_contribution_form"):
            line_id = st.selectbox(t("ui.line"), ["", *xhh_lines], format_func=optional(xhh_lines), key="x_line")
            voucher = st.text_input(t("ui.c_voucher"), key="x_voucher")
            when = st.date_input(t("ui.date"), format="DD/MM/YYYY", key="x_date", **bounds)
            donor = st.text_input(t("ui.p_donor"), key="x_donor")
            amount = st.text_input(t("ui.amount"), key="x_amount", placeholder="1.000.000")
            if st.form_submit_button(t("ui.p_receive"), type="primary"):
                done = attempt(lambda: spending.record_contribution(db, current, year=year, voucher_no=voucher, line=line_id or None, date=when, donor=donor, amount=amount))
                if done:
                    clear_inputs("x_voucher", "x_amount", "x_donor")
                    flash_and_rerun(t("ui.p_received", amount=money(done.amount)))
    with reverse_tab:
        open_entries = {p["id"]: f"{p['voucher_no']} · {p['line_code']} · {money(p['amount'])}" for p in payments if not p["reverses_id"] and not p["reference"]}
        reversed_ids = {p["reverses_id"] for p in payments if p["reverses_id"]}
        open_entries = {k: v for k, v in open_entries.items() if k not in reversed_ids}
        st.caption(t("ui.p_reverse_hint"))
        with st.form("p_reverse_form"):
            entry = st.selectbox(t("ui.c_entry"), ["", *open_entries], format_func=optional(open_entries), key="p_rev_entry")
            reason = st.text_input(t("ui.reason"), key="p_rev_reason")
            if st.form_submit_button(t("ui.c_act_reverse")) and entry:
                if attempt(lambda: spending.reverse_payment(db, current, entry, reason)):
                    flash_and_rerun(t("ui.c_reversed"))
