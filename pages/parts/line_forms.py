"""The officers' forms of the lines screen: add a line, adjust one, reverse an adjustment. The
services check the role, the unit and every figure again on each write."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import streamlit as st

from ledger.domain.formatting import format_date
from ledger.queries import catalogue
from ledger.queries.lines import LineDetail, line_detail
from ledger.services.budget import add_line, adjust_line, reverse_adjustment
from ledger.store.access import Actor
from ledger.store.db import Database
from pages.common import attempt, clear_inputs, date_in_year, flash_and_rerun, money, optional, t, year_choices
from pages.parts import posting


def _coded(codes: dict[str, str]):
    return optional({k: f"{k} – {v}" for k, v in codes.items()})


def add_line_form(db: Database, current: Actor, year: int, labels: dict[str, dict[str, str]], unit_labels: dict[str, str], policies: dict[str, str]) -> None:
    sectors = {c.code: c.label for c in catalogue.budget_codes(db, "sector", year)}
    sub_items = {c.code: c.label for c in catalogue.budget_codes(db, "sub_item", year)}
    years = year_choices(db)
    with st.form("add_line_form"):
        a, b, c = st.columns(3)
        code = a.text_input(t("ui.line_code"), key="line_code", placeholder="BYT-TT-26-09")
        line_year = b.selectbox(t("ui.year"), years, index=years.index(year), key="line_year")
        line_unit = c.selectbox(t("ui.unit"), list(unit_labels), format_func=unit_labels.get, key="line_unit")
        description = st.text_input(t("ui.description"), key="line_description")
        a, b, c = st.columns(3)
        line_category = a.selectbox(t("ui.category"), list(labels["category"]), format_func=labels["category"].get, key="line_category")
        line_source = b.selectbox(t("ui.source"), list(labels["source"]), format_func=labels["source"].get, key="line_source")
        line_policy = c.selectbox(t("ui.policy"), ["", *policies], format_func=_coded(policies), key="line_policy")
        a, b, c = st.columns(3)
        sector = a.selectbox(t("ui.sector_code"), ["", *sectors], format_func=_coded(sectors), key="line_sector")
        sub_item = b.selectbox(t("ui.sub_item"), ["", *sub_items], format_func=_coded(sub_items), key="line_sub_item")
        estimate = c.text_input(t("ui.original_estimate_input"), key="line_estimate", placeholder="150.000.000", help=t("ui.amount_help"))
        submitted = st.form_submit_button(t("ui.add_line_submit"), type="primary", key="line_submit")
    if submitted:
        line = attempt(
            lambda: add_line(
                db, current, code=code, year=line_year, unit_code=line_unit, description=description, category=line_category,
                source=line_source, sector_code=sector or None, sub_item=sub_item or None, policy_code=line_policy or None,
                original_estimate=estimate,
            )
        )
        if line is not None:
            clear_inputs("line_code", "line_description", "line_estimate")
            flash_and_rerun(t("ui.line_added", code=line.code, year=line.year, allocated=money(line.original_estimate)))


@dataclass(frozen=True)
class AdjustmentInput:
    """What an adjustment's form (one line's, or a transfer's two legs) was given, as typed."""

    clicked: bool
    amount: str
    when: dt.date
    decision: str
    reason: str


def adjustment_inputs(
    form: str, prefix: str, year: int, *, amount_label: str, amount_example: str, amount_help: str, decision_example: str, submit: str
) -> AdjustmentInput:
    """Inside the form: the amount and its date in ``year``, the decision and the reason, the tick an
    identical recent entry asks for, and the submit button; each widget's key is ``prefix`` and the
    field (``adj_amount``…), labels and help are text keys."""
    a, b = st.columns(2)
    typed = a.text_input(t(amount_label), key=f"{prefix}_amount", placeholder=amount_example, help=t(amount_help))
    when = b.date_input(t("ui.date"), format="DD/MM/YYYY", key=f"{prefix}_date", **date_in_year(year))
    a, b = st.columns(2)
    decision = a.text_input(t("ui.decision_no"), key=f"{prefix}_decision", placeholder=decision_example)
    reason = b.text_input(t("ui.reason"), key=f"{prefix}_reason")
    posting.twin_box(form)
    clicked = st.form_submit_button(t(submit), type="primary", key=f"{prefix}_submit")
    return AdjustmentInput(clicked, typed, when, decision, reason)


def adjust_form(db: Database, current: Actor, detail: LineDetail) -> None:
    line_id = detail.line.id
    st.markdown(f"**{t('ui.adjust_line')}**")
    with st.form("adjust_form"):
        typed = adjustment_inputs(
            "adjust", "adj", detail.line.year, amount_label="ui.adjust_amount", amount_example="50.000.000 / -20.000.000",
            amount_help="ui.signed_help", decision_example="123/QĐ-BYT", submit="ui.adjust_submit",
        )
    token = posting.token("adjust")
    if typed.clicked and posting.twin_allows(db, "adjust", "adjustment", typed.amount, typed.when, line_id=line_id, decision_no=typed.decision):
        posted = attempt(lambda: adjust_line(db, current, line_id, typed.amount, typed.when, typed.decision, typed.reason, token=token))
        if posted is not None:
            after = line_detail(db, current, line_id)
            posting.posted("adjust", "adj_amount", "adj_decision", "adj_reason")
            flash_and_rerun(t("ui.adjusted", code=after.line.code, amount=money(posted.amount), allocated=money(after.allocated)))


def reverse_form(db: Database, current: Actor, detail: LineDetail) -> None:
    reversible = {
        a.id: f"#{a.id} · {format_date(a.date)} · {money(a.amount)} · {a.decision_no}" for a in detail.adjustments if a.reversible
    }
    st.markdown(f"**{t('ui.reverse_adjustment')}**")
    if not reversible:
        st.caption(t("ui.nothing_to_reverse"))
        return
    # Nothing is pre-selected: the entry to undo is always picked, outside the form so that the
    # confirmation below can name it and its amount.
    target = st.selectbox(t("ui.adjustment_to_reverse"), list(reversible), index=None, format_func=reversible.get, placeholder=t("ui.pick_entry"), key="rev_adjustment")
    with st.form("reverse_form"):
        why = st.text_input(t("ui.reverse_reason"), key="rev_reason")
        ticked = posting.confirm_box("reverse", t("ui.confirm_reverse", entry=reversible[target])) if target in reversible else False
        reverse_clicked = st.form_submit_button(t("ui.reverse_submit"), key="rev_submit")
    token = posting.token("reverse")
    if reverse_clicked and target is None:
        st.error(t("ui.pick_entry_first"))
    elif reverse_clicked and posting.confirmed(ticked):
        done = attempt(lambda: reverse_adjustment(db, current, target, why, token=token))
        if done is not None:
            after = line_detail(db, current, detail.line.id)
            posting.posted("reverse", "rev_reason", "rev_adjustment")
            flash_and_rerun(t("ui.reversed_done", id=target, allocated=money(after.allocated)))
