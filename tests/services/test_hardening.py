"""Sign-in hardening on SQLite and PostgreSQL: lockout after repeated wrong passwords (audited lock
and unlock, one generic refusal throughout), session expiry, sign-out, a user's own password
change, an administrator's reset and unlock, and single sign-on mapped to local users — through the
services and through the screens (AppTest)."""

from __future__ import annotations

import datetime as dt
import json
import time

import pytest
from alembic import command
from conftest import actor_for
from hardening_support import app_ledger_fixture, errors, navigation_mode_fixture, start, successes  # noqa: F401
from ledger_testkit import dump, keys, refused, rows, scalar

from ledger.domain.errors import AuthenticationFailed, NotFound, PermissionDenied, ValidationError
from ledger.domain.session import DEFAULT_SESSION_MINUTES, is_expired, session_minutes
from ledger.i18n import t
from ledger.queries.users import list_users
from ledger.services.users import (
    actor_for_sso,
    change_password,
    create_user,
    reset_password,
    sign_in,
    sso_identities,
    unlock_user,
    update_user,
)
from ledger.store import schema
from ledger.store.access import LOCKOUT_MINUTES, MAX_FAILED_SIGN_INS
from ledger.store.audit import snapshot
from ledger.store.db import Database
from ledger.store.models import User
from ledger.store.verify import verify

NOW = dt.datetime(2026, 3, 2, 9, 0, 0)
GENERIC = "Wrong username or password."


def events(db: Database, action: str) -> list[dict]:
    found = rows(db, "SELECT seq, actor, entity_id, before, after FROM audit_events WHERE action = :a ORDER BY seq", a=action)
    return [dict(r._mapping) for r in found]


def failed_logins(db: Database, username: str) -> int:
    return int(scalar(db, "SELECT failed_logins FROM users WHERE username = :u", u=username))


def refusal(call, *args, **kwargs) -> list[str]:
    with pytest.raises(AuthenticationFailed) as info:
        call(*args, **kwargs)
    return info.value.messages("en")


def lock(db: Database, username: str = "officer", now: dt.datetime = NOW) -> None:
    for _ in range(MAX_FAILED_SIGN_INS):
        assert refusal(sign_in, db, username, "sai-mat-khau", now=now) == [GENERIC]


# --- lockout ------------------------------------------------------------------------------------


def test_repeated_wrong_passwords_lock_the_account_with_one_generic_refusal(demo_db):
    for n in range(1, MAX_FAILED_SIGN_INS):
        assert refusal(sign_in, demo_db, "officer", "sai", now=NOW) == [GENERIC]
        assert failed_logins(demo_db, "officer") == n
    assert not events(demo_db, "user.lock")
    # A success clears the count: only failures in a row lock.
    assert sign_in(demo_db, "officer", "demo", now=NOW).username == "officer"
    assert failed_logins(demo_db, "officer") == 0

    lock(demo_db)
    [locked] = events(demo_db, "user.lock")
    assert locked["actor"] == "system"
    after = json.loads(locked["after"])
    assert after["locked_until"] == (NOW + dt.timedelta(minutes=LOCKOUT_MINUTES)).isoformat()
    assert "locked_until" not in json.loads(locked["before"])

    # During the lock the right password gets the very refusal an unknown user gets; nothing is written.
    before = dump(demo_db)
    during = NOW + dt.timedelta(minutes=LOCKOUT_MINUTES - 1)
    assert refusal(sign_in, demo_db, "officer", "demo", now=during) == [GENERIC]
    assert refusal(sign_in, demo_db, "officer", "sai", now=during) == [GENERIC]
    assert refusal(sign_in, demo_db, "khong-co-ai", "demo", now=during) == [GENERIC]
    assert dump(demo_db) == before, "attempts during a lock neither extend it nor write anything"
    assert refusal(sign_in, demo_db, "officer", "demo", now=during)[0] == t("auth.failed", "en")
    assert t("auth.failed", "vi") == "Tên đăng nhập hoặc mật khẩu không đúng."

    # Other users are not affected; after the lock the right password works again.
    assert sign_in(demo_db, "leader", "demo", now=during).username == "leader"
    after_lock = NOW + dt.timedelta(minutes=LOCKOUT_MINUTES, seconds=1)
    assert sign_in(demo_db, "officer", "demo", now=after_lock).username == "officer"
    with demo_db.read() as session:
        assert verify(session).ok


