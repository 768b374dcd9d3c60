"""Đặt hàng, đào tạo, CNTT: find a press order, course or IT contract, see its money state at a glance,
and act on it in one place: exactly the actions the rulebook allows (sign, advance, accept, pay,
close out, cancel, reverse)."""

from __future__ import annotations

import streamlit as st

from ledger.domain import codes
from ledger.queries.commitments import commitment_detail, commitments_summary, find_commitments
from pages.common import attempt, code_label, is_officer, optional, select_year, t
from pages.parts.commitment_actions import action_tabs
from pages.parts.commitment_new import new_commitment
from pages.parts.commitment_view import show_commitment
from pages.parts.screen import open_screen
from pages.parts.tables import commitments_table, status_label

current, db = open_screen("ui.page_commitments")
officer = is_officer(current)
STATUSES = ("draft", "signed", "closed", "cancelled")

top = st.columns([1, 2, 2, 1])
with top[0]:
    year = select_year(db, key="c_year")
with top[1]:
    kind = st.radio(t("ui.c_kind"), list(codes.COMMITMENT_KINDS), format_func=lambda k: code_label(codes.COMMITMENT_KINDS, k), horizontal=True, key="c_kind")
with top[2]:
    search = st.text_input(t("ui.search"), key="c_search", placeholder=t("ui.c_search_hint"))
with top[3]:
    status = st.selectbox(t("ui.c_status"), ["", *STATUSES], format_func=lambda s: status_label(s) if s else "—", key="c_status_filter")

rows = find_commitments(db, current, year, kind=kind, search=search or None, status=status or None)
if rows:
    commitments_table(rows, key="c_table", summary=commitments_summary(db, current, year, kind=kind, search=search or None, status=status or None))
else:
    st.info(t("ui.c_none"))

# --- one commitment: money state and actions -----------------------------------------------------
by_reference = {r.reference: r for r in rows}
if "c_pick_next" in st.session_state:  # a commitment just created opens by itself
    st.session_state["c_pick"] = st.session_state.pop("c_pick_next")
picked = st.selectbox(t("ui.c_open"), ["", *by_reference], format_func=optional({k: k for k in by_reference}), key="c_pick")
if picked:
    detail = attempt(lambda: commitment_detail(db, current, by_reference[picked].id))
    if detail:
        show_commitment(detail)
        if officer:
            action_tabs(db, current, detail)

# --- new commitment (officers) -------------------------------------------------------------------
if officer:
    new_commitment(db, current, year, kind, code_label(codes.COMMITMENT_KINDS, kind), expanded=not rows)
