"""Commitments and actuals as the screens read them: the year's commitments in scope with their
money state (aggregated in SQL), one commitment in detail, everything charged to a line, and the
year's payments in scope. Every figure is ``ledger.domain.rules``' arithmetic on the sums."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import BigInteger, cast, func, select

from ledger.domain import rules
from ledger.domain.errors import NotFound, problem
from ledger.queries.base import Reversible, big_sum, folded_match, reversed_flag, rows_as
from ledger.reports.coverage import course_participants_expression  # a listed course counts its list
from ledger.store.access import Actor, scope_unit_ids
from ledger.store.balances import commitment_balance, held_expression, line_balance
from ledger.store.db import Database
from ledger.store.models import (
    Acceptance,
    BudgetLine,
    Commitment,
    CommitmentItem,
    Contribution,
    Payment,
    Policy,
    PressAgency,
    Unit,
)


@dataclass(frozen=True)
class CommitmentRow:
    """A commitment (press order, course or IT contract) with its money state."""

    id: int
    kind: str
    year: int
    reference: str
    status: str
    description: str
    signed_on: dt.date | None
    start_date: dt.date | None
    end_date: dt.date | None
    participants: int | None
    vendor: str | None
    service_type: str | None
    stage_code: str | None
    total_value: int
    value: int
    final_value: int | None
    excess_amount: int
    version: int
    line_id: int
    line_code: str
    line_source: str
    unit_code: str
    press_agency_code: str | None
    press_agency: str | None
    media_type: str | None
    policy_code: str | None
    policy_name: str | None
    accepted: int
    advanced: int
    paid: int

    @property
    def balance(self) -> rules.CommitmentBalance:
        return rules.CommitmentBalance(self.id, self.status, self.value, self.final_value, self.accepted, self.advanced, self.paid - self.advanced)

    @property
    def held(self) -> int:
        return rules.held(self.status, self.value, self.final_value)

    @property
    def shown_value(self) -> int:
        """The value a list shows: the final value once closed out."""
        return rules.final_or_value(self.status, self.value, self.final_value)

    @property
    def outstanding(self) -> int:
        return self.balance.outstanding

    @property
    def uncleared_advance(self) -> int:
        return self.balance.uncleared_advance

    @property
    def payable(self) -> int:
        return self.balance.payable


@dataclass(frozen=True)
class ItemRow:
    """A line of an order: what is bought, how many, at what unit price."""

    id: int
    product: str
    quantity: int
    unit_of_measure: str
    unit_price: int
    amount: int


@dataclass(frozen=True)
class AcceptanceRow(Reversible):
    """An acceptance (nghiệm thu) of a commitment, or the reversal of one."""

    id: int
    record_no: str
    date: dt.date
    accepted_value: int
    evidence: str
    reverses_id: int | None
    reversed: bool


@dataclass(frozen=True)
class PaymentRow(Reversible):
    """A payment (an advance, a regular payment, or a reversal of one), with what it was paid on."""

    id: int
    voucher_no: str
    date: dt.date
    kind: str
    amount: int
    excess_amount: int
    reverses_id: int | None
    reversed: bool
    commitment_id: int | None
    reference: str | None
    line_id: int
    line_code: str
    unit_code: str
    created_by: str


@dataclass(frozen=True)
class ContributionRow(Reversible):
    """A socialised (XHH) contribution received on a line, or the reversal of one."""

    id: int
    voucher_no: str
    date: dt.date
    donor: str
    amount: int
    reverses_id: int | None
    reversed: bool
    created_by: str


@dataclass(frozen=True)
class CommitmentDetail:
    """One commitment with its items, acceptances, payments, money state and its line's balance."""

    commitment: CommitmentRow
    items: tuple[ItemRow, ...]
    acceptances: tuple[AcceptanceRow, ...]
    payments: tuple[PaymentRow, ...]
    balance: rules.CommitmentBalance
    line: rules.LineBalance

    @property
    def actions(self) -> tuple[str, ...]:
        """What may be done on the commitment now: exactly what the rulebook allows."""
        return rules.commitment_actions(
            self.balance,
            reversible_acceptances=sum(a.reversible for a in self.acceptances),
            reversible_payments=sum(p.reversible for p in self.payments),
        )