def test_unknown_and_inactive_users_write_nothing(demo_db, actors):
    refused(demo_db, AuthenticationFailed, sign_in, demo_db, "khong-co-ai", "x", now=NOW)
    update_user(demo_db, actors["admin"], "auditor", is_active=False)
    error = refused(demo_db, AuthenticationFailed, sign_in, demo_db, "auditor", "demo", now=NOW)
    assert error.messages("en") == [GENERIC]
    refused(demo_db, AuthenticationFailed, sign_in, demo_db, "auditor", "sai", now=NOW)


def test_an_administrator_unlocks_and_the_unlock_is_audited(demo_db, actors):
    lock(demo_db)
    refused(demo_db, PermissionDenied, unlock_user, demo_db, actors["officer"], "officer")
    refused(demo_db, PermissionDenied, unlock_user, demo_db, actors["leader"], "officer")
    refused(demo_db, NotFound, unlock_user, demo_db, actors["admin"], "khong-co-ai")
    unlock_user(demo_db, actors["admin"], "officer")
    [unlocked] = events(demo_db, "user.unlock")
    assert unlocked["actor"] == "admin"
    assert "locked_until" in json.loads(unlocked["before"]) and "locked_until" not in json.loads(unlocked["after"])
    assert sign_in(demo_db, "officer", "demo", now=NOW + dt.timedelta(minutes=1)).username == "officer"
    assert keys(refused(demo_db, ValidationError, unlock_user, demo_db, actors["admin"], "officer")) == {"user.not_locked"}
    with demo_db.read() as session:
        assert verify(session).ok


def test_the_cli_unlocks_when_the_only_administrator_is_locked(demo_db, demo_url, capsys):
    from ledger.cli import main

    lock(demo_db, "admin", now=dt.datetime.now(dt.UTC).replace(tzinfo=None))
    assert refusal(sign_in, demo_db, "admin", "demo") == [GENERIC]
    assert main(["--db", demo_url, "user", "unlock", "admin"]) == 0
    assert "user admin unlocked" in capsys.readouterr().out
    assert sign_in(demo_db, "admin", "demo").username == "admin"
    assert events(demo_db, "user.unlock")[0]["actor"] == "system"


def test_an_administrator_reset_gives_a_new_password_and_lifts_the_lock(demo_db, actors):
    lock(demo_db)
    reset_password(demo_db, actors["admin"], "officer", "mat-khau-moi")
    later = NOW + dt.timedelta(minutes=1)
    assert sign_in(demo_db, "officer", "mat-khau-moi", now=later).username == "officer"
    assert refusal(sign_in, demo_db, "officer", "demo", now=later) == [GENERIC]
    [reset] = events(demo_db, "user.password_reset")
    assert reset["actor"] == "admin"
    assert json.loads(reset["before"])["password_fingerprint"] != json.loads(reset["after"])["password_fingerprint"]
    assert "$argon2" not in reset["before"] + reset["after"]
    refused(demo_db, PermissionDenied, reset_password, demo_db, actors["officer"], "leader", "mat-khau-moi")


# --- a user's own password ----------------------------------------------------------------------


