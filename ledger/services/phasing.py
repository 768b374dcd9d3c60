"""A line's own monthly plan (phân kỳ), read by the dashboard's phased-plan curve.

The twelve amounts are weights: the dashboard spreads the line's allocation over the months in
their proportion, so that the plan still ends at the allocation after later adjustments. A line
without a phasing is phased evenly. Setting a phasing is an audited write by a finance officer of
the line's unit (or a unit above it), like every other write of the ledger.
"""

from __future__ import annotations

import numbers
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.domain.errors import NotFound, problem
from ledger.domain.formatting import MAX_AMOUNT
from ledger.domain.validation import Problems
from ledger.queries import records
from ledger.queries.records import Record
from ledger.services.budget import require_writer_any
from ledger.store import audit
from ledger.store.access import Actor, require_writer
from ledger.store.db import Database
from ledger.store.models import BudgetLine, FiscalYear, LinePhasing

MONTHS = 12


def _amounts(found: Problems, monthly_amounts: Any) -> list[int]:
    amounts = list(monthly_amounts) if isinstance(monthly_amounts, list | tuple) else None
    if amounts is None or len(amounts) != MONTHS:
        found.append(problem("phasing.months", "monthly_amounts", count=0 if amounts is None else len(amounts)))
        return []
    clean = []
    for month, value in enumerate(amounts, start=1):
        if isinstance(value, bool) or not isinstance(value, numbers.Integral) or not 0 <= value <= MAX_AMOUNT:
            found.append(problem("phasing.amount", f"monthly_amounts[{month}]", month=month, value=value))
            continue
        clean.append(int(value))
    if len(clean) == MONTHS and sum(clean) == 0:
        found.append(problem("phasing.zero", "monthly_amounts"))
    return clean


def set_phasing(db: Database, actor: Actor, line_id: int, monthly_amounts: list[int]) -> list[Record]:
    """Set a line's monthly plan: twelve non-negative whole amounts (weights), not all zero."""
    with db.write() as session:
        return records.written(session, set_phasing_in(session, actor, line_id, monthly_amounts))


def set_phasing_in(session: Session, actor: Actor, line_id: int, monthly_amounts: list[int]) -> list[LinePhasing]:
    """``set_phasing`` inside a caller's write transaction."""
    line = session.get(BudgetLine, line_id) if isinstance(line_id, int) and not isinstance(line_id, bool) else None
    if line is None:
        require_writer_any(session, actor)
        raise NotFound(problem("line.unknown", value=line_id))
    require_writer(session, actor, line.unit_id)
    found = Problems()
    amounts = _amounts(found, monthly_amounts)
    fiscal_year = session.get(FiscalYear, line.year)
    if fiscal_year is not None and not fiscal_year.is_open:
        found.append(problem("year.closed", "year", year=line.year))
    found.raise_if_any()

    existing = {row.month: row for row in session.scalars(select(LinePhasing).where(LinePhasing.line_id == line.id))}
    rows = []
    for month, amount in enumerate(amounts, start=1):
        row = existing.get(month)
        if row is None:
            row = LinePhasing(line_id=line.id, month=month, amount=amount)
            session.add(row)
            audit.record_change(session, actor.username, "line_phasing.set", row, None)
        elif row.amount != amount:
            before = audit.snapshot(row)
            row.amount = amount
            audit.record_change(session, actor.username, "line_phasing.set", row, before)
        rows.append(row)
    return rows

