"""Deliberate posting: the one-time token a posting form carries, and the refusal of a second posting
with it ("already posted as …").

A screen asks ``new()`` for a token when it draws a posting form and passes it to the service; the
service stores it on the row it writes (``posting_token``, unique on every table a form posts to,
migration 0010). A double click, a re-submit or a reload then reaches the unique index (or, for a
commitment already moved on, a status refusal) and ``guarded`` turns that into one sentence naming
what the first submit posted. Checking through the row's own INSERT costs no statement on the way
that succeeds; only a refused posting reads which entry holds the token.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ledger.domain.errors import LedgerError, ValidationError, problem
from ledger.domain.formatting import format_amount
from ledger.store.db import Database
from ledger.store.models import Acceptance, Adjustment, BudgetLine, Commitment, Contribution, Payment

LENGTH = 36


def new() -> str:
    """A fresh token for one drawing of a posting form."""
    return secrets.token_urlsafe(24)


def clean(token: Any) -> str | None:
    """The token to store: a non-empty string of at most ``LENGTH`` characters, else none."""
    if not isinstance(token, str) or not token.strip():
        return None
    return token.strip()[:LENGTH]


def _adjustment(session: Session, row: Adjustment) -> dict[str, Any]:
    line = session.get(BudgetLine, row.line_id)
    return {"kind": "adjustment", "number": row.decision_no, "line": line.code if line else "", "amount": format_amount(row.amount)}


def _payment(session: Session, row: Payment | Contribution) -> dict[str, Any]:
    return {"kind": "payment" if isinstance(row, Payment) else "contribution", "number": row.voucher_no, "line": "", "amount": format_amount(row.amount)}


def _acceptance(session: Session, row: Acceptance) -> dict[str, Any]:
    return {"kind": "acceptance", "number": row.record_no, "line": "", "amount": format_amount(row.accepted_value)}


def _commitment(session: Session, row: Commitment) -> dict[str, Any]:
    return {"kind": f"commitment.{row.status}", "number": row.reference, "line": "", "amount": format_amount(row.final_value if row.final_value is not None else row.value)}


_DESCRIBE: tuple[tuple[type, Callable[[Session, Any], dict[str, Any]]], ...] = (
    (Adjustment, _adjustment), (Payment, _payment), (Contribution, _payment), (Acceptance, _acceptance), (Commitment, _commitment),
)


def posted_with(session: Session, token: str) -> dict[str, Any] | None:
    """What was posted with ``token`` (kind, business key, amount), or None."""
    for model, describe in _DESCRIBE:
        row = session.scalars(select(model).where(model.posting_token == token).limit(1)).first()
        if row is not None:
            return describe(session, row)
    return None


def already(db: Database, token: str | None) -> ValidationError | None:
    """The refusal of a second posting with ``token`` when an entry already holds it."""
    if not token:
        return None
    with db.read() as session:
        found = posted_with(session, token)
    if found is None:
        return None
    kind = found.pop("kind")
    return ValidationError(problem(f"posting.already.{kind}", "token", **found))


@contextmanager
def guarded(db: Database, token: Any) -> Iterator[None]:
    """Run a posting; when it is refused (by the unique index or by any rule) and its token was used
    already, refuse it as "already posted as …" instead: the user's first click went through."""
    token = clean(token)
    try:
        yield
    except (IntegrityError, LedgerError) as error:
        refusal = already(db, token)
        if refusal is None:
            raise
        raise refusal from error
