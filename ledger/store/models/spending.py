"""Press agencies, commitments (orders, courses, IT contracts) with their items, acceptances,
contributions, payments and line phasing."""


from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ledger.domain import codes
from ledger.store.models.base import Money, Posted, PostingToken, Record, Stamp, Username
from ledger.store.models.core import BudgetLine, Policy  # noqa: F401  (relationship targets)

MEDIA_TYPES = tuple(codes.MEDIA_TYPES)
COMMITMENT_KINDS = tuple(codes.COMMITMENT_KINDS)
COMMITMENT_STATUSES = tuple(codes.COMMITMENT_STATUSES)
SERVICE_TYPES = tuple(codes.SERVICE_TYPES)
PAYMENT_KINDS = tuple(codes.PAYMENT_KINDS)


class PressAgency(Record):
    """A press agency (cơ quan báo chí) that can be commissioned."""

    __tablename__ = "press_agencies"

    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(16))
    governing_body: Mapped[str] = mapped_column(String(255), default="")
    level: Mapped[str] = mapped_column(String(8), default="central")  # central or local
    # Deactivated (migration 0010): kept for the orders already placed, offered for no new one. NULL
    # (every agency before the column existed) is active, and leaves older audit events matching.
    is_active: Mapped[bool | None] = mapped_column(Boolean, info={"audit_omit_if": None})


class Commitment(Record):
    """Money reserved on a line: a press order, a training course or an IT-service contract.

    ``value`` is what the commitment holds on its line while signed (for an IT contract spanning
    years, this year's portion of ``total_value``); after close-out, ``final_value`` replaces it.
    ``version`` guards drafts against silent overwrites (optimistic locking).
    """

    __tablename__ = "commitments"

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
    total_value: Mapped[Money]
    value: Mapped[Money]
    final_value: Mapped[Money | None]
    status: Mapped[str] = mapped_column(String(16), default="draft")
    excess_amount: Mapped[Money] = mapped_column(default=0)
    version: Mapped[int] = mapped_column(Integer, default=1)
    # Written out rather than inherited from ``Created``: the later migrations' columns came after them.
    created_at: Mapped[Stamp]
    created_by: Mapped[Username]
    # The plan activity it carries out (migration 0008): same policy, same year (services.plans).
    activity_id: Mapped[int | None] = mapped_column(ForeignKey("plan_activities.id"), index=True, info={"audit_omit_if": None})
    # The commitment of the previous year whose carry-over this one goes on with (migration 0009).
    carried_from_id: Mapped[int | None] = mapped_column(ForeignKey("commitments.id"), info={"audit_omit_if": None})
    # The one-time token of the form that posted it (migration 0010).
    posting_token: Mapped[PostingToken]
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


class CommitmentItem(Record):
    """One product of a press order: quantity × unit price."""

    __tablename__ = "commitment_items"

    commitment_id: Mapped[int] = mapped_column(ForeignKey("commitments.id"), index=True)
    product: Mapped[str] = mapped_column(String(255))
    quantity: Mapped[int] = mapped_column(Integer)
    unit_of_measure: Mapped[str] = mapped_column(String(32), default="")
    unit_price: Mapped[Money]
    amount: Mapped[Money]


class Acceptance(Posted, Record):
    """Acceptance (nghiệm thu) of deliverables of a commitment; reversed, never edited."""

    __tablename__ = "acceptances"

    commitment_id: Mapped[int] = mapped_column(ForeignKey("commitments.id"), index=True)
    record_no: Mapped[str] = mapped_column(String(64))
    date: Mapped[dt.date] = mapped_column(Date)
    accepted_value: Mapped[Money]
    evidence: Mapped[str] = mapped_column(Text, default="")


class Contribution(Posted, Record):
    """Socialised money (XHH) received for an XHH line."""

    __tablename__ = "contributions"

    year: Mapped[int] = mapped_column(Integer)
    voucher_no: Mapped[str] = mapped_column(String(64))
    line_id: Mapped[int] = mapped_column(ForeignKey("budget_lines.id"), index=True)
    date: Mapped[dt.date] = mapped_column(Date)
    donor: Mapped[str] = mapped_column(String(255))
    amount: Mapped[Money]
    note: Mapped[str] = mapped_column(Text, default="")  # for a reversal: why

    __table_args__ = (UniqueConstraint("year", "voucher_no", name="uq_contributions_year_voucher_no"),)


class Payment(Posted, Record):
    """An advance or a payment, against a commitment or directly on a line; reversed, never edited."""

    __tablename__ = "payments"

    year: Mapped[int] = mapped_column(Integer)
    voucher_no: Mapped[str] = mapped_column(String(64))
    date: Mapped[dt.date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(16))
    commitment_id: Mapped[int | None] = mapped_column(ForeignKey("commitments.id"), index=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("budget_lines.id"))
    amount: Mapped[Money]
    excess_amount: Mapped[Money] = mapped_column(default=0)
    note: Mapped[str] = mapped_column(Text, default="")  # for a reversal: why

    __table_args__ = (
        UniqueConstraint("year", "voucher_no", name="uq_payments_year_voucher_no"),
        CheckConstraint("kind in ('TAM_UNG','THANH_TOAN')", name="kind"),
        Index("ix_payments_line_date", "line_id", "date"),
        Index("ix_payments_year_line_amount", "year", "line_id", "date", "amount", "commitment_id"),
    )


class LinePhasing(Record):
    """A line's own monthly plan (phân kỳ): the amount planned to be paid in each month.

    Lines without rows here are phased evenly over the twelve months."""

    __tablename__ = "line_phasing"

    line_id: Mapped[int] = mapped_column(ForeignKey("budget_lines.id"), index=True)
    month: Mapped[int] = mapped_column(Integer)
    amount: Mapped[Money]

    __table_args__ = (
        UniqueConstraint("line_id", "month", name="uq_line_phasing_line_month"),
        CheckConstraint("month between 1 and 12", name="month"),
    )