@dataclass(frozen=True)
class LineActivity:
    """Everything charged to a line: its balance, commitments, direct payments and contributions."""

    balance: rules.LineBalance
    commitments: tuple[CommitmentRow, ...]
    direct_payments: tuple[PaymentRow, ...]
    contributions: tuple[ContributionRow, ...]


def _commitment_query():
    accepted = select(Acceptance.commitment_id, big_sum(Acceptance.accepted_value).label("accepted")).group_by(Acceptance.commitment_id).subquery()
    paid = (
        select(
            Payment.commitment_id,
            cast(func.sum(Payment.amount).filter(Payment.kind == "TAM_UNG"), BigInteger).label("advanced"),
            big_sum(Payment.amount).label("paid"),
        )
        .where(Payment.commitment_id.is_not(None))
        .group_by(Payment.commitment_id)
        .subquery()
    )
    return (
        select(
            Commitment.id, Commitment.kind, Commitment.year, Commitment.reference, Commitment.status, Commitment.description,
            Commitment.signed_on, Commitment.start_date, Commitment.end_date,
            course_participants_expression().label("participants"), Commitment.vendor,
            Commitment.service_type, Commitment.stage_code, Commitment.total_value, Commitment.value, Commitment.final_value,
            Commitment.excess_amount, Commitment.version,
            BudgetLine.id.label("line_id"), BudgetLine.code.label("line_code"), BudgetLine.source_code.label("line_source"),
            Unit.code.label("unit_code"), PressAgency.code.label("press_agency_code"), PressAgency.name.label("press_agency"),
            PressAgency.media_type, Policy.code.label("policy_code"), Policy.name.label("policy_name"),
            func.coalesce(accepted.c.accepted, 0).label("accepted"),
            func.coalesce(paid.c.advanced, 0).label("advanced"),
            func.coalesce(paid.c.paid, 0).label("paid"),
        )
        .join(BudgetLine, BudgetLine.id == Commitment.line_id)
        .join(Unit, Unit.id == BudgetLine.unit_id)
        .outerjoin(PressAgency, PressAgency.id == Commitment.press_agency_id)
        .outerjoin(Policy, Policy.id == Commitment.policy_id)
        .outerjoin(accepted, accepted.c.commitment_id == Commitment.id)
        .outerjoin(paid, paid.c.commitment_id == Commitment.id)
    )


def _in_scope(query, scope: set[int] | None):
    return query if scope is None else query.where(BudgetLine.unit_id.in_(scope))


def find_commitments(
    db: Database,
    actor: Actor,
    year: int,
    kind: str | None = None,
    search: str | None = None,
    status: str | None = None,
    line_id: int | None = None,
    limit: int = 5000,
) -> list[CommitmentRow]:
    """Commitments in scope with their money state, aggregated in SQL. ``search`` matches the
    reference, the description, the press agency (code or name), the vendor and the policy, without
    regard to case or accents."""
    with db.read() as session:
        query = _commitment_query().where(*_commitment_filters(session, actor, year, kind, search, status, line_id))
        return rows_as(CommitmentRow, session.execute(query.order_by(Commitment.reference).limit(limit)).mappings())


def _commitment_filters(session, actor: Actor, year: int, kind: str | None, search: str | None, status: str | None, line_id: int | None = None) -> list[Any]:
    scope = scope_unit_ids(session, actor)
    conditions: list[Any] = [Commitment.year == year]
    if scope is not None:
        conditions.append(BudgetLine.unit_id.in_(scope))
    if kind:
        conditions.append(Commitment.kind == kind)
    if status:
        conditions.append(Commitment.status == status)
    if line_id is not None:
        conditions.append(Commitment.line_id == line_id)
    match = folded_match(search, Commitment.reference, Commitment.description, PressAgency.name, PressAgency.code, Commitment.vendor, Policy.name, Policy.code)
    if match is not None:
        conditions.append(match)
    return conditions


def commitments_summary(db: Database, actor: Actor, year: int, kind: str | None = None, search: str | None = None, status: str | None = None) -> tuple[int, int]:
    """How many commitments ``find_commitments`` selects and what they hold on their lines (the
    final value of a closed one), in SQL over all of them, however many the list shows."""
    with db.read() as session:
        query = (
            select(func.count(Commitment.id), func.coalesce(big_sum(held_expression()), 0))
            .join(BudgetLine, BudgetLine.id == Commitment.line_id)
            .outerjoin(PressAgency, PressAgency.id == Commitment.press_agency_id)
            .outerjoin(Policy, Policy.id == Commitment.policy_id)
            .where(*_commitment_filters(session, actor, year, kind, search, status))
        )
        count, total = session.execute(query).one()
        return int(count), int(total)


