"""Entry point of the app: first-run set-up, sign-in, language switch and the role-based menu."""

from __future__ import annotations

import streamlit as st

from ledger.domain import clock
from ledger.domain.errors import LedgerError
from ledger.queries.users import entry_accounts
from pages.common import actor, database, keep_session_alive, role_label, sign_out, sso_logged_in, t

st.set_page_config(page_title="Sổ ngân sách truyền thông chính sách", page_icon=":material/list_alt:", layout="wide")

try:
    accounts = entry_accounts(database())
except LedgerError as error:  # the database cannot be used (unreachable, disk full…): a sentence, no traceback
    for message in error.messages(st.session_state.get("lang", "vi")):
        st.error(message)
    st.stop()

with st.sidebar:
    st.radio(
        t("ui.language"),
        options=["vi", "en"],
        format_func=lambda code: {"vi": "Tiếng Việt", "en": "English"}[code],
        horizontal=True,
        key="lang",
    )

if keep_session_alive() and sso_logged_in():  # idle past LEDGER_SESSION_MINUTES: the actor is forgotten,
    st.logout()  # and the single sign-on login too, or the sign-in screen would sign straight back in
current = actor()
if accounts.count == 0:
    menu = [st.Page("pages/setup.py", title=t("ui.setup_title"), icon=":material/build:")]
elif current is None:
    menu = [st.Page("pages/sign_in.py", title=t("ui.sign_in"), icon=":material/login:")]
else:
    # Leaders and auditors land on the dashboard; officers and admins on the overview.
    pictures_first = current.role in ("leader", "auditor")
    ledger_pages = [
        st.Page("pages/dashboard.py", title=t("ui.page_dashboard"), icon=":material/insights:", default=pictures_first),
        st.Page("pages/overview.py", title=t("ui.page_overview"), icon=":material/dashboard:", default=not pictures_first),
        st.Page("pages/budget_lines.py", title=t("ui.page_lines"), icon=":material/list_alt:"),
        st.Page("pages/adjustments.py", title=t("ui.page_adjustments"), icon=":material/swap_horiz:"),
        st.Page("pages/commitments.py", title=t("ui.page_commitments"), icon=":material/newspaper:"),
        st.Page("pages/payments.py", title=t("ui.page_payments"), icon=":material/payments:"),
        st.Page("pages/press.py", title=t("ui.page_press"), icon=":material/campaign:"),
    ]
    communication_pages = [
        st.Page("pages/team.py", title=t("ui.page_team"), icon=":material/groups:"),
        st.Page("pages/plans.py", title=t("ui.page_plans"), icon=":material/event_note:"),
        st.Page("pages/report.py", title=t("ui.page_report"), icon=":material/description:"),
    ]
    books_pages = [
        st.Page("pages/excel.py", title=t("ui.page_excel"), icon=":material/table_view:"),
        st.Page("pages/year_end.py", title=t("ui.page_year_end"), icon=":material/event_available:"),
        st.Page("pages/audit.py", title=t("ui.page_audit"), icon=":material/fact_check:"),
    ]
    menu = {t("ui.menu_ledger"): ledger_pages, t("ui.menu_communication"): communication_pages, t("ui.menu_books"): books_pages}
    menu[t("ui.menu_account")] = [st.Page("pages/account.py", title=t("ui.page_account"), icon=":material/key:")]
    if current.role == "admin":
        menu[t("ui.menu_admin")] = [
            st.Page("pages/users.py", title=t("ui.page_users"), icon=":material/group:"),
            st.Page("pages/units.py", title=t("ui.page_units"), icon=":material/account_tree:"),
        ]
    with st.sidebar:
        st.caption(t("ui.signed_in_as", name=current.username, role=role_label(current.role)))
        if st.button(t("ui.sign_out"), key="sign_out"):
            sign_out()
            if sso_logged_in():
                st.logout()  # also forget the single sign-on login, or the sign-in screen would sign back in
            st.rerun()

if accounts.has_demo:
    st.warning(t("ui.demo_banner"), icon=":material/science:")
if clock.override_text():  # a rehearsal: every rule reads this date as today
    st.warning(t("ui.today_override_banner", date=clock.override_text()), icon=":material/event:")

page = st.navigation(menu, expanded=True)  # every screen in sight, no "View more" fold
page.run()
