"""Units, fiscal years, catalogues, policies, users, budget lines, adjustments and the audit events."""


from __future__ import annotations

import datetime as dt

from sqlalchemy import (
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

from ledger.store.models.base import Base, Money, Posted, Record, Stamp, Username


class Unit(Record):
    """A reporting agency or one of its subordinate units; the tree defines users' scopes."""

    __tablename__ = "units"

    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(16))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    chapter_code: Mapped[str | None] = mapped_column(String(3))
    commitment_control: Mapped[str] = mapped_column(String(8), default="block")
    advance_limit_pct: Mapped[int] = mapped_column(Integer, default=50)
    xhh_control: Mapped[str] = mapped_column(String(8), default="warn")
    # Phased control (migration 0009): off (None, the default), warn or block; left out of the audit
    # snapshot while empty, so the events written before the column existed still match the rows.
    phased_control: Mapped[str | None] = mapped_column(String(8), info={"audit_omit_if": None})

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


class CodeList(Base):
    """A code list the spending is classified by, seeded by migration: a code, its Vietnamese and
    English labels, and its place in the lists the screens show."""

    __abstract__ = True

    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    label_vi: Mapped[str] = mapped_column(String(128))
    label_en: Mapped[str] = mapped_column(String(128))
    sort_order: Mapped[int] = mapped_column(Integer, default=0)


class Category(CodeList):
    """Spending category (Nhóm chi)."""

    __tablename__ = "categories"


class Source(CodeList):
    """Funding source (Nguồn): NSNN or XHH."""

    __tablename__ = "sources"


class Stage(CodeList):
    """Policy stage (Giai đoạn) that a spend serves."""

    __tablename__ = "stages"


class BudgetCode(Record):
    """One code of the state budget classification, valid for a range of fiscal years."""

    __tablename__ = "budget_codes"

    kind: Mapped[str] = mapped_column(String(16))  # 'sector' (loại-khoản) or 'sub_item' (tiểu mục)
    code: Mapped[str] = mapped_column(String(16))
    label_vi: Mapped[str] = mapped_column(String(255))
    valid_from: Mapped[int] = mapped_column(Integer)
    valid_to: Mapped[int | None] = mapped_column(Integer)

    __table_args__ = (UniqueConstraint("kind", "code", "valid_from", name="uq_budget_codes_kind_code_from"),)


class Policy(Record):
    """A policy whose communication the spending serves; owned by a unit."""

    __tablename__ = "policies"

    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    owner_unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    # Its kind and timeline (migration 0008, letter 837 item 2): ``audit_omit_if`` keeps the events
    # written before these columns existed matching the rows. Each ``*_on`` starts a fine stage
    # (ledger.domain.policy_stages.STAGE_COLUMNS); ``large_impact``: within Decision 407's scope.
    document_type: Mapped[str | None] = mapped_column(String(16), info={"audit_omit_if": None})
    large_impact: Mapped[bool | None] = mapped_column(Boolean, info={"audit_omit_if": None})
    proposed_on: Mapped[dt.date | None] = mapped_column(Date, info={"audit_omit_if": None})
    policy_consulted_on: Mapped[dt.date | None] = mapped_column(Date, info={"audit_omit_if": None})
    drafting_on: Mapped[dt.date | None] = mapped_column(Date, info={"audit_omit_if": None})
    draft_consulted_on: Mapped[dt.date | None] = mapped_column(Date, info={"audit_omit_if": None})
    submitted_on: Mapped[dt.date | None] = mapped_column(Date, info={"audit_omit_if": None})
    issued_on: Mapped[dt.date | None] = mapped_column(Date, info={"audit_omit_if": None})
    effective_on: Mapped[dt.date | None] = mapped_column(Date, info={"audit_omit_if": None})


class User(Record):
    __tablename__ = "users"

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


class BudgetLine(Record):
    """A line of the year's estimate (dự toán) for one unit, category and source."""

    __tablename__ = "budget_lines"

    year: Mapped[int] = mapped_column(ForeignKey("fiscal_years.year"))
    code: Mapped[str] = mapped_column(String(32))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    description: Mapped[str] = mapped_column(String(500))
    category_code: Mapped[str] = mapped_column(ForeignKey("categories.code"))
    source_code: Mapped[str] = mapped_column(ForeignKey("sources.code"))
    sector_code: Mapped[str | None] = mapped_column(String(7))
    sub_item: Mapped[str | None] = mapped_column(String(4))
    policy_id: Mapped[int | None] = mapped_column(ForeignKey("policies.id"), index=True)
    original_estimate: Mapped[Money]
    # Written out rather than inherited from ``Created``: the year end's columns came after them.
    created_at: Mapped[Stamp]
    created_by: Mapped[Username]
    # The year end (migration 0009): the line of the previous year whose carry-over opened this one,
    # and the year-end run that closed this line (no write on it after that).
    carried_from_id: Mapped[int | None] = mapped_column(ForeignKey("budget_lines.id"), index=True, info={"audit_omit_if": None})
    closed_run_id: Mapped[int | None] = mapped_column(ForeignKey("year_end_runs.id"), info={"audit_omit_if": None})

    unit: Mapped[Unit] = relationship()
    policy: Mapped[Policy | None] = relationship()

    __table_args__ = (
        UniqueConstraint("year", "code", name="uq_budget_lines_year_code"),
        CheckConstraint("original_estimate >= 0", name="estimate_not_negative"),
        Index("ix_budget_lines_year_unit", "year", "unit_id"),
    )


class Adjustment(Posted, Record):
    """A posted change of a line's allocation; a transfer is two of these with one transfer_key."""

    __tablename__ = "adjustments"

    line_id: Mapped[int] = mapped_column(ForeignKey("budget_lines.id"), index=True)
    date: Mapped[dt.date] = mapped_column(Date)
    amount: Mapped[Money]
    decision_no: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text, default="")
    transfer_key: Mapped[str | None] = mapped_column(String(36), index=True)

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
