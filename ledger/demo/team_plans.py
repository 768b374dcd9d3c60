"""The demo's communication team and communication plans (letter 837, items 1 and 2), loaded through
the same services as the screens, by the operator ``system``, inside the demo's write transaction.

Everything comes from files of ``data/demo/`` (the team register, the attendance lists with the
courses' topics, the policies' timelines, the comments on drafts, the plans and their activities),
so that an officer can read and correct them. What the demo should show is in those files: every
unit has a team and one (BYT-KCB) has lost its spokesperson; one large-impact policy (LUAT-DANSO)
has no plan. The demo's commitments are then linked to the activities they carry out: a commitment
of a plan's policy and year, on a line of the plan's unit tree, carries out the activity of the
matching channel (its line's activity first). Rows and links only: no figure of the ledger moves,
except a listed course's participants, which are its list.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.domain.formatting import parse_date
from ledger.domain.reference_files import columns
from ledger.services import plans, policy_timeline, team
from ledger.services.plans import plan_by_code
from ledger.store.access import SYSTEM, subtree
from ledger.store.models import BudgetLine, Commitment, CommunicationPlan, PlanActivity, Policy

TEAM = columns("demo/team.csv", ("code", "full_name", "unit", "position", "role", "mode", "start_date", "end_date", "decision"))
PARTICIPANTS = columns("demo/course_participants.csv", ("course", "year", "topic", "member", "completed", "certificate_no"))
TIMELINE_COLUMNS = ("document_type", "large_impact", "proposed_on", "policy_consulted_on", "drafting_on", "draft_consulted_on", "submitted_on", "issued_on", "effective_on")
TIMELINES = columns("demo/policy_timelines.csv", ("code", *TIMELINE_COLUMNS))
COMMENTS = columns("demo/draft_comments.csv", ("policy", "unit", "date", "comment", "response"))
PLANS = columns("demo/plans.csv", ("code", "year", "unit", "policy", "title", "decision_no", "approved_on", "status"))
ACTIVITIES = columns("demo/plan_activities.csv", ("plan", "year", "code", "stage", "content", "channel", "audience", "start_on", "end_on", "estimated_cost", "line", "done_on"))

# The channel of the activity a commitment of each kind carries out.
CHANNEL_OF_KIND = {"order": "DAT_HANG_BAO_CHI", "course": "TAP_HUAN", "it_service": "CNTT"}


def _day(text: str) -> dt.date | None:
    return parse_date(text)[0] if text else None


def load_team(session: Session, today: dt.date) -> dict[str, int]:
    """The register (a row per assignment) and the demo courses' topics and attendance lists."""
    counts = {"staff_assignments": 0, "course_participants": 0}
    for code, name, unit, position, role, mode, start, end, decision in TEAM:
        if _day(start) > today:
            continue  # an assignment the demo's day has not reached yet
        ended = end if end and _day(end) <= today else None
        team.record_staff_row.in_session(session, SYSTEM, code, name, unit, role, mode, start, ended, position, decision)
        counts["staff_assignments"] += 1
    topics: dict[tuple[str, str], str] = {}
    for course, year, topic, member, completed, certificate in PARTICIPANTS:
        if (course, year) not in topics:
            team.set_course_topic.in_session(session, SYSTEM, course, topic, year)
            topics[(course, year)] = topic
        team.record_participant_row.in_session(session, SYSTEM, course, year, member, completed, certificate)
        counts["course_participants"] += 1
    return counts


def load_plans(session: Session, today: dt.date) -> dict[str, int]:
    """Timelines, comments on drafts, plans with their activities (approved, done, completed as the
    files say, where the demo's day allows), then the commitments linked to the activities."""
    counts = {"plans": 0, "plan_activities": 0, "draft_comments": 0, "linked_commitments": 0}
    for code, *profile in TIMELINES:
        policy_timeline.set_policy_profile.in_session(session, SYSTEM, code, **dict(zip(TIMELINE_COLUMNS, profile, strict=True)))
    for policy, unit, date, comment, response in COMMENTS:
        if _day(date) <= today:
            policy_timeline.add_draft_comment.in_session(session, SYSTEM, policy, unit, date, comment, response or None)
            counts["draft_comments"] += 1
    activities: dict[tuple[str, str], list[tuple[str, ...]]] = {}
    for row in ACTIVITIES:
        activities.setdefault((row[0], row[1]), []).append(row[2:])
    for code, year, unit, policy, title, decision, approved_on, status in PLANS:
        plan = plans.create_plan.in_session(session, SYSTEM, code=code, year=year, unit_code=unit, policy=policy, title=title, decision_no=decision or None)
        counts["plans"] += 1
        added = []
        for activity_code, stage, content, channel, audience, start, end, cost, line, done in activities.get((code, year), []):
            made = plans.add_activity.in_session(
                session, SYSTEM, plan.id, code=activity_code, stage=stage, content=content, channel=channel, audience=audience,
                start_on=start, end_on=end, estimated_cost=int(cost), line=line or None,
            )
            added.append((made, _day(done)))
            counts["plan_activities"] += 1
        if status == "DU_THAO" or _day(approved_on) > today:
            continue
        plans.approve_plan.in_session(session, SYSTEM, plan.id, decision, approved_on)
        for made, done in added:
            if done is not None and done <= today:
                plans.mark_activity_done.in_session(session, SYSTEM, made.id, done)
        if status == "HOAN_THANH":
            plans.complete_plan.in_session(session, SYSTEM, plan.id)
    counts["linked_commitments"] = _link_commitments(session)
    return counts


def _link_commitments(session: Session) -> int:
    """Each demo commitment (not cancelled) of a plan's policy and year, on a line of the plan's unit
    tree, carries out the plan's activity of its kind's channel, preferring the one on its line."""
    by_key: dict[tuple[int, int], list[tuple[CommunicationPlan, list[PlanActivity]]]] = {}
    for plan in session.scalars(select(CommunicationPlan).order_by(CommunicationPlan.id)):
        if plan_by_code(session, plan.year, plan.code).id != plan.id:
            continue  # an older version
        found = plans.activities_of(session, plan.id)
        by_key.setdefault((plan.policy_id, plan.year), []).append((plan, found))
    linked = 0
    rows = session.execute(
        select(Commitment, BudgetLine)
        .join(BudgetLine, BudgetLine.id == Commitment.line_id)
        .join(Policy, Policy.id == Commitment.policy_id)
        .where(Commitment.status != "cancelled", Commitment.activity_id.is_(None))
        .order_by(Commitment.id)
    ).all()
    for commitment, line in rows:
        choice = _activity_for(session, by_key.get((commitment.policy_id, commitment.year), []), commitment, line)
        if choice is not None:
            plans.link_commitment_to_activity.in_session(session, SYSTEM, commitment.id, choice)
            linked += 1
    return linked


def _activity_for(session: Session, candidates: list[tuple[CommunicationPlan, list[PlanActivity]]], commitment: Commitment, line: BudgetLine) -> Any:
    channel = CHANNEL_OF_KIND[commitment.kind]
    matching = [a for plan, found in candidates if line.unit_id in subtree(session, plan.unit_id) for a in found if a.channel == channel]
    on_line = [a for a in matching if a.line_id == line.id]
    pick = (on_line or matching or [None])[0]
    return None if pick is None else pick.id
