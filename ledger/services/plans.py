"""Communication plans (Kế hoạch truyền thông) and their activities, and the commitments that carry
the activities out (letter 837, item 2).

A plan belongs to a policy, a year and a unit within the policy's owner's tree. Drafts are edited by
the unit's officers and approved by a leader of the policy's owner unit (or above it), with a
decision number; an approved plan changes only by a new version, which keeps the old one. What a
status allows is ``ledger.domain.plan_rules``; each refusal is a sentence. A plan is not a
commitment: what it expects to spend is not checked against the lines here (the plans report flags
it). Writers follow the ``@writer`` pattern (``fn.in_session(session, actor, ...)`` for the
importer and the demo, per row).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.domain import clock, codes
from ledger.domain.errors import NotFound, PermissionDenied, ValidationError, problem
from ledger.domain.formatting import format_date, parse_year
from ledger.domain.plan_rules import IN_FORCE_STATUSES, plan_actions
from ledger.domain.validation import Problems
from ledger.services.budget import find_line
from ledger.services.policy_timeline import find_policy
from ledger.services.reference import unit_by_code
from ledger.services.shared import writer
from ledger.store import audit
from ledger.store.access import SYSTEM, Actor, current_user, require_writer, subtree
from ledger.store.models import BudgetLine, Commitment, CommunicationPlan, FiscalYear, PlanActivity, Policy, Unit

ACTIVITY_FIELDS = ("stage", "content", "channel", "audience", "start_on", "end_on", "estimated_cost", "source", "line")


# --- versions and what they allow ------------------------------------------------------------------

def successor(session: Session, plan: CommunicationPlan) -> CommunicationPlan | None:
    """The version made from ``plan``, if any."""
    return session.scalars(select(CommunicationPlan).where(CommunicationPlan.previous_id == plan.id)).first()


def allowed_actions(session: Session, plan: CommunicationPlan) -> tuple[str, ...]:
    later = successor(session, plan)
    superseded = later is not None and later.status in IN_FORCE_STATUSES
    return plan_actions(plan.status, superseded=superseded, has_successor=later is not None)


def _require(session: Session, plan: CommunicationPlan, action: str) -> None:
    if action not in allowed_actions(session, plan):
        raise ValidationError(
            problem(f"plan.not_allowed_{action}", "status", plan=plan.code, version=plan.version, status=codes.label(codes.PLAN_STATUSES, plan.status))
        )


def _plan_for(session: Session, plan_id: Any) -> CommunicationPlan:
    plan = session.get(CommunicationPlan, plan_id) if isinstance(plan_id, int) and not isinstance(plan_id, bool) else None
    if plan is None:
        raise NotFound(problem("plan.unknown", value=plan_id))
    return plan


def plan_by_code(session: Session, year: int, code: str) -> CommunicationPlan | None:
    """The latest version of the plan ``code`` of ``year``."""
    return session.scalars(
        select(CommunicationPlan).where(CommunicationPlan.year == year, CommunicationPlan.code == (code or "").strip()).order_by(CommunicationPlan.version.desc())
    ).first()


def _open_year(session: Session, found: Problems, year: int) -> None:
    fiscal_year = session.get(FiscalYear, year)
    if fiscal_year is None:
        found.append(problem("year.unknown", "year", year=year))
    elif not fiscal_year.is_open:
        found.append(problem("year.closed", "year", year=year))


# --- plans -----------------------------------------------------------------------------------------

@writer
def create_plan(session: Session, actor: Actor, *, code: Any, year: Any, unit_code: Any, policy: Any, title: Any, decision_no: Any = None) -> CommunicationPlan:
    """A draft plan of ``unit_code`` for ``policy`` in ``year`` (officers of the unit)."""
    found = Problems()
    clean_code = found.code(code, "code", "mã kế hoạch")
    clean_year, error = parse_year(year, field="year")
    if error:
        found.append(error)
    target = find_policy(session, found, policy)
    unit = unit_by_code(session, str(unit_code or ""))
    if unit is None:
        found.append(problem("unit.unknown", "unit_code", value=unit_code or "—"))
    clean_title = found.text(title, "title", "tên kế hoạch", limit=500)
    decision = found.text(decision_no, "decision_no", "số quyết định", limit=64, required=False)
    if unit is not None:
        require_writer(session, actor, unit.id)
    if clean_year is not None:
        _open_year(session, found, clean_year)
        if clean_code and plan_by_code(session, clean_year, clean_code) is not None:
            found.append(problem("plan.exists", "code", value=clean_code, year=clean_year))
    if target is not None and unit is not None and unit.id not in subtree(session, target.owner_unit_id):
        owner = session.get(Unit, target.owner_unit_id)
        found.append(problem("plan.unit_outside_policy", "unit_code", unit=unit.code, policy=target.code, owner=owner.code))
    found.raise_if_any()
    plan = CommunicationPlan(
        code=clean_code, year=clean_year, version=1, unit_id=unit.id, policy_id=target.id, title=clean_title,
        decision_no=decision, status="DU_THAO", created_by=actor.username,
    )
    session.add(plan)
    audit.record_change(session, actor.username, "plan.create", plan, None)
    return plan


@writer
def update_plan(session: Session, actor: Actor, plan_id: int, *, title: Any = None, decision_no: Any = None) -> CommunicationPlan:
    """Change a draft's title or decision number (the fields given)."""
    plan = _plan_for(session, plan_id)
    require_writer(session, actor, plan.unit_id)
    _require(session, plan, "edit")
    found = Problems()
    before = audit.snapshot(plan)
    if title is not None:
        plan.title = found.text(title, "title", "tên kế hoạch", limit=500)
    if decision_no is not None:
        plan.decision_no = found.text(decision_no, "decision_no", "số quyết định", limit=64, required=False)
    found.raise_if_any()
    audit.record_change(session, actor.username, "plan.update", plan, before)
    return plan


