"""Coverage of the communication team for any unit's subtree on any day (letter 837, item 1): who is
assigned (dedicated, part-time), which units have no spokesperson or no dedicated person, how many
people were trained in policy and in crisis communication within the last 24 months, and what the
training cost per trained person. One function, ``coverage``, feeds the screen, the report to the
Ministry and the extract; everything is counted in SQL (distinct people, never course seats).

Definitions (the rules are ``ledger.domain.team``'s):
- an assignment holds on day D when it started on or before D and has not ended before D;
- a unit "has a spokesperson" when someone holds the ``PHAT_NGON`` role there on D; units flagged
  are those of the subtree but the national roll-up (kind ``national``), which is no agency;
- a person is dedicated when one of their assignments in the subtree on D is dedicated, else part-time;
- trained in a topic: a person assigned in the subtree on D who completed a course of that topic,
  signed or closed (it took place; a draft or a cancelled course did not), whose last day lies in
  the window ``training_window(D)``;
- training spending per trained person: what the subtree's courses ending in the window hold
  (``held``: the signed value, the final value once closed), over the distinct people who completed
  any of them.

``course_participants_expression`` is the rule "a course with an attendance list counts its list":
the dashboard's training figures use it for the participant count and the cost per participant.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Integer, and_, case, column, func, literal_column, null, or_, select, union_all, values
from sqlalchemy.orm import Session

from ledger.domain import clock, codes
from ledger.domain.errors import NotFound, PermissionDenied, problem
from ledger.domain.team import per_person, training_window
from ledger.queries.base import big_sum
from ledger.store.access import SYSTEM, Actor, can_read_unit, subtree
from ledger.store.balances import held_expression
from ledger.store.db import Database
from ledger.store.models import BudgetLine, Commitment, CourseParticipant, StaffAssignment, Unit

HELD_STATUSES = ("signed", "closed")  # a course that took place


@dataclass(frozen=True)
class UnitCoverage:
    """One unit of the subtree: people assigned there on the day, and whether its posts are filled."""

    code: str
    name: str
    kind: str
    people: int
    dedicated: int
    has_spokesperson: bool
    trained_policy: int
    trained_crisis: int

    @property
    def part_time(self) -> int:
        return self.people - self.dedicated


@dataclass(frozen=True)
class Coverage:
    """The team of a unit's subtree on a day; people are distinct across the subtree."""

    unit_code: str
    on: dt.date
    window_start: dt.date
    people: int
    dedicated: int
    trained_policy: int
    trained_crisis: int
    trained_people: int  # completed any course of the subtree in the window
    training_cost: int
    units: tuple[UnitCoverage, ...]

    @property
    def part_time(self) -> int:
        return self.people - self.dedicated

    @property
    def cost_per_trained(self) -> int | None:
        return per_person(self.training_cost, self.trained_people)

    @property
    def without_spokesperson(self) -> tuple[UnitCoverage, ...]:
        return tuple(u for u in self.units if u.kind != "national" and not u.has_spokesperson)

    @property
    def without_dedicated(self) -> tuple[UnitCoverage, ...]:
        return tuple(u for u in self.units if u.kind != "national" and not u.dedicated)


@dataclass(frozen=True)
class YearCoverage:
    """Coverage at the end of a year (or today, for the current year): the trend."""

    year: int
    on: dt.date
    people: int
    dedicated: int
    trained_policy: int
    trained_crisis: int
    without_spokesperson: int


def require_team_reader(session: Session, actor: Actor) -> None:
    """Administrators manage users and catalogues, not the team: they do not read it either (its
    people's data is for the officers, leaders and auditors of the scope)."""
    if actor != SYSTEM and actor.role == "admin":
        raise PermissionDenied(problem("team.admin_none"))


def course_participants_expression():
    """SQL for a course's participant count: the length of its attendance list when it has one,
    else the number declared on the course (``ledger.domain.team.course_participants``)."""
    listed = (
        select(func.count(CourseParticipant.id))
        .where(CourseParticipant.course_id == Commitment.id)
        .correlate(Commitment)
        .scalar_subquery()
    )
    return func.coalesce(func.nullif(listed, 0), Commitment.participants)


