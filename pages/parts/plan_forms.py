"""The officers' forms of the plans screen: a new draft plan, an activity of a draft, and the actions
the rulebook allows on a plan (``PlanRow.actions``: a new version, completed, cancelled). The
services check the role, the unit and every rule again on each write."""

from __future__ import annotations

import streamlit as st

from ledger.domain import codes
from ledger.queries.lines import LineFilters, list_lines
from ledger.reports.plans import PlanRow
from ledger.services import plans as plan_service
from ledger.store.access import Actor
from ledger.store.db import Database
from pages.common import attempt, date_in_year, flash_and_rerun, lang, optional, select_year, t, unit_label, units_for

# The actions an officer takes on a plan: the button's text and the service.
OFFICER_ACTIONS = {
    "new_version": ("ui.plans_do_new_version", plan_service.new_plan_version),
    "complete": ("ui.plans_do_complete", plan_service.complete_plan),
    "cancel": ("ui.plans_do_cancel", plan_service.cancel_plan),
}


def new_plan_form(db: Database, current: Actor, policy_code: str) -> None:
    with st.expander(t("ui.plans_new_plan")):
        units = units_for(db, current)
        with st.form(key="plan_new_form", clear_on_submit=False):
            code = st.text_input(t("ui.plans_plan_code"), key="plan_new_code")
            year = select_year(db, key="plan_new_year")
            unit = st.selectbox(t("ui.plans_unit"), [u.code for u in units], format_func={u.code: unit_label(u) for u in units}.get, key="plan_new_unit")
            title = st.text_input(t("ui.plans_plan_title"), key="plan_new_title")
            decision = st.text_input(t("ui.plans_decision_no"), key="plan_new_decision")
            if st.form_submit_button(t("ui.plans_create"), key="plan_new_submit"):
                made = attempt(lambda: plan_service.create_plan(db, current, code=code, year=year, unit_code=unit, policy=policy_code, title=title, decision_no=decision or None))
                if made is not None:
                    flash_and_rerun(t("ui.plans_created", plan=made.code))


def activity_form(db: Database, current: Actor, plan: PlanRow) -> None:
    """Add an activity to a draft: its line is one of the plan's unit tree in the plan's year."""
    lines = {row.code: f"{row.code} – {row.description}" for row in list_lines(db, current, LineFilters(year=plan.year, unit_code=plan.unit_code))}
    stages, channels = codes.POLICY_STAGES, codes.CHANNELS
    with st.form(key=f"activity_form_{plan.id}"):
        st.caption(t("ui.plans_new_activity"))
        left, right = st.columns(2)
        code = left.text_input(t("ui.plans_activity"), key=f"act_code_{plan.id}")
        stage = right.selectbox(t("ui.plans_stage"), list(stages), format_func=lambda c: codes.label(stages, c, lang()), key=f"act_stage_{plan.id}")
        content = st.text_input(t("ui.plans_content"), key=f"act_content_{plan.id}")
        channel = left.selectbox(t("ui.plans_channel"), list(channels), format_func=lambda c: codes.label(channels, c, lang()), key=f"act_channel_{plan.id}")
        audience = right.text_input(t("ui.plans_audience"), key=f"act_audience_{plan.id}")
        bounds = date_in_year(plan.year)
        start = left.date_input(t("ui.plans_from"), format="DD/MM/YYYY", key=f"act_start_{plan.id}", **bounds)
        end = right.date_input(t("ui.plans_to"), format="DD/MM/YYYY", key=f"act_end_{plan.id}", **bounds)
        cost = left.text_input(t("ui.plans_planned"), key=f"act_cost_{plan.id}")
        line = right.selectbox(t("ui.line"), ["", *lines], format_func=optional(lines), key=f"act_line_{plan.id}")
        if st.form_submit_button(t("ui.plans_add_activity"), key=f"act_submit_{plan.id}"):
            data = {"stage": stage, "content": content, "channel": channel, "audience": audience, "start_on": start, "end_on": end, "estimated_cost": cost, "line": line or None}
            made = attempt(lambda: plan_service.add_activity(db, current, plan.id, code=code, **data))
            if made is not None:
                flash_and_rerun(t("ui.plans_activity_added", activity=made.code, plan=plan.code))


def officer_actions(db: Database, current: Actor, plan: PlanRow) -> None:
    """One button per action the plan's status allows an officer."""
    offered = [action for action in plan.actions if action in OFFICER_ACTIONS]
    for column, action in zip(st.columns(max(1, len(offered))), offered, strict=False):
        text, service = OFFICER_ACTIONS[action]
        if column.button(t(text), key=f"plan_{action}_{plan.id}"):
            done = attempt(lambda service=service: service(db, current, plan.id))
            if done is not None:
                flash_and_rerun(t("ui.plans_done_action", plan=plan.code, version=done.version, status=codes.label(codes.PLAN_STATUSES, done.status, lang())))
    if "add_activity" in plan.actions:
        activity_form(db, current, plan)
