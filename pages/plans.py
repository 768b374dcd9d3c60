"""Kế hoạch truyền thông / Communication plans: a policy's timeline, comments, plans and activities
with planned vs committed vs paid; leaders approve drafts and see Decision 407's target."""

from __future__ import annotations

import streamlit as st

from ledger.domain import clock, codes
from ledger.domain.formatting import format_date
from ledger.reports.plan_charts import policy_timeline
from ledger.reports.plans import PlanRow, policy_page
from ledger.services.plans import approve_plan
from pages.common import (
    amount_column,
    attempt,
    flash_and_rerun,
    is_officer,
    lang,
    money,
    policies_for,
    t,
    yes_no,
)
from pages.parts import plan_coverage
from pages.parts.plan_forms import new_plan_form, officer_actions
from pages.parts.screen import open_screen

current, db = open_screen("ui.page_plans")
leader = current.role == "leader"


def stage_table(page) -> None:
    amounts = {"ui.plans_planned": "planned", "ui.plans_committed": "committed", "ui.plans_paid": "paid"}
    st.dataframe(
        [
            {t("ui.plans_stage"): codes.label(codes.POLICY_STAGES, m.stage, lang())} | {t(key): money(getattr(m, name)) for key, name in amounts.items()}
            for m in page.stage_money
        ],
        hide_index=True,
        column_config={t(key): amount_column(t(key)) for key in amounts},
        key="plans_stage_money",
    )


def activities_table(plan: PlanRow) -> None:
    if not plan.activities:
        st.caption(t("ui.plans_no_activities"))
        return
    amounts = ("ui.plans_planned", "ui.plans_committed", "ui.plans_paid")
    st.dataframe(
        [
            {
                t("ui.plans_activity"): a.code,
                t("ui.plans_stage"): codes.label(codes.POLICY_STAGES, a.stage, lang()),
                t("ui.plans_content"): a.content,
                t("ui.plans_channel"): codes.label(codes.CHANNELS, a.channel, lang()),
                t("ui.plans_audience"): a.audience,
                t("ui.plans_dates"): f"{format_date(a.start_on)} – {format_date(a.end_on)}",
                t("ui.line"): a.line_code or "",
                t(amounts[0]): money(a.estimated_cost),
                t(amounts[1]): money(a.committed),
                t(amounts[2]): money(a.paid),
                t("ui.plans_done"): yes_no(a.done),
            }
            for a in plan.activities
        ],
        hide_index=True,
        column_config={t(key): amount_column(t(key)) for key in amounts},
        key=f"plan_activities_{plan.id}",
    )


def approve_form(plan: PlanRow) -> None:
    """The one write leaders have: approve a draft, with its decision number and date."""
    with st.form(key=f"approve_form_{plan.id}"):
        decision = st.text_input(t("ui.plans_decision_no"), value=plan.decision_no or "", key=f"approve_decision_{plan.id}")
        when = st.date_input(t("ui.plans_approved_on"), value=clock.today(), max_value=clock.today(), format="DD/MM/YYYY", key=f"approve_on_{plan.id}")
        if st.form_submit_button(t("ui.plans_approve"), key=f"approve_{plan.id}"):
            done = attempt(lambda: approve_plan(db, current, plan.id, decision_no=decision, approved_on=when))
            if done is not None:
                flash_and_rerun(t("ui.plans_approved", plan=plan.code, version=plan.version))


def plan_block(plan: PlanRow) -> None:
    status = codes.label(codes.PLAN_STATUSES, plan.status, lang())
    heading = t("ui.plans_plan_heading", code=plan.code, year=plan.year, version=plan.version, title=plan.title, status=status)
    with st.expander(heading, expanded=plan.current):
        details = [t("ui.plans_unit_is", unit=plan.unit_code)]
        if plan.decision_no:
            details.append(t("ui.plans_decision_is", decision=plan.decision_no))
        if plan.approved_on:
            details.append(t("ui.plans_approved_is", date=format_date(plan.approved_on), by=plan.approved_by or ""))
        if not plan.current:
            details.append(t("ui.plans_not_current"))
        st.caption(" · ".join(details))
        columns = st.columns(3)
        for column, (key, amount) in zip(columns, (("ui.plans_planned", plan.estimated), ("ui.plans_committed", plan.committed), ("ui.plans_paid", plan.paid)), strict=True):
            column.metric(t(key), money(amount))
        for flag in plan.shortfalls:
            st.warning(t("ui.plans_shortfall", line=flag.line_code, need=money(flag.need), available=money(flag.available), short=money(flag.short)))
        activities_table(plan)
        if leader and "approve" in plan.actions:
            approve_form(plan)
        if is_officer(current):
            officer_actions(db, current, plan)


if leader:
    plan_coverage.render(db, current)

policies = policies_for(db, current)
if not policies:
    st.info(t("ui.plans_no_policies"))
    st.stop()
code = st.selectbox(t("ui.policy"), list(policies), format_func=lambda c: f"{c} – {policies[c]}", key="plans_policy")
page = attempt(lambda: policy_page(db, current, code))
if page is None:
    st.stop()

profile = page.profile
facts = [
    t("ui.plans_owner_is", unit=profile.owner_unit_code),
    t("ui.plans_document_is", kind=codes.label(codes.DOCUMENT_TYPES, profile.document_type, lang()) or "—"),
    t("ui.plans_407_is", flag=t("ui.plans_yes") if profile.large_impact else t("ui.plans_no") if profile.large_impact is False else "—"),
    t("ui.plans_stage_is", stage=codes.label(codes.POLICY_STAGES, profile.current_stage, lang()) or "—"),
]
st.caption(" · ".join(facts))

st.subheader(t("ui.plans_timeline"))
if profile.spans or any(p.activities for p in page.plans):
    st.plotly_chart(policy_timeline(page, lang()), key="plans_timeline")
else:
    st.caption(t("ui.plans_no_dates"))
stage_table(page)

st.subheader(t("ui.plans_comments"))
if page.comments:
    st.dataframe(
        [
            {t("ui.date"): format_date(c.date), t("ui.plans_unit"): c.unit_code, t("ui.plans_comment"): c.comment, t("ui.plans_response"): c.response or ""}
            for c in page.comments
        ],
        hide_index=True,
        key="plans_comments",
    )
else:
    st.caption(t("ui.plans_no_comments"))

st.subheader(t("ui.plans_plans"))
if not page.plans:
    st.caption(t("ui.plans_none"))
for plan in page.plans:
    plan_block(plan)
if is_officer(current):
    new_plan_form(db, current, profile.code)