def _active_on(on: dt.date):
    return and_(StaffAssignment.start_date <= on, or_(StaffAssignment.end_date.is_(None), StaffAssignment.end_date >= on))


def _completed_in_window(first: dt.date, last: dt.date, *where: Any):
    """SQL: the people (member ids, repeated) who completed a course held that ended in [first, last]."""
    return (
        select(CourseParticipant.member_id)
        .join(Commitment, Commitment.id == CourseParticipant.course_id)
        .where(
            CourseParticipant.completed.is_(True),
            Commitment.kind == "course",
            Commitment.status.in_(HELD_STATUSES),
            Commitment.end_date >= first,
            Commitment.end_date <= last,
            *where,
        )
    )


def coverage_in_session(session: Session, actor: Actor, unit_code: str, on: dt.date) -> Coverage:
    """``coverage`` inside the caller's read transaction (the report and the extract use this)."""
    return coverages_in_session(session, actor, [unit_code], on)[(unit_code or "").strip()]


def coverages_in_session(session: Session, actor: Actor, unit_codes: list[str], on: dt.date) -> dict[str, Coverage]:
    """``coverage`` of several units' subtrees on one day, read together (the report to the Ministry
    needs every agency's): each subtree is a scope of its own, people distinct within it; the
    statements are the same whatever the number of units, so their cost does not grow with it."""
    require_team_reader(session, actor)
    wanted = [(code or "").strip() for code in unit_codes]
    found = {u.code: u for u in session.scalars(select(Unit).where(Unit.code.in_(wanted)))}
    for code in wanted:
        if code not in found or not can_read_unit(session, actor, found[code].id):
            raise NotFound(problem("unit.unknown", value=code))
    roots = [found[code] for code in dict.fromkeys(wanted)]
    first, last = training_window(on)
    pairs = [(index, uid) for index, root in enumerate(roots) for uid in sorted(subtree(session, root.id))]
    # Each (scope, unit) pair as a table: a unit in two requested subtrees counts in both.
    scope = values(column("scope", Integer), column("unit_id", Integer), name="scope").data(pairs).cte("scope_units")

    def flag(condition):
        return func.max(case((condition, 1), else_=0))

    # Two steps, one statement: each (scope, unit, person) assigned on the day with their flags, and
    # the trainings in the window of everyone assigned; then the figures per unit and, as the rows
    # with no unit, per scope (a person in two units of a scope counted once).
    assigned = (
        select(scope.c.scope, StaffAssignment.unit_id, StaffAssignment.member_id, flag(StaffAssignment.mode == codes.DEDICATED_MODE).label("dedicated"),
               flag(StaffAssignment.role == codes.SPOKESPERSON_ROLE).label("spokesperson"))
        .join(scope, scope.c.unit_id == StaffAssignment.unit_id)
        .where(_active_on(on))
        .group_by(scope.c.scope, StaffAssignment.unit_id, StaffAssignment.member_id)
        .cte("assigned")
    )
    # Everyone's trainings in the window (the join below keeps the scope's people): filtering them by
    # the people assigned makes SQLite walk the participants' index person by person, 30 times slower.
    trained = (
        _completed_in_window(first, last, Commitment.topic.in_((codes.POLICY_TOPIC, codes.CRISIS_TOPIC)))
        .add_columns(flag(Commitment.topic == codes.POLICY_TOPIC).label("policy"), flag(Commitment.topic == codes.CRISIS_TOPIC).label("crisis"))
        .group_by(CourseParticipant.member_id)
        .cte("trained")
        .prefix_with("MATERIALIZED")  # read once: inlined, SQLite evaluates it again for each part of the union
    )
    person = select(assigned.c.scope, assigned.c.member_id, func.max(assigned.c.dedicated).label("dedicated")).group_by(assigned.c.scope, assigned.c.member_id).subquery()

    def figures(rows, unit_id):
        joined = rows.outerjoin(trained, trained.c.member_id == rows.c.member_id)
        spokesperson = func.max(rows.c.spokesperson) if unit_id is not None else literal_column("0")
        return select(
            rows.c.scope, unit_id if unit_id is not None else null().label("unit_id"), func.count(), func.sum(rows.c.dedicated), spokesperson,
            func.sum(func.coalesce(trained.c.policy, 0)), func.sum(func.coalesce(trained.c.crisis, 0)),
        ).select_from(joined)

    by_unit = figures(assigned, assigned.c.unit_id).group_by(assigned.c.scope, assigned.c.unit_id)
    per_unit = {(row[0], row[1]): row[2:] for row in session.execute(union_all(by_unit, figures(person, None).group_by(person.c.scope)))}
    # The courses' cost per unit, and who completed them per unit, then rolled up to each scope here: a
    # join to the scope table makes SQLite loop over every course once per pair.
    units_of: dict[int, list[int]] = {}
    for index, uid in pairs:
        units_of.setdefault(uid, []).append(index)
    courses = (Commitment.kind == "course", Commitment.status.in_(HELD_STATUSES), Commitment.end_date >= first, Commitment.end_date <= last,
               BudgetLine.unit_id.in_(units_of))
    cost: dict[int, int] = {}
    for uid, amount in session.execute(
        select(BudgetLine.unit_id, big_sum(held_expression())).select_from(Commitment).join(BudgetLine, BudgetLine.id == Commitment.line_id)
        .where(*courses).group_by(BudgetLine.unit_id)
    ):
        for index in units_of[uid]:
            cost[index] = cost.get(index, 0) + int(amount or 0)
    completed: dict[int, set[int]] = {}
    for uid, member in session.execute(
        select(BudgetLine.unit_id, CourseParticipant.member_id).select_from(CourseParticipant)
        .join(Commitment, Commitment.id == CourseParticipant.course_id).join(BudgetLine, BudgetLine.id == Commitment.line_id)
        .where(CourseParticipant.completed.is_(True), *courses).distinct()
    ):
        for index in units_of[uid]:
            completed.setdefault(index, set()).add(member)
    trained_people = {index: len(people) for index, people in completed.items()}
    names = {uid: (code, name, kind) for uid, code, name, kind in session.execute(select(Unit.id, Unit.code, Unit.name, Unit.kind))}
    result = {}
    for index, root in enumerate(roots):
        totals = [int(v or 0) for v in per_unit.get((index, None), (0, 0, 0, 0, 0))]

        def unit_row(uid: int, index: int = index) -> UnitCoverage:
            people_, dedicated, spokesperson, policy_, crisis_ = (int(v or 0) for v in per_unit.get((index, uid), (0, 0, 0, 0, 0)))
            return UnitCoverage(*names[uid], people_, dedicated, bool(spokesperson), policy_, crisis_)

        units = sorted((unit_row(uid) for i, uid in pairs if i == index), key=lambda u: u.code)
        result[root.code] = Coverage(root.code, on, first, totals[0], totals[1], totals[3], totals[4], int(trained_people.get(index) or 0),
                                     int(cost.get(index) or 0), tuple(units))
    return result


