"""Database schema of the ledger: SQLAlchemy 2 declarative models.

Money columns are ``BigInteger`` đồng (never ``Numeric``: on SQLite it goes through float).
Posted records (adjustments) are never updated or deleted; corrections are reversals.
Timestamps are naive UTC, truncated to the second, so that their audit snapshots are the same
on SQLite and PostgreSQL.
"""

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
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from ledger.domain import codes

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

ROLES = tuple(codes.ROLES)
UNIT_KINDS = tuple(codes.UNIT_KINDS)
CONTROL_MODES = tuple(codes.CONTROL_MODES)


def utcnow() -> dt.datetime:
    """Now, naive UTC, whole seconds (the precision every backend keeps identically)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Unit(Base):
    """A reporting agency or one of its subordinate units; the tree defines users' scopes."""

    __tablename__ = "units"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(16))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    chapter_code: Mapped[str | None] = mapped_column(String(3))
    commitment_control: Mapped[str] = mapped_column(String(8), default="block")
    advance_limit_pct: Mapped[int] = mapped_column(Integer, default=50)
    xhh_control: Mapped[str] = mapped_column(String(8), default="warn")

    parent: Mapped[Unit | None] = relationship(remote_side="Unit.id")

    __table_args__ = (
        CheckConstraint("commitment_control in ('block','warn')", name="control_mode"),
        CheckConstraint("advance_limit_pct between 0 and 100", name="advance_pct"),
        CheckConstraint("xhh_control in ('block','warn')", name="xhh_control_mode"),
    )


class FiscalYear(Base):
    __tablename__ = "fiscal_years"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    is_open: Mapped[bool] = mapped_column(Boolean, default=True)


class Category(Base):
    """Spending category (Nhóm chi): reference data seeded by migration."""

    __tablename__ = "categories"

    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    label_vi: Mapped[str] = mapped_column(String(128))
    label_en: Mapped[str] = mapped_column(String(128))
    sort_order: Mapped[int] = mapped_column(Integer, default=0)


class Source(Base):
    """Funding source (Nguồn): NSNN or XHH."""

    __tablename__ = "sources"

    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    label_vi: Mapped[str] = mapped_column(String(128))
    label_en: Mapped[str] = mapped_column(String(128))
    sort_order: Mapped[int] = mapped_column(Integer, default=0)


class Stage(Base):
    """Policy stage (Giai đoạn) that a spend serves."""

    __tablename__ = "stages"

    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    label_vi: Mapped[str] = mapped_column(String(128))
    label_en: Mapped[str] = mapped_column(String(128))
    sort_order: Mapped[int] = mapped_column(Integer, default=0)


class BudgetCode(Base):
    """One code of the state budget classification, valid for a range of fiscal years."""

    __tablename__ = "budget_codes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # 'sector' (loại-khoản) or 'sub_item' (tiểu mục)
    code: Mapped[str] = mapped_column(String(16))
    label_vi: Mapped[str] = mapped_column(String(255))
    valid_from: Mapped[int] = mapped_column(Integer)
    valid_to: Mapped[int | None] = mapped_column(Integer)

    __table_args__ = (UniqueConstraint("kind", "code", "valid_from", name="uq_budget_codes_kind_code_from"),)


class Policy(Base):
    """A policy whose communication the spending serves; owned by a unit."""

    __tablename__ = "policies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    owner_unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(255), default="")
    role: Mapped[str] = mapped_column(String(16))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    # Sign-in hardening (migration 0005). The failure counter is operational state, kept out of the
    # audit trail (it changes on every mistyped password); a lock and an unlock are audited events.
    # Columns marked ``audit_omit_if`` leave a snapshot while they hold that value, so the events
    # written before they existed still match the rows (``audit.verify``).
    failed_logins: Mapped[int] = mapped_column(Integer, default=0, server_default="0", info={"audit": "exclude"})
    locked_until: Mapped[dt.datetime | None] = mapped_column(DateTime, info={"audit_omit_if": None})
    sso_subject: Mapped[str | None] = mapped_column(String(255), unique=True, info={"audit_omit_if": None})

    unit: Mapped[Unit | None] = relationship()

    __table_args__ = (
        CheckConstraint("role in ('admin','officer','leader','auditor')", name="role"),
    )


