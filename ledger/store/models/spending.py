"""Press agencies, commitments (orders, courses, IT contracts) with their items, acceptances,
contributions, payments and line phasing."""


from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ledger.domain import codes
from ledger.store.models.base import Base, utcnow  # noqa: F401
from ledger.store.models.core import BudgetLine, Policy  # noqa: F401  (relationship targets)

MEDIA_TYPES = tuple(codes.MEDIA_TYPES)
COMMITMENT_KINDS = tuple(codes.COMMITMENT_KINDS)
COMMITMENT_STATUSES = tuple(codes.COMMITMENT_STATUSES)
SERVICE_TYPES = tuple(codes.SERVICE_TYPES)
PAYMENT_KINDS = tuple(codes.PAYMENT_KINDS)


class PressAgency(Base):
    """A press agency (cơ quan báo chí) that can be commissioned."""

    __tablename__ = "press_agencies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(16))
    governing_body: Mapped[str] = mapped_column(String(255), default="")
    level: Mapped[str] = mapped_column(String(8), default="central")  # central or local
    # Deactivated (migration 0010): kept for the orders already placed, offered for no new one. NULL
    # (every agency before the column existed) is active, and leaves older audit events matching.
    is_active: Mapped[bool | None] = mapped_column(Boolean, info={"audit_omit_if": None})


class Commitment(Base):
    """Money reserved on a line: a press order, a training course or an IT-service contract.

    ``value`` is what the commitment holds on its line while signed (for an IT contract spanning
    years, this year's portion of ``total_value``); after close-out, ``final_value`` replaces it.
    ``version`` guards drafts against silent overwrites (optimistic locking).
    """

    __tablename__ = "commitments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    year: Mapped[int] = mapped_column(Integer)
    reference: Mapped[str] = mapped_column(String(64))  # contract no. or course code
    line_id: Mapped[int] = mapped_column(ForeignKey("budget_lines.id"), index=True)
    description: Mapped[str] = mapped_column(String(500))
    policy_id: Mapped[int | None] = mapped_column(ForeignKey("policies.id"), index=True)
    stage_code: Mapped[str | None] = mapped_column(ForeignKey("stages.code"))
    press_agency_id: Mapped[int | None] = mapped_column(ForeignKey("press_agencies.id"), index=True)
    vendor: Mapped[str | None] = mapped_column(String(255))
    service_type: Mapped[str | None] = mapped_column(String(16))
    signed_on: Mapped[dt.date | None] = mapped_column(Date)
    start_date: Mapped[dt.date | None] = mapped_column(Date)
    end_date: Mapped[dt.date | None] = mapped_column(Date)
    participants: Mapped[int | None] = mapped_column(Integer)
    # A course's topic (codes.COURSE_TOPICS), added with the communication team: left out of the audit
    # snapshot while empty, so the events written before the column existed still match their rows.
    topic: Mapped[str | None] = mapped_column(String(32), info={"audit_omit_if": None})
    total_value: Mapped[int] = mapped_column(BigInteger)
    value: Mapped[int] = mapped_column(BigInteger)
    final_value: Mapped[int | None] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16), default="draft")
    excess_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(64))
    # The plan activity it carries out (migration 0008): same policy, same year (services.plans).
    activity_id: Mapped[int | None] = mapped_column(ForeignKey("plan_activities.id"), index=True, info={"audit_omit_if": None})
    # The commitment of the previous year whose carry-over this one goes on with (migration 0009).
    carried_from_id: Mapped[int | None] = mapped_column(ForeignKey("commitments.id"), info={"audit_omit_if": None})
    # The one-time token of the form that posted it (migration 0010, issue 10): unique, so a double
    # click or a re-submit cannot post twice; left out of the audit snapshot while empty.
    posting_token: Mapped[str | None] = mapped_column(String(36), unique=True, index=True, info={"audit_omit_if": None})
    # Why it was cancelled or closed out (migration 0010): kept with the row and so in the trail.
    status_reason: Mapped[str | None] = mapped_column(Text, info={"audit_omit_if": None})

    line: Mapped[BudgetLine] = relationship(foreign_keys=[line_id])
    press_agency: Mapped[PressAgency | None] = relationship()
    policy: Mapped[Policy | None] = relationship()

    __table_args__ = (
        UniqueConstraint("year", "reference", name="uq_commitments_year_reference"),
        CheckConstraint("value >= 0 and total_value >= 0", name="value_not_negative"),
        CheckConstraint("status in ('draft','signed','closed','cancelled')", name="status"),
        Index("ix_commitments_year_status", "year", "status"),
        Index("ix_commitments_year_line", "year", "line_id"),
        Index("ix_commitments_kind_end_date", "kind", "end_date"),  # coverage: the courses that ended in a window
    )


