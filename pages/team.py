"""Đội ngũ truyền thông / Communication team: the register of people in communication assignments
(search, filter by unit, role and day; add an assignment, end one; a person's history and courses),
the attendance list of each course, and the coverage of the team for leaders.

Officers write for their scope; leaders and auditors read; administrators see a sentence only (the
services and reads refuse them too). Everything shown comes from ``ledger``; nothing opens a session.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from ledger.domain import clock, codes
from ledger.domain.formatting import format_date
from ledger.queries import team as reads
from ledger.services import team
from pages.common import (
    attempt,
    clear_inputs,
    code_label,
    database,
    flash_and_rerun,
    is_officer,
    optional,
    require_actor,
    show_flash,
    t,
    unit_label,
    units_for,
)
from pages.parts import team_courses, team_coverage

DATE_FORMAT = "DD/MM/YYYY"
ADD_KEYS = ("tm_code", "tm_name", "tm_position", "tm_decision")


def assignment_table(rows: list[reads.AssignmentRow]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            t("ui.team_code"): [r.member_code for r in rows],
            t("ui.team_name"): [r.full_name for r in rows],
            t("ui.unit"): [r.unit_code for r in rows],
            t("ui.team_position"): [r.position for r in rows],
            t("ui.team_role"): [code_label(codes.STAFF_ROLES, r.role) for r in rows],
            t("ui.team_mode"): [code_label(codes.ASSIGNMENT_MODES, r.mode) for r in rows],
            t("ui.team_from"): [format_date(r.start_date) for r in rows],
            t("ui.team_to"): [format_date(r.end_date) if r.end_date else "" for r in rows],
            t("ui.team_decision"): [r.decision for r in rows],
        }
    )


def codes_box(label: str, labels: codes.Labels, key: str, *, blank: bool = False) -> str:
    options = ["", *labels] if blank else list(labels)
    return st.selectbox(label, options, format_func=optional({c: code_label(labels, c) for c in labels}), key=key)


def add_form(db, current, units) -> None:
    with st.expander(t("ui.team_add")):
        st.caption(t("ui.team_add_hint"))
        with st.form("tm_add_form"):
            c1, c2, c3 = st.columns(3)
            code = c1.text_input(t("ui.team_code"), key="tm_code")
            name = c2.text_input(t("ui.team_name"), key="tm_name")
            unit = c3.selectbox(t("ui.unit"), [u.code for u in units], format_func={u.code: unit_label(u) for u in units}.get, key="tm_unit")
            c1, c2, c3 = st.columns(3)
            position = c1.text_input(t("ui.team_position"), key="tm_position")
            with c2:
                role = codes_box(t("ui.team_role"), codes.STAFF_ROLES, "tm_role")
            with c3:
                mode = codes_box(t("ui.team_mode"), codes.ASSIGNMENT_MODES, "tm_mode")
            c1, c2 = st.columns(2)
            start = c1.date_input(t("ui.team_from"), value=clock.today(), format=DATE_FORMAT, key="tm_start")
            decision = c2.text_input(t("ui.team_decision"), key="tm_decision")
            if st.form_submit_button(t("ui.team_add")):
                done = attempt(lambda: team.record_staff_row(db, current, code, name, unit, role, mode, start, None, position, decision))
                if done is not None:
                    clear_inputs(*ADD_KEYS)
                    flash_and_rerun(t("ui.team_added", code=code.strip(), role=code_label(codes.STAFF_ROLES, role)))


def end_form(db, current, open_rows: list[reads.AssignmentRow]) -> None:
    with st.expander(t("ui.team_end")):
        if not open_rows:
            st.caption(t("ui.team_no_open"))
            return
        by_id = {r.id: r for r in open_rows}
        with st.form("tm_end_form"):
            picked = st.selectbox(
                t("ui.team_end_pick"), list(by_id), key="tm_end_pick",
                format_func=lambda i: f"{by_id[i].member_code} – {by_id[i].full_name} · {by_id[i].unit_code} · "
                f"{code_label(codes.STAFF_ROLES, by_id[i].role)} ({format_date(by_id[i].start_date)})",
            )
            end = st.date_input(t("ui.team_end_date"), value=clock.today(), format=DATE_FORMAT, key="tm_end_date")
            if st.form_submit_button(t("ui.team_end")):
                if attempt(lambda: team.end_assignment(db, current, picked, end)) is not None:
                    flash_and_rerun(t("ui.team_ended", code=by_id[picked].member_code, date=format_date(end)))


def history(db, current, rows: list[reads.AssignmentRow]) -> None:
    st.subheader(t("ui.team_history"))
    people = dict.fromkeys(r.member_code for r in rows)
    names = {r.member_code: f"{r.member_code} – {r.full_name}" for r in rows}
    code = st.selectbox(t("ui.team_person"), ["", *people], format_func=optional(names), key="tm_person")
    if not code:
        return
    found = attempt(lambda: reads.member_history(db, current, code))
    if found is None:
        return
    st.markdown(f"**{t('ui.team_assignments')}**")
    st.dataframe(assignment_table(list(found.assignments)), hide_index=True, width="stretch")
    st.markdown(f"**{t('ui.team_courses_of')}**")
    if not found.courses:
        st.caption(t("ui.team_no_courses"))
        return
    st.dataframe(
        pd.DataFrame(
            {
                t("ui.team_course"): [f"{c.reference} ({c.year})" for c in found.courses],
                t("ui.description"): [c.title for c in found.courses],
                t("ui.team_topic"): [code_label(codes.COURSE_TOPICS, c.topic) for c in found.courses],
                t("ui.team_to"): [format_date(c.end_date) if c.end_date else "" for c in found.courses],
                t("ui.team_completed"): ["✓" if c.completed else "" for c in found.courses],
                t("ui.team_certificate"): [c.certificate_no for c in found.courses],
            }
        ),
        hide_index=True,
        width="stretch",
    )


def register(db, current) -> None:
    units = units_for(db, current)
    c1, c2, c3, c4 = st.columns([2, 2, 2, 2])
    search = c1.text_input(t("ui.team_search"), key="tm_search")
    unit = c2.selectbox(t("ui.unit"), ["", *(u.code for u in units)], format_func=optional({u.code: unit_label(u) for u in units}), key="tm_filter_unit")
    with c3:
        role = codes_box(t("ui.team_role"), codes.STAFF_ROLES, "tm_filter_role", blank=True)
    with c4:
        only_active = st.checkbox(t("ui.team_only_active"), value=True, key="tm_only_active")
        day = st.date_input(t("ui.team_on_date"), value=clock.today(), format=DATE_FORMAT, key="tm_day", disabled=not only_active)
    rows = attempt(lambda: reads.register(db, current, search=search, unit_code=unit or None, role=role or None, active_on=day if only_active else None))
    if rows is None:
        return
    st.caption(t("ui.team_count", n=len(rows)))
    if rows:
        st.dataframe(assignment_table(rows), hide_index=True, width="stretch")
    else:
        st.info(t("ui.team_empty"))
    if is_officer(current):
        add_form(db, current, units)
        everyone = reads.register(db, current)
        end_form(db, current, [r for r in everyone if r.end_date is None])
    history(db, current, rows)


current = require_actor()
db = database()
st.title(t("ui.page_team"))
if current.role == "admin":
    st.info(t("team.admin_none"))
    st.stop()
show_flash()

sections = {"ui.team_tab_register": register, "ui.team_tab_courses": team_courses.render, "ui.team_tab_coverage": team_coverage.render}
order = list(sections) if is_officer(current) else ["ui.team_tab_coverage", "ui.team_tab_register", "ui.team_tab_courses"]
# A radio, not tabs: it keeps its choice across the reruns a write or a flash message causes.
section = st.radio(t("ui.team_section"), order, format_func=t, horizontal=True, label_visibility="collapsed", key="tm_section")
sections[section](db, current)