class BudgetLine(Base):
    """A line of the year's estimate (dự toán) for one unit, category and source."""

    __tablename__ = "budget_lines"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    year: Mapped[int] = mapped_column(ForeignKey("fiscal_years.year"))
    code: Mapped[str] = mapped_column(String(32))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    description: Mapped[str] = mapped_column(String(500))
    category_code: Mapped[str] = mapped_column(ForeignKey("categories.code"))
    source_code: Mapped[str] = mapped_column(ForeignKey("sources.code"))
    sector_code: Mapped[str | None] = mapped_column(String(7))
    sub_item: Mapped[str | None] = mapped_column(String(4))
    policy_id: Mapped[int | None] = mapped_column(ForeignKey("policies.id"), index=True)
    original_estimate: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(64))

    unit: Mapped[Unit] = relationship()
    policy: Mapped[Policy | None] = relationship()

    __table_args__ = (
        UniqueConstraint("year", "code", name="uq_budget_lines_year_code"),
        CheckConstraint("original_estimate >= 0", name="estimate_not_negative"),
        Index("ix_budget_lines_year_unit", "year", "unit_id"),
    )


class Adjustment(Base):
    """A posted change of a line's allocation; a transfer is two of these with one transfer_key."""

    __tablename__ = "adjustments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("budget_lines.id"), index=True)
    date: Mapped[dt.date] = mapped_column(Date)
    amount: Mapped[int] = mapped_column(BigInteger)
    decision_no: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text, default="")
    transfer_key: Mapped[str | None] = mapped_column(String(36), index=True)
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("adjustments.id"), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(64))

    line: Mapped[BudgetLine] = relationship()


class AuditEvent(Base):
    """One link of the append-only, hash-chained audit trail."""

    __tablename__ = "audit_events"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    occurred_at: Mapped[str] = mapped_column(String(32), index=True)  # ISO 8601 UTC
    actor: Mapped[str] = mapped_column(String(64), index=True)
    action: Mapped[str] = mapped_column(String(64))
    entity_type: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[str] = mapped_column(String(64))
    before: Mapped[str | None] = mapped_column(Text)  # canonical JSON
    after: Mapped[str | None] = mapped_column(Text)  # canonical JSON
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)

    __table_args__ = (Index("ix_audit_events_entity", "entity_type", "entity_id"),)


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
    total_value: Mapped[int] = mapped_column(BigInteger)
    value: Mapped[int] = mapped_column(BigInteger)
    final_value: Mapped[int | None] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16), default="draft")
    excess_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(64))

    line: Mapped[BudgetLine] = relationship()
    press_agency: Mapped[PressAgency | None] = relationship()
    policy: Mapped[Policy | None] = relationship()

    __table_args__ = (
        UniqueConstraint("year", "reference", name="uq_commitments_year_reference"),
        CheckConstraint("value >= 0 and total_value >= 0", name="value_not_negative"),
        CheckConstraint("status in ('draft','signed','closed','cancelled')", name="status"),
        Index("ix_commitments_year_status", "year", "status"),
        Index("ix_commitments_year_line", "year", "line_id"),
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


# Tables whose rows the audit trail must account for: entity type -> model.
AUDITED_MODELS: dict[str, type[Base]] = {
    "unit": Unit,
    "fiscal_year": FiscalYear,
    "policy": Policy,
    "user": User,
    "budget_line": BudgetLine,
    "adjustment": Adjustment,
    "press_agency": PressAgency,
    "commitment": Commitment,
    "commitment_item": CommitmentItem,
    "acceptance": Acceptance,
    "contribution": Contribution,
    "payment": Payment,
    "line_phasing": LinePhasing,
}
