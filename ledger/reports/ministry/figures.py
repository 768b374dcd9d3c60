"""The figures of the report to the Ministry for a unit's subtree and a fiscal year, as plain JSON
(ints, strings, ISO dates): what a submitted version freezes and what the files are written from.

Nothing is computed a second way: staff figures are ``coverage``'s, money is the dashboard's cube,
press, training and IT figures, and what a commitment holds is ``held_expression``. What those did
not have is aggregated here in SQL: original estimates, the process figures per owning unit, and
the rows of the people and plan-activity sheets. Per-child rows roll the same aggregates up to the
units directly below the reporting unit (``dashboard._rollup_targets``), so their sum is the whole.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, replace
from typing import Any

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from ledger.domain import codes
from ledger.domain.errors import ValidationError, problem
from ledger.domain.formatting import format_date
from ledger.domain.plan_rules import IN_FORCE_STATUSES
from ledger.domain.team import training_window
from ledger.queries.base import big_sum
from ledger.reports import dashboard
from ledger.reports.coverage import HELD_STATUSES, coverage_in_session, coverages_in_session
from ledger.store.access import Actor
from ledger.store.balances import held_expression
from ledger.store.models import (
    BudgetLine,
    Category,
    Commitment,
    CommunicationPlan,
    CourseParticipant,
    DraftComment,
    Payment,
    PlanActivity,
    Policy,
    Source,
    StaffAssignment,
    StaffMember,
    Unit,
    YearEndEntry,
    YearEndRun,
)

# The money columns of the per-category × source rows and of the per-child rows.
MONEY = ("estimate", "allocated", "committed", "paid", "available", "carried_over", "cancelled")
CHILD_FIELDS = (
    "people", "dedicated", "part_time", "spokesperson", "trained_policy", "trained_crisis", "policies", "large_impact",
    "with_plan", "from_proposal", "estimate_nsnn", "estimate_xhh", "committed", "paid", "paid_press", "paid_training",
    "paid_it", "carried_over", "cancelled",
)
PAID_BY_CATEGORY = {"BAO_CHI": "paid_press", "DAO_TAO": "paid_training", "CNTT": "paid_it"}


def period_end(year: int, today: dt.date) -> dt.date:
    """The period's last day: 31/12 of the year, or today while the year is running."""
    return min(dt.date(year, 12, 31), max(today, dt.date(year, 1, 1)))


Period = tuple[dt.date, dt.date]


def check_period(year: int, date_from: dt.date | None, date_to: dt.date | None) -> Period | None:
    """A range of dates inside the fiscal year (both given, both in ``year``, from ≤ to), or None for
    the whole year when neither is given; refused with a sentence otherwise."""
    if date_from is None and date_to is None:
        return None
    if date_from is None or date_to is None:
        raise ValidationError(problem("report.period_incomplete", "period", year=year))
    if not (dt.date(year, 1, 1) <= date_from <= dt.date(year, 12, 31) and dt.date(year, 1, 1) <= date_to <= dt.date(year, 12, 31)):
        raise ValidationError(problem("report.period_outside_year", "period", year=year, start=format_date(date_from), end=format_date(date_to)))
    if date_from > date_to:
        raise ValidationError(problem("report.period_reversed", "period", start=format_date(date_from), end=format_date(date_to)))
    return date_from, date_to


def stored_period(figures: dict[str, Any]) -> Period | None:
    """The range of dates ``build_figures`` computed ``figures`` for; None for the whole year."""
    period = figures.get("period")
    return (dt.date.fromisoformat(period["from"]), dt.date.fromisoformat(period["to"])) if period else None


def _estimates(session: Session, sel: dashboard.Selection) -> dict[tuple[int, str, str], int]:
    """The original estimates (dự toán ban đầu) by unit × category × source, summed in SQL."""
    keys = (BudgetLine.unit_id, BudgetLine.category_code, BudgetLine.source_code)
    query = select(*keys, big_sum(BudgetLine.original_estimate)).where(*dashboard.line_conditions(sel)).group_by(*keys)
    return {(u, c, s): int(v or 0) for u, c, s, v in session.execute(query)}