class CommitmentItem(Base):
    """One product of a press order: quantity × unit price."""

    __tablename__ = "commitment_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    commitment_id: Mapped[int] = mapped_column(ForeignKey("commitments.id"), index=True)
    product: Mapped[str] = mapped_column(String(255))
    quantity: Mapped[int] = mapped_column(Integer)
    unit_of_measure: Mapped[str] = mapped_column(String(32), default="")
    unit_price: Mapped[int] = mapped_column(BigInteger)
    amount: Mapped[int] = mapped_column(BigInteger)


class Acceptance(Base):
    """Acceptance (nghiệm thu) of deliverables of a commitment; reversed, never edited."""

    __tablename__ = "acceptances"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    commitment_id: Mapped[int] = mapped_column(ForeignKey("commitments.id"), index=True)
    record_no: Mapped[str] = mapped_column(String(64))
    date: Mapped[dt.date] = mapped_column(Date)
    accepted_value: Mapped[int] = mapped_column(BigInteger)
    evidence: Mapped[str] = mapped_column(Text, default="")
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("acceptances.id"), unique=True)
    posting_token: Mapped[str | None] = mapped_column(String(36), unique=True, index=True, info={"audit_omit_if": None})  # migration 0010
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(64))


class Contribution(Base):
    """Socialised money (XHH) received for an XHH line."""

    __tablename__ = "contributions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    voucher_no: Mapped[str] = mapped_column(String(64))
    line_id: Mapped[int] = mapped_column(ForeignKey("budget_lines.id"), index=True)
    date: Mapped[dt.date] = mapped_column(Date)
    donor: Mapped[str] = mapped_column(String(255))
    amount: Mapped[int] = mapped_column(BigInteger)
    note: Mapped[str] = mapped_column(Text, default="")  # for a reversal: why
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("contributions.id"), unique=True)
    posting_token: Mapped[str | None] = mapped_column(String(36), unique=True, index=True, info={"audit_omit_if": None})  # migration 0010
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(64))

    __table_args__ = (UniqueConstraint("year", "voucher_no", name="uq_contributions_year_voucher_no"),)


class Payment(Base):
    """An advance or a payment, against a commitment or directly on a line; reversed, never edited."""

    __tablename__ = "payments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    voucher_no: Mapped[str] = mapped_column(String(64))
    date: Mapped[dt.date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(16))
    commitment_id: Mapped[int | None] = mapped_column(ForeignKey("commitments.id"), index=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("budget_lines.id"))
    amount: Mapped[int] = mapped_column(BigInteger)
    excess_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    note: Mapped[str] = mapped_column(Text, default="")  # for a reversal: why
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("payments.id"), unique=True)
    posting_token: Mapped[str | None] = mapped_column(String(36), unique=True, index=True, info={"audit_omit_if": None})  # migration 0010
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(64))

    __table_args__ = (
        UniqueConstraint("year", "voucher_no", name="uq_payments_year_voucher_no"),
        CheckConstraint("kind in ('TAM_UNG','THANH_TOAN')", name="kind"),
        Index("ix_payments_line_date", "line_id", "date"),
        Index("ix_payments_year_line_amount", "year", "line_id", "date", "amount", "commitment_id"),
    )


class LinePhasing(Base):
    """A line's own monthly plan (phân kỳ): the amount planned to be paid in each month.

    Lines without rows here are phased evenly over the twelve months."""

    __tablename__ = "line_phasing"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("budget_lines.id"), index=True)
    month: Mapped[int] = mapped_column(Integer)
    amount: Mapped[int] = mapped_column(BigInteger)

    __table_args__ = (
        UniqueConstraint("line_id", "month", name="uq_line_phasing_line_month"),
        CheckConstraint("month between 1 and 12", name="month"),
    )
