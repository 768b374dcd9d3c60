"""Measurements of the communication team's coverage and of the plans (issues 11 and 12) for
``make bench``, in the style of ``bench/run.py`` (``measure_<name>(db_path, n) -> list[str]``, each in
a process of its own; cold = the first call in that process, warm = the second).

- coverage: the figures of the leaders' coverage section at the national root (``coverage`` on the
  day and ``coverage_trend`` over the ledger's years, as ``pages/parts/team_coverage.py`` asks for
  them). Target: <= 0.5 s warm at ``demo --scale 1000000``.
- plans: the policy page of the policy with the most commitments carrying out its activities, and
  the leaders' Decision-407 figures (``policy_page`` + ``coverage_407``). Target: <= 0.5 s warm.
"""

from __future__ import annotations

import time
from pathlib import Path

TARGET = 0.5


def _open(db_path: Path):
    from sqlalchemy import select

    from ledger.store.access import Actor
    from ledger.store.db import Database
    from ledger.store.models import User

    db = Database(f"sqlite:///{db_path}")
    with db.read() as session:
        leader = Actor.of(session.scalars(select(User).where(User.username == "leader")).one())
    return db, leader


def _twice(call) -> tuple[float, float, float, object]:
    """Cold (first call), warm (second: the result cache holds the figures, as for the dashboard)
    and computed again with the cache emptied (the database's pages warm, every query run)."""
    from ledger.reports.dashboard import CACHE

    timings, result = [], None
    for number in range(3):
        if number == 2:
            CACHE.clear()
        started = time.perf_counter()
        result = call()
        timings.append(time.perf_counter() - started)
    return timings[0], timings[1], timings[2], result


def _verdict(warm: float) -> str:
    return "within" if warm <= TARGET else "OVER"


def measure_coverage(db_path: Path, n: int) -> list[str]:
    """The coverage section's figures at QG, as a leader, on the ledger's day."""
    from ledger.domain import clock
    from ledger.queries.catalogue import fiscal_years
    from ledger.reports.coverage import coverage, coverage_trend

    db, leader = _open(db_path)
    today = clock.today()
    years = sorted(y.year for y in fiscal_years(db))

    def figures():
        return coverage(db, leader, "QG", today), coverage_trend(db, leader, "QG", years, today=today)

    cold, warm, again, (found, trend) = _twice(figures)
    db.dispose()
    return [
        f"N={n} coverage cold: {cold:.3f} s; warm: {warm:.3f} s ({_verdict(warm)} the {TARGET} s target); recomputed: {again:.3f} s"
        f" ({found.people} people, {found.dedicated} dedicated, {found.trained_policy}/{found.trained_crisis} trained in policy/crisis"
        f" communication, {len(found.without_spokesperson)} units without a spokesperson, {len(found.units)} units, {len(trend)} years)",
    ]


def measure_plans(db_path: Path, n: int) -> list[str]:
    """The busiest policy's page and the leaders' Decision-407 figures, as a leader."""
    from sqlalchemy import func, select

    from ledger.reports.plans import coverage_407, policy_page
    from ledger.store.models import Commitment, CommunicationPlan, PlanActivity, Policy

    db, leader = _open(db_path)
    with db.read() as session:
        busiest = session.execute(
            select(Policy.code, func.count(Commitment.id))
            .join(CommunicationPlan, CommunicationPlan.policy_id == Policy.id)
            .join(PlanActivity, PlanActivity.plan_id == CommunicationPlan.id)
            .join(Commitment, Commitment.activity_id == PlanActivity.id)
            .group_by(Policy.code)
            .order_by(func.count(Commitment.id).desc(), Policy.code)
            .limit(1)
        ).first()
    if busiest is None:
        raise SystemExit(f"no commitment carries out a plan activity in {db_path}: rebuild it (BENCH_REBUILD=1)")
    code, linked = busiest
    page_cold, page_warm, page_again, page = _twice(lambda: policy_page(db, leader, code))
    share_cold, share_warm, share_again, share = _twice(lambda: coverage_407(db, leader))
    db.dispose()
    activities = sum(len(p.activities) for p in page.plans)
    warm = page_warm + share_warm
    return [
        f"N={n} policy page ({code}: {len(page.plans)} plans, {activities} activities, {linked} commitments) cold: {page_cold:.3f} s; warm: {page_warm:.3f} s; recomputed: {page_again:.3f} s",
        f"N={n} leaders' 407 figures ({share.covered}/{share.policies} covered, {len(share.gaps)} gaps) cold: {share_cold:.3f} s; warm: {share_warm:.3f} s; recomputed: {share_again:.3f} s",
        f"N={n} plans (policy page + 407 figures) warm: {warm:.3f} s ({_verdict(warm)} the {TARGET} s target); recomputed: {page_again + share_again:.3f} s",
    ]
