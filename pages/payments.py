"""Thanh toán và tài trợ: the year's payments in scope, direct spending on a line, socialised (XHH)
contributions received, and reversals of either."""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from ledger.queries.lines import LineFilters, list_lines
from ledger.queries.spending import find_contributions, find_payments
from ledger.services import payments
from pages.common import attempt, date_in_year, flash_and_rerun, is_officer, money, optional, select_year, t
from pages.parts import posting
from pages.parts.screen import open_screen
from pages.parts.spending_search import found_caption, spending_filters
from pages.parts.tables import contributions_table, payments_table

current, db = open_screen("ui.page_payments")
officer = is_officer(current)
year = select_year(db, key="p_year")

lines = list_lines(db, current, LineFilters(year=year))
all_lines = {r.id: f"{r.code} – {r.description[:60]}" for r in lines}
xhh_lines = {r.id: all_lines[r.id] for r in lines if r.source_code == "XHH"}

# The list, its count and its total follow the search; count and total are SQL over all it selects.
filters = spending_filters(db, year, all_lines, prefix="p_f")
found = find_payments(db, current, filters)
listed = list(found.rows)
if listed:
    payments_table(listed, key="p_table")
    found_caption(found)
else:
    st.info(t("ui.p_none"))

received = find_contributions(db, current, replace(filters, agency=None))
if received.count:
    with st.expander(t("ui.p_contributions", count=f"{received.count:,}".replace(",", "."), total=money(received.total))):
        contributions_table(list(received.rows), key="x_table")
        found_caption(received)

if officer:
    bounds = date_in_year(year)
    direct_tab, contribution_tab, reverse_tab = st.tabs([t("ui.p_direct_new"), t("ui.p_contribution_new"), t("ui.c_act_reverse")], key="p_tabs", on_change="rerun")
    with direct_tab:
        with st.form("p_direct_form"):
            line_id = st.selectbox(t("ui.line"), ["", *all_lines], format_func=optional(all_lines), key="p_line")
            voucher = st.text_input(t("ui.c_voucher"), key="p_voucher")
            when = st.date_input(t("ui.date"), format="DD/MM/YYYY", key="p_date", **bounds)
            amount = st.text_input(t("ui.amount"), key="p_amount", placeholder="1.000.000")
            posting.twin_box("p_direct")
            clicked = st.form_submit_button(t("ui.c_act_pay"), type="primary")
        token = posting.token("p_direct")
        if clicked and posting.twin_allows(db, "p_direct", "payment", amount, when, line_id=line_id or None, commitment_id=None):
            # The outcome shows in this tab, beside the form (the tab stays open: it is not reset).
            done = attempt(lambda: payments.record_payment(db, current, year=year, voucher_no=voucher, date=when, kind="THANH_TOAN", line=line_id or None, amount=amount, token=token))
            if done:
                posting.posted("p_direct", "p_voucher", "p_amount")
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
            posting.twin_box("p_contribution")
            clicked = st.form_submit_button(t("ui.p_receive"), type="primary")
        token = posting.token("p_contribution")
        if clicked and posting.twin_allows(db, "p_contribution", "contribution", amount, when, line_id=line_id or None, donor=donor):
            done = attempt(lambda: payments.record_contribution(db, current, year=year, voucher_no=voucher, line=line_id or None, date=when, donor=donor, amount=amount, token=token))
            if done:
                posting.posted("p_contribution", "x_voucher", "x_amount", "x_donor")
                flash_and_rerun(t("ui.p_received", amount=money(done.amount)))
    with reverse_tab:
        # Direct payments only: a commitment's payments are reversed on the commitment's screen.
        open_entries = {p.id: f"{p.voucher_no} · {p.line_code} · {money(p.amount)}" for p in listed if p.reversible and p.commitment_id is None}
        st.caption(t("ui.p_reverse_hint"))
        entry = st.selectbox(t("ui.c_entry"), list(open_entries), index=None, format_func=open_entries.get, placeholder=t("ui.pick_entry"), key="p_rev_entry")
        with st.form("p_reverse_form"):
            reason = st.text_input(t("ui.reason"), key="p_rev_reason")
            ticked = posting.confirm_box("p_reverse", t("ui.confirm_reverse", entry=open_entries[entry])) if entry in open_entries else False
            clicked = st.form_submit_button(t("ui.c_act_reverse"))
        token = posting.token("p_reverse")
        if clicked and entry is None:
            st.error(t("ui.pick_entry_first"))
        elif clicked and posting.confirmed(ticked):
            if attempt(lambda: payments.reverse_payment(db, current, entry, reason, token=token)):
                posting.posted("p_reverse", "p_rev_entry", "p_rev_reason")
                flash_and_rerun(t("ui.c_reversed"))