def test_a_user_changes_their_own_password(demo_db, actors):
    officer = actors["officer"]
    with pytest.raises(ValidationError) as info:
        change_password(demo_db, officer, "sai", "mat-khau-moi", now=NOW)
    wrong = info.value
    assert keys(wrong) == {"user.old_password"}
    assert failed_logins(demo_db, "officer") == 1, "a wrong current password counts towards the lock"
    assert keys(refused(demo_db, ValidationError, change_password, demo_db, officer, "demo", "abc", now=NOW)) == {"user.password_short"}
    # The same password again: too short now (issue 10) — "the same" is checked below with a long one.
    assert keys(refused(demo_db, ValidationError, change_password, demo_db, officer, "demo", "demo", now=NOW)) == {"user.password_short"}

    change_password(demo_db, officer, "demo", "mat-khau-moi", now=NOW)
    assert keys(refused(demo_db, ValidationError, change_password, demo_db, officer, "mat-khau-moi", "mat-khau-moi", now=NOW)) == {"user.password_same"}
    [changed] = events(demo_db, "user.password_change")
    assert changed["actor"] == "officer" and changed["entity_id"] == str(officer.user_id)
    assert "$argon2" not in changed["before"] + changed["after"]
    assert failed_logins(demo_db, "officer") == 0
    assert sign_in(demo_db, "officer", "mat-khau-moi", now=NOW).username == "officer"
    assert refusal(sign_in, demo_db, "officer", "demo", now=NOW) == [GENERIC]

    # Locked: refused with a sentence saying so (the user is signed in; nothing to hide from them).
    lock(demo_db)
    error = refused(demo_db, AuthenticationFailed, change_password, demo_db, officer, "mat-khau-moi", "khac-nua", now=NOW)
    assert keys(error) == {"user.locked"}
    # Deactivated: refused.
    update_user(demo_db, actors["admin"], "officer", is_active=False)
    refused(demo_db, PermissionDenied, change_password, demo_db, officer, "mat-khau-moi", "khac-nua", now=NOW)
    with demo_db.read() as session:
        assert verify(session).ok


# --- schema and audit trail ---------------------------------------------------------------------


def test_new_user_columns_leave_older_events_valid(demo_db, actors):
    """Events written before migration 0005 have no lock or SSO field: a user without them snapshots
    exactly as before, and the failure counter never enters the trail."""
    with demo_db.read() as session:
        user = session.query(User).filter_by(username="officer").one()
        state = snapshot(user)
    assert not {"failed_logins", "locked_until", "sso_subject", "password_hash"} & set(state)
    with pytest.raises(AuthenticationFailed):
        sign_in(demo_db, "officer", "sai", now=NOW)
    with demo_db.read() as session:
        assert verify(session).ok, "the failure counter changed without an event, and verify still holds"


def test_a_downgrade_and_upgrade_keep_verify_on_a_ledger_of_users(db):
    """Downgrading below 0005 and upgrading again keeps the chain and every user row valid. (A
    downgrade drops later columns with their data: verify then names the rows that lost it, as it
    should; this ledger holds only what 0004 already had.)"""
    from ledger.services.users import bootstrap_admin

    bootstrap_admin(db, "quantri", "mot-mat-khau-dai-du-12", current_year=2026)
    with pytest.raises(AuthenticationFailed):
        sign_in(db, "quantri", "sai", now=NOW)
    with db.read() as session:
        before = verify(session)
    assert before.ok and before.events >= 2, before.summary()

    config = schema.alembic_config()
    db.dispose()
    with db.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0004")
    db.dispose()
    schema.upgrade(db)
    assert schema.is_current(db)
    with db.read() as session:
        result = verify(session)
    assert result.ok, result.summary()
    assert (result.events, result.head_hash) == (before.events, before.head_hash)


# --- single sign-on -------------------------------------------------------------------------------


def test_sso_identities_prefer_a_verified_email():
    assert sso_identities({"is_logged_in": True, "email": "A@B.vn", "preferred_username": "a", "sub": "123"}) == ["a@b.vn", "a", "123"]
    assert sso_identities({"email": "a@b.vn", "email_verified": False, "sub": "x"}) == ["x"]
    assert sso_identities({"is_logged_in": False, "email": "a@b.vn"}) == []
    assert sso_identities({}) == []


