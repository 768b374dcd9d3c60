"""The figures of communication plans: a policy's page (its timeline, comments, plans and their
activities with planned vs committed vs paid, money per stage) and, for leaders, Decision 407's
target (the share of large-impact policies whose communication started at the proposal stage).

Validate → SQL → shape: the sums over commitments naming an activity and over their payments are
aggregated in SQL; what a commitment holds is ``balances.held_expression`` (the rulebook's rule).
An activity's money follows it across its plan's versions: commitments name one version's
activity, and every version of the plan shows them under the activity of the same code.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ledger.domain import clock, codes
from ledger.domain.errors import NotFound, problem
from ledger.domain.plan_rules import IN_FORCE_STATUSES, shortfall
from ledger.domain.policy_stages import STAGE_COLUMNS, STAGE_ORDER, StageSpan, current_stage, spans
from ledger.queries.base import big_sum
from ledger.reports.dashboard import cached_figures
from ledger.services.plans import allowed_actions
from ledger.services.reference import policies_in_scope, policy_by_code
from ledger.store.access import Actor, scope_unit_ids
from ledger.store.balances import held_expression, line_balance
from ledger.store.db import Database
from ledger.store.models import (
    BudgetLine,
    Commitment,
    CommunicationPlan,
    DraftComment,
    Payment,
    PlanActivity,
    Policy,
    Unit,
)

Key = tuple[int, str, str]  # (year, plan code, activity code): an activity across its plan's versions


@dataclass(frozen=True)
class PolicyProfile:
    """A policy's profile: its document type, its Decision-407 scope and the dates of its stages."""

    id: int
    code: str
    name: str
    owner_unit_code: str
    document_type: str | None
    large_impact: bool | None
    starts: tuple[tuple[str, dt.date | None], ...]  # every fine stage, in order, with its start or None
    current_stage: str | None
    spans: tuple[StageSpan, ...]


@dataclass(frozen=True)
class CommentRow:
    """A comment received on a draft policy, and the drafting unit's response."""

    id: int
    date: dt.date
    unit_code: str
    comment: str
    response: str | None


@dataclass(frozen=True)
class ActivityRow:
    """An activity of a communication plan: stage, channel, audience, dates and estimated cost."""

    id: int
    code: str
    stage: str
    content: str
    channel: str
    audience: str
    start_on: dt.date
    end_on: dt.date
    estimated_cost: int
    source_code: str | None
    line_id: int | None
    line_code: str | None
    done_on: dt.date | None
    committed: int
    paid: int
    commitments: int

    @property
    def coarse_stage(self) -> str:
        return codes.POLICY_STAGE_COARSE[self.stage]

    @property
    def done(self) -> bool:
        return self.done_on is not None


@dataclass(frozen=True)
class LineShortfall:
    """A line on which the plan still expects to spend more than the line can hold (flagged, allowed)."""

    line_code: str
    need: int
    available: int

    @property
    def short(self) -> int:
        return shortfall(self.need, self.available)


@dataclass(frozen=True)
class PlanRow:
    """A version of a communication plan, with its approval and its activities."""

    id: int
    code: str
    year: int
    version: int
    unit_code: str
    title: str
    decision_no: str | None
    approved_on: dt.date | None
    approved_by: str | None
    status: str
    current: bool  # the version that counts: the latest approved one, else the latest
    actions: tuple[str, ...]
    activities: tuple[ActivityRow, ...]
    shortfalls: tuple[LineShortfall, ...]

    @property
    def estimated(self) -> int:
        return sum(a.estimated_cost for a in self.activities)

    @property
    def committed(self) -> int:
        return sum(a.committed for a in self.activities)

    @property
    def paid(self) -> int:
        return sum(a.paid for a in self.activities)


@dataclass(frozen=True)
class StageMoney:
    """A policy stage's money: estimated in its activities, committed and paid against them."""

    stage: str
    planned: int
    committed: int
    paid: int


@dataclass(frozen=True)
class PolicyPage:
    """Everything a policy's page shows: its profile, comments, plans and money per stage."""

    profile: PolicyProfile
    comments: tuple[CommentRow, ...]
    plans: tuple[PlanRow, ...]
    stage_money: tuple[StageMoney, ...]  # the current, not cancelled versions' activities, per fine stage


@dataclass(frozen=True)
class PolicyGap:
    """A Decision-407 policy whose communication did not start at the proposal stage."""

    code: str
    name: str
    owner_unit_code: str
    current_stage: str | None
    first_stage: str | None  # the earliest stage its approved plans cover; None: no approved plan


