"""Tables more than one screen shows: commitments with their money state, and payments."""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from ledger.domain import codes, rules
from ledger.domain.formatting import format_date
from ledger.queries.commitments import CommitmentRow, PaymentRow
from pages.common import amount_column, lang, money, t

COMMITMENT_MONEY = ("ui.c_value", "ui.c_accepted", "ui.c_advanced", "ui.c_paid", "ui.c_outstanding")


def status_label(code: str) -> str:
    return codes.label(codes.COMMITMENT_STATUSES, code, lang())


def commitments_table(rows: Sequence[CommitmentRow], *, key: str, with_kind: bool = False, with_policy: bool = True, with_advanced: bool = True, summary: tuple[int, int] | None = None) -> None:
    """Commitments with their money state; the value shown is the final value once closed out.
    ``summary`` (count, held) is SQL over everything selected, for a list that may be shortened."""

    def record(c: CommitmentRow) -> dict[str, str]:
        shown = {t("ui.c_reference"): c.reference}
        if with_kind:
            shown[t("ui.c_kind")] = codes.label(codes.CATEGORIES, codes.KIND_CATEGORY[c.kind], lang())
        shown[t("ui.c_status")] = status_label(c.status) + (" ⚠" if c.excess_amount else "")
        if not with_kind:
            shown[t("ui.line")] = c.line_code
        shown[t("ui.c_counterparty")] = c.press_agency or c.vendor or c.description
        if with_policy:
            shown[t("ui.policy")] = c.policy_code or ""
        shown[t("ui.c_value")] = money(rules.final_or_value(c.status, c.value, c.final_value))  # closed: its final value
        shown[t("ui.c_accepted")] = money(c.accepted)
        if with_advanced:
            shown[t("ui.c_advanced")] = money(c.advanced)
        shown[t("ui.c_paid")] = money(c.paid)
        shown[t("ui.c_outstanding")] = money(c.outstanding)
        return shown

    money_keys = [k for k in COMMITMENT_MONEY if with_advanced or k != "ui.c_advanced"]
    st.dataframe([record(c) for c in rows], hide_index=True, width="stretch", column_config={t(k): amount_column(t(k)) for k in money_keys}, key=key)
    count, held = summary if summary is not None else (len(rows), sum(c.held for c in rows))
    st.caption(t("ui.c_count", count=f"{count:,}".replace(",", "."), total=money(held)))
    if count > len(rows):
        st.caption(t("ui.p_shortened", shown=f"{len(rows):,}".replace(",", "."), count=f"{count:,}".replace(",", ".")))


def payment_entry(p: PaymentRow) -> str:
    """The kind of a payment as a list shows it: ↺ for a reversal, ⚠ for one over the line's balance."""
    return codes.label(codes.PAYMENT_KINDS, p.kind, lang()) + (" ↺" if p.reverses_id else "") + (" ⚠" if p.excess_amount else "")


def payments_table(rows: Sequence[PaymentRow], *, key: str, where: bool = True) -> None:
    """Payments; ``where`` adds what each was paid on (commitment, line, unit)."""

    def record(p: PaymentRow) -> dict[str, str]:
        shown = {t("ui.date"): format_date(p.date), t("ui.c_voucher"): p.voucher_no, t("ui.c_entry"): payment_entry(p)}
        if where:
            shown |= {t("ui.c_reference"): p.reference or t("ui.p_direct"), t("ui.line"): p.line_code, t("ui.unit"): p.unit_code}
        return shown | {t("ui.amount"): money(p.amount), t("ui.created_by"): p.created_by}

    amount_table([record(p) for p in rows], key=key)


def amount_table(records: list[dict], *, key: str) -> None:
    """A table whose "amount" column holds formatted amounts (right-aligned)."""
    st.dataframe(records, hide_index=True, width="stretch", column_config={t("ui.amount"): amount_column(t("ui.amount"))}, key=key)


def contributions_table(rows: Sequence, *, key: str) -> None:
    """XHH contributions received (and their reversals), with the line they were received for."""

    def record(c) -> dict[str, str]:
        kind = t("ui.kind_reversal", id=c.reverses_id) if c.reverses_id else ""
        return {
            t("ui.date"): format_date(c.date), t("ui.c_voucher"): c.voucher_no, t("ui.p_donor"): c.donor, t("ui.line"): c.line_code,
            t("ui.unit"): c.unit_code, t("ui.amount"): money(c.amount), t("ui.kind"): kind, t("ui.created_by"): c.created_by,
        }

    amount_table([record(c) for c in rows], key=key)
