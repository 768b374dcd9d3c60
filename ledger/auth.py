"""Who is acting and what they may see or write: passwords, sign-in, roles and unit scopes.

Scopes are enforced here, inside the ledger, not by hiding pages: every read query filters by
``scope_unit_ids`` and every write calls ``require_writer``.
"""

from __future__ import annotations

from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.errors import AuthenticationFailed, PermissionDenied, problem
from ledger.models import Unit, User

_hasher = PasswordHasher()
# Verified against when the username is unknown, so that both failures cost the same time.
_DUMMY_HASH = _hasher.hash("not-a-real-password")

READ_ONLY_ROLES = ("leader", "auditor")


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


def authenticate(session: Session, username: str, password: str) -> Actor:
    """The actor for these credentials; one and the same refusal for unknown user and wrong password."""
    user = session.scalars(select(User).where(User.username == (username or "").strip().lower())).first()
    if user is None:
        check_password(_DUMMY_HASH, password or "")
        raise AuthenticationFailed(problem("auth.failed"))
    if not check_password(user.password_hash, password or "") or not user.is_active:
        raise AuthenticationFailed(problem("auth.failed"))
    return Actor.of(user)


def unit_children(session: Session) -> dict[int | None, list[int]]:
    children: dict[int | None, list[int]] = {}
    for unit_id, parent_id in session.execute(select(Unit.id, Unit.parent_id)):
        children.setdefault(parent_id, []).append(unit_id)
    return children


def subtree(session: Session, unit_id: int) -> set[int]:
    """A unit and all its subordinate units."""
    children = unit_children(session)
    found, stack = set(), [unit_id]
    while stack:
        current = stack.pop()
        if current in found:
            continue
        found.add(current)
        stack.extend(children.get(current, ()))
    return found


def scope_unit_ids(session: Session, actor: Actor) -> set[int] | None:
    """Units whose data the actor may read; ``None`` means every unit (an admin without a unit)."""
    if actor.unit_id is None:
        return None if actor.role == "admin" else set()
    return subtree(session, actor.unit_id)


def current_user(session: Session, actor: Actor) -> User:
    """The actor's user row, refusing a deactivated or since-removed account."""
    user = session.get(User, actor.user_id)
    if user is None or not user.is_active:
        raise PermissionDenied(problem("perm.inactive"))
    return user


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
