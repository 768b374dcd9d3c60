"""Reading the audit trail within a user's scope: the audit screen and the extract's audit log.

An event is in scope when the entity it records belongs to a unit in scope: a budget line by its
unit, an adjustment, commitment, payment… by its line, a user by their unit, a policy by its owner.
The catalogues every user reads (fiscal years, press agencies) are in everyone's scope; an
administrator (or the operator) reads every event. Filters run in SQL.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import String, and_, cast, false, func, or_, select
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from ledger.reports.audit_names import business_keys
from ledger.store import audit, models
from ledger.store.access import Actor, scope_unit_ids
from ledger.store.audit import ChainHead
from ledger.store.db import Database
from ledger.store.models import AuditEvent, BudgetLine, Commitment, Unit
from ledger.store.verify import VerifyResult, verify

VIETNAM = dt.timezone(dt.timedelta(hours=7), "ICT")  # no daylight saving time
GLOBAL_TYPES = ("fiscal_year", "press_agency")
# The entities of a unit's trail that hang off a budget line, and those that hang off a commitment.
LINE_ENTITIES = {
    "adjustment": models.Adjustment, "line_phasing": models.LinePhasing, "commitment": Commitment, "contribution": models.Contribution,
    "payment": models.Payment, "year_end_entry": models.YearEndEntry,
}
COMMITMENT_ENTITIES = {"commitment_item": models.CommitmentItem, "acceptance": models.Acceptance}
# The entities that belong to a unit directly (``unit_id``); with a ``year`` column, to a year too.
UNIT_ENTITIES = {
    "staff_member": models.StaffMember, "staff_assignment": models.StaffAssignment, "draft_comment": models.DraftComment,
    "communication_plan": models.CommunicationPlan, "report_setting": models.ReportSetting, "report_version": models.ReportVersion,
    "trusted_key": models.TrustedKey, "received_package": models.ReceivedPackage, "year_end_run": models.YearEndRun,
}


def to_vietnam(occurred_at: str) -> dt.datetime:
    """An event's ISO UTC timestamp as naive Vietnam time (what the screens and extracts show)."""
    moment = dt.datetime.fromisoformat(occurred_at).replace(tzinfo=dt.UTC)
    return moment.astimezone(VIETNAM).replace(tzinfo=None)


def _utc_bound(day: dt.date) -> str:
    """The UTC ISO text of the Vietnam midnight starting ``day`` (events compare as text)."""
    moment = dt.datetime.combine(day, dt.time(), tzinfo=VIETNAM).astimezone(dt.UTC).replace(tzinfo=None)
    return moment.isoformat(timespec="microseconds")


def _as_text(column):
    return cast(column, String)


def _deleted_item_commitment(session: Session):
    """The commitment id recorded in a deleted order item's ``before`` snapshot (SQLite or PostgreSQL)."""
    if session.get_bind().dialect.name == "sqlite":
        return func.json_extract(AuditEvent.before, "$.commitment_id")
    return cast(AuditEvent.before, JSONB)["commitment_id"].astext