def require_leader(session: Session, actor: Actor, unit_id: int) -> None:
    """Refuse unless the actor is an active leader whose unit is ``unit_id`` or above it (approval is
    the one write leaders have)."""
    if actor == SYSTEM:
        return
    user = current_user(session, actor)
    if user.role != "leader":
        raise PermissionDenied(problem("plan.approve_leaders_only", role=codes.label(codes.ROLES, user.role)))
    if user.unit_id is None or unit_id not in subtree(session, user.unit_id):
        own = session.get(Unit, user.unit_id) if user.unit_id else None
        raise PermissionDenied(problem("plan.approve_outside", own=own.code if own else "—", unit=session.get(Unit, unit_id).code))


@writer
def approve_plan(session: Session, actor: Actor, plan_id: int, decision_no: Any = None, approved_on: Any = None) -> CommunicationPlan:
    """Approve a draft (a leader of the policy's owner unit): it needs a decision number, given here or
    already on the draft. When it is a new version, the one it replaces stays as it was, superseded."""
    plan = _plan_for(session, plan_id)
    require_leader(session, actor, session.get(Policy, plan.policy_id).owner_unit_id)
    _require(session, plan, "approve")
    found = Problems()
    decision = found.text(decision_no, "decision_no", "số quyết định", limit=64, required=False) or plan.decision_no
    if not decision:
        found.append(problem("plan.no_decision", "decision_no", plan=plan.code))
    when = found.date(approved_on if approved_on not in (None, "") else clock.today(), "approved_on")
    previous = session.get(CommunicationPlan, plan.previous_id) if plan.previous_id else None
    if when is not None and previous is not None and previous.approved_on and when < previous.approved_on:
        found.append(problem("plan.approved_before_previous", "approved_on", date=format_date(when), previous=format_date(previous.approved_on)))
    found.raise_if_any()
    before = audit.snapshot(plan)
    plan.decision_no, plan.approved_on, plan.approved_by, plan.status = decision, when, actor.username, "DA_DUYET"
    audit.record_change(session, actor.username, "plan.approve", plan, before)
    return plan


