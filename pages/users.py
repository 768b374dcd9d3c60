"""Người dùng (admin): list accounts, create one, change role/unit/active, reset a password."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from ledger.domain.formatting import format_datetime
from ledger.queries.users import list_users
from ledger.reports.audit_trail import VIETNAM
from ledger.services.users import create_user, reset_password, unlock_user, update_user
from ledger.store.models import ROLES
from pages.common import attempt, clear_inputs, flash_and_rerun, role_label, t, yes_no
from pages.parts.screen import open_screen, scope_units, unit_picker

current, db = open_screen("ui.page_users", admin_only=True)

users = attempt(lambda: list_users(db, current))
if users is None:
    st.stop()
unit_labels = scope_units(db, current)

st.dataframe(
    [
        {
            t("ui.username"): u.username,
            t("ui.full_name"): u.full_name,
            t("ui.role"): role_label(u.role),
            t("ui.unit"): u.unit_code or "",
            t("ui.active"): yes_no(u.is_active),
            t("ui.demo_account"): yes_no(u.is_demo),
            t("ui.sso_subject"): u.sso_subject or "",
            t("ui.locked_until"): format_datetime(u.locked_until) + " UTC" if u.locked_until else "",
        }
        for u in users
    ],
    hide_index=True,
    key="users_table",
)

st.subheader(t("ui.create_user"))
with st.form("create_user_form"):
    a, b = st.columns(2)
    username = a.text_input(t("ui.username"), key="user_username", help=t("ui.username_help"))
    full_name = b.text_input(t("ui.full_name"), key="user_full_name")
    a, b, c = st.columns(3)
    role = a.selectbox(t("ui.role"), ROLES, index=ROLES.index("officer"), format_func=role_label, key="user_role")
    unit_code = unit_picker(unit_labels, "user_unit", where=b)
    password = c.text_input(t("ui.password"), type="password", key="user_password")
    sso_subject = st.text_input(t("ui.sso_subject"), key="user_sso_subject", help=t("ui.sso_subject_help"))
    create_clicked = st.form_submit_button(t("ui.create_user_submit"), type="primary", key="user_submit")
if create_clicked:
    created = attempt(
        lambda: create_user(
            db, current, username, role, password, unit_code=unit_code or None, full_name=full_name, sso_subject=sso_subject
        )
    )
    if created is not None:
        clear_inputs("user_username", "user_full_name", "user_password", "user_sso_subject")
        flash_and_rerun(t("ui.user_created", name=created.username))

st.subheader(t("ui.edit_user"))
by_name = {u.username: u for u in users}
chosen = st.selectbox(
    t("ui.choose_user"),
    list(by_name),
    index=None,
    format_func=lambda name: f"{name} – {by_name[name].full_name}" if by_name[name].full_name else name,
    placeholder=t("ui.choose_user_hint"),
    key="edit_user",
)
if chosen is not None:
    user = by_name[chosen]
    with st.form(f"edit_user_form_{chosen}"):
        new_full_name = st.text_input(t("ui.full_name"), value=user.full_name, key=f"edit_full_name_{chosen}")
        a, b, c = st.columns(3)
        new_role = a.selectbox(
            t("ui.role"), ROLES, index=ROLES.index(user.role), format_func=role_label, key=f"edit_role_{chosen}"
        )
        new_unit = unit_picker(unit_labels, f"edit_unit_{chosen}", value=user.unit_code, where=b)
        active = c.checkbox(t("ui.active"), value=user.is_active, key=f"edit_active_{chosen}")
        new_sso = st.text_input(
            t("ui.sso_subject"), value=user.sso_subject or "", key=f"edit_sso_{chosen}", help=t("ui.sso_subject_help")
        )
        # Deactivating shuts the person out: it waits for a tick that says so (issue 10).
        lock_ok = st.checkbox(t("ui.confirm_lock", username=chosen), key=f"confirm_lock_{chosen}") if user.is_active else False
        edit_clicked = st.form_submit_button(t("ui.save_changes"), type="primary", key=f"edit_submit_{chosen}")
    if edit_clicked and user.is_active and not active and not lock_ok:
        st.error(t("ui.confirm_needed"))
    elif edit_clicked:
        changed = attempt(
            lambda: update_user(
                db,
                current,
                chosen,
                role=new_role,
                unit_code=new_unit or None,
                is_active=active,
                full_name=new_full_name,
                sso_subject=new_sso,
            )
        )
        if changed is not None:
            flash_and_rerun(t("ui.user_updated", name=chosen))

    if user.locked_until is not None:
        st.warning(f"{t('ui.locked_until')}: {format_datetime(user.locked_until.replace(tzinfo=dt.UTC).astimezone(VIETNAM))}")  # Vietnam time
        if st.button(t("ui.unlock_user"), key=f"unlock_{chosen}"):
            if attempt(lambda: unlock_user(db, current, chosen)):
                flash_and_rerun(t("ui.user_unlocked", name=chosen))

    with st.form(f"reset_password_form_{chosen}"):
        new_password = st.text_input(t("ui.new_password"), type="password", key=f"reset_password_{chosen}")
        reset_clicked = st.form_submit_button(t("ui.reset_password"), key=f"reset_submit_{chosen}")
    if reset_clicked:
        # reset_password returns nothing; ``or True`` tells success from a refusal.
        if attempt(lambda: reset_password(db, current, chosen, new_password) or True):
            clear_inputs(f"reset_password_{chosen}")
            flash_and_rerun(t("ui.password_reset_done", name=chosen))