def _year_end(session: Session, sel: dashboard.Selection) -> dict[tuple[int, str, str], dict[str, int]]:
    """What the year-end run (issue 14) carried over and cancelled of the selection's lines, by unit ×
    category × source, summed in SQL over the entries of runs still applied (a reopened run is undone)."""
    keys = (BudgetLine.unit_id, BudgetLine.category_code, BudgetLine.source_code, YearEndEntry.kind)
    query = (
        select(*keys, big_sum(YearEndEntry.amount)).join(BudgetLine, BudgetLine.id == YearEndEntry.line_id)
        .join(YearEndRun, YearEndRun.id == YearEndEntry.run_id)
        .where(YearEndRun.status == "applied", *dashboard.line_conditions(sel)).group_by(*keys)
    )
    found: dict[tuple[int, str, str], dict[str, int]] = {}
    for unit_id, category, source, kind, amount in session.execute(query):
        bucket = found.setdefault((unit_id, category, source), {"carried_over": 0, "cancelled": 0})
        bucket["carried_over" if kind == "carry" else "cancelled"] += int(amount or 0)
    return found


def _process_by_unit(session: Session, unit_ids: set[int], year: int, as_of: dt.date, start: dt.date | None = None) -> dict[int, dict[str, int]]:
    """Process figures per owning unit: policies owned, of them large-impact, with a plan of the
    year, covered from the proposal stage (Decision 407's rule of ``plans.coverage_407``: an
    approved or completed plan holding a proposal-stage activity), comments given in the year."""
    found: dict[int, dict[str, int]] = {}

    def put(rows, *names):
        for uid, *values in rows:
            bucket = found.setdefault(uid, {})
            for name, value in zip(names, values, strict=True):
                bucket[name] = int(value or 0)

    owned = Policy.owner_unit_id.in_(unit_ids)
    put(session.execute(select(Policy.owner_unit_id, func.count(), func.sum(case((Policy.large_impact.is_(True), 1), else_=0))).where(owned).group_by(Policy.owner_unit_id)), "policies", "large_impact")
    planned = select(CommunicationPlan.policy_id).where(CommunicationPlan.year == year, CommunicationPlan.status != "DA_HUY")
    put(session.execute(select(Policy.owner_unit_id, func.count()).where(owned, Policy.id.in_(planned)).group_by(Policy.owner_unit_id)), "with_plan")
    early = (
        select(CommunicationPlan.policy_id).join(PlanActivity, PlanActivity.plan_id == CommunicationPlan.id)
        .where(CommunicationPlan.status.in_(IN_FORCE_STATUSES), PlanActivity.stage.in_(codes.PROPOSAL_STAGES))
    )
    put(session.execute(select(Policy.owner_unit_id, func.count()).where(owned, Policy.large_impact.is_(True), Policy.id.in_(early)).group_by(Policy.owner_unit_id)), "from_proposal")
    in_year = and_(DraftComment.date >= (start or dt.date(year, 1, 1)), DraftComment.date <= as_of)
    put(session.execute(select(DraftComment.unit_id, func.count()).where(DraftComment.unit_id.in_(unit_ids), in_year).group_by(DraftComment.unit_id)), "comments")
    return found


def _current_plans(session: Session, unit_ids: set[int], year: int) -> list[tuple[int, str, int, str, str]]:
    """The version that counts of each of the year's plans (the latest approved or completed one, else
    the latest: ``plans._plans``'s rule), not cancelled: (id, code, unit id, unit code, policy code)."""
    rows = session.execute(
        select(CommunicationPlan.id, CommunicationPlan.code, CommunicationPlan.status, CommunicationPlan.unit_id, Unit.code, Policy.code)
        .join(Unit, Unit.id == CommunicationPlan.unit_id).join(Policy, Policy.id == CommunicationPlan.policy_id)
        .where(CommunicationPlan.year == year, CommunicationPlan.unit_id.in_(unit_ids))
        .order_by(CommunicationPlan.code, CommunicationPlan.version.desc())
    ).all()
    versions: dict[str, list] = {}
    for row in rows:
        versions.setdefault(row[1], []).append(row)
    chosen = [next((r for r in found if r[2] in IN_FORCE_STATUSES), found[0]) for found in versions.values()]
    return [(r[0], r[1], r[3], r[4], r[5]) for r in chosen if r[2] != "DA_HUY"]


