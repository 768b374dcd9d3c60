"""The communication team: staff members, their assignments (roles in a unit over time) and the
people who attended a course (letter 837, item 1).

Only the personal data the duty needs (DOMAIN.md "Staff"): a code, a name, a unit, and the
assignments and courses. No identity number, birth date or private contact. Nothing here is
deleted: an assignment ends with an end date, a correction is a new assignment.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ledger.domain import codes
from ledger.store.models.base import Created, Record, in_list
from ledger.store.models.core import Unit
from ledger.store.models.spending import Commitment

STAFF_ROLES = tuple(codes.STAFF_ROLES)
ASSIGNMENT_MODES = tuple(codes.ASSIGNMENT_MODES)


class StaffMember(Created, Record):
    """A person of the communication team, known by a staff code unique in the ledger."""

    __tablename__ = "staff_members"

    code: Mapped[str] = mapped_column(String(32), unique=True)
    full_name: Mapped[str] = mapped_column(String(255))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)

    unit: Mapped[Unit] = relationship()


class StaffAssignment(Created, Record):
    """A person's communication role in a unit from a day to a day (open while ``end_date`` is None)."""

    __tablename__ = "staff_assignments"

    member_id: Mapped[int] = mapped_column(ForeignKey("staff_members.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    position: Mapped[str] = mapped_column(String(255), default="")
    role: Mapped[str] = mapped_column(String(32))
    mode: Mapped[str] = mapped_column(String(16))
    start_date: Mapped[dt.date] = mapped_column(Date)
    end_date: Mapped[dt.date | None] = mapped_column(Date)
    decision: Mapped[str] = mapped_column(String(128), default="")

    member: Mapped[StaffMember] = relationship()
    unit: Mapped[Unit] = relationship()

    __table_args__ = (
        CheckConstraint(in_list("role", STAFF_ROLES), name="role"),
        CheckConstraint(in_list("mode", ASSIGNMENT_MODES), name="mode"),
        CheckConstraint("end_date is null or end_date >= start_date", name="dates"),
        Index("ix_staff_assignments_unit_dates", "unit_id", "start_date", "end_date"),
    )


class CourseParticipant(Created, Record):
    """A person on a course's attendance list: completed or not, with the certificate number."""

    __tablename__ = "course_participants"

    course_id: Mapped[int] = mapped_column(ForeignKey("commitments.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("staff_members.id"), index=True)
    completed: Mapped[bool] = mapped_column(Boolean, default=False)
    certificate_no: Mapped[str] = mapped_column(String(64), default="")

    course: Mapped[Commitment] = relationship()
    member: Mapped[StaffMember] = relationship()

    __table_args__ = (UniqueConstraint("course_id", "member_id", name="uq_course_participants_course_member"),)