@dataclass(frozen=True)
class Coverage407:
    """The leaders' Decision-407 figures: policies in scope, how many are covered, which are not."""

    policies: int
    covered: int
    gaps: tuple[PolicyGap, ...]

    @property
    def share(self) -> float | None:
        """The share covered, 0–1 (the target is 1); None with no such policy in scope."""
        return self.covered / self.policies if self.policies else None


# --- reads -------------------------------------------------------------------------------------------

def _profile(policy: Policy, owner_code: str, today: dt.date) -> PolicyProfile:
    starts = {stage: getattr(policy, column) for stage, column in STAGE_COLUMNS.items()}
    return PolicyProfile(
        policy.id, policy.code, policy.name, owner_code, policy.document_type, policy.large_impact,
        tuple((stage, starts[stage]) for stage in STAGE_ORDER), current_stage(starts, today), tuple(spans(starts)),
    )


def _in_scope(column, scope: set[int] | None):
    return True if scope is None else column.in_(scope)


def _linked_money(session: Session, policy_id: int, scope: set[int] | None) -> dict[Key, tuple[int, int, int]]:
    """Per activity (across versions): what commitments naming it hold, what was paid on them, and how
    many they are; commitments on lines outside the reader's scope are left out."""
    key = (CommunicationPlan.year, CommunicationPlan.code, PlanActivity.code)
    linked = (
        select(*key)
        .select_from(Commitment)
        .join(PlanActivity, PlanActivity.id == Commitment.activity_id)
        .join(CommunicationPlan, CommunicationPlan.id == PlanActivity.plan_id)
        .join(BudgetLine, BudgetLine.id == Commitment.line_id)
        .where(CommunicationPlan.policy_id == policy_id, _in_scope(BudgetLine.unit_id, scope))
        .group_by(*key)
    )
    held = dict(((y, p, a), (int(h or 0), int(n))) for y, p, a, h, n in session.execute(linked.add_columns(big_sum(held_expression()), func.count(Commitment.id))))
    paid = dict(((y, p, a), int(s or 0)) for y, p, a, s in session.execute(linked.join(Payment, Payment.commitment_id == Commitment.id).add_columns(big_sum(Payment.amount))))
    return {k: (h, paid.get(k, 0), n) for k, (h, n) in held.items()}


def _shortfalls(session: Session, activities: list[ActivityRow]) -> tuple[LineShortfall, ...]:
    need: dict[int, int] = {}
    codes_of: dict[int, str] = {}
    for activity in activities:
        if activity.line_id is not None:
            need[activity.line_id] = need.get(activity.line_id, 0) + max(0, activity.estimated_cost - activity.committed)
            codes_of[activity.line_id] = activity.line_code or ""
    found = []
    for line_id, amount in sorted(need.items()):
        available = line_balance(session, line_id).available
        if shortfall(amount, available):
            found.append(LineShortfall(codes_of[line_id], amount, available))
    return tuple(found)


def _plans(session: Session, policy_id: int, scope: set[int] | None) -> list[PlanRow]:
    money = _linked_money(session, policy_id, scope)
    plans = list(
        session.execute(
            select(CommunicationPlan, Unit.code)
            .join(Unit, Unit.id == CommunicationPlan.unit_id)
            .where(CommunicationPlan.policy_id == policy_id, _in_scope(CommunicationPlan.unit_id, scope))
            .order_by(CommunicationPlan.year.desc(), CommunicationPlan.code, CommunicationPlan.version.desc())
        ).all()
    )
    rows = session.execute(
        select(PlanActivity, BudgetLine.code)
        .outerjoin(BudgetLine, BudgetLine.id == PlanActivity.line_id)
        .where(PlanActivity.plan_id.in_([p.id for p, _ in plans]))
        .order_by(PlanActivity.start_on, PlanActivity.code)
    ).all()
    by_plan: dict[int, list[tuple[PlanActivity, str | None]]] = {}
    for activity, line_code in rows:
        by_plan.setdefault(activity.plan_id, []).append((activity, line_code))
    versions: dict[tuple[int, str], list[CommunicationPlan]] = {}
    for plan, _unit in plans:  # newest version first
        versions.setdefault((plan.year, plan.code), []).append(plan)
    current = {key: next((p for p in found if p.status in IN_FORCE_STATUSES), found[0]).id for key, found in versions.items()}
    result = []
    for plan, unit_code in plans:
        activities = []
        for a, line_code in by_plan.get(plan.id, []):
            held, paid, count = money.get((plan.year, plan.code, a.code), (0, 0, 0))
            activities.append(
                ActivityRow(a.id, a.code, a.stage, a.content, a.channel, a.audience, a.start_on, a.end_on, a.estimated_cost, a.source_code, a.line_id, line_code, a.done_on, held, paid, count)
            )
        is_current = current[(plan.year, plan.code)] == plan.id
        flags = _shortfalls(session, activities) if is_current and plan.status != "DA_HUY" else ()
        result.append(
            PlanRow(plan.id, plan.code, plan.year, plan.version, unit_code, plan.title, plan.decision_no, plan.approved_on, plan.approved_by, plan.status, is_current, allowed_actions(session, plan), tuple(activities), flags)
        )
    return result


