"""Communication plans per policy (letter 837, item 2): draft comments, plans with their versions,
and the plans' activities, which commitments may name (``Commitment.activity_id``)."""


from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ledger.domain import codes
from ledger.store.models.base import Created, Money, Record, in_list

PLAN_STATUSES = tuple(codes.PLAN_STATUSES)


class DraftComment(Created, Record):
    """The communication unit's comment (góp ý) on a policy draft, and how it was taken up."""

    __tablename__ = "draft_comments"

    policy_id: Mapped[int] = mapped_column(ForeignKey("policies.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    date: Mapped[dt.date] = mapped_column(Date)
    comment: Mapped[str] = mapped_column(Text)
    response: Mapped[str | None] = mapped_column(Text)  # how the drafting agency took it up (tiếp thu)


class CommunicationPlan(Created, Record):
    """One version of a unit's communication plan for a policy and a year.

    An approved plan is never edited: a change is a new version (``previous_id`` → the one it
    replaces), a draft until approved; the versions of a plan share code, year, unit and policy.
    The version in force is the latest approved or completed one.
    """

    __tablename__ = "communication_plans"

    year: Mapped[int] = mapped_column(ForeignKey("fiscal_years.year"))
    code: Mapped[str] = mapped_column(String(32))
    version: Mapped[int] = mapped_column(Integer, default=1)
    previous_id: Mapped[int | None] = mapped_column(ForeignKey("communication_plans.id"), unique=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    policy_id: Mapped[int] = mapped_column(ForeignKey("policies.id"), index=True)
    title: Mapped[str] = mapped_column(String(500))
    decision_no: Mapped[str | None] = mapped_column(String(64))
    approved_on: Mapped[dt.date | None] = mapped_column(Date)
    approved_by: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="DU_THAO")

    __table_args__ = (
        UniqueConstraint("year", "code", "version", name="uq_communication_plans_year_code_version"),
        CheckConstraint(in_list("status", PLAN_STATUSES), name="status"),
        CheckConstraint("version >= 1", name="version"),
    )


class PlanActivity(Created, Record):
    """A communication activity of a plan: what, through which channel, for whom, when, at what
    estimated cost, from which source and (expected) budget line."""

    __tablename__ = "plan_activities"

    plan_id: Mapped[int] = mapped_column(ForeignKey("communication_plans.id"), index=True)
    code: Mapped[str] = mapped_column(String(32))
    stage: Mapped[str] = mapped_column(String(16))  # a fine stage: codes.POLICY_STAGES
    content: Mapped[str] = mapped_column(String(500))
    channel: Mapped[str] = mapped_column(String(24))
    audience: Mapped[str] = mapped_column(String(255), default="")
    start_on: Mapped[dt.date] = mapped_column(Date)
    end_on: Mapped[dt.date] = mapped_column(Date)
    estimated_cost: Mapped[Money]
    source_code: Mapped[str | None] = mapped_column(ForeignKey("sources.code"))
    line_id: Mapped[int | None] = mapped_column(ForeignKey("budget_lines.id"), index=True)
    done_on: Mapped[dt.date | None] = mapped_column(Date)

    __table_args__ = (
        UniqueConstraint("plan_id", "code", name="uq_plan_activities_plan_id_code"),
        CheckConstraint("estimated_cost >= 0", name="cost_not_negative"),
        CheckConstraint("end_on >= start_on", name="dates_in_order"),
        CheckConstraint(in_list("stage", tuple(codes.POLICY_STAGES)), name="stage"),
        CheckConstraint(in_list("channel", tuple(codes.CHANNELS)), name="channel"),
    )