def _set_status(session: Session, actor: Actor, plan_id: int, action: str, status: str) -> CommunicationPlan:
    plan = _plan_for(session, plan_id)
    require_writer(session, actor, plan.unit_id)
    _require(session, plan, action)
    before = audit.snapshot(plan)
    plan.status = status
    audit.record_change(session, actor.username, f"plan.{action}", plan, before)
    return plan


@writer
def complete_plan(session: Session, actor: Actor, plan_id: int) -> CommunicationPlan:
    """Mark an approved plan completed (officers of its unit)."""
    return _set_status(session, actor, plan_id, "complete", "HOAN_THANH")


@writer
def cancel_plan(session: Session, actor: Actor, plan_id: int) -> CommunicationPlan:
    """Cancel a draft or an approved plan (officers of its unit); it stays, marked cancelled."""
    return _set_status(session, actor, plan_id, "cancel", "DA_HUY")


@writer
def new_plan_version(session: Session, actor: Actor, plan_id: int) -> CommunicationPlan:
    """A draft copy of an approved plan and its activities, as version + 1: the way an approved plan
    changes. The approved version stays in force, unchanged, until the new one is approved."""
    plan = _plan_for(session, plan_id)
    require_writer(session, actor, plan.unit_id)
    _require(session, plan, "new_version")
    copy = CommunicationPlan(
        code=plan.code, year=plan.year, version=plan.version + 1, previous_id=plan.id, unit_id=plan.unit_id,
        policy_id=plan.policy_id, title=plan.title, status="DU_THAO", created_by=actor.username,
    )
    session.add(copy)
    audit.record_change(session, actor.username, "plan.new_version", copy, None)
    for activity in activities_of(session, plan.id):
        twin = PlanActivity(
            plan_id=copy.id, created_by=actor.username,
            **{name: getattr(activity, name) for name in ("code", "stage", "content", "channel", "audience", "start_on", "end_on", "estimated_cost", "source_code", "line_id", "done_on")},
        )
        session.add(twin)
        audit.record_change(session, actor.username, "plan_activity.create", twin, None)
    return copy


# --- activities ------------------------------------------------------------------------------------

def activities_of(session: Session, plan_id: int) -> list[PlanActivity]:
    return list(session.scalars(select(PlanActivity).where(PlanActivity.plan_id == plan_id).order_by(PlanActivity.start_on, PlanActivity.code)))


def _activity_line(session: Session, found: Problems, plan: CommunicationPlan, value: Any) -> BudgetLine | None:
    """The line an activity expects to use: given by id or by code within the plan's year; it must
    be a line of that year in the plan's unit's tree."""
    if value in (None, ""):
        return None
    line = None
    if isinstance(value, int) and not isinstance(value, bool):
        line = session.get(BudgetLine, value)
    elif isinstance(value, str):
        line = find_line(session, plan.year, value.strip())
    if line is None:
        found.append(problem("line.unknown", "line", value=value))
        return None
    if line.year != plan.year:
        found.append(problem("activity.line_other_year", "line", line=line.code, year=plan.year))
    if line.unit_id not in subtree(session, plan.unit_id):
        unit = session.get(Unit, plan.unit_id)
        found.append(problem("activity.line_outside_unit", "line", line=line.code, unit=unit.code))
    return line


