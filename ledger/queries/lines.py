"""Budget lines as the screens read them: the year's lines in scope, one line in detail (its
adjustments and audit events), and the year's adjustments in scope."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, or_, select

from ledger.queries.base import Reversible, big_sum, folded_match, reversed_flag, rows_as
from ledger.services import budget as budget_service
from ledger.services.reference import unit_by_code
from ledger.store.access import Actor, scope_unit_ids, subtree
from ledger.store.db import Database
from ledger.store.models import Adjustment, AuditEvent, BudgetLine, Policy, Unit


@dataclass(frozen=True)
class LineFilters:
    year: int
    unit_code: str | None = None
    category: str | None = None
    source: str | None = None
    policy_code: str | None = None
    search: str | None = None


@dataclass(frozen=True)
class LineRow:
    """A budget line with its allocation."""

    id: int
    code: str
    year: int
    unit_code: str
    unit_name: str
    description: str
    category_code: str
    source_code: str
    sector_code: str | None
    sub_item: str | None
    policy_code: str | None
    policy_name: str | None
    original_estimate: int
    adjustments: int

    @property
    def allocated(self) -> int:
        return self.original_estimate + self.adjustments


@dataclass(frozen=True)
class AdjustmentRow(Reversible):
    """One posted adjustment (a transfer leg or a reversal included), with whether it was reversed."""

    id: int
    date: dt.date
    line_id: int
    line_code: str
    unit_code: str
    amount: int
    decision_no: str
    reason: str
    transfer_key: str | None
    reverses_id: int | None
    created_by: str
    created_at: dt.datetime
    reversed: bool


@dataclass(frozen=True)
class AuditEntry:
    seq: int
    occurred_at: dt.datetime | None
    actor: str
    action: str
    hash: str


@dataclass(frozen=True)
class LineDetail:
    """A line, its adjustments (oldest first), its audit events and what is used on it."""

    line: LineRow
    used: int
    adjustments: tuple[AdjustmentRow, ...]
    events: tuple[AuditEntry, ...]

    @property
    def adjustments_total(self) -> int:
        return self.line.adjustments

    @property
    def allocated(self) -> int:
        return self.line.allocated


def _line_query():
    sums = select(Adjustment.line_id, big_sum(Adjustment.amount).label("adjustments")).group_by(Adjustment.line_id).subquery()
    return (
        select(
            BudgetLine.id, BudgetLine.code, BudgetLine.year, Unit.code.label("unit_code"), Unit.name.label("unit_name"),
            BudgetLine.description, BudgetLine.category_code, BudgetLine.source_code, BudgetLine.sector_code,
            BudgetLine.sub_item, Policy.code.label("policy_code"), Policy.name.label("policy_name"),
            BudgetLine.original_estimate, func.coalesce(sums.c.adjustments, 0).label("adjustments"),
        )
        .join(Unit, Unit.id == BudgetLine.unit_id)
        .outerjoin(Policy, Policy.id == BudgetLine.policy_id)
        .outerjoin(sums, sums.c.line_id == BudgetLine.id)
    )


def list_lines(db: Database, actor: Actor, filters: LineFilters) -> list[LineRow]:
    """Lines of a year in the actor's scope with their allocation, aggregated in SQL."""
    with db.read() as session:
        scope = scope_unit_ids(session, actor)
        query = _line_query().where(BudgetLine.year == filters.year).order_by(BudgetLine.code)
        if scope is not None:
            query = query.where(BudgetLine.unit_id.in_(scope))
        if filters.unit_code:
            unit = unit_by_code(session, filters.unit_code)
            if unit is None:
                return []
            query = query.where(BudgetLine.unit_id.in_(subtree(session, unit.id)))
        if filters.category:
            query = query.where(BudgetLine.category_code == filters.category)
        if filters.source:
            query = query.where(BudgetLine.source_code == filters.source)
        if filters.policy_code:
            query = query.where(Policy.code == filters.policy_code)
        match = folded_match(filters.search, BudgetLine.code, BudgetLine.description)
        if match is not None:
            query = query.where(match)
        return rows_as(LineRow, session.execute(query).mappings())


def _adjustment_query():
    return (
        select(
            Adjustment.id, Adjustment.date, BudgetLine.id.label("line_id"), BudgetLine.code.label("line_code"),
            Unit.code.label("unit_code"), Adjustment.amount, Adjustment.decision_no, Adjustment.reason,
            Adjustment.transfer_key, Adjustment.reverses_id, Adjustment.created_by, Adjustment.created_at,
            reversed_flag(Adjustment),
        )
        .join(BudgetLine, BudgetLine.id == Adjustment.line_id)
        .join(Unit, Unit.id == BudgetLine.unit_id)
    )


def _as_datetime(value: str | None) -> dt.datetime | None:
    """An audit event's ISO 8601 time; None for a value that is not one (a tampered row stays readable)."""
    try:
        return dt.datetime.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None


def line_detail(db: Database, actor: Actor, line_id: int) -> LineDetail:
    """A line, its adjustments (oldest first) and its audit events; outside the scope: not found."""
    with db.read() as session:
        line = budget_service.get_line(session, actor, line_id)
        row = rows_as(LineRow, session.execute(_line_query().where(BudgetLine.id == line.id)).mappings())[0]
        adjustments = rows_as(AdjustmentRow, session.execute(_adjustment_query().where(Adjustment.line_id == line.id).order_by(Adjustment.id)).mappings())
        adjustment_ids = [str(a.id) for a in adjustments]
        events = session.scalars(
            select(AuditEvent)
            .where(
                or_(
                    (AuditEvent.entity_type == "budget_line") & (AuditEvent.entity_id == str(line.id)),
                    (AuditEvent.entity_type == "adjustment") & (AuditEvent.entity_id.in_(adjustment_ids)),
                )
            )
            .order_by(AuditEvent.seq)
        )
        return LineDetail(
            line=row,
            used=budget_service.line_used(session, line.id),
            adjustments=tuple(adjustments),
            events=tuple(AuditEntry(e.seq, _as_datetime(e.occurred_at), e.actor, e.action, e.hash) for e in events),
        )


def adjustments_in_scope(db: Database, actor: Actor, year: int, limit: int = 2000) -> list[AdjustmentRow]:
    """The year's adjustments in the actor's scope, newest first."""
    with db.read() as session:
        scope = scope_unit_ids(session, actor)
        query = _adjustment_query().where(BudgetLine.year == year).order_by(Adjustment.id.desc()).limit(limit)
        if scope is not None:
            query = query.where(BudgetLine.unit_id.in_(scope))
        return rows_as(AdjustmentRow, session.execute(query).mappings())
