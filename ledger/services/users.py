"""User management: first administrator, accounts, roles, units, passwords (admin-only, audited);
sign-in with lockout, a user's own password change, and single sign-on (``actor_for_sso``)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ledger.domain import clock
from ledger.domain.errors import AuthenticationFailed, NotFound, ValidationError, problem
from ledger.domain.passwords import MIN_LENGTH, password_problem
from ledger.domain.validation import Problems
from ledger.queries import records
from ledger.queries.records import Record
from ledger.services import setup
from ledger.services.reference import unit_by_code
from ledger.store import audit
from ledger.store.access import (
    LOCKOUT_MINUTES,
    MAX_FAILED_SIGN_INS,
    SYSTEM,
    Actor,
    check_credentials,
    check_password,
    current_user,
    hash_password,
    is_locked,
    require_admin,
)
from ledger.store.db import Database
from ledger.store.models import ROLES, FiscalYear, Unit, User, utcnow

USERNAME_PATTERN = re.compile(r"^[a-z0-9._-]{3,64}$")
SSO_SUBJECT_PATTERN = re.compile(r"^\S{1,255}$")
MIN_PASSWORD = MIN_LENGTH  # kept for callers; the rule is ledger.domain.passwords


def user_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(User)) or 0


def has_demo_users(session: Session) -> bool:
    return session.scalar(select(User.id).where(User.is_demo.is_(True)).limit(1)) is not None


def sign_in(db: Database, username: str, password: str, now: dt.datetime | None = None) -> Actor:
    """The actor for these credentials, or the one generic refusal (unknown user, wrong password,
    locked or deactivated account alike). A wrong password of an active user counts; the
    MAX_FAILED_SIGN_INS-th in a row locks the account for LOCKOUT_MINUTES (an audited "user.lock").
    Every refusal takes one write transaction, whatever the reason, so timing does not tell them apart."""
    now = (now or utcnow()).replace(microsecond=0)
    with db.read() as session:
        user, verdict = check_credentials(session, username, password, now)
        actor = Actor.of(user) if verdict == "ok" else None
        failures = user.failed_logins if user is not None else 0
    if actor is not None:
        if failures:
            with db.write() as session:
                row = session.get(User, actor.user_id)
                if row is not None:
                    row.failed_logins = 0
        return actor
    _count_failure(db, (username or "").strip().lower(), now, counts=verdict == "wrong")
    raise AuthenticationFailed(problem("auth.failed"))


def _count_failure(db: Database, username: str, now: dt.datetime, *, counts: bool) -> None:
    """Count a wrong password (under the write lock, so concurrent attempts all count) and lock the
    account at the limit. ``counts`` False: the same transaction, changing nothing."""
    with db.write() as session:
        user = session.scalars(select(User).where(User.username == username)).first()
        if not counts or user is None or not user.is_active or is_locked(user, now):
            return
        user.failed_logins = (user.failed_logins or 0) + 1
        if user.failed_logins >= MAX_FAILED_SIGN_INS:
            before = audit.snapshot(user)
            user.failed_logins = 0
            user.locked_until = now + dt.timedelta(minutes=LOCKOUT_MINUTES)
            audit.record_change(session, SYSTEM.username, "user.lock", user, before)


def change_password(db: Database, actor: Actor, old_password: str, new_password: str, now: dt.datetime | None = None) -> None:
    """A user changes their own password, giving the current one (a wrong one counts towards the lock)."""
    now = (now or utcnow()).replace(microsecond=0)
    with db.read() as session:
        user = current_user(session, actor)
        seen_hash = user.password_hash
        right = check_password(seen_hash, old_password or "")
        locked = is_locked(user, now)
    if locked:
        raise AuthenticationFailed(problem("user.locked", minutes=LOCKOUT_MINUTES))
    if not right:
        _count_failure(db, actor.username, now, counts=True)
        raise ValidationError(problem("user.old_password", "old_password"))
    weak = password_problem(new_password, "new_password", actor.username)
    if weak is not None:
        raise ValidationError(weak)
    if new_password == old_password:
        raise ValidationError(problem("user.password_same", "new_password"))
    with db.write() as session:
        user = current_user(session, actor)
        if user.password_hash != seen_hash:  # changed (reset by an administrator) since it was checked
            raise ValidationError(problem("user.old_password", "old_password"))
        before = audit.snapshot(user)
        user.password_hash = hash_password(new_password)
        user.failed_logins = 0
        audit.record_change(session, actor.username, "user.password_change", user, before)


def unlock_user(db: Database, actor: Actor, username: str) -> Record:
    """An administrator lifts a sign-in lock (audited "user.unlock") and clears the failure count."""
    with db.write() as session:
        require_admin(session, actor)
        user = session.scalars(select(User).where(User.username == username)).first()
        if user is None:
            raise NotFound(problem("user.unknown", value=username))
        if user.locked_until is None and not user.failed_logins:
            raise ValidationError(problem("user.not_locked", value=username))
        before = audit.snapshot(user)
        user.locked_until = None
        user.failed_logins = 0
        audit.record_change(session, actor.username, "user.unlock", user, before)
        return records.written(session, user)


def sso_identities(claims: Mapping[str, Any]) -> list[str]:
    """What a single sign-on login asserts, most trusted first: the email (unless the provider says it
    is unverified), the preferred username, the subject; lowercased, duplicates dropped."""
    if not claims or claims.get("is_logged_in") is False:
        return []
    keys = ["preferred_username", "sub"]
    if claims.get("email_verified") is not False:
        keys.insert(0, "email")
    found: list[str] = []
    for key in keys:
        value = claims.get(key)
        if isinstance(value, str) and value.strip() and value.strip().lower() not in found:
            found.append(value.strip().lower())
    return found


def actor_for_sso(db: Database, claims: Mapping[str, Any]) -> Actor:
    """The local user linked (``users.sso_subject``, set by an administrator) to a single sign-on login
    (``st.user``'s claims). Refused with a sentence: no identity, no linked user, deactivated user."""
    identities = sso_identities(claims)
    if not identities:
        raise AuthenticationFailed(problem("auth.sso_no_identity"))
    with db.read() as session:
        linked = {u.sso_subject: u for u in session.scalars(select(User).where(User.sso_subject.in_(identities)))}
        user = next((linked[i] for i in identities if i in linked), None)
        if user is None:
            raise AuthenticationFailed(problem("auth.sso_unknown", subject=identities[0]))
        if not user.is_active:
            raise AuthenticationFailed(problem("auth.sso_inactive", subject=user.sso_subject))
        return Actor.of(user)


def _clean_sso_subject(session: Session, found: Problems, value: Any, user_id: int | None) -> str | None:
    subject = str(value or "").strip().lower() or None
    if subject is None:
        return None
    if not SSO_SUBJECT_PATTERN.match(subject):
        found.append(problem("user.sso_format", "sso_subject", value=subject[:64]))
        return None
    holder = session.scalars(select(User).where(User.sso_subject == subject)).first()
    if holder is not None and holder.id != user_id:
        found.append(problem("user.sso_taken", "sso_subject", value=subject, user=holder.username))
    return subject


def _check_user(session: Session, found: Problems, username: str | None, role: str, unit_code: str | None, password: str | None) -> Unit | None:
    if username is not None and not USERNAME_PATTERN.match(username):
        found.append(problem("user.username", "username"))
    if role not in ROLES:
        found.append(problem("user.role", "role", value=role))
    unit = None
    if unit_code:
        unit = unit_by_code(session, unit_code)
        if unit is None:
            found.append(problem("unit.unknown", "unit_code", value=unit_code))
    elif role in ("officer", "leader", "auditor"):
        found.append(problem("user.unit_required", "unit_code", role=role))
    return unit


def _add_user(session: Session, actor: Actor, username: str, role: str, unit_code: str | None, password: str, full_name: str, is_demo: bool, sso_subject: str | None = None, *, policy: bool = True) -> User:
    """``policy``: the password rule applies (ledger.domain.passwords) — to every password a person
    chooses; not to demo accounts nor to those the system creates itself (demo loader, fixtures)."""
    found = Problems()
    username = (username or "").strip().lower()
    unit = _check_user(session, found, username, role, unit_code, password)
    weak = password_problem(password, "password", username) if policy else None
    if weak is not None:
        found.append(weak)
    if session.scalar(select(User.id).where(User.username == username)):
        found.append(problem("user.exists", "username", value=username))
    subject = _clean_sso_subject(session, found, sso_subject, None)
    found.raise_if_any()
    user = User(
        username=username,
        full_name=(full_name or "").strip(),
        role=role,
        unit_id=unit.id if unit else None,
        password_hash=hash_password(password),
        is_active=True,
        is_demo=is_demo,
        sso_subject=subject,
    )
    session.add(user)
    audit.record_change(session, actor.username, "user.create", user, None)
    return user


def create_user(db: Database, actor: Actor, username: str, role: str, password: str, unit_code: str | None = None, full_name: str = "", is_demo: bool = False, sso_subject: str | None = None, *, typed: bool | None = None) -> Record:
    """``typed``: the password was typed by a person (the command line says so; an administrator's
    screen is always so): it must pass ``ledger.domain.passwords``."""
    with db.write() as session:
        return records.written(session, create_user_in(session, actor, username, role, password, unit_code, full_name, is_demo, sso_subject, typed=typed))


def create_user_in(session: Session, actor: Actor, username: str, role: str, password: str, unit_code: str | None = None, full_name: str = "", is_demo: bool = False, sso_subject: str | None = None, *, typed: bool | None = None) -> User:
    """``create_user`` inside a caller's write transaction (the demo loads its users in one)."""
    require_admin(session, actor)
    policy = (actor != SYSTEM if typed is None else typed) and not is_demo
    return _add_user(session, actor, username, role, unit_code, password, full_name, is_demo, sso_subject, policy=policy)


def bootstrap_admin(db: Database, username: str, password: str, full_name: str = "", current_year: int | None = None, *, setup_code: str | None = None) -> Actor:
    """Create the first administrator of an empty ledger (and open the current fiscal year). The
    set-up screen passes the ``setup_code`` typed in (``ledger.services.setup``), checked and spent
    here; server-side callers (the command line, the tests) pass none."""

    with db.write() as session:
        if user_count(session):
            raise ValidationError(problem("auth.setup_done"))
        if setup_code is not None:
            setup.check(session, setup_code)
        user = _add_user(session, SYSTEM, username, "admin", None, password, full_name, False)
        year = current_year or clock.today().year
        if session.get(FiscalYear, year) is None:
            fiscal_year = FiscalYear(year=year, is_open=True)
            session.add(fiscal_year)
            audit.record_change(session, user.username, "fiscal_year.open", fiscal_year, None)
        return Actor.of(user)


def update_user(db: Database, actor: Actor, username: str, **changes: Any) -> Record:
    """Change role, unit, full name, active flag or SSO account (admin). Keeps at least one active administrator."""
    with db.write() as session:
        require_admin(session, actor)
        user = session.scalars(select(User).where(User.username == username)).first()
        if user is None:
            raise NotFound(problem("user.unknown", value=username))
        before = audit.snapshot(user)
        role = changes.get("role", user.role)
        unit_code = changes["unit_code"] if "unit_code" in changes else (session.get(Unit, user.unit_id).code if user.unit_id else None)
        found = Problems()
        unit = _check_user(session, found, None, role, unit_code, None)
        is_active = bool(changes.get("is_active", user.is_active))
        if user.role == "admin" and user.is_active and (role != "admin" or not is_active):
            others = session.scalar(
                select(func.count()).select_from(User).where(User.role == "admin", User.is_active.is_(True), User.id != user.id)
            )
            if not others:
                found.append(problem("user.last_admin"))
        subject = _clean_sso_subject(session, found, changes["sso_subject"], user.id) if "sso_subject" in changes else user.sso_subject
        found.raise_if_any()
        user.sso_subject = subject
        user.role = role
        user.unit_id = unit.id if unit else None
        user.is_active = is_active
        if "full_name" in changes:
            user.full_name = (changes["full_name"] or "").strip()
        audit.record_change(session, actor.username, "user.update", user, before)
        return records.written(session, user)


def reset_password(db: Database, actor: Actor, username: str, new_password: str) -> None:
    with db.write() as session:
        require_admin(session, actor)
        user = session.scalars(select(User).where(User.username == username)).first()
        if user is None:
            raise NotFound(problem("user.unknown", value=username))
        weak = password_problem(new_password, "password", username)
        if weak is not None:
            raise ValidationError(weak)
        before = audit.snapshot(user)
        user.password_hash = hash_password(new_password)
        user.locked_until = None  # a new password from an administrator also lifts a sign-in lock
        user.failed_logins = 0
        audit.record_change(session, actor.username, "user.password_reset", user, before)