def _activity_fields(session: Session, found: Problems, plan: CommunicationPlan, data: dict[str, Any]) -> dict[str, Any]:
    clean: dict[str, Any] = {}
    for name, labels, what in (("stage", codes.POLICY_STAGES, "giai đoạn"), ("channel", codes.CHANNELS, "hình thức")):
        clean[name] = codes.code_for(data.get(name), labels)
        if clean[name] is None:
            found.append(problem("plans.code_unknown", name, what=what, value=data.get(name) or "—", allowed=codes.codes_hint(labels)))
    clean["content"] = found.text(data.get("content"), "content", "nội dung", limit=500)
    clean["audience"] = found.text(data.get("audience"), "audience", "đối tượng", limit=255, required=False) or ""
    # Activities are planned ahead: their dates may lie in the future, but inside the plan's year.
    for name in ("start_on", "end_on"):
        clean[name] = found.date(data.get(name), name, not_future=False)
        if clean[name] is not None and clean[name].year != plan.year:
            found.append(problem("activity.outside_year", name, date=format_date(clean[name]), year=plan.year))
    if clean["start_on"] and clean["end_on"] and clean["end_on"] < clean["start_on"]:
        found.append(problem("activity.dates_reversed", "end_on", start=format_date(clean["start_on"]), end=format_date(clean["end_on"])))
    clean["estimated_cost"] = found.amount(data.get("estimated_cost"), "estimated_cost")
    source = data.get("source")
    clean["source_code"] = None if source in (None, "") else codes.code_for(source, codes.SOURCES)
    if source not in (None, "") and clean["source_code"] is None:
        found.append(problem("plans.code_unknown", "source", what="nguồn", value=source, allowed=codes.codes_hint(codes.SOURCES)))
    line = _activity_line(session, found, plan, data.get("line"))
    clean["line_id"] = line.id if line is not None else None
    if line is not None:
        if clean["source_code"] is None and source in (None, ""):
            clean["source_code"] = line.source_code  # a line has one source: the activity's is the line's
        elif clean["source_code"] is not None and clean["source_code"] != line.source_code:
            found.append(problem("activity.other_source", "source", line=line.code, line_source=line.source_code, source=clean["source_code"]))
    return clean


@writer
def add_activity(session: Session, actor: Actor, plan_id: int, *, code: Any, **data: Any) -> PlanActivity:
    """An activity of a draft plan: ``ACTIVITY_FIELDS`` (``line``: an id or a line code of the plan's
    year; ``source``: optional when a line is given, else the source the activity will use)."""
    plan = _plan_for(session, plan_id)
    require_writer(session, actor, plan.unit_id)
    _require(session, plan, "add_activity")
    found = Problems()
    clean_code = found.code(code, "code", "mã hoạt động")
    if clean_code and session.scalar(select(PlanActivity.id).where(PlanActivity.plan_id == plan.id, PlanActivity.code == clean_code)):
        found.append(problem("activity.exists", "code", value=clean_code, plan=plan.code))
    clean = _activity_fields(session, found, plan, data)
    found.raise_if_any()
    activity = PlanActivity(plan_id=plan.id, code=clean_code, created_by=actor.username, **clean)
    session.add(activity)
    audit.record_change(session, actor.username, "plan_activity.create", activity, None)
    return activity


def _activity_for(session: Session, activity_id: Any) -> PlanActivity:
    activity = session.get(PlanActivity, activity_id) if isinstance(activity_id, int) and not isinstance(activity_id, bool) else None
    if activity is None:
        raise NotFound(problem("activity.unknown", value=activity_id))
    return activity


@writer
def update_activity(session: Session, actor: Actor, activity_id: int, **changes: Any) -> PlanActivity:
    """Change an activity of a draft plan (the ``ACTIVITY_FIELDS`` given; the others keep their value)."""
    activity = _activity_for(session, activity_id)
    plan = session.get(CommunicationPlan, activity.plan_id)
    require_writer(session, actor, plan.unit_id)
    _require(session, plan, "edit")
    current = {name: getattr(activity, name) for name in ("stage", "content", "channel", "audience", "start_on", "end_on", "estimated_cost")}
    current |= {"source": activity.source_code, "line": activity.line_id}
    found = Problems()
    unknown = sorted(set(changes) - set(ACTIVITY_FIELDS))
    if unknown:
        found.append(problem("activity.unknown_field", unknown[0], value=", ".join(unknown)))
    clean = _activity_fields(session, found, plan, current | changes)
    found.raise_if_any()
    audit.record_update(session, actor.username, "plan_activity.update", activity, clean)
    return activity