def test_sso_login_maps_to_a_linked_active_user(demo_db, actors):
    admin = actors["admin"]
    refused(demo_db, AuthenticationFailed, actor_for_sso, demo_db, {"is_logged_in": True, "email": "lan@byt.gov.vn"})
    unknown = refused(demo_db, AuthenticationFailed, actor_for_sso, demo_db, {"is_logged_in": True, "email": "lan@byt.gov.vn"})
    assert keys(unknown) == {"auth.sso_unknown"}
    assert "lan@byt.gov.vn" in unknown.messages("en")[0] and "administrator" in unknown.messages("en")[0]
    assert keys(refused(demo_db, AuthenticationFailed, actor_for_sso, demo_db, {"is_logged_in": True})) == {"auth.sso_no_identity"}

    update_user(demo_db, admin, "officer", sso_subject=" Lan@BYT.gov.vn ")
    [linked] = [e for e in events(demo_db, "user.update") if json.loads(e["after"]).get("sso_subject")]
    assert json.loads(linked["after"])["sso_subject"] == "lan@byt.gov.vn"
    actor = actor_for_sso(demo_db, {"is_logged_in": True, "email": "lan@byt.gov.vn", "name": "Lan"})
    assert actor == actors["officer"]
    # An unverified email is not trusted; the subject still maps if it is the linked one.
    with pytest.raises(AuthenticationFailed):
        actor_for_sso(demo_db, {"is_logged_in": True, "email": "lan@byt.gov.vn", "email_verified": False, "sub": "zzz"})
    # One SSO account, one user.
    taken = refused(demo_db, ValidationError, create_user, demo_db, admin, "lan2", "officer", "mat-khau-dai-du-12", unit_code="BYT-TT", sso_subject="LAN@byt.gov.vn")
    assert keys(taken) == {"user.sso_taken"}
    assert keys(refused(demo_db, ValidationError, update_user, demo_db, admin, "leader", sso_subject="có dấu cách")) == {"user.sso_format"}
    created = create_user(demo_db, admin, "minh.sso", "leader", "mat-khau-dai-du-12", unit_code="QG", sso_subject="minh@qg.gov.vn")
    assert created.sso_subject == "minh@qg.gov.vn"
    assert [u.sso_subject for u in list_users(demo_db, admin) if u.username == "minh.sso"] == ["minh@qg.gov.vn"]

    update_user(demo_db, admin, "officer", is_active=False)
    inactive = refused(demo_db, AuthenticationFailed, actor_for_sso, demo_db, {"is_logged_in": True, "email": "lan@byt.gov.vn"})
    assert keys(inactive) == {"auth.sso_inactive"}
    update_user(demo_db, admin, "officer", is_active=True, sso_subject="")
    assert scalar(demo_db, "SELECT sso_subject FROM users WHERE username = 'officer'") is None
    with demo_db.read() as session:
        assert verify(session).ok


# --- session expiry (pure helpers) ----------------------------------------------------------------


def test_session_minutes_and_expiry():
    assert session_minutes({}) == DEFAULT_SESSION_MINUTES == 60
    assert session_minutes({"LEDGER_SESSION_MINUTES": " 15 "}) == 15
    for bad in ("", "abc", "0", "-5", "1.5", "100000"):
        assert session_minutes({"LEDGER_SESSION_MINUTES": bad}) == 60
    now = 1_000_000.0
    assert not is_expired(None, now, 60)
    assert not is_expired(now - 3600, now, 60)
    assert is_expired(now - 3601, now, 60)
    assert is_expired(now - 61, now, 1)


# --- the screens ----------------------------------------------------------------------------------


