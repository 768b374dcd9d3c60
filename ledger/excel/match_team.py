"""What the ledger already holds of the team's and the plans' sheets, found in batches (as match.py
does for the ledger's sheets): staff members and their assignments by staff code, a course's
attendance list, draft comments by policy, plans (every version) by year and code, and their
activities."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import aliased

from ledger.excel.match import _chunked
from ledger.store.models.core import BudgetLine, Policy, Unit
from ledger.store.models.plans import CommunicationPlan, DraftComment, PlanActivity
from ledger.store.models.team import CourseParticipant, StaffAssignment, StaffMember


def members(session, codes: Iterable[str]) -> dict[str, Any]:
    rows = _chunked(session, lambda chunk: select(StaffMember.id, StaffMember.code, StaffMember.full_name, StaffMember.unit_id)
                    .where(StaffMember.code.in_(chunk)), codes)
    return {r.code: r for r in rows}


def assignments(session, member_ids: Iterable[int]) -> dict[int, list[Any]]:
    """Each member's assignments as (unit code, role, mode, start, end, position, decision) with the unit id."""
    found: dict[int, list[Any]] = defaultdict(list)
    for r in _chunked(session, lambda chunk: select(
        StaffAssignment.member_id, StaffAssignment.unit_id, Unit.code.label("unit"), StaffAssignment.role, StaffAssignment.mode,
        StaffAssignment.start_date, StaffAssignment.end_date, StaffAssignment.position, StaffAssignment.decision,
    ).join(Unit, Unit.id == StaffAssignment.unit_id).where(StaffAssignment.member_id.in_(chunk)), member_ids):
        found[r.member_id].append(r)
    return found


def participants(session, course_ids: Iterable[int]) -> dict[tuple[int, str], Any]:
    """(course id, staff code) -> its attendance row."""
    rows = _chunked(session, lambda chunk: select(
        CourseParticipant.course_id, StaffMember.code, CourseParticipant.completed, CourseParticipant.certificate_no,
    ).join(StaffMember, StaffMember.id == CourseParticipant.member_id).where(CourseParticipant.course_id.in_(chunk)), course_ids)
    return {(r.course_id, r.code): r for r in rows}


def comments(session, policy_codes: Iterable[str]) -> dict[tuple, list[Any]]:
    """(policy, unit, date, comment) -> the comments of that content, in the order they were written."""
    found: dict[tuple, list[Any]] = defaultdict(list)
    for r in _chunked(session, lambda chunk: select(
        DraftComment.id, Policy.code.label("policy"), Unit.code.label("unit"), DraftComment.unit_id, DraftComment.date,
        DraftComment.comment, DraftComment.response,
    ).join(Policy, Policy.id == DraftComment.policy_id).join(Unit, Unit.id == DraftComment.unit_id)
            .where(Policy.code.in_(chunk)).order_by(DraftComment.id), policy_codes):
        found[(r.policy, r.unit, r.date, r.comment)].append(r)
    return found


def plans(session, codes: Iterable[str]) -> dict[tuple[int, str, int], Any]:
    """(year, code, version) -> that version of the plan."""
    rows = _chunked(session, lambda chunk: select(
        CommunicationPlan.id, CommunicationPlan.year, CommunicationPlan.code, CommunicationPlan.version, CommunicationPlan.unit_id,
        Unit.code.label("unit"), Policy.code.label("policy"), CommunicationPlan.title, CommunicationPlan.decision_no,
        CommunicationPlan.approved_on, CommunicationPlan.status,
    ).join(Unit, Unit.id == CommunicationPlan.unit_id).join(Policy, Policy.id == CommunicationPlan.policy_id)
        .where(CommunicationPlan.code.in_(chunk)), codes)
    return {(r.year, r.code, r.version): r for r in rows}


def activities(session, plan_ids: Iterable[int]) -> dict[tuple[int, str], Any]:
    """(plan id, activity code) -> the activity, its line by code."""
    line = aliased(BudgetLine)
    rows = _chunked(session, lambda chunk: select(
        PlanActivity.id, PlanActivity.plan_id, PlanActivity.code, PlanActivity.stage, PlanActivity.content, PlanActivity.channel,
        PlanActivity.audience, PlanActivity.start_on, PlanActivity.end_on, PlanActivity.estimated_cost, PlanActivity.source_code,
        line.code.label("line"), PlanActivity.done_on,
    ).outerjoin(line, line.id == PlanActivity.line_id).where(PlanActivity.plan_id.in_(chunk)), plan_ids)
    return {(r.plan_id, r.code): r for r in rows}
