"""The officers' form for a new commitment of the chosen kind: a press order (with its items), a
training course or an IT-service contract, drafted on a line of the matching category."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from ledger.domain import codes
from ledger.queries import catalogue
from ledger.queries.lines import LineFilters, list_lines
from ledger.services import commitments
from ledger.store.access import Actor
from ledger.store.db import Database
from pages.common import (
    attempt,
    clear_inputs,
    code_label,
    date_in_year,
    flash_and_rerun,
    money,
    optional,
    policies_for,
    t,
)


def _order_fields(db: Database, data: dict) -> None:
    agencies = {a.code: a.name for a in catalogue.press_agencies(db)}
    data["press_agency"] = st.selectbox(t("ui.c_press_agency"), ["", *agencies], format_func=optional(agencies), key="new_agency")
    data["description"] = st.text_input(t("ui.description"), key="new_description")
    count = st.number_input(t("ui.c_item_count"), min_value=0, max_value=20, value=1, step=1, key="new_item_count")
    items = []
    for n in range(int(count)):
        cols = st.columns([3, 1, 1, 2])
        items.append(
            {
                "product": cols[0].text_input(t("ui.c_product"), key=f"new_item_product_{n}"),
                "quantity": cols[1].text_input(t("ui.c_quantity"), key=f"new_item_quantity_{n}", value="1"),
                "unit_of_measure": cols[2].text_input(t("ui.c_uom"), key=f"new_item_uom_{n}"),
                "unit_price": cols[3].text_input(t("ui.c_unit_price"), key=f"new_item_price_{n}", placeholder="1.000.000"),
            }
        )
    data["items"] = items
    if not items:
        data["value"] = st.text_input(t("ui.c_value"), key="new_value", placeholder="1.000.000")


def _course_fields(year: int, data: dict) -> None:
    data["title"] = st.text_input(t("ui.c_title"), key="new_title")
    bounds = date_in_year(year)
    data["start_date"] = st.date_input(t("ui.c_from"), format="DD/MM/YYYY", key="new_start", **bounds)
    data["end_date"] = st.date_input(t("ui.c_to"), format="DD/MM/YYYY", key="new_end", **bounds)
    data["participants"] = st.text_input(t("ui.c_participants"), key="new_participants")
    data["cost"] = st.text_input(t("ui.c_cost"), key="new_cost", placeholder="1.000.000")


def _it_fields(year: int, data: dict) -> None:
    data["vendor"] = st.text_input(t("ui.c_vendor"), key="new_vendor")
    services = {code: code_label(codes.SERVICE_TYPES, code) for code in codes.SERVICE_TYPES}
    data["service_type"] = st.selectbox(t("ui.c_service_type"), list(services), format_func=lambda c: services[c], key="new_service")
    data["start_date"] = st.date_input(t("ui.c_from"), format="DD/MM/YYYY", key="new_start", value=dt.date(year, 1, 1))
    data["end_date"] = st.date_input(t("ui.c_to"), format="DD/MM/YYYY", key="new_end", value=dt.date(year, 12, 31))
    data["value"] = st.text_input(t("ui.c_contract_value"), key="new_value", placeholder="1.000.000")
    data["description"] = st.text_input(t("ui.description"), key="new_description")


CREATE = {"order": commitments.create_order, "course": commitments.create_course, "it_service": commitments.create_it_contract}


def new_commitment(db: Database, current: Actor, year: int, kind: str, kind_label: str, expanded: bool) -> None:
    category = codes.KIND_CATEGORY[kind]
    lines = {r.id: f"{r.code} – {r.description[:60]}" for r in list_lines(db, current, LineFilters(year=year, category=category))}
    policies = policies_for(db, current)
    with st.expander(t("ui.c_new", kind=kind_label.lower()), expanded=expanded):
        if not lines:
            st.info(t("ui.c_no_lines", category=category))
            return
        line_id = st.selectbox(t("ui.line"), list(lines), format_func=lambda i: lines[i], key="new_line")
        reference = st.text_input(t("ui.c_reference_course") if kind == "course" else t("ui.c_reference"), key="new_reference")
        stage_labels = {code: code_label(codes.STAGES, code) for code in codes.STAGES}
        stage = st.selectbox(t("ui.c_stage"), ["", *stage_labels], format_func=optional(stage_labels), key="new_stage")
        policy = st.selectbox(t("ui.policy"), ["", *policies], format_func=optional(policies), key="new_policy")
        data: dict = {"year": year, "reference": reference, "line": line_id, "stage": stage or None, "policy_code": policy or None}
        if policy:
            # The plan activity it carries out: only the chosen policy's activities of this year.
            choices = {a.id: f"{a.plan_code} / {a.code} – {a.content[:60]}" for a in catalogue.activities(db, current, policy, year)}
            if choices:
                picked = st.selectbox(t("ui.c_activity"), [0, *choices], format_func=lambda i: choices.get(i, "—"), key="new_activity")
                data["activity"] = picked or None
        if kind == "order":
            _order_fields(db, data)
        elif kind == "course":
            _course_fields(year, data)
        else:
            _it_fields(year, data)
        if st.button(t("ui.c_create"), type="primary", key="new_submit"):
            made = attempt(lambda: CREATE[kind](db, current, **data))
            if made:
                st.session_state["c_pick_next"] = made.reference
                keys = [k for k in st.session_state if isinstance(k, str) and k.startswith("new_") and k not in ("new_line", "new_item_count")]
                clear_inputs(*keys)
                flash_and_rerun(t("ui.c_created", reference=made.reference, value=money(made.value)))
