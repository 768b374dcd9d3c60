"""First-run screen on an empty database: create the administrator (with the one-time set-up code
the server's console shows, ``ledger.services.setup``), optionally load the demo."""

import streamlit as st

from ledger.demo.small import load_full_demo
from ledger.services.users import bootstrap_admin
from pages.common import attempt, database, t

st.title(t("ui.setup_title"))
st.info(t("ui.setup_intro"))
with st.form("setup"):
    code = st.text_input(t("ui.setup_code"), key="setup_code", help=t("ui.setup_code_help"), placeholder="XXXX-XXXX-XXXX")
    username = st.text_input(t("ui.username"), value="admin", key="setup_username")
    full_name = st.text_input(t("ui.full_name"), key="setup_full_name")
    password = st.text_input(t("ui.password"), type="password", key="setup_password")
    again = st.text_input(t("ui.password_again"), type="password", key="setup_password_again")
    with_demo = st.checkbox(t("ui.setup_demo"), key="setup_demo")
    submitted = st.form_submit_button(t("ui.setup_create"), type="primary")
if submitted:
    if password != again:
        st.error(t("ui.passwords_differ"))
    else:
        admin = attempt(lambda: bootstrap_admin(database(), username, password, full_name, setup_code=code))
        if admin is not None:
            if with_demo:
                counts = attempt(lambda: load_full_demo(database()))
                if counts:
                    st.session_state["flash"] = t("ui.demo_loaded", counts=", ".join(f"{v} {k}" for k, v in counts.items()))
            st.session_state["actor"] = admin
            st.rerun()