def _activity_rows(session: Session, unit_ids: set[int], year: int, as_of: dt.date, sel: dashboard.Selection | None = None) -> list[dict[str, Any]]:
    """The sheet ``Kế hoạch``: each activity of the current plans, with what commitments naming it
    (in any version of its plan) hold and what was paid on them, summed in SQL."""
    plans = {pid: (code, uid, unit_code, policy) for pid, code, uid, unit_code, policy in _current_plans(session, unit_ids, year)}
    if not plans:
        return []
    key = (CommunicationPlan.code, PlanActivity.code)
    linked = (
        select(*key).select_from(Commitment).join(PlanActivity, PlanActivity.id == Commitment.activity_id)
        .join(CommunicationPlan, CommunicationPlan.id == PlanActivity.plan_id)
        .where(CommunicationPlan.year == year).group_by(*key)
    )
    signed, dated = (dashboard.signed_by(sel), dashboard.paid_in(sel)) if sel is not None else ([], [])
    held = {(p, a): int(v or 0) for p, a, v in session.execute(linked.where(*signed).add_columns(big_sum(held_expression())))}
    paid = {(p, a): int(v or 0) for p, a, v in session.execute(linked.join(Payment, Payment.commitment_id == Commitment.id).where(*dated).add_columns(big_sum(Payment.amount)))}
    rows = []
    for a in session.scalars(select(PlanActivity).where(PlanActivity.plan_id.in_(plans)).order_by(PlanActivity.plan_id, PlanActivity.code)):
        code, uid, unit_code, policy = plans[a.plan_id]
        rows.append({
            "plan": code, "unit_id": uid, "unit": unit_code, "policy": policy, "activity": a.code, "stage": a.stage, "channel": a.channel,
            "start_on": a.start_on.isoformat(), "end_on": a.end_on.isoformat(), "estimated": int(a.estimated_cost),
            "committed": held.get((code, a.code), 0), "paid": paid.get((code, a.code), 0),
            "done": a.done_on is not None and a.done_on <= as_of,
        })
    return sorted(rows, key=lambda r: (r["plan"], r["activity"]))


def _people_rows(session: Session, unit_ids: set[int], on: dt.date) -> list[dict[str, Any]]:
    """The sheet ``Nhân sự``: each assignment held on the day, with the person's trainings (policy,
    crisis) of ``coverage``'s window, as course references."""
    first, last = training_window(on)
    active = and_(StaffAssignment.start_date <= on, or_(StaffAssignment.end_date.is_(None), StaffAssignment.end_date >= on), StaffAssignment.unit_id.in_(unit_ids))
    rows = session.execute(
        select(StaffMember.id, StaffMember.code, StaffMember.full_name, Unit.code, StaffAssignment.position, StaffAssignment.role, StaffAssignment.mode)
        .join(StaffMember, StaffMember.id == StaffAssignment.member_id).join(Unit, Unit.id == StaffAssignment.unit_id)
        .where(active).order_by(StaffMember.code, Unit.code, StaffAssignment.role)
    ).all()
    courses: dict[tuple[int, str], list[str]] = {}
    trained = session.execute(
        select(CourseParticipant.member_id, Commitment.topic, Commitment.reference).join(Commitment, Commitment.id == CourseParticipant.course_id)
        .where(CourseParticipant.completed.is_(True), Commitment.kind == "course", Commitment.status.in_(HELD_STATUSES),
               Commitment.end_date >= first, Commitment.end_date <= last)
        .order_by(Commitment.reference)
    ) if rows else ()
    # Everyone's trainings in the window, kept for the people listed: filtering by person in SQL makes
    # SQLite walk the participants' index person by person (``coverage`` reads them the same way).
    listed = {row[0] for row in rows}
    for member_id, topic, reference in trained:
        if member_id in listed:
            courses.setdefault((member_id, topic or ""), []).append(reference)
    return [
        {"code": code, "name": name, "unit": unit, "position": position, "role": role, "mode": mode,
         "policy": ", ".join(courses.get((mid, codes.POLICY_TOPIC), [])), "crisis": ", ".join(courses.get((mid, codes.CRISIS_TOPIC), []))}
        for mid, code, name, unit, position, role, mode in rows
    ]


