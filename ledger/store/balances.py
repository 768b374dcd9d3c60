"""The sums behind the rulebook's figures, read in SQL: a line's and a commitment's money state.

The arithmetic on them (available, outstanding, uncleared advance...) is ``ledger.domain.rules``;
``held_expression`` is the same rule as ``rules.held`` in SQL, for aggregates over many rows.
"""

from __future__ import annotations

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from ledger.domain.rules import CommitmentBalance, LineBalance
from ledger.store.models import Acceptance, Adjustment, BudgetLine, Commitment, Contribution, Payment


def held_expression():
    """SQL for what a commitment holds on its line, by status."""
    return case(
        (Commitment.status == "signed", Commitment.value),
        (Commitment.status == "closed", func.coalesce(Commitment.final_value, 0)),
        else_=0,
    )


def line_balance(session: Session, line_id: int) -> LineBalance:
    line = session.get(BudgetLine, line_id)

    def total(query) -> int:
        return int(session.scalar(query) or 0)

    return LineBalance(
        line_id=line_id,
        original_estimate=line.original_estimate,
        adjustments=total(select(func.sum(Adjustment.amount)).where(Adjustment.line_id == line_id)),
        committed=total(select(func.sum(held_expression())).where(Commitment.line_id == line_id)),
        direct_paid=total(select(func.sum(Payment.amount)).where(Payment.line_id == line_id, Payment.commitment_id.is_(None))),
        paid=total(select(func.sum(Payment.amount)).where(Payment.line_id == line_id)),
        accepted=total(
            select(func.sum(Acceptance.accepted_value))
            .join(Commitment, Commitment.id == Acceptance.commitment_id)
            .where(Commitment.line_id == line_id)
        ),
        contributions=total(select(func.sum(Contribution.amount)).where(Contribution.line_id == line_id)),
    )


def commitment_balance(session: Session, commitment: Commitment) -> CommitmentBalance:
    accepted = session.scalar(
        select(func.coalesce(func.sum(Acceptance.accepted_value), 0)).where(Acceptance.commitment_id == commitment.id)
    )
    sums = dict(
        session.execute(
            select(Payment.kind, func.sum(Payment.amount)).where(Payment.commitment_id == commitment.id).group_by(Payment.kind)
        ).all()
    )
    return CommitmentBalance(
        commitment_id=commitment.id,
        status=commitment.status,
        value=commitment.value,
        final_value=commitment.final_value,
        accepted=int(accepted or 0),
        advanced=int(sums.get("TAM_UNG") or 0),
        paid_regular=int(sums.get("THANH_TOAN") or 0),
    )