def scope_condition(
    session: Session, unit_ids: set[int] | None, year: int | None = None, policy_ids: Any = None
) -> ColumnElement[bool] | None:
    """Which events belong to units ``unit_ids`` (None: every unit) and, with ``year``, to that fiscal
    year's data (an extract's audit log). ``None`` means no restriction at all."""
    if unit_ids is None and year is None:
        return None
    event = AuditEvent
    line_where = []
    if unit_ids is not None:
        line_where.append(BudgetLine.unit_id.in_(unit_ids))
    if year is not None:
        line_where.append(BudgetLine.year == year)
    lines = select(_as_text(BudgetLine.id)).where(*line_where)
    commitments = select(Commitment.id).join(BudgetLine, BudgetLine.id == Commitment.line_id).where(*line_where)

    def on_line(model):
        return select(_as_text(model.id)).join(BudgetLine, BudgetLine.id == model.line_id).where(*line_where)

    def on_commitment(model):
        return (
            select(_as_text(model.id))
            .join(Commitment, Commitment.id == model.commitment_id)
            .join(BudgetLine, BudgetLine.id == Commitment.line_id)
            .where(*line_where)
        )

    conditions = [
        (event.entity_type.in_(("budget_line", "control_warning"))) & event.entity_id.in_(lines),
        *((event.entity_type == name) & event.entity_id.in_(on_line(model)) for name, model in LINE_ENTITIES.items()),
        *((event.entity_type == name) & event.entity_id.in_(on_commitment(model)) for name, model in COMMITMENT_ENTITIES.items()),
    ]
    def on_unit(model, *joins):
        query = select(_as_text(model.id))
        for target, on in joins:
            query = query.join(target, on)
        owner = joins[-1][0] if joins else model
        if unit_ids is not None:
            query = query.where(owner.unit_id.in_(unit_ids))
        if year is not None and hasattr(owner, "year"):
            query = query.where(owner.year == year)
        return query

    conditions += [(event.entity_type == name) & event.entity_id.in_(on_unit(model)) for name, model in UNIT_ENTITIES.items()]
    plan, activity, participant = models.CommunicationPlan, models.PlanActivity, models.CourseParticipant
    conditions.append((event.entity_type == "plan_activity") & event.entity_id.in_(on_unit(activity, (plan, plan.id == activity.plan_id))))
    participants = select(_as_text(participant.id)).join(Commitment, Commitment.id == participant.course_id)
    participants = participants.join(BudgetLine, BudgetLine.id == Commitment.line_id).where(*line_where)
    conditions.append((event.entity_type == "course_participant") & event.entity_id.in_(participants))
    # A year-end run for every unit at once belongs to every unit's trail, like its fiscal year.
    run = models.YearEndRun
    national_runs = select(_as_text(run.id)).where(run.unit_id.is_(None))
    if year is not None:
        national_runs = national_runs.where(run.year == year)
    conditions.append((event.entity_type == "year_end_run") & event.entity_id.in_(national_runs))
    # A removed order item (a draft's items replaced) no longer has a row: its snapshot names the order.
    deleted_item = _deleted_item_commitment(session)
    wanted = commitments if session.get_bind().dialect.name == "sqlite" else on_line(Commitment)
    conditions.append(
        (event.entity_type == "commitment_item") & event.after.is_(None) & event.before.is_not(None) & deleted_item.in_(wanted)
    )
    units = select(_as_text(Unit.id))
    if unit_ids is not None:
        units = units.where(Unit.id.in_(unit_ids))
    conditions.append((event.entity_type == "unit") & event.entity_id.in_(units))
    conditions.append(event.entity_type == "press_agency")
    if year is None:
        conditions.append(event.entity_type == "fiscal_year")
        users = select(_as_text(models.User.id))
        policies = select(_as_text(models.Policy.id))
        if unit_ids is not None:
            users = users.where(models.User.unit_id.in_(unit_ids))
            policies = policies.where(models.Policy.owner_unit_id.in_(unit_ids))
        conditions.append((event.entity_type == "user") & event.entity_id.in_(users))
        conditions.append((event.entity_type == "policy") & event.entity_id.in_(policies))
    else:
        conditions.append((event.entity_type == "fiscal_year") & (event.entity_id == str(year)))
        if policy_ids is not None:
            conditions.append((event.entity_type == "policy") & event.entity_id.in_(policy_ids))
    return or_(*conditions)


def actor_condition(session: Session, actor: Actor) -> ColumnElement[bool] | None:
    """The events ``actor`` may read (None: all of them)."""
    scope = scope_unit_ids(session, actor)
    if scope is None:
        return None
    if not scope:
        return false()
    return scope_condition(session, scope)


@dataclass(frozen=True)
class EventFilters:
    actor: str | None = None
    action: str | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    entity_type: str | None = None
    entity_id: str | None = None


