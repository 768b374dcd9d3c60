"""User management: first administrator, accounts, roles, units, passwords (admin-only, audited)."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ledger import audit
from ledger.auth import SYSTEM, Actor, authenticate, hash_password, require_admin
from ledger.db import Database
from ledger.errors import NotFound, ValidationError, problem
from ledger.models import ROLES, FiscalYear, Unit, User
from ledger.reference import unit_by_code
from ledger.validation import Problems

USERNAME_PATTERN = re.compile(r"^[a-z0-9._-]{3,64}$")
MIN_PASSWORD = 4


def user_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(User)) or 0


def has_demo_users(session: Session) -> bool:
    return session.scalar(select(User.id).where(User.is_demo.is_(True)).limit(1)) is not None


def sign_in(db: Database, username: str, password: str) -> Actor:
    with db.read() as session:
        return authenticate(session, username, password)


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
    if password is not None and len(password) < MIN_PASSWORD:
        found.append(problem("user.password_short", "password", limit=MIN_PASSWORD))
    return unit


def _add_user(session: Session, actor: Actor, username: str, role: str, unit_code: str | None, password: str, full_name: str, is_demo: bool) -> User:
    found = Problems()
    username = (username or "").strip().lower()
    unit = _check_user(session, found, username, role, unit_code, password)
    if session.scalar(select(User.id).where(User.username == username)):
        found.append(problem("user.exists", "username", value=username))
    found.raise_if_any()
    user = User(
        username=username,
        full_name=(full_name or "").strip(),
        role=role,
        unit_id=unit.id if unit else None,
        password_hash=hash_password(password),
        is_active=True,
        is_demo=is_demo,
    )
    session.add(user)
    audit.record_change(session, actor.username, "user.create", user, None)
    return user


def create_user(db: Database, actor: Actor, username: str, role: str, password: str, unit_code: str | None = None, full_name: str = "", is_demo: bool = False) -> User:
    with db.write() as session:
        require_admin(session, actor)
        return _add_user(session, actor, username, role, unit_code, password, full_name, is_demo)


def bootstrap_admin(db: Database, username: str, password: str, full_name: str = "", current_year: int | None = None) -> Actor:
    """Create the first administrator of an empty ledger (and open the current fiscal year)."""
    import datetime as dt

    with db.write() as session:
        if user_count(session):
            raise ValidationError(problem("auth.setup_done"))
        user = _add_user(session, SYSTEM, username, "admin", None, password, full_name, False)
        year = current_year or dt.date.today().year
        if session.get(FiscalYear, year) is None:
            fiscal_year = FiscalYear(year=year, is_open=True)
            session.add(fiscal_year)
            audit.record_change(session, user.username, "fiscal_year.open", fiscal_year, None)
        return Actor.of(user)


def update_user(db: Database, actor: Actor, username: str, **changes: Any) -> User:
    """Change role, unit, full name or active flag (admin). Keeps at least one active administrator."""
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
        found.raise_if_any()
        user.role = role
        user.unit_id = unit.id if unit else None
        user.is_active = is_active
        if "full_name" in changes:
            user.full_name = (changes["full_name"] or "").strip()
        audit.record_change(session, actor.username, "user.update", user, before)
        return user


def reset_password(db: Database, actor: Actor, username: str, new_password: str) -> None:
    with db.write() as session:
        require_admin(session, actor)
        user = session.scalars(select(User).where(User.username == username)).first()
        if user is None:
            raise NotFound(problem("user.unknown", value=username))
        if len(new_password or "") < MIN_PASSWORD:
            raise ValidationError(problem("user.password_short", "password", limit=MIN_PASSWORD))
        before = audit.snapshot(user)
        user.password_hash = hash_password(new_password)
        audit.record_change(session, actor.username, "user.password_reset", user, before)


def list_users(db: Database, actor: Actor) -> list[dict[str, Any]]:
    with db.read() as session:
        require_admin(session, actor)
        rows = session.execute(
            select(User.username, User.full_name, User.role, Unit.code, User.is_active, User.is_demo)
            .outerjoin(Unit, Unit.id == User.unit_id)
            .order_by(User.username)
        )
        return [
            {"username": u, "full_name": n, "role": r, "unit_code": c, "is_active": a, "is_demo": d}
            for u, n, r, c, a, d in rows
        ]
