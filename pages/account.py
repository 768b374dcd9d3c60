"""Đổi mật khẩu: a signed-in user changes their own password (the current one is asked again)."""

from __future__ import annotations

import streamlit as st

from ledger.services.users import change_password
from pages.common import attempt, clear_inputs, database, flash_and_rerun, require_actor, show_flash, t

current = require_actor()
st.title(t("ui.page_account"))
show_flash()
st.caption(t("ui.signed_in_as_user", name=current.username))
with st.form("change_password_form"):
    old = st.text_input(t("ui.current_password"), type="password", key="own_old_password")
    new = st.text_input(t("ui.new_password"), type="password", key="own_new_password")
    again = st.text_input(t("ui.password_again"), type="password", key="own_new_password_again")
    submitted = st.form_submit_button(t("ui.change_password"), type="primary", key="own_password_submit")
if submitted:
    if new != again:
        st.error(t("ui.passwords_differ"))
    elif attempt(lambda: change_password(database(), current, old, new) or True):
        clear_inputs("own_old_password", "own_new_password", "own_new_password_again")
        flash_and_rerun(t("ui.password_changed"))