def _filtered(session: Session, actor: Actor, filters: EventFilters):
    where = []
    scope = actor_condition(session, actor)
    if scope is not None:
        where.append(scope)
    if filters.actor:
        where.append(AuditEvent.actor == filters.actor.strip())
    if filters.action:
        where.append(AuditEvent.action == filters.action.strip())
    if filters.entity_type:
        where.append(AuditEvent.entity_type == filters.entity_type.strip())
    if filters.entity_id:
        where.append(AuditEvent.entity_id == str(filters.entity_id).strip())
    if filters.date_from:
        where.append(AuditEvent.occurred_at >= _utc_bound(filters.date_from))
    if filters.date_to:
        where.append(AuditEvent.occurred_at < _utc_bound(filters.date_to + dt.timedelta(days=1)))
    return and_(*where) if where else None


@dataclass(frozen=True)
class EventRow:
    """One event of the trail as the screen shows it: ``time`` in Vietnam time (naive, as
    ``to_vietnam`` gives it), ``occurred_at`` the recorded instant in UTC (aware); ``key`` the
    business key of the entity (line code, contract no., voucher…) beside its id; ``before`` and
    ``after`` the canonical JSON snapshots the chain hashes."""

    seq: int
    time: dt.datetime
    occurred_at: dt.datetime
    actor: str
    action: str
    entity_type: str
    entity_id: str
    key: str
    before: str | None
    after: str | None
    prev_hash: str
    hash: str


def list_events(db: Database, actor: Actor, filters: EventFilters, limit: int = 500) -> tuple[tuple[EventRow, ...], bool]:
    """The newest events in scope matching ``filters`` (at most ``limit``), and whether there are more."""
    with db.read() as session:
        condition = _filtered(session, actor, filters)
        query = select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(limit + 1)
        if condition is not None:
            query = query.where(condition)
        events = list(session.scalars(query))
        keys = business_keys(session, ((e.entity_type, e.entity_id) for e in events[:limit]))
        rows = tuple(
            EventRow(
                seq=e.seq,
                time=to_vietnam(e.occurred_at),
                occurred_at=dt.datetime.fromisoformat(e.occurred_at).replace(tzinfo=dt.UTC),
                actor=e.actor,
                action=e.action,
                entity_type=e.entity_type,
                entity_id=e.entity_id,
                key=keys.get((e.entity_type, e.entity_id), ""),
                before=e.before,
                after=e.after,
                prev_hash=e.prev_hash,
                hash=e.hash,
            )
            for e in events[:limit]
        )
        return rows, len(events) > limit


@dataclass(frozen=True)
class EventChoices:
    """What the screen's filter lists offer: the distinct values among the events in scope, sorted."""

    actors: tuple[str, ...]
    actions: tuple[str, ...]
    entity_types: tuple[str, ...]


def filter_choices(db: Database, actor: Actor) -> EventChoices:
    """Distinct actors, actions and entity types among the events in scope (for the screen's lists)."""
    with db.read() as session:
        scope = actor_condition(session, actor)

        def distinct(column) -> tuple[str, ...]:
            query = select(column).distinct().order_by(column)
            return tuple(session.scalars(query if scope is None else query.where(scope)))

        return EventChoices(distinct(AuditEvent.actor), distinct(AuditEvent.action), distinct(AuditEvent.entity_type))


def chain_head(db: Database) -> ChainHead:
    with db.read() as session:
        return audit.chain_head(session)


def locate_hash(db: Database, value: str) -> int | None:
    """The seq of the event whose hash is ``value`` (0 for the empty chain's genesis hash), else None."""
    value = (value or "").strip().lower()
    if value == audit.GENESIS_HASH:
        return 0
    with db.read() as session:
        return session.scalar(select(AuditEvent.seq).where(AuditEvent.hash == value))


def verify_chain(db: Database) -> VerifyResult:
    with db.read() as session:
        return verify(session)
