"""Cơ quan báo chí: the catalogue of press agencies orders are placed with — add one, correct one
(the trail keeps the previous version), deactivate one (its orders stay; no new order names it)."""

from __future__ import annotations

import streamlit as st

from ledger.domain import codes
from ledger.queries import catalogue
from ledger.services import press
from pages.common import (
    attempt,
    clear_inputs,
    code_label,
    flash_and_rerun,
    t,
    yes_no,
)
from pages.parts.screen import open_screen

current, db = open_screen("ui.page_press")
editor = current.role in ("admin", "officer")
entries = catalogue.press_catalogue(db)
st.dataframe(
    [
        {
            t("ui.pr_code"): e.code, t("ui.pr_name"): e.name, t("ui.pr_media"): code_label(codes.MEDIA_TYPES, e.media_type),
            t("ui.pr_level"): code_label(codes.PRESS_LEVELS, e.level), t("ui.pr_governing"): e.governing_body,
            t("ui.active"): yes_no(e.active), t("ui.pr_orders"): e.orders,
        }
        for e in entries
    ],
    hide_index=True, width="stretch", key="pr_table",
)
st.caption(t("ui.pr_count", count=len(entries), inactive=sum(not e.active for e in entries)))

if editor:
    media, levels = list(codes.MEDIA_TYPES), list(codes.PRESS_LEVELS)
    add_tab, fix_tab = st.tabs([t("ui.pr_add"), t("ui.pr_fix")], key="pr_tabs", on_change="rerun")
    with add_tab, st.form("pr_add_form"):
        a, b = st.columns(2)
        code = a.text_input(t("ui.pr_code"), key="pr_new_code", placeholder="BAO-MOI")
        name = b.text_input(t("ui.pr_name"), key="pr_new_name")
        a, b, c = st.columns(3)
        kind = a.selectbox(t("ui.pr_media"), media, format_func=lambda m: code_label(codes.MEDIA_TYPES, m), key="pr_new_media")
        level = b.selectbox(t("ui.pr_level"), levels, format_func=lambda v: code_label(codes.PRESS_LEVELS, v), key="pr_new_level")
        governing = c.text_input(t("ui.pr_governing"), key="pr_new_governing")
        if st.form_submit_button(t("ui.pr_add"), type="primary"):
            if attempt(lambda: press.create_press_agency(db, current, code, name, kind, governing, level)):
                clear_inputs("pr_new_code", "pr_new_name", "pr_new_governing")
                flash_and_rerun(t("ui.pr_added", code=code.strip()))
    with fix_tab:
        by_code = {e.code: e for e in entries}
        chosen = st.selectbox(t("ui.pr_pick"), list(by_code), index=None, format_func=lambda k: f"{k} – {by_code[k].name}", placeholder=t("ui.pr_pick"), key="pr_pick")
        if chosen:
            entry = by_code[chosen]
            with st.form(f"pr_fix_form_{chosen}"):
                name = st.text_input(t("ui.pr_name"), value=entry.name, key=f"pr_fix_name_{chosen}")
                a, b, c = st.columns(3)
                kind = a.selectbox(t("ui.pr_media"), media, index=media.index(entry.media_type) if entry.media_type in media else 0, format_func=lambda m: code_label(codes.MEDIA_TYPES, m), key=f"pr_fix_media_{chosen}")
                level = b.selectbox(t("ui.pr_level"), levels, index=levels.index(entry.level) if entry.level in levels else 0, format_func=lambda v: code_label(codes.PRESS_LEVELS, v), key=f"pr_fix_level_{chosen}")
                governing = c.text_input(t("ui.pr_governing"), value=entry.governing_body, key=f"pr_fix_governing_{chosen}")
                if st.form_submit_button(t("ui.pr_save"), type="primary"):
                    if attempt(lambda: press.update_press_agency(db, current, chosen, name, kind, governing, level)):
                        flash_and_rerun(t("ui.pr_saved", code=chosen))
            label = t("ui.pr_deactivate", orders=entry.orders) if entry.active else t("ui.pr_activate")
            if st.button(label, key=f"pr_toggle_{chosen}"):
                if attempt(lambda: press.set_press_agency_active(db, current, chosen, not entry.active)):
                    flash_and_rerun(t("ui.pr_toggled", code=chosen))
