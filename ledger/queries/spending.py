"""Payments and contributions as a finance office searches them (issue 10, item 7): by voucher, line,
press agency, date range and amount, accent-insensitive, with the count and total computed in SQL
over everything selected, however many rows the list shows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from ledger.queries.base import big_sum, folded_match, reversed_flag, rows_as
from ledger.queries.commitments import ContributionRow, PaymentRow
from ledger.store.access import Actor, scope_unit_ids
from ledger.store.db import Database
from ledger.store.models import BudgetLine, Commitment, Contribution, Payment, PressAgency, Unit

LIMIT = 5000


@dataclass(frozen=True)
class SpendingFilters:
    """What a payment or contribution search selects; every field optional but the year."""

    year: int
    search: str | None = None  # voucher, commitment reference, line code, agency, donor
    line_id: int | None = None
    agency: str | None = None  # press agency code
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    amount_min: int | None = None
    amount_max: int | None = None


@dataclass(frozen=True)
class ContributionListRow(ContributionRow):
    """A contribution as the search lists it, beside what a line's own list shows: which line and unit."""

    line_id: int
    line_code: str
    unit_code: str


@dataclass(frozen=True)
class Found:
    """A shortened list and what it is short of: ``count`` rows in all, totalling ``total`` đồng."""

    rows: tuple[Any, ...]
    count: int
    total: int

    @property
    def shortened(self) -> bool:
        return self.count > len(self.rows)


def _conditions(session, actor: Actor, model, filters: SpendingFilters, texts: tuple[Any, ...]) -> list[Any]:
    scope = scope_unit_ids(session, actor)
    conditions: list[Any] = [model.year == filters.year]
    if scope is not None:
        conditions.append(BudgetLine.unit_id.in_(scope))
    if filters.line_id is not None:
        conditions.append(model.line_id == filters.line_id)
    if filters.date_from is not None:
        conditions.append(model.date >= filters.date_from)
    if filters.date_to is not None:
        conditions.append(model.date <= filters.date_to)
    if filters.amount_min is not None:
        conditions.append(model.amount >= filters.amount_min)
    if filters.amount_max is not None:
        conditions.append(model.amount <= filters.amount_max)
    match = folded_match(filters.search, *texts)
    if match is not None:
        conditions.append(match)
    return conditions


def _found(session, query, total_query, cls, limit: int) -> Found:
    count, total = session.execute(total_query).one()
    return Found(tuple(rows_as(cls, session.execute(query.limit(limit)).mappings())), int(count), int(total or 0))


def find_payments(db: Database, actor: Actor, filters: SpendingFilters, limit: int = LIMIT) -> Found:
    """Payments in scope matching ``filters``, newest first, with the count and total of all of them."""
    with db.read() as session:
        conditions = _conditions(session, actor, Payment, filters, (Payment.voucher_no, Commitment.reference, BudgetLine.code, PressAgency.code, PressAgency.name))
        if filters.agency:
            conditions.append(PressAgency.code == filters.agency)

        def joined(query):
            return (
                query.join(BudgetLine, BudgetLine.id == Payment.line_id)
                .join(Unit, Unit.id == BudgetLine.unit_id)
                .outerjoin(Commitment, Commitment.id == Payment.commitment_id)
                .outerjoin(PressAgency, PressAgency.id == Commitment.press_agency_id)
                .where(*conditions)
            )

        rows = joined(
            select(
                Payment.id, Payment.voucher_no, Payment.date, Payment.kind, Payment.amount, Payment.excess_amount, Payment.reverses_id,
                reversed_flag(Payment), Payment.commitment_id, Commitment.reference, BudgetLine.id.label("line_id"),
                BudgetLine.code.label("line_code"), Unit.code.label("unit_code"), Payment.created_by,
            )
        ).order_by(Payment.id.desc())
        totals = joined(select(func.count(Payment.id), big_sum(Payment.amount)))
        return _found(session, rows, totals, PaymentRow, limit)


def find_contributions(db: Database, actor: Actor, filters: SpendingFilters, limit: int = LIMIT) -> Found:
    """XHH contributions in scope matching ``filters``, newest first, with their count and total."""
    with db.read() as session:
        conditions = _conditions(session, actor, Contribution, filters, (Contribution.voucher_no, Contribution.donor, BudgetLine.code))

        def joined(query):
            return query.join(BudgetLine, BudgetLine.id == Contribution.line_id).join(Unit, Unit.id == BudgetLine.unit_id).where(*conditions)

        rows = joined(
            select(
                Contribution.id, Contribution.voucher_no, Contribution.date, Contribution.donor, Contribution.amount, Contribution.reverses_id,
                reversed_flag(Contribution), BudgetLine.id.label("line_id"), BudgetLine.code.label("line_code"), Unit.code.label("unit_code"),
                Contribution.created_by,
            )
        ).order_by(Contribution.id.desc())
        totals = joined(select(func.count(Contribution.id), big_sum(Contribution.amount)))
        return _found(session, rows, totals, ContributionListRow, limit)
