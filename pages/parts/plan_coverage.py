"""The leaders' figure of Decision 407 (every large-impact policy communicated from the proposal
stage): the share of such policies in scope with a plan that started there, and the list of those
without one. Shown on the plans screen and on the leaders' dashboard, from ``coverage_407``."""

from __future__ import annotations

import streamlit as st

from ledger.domain import codes
from ledger.reports.plans import coverage_407
from ledger.store.access import Actor
from ledger.store.db import Database
from pages.common import lang, t


def render(db: Database, current: Actor, key: str = "plans_407_gaps") -> None:
    figures = coverage_407(db, current)
    st.subheader(t("ui.plans_407_title"))
    share = "—" if figures.share is None else f"{figures.share * 100:.0f} %".replace(".", ",")
    left, right = st.columns(2)
    left.metric(t("ui.plans_407_share"), share)
    right.metric(t("ui.plans_407_count"), f"{figures.covered}/{figures.policies}")
    if figures.gaps:
        st.caption(t("ui.plans_407_gaps"))
        st.dataframe(
            [
                {
                    t("ui.policy"): f"{g.code} – {g.name}",
                    t("ui.plans_owner"): g.owner_unit_code,
                    t("ui.plans_current_stage"): codes.label(codes.POLICY_STAGES, g.current_stage, lang()),
                    t("ui.plans_first_stage"): codes.label(codes.POLICY_STAGES, g.first_stage, lang()) or t("ui.plans_no_plan"),
                }
                for g in figures.gaps
            ],
            hide_index=True,
            key=key,
        )