def _payment_query():
    return (
        select(
            Payment.id, Payment.voucher_no, Payment.date, Payment.kind, Payment.amount, Payment.excess_amount,
            Payment.reverses_id, reversed_flag(Payment),
            Payment.commitment_id, Commitment.reference, BudgetLine.id.label("line_id"), BudgetLine.code.label("line_code"),
            Unit.code.label("unit_code"), Payment.created_by,
        )
        .join(BudgetLine, BudgetLine.id == Payment.line_id)
        .join(Unit, Unit.id == BudgetLine.unit_id)
        .outerjoin(Commitment, Commitment.id == Payment.commitment_id)
    )


def commitment_detail(db: Database, actor: Actor, commitment_id: int) -> CommitmentDetail:
    """One commitment with its items, acceptances, payments, money state and its line's balance;
    outside the scope: not found."""
    with db.read() as session:
        scope = scope_unit_ids(session, actor)
        found = rows_as(CommitmentRow, session.execute(_in_scope(_commitment_query(), scope).where(Commitment.id == commitment_id)).mappings())
        if not found:
            raise NotFound(problem("commitment.unknown", value=commitment_id))
        commitment = session.get(Commitment, commitment_id)
        items = session.execute(
            select(CommitmentItem.id, CommitmentItem.product, CommitmentItem.quantity, CommitmentItem.unit_of_measure, CommitmentItem.unit_price, CommitmentItem.amount)
            .where(CommitmentItem.commitment_id == commitment_id)
            .order_by(CommitmentItem.id)
        ).mappings()
        acceptances = session.execute(
            select(Acceptance.id, Acceptance.record_no, Acceptance.date, Acceptance.accepted_value, Acceptance.evidence, Acceptance.reverses_id, reversed_flag(Acceptance))
            .where(Acceptance.commitment_id == commitment_id)
            .order_by(Acceptance.id)
        ).mappings()
        payments = session.execute(_payment_query().where(Payment.commitment_id == commitment_id).order_by(Payment.id)).mappings()
        return CommitmentDetail(
            commitment=found[0],
            items=tuple(rows_as(ItemRow, items)),
            acceptances=tuple(rows_as(AcceptanceRow, acceptances)),
            payments=tuple(rows_as(PaymentRow, payments)),
            balance=commitment_balance(session, commitment),
            line=line_balance(session, commitment.line_id),
        )


def line_activity(db: Database, actor: Actor, line_id: int) -> LineActivity:
    """Everything charged to a line: its balance, commitments, direct payments and contributions;
    outside the scope: not found."""
    with db.read() as session:
        line = session.get(BudgetLine, line_id)
        scope = scope_unit_ids(session, actor)
        if line is None or (scope is not None and line.unit_id not in scope):
            raise NotFound(problem("line.unknown", value=line_id))
        balance = line_balance(session, line_id)
        direct = session.execute(_payment_query().where(Payment.line_id == line_id, Payment.commitment_id.is_(None)).order_by(Payment.id)).mappings()
        contributions = session.execute(
            select(Contribution.id, Contribution.voucher_no, Contribution.date, Contribution.donor, Contribution.amount, Contribution.reverses_id, reversed_flag(Contribution), Contribution.created_by)
            .where(Contribution.line_id == line_id)
            .order_by(Contribution.id)
        ).mappings()
        direct_payments, received, year = tuple(rows_as(PaymentRow, direct)), tuple(rows_as(ContributionRow, contributions)), line.year
    return LineActivity(balance, tuple(find_commitments(db, actor, year, line_id=line_id)), direct_payments, received)


def payments_in_scope(db: Database, actor: Actor, year: int, limit: int = 5000) -> list[PaymentRow]:
    """The year's payments in scope, newest first."""
    with db.read() as session:
        query = _in_scope(_payment_query(), scope_unit_ids(session, actor)).where(Payment.year == year)
        return rows_as(PaymentRow, session.execute(query.order_by(Payment.id.desc()).limit(limit)).mappings())