def test_an_idle_session_forgets_its_user(app_ledger, monkeypatch):
    fresh = start(app_ledger, "officer", last_seen=time.time() - 59 * 60)
    assert fresh.session_state["actor"].username == "officer"
    assert time.time() - fresh.session_state["last_seen"] < 60, "each run counts as activity"

    stale = start(app_ledger, "officer", last_seen=time.time() - 61 * 60)
    assert "actor" not in stale.session_state
    assert [i.value for i in stale.info] == [t("ui.session_expired", "vi", minutes=60)]
    assert stale.text_input(key="sign_in_username") is not None

    monkeypatch.setenv("LEDGER_SESSION_MINUTES", "1")
    short = start(app_ledger, "officer", last_seen=time.time() - 90, lang="en")
    assert "actor" not in short.session_state
    assert short.session_state["lang"] == "en", "the language survives"
    assert [i.value for i in short.info] == [t("ui.session_expired", "en", minutes=1)]


def test_sign_in_sign_out_and_lockout_on_the_screen(app_ledger):
    at = start(app_ledger)
    assert not [b for b in at.button if b.key == "sso_sign_in"]
    assert t("ui.lockout_policy", "vi", attempts=5, minutes=15) in [c.value for c in at.caption]

    def submit(username: str, password: str):
        at.text_input(key="sign_in_username").input(username)
        at.text_input(key="sign_in_password").input(password)
        at.button[[b.label for b in at.button].index("Đăng nhập")].click()
        at.run()

    submit("officer", "demo")
    assert at.session_state["actor"].username == "officer"
    assert not errors(at)
    at.button(key="sign_out").click().run()
    assert "actor" not in at.session_state
    assert at.text_input(key="sign_in_username") is not None

    for _ in range(MAX_FAILED_SIGN_INS):
        submit("officer", "sai")
        assert errors(at) == ["Tên đăng nhập hoặc mật khẩu không đúng."]
    submit("officer", "demo")
    assert errors(at) == ["Tên đăng nhập hoặc mật khẩu không đúng."]
    assert "actor" not in at.session_state
    assert len(events(app_ledger, "user.lock")) == 1


def test_own_password_change_on_the_screen(app_ledger):
    at = start(app_ledger, "leader", "pages/account.py")
    assert at.title[0].value == "Đổi mật khẩu"
    at.text_input(key="own_old_password").input("demo")
    at.text_input(key="own_new_password").input("mat-khau-moi")
    at.text_input(key="own_new_password_again").input("mat-khau-khac")
    at.button(key="own_password_submit").click().run()
    assert errors(at) == ["Hai mật khẩu không khớp."]
    at.text_input(key="own_new_password_again").input("mat-khau-moi")
    at.button(key="own_password_submit").click().run()
    assert successes(at) == ["Đã đổi mật khẩu."]
    assert sign_in(app_ledger, "leader", "mat-khau-moi").username == "leader"
    at.text_input(key="own_old_password").input("sai")
    at.text_input(key="own_new_password").input("x1234")
    at.text_input(key="own_new_password_again").input("x1234")
    at.button(key="own_password_submit").click().run()
    assert errors(at) == ["Mật khẩu hiện tại không đúng."]


def test_administrator_unlocks_and_resets_on_the_users_screen(app_ledger):
    lock(app_ledger, now=dt.datetime.now(dt.UTC).replace(tzinfo=None))
    at = start(app_ledger, "admin", "pages/users.py")
    table = at.dataframe[0].value
    locked = table[table["Tên đăng nhập"] == "officer"]["Tạm khóa đến"].iloc[0]
    assert locked.endswith(" UTC")
    at.selectbox(key="edit_user").set_value("officer").run()
    at.button(key="unlock_officer").click().run()
    assert successes(at) == ["Đã mở khóa đăng nhập cho officer."]
    assert sign_in(app_ledger, "officer", "demo").username == "officer"

    at.selectbox(key="edit_user").set_value("officer").run()
    assert not any(b.key == "unlock_officer" for b in at.button)
    at.text_input(key="reset_password_officer").input("mat-khau-moi")
    at.button(key="reset_submit_officer").click().run()
    assert successes(at) == ["Đã đặt lại mật khẩu của officer."]
    assert sign_in(app_ledger, "officer", "mat-khau-moi").username == "officer"

    at.selectbox(key="edit_user").set_value("officer").run()
    at.text_input(key="edit_sso_officer").input("lan@byt.gov.vn")
    at.button(key="edit_submit_officer").click().run()
    assert successes(at) == [t("ui.user_updated", "vi", name="officer")]
    assert scalar(app_ledger, "SELECT sso_subject FROM users WHERE username = 'officer'") == "lan@byt.gov.vn"


