"""Whether an entry identical to the one about to be posted was posted a few minutes ago (issue 10:
a second identical entry asks for confirmation before it is posted)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select

from ledger.domain.formatting import parse_amount, parse_date
from ledger.store.db import Database
from ledger.store.models import Adjustment, Contribution, Payment
from ledger.store.models.base import utcnow

MODELS = {"adjustment": Adjustment, "payment": Payment, "contribution": Contribution}
MINUTES = 15


def recent_twin(db: Database, entry: str, amount: Any, date: Any, *, minutes: int = MINUTES, **same: Any) -> dt.datetime | None:
    """When (naive UTC) an ``entry`` (adjustment, payment, contribution) with this amount, date and ``same`` columns (line,
    decision…) was posted in the last ``minutes``; None when there is none or the input does not
    parse (the service will refuse it with its own sentence)."""
    value, error = parse_amount(amount, allow_negative=True)
    when, date_error = parse_date(date)
    if error or date_error or value is None or when is None or any(v in (None, "") for v in same.values()):
        return None
    model = MODELS[entry]
    query = select(model.created_at).where(model.amount == value, model.date == when, model.created_at >= utcnow() - dt.timedelta(minutes=minutes), model.reverses_id.is_(None))
    for column, wanted in same.items():
        query = query.where(getattr(model, column) == (wanted.strip() if isinstance(wanted, str) else wanted))
    with db.read() as session:
        return session.scalar(query.order_by(model.created_at.desc()).limit(1))
