"""One budget line on the lines screen: its facts and figures, everything charged to it (balance,
commitments, direct payments, XHH contributions), its adjustments and its audit events."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from ledger.domain.formatting import format_date, format_datetime
from ledger.queries.commitments import LineActivity, line_activity
from ledger.queries.lines import LineDetail
from ledger.reports.audit_names import action_label
from ledger.reports.audit_trail import VIETNAM
from ledger.store.access import Actor
from ledger.store.db import Database
from pages.common import adjustment_kind, attempt, lang, money, t, yes_no
from pages.parts.tables import amount_table, commitments_table, payments_table


def show_facts(detail: LineDetail, labels: dict[str, dict[str, str]]) -> None:
    line = detail.line
    st.markdown(f"**{line.code}** · {line.description}")
    st.caption(
        t(
            "ui.line_facts",
            unit=f"{line.unit_code} – {line.unit_name}",
            category=labels["category"].get(line.category_code, line.category_code),
            source=labels["source"].get(line.source_code, line.source_code),
            sector=line.sector_code or "—",
            sub_item=line.sub_item or "—",
            policy=line.policy_code or "—",
        )
    )
    figures = st.columns(4)
    figures[0].metric(t("ui.original_estimate"), money(line.original_estimate))
    figures[1].metric(t("ui.adjustments"), money(detail.adjustments_total))
    figures[2].metric(t("ui.allocated"), money(detail.allocated))
    figures[3].metric(t("ui.used"), money(detail.used))


def show_activity(db: Database, current: Actor, detail: LineDetail) -> None:
    """Everything charged to the line: its balance, commitments, direct payments and XHH contributions."""
    activity: LineActivity | None = attempt(lambda: line_activity(db, current, detail.line.id))
    if activity is None:
        return
    xhh = detail.line.source_code == "XHH"
    st.markdown(f"**{t('ui.line_activity')}**")
    balance = activity.balance
    money_figures = [
        ("ui.d_allocated", balance.allocated),
        ("ui.d_committed", balance.committed),
        ("ui.d_paid", balance.paid),
        ("ui.d_available", balance.available),
    ]
    if xhh or balance.contributions:
        money_figures.append(("ui.line_contributions_received", balance.contributions))
    for column, (key, amount) in zip(st.columns(len(money_figures)), money_figures, strict=True):
        column.metric(t(key), money(amount))

    st.markdown(f"**{t('ui.line_commitments')}**")
    if activity.commitments:
        commitments_table(activity.commitments, key="line_commitments", with_kind=True, with_policy=False, with_advanced=False)
    else:
        st.caption(t("ui.line_no_commitments"))

    st.markdown(f"**{t('ui.line_direct_payments')}**")
    if activity.direct_payments:
        payments_table(activity.direct_payments, key="line_direct_payments", where=False)
    else:
        st.caption(t("ui.line_no_direct_payments"))

    if xhh or activity.contributions:
        st.markdown(f"**{t('ui.line_contributions')}**")
        if activity.contributions:
            received = [
                (format_date(c.date), c.voucher_no, c.donor + (" ↺" if c.reverses_id else ""), money(c.amount), c.created_by)
                for c in activity.contributions
            ]
            columns = [t(k) for k in ("ui.date", "ui.c_voucher", "ui.p_donor", "ui.amount", "ui.created_by")]
            amount_table([dict(zip(columns, r, strict=True)) for r in received], key="line_contributions")
        else:
            st.caption(t("ui.line_no_contributions"))


def show_history(detail: LineDetail) -> None:
    """The line's adjustments, oldest first, and the audit events of the line and its adjustments."""
    st.markdown(f"**{t('ui.adjustments_of_line')}**")
    if detail.adjustments:
        columns = ["#", *(t(k) for k in ("ui.date", "ui.amount", "ui.decision_no", "ui.reason", "ui.kind", "ui.reversed", "ui.created_by", "ui.created_at"))]
        entries = [
            (a.id, format_date(a.date), money(a.amount), a.decision_no, a.reason, adjustment_kind(a), yes_no(a.reversed), a.created_by, format_datetime(a.created_at))
            for a in detail.adjustments
        ]
        amount_table([dict(zip(columns, e, strict=True)) for e in entries], key="line_adjustments")
    else:
        st.caption(t("ui.no_adjustments"))

    st.markdown(f"**{t('ui.audit_events')}**")
    st.dataframe(
        [
            {
                t("ui.seq"): e.seq,
                # Vietnam time, as on the audit screen (issue 10: the same event showed 07:57 UTC here, 14:57 there).
                t("ui.occurred_at"): format_datetime(e.occurred_at.replace(tzinfo=dt.UTC).astimezone(VIETNAM)) if e.occurred_at else "",
                t("ui.actor"): e.actor,
                t("ui.action"): action_label(e.action, lang()),
                t("ui.hash"): e.hash,
            }
            for e in detail.events
        ],
        hide_index=True,
        key="line_events",
    )
