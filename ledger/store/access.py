"""Who is acting and what they may see or write: passwords, sign-in, roles and unit scopes.

Scopes are enforced here, inside the ledger, not by hiding pages: every read query filters by
``scope_unit_ids`` and every write calls ``require_writer``. The unit tree and the actor's row are
read once per transaction (``ledger.store.cache``).
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.domain.errors import AuthenticationFailed, PermissionDenied, problem
from ledger.store import audit, cache
from ledger.store.models import Unit, User, utcnow

_hasher = PasswordHasher()
# Verified against when the username is unknown, so that both failures cost the same time.
@functools.cache
def _dummy_hash() -> str:
    """Made on first use, not at import: an argon2 hash costs about a second of a loaded CPU."""
    return _hasher.hash("not-a-real-password")

READ_ONLY_ROLES = ("leader", "auditor")
# After this many wrong passwords in a row a user is locked for LOCKOUT_MINUTES (users.sign_in);
# during the lock even the right password gets the one generic refusal.
MAX_FAILED_SIGN_INS = 5
LOCKOUT_MINUTES = 15


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def check_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@dataclass(frozen=True)
class Actor:
    """The signed-in user as the services see it (re-checked against the database on every write)."""

    user_id: int
    username: str
    role: str
    unit_id: int | None

    @classmethod
    def of(cls, user: User) -> Actor:
        return cls(user.id, user.username, user.role, user.unit_id)


# The operator at the command line (migrations, demo loading): acts everywhere, recorded as "system".
SYSTEM = Actor(0, "system", "admin", None)


def is_locked(user: User, now: dt.datetime) -> bool:
    """Whether the user is inside a sign-in lock (``now``: naive UTC)."""
    return user.locked_until is not None and user.locked_until > now


def check_credentials(session: Session, username: str, password: str, now: dt.datetime) -> tuple[User | None, str]:
    """The user and a verdict: "ok", "unknown", "wrong", "locked" or "inactive". Every verdict costs
    one argon2 verification, so that the time taken does not tell them apart."""
    user = session.scalars(select(User).where(User.username == (username or "").strip().lower())).first()
    if user is None:
        check_password(_dummy_hash(), password or "")
        return None, "unknown"
    right = check_password(user.password_hash, password or "")
    if not user.is_active:
        return user, "inactive"
    if is_locked(user, now):
        return user, "locked"
    return user, "ok" if right else "wrong"


def authenticate(session: Session, username: str, password: str, now: dt.datetime | None = None) -> Actor:
    """The actor for these credentials; one and the same refusal for unknown user, wrong password,
    locked or deactivated account. (``users.sign_in`` also counts the failures and locks.)"""
    user, verdict = check_credentials(session, username, password, now or utcnow())
    if verdict != "ok":
        raise AuthenticationFailed(problem("auth.failed"))
    return Actor.of(user)


def _units(session: Session) -> dict[int | None, list[int]]:
    """The unit tree as children by parent, read once per transaction (every unit row is kept, so
    ``session.get(Unit, ...)`` costs nothing after)."""
    kept = cache.of(session)
    if kept is not None and kept.children is not None:
        return kept.children
    units = list(session.scalars(select(Unit)))
    children: dict[int | None, list[int]] = {}
    for unit in units:
        children.setdefault(unit.parent_id, []).append(unit.id)
    if kept is not None:
        kept.units, kept.children = {unit.id: unit for unit in units}, children
    return children


def unit_children(session: Session) -> dict[int | None, list[int]]:
    return {parent: list(ids) for parent, ids in _units(session).items()}


def subtree(session: Session, unit_id: int) -> set[int]:
    """A unit and all its subordinate units."""
    kept = cache.of(session)
    if kept is not None and unit_id in kept.subtrees and kept.children is not None:
        return set(kept.subtrees[unit_id])
    children = _units(session)
    found, stack = set(), [unit_id]
    while stack:
        current = stack.pop()
        if current in found:
            continue
        found.add(current)
        stack.extend(children.get(current, ()))
    if kept is not None:
        kept.subtrees[unit_id] = frozenset(found)
    return found


def scope_unit_ids(session: Session, actor: Actor) -> set[int] | None:
    """Units whose data the actor may read; ``None`` means every unit (an admin without a unit)."""
    if actor.unit_id is None:
        return None if actor.role == "admin" else set()
    return subtree(session, actor.unit_id)


def current_user(session: Session, actor: Actor) -> User:
    """The actor's user row, refusing a deactivated or since-removed account. Read once per
    transaction; in a write transaction, together with the audit head (one statement for both)."""
    kept = cache.of(session)
    user = kept.users.get(actor.user_id) if kept is not None else None
    if user is None:
        user = _load_user(session, actor.user_id)
        if user is not None and kept is not None:
            kept.users[actor.user_id] = user
    if user is None or not user.is_active:
        raise PermissionDenied(problem("perm.inactive"))
    return user


def _load_user(session: Session, user_id: int) -> User | None:
    if not (cache.writing(session) and audit.head_unknown(session)):
        return session.get(User, user_id)
    seq, hash_ = audit.head_columns()
    found = session.execute(select(User, seq, hash_).where(User.id == user_id)).first()
    if found is None:
        return None
    audit.remember_head(session, found[1], found[2])
    return found[0]


def require_admin(session: Session, actor: Actor) -> User:
    if actor == SYSTEM:
        return None  # type: ignore[return-value]
    user = current_user(session, actor)
    if user.role != "admin":
        raise PermissionDenied(problem("perm.admin_only"))
    return user


def require_writer(session: Session, actor: Actor, unit_id: int) -> User:
    """Refuse unless the actor is an active officer whose unit subtree holds ``unit_id``."""
    if actor == SYSTEM:
        return None  # type: ignore[return-value]
    user = current_user(session, actor)
    if user.role in READ_ONLY_ROLES:
        raise PermissionDenied(problem("perm.read_only", role=user.role))
    if user.role == "admin":
        raise PermissionDenied(problem("perm.admin_no_ledger"))
    if user.unit_id is None or unit_id not in subtree(session, user.unit_id):
        own = session.get(Unit, user.unit_id) if user.unit_id else None
        unit = session.get(Unit, unit_id)
        raise PermissionDenied(
            problem("perm.outside_unit", own=own.code if own else "—", unit=unit.code if unit else unit_id)
        )
    return user


def can_read_unit(session: Session, actor: Actor, unit_id: int) -> bool:
    scope = scope_unit_ids(session, actor)
    return scope is None or unit_id in scope