def _money_rows(session: Session, sel: dashboard.Selection, closing: dict[tuple[int, str, str], dict[str, int]]) -> list[dict[str, Any]]:
    """The sheet ``Kinh phí``: category × source from the dashboard's cube, with original estimates
    and what the year end carried over and cancelled (0 while the year is open)."""
    estimates = _estimates(session, sel)
    rows = []
    categories = [c for c, in session.execute(select(Category.code).order_by(Category.sort_order))]
    sources = [s for s, in session.execute(select(Source.code).order_by(Source.sort_order))]
    grouped = {(r["category_code"], r["source_code"]): r for r in dashboard._grouped(session, sel, "category_code", "source_code")}
    for category in categories:
        for source in sources:
            row = grouped.get((category, source), dashboard._zero())
            estimate = sum(v for (u, c, s), v in estimates.items() if c == category and s == source)
            ended = [v for (_u, c, s), v in closing.items() if c == category and s == source]
            rows.append({"category": category, "source": source, "estimate": estimate, **{k: int(row[k]) for k in ("allocated", "committed", "paid", "available")},
                         "carried_over": sum(v["carried_over"] for v in ended), "cancelled": sum(v["cancelled"] for v in ended)})
    return rows


def _add_money(bucket: dict[str, int], category: str, source: str, figures: dict[str, Any]) -> None:
    """Add one category × source's money to a summary row: committed, paid (and paid per category),
    the allocation under its source's ``Dự toán`` column."""
    bucket["committed"] += figures["committed"]
    bucket["paid"] += figures["paid"]
    if category in PAID_BY_CATEGORY:
        bucket[PAID_BY_CATEGORY[category]] += figures["paid"]
    if source in ("NSNN", "XHH"):
        bucket[f"estimate_{source.lower()}"] += figures["allocated"]


def _child_rows(session: Session, actor: Actor, sel: dashboard.Selection, root: Unit, on: dt.date, process: dict[int, dict[str, int]], whole,
                closing: dict[tuple[int, str, str], dict[str, int]]) -> list[dict[str, Any]]:
    """The sheet ``Tổng hợp đơn vị``: one row per unit directly below the reporting unit (its subtree
    rolled up), then the reporting unit's own entries when it has any. Its ``Dự toán`` columns are
    the allocations (dự toán được giao: the original estimate and its adjustments)."""
    target, labels = dashboard._rollup_targets(session, sel)
    rows: dict[int, dict[str, Any]] = {uid: {f: 0 for f in CHILD_FIELDS} for uid in labels}
    for row in dashboard._cube(session, sel):
        top = target.get(row["unit_id"])
        if top is None:
            continue
        _add_money(rows[top], row["category_code"], row["source_code"], row)
    for (uid, _category, _source), ended in closing.items():
        top = target.get(uid)
        if top is not None:
            rows[top]["carried_over"] += ended["carried_over"]
            rows[top]["cancelled"] += ended["cancelled"]
    for uid, figures in process.items():
        top = target.get(uid)
        if top is not None:
            for key in ("policies", "large_impact", "with_plan", "from_proposal"):
                rows[top][key] += figures.get(key, 0)
    children = coverages_in_session(session, actor, [code for uid, (code, _name) in labels.items() if uid != root.id], on) if len(labels) > 1 else {}
    for uid, (code, _name) in labels.items():
        if uid == root.id:
            own = next((u for u in whole.units if u.code == code), None)  # the reporting unit's coverage, read once
            staff = (own.people, own.dedicated, own.has_spokesperson, own.trained_policy, own.trained_crisis) if own else (0, 0, False, 0, 0)
        else:
            c = children[code]
            own = next((u for u in c.units if u.code == code), None)
            staff = (c.people, c.dedicated, bool(own and own.has_spokesperson), c.trained_policy, c.trained_crisis)
        people, dedicated, spokesperson, policy, crisis = staff
        rows[uid].update(people=people, dedicated=dedicated, part_time=people - dedicated, spokesperson=int(spokesperson), trained_policy=policy, trained_crisis=crisis)
    ordered = sorted((uid for uid in labels if uid != root.id), key=lambda uid: labels[uid][0])
    if any(rows[root.id][f] for f in CHILD_FIELDS):
        ordered.append(root.id)
    return [{"code": labels[uid][0], "name": labels[uid][1], "own": uid == root.id, **rows[uid]} for uid in ordered]


