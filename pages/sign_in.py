"""Sign-in screen: one refusal for every failure, saying nothing of whether the user exists."""

import streamlit as st

from ledger.users import sign_in
from pages.common import attempt, database, t

st.title(t("ui.app_title"))
with st.form("sign_in"):
    username = st.text_input(t("ui.username"), key="sign_in_username")
    password = st.text_input(t("ui.password"), type="password", key="sign_in_password")
    submitted = st.form_submit_button(t("ui.sign_in"), type="primary")
if submitted:
    signed_in = attempt(lambda: sign_in(database(), username, password))
    if signed_in is not None:
        st.session_state["actor"] = signed_in
        st.rerun()
