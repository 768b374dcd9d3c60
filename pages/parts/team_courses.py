"""The attendance list of a course on the team screen: pick a course of the year, see its figures
(the list, when it has one, gives the participant count and the cost per participant), set its
topic, add participants, record who completed it and their certificate."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from ledger.domain import codes
from ledger.domain.formatting import format_date
from ledger.queries import team as reads
from ledger.services import team
from ledger.store.access import Actor
from ledger.store.db import Database
from pages.common import attempt, clear_inputs, code_label, flash_and_rerun, is_officer, money, optional, select_year, t


def _topic(db: Database, current: Actor, course: reads.CourseRow) -> None:
    labels = {c: code_label(codes.COURSE_TOPICS, c) for c in codes.COURSE_TOPICS}
    options = ["", *labels]
    picked = st.selectbox(t("ui.team_topic"), options, index=options.index(course.topic or ""), format_func=optional(labels), key=f"tm_topic_{course.id}")
    if st.button(t("ui.team_topic_save"), key=f"tm_topic_save_{course.id}"):
        if attempt(lambda: team.set_course_topic(db, current, course.id, picked or None)) is not None:
            flash_and_rerun(t("ui.team_topic_saved", reference=course.reference))


def _add(db: Database, current: Actor, course: reads.CourseRow, listed: set[str]) -> None:
    people = {m.code: f"{m.code} – {m.full_name} ({m.unit_code})" for m in reads.members(db, current) if m.code not in listed}
    with st.form(f"tm_add_participant_{course.id}"):
        st.markdown(f"**{t('ui.team_add_participant')}**")
        c1, c2, c3 = st.columns([3, 1, 2])
        member = c1.selectbox(t("ui.team_person"), ["", *people], format_func=optional(people), key="tm_p_member")
        completed = c2.checkbox(t("ui.team_completed"), key="tm_p_completed")
        certificate = c3.text_input(t("ui.team_certificate"), key="tm_p_certificate")
        if st.form_submit_button(t("ui.team_add_participant")):
            if attempt(lambda: team.add_participant(db, current, course.id, member or None, completed, certificate)) is not None:
                clear_inputs("tm_p_member", "tm_p_completed", "tm_p_certificate")
                flash_and_rerun(t("ui.team_participant_added", code=member, reference=course.reference))


def _mark(db: Database, current: Actor, rows: list[reads.ParticipantRow]) -> None:
    by_id = {r.id: r for r in rows}
    with st.form("tm_mark_form"):
        st.markdown(f"**{t('ui.team_mark')}**")
        c1, c2, c3 = st.columns([3, 1, 2])
        picked = c1.selectbox(t("ui.team_participant"), list(by_id), format_func=lambda i: f"{by_id[i].member_code} – {by_id[i].full_name}", key="tm_m_pick")
        completed = c2.checkbox(t("ui.team_completed"), value=True, key="tm_m_completed")
        certificate = c3.text_input(t("ui.team_certificate"), key="tm_m_certificate")
        if st.form_submit_button(t("ui.team_mark")):
            if attempt(lambda: team.set_completion(db, current, picked, completed, certificate)) is not None:
                clear_inputs("tm_m_certificate")
                flash_and_rerun(t("ui.team_marked", code=by_id[picked].member_code))


def render(db: Database, current: Actor) -> None:
    c1, c2 = st.columns([1, 3])
    with c1:
        year = select_year(db, key="tm_year")
    found = attempt(lambda: reads.courses(db, current, year)) or []
    if not found:
        st.info(t("ui.team_no_course"))
        return
    by_id = {c.id: c for c in found}
    with c2:
        picked = st.selectbox(t("ui.team_course"), list(by_id), format_func=lambda i: f"{by_id[i].reference} – {by_id[i].title} ({by_id[i].unit_code})", key="tm_course")
    course = by_id[picked]
    st.caption(
        f"{code_label(codes.COMMITMENT_STATUSES, course.status)} · {format_date(course.start_date)} – {format_date(course.end_date)}"
        f" · {code_label(codes.COURSE_TOPICS, course.topic) or '—'}"
    )
    m = st.columns(4)
    m[0].metric(t("ui.team_listed"), course.listed)
    m[1].metric(t("ui.team_completed_count"), course.completed)
    m[2].metric(t("ui.team_participants"), course.participants if course.participants is not None else "–")
    m[3].metric(t("ui.team_cost_per"), money(course.cost_per_participant) if course.cost_per_participant is not None else "–")
    rows = attempt(lambda: reads.attendance(db, current, course.id)) or []
    if rows:
        st.dataframe(
            pd.DataFrame(
                {
                    t("ui.team_code"): [r.member_code for r in rows],
                    t("ui.team_name"): [r.full_name for r in rows],
                    t("ui.unit"): [r.unit_code for r in rows],
                    t("ui.team_completed"): ["✓" if r.completed else "" for r in rows],
                    t("ui.team_certificate"): [r.certificate_no for r in rows],
                }
            ),
            hide_index=True,
            width="stretch",
        )
    else:
        st.caption(t("ui.team_no_participants", n=course.declared or 0))
    if is_officer(current) and course.status != "cancelled":
        _topic(db, current, course)
        _add(db, current, course, {r.member_code for r in rows})
        if rows:
            _mark(db, current, rows)
