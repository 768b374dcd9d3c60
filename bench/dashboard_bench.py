"""Dashboard measurements for ``make bench``: the page's cold and warm run (AppTest, as the leader
at the national root), and the plan-vs-actual report against a hand-written SQL query of the
same figures on the same database, as a ratio measured in the same run."""

from __future__ import annotations

import os
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

HAND_SQL = """
SELECT l.category_code,
       SUM(l.original_estimate + COALESCE(a.amount, 0)) AS allocated,
       SUM(COALESCE(c.held, 0)) AS committed,
       SUM(COALESCE(p.paid, 0)) AS paid
FROM budget_lines l
LEFT JOIN (SELECT line_id, SUM(amount) AS amount FROM adjustments GROUP BY line_id) a ON a.line_id = l.id
LEFT JOIN (SELECT line_id,
                  SUM(CASE status WHEN 'signed' THEN value WHEN 'closed' THEN COALESCE(final_value, 0) ELSE 0 END) AS held
           FROM commitments WHERE year = :year GROUP BY line_id) c ON c.line_id = l.id
LEFT JOIN (SELECT line_id, SUM(amount) AS paid FROM payments WHERE year = :year GROUP BY line_id) p ON p.line_id = l.id
WHERE l.year = :year
GROUP BY l.category_code
"""


def _leader(db):
    from sqlalchemy import select

    from ledger.store.access import Actor
    from ledger.store.models import User

    with db.read() as session:
        return Actor.of(session.scalars(select(User).where(User.username == "leader")).one())


def _latest_year(db) -> int:
    from sqlalchemy import func, select

    from ledger.store.models import BudgetLine

    with db.read() as session:
        return int(session.scalar(select(func.max(BudgetLine.year))))


def measure_dashboard(db_path: Path, n: int) -> list[str]:
    """The dashboard page as a leader sees it: the first run in a fresh process (cold: nothing cached)
    and the next run (warm: the ledger's result cache holds the figures)."""
    url = f"sqlite:///{db_path}"
    os.environ["LEDGER_DATABASE_URL"] = url
    from streamlit.testing.v1 import AppTest

    from ledger.store.db import Database

    db = Database(url)
    leader = _leader(db)
    db.dispose()
    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=600)
    at.session_state["actor"] = leader
    started = time.perf_counter()
    at.run()
    cold = time.perf_counter() - started
    if at.exception:
        raise SystemExit(f"dashboard failed: {at.exception[0].value}")
    titles = [t.value for t in at.title]
    warm_runs = []
    for _ in range(3):
        started = time.perf_counter()
        at.run()
        warm_runs.append(time.perf_counter() - started)
    return [
        f"N={n} dashboard cold: {cold:.2f} s (page: {titles[0] if titles else '?'}; {len(at.metric)} figures)",
        f"N={n} dashboard warm: {min(warm_runs):.2f} s (best of 3)",
    ]


def measure_report(db_path: Path, n: int) -> list[str]:
    """Plan vs committed vs paid by category: the ledger's report (uncached) against the hand query."""
    from sqlalchemy import text

    from ledger.reports import dashboard
    from ledger.store.db import Database

    db = Database(f"sqlite:///{db_path}")
    leader = _leader(db)
    year = _latest_year(db)

    def report():
        with db.read() as session:
            selection = dashboard.validate(session, leader, dashboard.DashboardFilters(year=year))
            return {r.code: (r.allocated, r.committed, r.paid) for r in dashboard.by_category(session, selection) if r.lines}

    def hand():
        with db.engine.connect() as connection:
            return {c: (int(a), int(k), int(p)) for c, a, k, p in connection.execute(text(HAND_SQL), {"year": year})}

    report(), hand()  # warm the page cache of the file once for both
    timings = {}
    for name, function in (("report", report), ("hand", hand)):
        best = float("inf")
        for _ in range(3):
            started = time.perf_counter()
            result = function()
            best = min(best, time.perf_counter() - started)
        timings[name] = (best, result)
    db.dispose()
    if timings["report"][1] != timings["hand"][1]:
        raise SystemExit(f"report and hand query disagree: {timings['report'][1]} != {timings['hand'][1]}")
    ratio = timings["report"][0] / timings["hand"][0]
    return [
        f"N={n} plan-vs-actual report: {timings['report'][0] * 1000:.0f} ms, hand SQL: {timings['hand'][0] * 1000:.0f} ms,"
        f" ratio {ratio:.2f} (target ≤ 1.5; same figures)"
    ]