def coverage(db: Database, actor: Actor, unit_code: str, on: dt.date) -> Coverage:
    """The team of ``unit_code``'s subtree on ``on`` (a unit outside the actor's scope is unknown)."""
    from ledger.reports.dashboard import cached_figures  # the dashboard imports this module

    with db.read() as session:
        return cached_figures(session, db, actor, ("on", unit_code, on), lambda: coverage_in_session(session, actor, unit_code, on))


def coverage_trend(db: Database, actor: Actor, unit_code: str, years: list[int], today: dt.date | None = None) -> list[YearCoverage]:
    """Coverage on 31/12 of each year (today for the current year; years to come are left out)."""
    from ledger.reports.dashboard import cached_figures  # the dashboard imports this module

    today = today or clock.today()
    with db.read() as session:
        return list(cached_figures(session, db, actor, ("trend", unit_code, tuple(sorted(set(years))), today), lambda: _trend(session, actor, unit_code, years, today)))


def _trend(session: Session, actor: Actor, unit_code: str, years: list[int], today: dt.date) -> tuple[YearCoverage, ...]:
    found = []
    for year in sorted(set(years)):
        on = min(dt.date(year, 12, 31), today)
        if on.year != year:
            continue
        c = coverage_in_session(session, actor, unit_code, on)
        found.append(YearCoverage(year, on, c.people, c.dedicated, c.trained_policy, c.trained_crisis, len(c.without_spokesperson)))
    return tuple(found)
