"""One commitment on the orders screen: its money state at a glance, its items and its history of
acceptances and payments. Every figure is the rulebook's (``ledger.domain.rules``)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from ledger.domain import codes, rules
from ledger.domain.formatting import format_date
from ledger.queries.commitments import CommitmentDetail
from pages.common import lang, money, t
from pages.parts.tables import status_label


def show_commitment(detail: CommitmentDetail) -> None:
    c, balance = detail.commitment, detail.balance
    st.subheader(f"{c.reference} · {status_label(c.status)}")
    st.caption(f"{c.description} · {t('ui.line')} {c.line_code} ({c.unit_code})")
    if c.excess_amount:
        st.warning(t("ui.c_excess", amount=money(c.excess_amount)))
    figures = [*st.columns(3), *st.columns(3)]
    figures[0].metric(t("ui.c_value"), money(rules.final_or_value(c.status, c.value, c.final_value)))
    figures[1].metric(t("ui.c_accepted"), money(balance.accepted))
    figures[2].metric(t("ui.c_advanced"), money(balance.advanced))
    figures[3].metric(t("ui.c_paid"), money(balance.paid))
    figures[4].metric(t("ui.c_outstanding"), money(balance.outstanding))
    figures[5].metric(t("ui.c_line_available"), money(detail.line.available))
    if c.kind == "it_service" and c.total_value != c.value:
        st.caption(t("ui.c_portion", total=money(c.total_value), portion=money(c.value), year=c.year))
    if detail.items:
        st.dataframe(
            pd.DataFrame(
                {
                    t("ui.c_product"): [i.product for i in detail.items],
                    t("ui.c_quantity"): [i.quantity for i in detail.items],
                    t("ui.c_uom"): [i.unit_of_measure for i in detail.items],
                    t("ui.c_unit_price"): [money(i.unit_price) for i in detail.items],
                    t("ui.c_amount"): [money(i.amount) for i in detail.items],
                }
            ),
            hide_index=True,
        )
    history = [
        (a.date, t("ui.c_entry_acceptance") + (" ↺" if a.reverses_id else ""), a.record_no, a.accepted_value, a.evidence)
        for a in detail.acceptances
    ] + [(p.date, codes.label(codes.PAYMENT_KINDS, p.kind, lang()) + (" ↺" if p.reverses_id else ""), p.voucher_no, p.amount, "") for p in detail.payments]
    if history:
        columns = ("ui.date", "ui.c_entry", "ui.c_number", "ui.amount", "ui.c_note")
        st.dataframe(
            pd.DataFrame([dict(zip((t(k) for k in columns), (format_date(d), entry, number, money(amount), note), strict=True)) for d, entry, number, amount, note in history]),
            hide_index=True,
            width="stretch",
        )
