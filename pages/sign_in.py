"""Sign-in screen: one refusal for every failure, saying nothing of whether the user exists; single
sign-on (``st.login``) when ``[auth]`` is configured in .streamlit/secrets.toml."""

import time

import streamlit as st

from ledger.domain.session import session_minutes
from ledger.services.users import actor_for_sso, sign_in
from ledger.store.access import LOCKOUT_MINUTES, MAX_FAILED_SIGN_INS
from pages.common import attempt, database, sso_configured, sso_provider, t


def signed_in(actor) -> None:
    st.session_state["actor"] = actor
    st.session_state["last_seen"] = time.time()
    st.rerun()


st.title(t("ui.app_title"))
if st.session_state.pop("session_expired", False):
    st.info(t("ui.session_expired", minutes=session_minutes()))

if sso_configured():
    if st.user.get("is_logged_in"):
        # Back from the identity provider: the local user linked to this login, or a sentence saying why not.
        actor = attempt(lambda: actor_for_sso(database(), st.user.to_dict()))
        if actor is not None:
            signed_in(actor)
        if st.button(t("ui.sso_sign_out"), key="sso_sign_out"):
            st.logout()
    elif st.button(t("ui.sso_sign_in"), key="sso_sign_in", type="primary"):
        provider = sso_provider()
        if provider:
            st.login(provider)
        else:
            st.login()
    st.caption(t("ui.sso_or_password"))

with st.form("sign_in"):
    username = st.text_input(t("ui.username"), key="sign_in_username")
    password = st.text_input(t("ui.password"), type="password", key="sign_in_password")
    submitted = st.form_submit_button(t("ui.sign_in"), type="primary")
st.caption(t("ui.lockout_policy", attempts=MAX_FAILED_SIGN_INS, minutes=LOCKOUT_MINUTES))
if submitted:
    actor = attempt(lambda: sign_in(database(), username, password))
    if actor is not None:
        signed_in(actor)