def _own_row(c, unit: Unit, process: dict[int, dict[str, int]], money: list[dict[str, Any]]) -> dict[str, int]:
    """The unit's whole subtree as one row of its parent's ``Tổng hợp đơn vị`` (the parent's rule:
    distinct people of the subtree, the unit's own spokesperson, money and process rolled up)."""
    own = next((u for u in c.units if u.code == unit.code), None)
    row = {f: 0 for f in CHILD_FIELDS}
    row.update(people=c.people, dedicated=c.dedicated, part_time=c.part_time, spokesperson=int(bool(own and own.has_spokesperson)),
               trained_policy=c.trained_policy, trained_crisis=c.trained_crisis)
    for key in ("policies", "large_impact", "with_plan", "from_proposal"):
        row[key] = sum(p.get(key, 0) for p in process.values())
    for r in money:
        _add_money(row, r["category"], r["source"], r)
        row["carried_over"] += r["carried_over"]
        row["cancelled"] += r["cancelled"]
    return row


def build_figures(session: Session, actor: Actor, unit: Unit, year: int, today: dt.date, period: Period | None = None) -> dict[str, Any]:
    """Every figure of ``unit``'s report for ``year`` (scope: its subtree), JSON-ready; with
    ``period`` (a range inside the year, ``check_period``'s), as of its last day: payments dated in
    it, commitments signed by its end, staff on its end day, the year-end entries only when it
    ends on 31/12. The same functions compute both: the period rides on the dashboard's Selection."""
    on = period_end(year, today) if period is None else period[1]
    sel = dashboard.validate(session, actor, dashboard.DashboardFilters(year=year, unit_code=unit.code))
    if period is not None:
        sel = replace(sel, date_from=period[0], date_to=period[1])
    ids = set(sel.unit_ids or ())
    c = coverage_in_session(session, actor, unit.code, on)
    process = _process_by_unit(session, ids, year, on, period[0] if period else None)
    activities = _activity_rows(session, ids, year, on, sel if period else None)
    train = dashboard.training(session, sel)
    press = dashboard.press_orders(session, sel, top=5)
    closing = _year_end(session, sel) if period is None or on == dt.date(year, 12, 31) else {}
    money = _money_rows(session, sel, closing)
    total = {k: sum(r[k] for r in money) for k in MONEY}
    agencies = [a for a in press.agencies if a.code]
    return {
        "unit": unit.code, "unit_name": unit.name, "year": year, "as_of": on.isoformat(),
        **({"period": {"from": period[0].isoformat(), "to": period[1].isoformat()}} if period else {}),
        "staff": {
            "people": c.people, "dedicated": c.dedicated, "part_time": c.part_time, "units": sum(1 for u in c.units if u.kind != "national"),
            "without_spokesperson": [u.code for u in c.without_spokesperson], "trained_policy": c.trained_policy, "trained_crisis": c.trained_crisis,
            "trained_people": c.trained_people, "training_cost": c.training_cost, "cost_per_trained": c.cost_per_trained,
            "window_start": c.window_start.isoformat(), "courses": train.courses, "participants": train.participants,
        },
        "process": {
            **{k: sum(p.get(k, 0) for p in process.values()) for k in ("policies", "large_impact", "with_plan", "from_proposal", "comments")},
            "activities": len(activities), "activities_done": sum(1 for a in activities if a["done"]),
            "planned_cost": sum(a["estimated"] for a in activities), "committed": sum(a["committed"] for a in activities),
            "paid": sum(a["paid"] for a in activities),
        },
        "money": {
            "rows": money, "total": total, "it": [asdict(row) for row in dashboard.it_services(session, sel)],
            "press_total": press.total, "top_five_share": press.top_five_share,
            "top_agencies": [{"code": a.code, "name": a.name, "amount": a.amount} for a in agencies[:5]],
        },
        "row": _own_row(c, unit, process, money),
        "children": _child_rows(session, actor, sel, unit, on, process, c, closing),
        "people": _people_rows(session, ids, on),
        "activities": [{k: v for k, v in a.items() if k != "unit_id"} for a in activities],
    }
