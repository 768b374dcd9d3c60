"""The communication team (letter 837, item 1): staff members, their assignments, the attendance list
of each course and a course's topic.

Officers write for their unit's subtree; leaders and auditors only read; administrators manage none
of it (separation of duties, as for the ledger). Every write validates all its input first (every
problem at once), then writes and appends its audit event in the same transaction. Nothing is
deleted: an assignment ends with an end date, and a correction is a new assignment.

Each public writer runs in its own write transaction (``fn(db, actor, ...)``) and, for the workbook
importer and the demo, inside the caller's as ``fn.in_session(session, actor, ...)``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.domain import codes
from ledger.domain.errors import NotFound, PermissionDenied, problem
from ledger.domain.formatting import format_date, parse_year
from ledger.domain.validation import Problems
from ledger.services.budget import require_writer_any
from ledger.services.reference import unit_by_code
from ledger.services.shared import writer
from ledger.store import audit, cache
from ledger.store.access import SYSTEM, Actor, can_read_unit, require_writer, subtree
from ledger.store.models import Commitment, CourseParticipant, StaffAssignment, StaffMember, Unit

# --- look-ups (also for the importer: natural keys) -----------------------------------------------

def member_by_code(session: Session, code: Any) -> StaffMember | None:
    text = str(code or "").strip()
    return cache.by_key(session, ("staff_member", text), select(StaffMember).where(StaffMember.code == text)) if text else None


def find_assignment(session: Session, member_id: int, unit_id: int, role: str, start_date: dt.date) -> StaffAssignment | None:
    """The assignment of this person, unit, role and first day that is still open, if any (the
    importer's match for a row already applied; an ended one may be followed by its correction)."""
    return session.scalars(
        select(StaffAssignment).where(
            StaffAssignment.member_id == member_id,
            StaffAssignment.unit_id == unit_id,
            StaffAssignment.role == role,
            StaffAssignment.start_date == start_date,
            StaffAssignment.end_date.is_(None),
        )
    ).first()


def participant_of(session: Session, course_id: int, member_id: int) -> CourseParticipant | None:
    return session.scalars(
        select(CourseParticipant).where(CourseParticipant.course_id == course_id, CourseParticipant.member_id == member_id)
    ).first()


def _team_writer(session: Session, actor: Actor) -> None:
    """Refuse administrators (they manage users and catalogues, not the team) and read-only roles
    before anything is looked up, so that neither learns what exists."""
    if actor != SYSTEM and actor.role == "admin":
        raise PermissionDenied(problem("team.admin_none"))
    require_writer_any(session, actor)


def _listed_code(found: Problems, value: Any, labels: codes.Labels, field: str, what: str, *, required: bool = True) -> str | None:
    """The code ``value`` names in ``labels`` (code or label, either language); anything else is refused."""
    if value is None or not str(value).strip():
        if required:
            found.append(problem("text.required", field, what=what))
        return None
    code = codes.code_for(value, labels)
    if code is None:
        found.append(problem("team.code_unknown", field, what=what, value=value, allowed=codes.codes_hint(labels)))
    return code


def _unit(session: Session, found: Problems, value: Any, field: str = "unit") -> Unit | None:
    """A unit named by its code (or given as a row)."""
    if isinstance(value, Unit):
        return value
    text = found.text(value, field, "mã đơn vị", limit=32)
    if text is None:
        return None
    unit = unit_by_code(session, text)
    if unit is None:
        found.append(problem("unit.unknown", field, value=text))
    return unit


def _member_in_scope(session: Session, actor: Actor, found: Problems, value: Any, field: str = "member") -> StaffMember | None:
    """A staff member named by code (or given as a row) whom the actor may see; outside the scope
    the person is as unknown as one that does not exist."""
    member = value if isinstance(value, StaffMember) else member_by_code(session, value)
    if member is None or not can_read_unit(session, actor, member.unit_id):
        found.append(problem("team.member_unknown", field, value=value if not isinstance(value, StaffMember) else value.code))
        return None
    return member


def _completed(found: Problems, value: Any) -> bool | None:
    """Completed as a flag: True/False or the workbook's CO/KHONG (in either language)."""
    if isinstance(value, bool):
        return value
    code = _listed_code(found, value, codes.COMPLETED, "completed", "hoàn thành")
    return None if code is None else code == "CO"


def _certificate(found: Problems, value: Any, completed: bool | None) -> str:
    certificate = found.text(value, "certificate_no", "số chứng chỉ", limit=64, required=False) or ""
    if certificate and completed is False:
        found.append(problem("team.certificate_not_completed", "certificate_no", value=certificate))
    return certificate


def _end_date(found: Problems, value: Any, start: dt.date | None) -> dt.date | None:
    end = found.date(value, "end_date", not_future=False)
    if end is not None and start is not None and end < start:
        found.append(problem("team.end_before_start", "end_date", end=format_date(end), start=format_date(start)))
        return None
    return end


# --- staff members and assignments -----------------------------------------------------------------

def _member_fields(session: Session, found: Problems, code: Any, full_name: Any) -> tuple[str | None, str | None]:
    code_ = found.code(code, "code", "mã nhân sự", limit=32)
    name = found.text(full_name, "full_name", "họ tên", limit=255)
    if code_ and member_by_code(session, code_) is not None:
        found.append(problem("team.member_exists", "code", value=code_))
    return code_, name


def _new_member(session: Session, actor: Actor, code: str, name: str, unit: Unit) -> StaffMember:
    require_writer(session, actor, unit.id)
    member = StaffMember(code=code, full_name=name, unit_id=unit.id, created_by=actor.username)
    session.add(member)
    audit.record_change(session, actor.username, "staff_member.create", member, None)
    return member


@writer
def add_member(session: Session, actor: Actor, code: Any, full_name: Any, unit: Any) -> StaffMember:
    """A new person of the communication team: staff code (unique), full name and unit, nothing more."""
    _team_writer(session, actor)
    found = Problems()
    code_, name = _member_fields(session, found, code, full_name)
    unit_ = _unit(session, found, unit)
    found.raise_if_any()
    return _new_member(session, actor, code_, name, unit_)


def _assignment_fields(session: Session, found: Problems, unit: Any, role: Any, mode: Any, start_date: Any, end_date: Any, position: Any, decision: Any) -> dict[str, Any]:
    """The checked columns of an assignment (None where a problem was found)."""
    start = found.date(start_date, "start_date", not_future=False)
    return {
        "unit": _unit(session, found, unit),
        "role": _listed_code(found, role, codes.STAFF_ROLES, "role", "vai trò"),
        "mode": _listed_code(found, mode, codes.ASSIGNMENT_MODES, "mode", "chế độ"),
        "start_date": start,
        "end_date": _end_date(found, end_date, start) if end_date not in (None, "") else None,
        "position": found.text(position, "position", "chức vụ", limit=255, required=False) or "",
        "decision": found.text(decision, "decision", "quyết định phân công", limit=128, required=False) or "",
    }


def _check_not_open_twice(session: Session, found: Problems, member: StaffMember | None, fields: dict[str, Any]) -> None:
    unit, role, start = fields["unit"], fields["role"], fields["start_date"]
    if member and unit and role and start and find_assignment(session, member.id, unit.id, role, start):
        found.append(problem("team.assignment_exists", "start_date", member=member.code, unit=unit.code, role=role, start=format_date(start)))


def _new_assignment(session: Session, actor: Actor, member: StaffMember, fields: dict[str, Any]) -> StaffAssignment:
    require_writer(session, actor, fields["unit"].id)
    columns = {k: v for k, v in fields.items() if k != "unit"}
    assignment = StaffAssignment(member_id=member.id, unit_id=fields["unit"].id, created_by=actor.username, **columns)
    session.add(assignment)
    audit.record_change(session, actor.username, "staff_assignment.create", assignment, None)
    return assignment


@writer
def add_assignment(
    session: Session, actor: Actor, member: Any, unit: Any, role: Any, mode: Any, start_date: Any, end_date: Any = None, position: Any = "", decision: Any = ""
) -> StaffAssignment:
    """A role in a unit from a day (and, when known, to a day) for a person in the actor's scope.
    The same person, unit, role and first day may be open only once (a double entry is refused)."""
    _team_writer(session, actor)
    found = Problems()
    member_ = _member_in_scope(session, actor, found, member)
    fields = _assignment_fields(session, found, unit, role, mode, start_date, end_date, position, decision)
    _check_not_open_twice(session, found, member_, fields)
    found.raise_if_any()
    return _new_assignment(session, actor, member_, fields)


def _close(session: Session, actor: Actor, assignment: StaffAssignment, end: dt.date) -> StaffAssignment:
    before = audit.snapshot(assignment)
    assignment.end_date = end
    audit.record_change(session, actor.username, "staff_assignment.end", assignment, before)
    return assignment


@writer
def end_assignment(session: Session, actor: Actor, assignment_id: int, end_date: Any) -> StaffAssignment:
    """Close an open assignment on its last day (≥ its first day); the row stays, with its history."""
    _team_writer(session, actor)
    assignment = session.get(StaffAssignment, assignment_id)
    if assignment is None or not can_read_unit(session, actor, assignment.unit_id):
        raise NotFound(problem("team.assignment_unknown", value=assignment_id))
    require_writer(session, actor, assignment.unit_id)
    found = Problems()
    if assignment.end_date is not None:
        found.append(problem("team.already_ended", "end_date", end=format_date(assignment.end_date)))
    end = _end_date(found, end_date, assignment.start_date)
    found.raise_if_any()
    return _close(session, actor, assignment, end)


def _same_assignments(session: Session, member: StaffMember, fields: dict[str, Any]) -> list[StaffAssignment]:
    """The person's assignments with this unit, role, mode and first day (a row's identity)."""
    return list(
        session.scalars(
            select(StaffAssignment).where(
                StaffAssignment.member_id == member.id,
                StaffAssignment.unit_id == fields["unit"].id,
                StaffAssignment.role == fields["role"],
                StaffAssignment.mode == fields["mode"],
                StaffAssignment.start_date == fields["start_date"],
            ).order_by(StaffAssignment.id)
        )
    )


@writer
def record_staff_row(
    session: Session, actor: Actor, code: Any, full_name: Any, unit: Any, role: Any, mode: Any, start_date: Any,
    end_date: Any = None, position: Any = "", decision: Any = "",
) -> StaffAssignment:
    """One line of the register as the sheet and the screen's form give it: a person and one of their
    assignments. Adds the person when the code is new (the row's unit is theirs), then the assignment,
    unless the very same one is there already; a row giving an end date to the same assignment, still
    open, ends it. Applying a row twice changes nothing. Every problem of the row is reported at once."""
    _team_writer(session, actor)
    found = Problems()
    member = member_by_code(session, code)
    if member is None:
        new_code, name = _member_fields(session, found, code, full_name)
    else:
        member = _member_in_scope(session, actor, found, member)
        if member is not None and str(full_name or "").strip() != member.full_name:
            found.append(problem("team.name_differs", "full_name", code=member.code, name=member.full_name, value=full_name))
    fields = _assignment_fields(session, found, unit, role, mode, start_date, end_date, position, decision)
    same = _same_assignments(session, member, fields) if member and None not in (fields["unit"], fields["role"], fields["mode"], fields["start_date"]) else []
    kept = ("position", "decision")
    exact = next((a for a in same if all(getattr(a, k) == fields[k] for k in (*kept, "end_date"))), None)
    to_end = next((a for a in same if a.end_date is None and all(getattr(a, k) == fields[k] for k in kept)), None)
    if exact is None and not (to_end and fields["end_date"]):
        _check_not_open_twice(session, found, member, fields)
    found.raise_if_any()
    if exact is not None:
        require_writer(session, actor, exact.unit_id)
        return exact
    if to_end is not None and fields["end_date"]:
        require_writer(session, actor, to_end.unit_id)
        return _close(session, actor, to_end, fields["end_date"])
    if member is None:
        member = _new_member(session, actor, new_code, name, fields["unit"])
    return _new_assignment(session, actor, member, fields)


# --- courses: topic and attendance -----------------------------------------------------------------

def _course_for_write(session: Session, actor: Actor, course: Any, year: Any = None) -> Commitment:
    """A course by id, or by its code and year (the workbook's key), that the actor may write for."""
    _team_writer(session, actor)
    found = None
    if isinstance(course, int) and not isinstance(course, bool):
        found = session.get(Commitment, course)
    elif year is not None:
        year_, _error = parse_year(year)
        found = session.scalars(select(Commitment).where(Commitment.year == year_, Commitment.reference == str(course or "").strip())).first()
    if found is None or found.kind != "course" or not can_read_unit(session, actor, found.line.unit_id):
        raise NotFound(problem("team.course_unknown", value=course))
    require_writer(session, actor, found.line.unit_id)
    return found


@writer
def set_course_topic(session: Session, actor: Actor, course: Any, topic: Any, year: Any = None) -> Commitment:
    """Set (or clear, with a blank) a course's topic; counted in coverage when it is policy or crisis
    communication. A topic is a classification, not money: a course of any status may carry one (a
    draft or cancelled course counts for nothing in coverage anyway)."""
    commitment = _course_for_write(session, actor, course, year)
    found = Problems()
    topic_ = _listed_code(found, topic, codes.COURSE_TOPICS, "topic", "chủ đề", required=False)
    found.raise_if_any()
    if topic_ == commitment.topic:
        return commitment
    before = audit.snapshot(commitment)
    commitment.topic = topic_
    audit.record_change(session, actor.username, "commitment.topic", commitment, before)
    return commitment


@writer
def add_participant(
    session: Session, actor: Actor, course: Any, member: Any, completed: Any = False, certificate_no: Any = "", year: Any = None
) -> CourseParticipant:
    """Put a person on a course's attendance list: a person of the course's unit subtree, once."""
    commitment = _course_for_write(session, actor, course, year)
    found = Problems()
    if commitment.status == "cancelled":
        found.append(problem("team.course_cancelled", "course", reference=commitment.reference))
    member_ = _member_in_scope(session, actor, found, member)
    completed_ = _completed(found, completed)
    certificate = _certificate(found, certificate_no, completed_)
    if member_ is not None:
        course_unit = commitment.line.unit_id
        if member_.unit_id not in subtree(session, course_unit):
            found.append(problem("team.participant_outside", "member", member=member_.code, unit=session.get(Unit, course_unit).code))
        elif participant_of(session, commitment.id, member_.id) is not None:
            found.append(problem("team.participant_twice", "member", member=member_.code, course=commitment.reference))
    found.raise_if_any()
    participant = CourseParticipant(
        course_id=commitment.id, member_id=member_.id, completed=completed_, certificate_no=certificate, created_by=actor.username
    )
    session.add(participant)
    audit.record_change(session, actor.username, "course_participant.create", participant, None)
    return participant


@writer
def record_participant_row(session: Session, actor: Actor, course: Any, year: Any, member: Any, completed: Any = None, certificate_no: Any = "") -> CourseParticipant:
    """One line of the participants' sheet: the person on the course (by its code and year), with
    the result; a blank ``completed`` means completed (the sheet's rule). A person already listed
    gets the row's result, so that applying a row twice changes nothing."""
    if completed is None or (isinstance(completed, str) and not completed.strip()):
        completed = True
    commitment = _course_for_write(session, actor, course, year)
    listed = member_by_code(session, member)
    existing = participant_of(session, commitment.id, listed.id) if listed is not None else None
    if existing is None:
        return add_participant.in_session(session, actor, commitment.id, member, completed, certificate_no)
    return set_completion.in_session(session, actor, existing.id, completed, certificate_no)


@writer
def set_completion(session: Session, actor: Actor, participant_id: int, completed: Any, certificate_no: Any = "") -> CourseParticipant:
    """Mark a participant completed (with the certificate number) or not completed."""
    _team_writer(session, actor)
    participant = session.get(CourseParticipant, participant_id)
    if participant is None:
        raise NotFound(problem("team.participant_unknown", value=participant_id))
    commitment = _course_for_write(session, actor, participant.course_id)
    found = Problems()
    if commitment.status == "cancelled":
        found.append(problem("team.course_cancelled", "course", reference=commitment.reference))
    completed_ = _completed(found, completed)
    certificate = _certificate(found, certificate_no, completed_)
    found.raise_if_any()
    if (participant.completed, participant.certificate_no) == (completed_, certificate):
        return participant
    before = audit.snapshot(participant)
    participant.completed, participant.certificate_no = completed_, certificate
    audit.record_change(session, actor.username, "course_participant.update", participant, before)
    return participant