def _stage_money(plans: list[PlanRow]) -> tuple[StageMoney, ...]:
    totals = {stage: [0, 0, 0] for stage in STAGE_ORDER}
    for plan in plans:
        if plan.current and plan.status != "DA_HUY":
            for a in plan.activities:
                sums = totals[a.stage]
                sums[0] += a.estimated_cost
                sums[1] += a.committed
                sums[2] += a.paid
    return tuple(StageMoney(stage, *sums) for stage, sums in totals.items())


def policy_page(db: Database, actor: Actor, policy_code: str, today: dt.date | None = None) -> PolicyPage:
    """Everything the plans screen shows of one policy the actor can see (else NotFound)."""
    today = today or clock.today()
    with db.read() as session:
        return cached_figures(session, db, actor, ("policy_page", policy_code, today), lambda: _policy_page(session, actor, policy_code, today))


def _policy_page(session: Session, actor: Actor, policy_code: str, today: dt.date) -> PolicyPage:
    policy = policy_by_code(session, policy_code)
    if policy is None or policy.id not in {p.id for p in policies_in_scope(session, actor)}:
        raise NotFound(problem("policy.unknown", value=policy_code))
    scope = scope_unit_ids(session, actor)
    owner = session.get(Unit, policy.owner_unit_id)
    comments = session.execute(
        select(DraftComment, Unit.code)
        .join(Unit, Unit.id == DraftComment.unit_id)
        .where(DraftComment.policy_id == policy.id, _in_scope(DraftComment.unit_id, scope))
        .order_by(DraftComment.date, DraftComment.id)
    ).all()
    plans = _plans(session, policy.id, scope)
    return PolicyPage(
        _profile(policy, owner.code, today),
        tuple(CommentRow(c.id, c.date, unit, c.comment, c.response) for c, unit in comments),
        tuple(plans),
        _stage_money(plans),
    )


def coverage_407(db: Database, actor: Actor, today: dt.date | None = None) -> Coverage407:
    """Of the Decision-407 (large-impact) policies the actor can see, those with an approved (or
    completed) plan holding an activity at the proposal stages, and the list of the others."""
    today = today or clock.today()
    with db.read() as session:
        return cached_figures(session, db, actor, ("407", today), lambda: _coverage_407(session, actor, today))


def _coverage_407(session: Session, actor: Actor, today: dt.date) -> Coverage407:
    policies = [p for p in policies_in_scope(session, actor) if p.large_impact]
    stages: dict[int, set[str]] = {}
    if policies:
        found = session.execute(
            select(CommunicationPlan.policy_id, PlanActivity.stage)
            .join(PlanActivity, PlanActivity.plan_id == CommunicationPlan.id)
            .where(
                CommunicationPlan.policy_id.in_([p.id for p in policies]),
                CommunicationPlan.status.in_(IN_FORCE_STATUSES),
            )
            .distinct()
        )
        for policy_id, stage in found:
            stages.setdefault(policy_id, set()).add(stage)
    owners = dict(session.execute(select(Unit.id, Unit.code)).all())
    gaps = []
    for policy in policies:
        covered = stages.get(policy.id, set())
        if covered & set(codes.PROPOSAL_STAGES):
            continue
        first = next((s for s in STAGE_ORDER if s in covered), None)
        gaps.append(PolicyGap(policy.code, policy.name, owners.get(policy.owner_unit_id, ""), _profile(policy, "", today).current_stage, first))
    return Coverage407(len(policies), len(policies) - len(gaps), tuple(gaps))
