"""What the extract holds of the communication team and the plans (letter 837, items 1 and 2): the
staff register, the courses' attendance lists, the plans with their versions and activities, and the
comments on drafts, each for the extract's selection, in the order they were recorded.

The order is the one an import recreates them in, so that extract → empty ledger → extract gives the
same rows: a person's rows start with an assignment in their own unit (the first row of a new staff
code makes the person there), plans by version, activities in the order they were added.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import case, or_, select
from sqlalchemy.orm import Session

from ledger.store.models.core import BudgetLine, Policy, Unit
from ledger.store.models.plans import CommunicationPlan, DraftComment, PlanActivity
from ledger.store.models.spending import Commitment
from ledger.store.models.team import CourseParticipant, StaffAssignment, StaffMember

STREAM_ROWS = 2000


def _stream(session: Session, query) -> Iterator[Any]:
    yield from session.execute(query, execution_options={"yield_per": STREAM_ROWS})


def _in_units(column, sel) -> list:
    return [] if sel.unit_ids is None else [column.in_(sel.unit_ids)]


def plan_filter(sel) -> list:
    """The plans an extract carries: those of its year (or every year) made by a unit of its scope."""
    where = _in_units(CommunicationPlan.unit_id, sel)
    if sel.year is not None:
        where.append(CommunicationPlan.year == sel.year)
    return where


def policies_of_plans_and_comments(sel):
    """The policies the plans and the comments of the selection name (the extract must carry them)."""
    planned = select(CommunicationPlan.policy_id).where(*plan_filter(sel))
    commented = select(DraftComment.policy_id).where(*_in_units(DraftComment.unit_id, sel))
    return or_(Policy.id.in_(planned), Policy.id.in_(commented))


def staff(session: Session, sel) -> Iterator[tuple]:
    """The register: every assignment of a unit in scope (a register is not yearly)."""
    own_first = case((StaffAssignment.unit_id == StaffMember.unit_id, 0), else_=1)
    query = (
        select(StaffMember.code, StaffMember.full_name, Unit.code, StaffAssignment.position, StaffAssignment.role,
               StaffAssignment.mode, StaffAssignment.start_date, StaffAssignment.end_date, StaffAssignment.decision)
        .join(StaffMember, StaffMember.id == StaffAssignment.member_id)
        .join(Unit, Unit.id == StaffAssignment.unit_id)
        .where(*_in_units(StaffAssignment.unit_id, sel))
        .order_by(StaffMember.id, own_first, StaffAssignment.id)
    )
    for r in _stream(session, query):
        yield (*r[:3], r[3] or None, *r[4:8], r[8] or None)


def participants(session: Session, sel) -> Iterator[tuple]:
    """The attendance lists of the courses in the selection, course by course."""
    query = (
        select(Commitment.reference, Commitment.year, StaffMember.code, CourseParticipant.completed, CourseParticipant.certificate_no)
        .join(Commitment, Commitment.id == CourseParticipant.course_id)
        .join(BudgetLine, BudgetLine.id == Commitment.line_id)
        .join(StaffMember, StaffMember.id == CourseParticipant.member_id)
        .where(*sel.lines())
        .order_by(Commitment.id, CourseParticipant.id)  # by course: the order an import adds them in
    )
    for reference, year, member, completed, certificate in _stream(session, query):
        yield (reference, year, member, "CO" if completed else "KHONG", certificate or None)


def plans(session: Session, sel) -> Iterator[tuple]:
    query = (
        select(CommunicationPlan.code, CommunicationPlan.year, Unit.code, Policy.code, CommunicationPlan.title,
               CommunicationPlan.decision_no, CommunicationPlan.approved_on, CommunicationPlan.status, CommunicationPlan.version)
        .join(Unit, Unit.id == CommunicationPlan.unit_id)
        .join(Policy, Policy.id == CommunicationPlan.policy_id)
        .where(*plan_filter(sel))
        .order_by(CommunicationPlan.id)
    )
    yield from _stream(session, query)


def activities(session: Session, sel) -> Iterator[tuple]:
    query = (
        select(CommunicationPlan.code, CommunicationPlan.year, PlanActivity.code, PlanActivity.stage, PlanActivity.content,
               PlanActivity.channel, PlanActivity.audience, PlanActivity.start_on, PlanActivity.end_on, PlanActivity.estimated_cost,
               PlanActivity.source_code, BudgetLine.code, CommunicationPlan.version, PlanActivity.done_on)
        .join(CommunicationPlan, CommunicationPlan.id == PlanActivity.plan_id)
        .outerjoin(BudgetLine, BudgetLine.id == PlanActivity.line_id)
        .where(*plan_filter(sel))
        .order_by(CommunicationPlan.id, PlanActivity.id)
    )
    for r in _stream(session, query):
        yield (*r[:6], r[6] or None, *r[7:])


def comments(session: Session, sel, policy_ids) -> Iterator[tuple]:
    """The comments of the units in scope on the policies the extract carries."""
    query = (
        select(Policy.code, DraftComment.date, Unit.code, DraftComment.comment, DraftComment.response)
        .join(Policy, Policy.id == DraftComment.policy_id)
        .join(Unit, Unit.id == DraftComment.unit_id)
        .where(*_in_units(DraftComment.unit_id, sel), DraftComment.policy_id.in_(policy_ids))
        .order_by(DraftComment.id)
    )
    for r in _stream(session, query):
        yield (*r[:4], r[4] or None)