@writer
def mark_activity_done(session: Session, actor: Actor, activity_id: int, done_on: Any) -> PlanActivity:
    """Record that an activity of an approved plan was carried out, and when (not a change of the plan)."""
    activity = _activity_for(session, activity_id)
    plan = session.get(CommunicationPlan, activity.plan_id)
    require_writer(session, actor, plan.unit_id)
    _require(session, plan, "mark_done")
    found = Problems()
    when = found.date(done_on, "done_on")
    if when is not None and when < activity.start_on:
        found.append(problem("activity.done_before_start", "done_on", date=format_date(when), start=format_date(activity.start_on)))
    found.raise_if_any()
    before = audit.snapshot(activity)
    activity.done_on = when
    audit.record_change(session, actor.username, "plan_activity.done", activity, before)
    return activity


# --- commitments carrying out an activity ----------------------------------------------------------

def resolve_activity(session: Session, found: Problems, value: Any, *, year: int | None, policy_id: int | None, field: str = "activity") -> int | None:
    """The activity a commitment of ``year`` and ``policy_id`` names (an id from a screen, or an
    activity code from a workbook, looked up among that policy's plans of that year), or None; each
    refusal appended to ``found``: another policy, another year, a cancelled plan, no policy. The
    commitment services call this with the commitment's year and policy and store the id."""
    if value in (None, ""):
        return None
    already = len(found)
    query = select(PlanActivity, CommunicationPlan).join(CommunicationPlan, CommunicationPlan.id == PlanActivity.plan_id)
    if isinstance(value, int) and not isinstance(value, bool):
        rows = session.execute(query.where(PlanActivity.id == value)).all()
    else:
        wanted = str(value).strip()
        rows = session.execute(query.where(PlanActivity.code == wanted).order_by(CommunicationPlan.version.desc())).all()
        mine = [r for r in rows if r[1].year == year and r[1].policy_id == policy_id]
        if mine:
            # The latest version of each plan naming that code; two plans naming it are ambiguous.
            latest = {}
            for activity, plan in mine:
                latest.setdefault((plan.year, plan.code), (activity, plan))
            rows = list(latest.values())
            if len(rows) > 1:
                found.append(problem("activity.ambiguous", field, value=wanted, plans=", ".join(sorted(p.code for _a, p in rows))))
                return None
    if not rows:
        found.append(problem("activity.unknown", field, value=value))
        return None
    activity, plan = rows[0]
    if policy_id is None:
        found.append(problem("activity.commitment_no_policy", field, activity=activity.code))
    elif plan.policy_id != policy_id:
        found.append(problem("activity.other_policy", field, activity=activity.code, policy=session.get(Policy, plan.policy_id).code))
    if year is not None and plan.year != year:
        found.append(problem("activity.other_year", field, activity=activity.code, plan_year=plan.year, year=year))
    if plan.status == "DA_HUY":
        found.append(problem("activity.plan_cancelled", field, activity=activity.code, plan=plan.code))
    return activity.id if len(found) == already else None


@writer
def link_commitment_to_activity(session: Session, actor: Actor, commitment_id: int, activity: Any) -> Commitment:
    """Name the plan activity a commitment carries out (an id, or an activity code of its policy's
    plans of its year); None unlinks it. Officers of the commitment's unit; audited."""
    commitment = session.get(Commitment, commitment_id) if isinstance(commitment_id, int) else None
    if commitment is None:
        raise NotFound(problem("commitment.unknown", value=commitment_id))
    line = session.get(BudgetLine, commitment.line_id)
    require_writer(session, actor, line.unit_id)
    found = Problems()
    activity_id = resolve_activity(session, found, activity, year=commitment.year, policy_id=commitment.policy_id)
    found.raise_if_any()
    before = audit.snapshot(commitment)
    commitment.activity_id = activity_id
    audit.record_change(session, actor.username, "commitment.link_activity", commitment, before)
    return commitment