SSO_SECRETS = {
    "redirect_uri": "http://127.0.0.1:8501/oauth2callback",
    "cookie_secret": "không-dùng-thật",
    "client_id": "ledger",
    "client_secret": "bí-mật",
    "server_metadata_url": "https://sso.example.gov.vn/.well-known/openid-configuration",
}


def sso_app(database: Database, user: dict | None = None):
    from conftest import ROOT
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=60)
    at.secrets["auth"] = SSO_SECRETS
    if user is not None:
        at.user = user
    return at


def test_sso_button_only_when_configured(app_ledger, monkeypatch):
    import streamlit

    plain = start(app_ledger)
    assert not [b for b in plain.button if b.key == "sso_sign_in"]

    calls = []
    monkeypatch.setattr(streamlit, "login", lambda *args: calls.append(args))
    at = sso_app(app_ledger).run()
    assert not at.exception
    button = at.button(key="sso_sign_in")
    assert button.label == "Đăng nhập bằng SSO"
    button.click().run()
    assert calls == [()]
    assert "actor" not in at.session_state


def test_sso_login_signs_in_the_linked_user_and_refuses_others(app_ledger, monkeypatch):
    import streamlit

    update_user(app_ledger, actor_for(app_ledger, "admin"), "officer", sso_subject="lan@byt.gov.vn")
    at = sso_app(app_ledger, {"is_logged_in": True, "email": "lan@byt.gov.vn"}).run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state["actor"] == actor_for(app_ledger, "officer")

    logouts = []
    monkeypatch.setattr(streamlit, "logout", lambda: logouts.append(True))
    at.button(key="sign_out").click().run()
    assert logouts == [True], "signing out of the ledger also signs out of SSO"

    stranger = sso_app(app_ledger, {"is_logged_in": True, "email": "la@mat.vn"}).run()
    assert "actor" not in stranger.session_state
    assert errors(stranger) == [t("auth.sso_unknown", "vi", subject="la@mat.vn")]
    stranger.button(key="sso_sign_out").click().run()
    assert logouts == [True, True]


def test_an_unreadable_database_shows_a_sentence_not_a_traceback(navigation_mode, monkeypatch):
    from conftest import ROOT
    from streamlit.testing.v1 import AppTest

    port = __import__("socket").socket()
    port.bind(("127.0.0.1", 0))
    free = port.getsockname()[1]
    port.close()
    monkeypatch.setenv("LEDGER_DATABASE_URL", f"postgresql+psycopg://nobody:secret@127.0.0.1:{free}/none?connect_timeout=2")
    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=60).run()
    assert not at.exception, [e.value for e in at.exception]
    assert [e.value for e in at.error] == [t("db.unavailable", "vi")]
    assert "secret" not in "".join(e.value for e in at.error)


def test_an_idle_sso_session_also_leaves_single_sign_on(app_ledger, monkeypatch):
    import streamlit

    update_user(app_ledger, actor_for(app_ledger, "admin"), "officer", sso_subject="lan@byt.gov.vn")
    logouts = []
    monkeypatch.setattr(streamlit, "logout", lambda: logouts.append(True))
    at = sso_app(app_ledger, {"is_logged_in": True, "email": "lan@byt.gov.vn"})
    at.session_state["actor"] = actor_for(app_ledger, "officer")
    at.session_state["last_seen"] = time.time() - 61 * 60
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert logouts == [True], "else the identity cookie would sign the idle user straight back in"
