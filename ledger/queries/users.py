"""User accounts as the administrators' screen reads them, and as the app's entry counts them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select

from ledger.services.users import has_demo_users, user_count
from ledger.store.access import Actor, require_admin
from ledger.store.db import Database
from ledger.store.models import Unit, User, utcnow


@dataclass(frozen=True)
class UserRow:
    username: str
    full_name: str
    role: str
    unit_code: str | None
    is_active: bool
    is_demo: bool
    locked_until: dt.datetime | None  # UTC; None when not locked (or the lock has run out)
    sso_subject: str | None


def list_users(db: Database, actor: Actor) -> list[UserRow]:
    """Every account, by user name (administrators only)."""
    with db.read() as session:
        require_admin(session, actor)
        rows = session.execute(
            select(User.username, User.full_name, User.role, Unit.code, User.is_active, User.is_demo, User.locked_until, User.sso_subject)
            .outerjoin(Unit, Unit.id == User.unit_id)
            .order_by(User.username)
        )
        now = utcnow()
        return [
            UserRow(name, full_name, role, unit, bool(active), bool(demo), lock if lock is not None and lock > now else None, sso)
            for name, full_name, role, unit, active, demo, lock, sso in rows
        ]


@dataclass(frozen=True)
class EntryAccounts:
    """What the app's entry needs before anyone signs in: how many accounts exist (none: the first
    run's set-up screen instead of the sign-in) and whether some are the demo's (a banner says so)."""

    count: int
    has_demo: bool


def entry_accounts(db: Database) -> EntryAccounts:
    """The accounts' count and demo flag, read in one transaction (the entry opens no session of its own)."""
    with db.read() as session:
        return EntryAccounts(user_count(session), has_demo_users(session))
