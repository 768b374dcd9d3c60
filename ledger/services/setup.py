"""A safe first run (issue 10, item 8): until an administrator exists, creating one needs a one-time
set-up code that only the server's console shows (``python -m ledger init``, run by ``make run``), so
that nobody who merely reaches the address can make themselves administrator.

The code is kept hashed (as passwords are) in ``setup_codes`` (migration 0010), one at a time: a new
``init`` on a ledger without users replaces it, and creating the administrator spends it. The table
is not an audited ledger table: it never holds anything once the ledger is in use.
"""

from __future__ import annotations

import secrets

from sqlalchemy import column, delete, func, insert, select, table

from ledger.domain.errors import ValidationError, problem
from ledger.store.access import check_password, hash_password
from ledger.store.db import Database
from ledger.store.models import User
from ledger.store.models.base import utcnow

SETUP_CODES = table("setup_codes", column("id"), column("code_hash"), column("created_at"))
ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read off a console and typed in


def _normal(code: str | None) -> str:
    return "".join(ch for ch in str(code or "").upper() if ch.isalnum())


def issue(db: Database) -> str | None:
    """A fresh set-up code while the ledger has no user (the previous one no longer works); None
    once someone can sign in."""
    with db.write() as session:
        if session.scalar(select(func.count()).select_from(User)):
            session.execute(delete(SETUP_CODES))
            return None
        code = "".join(secrets.choice(ALPHABET) for _ in range(12))
        session.execute(delete(SETUP_CODES))
        session.execute(insert(SETUP_CODES).values(code_hash=hash_password(code), created_at=utcnow()))
    return "-".join(code[i : i + 4] for i in range(0, 12, 4))


def check(session, code: str | None) -> None:
    """Refuse a missing or wrong set-up code (inside the transaction that creates the administrator)
    and spend the right one."""
    stored = session.execute(select(SETUP_CODES.c.id, SETUP_CODES.c.code_hash)).all()
    typed = _normal(code)
    if not stored:
        raise ValidationError(problem("setup.no_code", "setup_code"))
    if not typed or not any(check_password(row.code_hash, typed) for row in stored):
        raise ValidationError(problem("setup.code_wrong", "setup_code"))
    session.execute(delete(SETUP_CODES))
