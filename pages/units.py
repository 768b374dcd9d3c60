"""Đơn vị và danh mục (admin): unit tree, fiscal years, policies and the budget classification."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from ledger.domain import codes
from ledger.queries import catalogue
from ledger.services.reference import (
    create_policy,
    create_unit,
    open_year,
    update_unit,
)
from ledger.services.year_end import reopen_year
from ledger.store.models import CONTROL_MODES, UNIT_KINDS
from pages.common import attempt, clear_inputs, flash_and_rerun, lang, t, unit_label, units_for, year_choices
from pages.parts.screen import open_screen, unit_picker

current, db = open_screen("ui.page_units", admin_only=True)


def kind_label(kind: str) -> str:
    return codes.label(codes.UNIT_KINDS, kind, lang())


def control_label(mode: str) -> str:
    return codes.label(codes.CONTROL_MODES, mode, lang())


def phased_label(mode: str) -> str:
    return codes.label(codes.PHASED_MODES, mode, lang())


PHASED_MODES = tuple(codes.PHASED_MODES)


units = units_for(db, current)
unit_labels = {u.code: unit_label(u) for u in units}


def unit_settings(key: Callable[[str], str], unit: catalogue.UnitRow | None = None) -> dict[str, Any]:
    """Inside the create or the edit form: a unit's kind, parent, chapter, controls and advance limit,
    as ``create_unit``/``update_unit`` take them, set on ``unit``'s when editing it (else on a new
    subunit's); ``key`` names each field's widget."""
    if unit is None:
        kind, parent, chapter, control, phased, limit = "subunit", None, "", CONTROL_MODES[0], PHASED_MODES[0], 50
    else:
        kind, parent, chapter = unit.kind, unit.parent_code, unit.chapter_code or ""
        control, phased, limit = unit.commitment_control, unit.phased_control, int(unit.advance_limit_pct)
    a, b, c = st.columns(3)
    kind = a.selectbox(
        t("ui.unit_kind"), UNIT_KINDS, index=UNIT_KINDS.index(kind) if kind in UNIT_KINDS else 0, format_func=kind_label, key=key("kind")
    )
    # A unit is not its own parent.
    parent = unit_picker(unit_labels, key("parent"), "ui.parent_unit", value=parent, leave_out=unit and unit.code, where=b)
    # The chapter's format is explained where a unit is created; an edit shows the one it has.
    chapter = c.text_input(t("ui.chapter"), value=chapter, key=key("chapter"), help=None if unit else t("ui.chapter_help"))
    a, b = st.columns(2)
    control = a.selectbox(
        t("ui.commitment_control"), CONTROL_MODES, index=CONTROL_MODES.index(control), format_func=control_label, key=key("control")
    )
    phased = a.selectbox(t("ui.phased_control"), PHASED_MODES, index=PHASED_MODES.index(phased), format_func=phased_label, key=key("phased"))
    limit = b.number_input(t("ui.advance_limit"), min_value=0, max_value=100, value=limit, step=1, key=key("advance"))
    return {
        "kind": kind, "parent_code": parent or None, "chapter_code": chapter or None,
        "commitment_control": control, "phased_control": phased, "advance_limit_pct": int(limit),
    }


tab_units, tab_years, tab_policies, tab_codes = st.tabs(
    [t("ui.tab_units"), t("ui.tab_years"), t("ui.tab_policies"), t("ui.tab_codes")]
)

# --- units --------------------------------------------------------------------------------------
with tab_units:
    st.dataframe(
        [
            {
                t("ui.unit_code"): u.code,
                t("ui.unit_name"): "\u2003" * u.depth + u.name,
                t("ui.unit_kind"): kind_label(u.kind),
                t("ui.parent_unit"): u.parent_code or "",
                t("ui.chapter"): u.chapter_code or "",
                t("ui.commitment_control"): control_label(u.commitment_control),
                t("ui.advance_limit"): f"{u.advance_limit_pct} %",
            }
            for u in units
        ],
        hide_index=True,
        key="units_table",
    )

    st.subheader(t("ui.create_unit"))
    with st.form("create_unit_form"):
        a, b = st.columns([1, 3])
        code = a.text_input(t("ui.unit_code"), key="unit_code")
        name = b.text_input(t("ui.unit_name"), key="unit_name")
        new_settings = unit_settings(lambda field: f"unit_{field}")
        create_clicked = st.form_submit_button(t("ui.create_unit_submit"), type="primary", key="unit_submit")
    if create_clicked:
        created = attempt(lambda: create_unit(db, current, code=code, name=name, **new_settings))
        if created is not None:
            clear_inputs("unit_code", "unit_name", "unit_chapter")
            flash_and_rerun(t("ui.unit_created", code=created.code))

    st.subheader(t("ui.edit_unit"))
    chosen = st.selectbox(
        t("ui.choose_unit"),
        list(unit_labels),
        index=None,
        format_func=unit_labels.get,
        placeholder=t("ui.choose_unit_hint"),
        key="edit_unit",
    )
    if chosen is not None:
        unit = next(u for u in units if u.code == chosen)
        with st.form(f"edit_unit_form_{chosen}"):
            new_name = st.text_input(t("ui.unit_name"), value=unit.name, key=f"edit_unit_name_{chosen}")
            changes = unit_settings(lambda field: f"edit_unit_{field}_{chosen}", unit)
            edit_clicked = st.form_submit_button(t("ui.save_changes"), type="primary", key=f"edit_unit_submit_{chosen}")
        if edit_clicked:
            changed = attempt(lambda: update_unit(db, current, chosen, name=new_name, **changes))
            if changed is not None:
                flash_and_rerun(t("ui.unit_updated", code=chosen))

# --- fiscal years -------------------------------------------------------------------------------
with tab_years:
    years = [(y.year, y.is_open) for y in catalogue.fiscal_years(db)]
    for year, is_open in years:
        a, b = st.columns([3, 1])
        a.markdown(f"**{year}** · {t('ui.year_open') if is_open else t('ui.year_closed')}")
        if is_open:  # a year closes only by the year-end run, with its carry-overs and cancellations
            b.page_link("pages/year_end.py", label=t("ui.close_year"), icon=":material/event_available:")
            continue
        with b.popover(t("ui.reopen_year")):  # and reopens only by a decision, with its reason
            decision = st.text_input(t("ui.decision_no"), key=f"reopen_decision_{year}")
            reason = st.text_input(t("ui.reason"), key=f"reopen_reason_{year}")
            if st.button(t("ui.reopen_year"), key=f"year_toggle_{year}"):
                done = attempt(lambda year=year, decision=decision, reason=reason: reopen_year(db, current, year, decision, reason))
                if done is not None:
                    flash_and_rerun(t("ui.year_reopened_done", year=year))
    with st.form("open_year_form"):
        next_year = max((y for y, _ in years), default=year_choices(db)[0] - 1) + 1
        new_year = st.number_input(
            t("ui.new_year"), min_value=2000, max_value=2100, value=min(next_year, 2100), step=1, key="new_year"
        )
        open_clicked = st.form_submit_button(t("ui.open_year"), type="primary", key="open_year_submit")
    if open_clicked:
        opened = attempt(lambda: open_year(db, current, int(new_year)))
        if opened is not None:
            flash_and_rerun(t("ui.year_opened_done", year=int(new_year)))

# --- policies -----------------------------------------------------------------------------------
with tab_policies:
    policies = [(p.code, p.name, p.owner_unit_code) for p in catalogue.policies(db, current)]
    st.dataframe([{t("ui.policy_code"): c, t("ui.policy_name"): n, t("ui.owner_unit"): o} for c, n, o in policies], hide_index=True, key="policies_table")
    st.subheader(t("ui.create_policy"))
    with st.form("create_policy_form"):
        a, b = st.columns([1, 3])
        policy_code = a.text_input(t("ui.policy_code"), key="policy_code")
        policy_name = b.text_input(t("ui.policy_name"), key="policy_name")
        owner = st.selectbox(t("ui.owner_unit"), list(unit_labels), format_func=unit_labels.get, key="policy_owner")
        policy_clicked = st.form_submit_button(t("ui.create_policy_submit"), type="primary", key="policy_submit")
    if policy_clicked:
        created_policy = attempt(lambda: create_policy(db, current, policy_code, policy_name, owner or ""))
        if created_policy is not None:
            clear_inputs("policy_code", "policy_name")
            flash_and_rerun(t("ui.policy_created", code=created_policy.code))

# --- budget classification ----------------------------------------------------------------------
with tab_codes:
    code_years = year_choices(db)
    code_year = st.selectbox(t("ui.year"), code_years, key="codes_year")
    st.caption(t("ui.codes_read_only"))
    sectors = [(c.code, c.label) for c in catalogue.budget_codes(db, "sector", code_year)]
    sub_items = [(c.code, c.label) for c in catalogue.budget_codes(db, "sub_item", code_year)]
    a, b = st.columns(2)
    with a:
        st.markdown(f"**{t('ui.sector_code')}**")
        st.dataframe(
            [{t("ui.code"): c, t("ui.label"): label} for c, label in sectors], hide_index=True, key="codes_sector"
        )
    with b:
        st.markdown(f"**{t('ui.sub_item')}**")
        st.dataframe(
            [{t("ui.code"): c, t("ui.label"): label} for c, label in sub_items], hide_index=True, key="codes_sub_item"
        )
