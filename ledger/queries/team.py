"""The communication team as the screens (and the extract) read it: the register of assignments in
scope with its filters, a person's history and courses, the courses of a year with their attendance
figures, and a course's attendance list. Frozen dataclasses with real dates; administrators read
none of it (``ledger.reports.coverage.require_team_reader``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, or_, select

from ledger.domain import rules
from ledger.domain.codes import fold
from ledger.domain.errors import NotFound, problem
from ledger.domain.team import course_participants, is_active, per_person
from ledger.queries.base import rows_as
from ledger.reports.coverage import require_team_reader
from ledger.store.access import Actor, scope_unit_ids, subtree
from ledger.store.db import Database
from ledger.store.models import BudgetLine, Commitment, CourseParticipant, StaffAssignment, StaffMember, Unit


@dataclass(frozen=True)
class AssignmentRow:
    """A post a member holds (or held) in a unit's team: position, role, dedicated or not, from when to when."""

    id: int
    member_code: str
    full_name: str
    unit_code: str
    unit_name: str
    position: str
    role: str
    mode: str
    start_date: dt.date
    end_date: dt.date | None
    decision: str

    def active_on(self, day: dt.date) -> bool:
        return is_active(self.start_date, self.end_date, day)


@dataclass(frozen=True)
class MemberRow:
    """A person of the staff register, with the unit they belong to."""

    code: str
    full_name: str
    unit_code: str


@dataclass(frozen=True)
class MemberCourse:
    """A course a person took part in, and whether they completed it (with the certificate)."""

    course_id: int
    reference: str
    year: int
    title: str
    topic: str | None
    end_date: dt.date | None
    completed: bool
    certificate_no: str


@dataclass(frozen=True)
class MemberHistory:
    """One person's history for their page: every assignment and every course, oldest first."""

    member: MemberRow
    assignments: tuple[AssignmentRow, ...]
    courses: tuple[MemberCourse, ...]


@dataclass(frozen=True)
class CourseRow:
    """A course with its attendance figures: the list when it has one, else the declared number."""

    id: int
    reference: str
    year: int
    title: str
    unit_code: str
    status: str
    topic: str | None
    start_date: dt.date | None
    end_date: dt.date | None
    declared: int | None
    listed: int
    completed: int
    participants: int | None
    value: int
    final_value: int | None

    @property
    def cost(self) -> int:
        return rules.final_or_value(self.status, self.value, self.final_value)

    @property
    def cost_per_participant(self) -> int | None:
        return per_person(self.cost, self.participants)


@dataclass(frozen=True)
class ParticipantRow:
    """A person on a course's participant list, and whether they completed it."""

    id: int
    member_code: str
    full_name: str
    unit_code: str
    completed: bool
    certificate_no: str


def _scoped(session, actor: Actor, column):
    require_team_reader(session, actor)
    scope = scope_unit_ids(session, actor)
    return [] if scope is None else [column.in_(scope)]


_ASSIGNMENT_COLUMNS = (
    StaffAssignment.id, StaffMember.code.label("member_code"), StaffMember.full_name, Unit.code.label("unit_code"),
    Unit.name.label("unit_name"), StaffAssignment.position, StaffAssignment.role, StaffAssignment.mode,
    StaffAssignment.start_date, StaffAssignment.end_date, StaffAssignment.decision,
)


def _assignments():
    return select(*_ASSIGNMENT_COLUMNS).join(StaffMember, StaffMember.id == StaffAssignment.member_id).join(Unit, Unit.id == StaffAssignment.unit_id)


def register(
    db: Database, actor: Actor, *, search: str | None = None, unit_code: str | None = None, role: str | None = None, active_on: dt.date | None = None
) -> list[AssignmentRow]:
    """Assignments in scope, by unit, person and first day. ``unit_code`` keeps that unit's subtree;
    ``search`` matches the staff code or the name (accents and case ignored); ``active_on`` keeps
    those holding on that day."""
    with db.read() as session:
        query = _assignments().where(*_scoped(session, actor, StaffAssignment.unit_id))
        if unit_code:
            unit = session.scalars(select(Unit).where(Unit.code == unit_code)).first()
            query = query.where(StaffAssignment.unit_id.in_(subtree(session, unit.id) if unit else set()))
        if role:
            query = query.where(StaffAssignment.role == role)
        if active_on is not None:
            query = query.where(StaffAssignment.start_date <= active_on, or_(StaffAssignment.end_date.is_(None), StaffAssignment.end_date >= active_on))
        found = rows_as(AssignmentRow, session.execute(query.order_by(Unit.code, StaffMember.code, StaffAssignment.start_date, StaffAssignment.id)).mappings())
    wanted = fold(search or "")
    return [r for r in found if wanted in fold(r.member_code) or wanted in fold(r.full_name)] if wanted else found


