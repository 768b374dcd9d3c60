"""Render helpers of the report screen: the four sections previewed, the consolidation of the units
below (table, pictures, receipt) and the packages received. Everything comes from ``ledger``."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from ledger.domain import codes
from ledger.domain.formatting import format_date, format_datetime
from ledger.reports.ministry import charts
from ledger.reports.ministry.consolidation import Report, packages_received
from ledger.services import report as service
from ledger.store.access import Actor
from ledger.store.db import Database
from pages.common import amount_column, attempt, code_label, flash_and_rerun, lang, money, t, yes_no


def _metrics(figures: dict, labels: dict[str, str]) -> None:
    """One row of metrics: each figure named in ``labels`` (figure → text key), side by side."""
    for column, (name, label) in zip(st.columns(len(labels)), labels.items(), strict=True):
        column.metric(t(label), figures[name])


def sections(rep: Report) -> None:
    """The four sections of the report, as the .docx writes them."""
    s, p, m = rep.figures["staff"], rep.figures["process"], rep.figures["money"]
    st.subheader(t("ui.rp_section_staff"))
    _metrics(s, {"people": "ui.rp_people", "dedicated": "ui.rp_dedicated", "trained_policy": "ui.rp_trained_policy", "trained_crisis": "ui.rp_trained_crisis"})
    if s["without_spokesperson"]:
        st.caption(t("ui.rp_without_spokesperson", units=", ".join(s["without_spokesperson"])))
    st.subheader(t("ui.rp_section_process"))
    _metrics(p, {"policies": "ui.rp_policies", "large_impact": "ui.rp_large_impact", "with_plan": "ui.rp_with_plan", "from_proposal": "ui.rp_from_proposal"})
    st.caption(t("ui.rp_activities", planned=p["activities"], done=p["activities_done"], cost=money(p["planned_cost"]), paid=money(p["paid"])))
    st.subheader(t("ui.rp_section_money"))
    names = {"estimate": t("ui.rp_estimate"), "allocated": t("ui.rp_allocated"), "committed": t("ui.rp_committed"), "paid": t("ui.rp_paid"), "available": t("ui.rp_available")}
    frame = pd.DataFrame({
        t("ui.category"): [code_label(codes.CATEGORIES, r["category"]) for r in m["rows"]] + [t("ui.rp_total")],
        t("ui.source"): [r["source"] for r in m["rows"]] + [""],
        **{label: [money(r[n]) for r in m["rows"]] + [money(m["total"][n])] for n, label in names.items()},
    })
    st.dataframe(frame, hide_index=True, width="stretch", column_config={label: amount_column(label) for label in names.values()})
    if m["top_agencies"]:
        st.caption(t("ui.rp_top_agencies", share=m["top_five_share"], names=", ".join(a["name"] for a in m["top_agencies"])))
    st.subheader(t("ui.rp_section_texts"))
    st.markdown(f"**{t('ui.rp_difficulties')}**\n\n{rep.settings.difficulties or '…'}")
    st.markdown(f"**{t('ui.rp_proposals')}**\n\n{rep.settings.proposals or '…'}")


def consolidation(db: Database, current: Actor, rep: Report) -> None:
    """One row per unit below: its state, submission date, figures and a mark where they changed."""
    children = [c for c in rep.children if not c.own]
    st.metric(t("ui.rp_submitted_count"), f"{rep.submitted}/{len(children)}")
    frame = pd.DataFrame({
        t("ui.rp_unit"): [f"{c.code} – {c.name}" for c in rep.children],
        t("ui.rp_state"): [code_label(codes.REPORT_STATES, c.state) if c.state else t("ui.rp_own") for c in rep.children],
        t("ui.rp_submitted_on"): [format_date(c.submitted_at.date()) if c.submitted_at else "" for c in rep.children],
        t("ui.rp_people"): [c.figures["people"] for c in rep.children],
        t("ui.rp_spokesperson"): [yes_no(bool(c.figures["spokesperson"])) for c in rep.children],
        t("ui.rp_committed"): [money(c.figures["committed"]) for c in rep.children],
        t("ui.rp_paid"): [money(c.figures["paid"]) for c in rep.children],
        t("ui.rp_changed"): ["⚠" if c.changed else "" for c in rep.children],
    })
    total = {t("ui.rp_unit"): t("ui.rp_total"), t("ui.rp_people"): rep.total["people"], t("ui.rp_committed"): money(rep.total["committed"]), t("ui.rp_paid"): money(rep.total["paid"])}
    frame = pd.concat([frame, pd.DataFrame([total])], ignore_index=True).fillna("")
    st.dataframe(frame, hide_index=True, width="stretch", key="rp_consolidation",
                 column_config={t("ui.rp_committed"): amount_column(t("ui.rp_committed")), t("ui.rp_paid"): amount_column(t("ui.rp_paid"))})
    if any(c.changed for c in children):
        st.caption(t("ui.rp_changed_hint"))
    c1, c2 = st.columns(2)
    c1.plotly_chart(charts.states_chart(rep, lang()), key="rp_states")
    c2.plotly_chart(charts.share_chart(rep, lang()), key="rp_share")
    st.plotly_chart(charts.spending_chart(rep, lang()), key="rp_spending")
    waiting = [c for c in children if c.state in ("DA_NOP", "NOP_MUON")]
    if current.role == "leader" and waiting:
        with st.form("rp_receive_form"):
            picked = st.selectbox(t("ui.rp_receive_pick"), [c.code for c in waiting], format_func={c.code: f"{c.code} – {c.name}" for c in waiting}.get, key="rp_receive_pick")
            if st.form_submit_button(t("ui.rp_receive")) and attempt(lambda: service.receive(db, current, picked, rep.year)) is not None:
                flash_and_rerun(t("ui.rp_received", unit=picked))


def packages(db: Database, current: Actor, year: int) -> None:
    found = attempt(lambda: packages_received(db, current, year)) or []
    st.subheader(t("ui.rp_packages"))
    if not found:
        st.caption(t("ui.rp_no_packages"))
        return
    st.dataframe(pd.DataFrame({
        t("ui.rp_unit"): [p.unit_code for p in found], t("ui.rp_version"): [p.version for p in found],
        t("ui.rp_received_at"): [format_datetime(p.received_at) for p in found], t("ui.rp_received_by"): [p.received_by for p in found],
        t("ui.rp_fingerprint"): [p.fingerprint for p in found], t("ui.rp_content_hash"): [p.content_hash[:16] for p in found],
    }), hide_index=True, width="stretch")
