"""Money state of lines and commitments, aggregated in SQL (DOMAIN rules 2–7 read these figures).

- A commitment holds ``value`` on its line while signed, ``final_value`` once closed, nothing as a
  draft or when cancelled.
- A line's available balance = allocation − commitments held − payments made outside commitments.
- Advances are cleared by acceptances: the uncleared advance is advances − min(advances, accepted).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from ledger.store.models import Acceptance, Adjustment, BudgetLine, Commitment, Contribution, Payment


def held_expression():
    """SQL for what a commitment holds on its line, by status."""
    return case(
        (Commitment.status == "signed", Commitment.value),
        (Commitment.status == "closed", func.coalesce(Commitment.final_value, 0)),
        else_=0,
    )


@dataclass(frozen=True)
class LineBalance:
    line_id: int
    original_estimate: int
    adjustments: int
    committed: int
    direct_paid: int
    paid: int
    accepted: int
    contributions: int

    @property
    def allocated(self) -> int:
        return self.original_estimate + self.adjustments

    @property
    def used(self) -> int:
        return self.committed + self.direct_paid

    @property
    def available(self) -> int:
        return self.allocated - self.used


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


@dataclass(frozen=True)
class CommitmentBalance:
    commitment_id: int
    status: str
    value: int
    final_value: int | None
    accepted: int
    advanced: int
    paid_regular: int

    @property
    def paid(self) -> int:
        """Everything paid on the commitment, advances included."""
        return self.advanced + self.paid_regular

    @property
    def held(self) -> int:
        if self.status == "signed":
            return self.value
        if self.status == "closed":
            return self.final_value or 0
        return 0

    @property
    def uncleared_advance(self) -> int:
        return self.advanced - min(self.advanced, self.accepted)

    @property
    def payable(self) -> int:
        """What may still be paid as a regular payment: accepted − paid (advances counted in)."""
        return max(0, self.accepted - self.paid)

    @property
    def outstanding(self) -> int:
        """What remains to be paid against what the commitment holds."""
        return max(0, self.held - self.paid)


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