def members(db: Database, actor: Actor) -> list[MemberRow]:
    """The people whose unit is in scope, by code (for pickers)."""
    with db.read() as session:
        query = select(StaffMember.code, StaffMember.full_name, Unit.code.label("unit_code")).join(Unit, Unit.id == StaffMember.unit_id)
        return rows_as(MemberRow, session.execute(query.where(*_scoped(session, actor, StaffMember.unit_id)).order_by(StaffMember.code)).mappings())


def member_history(db: Database, actor: Actor, code: str) -> MemberHistory:
    """A person's assignments (every one, ended or not) and the courses they were listed on."""
    with db.read() as session:
        scope = _scoped(session, actor, StaffMember.unit_id)
        row = session.execute(
            select(StaffMember.id, StaffMember.code, StaffMember.full_name, Unit.code.label("unit_code"))
            .join(Unit, Unit.id == StaffMember.unit_id).where(StaffMember.code == code, *scope)
        ).mappings().first()
        if row is None:
            raise NotFound(problem("team.member_unknown", value=code))
        query = _assignments().where(StaffAssignment.member_id == row["id"]).order_by(StaffAssignment.start_date, StaffAssignment.id)
        assignments = rows_as(AssignmentRow, session.execute(query).mappings())
        courses = session.execute(
            select(
                Commitment.id.label("course_id"), Commitment.reference, Commitment.year, Commitment.description.label("title"),
                Commitment.topic, Commitment.end_date, CourseParticipant.completed, CourseParticipant.certificate_no,
            )
            .join(Commitment, Commitment.id == CourseParticipant.course_id)
            .where(CourseParticipant.member_id == row["id"])
            .order_by(Commitment.end_date, Commitment.id)
        ).mappings()
        return MemberHistory(MemberRow(row["code"], row["full_name"], row["unit_code"]), tuple(assignments), tuple(rows_as(MemberCourse, courses)))


def courses(db: Database, actor: Actor, year: int) -> list[CourseRow]:
    """The year's courses in scope with their attendance figures, by code."""
    listed = func.count(CourseParticipant.id)
    done = func.count(CourseParticipant.id).filter(CourseParticipant.completed.is_(True))
    with db.read() as session:
        query = (
            select(
                Commitment.id, Commitment.reference, Commitment.year, Commitment.description.label("title"), Unit.code.label("unit_code"),
                Commitment.status, Commitment.topic, Commitment.start_date, Commitment.end_date, Commitment.participants.label("declared"),
                listed.label("listed"), done.label("completed"), Commitment.value, Commitment.final_value,
            )
            .join(BudgetLine, BudgetLine.id == Commitment.line_id)
            .join(Unit, Unit.id == BudgetLine.unit_id)
            .outerjoin(CourseParticipant, CourseParticipant.course_id == Commitment.id)
            .where(Commitment.kind == "course", Commitment.year == year, *_scoped(session, actor, BudgetLine.unit_id))
            .group_by(Commitment.id, Unit.code)
            .order_by(Commitment.reference)
        )
        found = session.execute(query).mappings().all()
    return [CourseRow(**row, participants=course_participants(row["listed"], row["declared"])) for row in found]


def attendance(db: Database, actor: Actor, course_id: int) -> list[ParticipantRow]:
    """A course's attendance list, by staff code (a course outside the scope is unknown)."""
    with db.read() as session:
        course = session.execute(
            select(Commitment.id).join(BudgetLine, BudgetLine.id == Commitment.line_id)
            .where(Commitment.id == course_id, Commitment.kind == "course", *_scoped(session, actor, BudgetLine.unit_id))
        ).first()
        if course is None:
            raise NotFound(problem("team.course_unknown", value=course_id))
        query = (
            select(CourseParticipant.id, StaffMember.code.label("member_code"), StaffMember.full_name, Unit.code.label("unit_code"),
                   CourseParticipant.completed, CourseParticipant.certificate_no)
            .join(StaffMember, StaffMember.id == CourseParticipant.member_id)
            .join(Unit, Unit.id == StaffMember.unit_id)
            .where(CourseParticipant.course_id == course_id)
            .order_by(StaffMember.code)
        )
        return rows_as(ParticipantRow, session.execute(query).mappings())

